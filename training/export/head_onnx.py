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


class DomainNormalisedHead(nn.Module):
    """hidden_states [L, T, D], domain_mean [L, D], domain_std [L, D] -> probabilities [1, C].

    The hidden states are normalised with the domain statistics first (training/domain.py);
    the page supplies running statistics of the user's session.
    """

    def __init__(self, head: EmotionHead) -> None:
        super().__init__()
        self.head = head

    def forward(self, hidden_states: torch.Tensor, domain_mean: torch.Tensor, domain_std: torch.Tensor) -> torch.Tensor:
        x = (hidden_states - domain_mean.unsqueeze(1)) / domain_std.unsqueeze(1)
        return torch.softmax(self.head.forward_masked(x.unsqueeze(0), None), dim=-1)


#: Input names of a head with domain normalisation, after ``hidden_states``.
DOMAIN_INPUTS = ("domain_mean", "domain_std")


def export_head_onnx(head: EmotionHead, num_layers: int, dim: int, path: Path, frames: int = 50,
                     domain_inputs: bool = False) -> Path:
    """Write ``path`` (fp32, opset 17, dynamic frame axis); returns it.

    ``domain_inputs``: the graph also takes ``domain_mean`` and ``domain_std`` [L, D] and
    normalises the hidden states with them (DomainNormalisedHead).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    example: tuple[torch.Tensor, ...] = (torch.randn(num_layers, frames, dim),)
    names = ["hidden_states"]
    if domain_inputs:
        wrapper: nn.Module = DomainNormalisedHead(head).eval()
        example += (torch.zeros(num_layers, dim), torch.ones(num_layers, dim))
        names += list(DOMAIN_INPUTS)
    else:
        wrapper = SingleUtteranceHead(head).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapper, example, str(path), input_names=names, output_names=["probabilities"],
            dynamic_axes={"hidden_states": {1: "frames"}}, opset_version=OPSET, dynamo=False,
        )
    return path
