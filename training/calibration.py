"""Few-shot personal calibration of a head's final linear layer (issue 15).

The head exports the pooled representation ``x`` its classifier reads
(probabilities = softmax(W x + b)). From a handful of labelled clips of one user we refit the
classifier near the shipped one:

    J(W, b) = sum_i a_i * CE(softmax(W x_i + b), y_i) + l2 / 2 * (|W - W0|^2 + |b - b0|^2)

with class-balanced weights a_i = 1 / (K * n_{y_i}) (K classes present, n_c clips of class c;
the weights sum to 1), minimised by full-batch gradient descent from (W0, b0) for ``steps``
steps of size ``lr / L``, where L = 0.5 * max_i(|x_i|^2 + 1) + l2 bounds the curvature (a
softmax cross-entropy's Hessian is at most 1/2 per unit input norm), so ``lr`` <= 1 always
descends whatever the scale of the features. method ``bias`` keeps W = W0 and moves b only
(a prior shift); ``linear`` moves both.

Deliberately plain (no line search, no L-BFGS): the page runs the same steps in a worker
(src/calibration/fit.ts) and must match this reference to float precision.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Method = Literal["bias", "linear"]


@dataclass(frozen=True)
class CalibrationRecipe:
    method: Method = "linear"
    l2: float = 1.0
    steps: int = 100
    lr: float = 1.0


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def class_weights(y: np.ndarray) -> np.ndarray:
    """a_i = 1 / (K * n_{y_i}): every class present counts the same, whatever its count."""
    classes, counts = np.unique(y, return_counts=True)
    per_class = {int(c): 1.0 / (len(classes) * n) for c, n in zip(classes, counts)}
    return np.array([per_class[int(c)] for c in y], dtype=np.float64)


def fit(w0: np.ndarray, b0: np.ndarray, x: np.ndarray, y: np.ndarray, recipe: CalibrationRecipe) -> tuple[np.ndarray, np.ndarray]:
    """Refit (W [C, P], b [C]) on features x [N, P] with labels y [N] (class indices)."""
    if recipe.method not in ("bias", "linear"):
        raise ValueError(f"unknown calibration method {recipe.method!r}")
    w0 = np.asarray(w0, dtype=np.float64)
    b0 = np.asarray(b0, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    if x.ndim != 2 or x.shape[1] != w0.shape[1] or len(y) != len(x) or len(y) == 0:
        raise ValueError(f"features {x.shape} and labels {y.shape} do not fit W {w0.shape}")
    a = class_weights(y)
    onehot = np.zeros((len(y), w0.shape[0]))
    onehot[np.arange(len(y)), y] = 1.0
    curvature = 0.5 * float(np.max(np.sum(x * x, axis=1) + 1.0)) + recipe.l2
    step = recipe.lr / curvature
    w, b = w0.copy(), b0.copy()
    for _ in range(recipe.steps):
        g = (_softmax(x @ w.T + b) - onehot) * a[:, None]  # dJ/dlogits [N, C]
        gb = g.sum(axis=0) + recipe.l2 * (b - b0)
        if recipe.method == "linear":
            gw = g.T @ x + recipe.l2 * (w - w0)
            w = w - step * gw
        b = b - step * gb
    return w, b


def predict(w: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Probabilities [N, C] of the (re)fitted classifier."""
    return _softmax(np.asarray(x, dtype=np.float64) @ np.asarray(w, dtype=np.float64).T + np.asarray(b, dtype=np.float64))
