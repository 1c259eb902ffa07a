"""EmoDB LOSO grid for one upstream: heads x label smoothing, results appended to JSON.

Usage: python -m training.experiments.run_heads SPEC --classes 4 [--heads mean,meanstd,cp,corrap]
       [--smoothing 0,0.1] [--set key=value ...]   (TrainConfig overrides, e.g. max_epochs=80)
Writes docs/results/emodb<classes>-<cache id>[-<tag>].json; a run already in the file
(same pooling, smoothing and config) is skipped, so the script can be resumed.
"""
from __future__ import annotations

import argparse
import json
from dataclasses import asdict, fields, replace
from pathlib import Path

from training.data import EMODB_4_CLASSES, load_emodb
from training.evaluate import cross_validate
from training.features import extract_features
from training.train import TrainConfig
from training.upstream.candidates import build_spec, cache_id

REPO = Path(__file__).resolve().parents[2]
EMODB = REPO.parent / "shared" / "data" / "emodb"
EMODB_7_CLASSES = ("neutral", "happiness", "anger", "sadness", "boredom", "disgust", "fear")


def parse_overrides(items: list[str]) -> dict:
    types = {f.name: f.type for f in fields(TrainConfig)}
    out = {}
    for item in items:
        key, _, value = item.partition("=")
        kind = {"int": int, "float": float, "str": str}[str(types[key])]
        out[key] = kind(value)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("spec")
    ap.add_argument("--classes", default="4", choices=["4", "7"])
    ap.add_argument("--heads", default="mean,meanstd,cp,corrap")
    ap.add_argument("--smoothing", default="0,0.1")
    ap.add_argument("--set", nargs="*", default=[])
    ap.add_argument("--tag", default="")
    args = ap.parse_args()

    utts = load_emodb(EMODB, args.classes)
    labels = list(EMODB_4_CLASSES if args.classes == "4" else EMODB_7_CLASSES)
    store = extract_features(build_spec(args.spec), load_emodb(EMODB, "7"),
                             upstream_id=f"{cache_id(args.spec)}/emodb", progress=False)
    base = replace(TrainConfig(), **parse_overrides(args.set))
    suffix = f"-{args.tag}" if args.tag else ""
    out = REPO / "docs" / "results" / f"emodb{args.classes}-{cache_id(args.spec)}{suffix}.json"
    doc = json.loads(out.read_text()) if out.exists() else {
        "upstream": args.spec, "dataset": f"EmoDB {args.classes}-class", "labels": labels,
        "protocol": "leave-one-speaker-out, 10 folds; dev = 20% of training speakers' utterances",
        "runs": []}
    for pooling in args.heads.split(","):
        for ls in (float(s) for s in args.smoothing.split(",")):
            cfg = replace(base, pooling=pooling, label_smoothing=ls)
            if any(r["config"] == asdict(cfg) for r in doc["runs"]):
                continue
            res = cross_validate(store, utts, labels, cfg, progress=False)
            res.update(pooling=pooling, label_smoothing=ls)
            if out.exists():  # another run may have appended meanwhile: merge, do not overwrite
                doc["runs"] = json.loads(out.read_text())["runs"]
            doc["runs"].append(res)
            out.write_text(json.dumps(doc, indent=1))
            print(f"{args.spec} {args.classes}-class {pooling:8s} ls={ls}: acc {100 * res['mean_accuracy']:.1f}"
                  f"±{100 * res['std_accuracy']:.1f} UAR {100 * res['pooled_uar']:.1f} ({res['seconds']:.0f}s)",
                  flush=True)


if __name__ == "__main__":
    main()
