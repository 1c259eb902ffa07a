"""Featurizer: softmax-normalised learned layer weights (s3prl style)."""
from __future__ import annotations

import torch
from torch import nn


class Featurizer(nn.Module):
    """Weighted sum over an upstream's layers.

    The weights start at zero (uniform after softmax) and are learned with the head.
    hidden [B, L, T, D] -> [B, T, D].
    """

    def __init__(self, num_layers: int) -> None:
        super().__init__()
        self.num_layers = num_layers
        self.weights = nn.Parameter(torch.zeros(num_layers))

    def norm_weights(self) -> torch.Tensor:
        """Softmax over the layer weights: [L], sums to 1."""
        return torch.softmax(self.weights, dim=0)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden [B, L, T, D] -> [B, T, D]."""
        w = self.norm_weights().to(hidden.dtype)
        # Sum over L as a MatMul: [B, T, D, L] @ [L] keeps the ONNX graph plain.
        return torch.matmul(hidden.permute(0, 2, 3, 1), w)
