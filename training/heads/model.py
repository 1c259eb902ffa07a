"""EmotionHead: featurizer -> projector -> pooling -> classifier (the paper's downstream)."""
from __future__ import annotations

import torch
from torch import nn

from .featurizer import Featurizer
from .pooling import build_pooling


def lengths_to_mask(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    """lengths [B] -> bool mask [B, max_len], True on real frames."""
    return torch.arange(max_len, device=lengths.device).unsqueeze(0) < lengths.unsqueeze(1)


class EmotionHead(nn.Module):
    """hidden [B, L, T, D] + lengths [B] -> class logits [B, num_classes]."""

    def __init__(
        self,
        num_layers: int,
        dim: int,
        num_classes: int,
        pooling: str,
        proj_dim: int = 256,
        attention_heads: int = 4,
        dropout: float = 0.25,
    ) -> None:
        super().__init__()
        self.config = dict(
            num_layers=num_layers, dim=dim, num_classes=num_classes, pooling=pooling,
            proj_dim=proj_dim, attention_heads=attention_heads, dropout=dropout,
        )
        self.featurizer = Featurizer(num_layers)
        self.projector = nn.Linear(dim, proj_dim)
        self.pooling = build_pooling(pooling, proj_dim, attention_heads=attention_heads, dropout=dropout)
        self.classifier = nn.Linear(self.pooling.output_size, num_classes)

    def forward_masked(self, hidden: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """hidden [B, L, T, D], mask [B, T] bool or None (all valid) -> logits [B, C]."""
        x = self.projector(self.featurizer(hidden))  # [B, T, P]
        return self.classifier(self.pooling(x, mask))

    @property
    def has_attention(self) -> bool:
        """True when the pooling weights frames by attention (CorrAP): see forward_with_attention."""
        return hasattr(self.pooling, "forward_with_weights")

    def forward_with_attention(self, hidden: torch.Tensor, mask: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """hidden [B, L, T, D], mask [B, T] or None -> (logits [B, C], attention [B, T]): the
        pooling's weights over time, the very tensor the statistics were weighted with (sum to
        1 over valid frames, 0 on padding). Only for heads with ``has_attention``."""
        if not self.has_attention:
            raise ValueError(f"pooling {self.config['pooling']!r} has no attention over time")
        pooled, w = self.pooling.forward_with_weights(self.projector(self.featurizer(hidden)), mask)
        return self.classifier(pooled), w

    def forward(self, hidden: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """hidden [B, L, T, D] float, lengths [B] long (valid frames) -> logits [B, C]."""
        t = hidden.shape[2]
        # No padding in the batch: skip the masking work (the result is identical).
        mask = None if bool((lengths == t).all()) else lengths_to_mask(lengths, t)
        return self.forward_masked(hidden, mask)
