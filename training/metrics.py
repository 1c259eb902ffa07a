"""Classification metrics reported for held-out corpora: accuracy, UAR, recall, confusion, ECE."""
from __future__ import annotations

import numpy as np


def expected_calibration_error(probs: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """ECE of the top-class probability: sum over equal-width confidence bins of
    |accuracy - mean confidence| weighted by the bin's share of samples."""
    conf = probs.max(1)
    correct = probs.argmax(1) == y
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (conf > lo) & (conf <= hi)
        if sel.any():
            ece += sel.mean() * abs(correct[sel].mean() - conf[sel].mean())
    return float(ece)


def summarise(probs: np.ndarray, y: np.ndarray, labels: list[str]) -> dict:
    """probs [N, C], y [N] int -> accuracy, UAR, per-class recall, confusion (rows true), ECE."""
    pred = probs.argmax(1)
    n = len(labels)
    cm = np.zeros((n, n), dtype=np.int64)
    np.add.at(cm, (y, pred), 1)
    recall = {labels[c]: float((pred[y == c] == c).mean()) for c in range(n) if (y == c).any()}
    return {
        "n": int(len(y)),
        "accuracy": float((pred == y).mean()),
        "uar": float(np.mean(list(recall.values()))),
        "recall": recall,
        "confusion": cm.tolist(),
        "ece": expected_calibration_error(probs, y),
        "mean_confidence": float(probs.max(1).mean()),
    }
