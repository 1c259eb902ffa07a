"""Reading audio for training and evaluation: any rate and channel count -> mono float32 at 16 kHz."""
from __future__ import annotations

from math import gcd
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly


def read_audio(path: Path, sample_rate: int = 16000) -> np.ndarray:
    """Audio file -> float32 [S] in [-1, 1] at ``sample_rate``.

    Channels are averaged (as the app's decoder does); other rates are resampled with a
    polyphase anti-aliasing filter (RAVDESS is 48 kHz, nEMO 24 kHz).
    """
    audio, sr = sf.read(str(path), dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)
    if sr != sample_rate:
        g = gcd(int(sr), int(sample_rate))
        mono = resample_poly(mono, sample_rate // g, int(sr) // g).astype(np.float32)
    return np.ascontiguousarray(mono, dtype=np.float32)
