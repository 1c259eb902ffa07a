"""Utterance-level poolings over frames, chosen by name from ``POOLINGS``.

Every pooling maps frames x [B, T, C] plus a validity mask [B, T] (bool, True = real
frame; ``None`` = all frames valid, used by the single-utterance ONNX export) to one
vector per utterance [B, P]. Padded frames never influence the output: they are zeroed
(masked_fill) before any arithmetic and get zero weight, so any values there, even NaN,
leave the forward output unchanged (training pads with zeros, keeping gradients finite).
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

EPS_CORR = 1e-9  #: added to the variances before normalising covariance to correlation
EPS_STD = 1e-9  #: added to the variance before the square root (mean+std pooling)


def _uniform_weights(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """1/n over valid frames: [B, T]."""
    if mask is None:
        return torch.ones(x.shape[:2], dtype=x.dtype, device=x.device) / x.shape[1]
    m = mask.to(x.dtype)
    return m / m.sum(dim=1, keepdim=True).clamp_min(1.0)


def _zero_padding(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """x [B, T, C] with padded frames set to 0 (so 0 * garbage cannot leak)."""
    if mask is None:
        return x
    return x.masked_fill(~mask.unsqueeze(-1), 0.0)


def weighted_correlation(x: torch.Tensor, w: torch.Tensor, triu_flat: torch.Tensor) -> torch.Tensor:
    """Weighted correlation matrix, strict upper triangle, row-major.

    x [B, T, C] (padding already zeroed), w [B, T] (sums to 1 over valid frames, 0 on
    padding), triu_flat [C*(C-1)/2] flat indices of the strict upper triangle
    -> [B, C*(C-1)/2].
    """
    b, _, c = x.shape
    mu = torch.matmul(w.unsqueeze(1), x)  # [B, 1, C]
    xc = x - mu
    var = torch.matmul(w.unsqueeze(1), xc * xc)  # [B, 1, C], = diag(cov)
    # Normalise the frames before the product: cov_ij / (sd_i sd_j) = sum_t w_t z_ti z_tj.
    # Same value, but the elementwise work (and its backward) is on [B, T, C], not [B, C, C].
    z = xc / torch.sqrt(var + EPS_CORR)
    corr = torch.matmul((z * w.unsqueeze(-1)).transpose(1, 2), z)  # [B, C, C]
    return corr.reshape(b, c * c).index_select(1, triu_flat)


def _triu_flat(dim: int) -> torch.Tensor:
    iu = torch.triu_indices(dim, dim, offset=1)
    return iu[0] * dim + iu[1]


class MeanPooling(nn.Module):
    """Masked mean: [B, T, C] -> [B, C]."""

    def __init__(self, dim: int, **_: object) -> None:
        super().__init__()
        self.output_size = dim

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        w = _uniform_weights(x, mask)
        return torch.matmul(w.unsqueeze(1), _zero_padding(x, mask)).squeeze(1)


class MeanStdPooling(nn.Module):
    """Masked mean and (population) standard deviation: [B, T, C] -> [B, 2C]."""

    def __init__(self, dim: int, **_: object) -> None:
        super().__init__()
        self.output_size = 2 * dim

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        w = _uniform_weights(x, mask).unsqueeze(1)  # [B, 1, T]
        x = _zero_padding(x, mask)
        mu = torch.matmul(w, x)
        var = torch.matmul(w, (x - mu) ** 2)
        return torch.cat([mu.squeeze(1), torch.sqrt(var + EPS_STD).squeeze(1)], dim=1)


class CorrelationPooling(nn.Module):
    """Plain correlation pooling (CP): uniform frame weights -> [B, C(C-1)/2]."""

    def __init__(self, dim: int, **_: object) -> None:
        super().__init__()
        self.output_size = dim * (dim - 1) // 2
        self.register_buffer("triu_flat", _triu_flat(dim), persistent=False)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        return weighted_correlation(_zero_padding(x, mask), _uniform_weights(x, mask), self.triu_flat)


def logsumexp(x: torch.Tensor, dim: int) -> torch.Tensor:
    """Stable log-sum-exp from primitive ops (ReduceMax/Exp/ReduceSum/Log in ONNX)."""
    m = x.amax(dim=dim, keepdim=True).detach()  # shift cancels in value and gradient
    return (m + torch.log(torch.exp(x - m).sum(dim=dim, keepdim=True))).squeeze(dim)


class AttentiveCorrelationPooling(nn.Module):
    """CorrAP (Kakouros et al., ICASSP 2023): attention-weighted correlation.

    Training only: channel-wise dropout on [B, C, T] (what ``nn.Dropout2d`` does to a 3-D
    input in the original code; ``Dropout1d`` says so explicitly). Attention
    Linear(C, C) -> ReLU -> Linear(C, heads) -> logsumexp over heads -> softmax over time
    with padded frames at -inf (the original added a boolean mask, which masks nothing).
    [B, T, C] -> [B, C(C-1)/2].
    """

    def __init__(self, dim: int, attention_heads: int = 4, dropout: float = 0.25, **_: object) -> None:
        super().__init__()
        self.output_size = dim * (dim - 1) // 2
        self.dropout = nn.Dropout1d(dropout)
        self.attention = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, attention_heads))
        self.register_buffer("triu_flat", _triu_flat(dim), persistent=False)

    def attention_weights(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """x [B, T, C] -> weights [B, T], softmax over valid frames (0 on padding)."""
        logits = logsumexp(self.attention(x), dim=-1)  # [B, T]
        if mask is not None:
            logits = logits.masked_fill(~mask, float("-inf"))
        return torch.softmax(logits, dim=1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        return self.forward_with_weights(x, mask)[0]

    def forward_with_weights(self, x: torch.Tensor, mask: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """x [B, T, C] -> (pooled [B, C(C-1)/2], the attention weights [B, T] it used)."""
        x = _zero_padding(x, mask)
        if self.training:
            x = self.dropout(x.transpose(1, 2)).transpose(1, 2)
        w = self.attention_weights(x, mask)
        return weighted_correlation(x, w, self.triu_flat), w


POOLINGS: dict[str, Callable[..., nn.Module]] = {
    "mean": MeanPooling,
    "meanstd": MeanStdPooling,
    "cp": CorrelationPooling,
    "corrap": AttentiveCorrelationPooling,
}


def build_pooling(name: str, dim: int, attention_heads: int = 4, dropout: float = 0.25) -> nn.Module:
    """Pooling by registry name; the module exposes ``output_size``."""
    if name not in POOLINGS:
        raise ValueError(f"unknown pooling {name!r}; choose one of {sorted(POOLINGS)}")
    return POOLINGS[name](dim, attention_heads=attention_heads, dropout=dropout)
