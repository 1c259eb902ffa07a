"""Speaker/session-independent evaluation: leave-one-group-out cross-validation, grids."""
from __future__ import annotations

import time
from dataclasses import asdict, replace
from typing import Callable

import numpy as np
from sklearn.model_selection import train_test_split
from tqdm import tqdm

from .data import Utterance
from .features import FeatureStore
from .heads import EmotionHead
from .train import TrainConfig, predict, train_head, unweighted_average_recall


def split_dev(utts: list[Utterance], fraction: float, seed: int) -> tuple[list[Utterance], list[Utterance]]:
    """(train, dev): ``fraction`` of the utterances as dev, stratified by label, seeded.

    Falls back to an unstratified split when a class is too rare to stratify.
    """
    if fraction <= 0 or len(utts) < 2:
        return list(utts), []
    labels = [u.label for u in utts]
    try:
        tr, dv = train_test_split(utts, test_size=fraction, random_state=seed, stratify=labels)
    except ValueError:
        tr, dv = train_test_split(utts, test_size=fraction, random_state=seed)
    return list(tr), list(dv)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n: int) -> np.ndarray:
    """[n, n] counts; rows = true class, columns = predicted class."""
    cm = np.zeros((n, n), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


def cross_validate(
    store: FeatureStore, utts: list[Utterance], labels: list[str], cfg: TrainConfig, progress: bool = True
) -> dict:
    """Leave-one-group-out: one fold per group; dev = cfg.dev_fraction of the training groups.

    Returns a JSON-serialisable dict: per-fold accuracy/UAR/n, mean and std (population,
    ddof=0) over folds, pooled accuracy/UAR and confusion matrix (rows true, columns
    predicted, in ``labels`` order), config and timing (wall ``seconds``, ``cpu_seconds``).
    """
    t0, c0 = time.perf_counter(), time.process_time()
    index = {lab: i for i, lab in enumerate(labels)}
    groups = sorted({u.group for u in utts})
    folds, all_true, all_pred = [], [], []
    bar = tqdm(groups, desc=f"LOGO {cfg.pooling} ls={cfg.label_smoothing}", disable=not progress, unit="fold")
    for g in bar:
        test = [u for u in utts if u.group == g]
        train, dev = split_dev([u for u in utts if u.group != g], cfg.dev_fraction, cfg.seed)
        head, hist = train_head(store, train, dev, labels, cfg)
        y = np.array([index[u.label] for u in test])
        pred = predict(head, store, test).argmax(1)
        acc = float((pred == y).mean())
        folds.append({
            "group": g, "n_test": len(test), "n_train": len(train), "n_dev": len(dev),
            "accuracy": acc, "uar": unweighted_average_recall(y, pred),
            "best_epoch": hist["best_epoch"], "epochs": len(hist["epochs"]), "seconds": round(hist["seconds"], 2),
        })
        all_true.append(y)
        all_pred.append(pred)
        bar.set_postfix(acc=f"{acc:.3f}")
    y_true, y_pred = np.concatenate(all_true), np.concatenate(all_pred)
    accs = np.array([f["accuracy"] for f in folds])
    uars = np.array([f["uar"] for f in folds])
    return {
        "protocol": "leave-one-group-out",
        "labels": list(labels),
        "config": asdict(cfg),
        "folds": folds,
        "mean_accuracy": float(accs.mean()),
        "std_accuracy": float(accs.std()),
        "mean_uar": float(uars.mean()),
        "std_uar": float(uars.std()),
        "pooled_accuracy": float((y_true == y_pred).mean()),
        "pooled_uar": unweighted_average_recall(y_true, y_pred),
        "confusion": confusion_matrix(y_true, y_pred, len(labels)).tolist(),
        "seconds": round(time.perf_counter() - t0, 2),
        # CPU time of this process: comparable across runs on a shared, loaded machine.
        "cpu_seconds": round(time.process_time() - c0, 2),
    }


def train_final(store: FeatureStore, utts: list[Utterance], labels: list[str], cfg: TrainConfig) -> EmotionHead:
    """Train on all groups; a dev split (cfg.dev_fraction, stratified) only drives early stopping."""
    train, dev = split_dev(utts, cfg.dev_fraction, cfg.seed)
    head, _ = train_head(store, train, dev, labels, cfg)
    return head


def evaluate_grid(
    store: FeatureStore, utts: list[Utterance], labels: list[str], poolings: list[str],
    label_smoothings: list[float], base: TrainConfig | None = None, progress: bool = True,
    on_run: Callable[[dict], None] | None = None,
) -> dict:
    """cross_validate for every (pooling, label smoothing) pair -> {"labels", "runs": [...]}.

    ``on_run`` gets the partial result after each run (e.g. to save progress).
    """
    base = base or TrainConfig()
    runs: list[dict] = []
    for pooling in poolings:
        for ls in label_smoothings:
            cfg = replace(base, pooling=pooling, label_smoothing=ls)
            res = cross_validate(store, utts, labels, cfg, progress=progress)
            res.update(pooling=pooling, label_smoothing=ls)
            runs.append(res)
            if on_run is not None:
                on_run({"labels": list(labels), "runs": runs})
    return {"labels": list(labels), "runs": runs}
