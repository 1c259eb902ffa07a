"""The one interface every upstream implements (s3prl-style upstream/featurizer split).

An upstream is a frozen ``torch.nn.Module`` whose forward maps one mono 16 kHz waveform
``[1, S]`` (float32, range [-1, 1]) to ALL its hidden states stacked on a new first axis:
``[L, T, D]`` where L = number of layers exposed (for transformers: the CNN/feature
projection output plus every transformer layer, i.e. num_hidden_layers + 1), T = frames,
D = hidden size. The same forward is what gets exported to ONNX (input ``waveform``,
output ``hidden_states``), so any input normalisation the checkpoint needs happens inside
forward and is recorded in ``normalization``.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class UpstreamInfo:
    """Facts about an upstream that the manifest and the browser need."""

    name: str  #: e.g. "microsoft/wavlm-base-plus" or "speech_embedding"
    kind: str  #: "wavlm" | "hubert" | "wav2vec2" | "speech_embedding" | "logmel" | ...
    num_layers: int  #: L, first axis of hidden_states
    dim: int  #: D, last axis of hidden_states
    downsample_rate: int  #: input samples per output frame (320 for WavLM)
    min_samples: int  #: shortest input that yields at least one frame
    normalization: str  #: "none" or "zero_mean_unit_var" (applied inside forward)
    licence: str
    provenance: str
    sample_rate: int = 16000


class Upstream(torch.nn.Module):
    """Base class: subclasses set ``self.info`` and implement ``forward``."""

    info: UpstreamInfo

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        """waveform [1, S] float32 -> hidden states [L, T, D] float32."""
        raise NotImplementedError
