"""Export a trained EmotionHead to ONNX for one utterance: hidden_states [L, T, D] -> probabilities [1, C]
(and, for a head with attention over time such as CorrAP, a second output attention [T]; optionally
the pooled representation its classifier reads, pooled [1, P], last)."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..heads import EmotionHead
from ..manifest import POOLED_OUTPUT

OPSET = 17


class SingleUtteranceHead(nn.Module):
    """hidden_states [L, T, D] (exactly the upstream's output) -> softmax probabilities [1, C].

    One utterance has no padding, so no mask enters the graph (plain MatMul/Gemm, Softmax,
    ReduceMax/Exp/ReduceSum/Log for logsumexp, Gather for the triangle).
    """

    def __init__(self, head: EmotionHead, attention: bool = True, pooled: bool = False) -> None:
        super().__init__()
        self.head = head
        self.attention = attention
        self.pooled = pooled

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        return _outputs(self.head, hidden_states.unsqueeze(0), self.attention, self.pooled)


def _outputs(head: EmotionHead, hidden: torch.Tensor, attention: bool,
             pooled: bool = False) -> torch.Tensor | tuple[torch.Tensor, ...]:
    """hidden [1, L, T, D] -> probabilities [1, C], plus attention [T] when wanted and the head has
    it, plus pooled [1, P] (the classifier's input) when wanted."""
    x = head.projector(head.featurizer(hidden))
    if attention and head.has_attention:
        p, w = head.pooling.forward_with_weights(x, None)
        extra: tuple[torch.Tensor, ...] = (w.squeeze(0),)
    else:
        p, extra = head.pooling(x, None), ()
    out = (torch.softmax(head.classifier(p), dim=-1),) + extra + ((p,) if pooled else ())
    return out if len(out) > 1 else out[0]


class DomainNormalisedHead(nn.Module):
    """hidden_states [L, T, D], domain_mean [L, D], domain_std [L, D] -> probabilities [1, C].

    The hidden states are normalised with the domain statistics first (training/domain.py);
    the page supplies running statistics of the user's session.
    """

    def __init__(self, head: EmotionHead, attention: bool = True, pooled: bool = False) -> None:
        super().__init__()
        self.head = head
        self.attention = attention
        self.pooled = pooled

    def forward(self, hidden_states: torch.Tensor, domain_mean: torch.Tensor,
                domain_std: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        x = (hidden_states - domain_mean.unsqueeze(1)) / domain_std.unsqueeze(1)
        return _outputs(self.head, x.unsqueeze(0), self.attention, self.pooled)


#: Input names of a head with domain normalisation, after ``hidden_states``.
DOMAIN_INPUTS = ("domain_mean", "domain_std")
#: Output of a head with attention over time, after ``probabilities``: float32 [T], one weight
#: per upstream frame (the manifest declares it as head.attention).
ATTENTION_OUTPUT = "attention"
# POOLED_OUTPUT: last output of a head exported with ``pooled=True``, float32 [1, P], the input of
# its final linear layer (manifest head.pooled; probabilities = softmax(W pooled + b)).


def classifier_weights(head: EmotionHead) -> tuple[np.ndarray, np.ndarray]:
    """The head's final linear layer: W [C, P], b [C] (float32)."""
    return (head.classifier.weight.detach().cpu().numpy().astype(np.float32),
            head.classifier.bias.detach().cpu().numpy().astype(np.float32))


def write_classifier(w: np.ndarray, b: np.ndarray, path: Path) -> Path:
    """``path`` = float32 little-endian W [C, P] row-major, then b [C] (manifest head.pooled.classifier)."""
    w, b = np.asarray(w), np.asarray(b)
    if w.ndim != 2 or b.shape != (w.shape[0],):
        raise ValueError(f"classifier W {w.shape} and b {b.shape} do not fit")
    path = Path(path)
    np.concatenate([w.astype("<f4").ravel(), b.astype("<f4")]).tofile(path)
    return path


def export_head_onnx(head: EmotionHead, num_layers: int, dim: int, path: Path, frames: int = 50,
                     domain_inputs: bool = False, attention: bool = True, pooled: bool = False) -> Path:
    """Write ``path`` (fp32, opset 17, dynamic frame axis); returns it.

    ``domain_inputs``: the graph also takes ``domain_mean`` and ``domain_std`` [L, D] and
    normalises the hidden states with them (DomainNormalisedHead).
    A head with ``has_attention`` (CorrAP) also outputs ``attention`` [T], unless ``attention``
    is False (probabilities only, as heads were exported before; for add_attention_output's tests).
    ``pooled``: the last output is ``pooled`` [1, P], the classifier's input (write its weights
    with write_classifier(*classifier_weights(head), ...)).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    example: tuple[torch.Tensor, ...] = (torch.randn(num_layers, frames, dim),)
    names = ["hidden_states"]
    if domain_inputs:
        wrapper: nn.Module = DomainNormalisedHead(head, attention, pooled).eval()
        example += (torch.zeros(num_layers, dim), torch.ones(num_layers, dim))
        names += list(DOMAIN_INPUTS)
    else:
        wrapper = SingleUtteranceHead(head, attention, pooled).eval()
    outputs = ["probabilities"]
    axes: dict[str, dict[int, str]] = {"hidden_states": {1: "frames"}}
    if attention and head.has_attention:
        outputs.append(ATTENTION_OUTPUT)
        axes[ATTENTION_OUTPUT] = {0: "frames"}
    if pooled:
        outputs.append(POOLED_OUTPUT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapper, example, str(path), input_names=names, output_names=outputs,
            dynamic_axes=axes, opset_version=OPSET, dynamo=False,
        )
    return path
