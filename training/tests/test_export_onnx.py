"""fp32 ONNX upstream vs PyTorch: parity at two lengths, dynamic axes, normalisation in the graph."""
import numpy as np
import onnx
import onnxruntime as ort
import pytest
import soundfile as sf
import torch

from training.export.onnx_upstream import export_upstream_onnx
from training.upstream.tiny import build_tiny

LENGTHS = (8000, 13120)  # 24 and 40 frames: different CNN output and relative-position sizes


@pytest.fixture(scope="module")
def speech(emodb_dir) -> np.ndarray:
    audio, sr = sf.read(str(emodb_dir / "03a01Wa.wav"), dtype="float32")
    assert sr == 16000
    return audio


def _export(kind, tmp_path_factory):
    up = build_tiny(kind)
    path = export_upstream_onnx(up, tmp_path_factory.mktemp(kind) / "upstream.onnx")
    return up, path, ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


@pytest.fixture(scope="module")
def wavlm(tmp_path_factory):
    return _export("wavlm", tmp_path_factory)


@pytest.fixture(scope="module")
def wavlm_large(tmp_path_factory):
    return _export("wavlm-large", tmp_path_factory)


def _parity(up, session, x: np.ndarray) -> float:
    with torch.no_grad():
        ref = up(torch.from_numpy(x)).numpy()
    out = session.run(["hidden_states"], {"waveform": x})[0]
    assert out.shape == ref.shape
    return float(np.abs(out - ref).max())


def test_graph_interface_is_dynamic_and_checked(wavlm):
    up, path, _ = wavlm
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    (inp,), (out,) = model.graph.input, model.graph.output
    assert (inp.name, out.name) == ("waveform", "hidden_states")
    in_dims = [d.dim_param or d.dim_value for d in inp.type.tensor_type.shape.dim]
    out_dims = [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim]
    assert in_dims == [1, "samples"] and out_dims == [3, "frames", 64]
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["normalization"] == "none" and meta["downsample_rate"] == "320"


@pytest.mark.parametrize("n", LENGTHS)
def test_wavlm_parity_with_pytorch_at_two_lengths(wavlm, speech, n):
    up, _, session = wavlm
    assert _parity(up, session, speech[None, :n]) < 1e-4


def test_one_session_serves_both_lengths_and_the_minimum(wavlm, speech):
    _, _, session = wavlm
    frames = [session.run(None, {"waveform": speech[None, :n]})[0].shape[1] for n in (*LENGTHS, 400)]
    assert frames == [24, 40, 1]


@pytest.mark.parametrize("kind", ["hubert", "wav2vec2"])
def test_hubert_and_wav2vec2_export_with_parity(kind, speech, tmp_path_factory):
    up, _, session = _export(kind, tmp_path_factory)
    for n in LENGTHS:
        assert _parity(up, session, speech[None, :n]) < 1e-4


def test_large_layout_parity_and_normalisation_inside_the_graph(wavlm_large, speech):
    up, path, session = wavlm_large
    x = speech[None, :LENGTHS[1]]
    assert _parity(up, session, x) < 1e-4
    assert {p.key: p.value for p in onnx.load(str(path)).metadata_props}["normalization"] == "zero_mean_unit_var"
    a = session.run(None, {"waveform": x})[0]
    b = session.run(None, {"waveform": (3.0 * x + 0.1).astype(np.float32)})[0]
    assert np.abs(a - b).max() < 1e-4


def test_without_normalisation_the_graph_sees_raw_audio(wavlm_large, speech, tmp_path):
    from training.upstream.hf import HFUpstream

    up, _, _ = wavlm_large
    raw = HFUpstream(up.model, do_normalize=False, name="raw", licence="MIT", provenance="test")
    session = ort.InferenceSession(str(export_upstream_onnx(raw, tmp_path / "raw.onnx")), providers=["CPUExecutionProvider"])
    x = speech[None, :LENGTHS[0]]
    a = session.run(None, {"waveform": x})[0]
    b = session.run(None, {"waveform": (3.0 * x + 0.1).astype(np.float32)})[0]
    assert np.abs(a - b).max() > 0.1
