"""How close each exported upstream variant stays to the PyTorch fp32 upstream, on real audio.

For every variant and every file: per-layer cosine similarity of the flattened [T, D] layer
and max abs difference against ``up(waveform)`` in PyTorch fp32; optionally, through the
same head ONNX (``hidden_states`` [L, T, D] -> ``probabilities`` [1, C]), top-1 agreement
and max probability difference against the head on the PyTorch hidden states.

Measured with onnxruntime's CPU EP. Caveat for fp16: the CPU EP has no fp16 kernel for
many ops and runs those in fp32 (its InsertCastTransformer), so on CPU this measures fp16
weight rounding plus partial fp16 arithmetic; WebGPU computes in fp16 throughout.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import soundfile as sf
import torch

from training.audio import read_audio as read_wav  # one reader for every file the pipeline reads
from training.upstream.base import Upstream


def _session(path: Path) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def layer_cosines(ref: np.ndarray, out: np.ndarray) -> np.ndarray:
    """ref, out [L, T, D] -> cosine similarity per layer [L] of the flattened [T * D] layer."""
    a = ref.reshape(ref.shape[0], -1).astype(np.float64)
    b = out.reshape(out.shape[0], -1).astype(np.float64)
    denom = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return (a * b).sum(axis=1) / np.maximum(denom, 1e-30)


def variant_fidelity(
    up: Upstream,
    variant_paths: dict[str, Path],
    wavs: list[Path],
    head_onnx: Path | None = None,
    out: Path | None = None,
    head_feeds: dict | None = None,
) -> dict:
    """Compare each variant (id -> upstream ONNX path) with ``up`` in PyTorch fp32 on ``wavs``.

    Returns ``{"upstream", "files", "head", "variants": {id: {...}}}`` where each variant has
    ``layer_cosine_mean`` / ``layer_cosine_min`` (lists of length L; mean / min over files),
    ``cosine_min`` (min over layers and files), ``max_abs_diff``, ``max_abs_ref`` and, with a
    head, ``top1_agreement`` (fraction of files) and ``max_prob_diff``. Written as JSON to
    ``out`` if given.
    """
    if not wavs:
        raise ValueError("variant_fidelity needs at least one audio file")
    up = up.eval()
    head = _session(head_onnx) if head_onnx is not None else None
    # e.g. a domain-normalised head's domain_mean / domain_std (the training prior)
    extra = {k: np.asarray(v, dtype=np.float32) for k, v in (head_feeds or {}).items()}
    refs: list[np.ndarray] = []
    ref_probs: list[np.ndarray] = []
    for wav in wavs:
        x = torch.from_numpy(read_wav(wav)).unsqueeze(0)  # [1, S]
        with torch.no_grad():
            hidden = up(x).numpy()  # [L, T, D]
        refs.append(hidden)
        if head is not None:
            ref_probs.append(head.run(["probabilities"], {"hidden_states": hidden, **extra})[0])

    report: dict = {
        "upstream": up.info.name,
        "files": [Path(w).name for w in wavs],
        "head": Path(head_onnx).name if head_onnx is not None else None,
        "runtime": f"onnxruntime {ort.__version__} CPUExecutionProvider",
        "variants": {},
    }
    for variant, path in variant_paths.items():
        session = _session(Path(path))
        cosines, max_abs, agree, prob_diff = [], 0.0, 0, 0.0
        for wav, ref, ref_p in zip(wavs, refs, ref_probs or [None] * len(refs)):
            x = read_wav(wav)[None, :]
            hidden = session.run(["hidden_states"], {"waveform": x})[0]
            if hidden.shape != ref.shape:
                raise ValueError(f"{variant}: output {hidden.shape} != PyTorch {ref.shape} on {wav}")
            cosines.append(layer_cosines(ref, hidden))
            max_abs = max(max_abs, float(np.abs(hidden - ref).max()))
            if head is not None:
                probs = head.run(["probabilities"], {"hidden_states": hidden.astype(np.float32), **extra})[0]
                agree += int(np.argmax(probs) == np.argmax(ref_p))
                prob_diff = max(prob_diff, float(np.abs(probs - ref_p).max()))
        cos = np.stack(cosines)  # [files, L]
        entry = {
            "file": Path(path).name,
            "layer_cosine_mean": [round(float(c), 6) for c in cos.mean(axis=0)],
            "layer_cosine_min": [round(float(c), 6) for c in cos.min(axis=0)],
            "cosine_min": float(cos.min()),
            "max_abs_diff": max_abs,
            "max_abs_ref": float(max(np.abs(r).max() for r in refs)),
        }
        if head is not None:
            entry["top1_agreement"] = agree / len(wavs)
            entry["max_prob_diff"] = prob_diff
        report["variants"][variant] = entry
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2) + "\n")
    return report
