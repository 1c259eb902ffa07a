"""Export a trained EmotionHead to ONNX for one utterance: hidden_states [L, T, D] -> probabilities [1, C]
(and, for a head with attention over time such as CorrAP, a second output attention [T])."""
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

    def __init__(self, head: EmotionHead, attention: bool = True) -> None:
        super().__init__()
        self.head = head
        self.attention = attention

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        return _outputs(self.head, hidden_states.unsqueeze(0), self.attention)


def _outputs(head: EmotionHead, hidden: torch.Tensor, attention: bool) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """hidden [1, L, T, D] -> probabilities [1, C], plus attention [T] when wanted and the head has it."""
    if not (attention and head.has_attention):
        return torch.softmax(head.forward_masked(hidden, None), dim=-1)
    logits, w = head.forward_with_attention(hidden, None)
    return torch.softmax(logits, dim=-1), w.squeeze(0)


class DomainNormalisedHead(nn.Module):
    """hidden_states [L, T, D], domain_mean [L, D], domain_std [L, D] -> probabilities [1, C].

    The hidden states are normalised with the domain statistics first (training/domain.py);
    the page supplies running statistics of the user's session.
    """

    def __init__(self, head: EmotionHead, attention: bool = True) -> None:
        super().__init__()
        self.head = head
        self.attention = attention

    def forward(self, hidden_states: torch.Tensor, domain_mean: torch.Tensor,
                domain_std: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        x = (hidden_states - domain_mean.unsqueeze(1)) / domain_std.unsqueeze(1)
        return _outputs(self.head, x.unsqueeze(0), self.attention)


#: Input names of a head with domain normalisation, after ``hidden_states``.
DOMAIN_INPUTS = ("domain_mean", "domain_std")
#: Output of a head with attention over time, after ``probabilities``: float32 [T], one weight
#: per upstream frame (the manifest declares it as head.attention).
ATTENTION_OUTPUT = "attention"


def export_head_onnx(head: EmotionHead, num_layers: int, dim: int, path: Path, frames: int = 50,
                     domain_inputs: bool = False, attention: bool = True) -> Path:
    """Write ``path`` (fp32, opset 17, dynamic frame axis); returns it.

    ``domain_inputs``: the graph also takes ``domain_mean`` and ``domain_std`` [L, D] and
    normalises the hidden states with them (DomainNormalisedHead).
    A head with ``has_attention`` (CorrAP) also outputs ``attention`` [T], unless ``attention``
    is False (probabilities only, as heads were exported before; for add_attention_output's tests).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    example: tuple[torch.Tensor, ...] = (torch.randn(num_layers, frames, dim),)
    names = ["hidden_states"]
    if domain_inputs:
        wrapper: nn.Module = DomainNormalisedHead(head, attention).eval()
        example += (torch.zeros(num_layers, dim), torch.ones(num_layers, dim))
        names += list(DOMAIN_INPUTS)
    else:
        wrapper = SingleUtteranceHead(head, attention).eval()
    outputs = ["probabilities"]
    axes: dict[str, dict[int, str]] = {"hidden_states": {1: "frames"}}
    if attention and head.has_attention:
        outputs.append(ATTENTION_OUTPUT)
        axes[ATTENTION_OUTPUT] = {0: "frames"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapper, example, str(path), input_names=names, output_names=outputs,
            dynamic_axes=axes, opset_version=OPSET, dynamo=False,
        )
    return path
