"""A shipped model folder (its ONNX files, onnxruntime CPU, as training.predict runs them)
scored on whole corpora: accuracy, UAR, per-class recall, confusion, ECE per corpus.

Usage: python -m training.experiments.shipped_model --model public/models/resemblyzer-emodb \
          --corpus ravdess=DIR nemo=DIR [--variant fp32] --out docs/results/shipped-resemblyzer-emodb.json

Meaningful as "unseen" only for corpora the model was not trained on. Each clip is scored as
the page's first utterance (for a model with domain normalisation: training statistics plus
the clip's own frames), so no clip benefits from another.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from training.audio import read_audio
from training.data.corpora import corpus_of, load_corpora
from training.metrics import summarise
from training.predict import Predictor


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--corpus", nargs="+", required=True)
    ap.add_argument("--variant", default="fp32")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--clips", type=Path, default=None,
                    help="also save every clip's probabilities, label and corpus (npz: p, y, corpus)")
    a = ap.parse_args(argv)
    manifest = json.loads((a.model / "manifest.json").read_text())
    labels = manifest["labels"]
    utts = [u for u in load_corpora(a.corpus) if u.label in labels]
    model = Predictor(a.model, a.variant)  # sessions once; reset() makes every clip a first utterance

    def first_utterance(path: Path) -> list[float]:
        model.reset()
        return model(read_audio(path))["probabilities"]

    probs = np.stack([first_utterance(u.path) for u in utts])
    y = np.array([labels.index(u.label) for u in utts])
    result = {"model": f"{manifest['name']} {manifest['version']}", "variant": a.variant, "labels": labels,
              "per_corpus": {}}
    for c in sorted({corpus_of(u) for u in utts}):
        idx = np.array([corpus_of(u) == c for u in utts])
        result["per_corpus"][c] = summarise(probs[idx], y[idx], labels)
        s = result["per_corpus"][c]
        print(f"{c}: n {s['n']} accuracy {100 * s['accuracy']:.1f} UAR {100 * s['uar']:.1f} ECE {s['ece']:.3f}", flush=True)
    a.out.write_text(json.dumps(result, indent=1) + "\n")
    if a.clips is not None:  # for thresholds on the top probability (training.experiments.calibration_study)
        np.savez(a.clips, p=probs.astype(np.float32), y=y, corpus=np.array([corpus_of(u) for u in utts]))
    return result


if __name__ == "__main__":
    main()
