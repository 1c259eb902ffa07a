"""Upstream hidden states cached once per utterance (fp16 .npy [L, T, D] on disk)."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from tqdm import tqdm

from .audio import read_audio
from .data import Utterance
from .upstream.base import Upstream

DEFAULT_CACHE_DIR = Path(__file__).resolve().parent / ".cache" / "features"


def read_wav_16k_mono(path: Path, sample_rate: int = 16000) -> np.ndarray:
    """Audio file -> float32 [S] in [-1, 1]; anything but mono at ``sample_rate`` fails."""
    audio, sr = sf.read(str(path), dtype="float32", always_2d=True)
    if sr != sample_rate:
        raise ValueError(f"{path}: sample rate {sr} Hz, expected {sample_rate} Hz (resample it first)")
    if audio.shape[1] != 1:
        raise ValueError(f"{path}: {audio.shape[1]} channels, expected mono")
    return audio[:, 0]


class FeatureStore:
    """Cached hidden states of one upstream: ``get(utt_id)`` -> fp16 [L, T, D]."""

    #: RAM policy by total size of the features: float32 up to RAM_FLOAT32_LIMIT bytes (as
    #: float32), fp16 up to RAM_FP16_LIMIT (as fp16), beyond that nothing is kept in RAM and
    #: every batch is read from the memory-mapped cache (e.g. IEMOCAP with WavLM Large).
    RAM_FLOAT32_LIMIT = 4 << 30
    RAM_FP16_LIMIT = 8 << 30

    def __init__(self, directory: Path, ids: list[str]) -> None:
        self.directory = Path(directory)
        self.ids = list(ids)
        first = self.get(self.ids[0]) if self.ids else None
        self.num_layers = int(first.shape[0]) if first is not None else 0
        self.dim = int(first.shape[2]) if first is not None else 0
        fp16_bytes = sum(self.path(i).stat().st_size for i in self.ids)
        if 2 * fp16_bytes <= self.RAM_FLOAT32_LIMIT:
            self._ram_dtype: torch.dtype | None = torch.float32
        elif fp16_bytes <= self.RAM_FP16_LIMIT:
            self._ram_dtype = torch.float16
        else:
            self._ram_dtype = None
        self._ram: dict[str, torch.Tensor] = {}

    def path(self, utt_id: str) -> Path:
        return self.directory / f"{utt_id}.npy"

    def get(self, utt_id: str) -> np.ndarray:
        """Hidden states [L, T, D] float16 (memory-mapped from the cache)."""
        return np.load(self.path(utt_id), mmap_mode="r")

    def tensor(self, utt_id: str) -> torch.Tensor:
        """Hidden states [L, T, D] as a torch tensor, read from disk once and kept in RAM.

        float32, or fp16 / read per call for large feature sets (see the RAM limits);
        callers cast batches with ``.float()``.
        """
        t = self._ram.get(utt_id)
        if t is None:
            t = torch.from_numpy(np.array(self.get(utt_id)))
            if self._ram_dtype is None:
                return t
            t = t.to(self._ram_dtype)
            self._ram[utt_id] = t
        return t


def upstream_cache_id(spec: str, up: torch.nn.Module) -> str:
    """Cache folder name: readable spec plus a hash of the weights (a changed model never
    reuses stale features)."""
    h = hashlib.sha256()
    for name, t in sorted(up.state_dict().items()):
        h.update(name.encode())
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", spec).strip("_")[-60:]
    return f"{readable}-{h.hexdigest()[:10]}"


def extract_features(
    up: Upstream, utts: list[Utterance], cache_dir: Path = DEFAULT_CACHE_DIR, upstream_id: str = "upstream",
    progress: bool = True,
) -> FeatureStore:
    """Run ``up`` once per utterance not yet cached under ``cache_dir/upstream_id``.

    upstream_id must change whenever the upstream's weights do (stale caches are not
    detected otherwise); it may contain "/" (e.g. "<upstream>/<dataset>").
    """
    directory = Path(cache_dir) / upstream_id
    directory.mkdir(parents=True, exist_ok=True)
    todo = [u for u in utts if not (directory / f"{u.id}.npy").exists()]
    up.eval()
    info = getattr(up, "info", None)
    sr = getattr(info, "sample_rate", 16000)
    min_samples = getattr(info, "min_samples", 1)
    with torch.no_grad():
        for u in tqdm(todo, desc=f"features {upstream_id}", disable=not progress or not todo, unit="utt"):
            audio = read_audio(u.path, sr)
            if audio.shape[0] < min_samples:
                raise ValueError(f"{u.path}: {audio.shape[0]} samples, the upstream needs at least {min_samples}")
            hidden = up(torch.from_numpy(audio).unsqueeze(0))
            if hidden.dim() != 3:
                raise ValueError(f"upstream returned shape {tuple(hidden.shape)}, expected [L, T, D]")
            half = hidden.float().numpy().astype(np.float16)
            if not np.isfinite(half).all():
                raise ValueError(f"{u.id}: hidden states not finite in fp16 (max |x| {hidden.abs().max():.3g})")
            tmp = directory / f"{u.id}.tmp.npy"
            tmp.parent.mkdir(parents=True, exist_ok=True)  # ids may hold "/" (corpus/clip)
            np.save(tmp, half)
            tmp.replace(directory / f"{u.id}.npy")  # atomic: an interrupted run leaves no half file
    return FeatureStore(directory, [u.id for u in utts])
