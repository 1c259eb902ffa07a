"""Log-mel filterbank front-end: the no-pretraining floor, L = 1.

The STFT is a strided ``conv1d`` with fixed DFT x Hann weights (no ONNX STFT op), so the
exported graph is Conv/Mul/Add/MatMul/Log only, which every onnxruntime-web backend runs.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .base import Upstream, UpstreamInfo

SAMPLE_RATE = 16000


def hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """HTK mel scale."""
    return 2595.0 * np.log10(1.0 + hz / 700.0)


def mel_to_hz(mel: np.ndarray) -> np.ndarray:
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)


def mel_filterbank(n_fft: int, n_mels: int, fmin: float = 0.0, fmax: float = SAMPLE_RATE / 2) -> np.ndarray:
    """Triangular HTK mel filters, [n_fft // 2 + 1, n_mels], peak 1 (unnormalised)."""
    freqs = np.linspace(0.0, SAMPLE_RATE / 2, n_fft // 2 + 1)
    edges = mel_to_hz(np.linspace(hz_to_mel(np.array(fmin)), hz_to_mel(np.array(fmax)), n_mels + 2))
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs[None] - lower) / (centre - lower)
    down = (upper - freqs[None]) / (upper - centre)
    return np.maximum(0.0, np.minimum(up, down)).T.astype(np.float32)


def dft_kernels(n_fft: int, win_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Real and imaginary DFT rows times a centred periodic Hann window: each [F, 1, n_fft]."""
    window = np.zeros(n_fft)
    start = (n_fft - win_length) // 2
    window[start:start + win_length] = np.hanning(win_length + 1)[:-1]
    k = np.arange(n_fft // 2 + 1)[:, None]
    n = np.arange(n_fft)[None]
    angle = 2.0 * np.pi * k * n / n_fft
    real = (np.cos(angle) * window)[:, None, :].astype(np.float32)
    imag = (-np.sin(angle) * window)[:, None, :].astype(np.float32)
    return real, imag


class LogMelUpstream(Upstream):
    """waveform [1, S] -> log-mel [1, T, n_mels]; T = floor((S - n_fft) / hop) + 1."""

    def __init__(self, n_mels: int = 64, n_fft: int = 512, win_length: int = 400, hop: int = 160):
        super().__init__()
        real, imag = dft_kernels(n_fft, win_length)
        self.register_buffer("dft_real", torch.from_numpy(real))
        self.register_buffer("dft_imag", torch.from_numpy(imag))
        self.register_buffer("melmat", torch.from_numpy(mel_filterbank(n_fft, n_mels)))
        self.hop = hop
        self.frame_centre = n_fft / 2  #: sample at the centre of frame 0
        self.info = UpstreamInfo(
            name=f"logmel{n_mels}",
            kind="logmel",
            num_layers=1,
            dim=n_mels,
            downsample_rate=hop,
            min_samples=n_fft,
            normalization="none",
            licence="MIT (this repository; no pretrained weights)",
            provenance="log-mel filterbank computed in the graph (HTK mel, Hann 25 ms, hop 10 ms)",
        )

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        """waveform [1, S] float32 in [-1, 1] -> [1, T, n_mels] natural-log mel power."""
        x = waveform.unsqueeze(1)  # [1, 1, S]
        real = F.conv1d(x, self.dft_real, stride=self.hop)  # [1, F, T]
        imag = F.conv1d(x, self.dft_imag, stride=self.hop)
        power = (real * real + imag * imag).transpose(1, 2)  # [1, T, F]
        return torch.log(power @ self.melmat + 1e-6)


def build(args: str = "") -> LogMelUpstream:
    """Spec ``logmel`` or ``logmel:n_mels=80``."""
    kwargs: dict[str, int] = {}
    for part in filter(None, args.split(",")):
        key, _, value = part.partition("=")
        if key not in {"n_mels", "n_fft", "win_length", "hop"}:
            raise ValueError(f"unknown logmel option {key!r}")
        kwargs[key] = int(value)
    return LogMelUpstream(**kwargs)
