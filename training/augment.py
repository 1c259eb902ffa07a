"""Robustness augmentation of a 16 kHz mono waveform (numpy/scipy only, seeded).

What a user's microphone and room do to speech that the acted corpora do not contain:

* ``gain``: level change by a given number of dB (drawn in +-12 dB);
* ``add_noise``: white, pink or brown noise at a given SNR (drawn in 5-30 dB) relative to the
  clip's mean power;
* ``reverb``: a synthetic room, the clip convolved with an exponentially decaying noise
  impulse response (energy down 60 dB after ``rt60`` s, drawn in 0.2-0.8 s) plus the direct
  path, mixed so the level stays that of the dry clip;
* ``band_limit``: telephone band (300-3400 Hz band-pass) or a cheap mic / 8 kHz-sampled
  stream (low-pass at 4 kHz), 8th-order Butterworth, zero phase.

``random_chain(x, rng)`` draws one chain (reverb -> noise -> band-limit -> gain, each but
gain with a probability, at least one of them always) and ``augment_clip(x, clip_id, seed)``
does it with a generator seeded by the clip id, so a clip's augmented copy is reproducible.
Outputs are float32, finite, and within [-1, 1] (``protect`` scales a clip whose peak would
exceed 1 down to ``PEAK`` instead of clipping it).
"""
from __future__ import annotations

import zlib

import numpy as np
from scipy.signal import butter, fftconvolve, sosfiltfilt

SR = 16000
PEAK = 0.99
GAIN_DB = (-12.0, 12.0)
SNR_DB = (5.0, 30.0)
RT60_S = (0.2, 0.8)
BANDS = {"telephone": (300.0, 3400.0), "lowpass4k": (None, 4000.0)}
NOISES = ("white", "pink", "brown")


def power(x: np.ndarray) -> float:
    return float(np.mean(np.asarray(x, dtype=np.float64) ** 2))


def gain(x: np.ndarray, db: float) -> np.ndarray:
    return (np.asarray(x, dtype=np.float64) * 10.0 ** (db / 20.0)).astype(np.float32)


def colored_noise(n: int, rng: np.random.Generator, color: str = "white") -> np.ndarray:
    """Gaussian noise with power spectrum 1 (white), 1/f (pink) or 1/f^2 (brown), unit power."""
    w = rng.standard_normal(n)
    if color != "white":
        spec = np.fft.rfft(w)
        f = np.arange(spec.shape[0], dtype=np.float64)
        f[0] = 1.0
        spec /= f ** (0.5 if color == "pink" else 1.0)
        spec[0] = 0.0
        w = np.fft.irfft(spec, n)
    return w / max(np.sqrt(np.mean(w * w)), 1e-12)


def add_noise(x: np.ndarray, snr_db: float, rng: np.random.Generator, color: str = "white") -> np.ndarray:
    """x + noise with 10 log10(P(x) / P(noise)) = snr_db exactly (P: mean square over the clip)."""
    x = np.asarray(x, dtype=np.float64)
    px = power(x)
    if px <= 0.0:
        return x.astype(np.float32)
    noise = colored_noise(x.shape[0], rng, color) * np.sqrt(px / 10.0 ** (snr_db / 10.0))
    return (x + noise).astype(np.float32)


def room_impulse_response(rt60: float, rng: np.random.Generator, sr: int = SR, direct_to_reverb_db: float = 0.0) -> np.ndarray:
    """Direct path (1 at t=0) plus exponentially decaying Gaussian noise, amplitude down 60 dB at ``rt60``,
    tail energy ``direct_to_reverb_db`` below the direct path; length rt60 (the rest is below -60 dB)."""
    n = max(int(rt60 * sr), 2)
    t = np.arange(n) / sr
    tail = rng.standard_normal(n) * np.exp(-3.0 * np.log(10.0) * t / rt60)  # 20 log10(env(rt60)) = -60
    tail[0] = 0.0
    tail *= np.sqrt(10.0 ** (-direct_to_reverb_db / 10.0) / max(np.sum(tail * tail), 1e-12))
    tail[0] = 1.0
    return tail


def reverb(x: np.ndarray, rt60: float, rng: np.random.Generator, sr: int = SR, direct_to_reverb_db: float = 0.0) -> np.ndarray:
    """x convolved with a synthetic room response, cut to x's length, rescaled to x's power."""
    x = np.asarray(x, dtype=np.float64)
    y = fftconvolve(x, room_impulse_response(rt60, rng, sr, direct_to_reverb_db))[: x.shape[0]]
    py = power(y)
    if py > 0.0:
        y *= np.sqrt(power(x) / py)
    return y.astype(np.float32)


def band_limit(x: np.ndarray, band: str = "telephone", sr: int = SR) -> np.ndarray:
    lo, hi = BANDS[band]
    if lo is None:
        sos = butter(8, hi, btype="lowpass", fs=sr, output="sos")
    else:
        sos = butter(4, (lo, hi), btype="bandpass", fs=sr, output="sos")  # order 4 per edge: 8 in all
    return sosfiltfilt(sos, np.asarray(x, dtype=np.float64)).astype(np.float32)


def protect(x: np.ndarray) -> np.ndarray:
    """Finite and within [-1, 1]: non-finite samples -> 0; a peak above 1 scaled down to PEAK."""
    x = np.nan_to_num(np.asarray(x, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak > 1.0:
        x = x * (PEAK / peak)
    return x.astype(np.float32)


def random_chain(x: np.ndarray, rng: np.random.Generator, sr: int = SR,
                 p_reverb: float = 0.5, p_noise: float = 0.6, p_band: float = 0.4) -> tuple[np.ndarray, dict]:
    """One random chain; returns (augmented clip, the parameters drawn)."""
    use = {"reverb": rng.random() < p_reverb, "noise": rng.random() < p_noise, "band": rng.random() < p_band}
    if not any(use.values()):
        use[("reverb", "noise", "band")[int(rng.integers(3))]] = True
    params: dict = {}
    y = np.asarray(x, dtype=np.float32)
    if use["reverb"]:
        params["rt60"] = float(rng.uniform(*RT60_S))
        params["drr_db"] = float(rng.uniform(-3.0, 6.0))
        y = reverb(y, params["rt60"], rng, sr, params["drr_db"])
    if use["noise"]:
        params["snr_db"] = float(rng.uniform(*SNR_DB))
        params["noise"] = NOISES[int(rng.integers(len(NOISES)))]
        y = add_noise(y, params["snr_db"], rng, params["noise"])
    if use["band"]:
        params["band"] = list(BANDS)[int(rng.integers(len(BANDS)))]
        y = band_limit(y, params["band"], sr)
    params["gain_db"] = float(rng.uniform(*GAIN_DB))
    y = gain(y, params["gain_db"])
    return protect(y), params


def clip_rng(clip_id: str, seed: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(clip_id.encode())])


def augment_clip(x: np.ndarray, clip_id: str, seed: int = 0, sr: int = SR) -> tuple[np.ndarray, dict]:
    """The augmented copy of one clip: the same for the same (clip id, seed)."""
    return random_chain(x, clip_rng(clip_id, seed), sr)
