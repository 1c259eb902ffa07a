"""Benchmark models and audio under bench/.models/ (git-ignored), built once and reused.

* ``wavlm-base-plus``: ``random:wavlm-base-plus`` (WavLM Base+ architecture, 12 layers x 768,
  random weights) exported by the pipeline in every variant, plus a seeded random corrap head.
  Same size and graph as the real checkpoint, so its browser cost is what a real WavLM costs.
* ``standin-small``: ``speech_embedding`` + seeded random corrap head, all variants. Used only
  when public/models/default does not exist yet (same upstream the default model uses).
* ``audio/``: 10 EmoDB files (2.00 s each) and 4/8/16/30-s utterances made by concatenating
  one speaker's files, as raw float32 little-endian ``<id>.f32`` + ``audio.json``, so the
  browser and Python read bit-identical samples.

Usage: ``.venv/bin/python bench/make_models.py [--models wavlm-base-plus,standin-small]``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import logging

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

OUT = REPO / "bench" / ".models"
EMODB = REPO.parent / "shared" / "data" / "emodb"
LABELS = ["anger", "happiness", "neutral", "sadness"]
LONG_SECONDS = (4, 8, 16, 30)
N_SHORT = 10
SPECS = {"wavlm-base-plus": "random:wavlm-base-plus", "standin-small": "speech_embedding"}


def pick_files() -> list[dict]:
    """10 EmoDB 4-class files: round robin over speakers and labels (deterministic)."""
    from training.data import load_emodb

    utts = sorted(load_emodb(EMODB, "4"), key=lambda u: u.id)
    speakers = sorted({u.speaker for u in utts})
    picked, used = [], set()
    i = 0
    while len(picked) < N_SHORT:
        spk, lab = speakers[i % len(speakers)], LABELS[i % len(LABELS)]
        cands = [u for u in utts if u.speaker == spk and u.label == lab and u.id not in used]
        if cands:
            picked.append(cands[0])
            used.add(cands[0].id)
        i += 1
    return [{"id": u.id, "path": str(u.path), "label": u.label, "speaker": u.speaker} for u in picked]


def make_audio() -> list[dict]:
    """Write audio/<id>.f32 and audio.json; returns the entries ({id, seconds, samples, sources})."""
    from training.export.fidelity import read_wav

    adir = OUT / "audio"
    adir.mkdir(parents=True, exist_ok=True)
    entries = []
    for f in pick_files():
        x = read_wav(Path(f["path"])).astype(np.float32)  # [S]
        x.tofile(adir / f"{f['id']}.f32")
        entries.append({"id": f["id"], "kind": "emodb", "label": f["label"], "samples": int(x.size),
                        "seconds": x.size / 16000, "sources": [f["id"]]})
    # Long utterances: consecutive files of speaker 03 (real speech, no silence padding).
    from training.data import load_emodb

    pool = sorted((u for u in load_emodb(EMODB, "7") if u.speaker == "03"), key=lambda u: u.id)
    for sec in LONG_SECONDS:
        parts, total, sources = [], 0, []
        for u in pool:
            if total >= sec * 16000:
                break
            x = read_wav(u.path).astype(np.float32)
            parts.append(x)
            total += x.size
            sources.append(u.id)
        x = np.concatenate(parts)[: sec * 16000]
        uid = f"long-{sec}s"
        x.tofile(adir / f"{uid}.f32")
        entries.append({"id": uid, "kind": "long", "label": None, "samples": int(x.size), "seconds": float(sec),
                        "sources": sources})
    (adir / "audio.json").write_text(json.dumps(entries, indent=2) + "\n")
    return entries


def make_model(name: str) -> Path:
    """Export upstream variants + random corrap head + manifest into bench/.models/<name>/."""
    import torch

    from training.export.head_onnx import export_head_onnx
    from training.export.variants import ALL_VARIANTS, export_variants
    from training.heads import EmotionHead
    from training.manifest import write_manifest
    from training.upstream.registry import build_upstream

    torch.set_num_threads(2)
    spec = SPECS[name]
    out = OUT / name
    out.mkdir(parents=True, exist_ok=True)
    up = build_upstream(spec)
    variants = export_variants(up, out, ALL_VARIANTS)
    torch.manual_seed(0)
    head = EmotionHead(up.info.num_layers, up.info.dim, len(LABELS), "corrap").eval()
    export_head_onnx(head, up.info.num_layers, up.info.dim, out / "head.onnx")
    (out / "MODEL_CARD.md").write_text(
        f"# bench {name}\n\nBENCHMARK ONLY: upstream `{spec}`, random-initialised corrap head (seed 0). "
        "Its probabilities carry no emotion information.\n")
    write_manifest(
        out, name=f"bench-{name}", version="0.0.0-bench", labels=LABELS, upstream=up.info, variants=variants,
        head_file="head.onnx", head_type="corrap", licence="MIT (benchmark only)",
        provenance=f"bench/make_models.py --models {name}", head_licence="MIT",
        head_provenance="random init, torch.manual_seed(0)", head_attention=head.has_attention,
        description=f"BENCHMARK ONLY: {spec} + random corrap head")
    (out / "spec.txt").write_text(spec + "\n")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="wavlm-base-plus", help="comma-separated: " + ",".join(SPECS))
    ap.add_argument("--force", action="store_true", help="rebuild even if the manifest exists")
    args = ap.parse_args()
    logging.disable(logging.INFO)  # the quantisers log one line per tensor
    if args.force or not (OUT / "audio" / "audio.json").exists():
        make_audio()
        print("audio: written", file=sys.stderr)
    for name in [m for m in args.models.split(",") if m]:
        if not args.force and (OUT / name / "manifest.json").exists():
            print(f"{name}: up to date", file=sys.stderr)
            continue
        print(f"{name}: exporting (minutes for WavLM Base+)", file=sys.stderr)
        make_model(name)
        print(f"{name}: written {OUT / name}", file=sys.stderr)


if __name__ == "__main__":
    main()
