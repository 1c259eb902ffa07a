"""Stage 2 of the cross-corpus study: trained heads, leave-one-corpus-out.

For each held-out corpus: train a head (featurizer -> Linear -> pooling -> Linear, the
paper's recipe) on the other corpora, early-stopped on a stratified 20 % dev split of them,
then test on the held-out corpus. Normalisation of the hidden states (training/domain.py):
``none`` (training statistics everywhere) or ``session`` (training speakers by their own
statistics; a held-out speaker's clips arrive one by one, normalised with running
statistics that start from the training statistics, as the page does).

Usage: python -m training.experiments.cross_corpus_heads --corpus emodb=DIR ravdess=DIR nemo=DIR
       --upstream whisper-base --heads corrap,cp --smoothing 0.1 --norms session [--set max_epochs=30]
Appends to docs/results/cross-corpus-heads.json (a run already there is skipped).
"""
from __future__ import annotations

import argparse
import json
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from training.data.corpora import FOUR_CLASSES, corpus_of, load_corpora
from training.domain import PRIOR_FRAMES, FrameSums, NormalisedStore, group_stats, running_stats
from training.evaluate import split_dev
from training.experiments.cross_corpus_rank import feature_dir, utterance_sums
from training.experiments.run_heads import parse_overrides
from training.features import FeatureStore
from training.metrics import summarise
from training.train import TrainConfig, predict, train_head

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "docs" / "results" / "cross-corpus-heads.json"
LABELS = list(FOUR_CLASSES)


def session_stats(utts, idx, sums, prior, seed: int = 0) -> tuple[dict, dict]:
    """Running statistics per held-out speaker (clips in a seeded random order, each one
    included before it is classified); returns ({id: (mean, std)}, {id: position})."""
    rng = np.random.default_rng(seed)
    by_spk: dict[str, list[int]] = {}
    for i in idx:
        by_spk.setdefault(utts[i].speaker, []).append(i)
    stats, position = {}, {}
    for members in by_spk.values():
        heard = None
        for k, i in enumerate(rng.permutation(members)):
            heard = sums[i] if heard is None else FrameSums.total([heard, sums[i]])
            stats[utts[i].id] = running_stats(prior[0], prior[1], PRIOR_FRAMES, heard)
            position[utts[i].id] = k
    return stats, position


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", nargs="+", required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--heads", default="corrap")
    ap.add_argument("--smoothing", default="0.1")
    ap.add_argument("--norms", default="session")
    ap.add_argument("--held", default="", help="comma list of held-out corpora (default: all)")
    ap.add_argument("--set", nargs="*", default=[])
    args = ap.parse_args()
    utts = load_corpora(args.corpus)
    y = np.array([LABELS.index(u.label) for u in utts])
    sums = utterance_sums(args.upstream, utts)
    store = FeatureStore(feature_dir(args.upstream), [u.id for u in utts])
    corpora = sorted({corpus_of(u) for u in utts})
    held_list = args.held.split(",") if args.held else corpora
    base = replace(TrainConfig(), **parse_overrides(args.set))
    for norm in args.norms.split(","):
        for pooling in args.heads.split(","):
            for ls in (float(s) for s in args.smoothing.split(",")):
                cfg = replace(base, pooling=pooling, label_smoothing=ls)
                for held in held_list:
                    doc = json.loads(OUT.read_text()) if OUT.exists() else {"labels": LABELS, "prior_frames": PRIOR_FRAMES, "runs": []}
                    key = {"upstream": args.upstream, "norm": norm, "held_out": held, "config": asdict(cfg)}
                    if any(all(r.get(k) == v for k, v in key.items()) for r in doc["runs"]):
                        continue
                    test = [i for i, u in enumerate(utts) if corpus_of(u) == held]
                    train_idx = [i for i, u in enumerate(utts) if corpus_of(u) != held]
                    prior = FrameSums.total([sums[i] for i in train_idx]).mean_std()
                    if norm == "none":
                        stats = {utts[i].id: prior for i in train_idx + test}
                        position = None
                    elif norm == "session":
                        stats = group_stats([utts[i] for i in train_idx], [sums[i] for i in train_idx], lambda u: u.speaker)
                        test_stats, position = session_stats(utts, test, sums, prior)
                        stats.update(test_stats)
                    else:
                        raise ValueError(norm)
                    view = NormalisedStore(store, stats)
                    train, dev = split_dev([utts[i] for i in train_idx], cfg.dev_fraction, cfg.seed)
                    head, hist = train_head(view, train, dev, LABELS, cfg)
                    probs = predict(head, view, [utts[i] for i in test])
                    yt = y[test]
                    res = {**key, "pooling": pooling, "label_smoothing": ls, "all": summarise(probs, yt, LABELS),
                           "best_epoch": hist["best_epoch"], "epochs": len(hist["epochs"]),
                           "seconds": round(hist["seconds"], 1)}
                    if position is not None:
                        pos = np.array([position[utts[i].id] for i in test])
                        res["cold"] = summarise(probs[pos == 0], yt[pos == 0], LABELS)
                        res["after10"] = summarise(probs[pos >= 10], yt[pos >= 10], LABELS)
                    doc = json.loads(OUT.read_text()) if OUT.exists() else doc
                    doc["runs"].append(res)
                    OUT.write_text(json.dumps(doc, indent=1))
                    print(f"{args.upstream} {norm} {pooling} ls={ls} held {held}: UAR {100 * res['all']['uar']:.1f} "
                          f"acc {100 * res['all']['accuracy']:.1f} ECE {res['all']['ece']:.3f} "
                          f"({res['seconds']:.0f}s, {res['epochs']} ep)", flush=True)


if __name__ == "__main__":
    main()
