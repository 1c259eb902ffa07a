"""Training one head on cached features: label-smoothed CE, Adam, accumulation, early stopping."""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .data import Utterance
from .features import FeatureStore
from .heads import EmotionHead


@dataclass
class TrainConfig:
    """Hyper-parameters of one head training run (defaults: the paper's)."""

    pooling: str = "corrap"
    proj_dim: int = 256
    label_smoothing: float = 0.1
    lr: float = 1e-4
    batch_size: int = 16
    grad_accum: int = 1
    max_epochs: int = 60
    patience: int = 8
    seed: int = 0
    dropout: float = 0.25
    attention_heads: int = 4
    dev_fraction: float = 0.2
    #: torch CPU threads while training (0 = leave torch's setting). One thread is fastest
    #: on a small shared machine: OpenMP threads spin-wait when the cores are oversubscribed.
    threads: int = 1


def collate(store: FeatureStore, utts: list[Utterance]) -> tuple[torch.Tensor, torch.Tensor]:
    """Zero-padded batch: hidden [B, L, Tmax, D] float32, lengths [B] long."""
    feats = [store.tensor(u.id) for u in utts]
    lengths = torch.tensor([f.shape[1] for f in feats], dtype=torch.long)
    t_max = int(lengths.max())
    if bool((lengths == t_max).all()):
        return torch.stack(feats).float(), lengths
    first = feats[0]
    batch = torch.zeros(len(feats), first.shape[0], t_max, first.shape[2], dtype=torch.float32)
    for i, f in enumerate(feats):
        batch[i, :, : f.shape[1]] = f
    return batch, lengths


def label_smoothed_ce(logits: torch.Tensor, target: torch.Tensor, smoothing: float) -> torch.Tensor:
    """Mean cross-entropy with label smoothing; logits [B, C], target [B] long."""
    return F.cross_entropy(logits, target, label_smoothing=smoothing)


def unweighted_average_recall(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean per-class recall over the classes present in y_true."""
    classes = np.unique(y_true)
    return float(np.mean([(y_pred[y_true == c] == c).mean() for c in classes]))


def predict(head: EmotionHead, store: FeatureStore, utts: list[Utterance], batch_size: int = 32) -> np.ndarray:
    """Class probabilities [N, C] (eval mode, no gradients)."""
    head.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(utts), batch_size):
            hidden, lengths = collate(store, utts[i : i + batch_size])
            out.append(torch.softmax(head(hidden, lengths), dim=-1).numpy())
    n_classes = head.classifier.out_features
    return np.concatenate(out) if out else np.zeros((0, n_classes), dtype=np.float32)


def _dev_scores(head: EmotionHead, store: FeatureStore, dev: list[Utterance], y: np.ndarray) -> dict:
    probs = predict(head, store, dev)
    pred = probs.argmax(1)
    loss = float(-np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, None)).mean())
    return {"dev_loss": loss, "dev_accuracy": float((pred == y).mean()), "dev_uar": unweighted_average_recall(y, pred)}


def train_head(
    store: FeatureStore, train: list[Utterance], dev: list[Utterance], labels: list[str], cfg: TrainConfig
) -> tuple[EmotionHead, dict]:
    """Train a fresh head on ``train``; keep the epoch with the best dev UAR (ties: lower dev loss).

    Stops after ``cfg.patience`` epochs without improvement. With an empty ``dev`` it trains
    ``max_epochs`` and keeps the last epoch. Returns (head in eval mode, history dict).
    """
    t0 = time.perf_counter()
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    index = {lab: i for i, lab in enumerate(labels)}
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    head = EmotionHead(
        store.num_layers, store.dim, len(labels), cfg.pooling, proj_dim=cfg.proj_dim,
        attention_heads=cfg.attention_heads, dropout=cfg.dropout,
    )
    opt = torch.optim.Adam(head.parameters(), lr=cfg.lr)
    y_train = torch.tensor([index[u.label] for u in train], dtype=torch.long)
    y_dev = np.array([index[u.label] for u in dev], dtype=np.int64)
    epochs: list[dict] = []
    best_key: tuple[float, float] | None = None
    best_state, best_epoch, stale = None, 0, 0
    for epoch in range(1, cfg.max_epochs + 1):
        head.train()
        order = rng.permutation(len(train))
        total, n_batches = 0.0, 0
        opt.zero_grad()
        for b, start in enumerate(range(0, len(order), cfg.batch_size)):
            idx = order[start : start + cfg.batch_size]
            hidden, lengths = collate(store, [train[i] for i in idx])
            loss = label_smoothed_ce(head(hidden, lengths), y_train[idx], cfg.label_smoothing)
            (loss / cfg.grad_accum).backward()
            total += float(loss.detach())
            n_batches += 1
            if (b + 1) % cfg.grad_accum == 0:
                opt.step()
                opt.zero_grad()
        if n_batches % cfg.grad_accum:  # flush a partial accumulation at the epoch's end
            opt.step()
            opt.zero_grad()
        record = {"epoch": epoch, "train_loss": total / max(n_batches, 1)}
        if dev:
            record.update(_dev_scores(head, store, dev, y_dev))
            key = (record["dev_uar"], -record["dev_loss"])
            if best_key is None or key > best_key:
                best_key, best_epoch, stale = key, epoch, 0
                best_state = copy.deepcopy(head.state_dict())
            else:
                stale += 1
        epochs.append(record)
        if dev and stale >= cfg.patience:
            break
    if best_state is not None:
        head.load_state_dict(best_state)
    else:
        best_epoch = len(epochs)
    head.eval()
    history = {"epochs": epochs, "best_epoch": best_epoch, "seconds": time.perf_counter() - t0}
    return head, history
