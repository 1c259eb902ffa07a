"""Resemblyzer's GE2E speaker encoder (3-layer LSTM on 40-band mel) as a multi-layer upstream.

Origin: PyPI ``resemblyzer==0.1.4`` (Apache-2.0, Resemble AI) ships ``pretrained.pt``
inside its wheel: a GE2E speaker-verification encoder (LSTM 40 -> 256 x 3 layers,
Linear 256 -> 256 + ReLU). We take only the weights (see wheel_assets.py) and re-implement
its preprocessing in torch so it lives inside the ONNX graph:

* volume normalised to -30 dBFS, increase only (resemblyzer ``normalize_volume``);
  resemblyzer's webrtcvad silence trimming is left out (the app segments with a VAD);
* librosa ``melspectrogram`` defaults as resemblyzer calls it: n_fft 400, hop 160,
  periodic Hann, centre padding with zeros, power 2, 40 Slaney mel bands with Slaney
  area normalisation, no log.

Exposed layers (L = 4, D = 256): the per-frame outputs of LSTM layers 1..3 and the
per-frame ReLU(Linear(.)) projection of layer 3 (the embedding before L2 norm), one frame
per 10 ms. Note: ONNX LSTM runs on the WASM backend; onnxruntime-web's WebGPU EP has no
LSTM kernel, so those nodes fall back to CPU there.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .base import Upstream, UpstreamInfo
from .wheel_assets import wheel_member

SAMPLE_RATE = 16000
N_FFT = 400
HOP = 160
N_MELS = 40
TARGET_DBFS = -30.0
WHEEL = ("resemblyzer==0.1.4", "Resemblyzer-0.1.4-py3-none-any.whl",
         "resemblyzer/pretrained.pt",
         "8f12eb2f1a9982d32e8db7856de754709b59c93a77bcf0ff536584b619a9dd1f")


def slaney_mel_filterbank(n_fft: int = N_FFT, n_mels: int = N_MELS, sr: int = SAMPLE_RATE) -> np.ndarray:
    """librosa.filters.mel(sr, n_fft, n_mels) defaults (Slaney scale + norm): [n_fft//2+1, n_mels]."""
    f_sp, min_log_hz, min_log_mel = 200.0 / 3, 1000.0, 15.0
    logstep = np.log(6.4) / 27.0

    def hz_to_mel(hz: np.ndarray) -> np.ndarray:
        hz = np.asarray(hz, dtype=np.float64)
        return np.where(hz >= min_log_hz, min_log_mel + np.log(np.maximum(hz, 1e-10) / min_log_hz) / logstep,
                        hz / f_sp)

    def mel_to_hz(mel: np.ndarray) -> np.ndarray:
        return np.where(mel >= min_log_mel, min_log_hz * np.exp(logstep * (mel - min_log_mel)), f_sp * mel)

    fft_freqs = np.linspace(0, sr / 2, n_fft // 2 + 1)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_freqs[None]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:] - mel_f[:-2]))[:, None]
    return weights.T.astype(np.float32)


def _dft_kernels(n_fft: int = N_FFT) -> tuple[np.ndarray, np.ndarray]:
    """Periodic-Hann-windowed DFT rows: real, imag each [n_fft//2+1, 1, n_fft]."""
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)
    angle = 2.0 * np.pi * np.arange(n_fft // 2 + 1)[:, None] * np.arange(n_fft)[None] / n_fft
    return ((np.cos(angle) * window)[:, None].astype(np.float32),
            (-np.sin(angle) * window)[:, None].astype(np.float32))


def default_weights_path() -> Path:
    return wheel_member(*WHEEL)


class ResemblyzerUpstream(Upstream):
    """waveform [1, S] -> hidden states [4, T, 256], T = S // 160 + 1 (centred frames)."""

    def __init__(self, weights_path: Path | str | None = None):
        super().__init__()
        path = Path(weights_path) if weights_path else default_weights_path()
        state = torch.load(path, map_location="cpu", weights_only=False)["model_state"]
        real, imag = _dft_kernels()
        self.register_buffer("dft_real", torch.from_numpy(real))
        self.register_buffer("dft_imag", torch.from_numpy(imag))
        self.register_buffer("melmat", torch.from_numpy(slaney_mel_filterbank()))
        # One single-layer LSTM per layer, so each layer's output sequence is visible.
        self.lstms = nn.ModuleList()
        for i in range(3):
            lstm = nn.LSTM(N_MELS if i == 0 else 256, 256, 1, batch_first=True)
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(lstm, f"{name}_l0").data.copy_(state[f"lstm.{name}_l{i}"])
            self.lstms.append(lstm)
        self.linear = nn.Linear(256, 256)
        self.linear.weight.data.copy_(state["linear.weight"])
        self.linear.bias.data.copy_(state["linear.bias"])
        self.requires_grad_(False)
        self.frame_centre = 0.0  #: frames are centred on multiples of the hop
        self.info = UpstreamInfo(
            name="resemblyzer GE2E speaker encoder",
            kind="resemblyzer",
            num_layers=4,
            dim=256,
            downsample_rate=HOP,
            min_samples=1,
            normalization="volume_to_-30dBFS_increase_only",
            licence="Apache-2.0 (resemblyzer, Resemble AI)",
            provenance="PyPI resemblyzer==0.1.4 wheel, resemblyzer/pretrained.pt "
            "(GE2E speaker encoder, 3x LSTM 256 on 40 mel bands)",
        )

    def mel(self, waveform: torch.Tensor) -> torch.Tensor:
        """waveform [1, S] in [-1, 1] -> mel power [1, T, 40] after resemblyzer's volume norm."""
        mean_sq = torch.mean(waveform * waveform)
        change_db = TARGET_DBFS - 10.0 * torch.log10(mean_sq + 1e-12)
        gain = torch.clamp(torch.pow(10.0, change_db / 20.0), min=1.0)  # increase only
        x = F.pad((waveform * gain).unsqueeze(1), (N_FFT // 2, N_FFT // 2))  # centre=True, zeros
        real = F.conv1d(x, self.dft_real, stride=HOP)
        imag = F.conv1d(x, self.dft_imag, stride=HOP)
        power = (real * real + imag * imag).transpose(1, 2)  # [1, T, 201]
        return power @ self.melmat

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        """waveform [1, S] float32 in [-1, 1] -> hidden states [4, T, 256]."""
        x = self.mel(waveform)
        layers = []
        for lstm in self.lstms:
            x, _ = lstm(x)
            layers.append(x[0])
        layers.append(F.relu(self.linear(x[0])))
        return torch.stack(layers, dim=0)


def build(args: str = "") -> ResemblyzerUpstream:
    """Spec ``resemblyzer`` or ``resemblyzer:/path/to/pretrained.pt``."""
    return ResemblyzerUpstream(args or None)
