"""End to end: `python -m training build/evaluate` on 12 EmoDB files of 3 speakers, tiny WavLM."""
import json

import numpy as np
import onnxruntime as ort
import pytest
import torch

from training.cli import main
from training.features import read_wav_16k_mono
from training.manifest import verify_manifest

SPEAKERS = ["03", "08", "09"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("features")


@pytest.fixture(scope="module")
def built(tmp_path_factory, cache, emodb_dir):
    out = tmp_path_factory.mktemp("models") / "tiny-emodb"
    result = main([
        "build", "--upstream", "tiny:wavlm", "--data", "emodb", "--data-root", str(emodb_dir),
        "--speakers", ",".join(SPEAKERS), "--limit-per-group", "4", "--classes", "4", "--head", "corrap",
        "--label-smoothing", "0.1", "--variants", "fp32,q4", "--max-epochs", "2", "--evaluate",
        "--fidelity-files", "2", "--cache-dir", str(cache), "--out", str(out), "--quiet",
    ])
    return out, result


def test_build_writes_a_valid_manifest(built):
    out, result = built
    assert verify_manifest(out) == []
    m = json.loads((out / "manifest.json").read_text())
    assert m["labels"] == ["anger", "happiness", "neutral", "sadness"]
    assert [v["id"] for v in m["upstream"]["variants"]] == ["fp32", "q4"]
    assert (m["upstream"]["num_layers"], m["upstream"]["dim"]) == (3, 64)
    assert m["head"]["type"] == "corrap" and m["head"]["label_smoothing"] == 0.1
    assert m["head"]["pooled"]["dim"] == 256 * 255 // 2  # CorrAP over the 256-dim projection
    sess = ort.InferenceSession(str(out / "head.onnx"), providers=["CPUExecutionProvider"])
    assert [o.name for o in sess.get_outputs()] == ["probabilities", "attention", "pooled"]
    assert [f["group"] for f in m["metrics"]["folds"]] == SPEAKERS
    assert sum(f["n_test"] for f in m["metrics"]["folds"]) == 12
    assert len(result["utts"]) == 12
    fidelity = json.loads((out / "fidelity.json").read_text())
    assert set(fidelity["variants"]) == {"fp32", "q4"}
    assert (out / "MODEL_CARD.md").read_text().startswith("# tiny-emodb")
    # What the page's model panel says it was trained on: the clips and speakers actually used.
    assert m["training_data"] == [{"corpus": "EmoDB", "citation": "Burkhardt et al., 2005", "language": "German",
                                   "style": "acted", "licence": "research data, free of charge; not redistributed here",
                                   "speakers": 3, "clips": 12}]


def test_onnx_pipeline_matches_pytorch_on_real_audio(built, emodb_dir):
    out, result = built
    up, head = result["upstream"], result["head"]
    wav = read_wav_16k_mono(emodb_dir / "03a01Fa.wav")[None]
    with torch.no_grad():
        hidden = up(torch.from_numpy(wav))
        ref = torch.softmax(head(hidden.unsqueeze(0), torch.tensor([hidden.shape[1]])), -1).numpy()
    upstream = ort.InferenceSession(str(out / "upstream.fp32.onnx"), providers=["CPUExecutionProvider"])
    head_sess = ort.InferenceSession(str(out / "head.onnx"), providers=["CPUExecutionProvider"])
    onnx_hidden = upstream.run(["hidden_states"], {"waveform": wav})[0]
    assert onnx_hidden.shape == tuple(hidden.shape)
    # Head alone on identical hidden states, then the whole ONNX chain.
    assert np.abs(head_sess.run(None, {"hidden_states": hidden.numpy()})[0] - ref).max() < 1e-5
    probs = head_sess.run(None, {"hidden_states": onnx_hidden})[0]
    assert probs.shape == (1, 4) and abs(probs.sum() - 1) < 1e-5
    assert np.abs(probs - ref).max() < 1e-5
    q4 = ort.InferenceSession(str(out / "upstream.q4.onnx"), providers=["CPUExecutionProvider"])
    assert q4.run(None, {"waveform": wav})[0].shape == onnx_hidden.shape


def test_evaluate_grid(tmp_path, cache, built, emodb_dir):
    res = main([
        "evaluate", "--upstream", "tiny:wavlm", "--data-root", str(emodb_dir), "--speakers", ",".join(SPEAKERS),
        "--limit-per-group", "4", "--heads", "mean,cp", "--label-smoothing", "0,0.1", "--max-epochs", "1",
        "--cache-dir", str(cache), "--out", str(tmp_path / "r.json"), "--quiet",
    ])
    on_disk = json.loads((tmp_path / "r.json").read_text())
    assert on_disk["runs"] == json.loads(json.dumps(res["runs"]))
    assert [(r["pooling"], r["label_smoothing"]) for r in res["runs"]] == [("mean", 0.0), ("mean", 0.1), ("cp", 0.0), ("cp", 0.1)]
    assert all(len(r["folds"]) == 3 and np.array(r["confusion"]).sum() == 12 for r in res["runs"])


def test_unfaithful_variants_are_dropped_and_their_files_deleted(tmp_path):
    from training.cli import drop_unfaithful_variants
    from training.export.variants import VariantFile

    def vf(i):
        (tmp_path / f"upstream.{i}.onnx").write_bytes(b"x")
        return VariantFile(id=i, file=f"upstream.{i}.onnx", bytes=1, sha256="0" * 64, dtype=i, backends=["wasm"], requires=[])

    fidelity = {"variants": {
        "fp32": {"top1_agreement": 1.0, "max_prob_diff": 0.0},
        "q8": {"top1_agreement": 1.0, "max_prob_diff": 0.01},
        "q4": {"top1_agreement": 1.0, "max_prob_diff": 0.09},   # too far from fp32
        "int8": {"top1_agreement": 0.875, "max_prob_diff": 0.04},  # changes an answer
    }}
    kept = drop_unfaithful_variants([vf(i) for i in ("fp32", "q8", "q4", "int8")], fidelity, tmp_path, 0.05)
    assert [v.id for v in kept] == ["fp32", "q8"]
    assert sorted(p.name for p in tmp_path.glob("upstream.*.onnx")) == ["upstream.fp32.onnx", "upstream.q8.onnx"]
    report = json.loads((tmp_path / "fidelity.json").read_text())
    assert report["variants"]["q4"]["dropped"] and report["variants"]["int8"]["dropped"]
    assert "dropped" not in report["variants"]["q8"]
