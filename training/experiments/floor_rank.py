"""Quick ranking of upstreams with the cheap floor: pooled mean+std + logistic regression, LOSO.

Usage: python -m training.experiments.floor_rank SPEC [SPEC ...]
(SPEC as in ``build_spec``: speech_embedding, speech_embedding:hop=4, resemblyzer, logmel, ...)
Caches features with training.features.extract_features, prints one line per layer choice,
and writes docs/results/floor-<spec>.json.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from training.data import load_emodb
from training.features import extract_features
from training.upstream.candidates import build_spec, cache_id

REPO = Path(__file__).resolve().parents[2]
EMODB = REPO.parent / "shared" / "data" / "emodb"


def loso(x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> tuple[float, float, float]:
    """Returns (mean acc %, std acc %, UAR % over all files)."""
    accs, pred = [], np.empty_like(y)
    for g in np.unique(groups):
        test = groups == g
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300, C=0.1))
        clf.fit(x[~test], y[~test])
        pred[test] = clf.predict(x[test])
        accs.append(np.mean(pred[test] == y[test]))
    uar = np.mean([np.mean(pred[y == c] == c) for c in np.unique(y)])
    return 100 * np.mean(accs), 100 * np.std(accs), 100 * uar


def main(specs: list[str]) -> None:
    utts = load_emodb(EMODB, "7")
    for spec in specs:
        up = build_spec(spec)
        store = extract_features(up, utts, upstream_id=f"{cache_id(spec)}/emodb")
        feats = [np.asarray(store.get(u.id), dtype=np.float32) for u in utts]  # [L, T, D]
        pooled = np.stack([np.concatenate([f.mean(1), f.std(1)], axis=-1) for f in feats])  # [N, L, 2D]
        results = {}
        for classes in ("4", "7"):
            keep = np.array([classes == "7" or u.label in ("neutral", "happiness", "anger", "sadness") for u in utts])
            y = np.array([u.label for u in utts])[keep]
            groups = np.array([u.speaker for u in utts])[keep]
            choices = {f"layer{i}": pooled[keep, i] for i in range(pooled.shape[1])}
            if pooled.shape[1] > 1:
                choices["all_layers"] = pooled[keep].reshape(keep.sum(), -1)
            for name, x in choices.items():
                acc, sd, uar = loso(x, y, groups)
                results[f"{classes}class/{name}"] = {"acc_mean": acc, "acc_std": sd, "uar": uar}
                print(f"{spec:28s} {classes}-class {name:10s} acc {acc:5.1f}±{sd:4.1f}  UAR {uar:5.1f}", flush=True)
        out = REPO / "docs" / "results" / f"floor-{cache_id(spec)}.json"
        out.write_text(json.dumps({"upstream": spec, "protocol": "EmoDB LOSO 10 folds, mean+std pooling, "
                                   "standardised logistic regression C=0.1", "results": results}, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
