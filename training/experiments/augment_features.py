"""Hidden states of one augmented copy per clip (training/augment.py, a random chain per clip,
seeded by the clip id), cached beside the clean ones: ``<upstream cache>/corpora-aug<seed+1>``,
ids ``aug/<corpus>/<clip>``; the chain drawn for every clip goes to ``_params.jsonl`` there.

Usage: python -m training.experiments.augment_features --corpus emodb=DIR ravdess=DIR nemo=DIR
       --upstream whisper-base [--seed 0] [--only emodb,ravdess]
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from training.audio import read_audio
from training.augment import augment_clip
from training.data.corpora import corpus_of, load_corpora
from training.features import DEFAULT_CACHE_DIR, upstream_cache_id
from training.upstream.candidates import build_spec

AUG_PREFIX = "aug/"


def aug_dir(spec: str, seed: int = 0, up=None) -> Path:
    up = up if up is not None else build_spec(spec)
    return DEFAULT_CACHE_DIR / upstream_cache_id(spec, up) / f"corpora-aug{seed + 1}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", nargs="+", required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", default="", help="comma list of corpora (default: all, in the order given)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    utts = load_corpora(args.corpus)
    if args.only:
        keep = args.only.split(",")
        utts = sorted((u for u in utts if corpus_of(u) in keep), key=lambda u: keep.index(corpus_of(u)))
    up = build_spec(args.upstream)
    up.eval()
    directory = aug_dir(args.upstream, args.seed, up)
    directory.mkdir(parents=True, exist_ok=True)
    info = getattr(up, "info", None)
    sr = getattr(info, "sample_rate", 16000)
    todo = [u for u in utts if not (directory / f"{AUG_PREFIX}{u.id}.npy").exists()]
    print(f"{len(utts)} clips, {len(todo)} to extract -> {directory}", flush=True)
    t0 = time.time()
    with torch.no_grad(), open(directory / "_params.jsonl", "a") as log:
        for k, u in enumerate(todo):
            audio, params = augment_clip(read_audio(u.path, sr), u.id, args.seed, sr)
            hidden = up(torch.from_numpy(audio).unsqueeze(0))
            half = hidden.float().numpy().astype(np.float16)
            if not np.isfinite(half).all():
                raise ValueError(f"{u.id}: hidden states not finite in fp16")
            out = directory / f"{AUG_PREFIX}{u.id}.npy"
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_suffix(".tmp.npy")
            np.save(tmp, half)
            tmp.replace(out)
            log.write(json.dumps({"id": u.id, **params}) + "\n")
            if (k + 1) % 100 == 0 or k + 1 == len(todo):
                log.flush()
                el = time.time() - t0
                print(f"{k + 1}/{len(todo)} {corpus_of(u)} {el:.0f}s (eta {el / (k + 1) * (len(todo) - k - 1):.0f}s)", flush=True)


if __name__ == "__main__":
    main()


def aug_utts(utts):
    """The augmented copies of ``utts``: id ``aug/<id>``, same path, label and speaker."""
    from dataclasses import replace

    return [replace(u, id=AUG_PREFIX + u.id) for u in utts]


def aug_frame_sums(directory: Path, utts) -> list:
    """Frame sums of the augmented copies of ``utts`` (clean ids), cached per corpus in the
    augmented cache (``aug/<corpus>/_frame_sums.npz``), so a fold reads only its corpora."""
    from training.domain import frame_sums
    from training.features import FeatureStore

    out: dict[str, object] = {}
    by_corpus: dict[str, list] = {}
    for u in utts:
        by_corpus.setdefault(corpus_of(u), []).append(u)
    for corpus, members in by_corpus.items():
        local = [type(u)(id=u.id.split("/", 1)[1], path=u.path, label=u.label, speaker=u.speaker, group=u.group)
                 for u in members]
        store = FeatureStore(directory / "aug" / corpus, [u.id for u in local])
        for u, s in zip(members, frame_sums(store, local)):
            out[u.id] = s
    return [out[u.id] for u in utts]


class UnionStore:
    """Clean and augmented features behind one ``tensor(id)``: ``aug/`` ids from ``aug``."""

    def __init__(self, clean, aug) -> None:
        self.clean, self.aug = clean, aug
        self.num_layers, self.dim = clean.num_layers, clean.dim

    def tensor(self, utt_id: str):
        return self.aug.tensor(utt_id) if utt_id.startswith(AUG_PREFIX) else self.clean.tensor(utt_id)

    def get(self, utt_id: str):
        return self.aug.get(utt_id) if utt_id.startswith(AUG_PREFIX) else self.clean.get(utt_id)
