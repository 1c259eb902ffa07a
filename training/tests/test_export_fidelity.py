"""Fidelity report on real EmoDB audio, through a small head ONNX like the real head's contract."""
import json

import numpy as np
import onnx
import pytest
import torch

from training.export.fidelity import layer_cosines, read_wav, variant_fidelity
from training.export.variants import export_variants
from training.upstream.tiny import build_tiny

FILES = ("03a01Wa.wav", "16b10Tb.wav")  # anger and sadness, two speakers


class _Head(torch.nn.Module):
    """hidden_states [L, T, D] -> probabilities [1, C]: softmax layer weights, mean over T, linear."""

    def __init__(self, layers: int, dim: int, classes: int = 4):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.layer_logits = torch.nn.Parameter(torch.randn(layers, generator=g))
        self.linear = torch.nn.Linear(dim, classes)
        with torch.no_grad():
            self.linear.weight.copy_(torch.randn(classes, dim, generator=g))

    def forward(self, hidden_states):
        w = torch.softmax(self.layer_logits, 0)[:, None, None]
        pooled = (w * hidden_states).sum(0).mean(0, keepdim=True)  # [1, D]
        return torch.softmax(self.linear(pooled), -1)


@pytest.fixture(scope="module")
def setup(tmp_path_factory, emodb_dir):
    up = build_tiny("wavlm")
    out = tmp_path_factory.mktemp("fidelity")
    files = export_variants(up, out)
    head_path = out / "head.onnx"
    torch.onnx.export(
        _Head(up.info.num_layers, up.info.dim).eval(),
        (torch.zeros(up.info.num_layers, 10, up.info.dim),),
        str(head_path),
        input_names=["hidden_states"],
        output_names=["probabilities"],
        dynamic_axes={"hidden_states": {1: "frames"}},
        opset_version=17,
        dynamo=False,
    )
    wavs = [emodb_dir / f for f in FILES]
    return up, {f.id: out / f.file for f in files}, wavs, head_path, out


def test_read_wav_gives_float_audio_in_range(emodb_dir):
    x = read_wav(emodb_dir / FILES[0])
    assert x.dtype == np.float32 and x.ndim == 1 and len(x) == 32000
    assert 0.05 < np.abs(x).max() <= 1.0


def test_layer_cosines():
    a = np.random.default_rng(0).standard_normal((3, 5, 4)).astype(np.float32)
    b = a.copy()
    b[1] *= -1
    np.testing.assert_allclose(layer_cosines(a, b), [1.0, -1.0, 1.0], atol=1e-6)


def test_report_on_real_audio(setup):
    up, paths, wavs, head_path, out = setup
    report = variant_fidelity(up, paths, wavs, head_onnx=head_path, out=out / "fidelity.json")
    assert json.loads((out / "fidelity.json").read_text()) == report
    assert report["files"] == list(FILES) and report["head"] == "head.onnx"
    assert set(report["variants"]) == set(paths)
    fp32 = report["variants"]["fp32"]
    assert len(fp32["layer_cosine_mean"]) == len(fp32["layer_cosine_min"]) == up.info.num_layers
    assert fp32["cosine_min"] > 0.99999 and fp32["max_abs_diff"] < 1e-4
    assert fp32["top1_agreement"] == 1.0 and fp32["max_prob_diff"] < 1e-4
    for variant, entry in report["variants"].items():
        assert 0.99 < entry["cosine_min"] <= 1.0 + 1e-9, variant
        assert all(lo <= m + 1e-9 for lo, m in zip(entry["layer_cosine_min"], entry["layer_cosine_mean"]))
        assert 0.0 <= entry["max_prob_diff"] < 0.5 and 0.0 <= entry["top1_agreement"] <= 1.0
    # a coarser variant may not beat a finer one
    v = report["variants"]
    assert v["q4"]["max_abs_diff"] > v["q8"]["max_abs_diff"] > v["fp32"]["max_abs_diff"]


def test_report_without_head_and_its_failure_modes(setup):
    up, paths, wavs, _, _ = setup
    report = variant_fidelity(up, {"fp32": paths["fp32"]}, wavs[:1])
    assert "top1_agreement" not in report["variants"]["fp32"] and report["head"] is None
    with pytest.raises(ValueError):
        variant_fidelity(up, {"fp32": paths["fp32"]}, [])
    # the measure discriminates: another model's file is far from this PyTorch upstream
    other = variant_fidelity(build_tiny("hubert"), {"fp32": paths["fp32"]}, wavs[:1])
    assert other["variants"]["fp32"]["cosine_min"] < 0.9
