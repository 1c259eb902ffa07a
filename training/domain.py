"""Domain normalisation of hidden states: per (layer, channel) mean and std of the frames of a domain.

A domain is whatever the statistics are gathered over: a corpus, a speaker, or, in the
browser, the user's own session (running statistics of the utterances heard so far,
starting from the training statistics). Normalised frames are ``(x - mean) / std``; the
head sees only normalised frames.

The running estimate (``running_stats``) is the one the page computes, in the same
arithmetic: training statistics count as ``prior_frames`` frames, each utterance heard
adds its frames' sums. src/model/domain-norm.ts is its TypeScript twin (parity-tested).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Floor under the std so silent or constant channels do not blow up.
STD_FLOOR = 1e-3
#: Weight of the training statistics in the page's running estimate, in frames (10 s at 50 fps).
PRIOR_FRAMES = 500.0
#: File of a model folder holding the prior: float32 LE mean [L*D] then std [L*D].
PRIOR_FILE = "domain-prior.f32"


@dataclass
class FrameSums:
    """Sufficient statistics of a set of frames: count, sum and sum of squares per (layer, channel)."""

    n: float
    s: np.ndarray  #: [L, D] float64
    ss: np.ndarray  #: [L, D] float64

    @staticmethod
    def of(hidden: np.ndarray) -> "FrameSums":
        """hidden [L, T, D] -> sums over T."""
        h = np.asarray(hidden, dtype=np.float64)
        return FrameSums(float(h.shape[1]), h.sum(1), (h * h).sum(1))

    @staticmethod
    def total(items: "list[FrameSums]") -> "FrameSums":
        return FrameSums(sum(i.n for i in items), sum(i.s for i in items), sum(i.ss for i in items))

    def mean_std(self, std_floor: float = STD_FLOOR) -> tuple[np.ndarray, np.ndarray]:
        mean = self.s / self.n
        var = np.maximum(self.ss / self.n - mean * mean, 0.0)
        return mean.astype(np.float32), np.maximum(np.sqrt(var), std_floor).astype(np.float32)


def running_stats(prior_mean: np.ndarray, prior_std: np.ndarray, prior_frames: float,
                  heard: FrameSums | None, std_floor: float = STD_FLOOR) -> tuple[np.ndarray, np.ndarray]:
    """Session statistics: the prior (training) statistics worth ``prior_frames`` frames, plus
    every frame heard so far. With nothing heard it is the prior itself."""
    pm = prior_mean.astype(np.float64)
    pv = prior_std.astype(np.float64) ** 2
    n, s, ss = prior_frames, prior_frames * pm, prior_frames * (pv + pm * pm)
    if heard is not None:
        n, s, ss = n + heard.n, s + heard.s, ss + heard.ss
    return FrameSums(n, s, ss).mean_std(std_floor)


def normalise(hidden: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """hidden [L, T, D] -> (hidden - mean) / std with mean, std [L, D]."""
    return ((hidden - mean[:, None, :]) / std[:, None, :]).astype(np.float32)


class NormalisedStore:
    """A FeatureStore seen through per-utterance normalisation: ``tensor(id)`` ->
    (hidden - mean) / std with that utterance's domain statistics [L, D]."""

    def __init__(self, store, stats: "dict[str, tuple[np.ndarray, np.ndarray]]") -> None:
        import torch

        self.store = store
        self.num_layers, self.dim = store.num_layers, store.dim
        self._stats = {k: (torch.from_numpy(m)[:, None, :], torch.from_numpy(s)[:, None, :]) for k, (m, s) in stats.items()}

    def tensor(self, utt_id: str):
        mean, std = self._stats[utt_id]
        return (self.store.tensor(utt_id).float() - mean) / std

    def get(self, utt_id: str) -> np.ndarray:
        return self.tensor(utt_id).numpy()


def frame_sums(store, utts) -> "list[FrameSums]":
    """Per-utterance frame sums of ``store``'s features, cached in the store's folder (reading
    every feature file takes minutes for thousands of clips)."""
    from pathlib import Path

    cache = Path(store.directory) / "_frame_sums.npz"
    ids = np.array([u.id for u in utts])
    if cache.exists():
        z = np.load(cache)
        if np.array_equal(z["ids"], ids):
            return [FrameSums(float(n), s, ss) for n, s, ss in zip(z["n"], z["s"], z["ss"])]
    sums = [FrameSums.of(store.get(u.id)) for u in utts]
    np.savez(cache, ids=ids, n=np.array([x.n for x in sums]), s=np.stack([x.s for x in sums]),
             ss=np.stack([x.ss for x in sums]))
    return sums


def group_stats(utts, sums: "list[FrameSums]", key) -> "dict[str, tuple[np.ndarray, np.ndarray]]":
    """{utterance id: (mean, std)} with the statistics of all frames of its group ``key(u)``."""
    groups: dict[str, list[int]] = {}
    for i, u in enumerate(utts):
        groups.setdefault(key(u), []).append(i)
    out = {}
    for members in groups.values():
        ms = FrameSums.total([sums[i] for i in members]).mean_std()
        out.update({utts[i].id: ms for i in members})
    return out


def session_stats(utts, idx, sums: "list[FrameSums]", prior: tuple[np.ndarray, np.ndarray], seed: int = 0,
                  prior_frames: float = PRIOR_FRAMES, include_current: bool = True) -> tuple[dict, dict]:
    """Running statistics per speaker, as the page computes them for its user: each speaker's
    clips (``idx`` into ``utts``/``sums``) in a seeded random order, each one added before it is
    classified (``include_current``) or after (statistics of the clips before it only).
    Returns ({id: (mean, std)}, {id: position in its speaker's session})."""
    rng = np.random.default_rng(seed)
    by_spk: dict[str, list[int]] = {}
    for i in idx:
        by_spk.setdefault(utts[i].speaker, []).append(i)
    stats, position = {}, {}
    for members in by_spk.values():
        heard = None
        for k, i in enumerate(rng.permutation(members)):
            if not include_current:
                stats[utts[i].id] = running_stats(prior[0], prior[1], prior_frames, heard)
            heard = sums[i] if heard is None else FrameSums.total([heard, sums[i]])
            if include_current:
                stats[utts[i].id] = running_stats(prior[0], prior[1], prior_frames, heard)
            position[utts[i].id] = k
    return stats, position
