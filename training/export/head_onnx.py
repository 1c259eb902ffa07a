"""Export a trained EmotionHead to ONNX for one utterance: hidden_states [L, T, D] -> probabilities [1, C]."""
from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import nn

from ..heads import EmotionHead

OPSET = 17


class SingleUtteranceHead(nn.Module):
    """hidden_states [L, T, D] (exactly the upstream's output) -> softmax probabilities [1, C].

    One utterance has no padding, so no mask enters the graph (plain MatMul/Gemm, Softmax,
    ReduceMax/Exp/ReduceSum/Log for logsumexp, Gather for the triangle).
    """

    def __init__(self, head: EmotionHead) -> None:
        super().__init__()
        self.head = head

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.head.forward_masked(hidden_states.unsqueeze(0), None), dim=-1)


def export_head_onnx(head: EmotionHead, num_layers: int, dim: int, path: Path, frames: int = 50) -> Path:
    """Write ``path`` (fp32, opset 17, dynamic frame axis); returns it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wrapper = SingleUtteranceHead(head).eval()
    example = torch.randn(num_layers, frames, dim)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapper, (example,), str(path), input_names=["hidden_states"], output_names=["probabilities"],
            dynamic_axes={"hidden_states": {1: "frames"}}, opset_version=OPSET, dynamo=False,
        )
    return path
