"""The head's pooled output and classifier file (issue 15): exported heads and add_pooled_output
give the very tensor the classifier reads, the file holds that layer exactly, softmax(W pooled + b)
reproduces the probabilities, the probabilities do not change, and the manifest declares it all."""
import hashlib
import json
import shutil

import numpy as np
import onnxruntime as ort
import pytest
import torch

from training.calibration import CalibrationRecipe, fit, predict
from training.export.add_pooled_output import main as add_main, read_classifier, upgrade_model_folder
from training.export.head_onnx import classifier_weights, export_head_onnx, write_classifier
from training.heads import EmotionHead
from training.manifest import verify_manifest
from training.tests.conftest import REPO

FIXTURES = REPO / "test" / "fixtures" / "models"
#: pooling -> fixture folder with a head of that kind (tiny-domain: meanstd with domain inputs;
#: tiny-pipeline: corrap with attention).
FOLDERS = {"meanstd": "tiny-domain", "corrap": "tiny-pipeline"}
RECIPE = {"method": "linear", "l2": 1.0, "steps": 100, "lr": 1.0, "min_per_class": 2}


def _head(pooling: str, layers: int, dim: int, seed: int = 0) -> EmotionHead:
    torch.manual_seed(seed)
    head = EmotionHead(num_layers=layers, dim=dim, num_classes=4, pooling=pooling, proj_dim=24).eval()
    with torch.no_grad():  # larger logits, so the probabilities are not all near 1/4
        head.classifier.weight.mul_(8)
        head.classifier.bias.copy_(torch.tensor([0.5, -0.5, 0.25, 0.0]))
    return head


def _session(path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _feeds(x: torch.Tensor, domain: bool) -> dict:
    feeds = {"hidden_states": x.numpy()}
    if domain:
        layers, _, dim = x.shape
        feeds.update(domain_mean=np.full((layers, dim), 0.1, np.float32), domain_std=np.full((layers, dim), 2.0, np.float32))
    return feeds


def _torch_pooled(head: EmotionHead, x: torch.Tensor, domain: bool) -> torch.Tensor:
    if domain:
        x = (x - 0.1) / 2.0
    with torch.no_grad():
        return head.pooling(head.projector(head.featurizer(x.unsqueeze(0))), None)


@pytest.mark.parametrize("pooling,domain", [("meanstd", True), ("meanstd", False), ("corrap", False)])
def test_export_with_pooled_output_gives_the_classifier_input(tmp_path, pooling, domain):
    head = _head(pooling, 3, 16)
    sess = _session(export_head_onnx(head, 3, 16, tmp_path / "head.onnx", domain_inputs=domain, pooled=True))
    names = [o.name for o in sess.get_outputs()]
    assert names == ["probabilities"] + (["attention"] if pooling == "corrap" else []) + ["pooled"]
    w, b = classifier_weights(head)
    assert w.shape == (4, head.pooling.output_size) and b.shape == (4,)
    for frames in (1, 23, 131):
        x = torch.randn(3, frames, 16)
        probs, *_, pooled = sess.run(None, _feeds(x, domain))
        ref = _torch_pooled(head, x, domain).numpy()
        assert pooled.shape == ref.shape == (1, head.pooling.output_size)
        assert np.abs(pooled - ref).max() < 1e-5
        assert np.abs(predict(w, b, pooled) - probs).max() < 1e-5
        # ... and the check discriminates: another layer (rows swapped) does not reproduce them
        # (one frame has no correlations: CorrAP pools it to zeros, so only b matters there).
        if frames > 1:
            assert np.abs(predict(w[[1, 0, 2, 3]], b, pooled) - probs).max() > 1e-3


def test_classifier_file_is_w_row_major_then_b(tmp_path):
    w = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
    b = np.array([-1.0, 0.5, 2.0], np.float32)
    path = write_classifier(w, b, tmp_path / "c.f32")
    raw = path.read_bytes()
    assert len(raw) == 4 * (12 + 3)
    assert np.frombuffer(raw[:4], "<f4")[0] == w[0, 0] and np.frombuffer(raw[4:8], "<f4")[0] == w[0, 1]
    w2, b2 = read_classifier(path, 3, 4)
    assert np.array_equal(w2, w) and np.array_equal(b2, b)
    with pytest.raises(ValueError):
        write_classifier(w, b[:2], tmp_path / "bad.f32")


def _old_export(tmp_path, pooling: str):
    """A copy of the fixture whose head is a seeded random one, exported without the pooled output."""
    folder = tmp_path / "model"
    shutil.copytree(FIXTURES / FOLDERS[pooling], folder)
    m = json.loads((folder / "manifest.json").read_text())
    layers, dim = m["upstream"]["num_layers"], m["upstream"]["dim"]
    head = _head(pooling, layers, dim, seed=5)
    export_head_onnx(head, layers, dim, folder / "head.onnx", domain_inputs="domain_normalization" in m)
    data = (folder / "head.onnx").read_bytes()
    m["head"].update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    (folder / "manifest.json").write_text(json.dumps(m, indent=2) + "\n")
    assert verify_manifest(folder) == []
    return folder, head, m


@pytest.mark.parametrize("pooling", ["meanstd", "corrap"])
def test_add_pooled_output_upgrades_an_export(tmp_path, capsys, pooling):
    folder, head, m0 = _old_export(tmp_path, pooling)
    domain = "domain_normalization" in m0
    layers, dim = m0["upstream"]["num_layers"], m0["upstream"]["dim"]
    before = _session(folder / "head.onnx")
    old_names = [o.name for o in before.get_outputs()]
    add_main([str(folder), "--calibration", json.dumps(RECIPE)])
    report = json.loads(capsys.readouterr().out)
    assert report["changed"] and report["max_prob_change"] <= 1e-6 and report["max_refit_diff"] <= 1e-5
    assert report["dim"] == head.pooling.output_size

    after = _session(folder / "head.onnx")
    assert [o.name for o in after.get_outputs()] == old_names + ["pooled"]
    assert verify_manifest(folder) == []
    m = json.loads((folder / "manifest.json").read_text())
    assert m["head"]["pooled"]["output"] == "pooled" and m["head"]["pooled"]["dim"] == head.pooling.output_size
    assert m["head"]["pooled"]["classifier"]["file"] == "classifier.f32"
    assert list(m["head"])[-3:] == ["pooled", "licence", "provenance"]
    assert m["calibration"] == RECIPE and list(m)[-4:] == ["calibration", "licence", "provenance", "model_card"]

    # The file holds exactly the torch layer; the graph outputs exactly the torch pooling.
    w, b = read_classifier(folder / "classifier.f32", 4, m["head"]["pooled"]["dim"])
    tw, tb = classifier_weights(head)
    assert np.array_equal(w, tw) and np.array_equal(b, tb)
    x = torch.randn(layers, 41, dim)
    p0 = before.run(["probabilities"], _feeds(x, domain))[0]
    p1, pooled = after.run(["probabilities", "pooled"], _feeds(x, domain))
    assert np.array_equal(p0, p1)
    assert np.abs(pooled - _torch_pooled(head, x, domain).numpy()).max() < 1e-5
    assert np.abs(predict(w, b, pooled) - p1).max() < 1e-5
    # A calibration fit starts from these weights: zero steps leave the probabilities as they were.
    w1, b1 = fit(w, b, pooled, np.array([0]), CalibrationRecipe(steps=0))
    assert np.abs(predict(w1, b1, pooled) - p1).max() < 1e-5

    # A second run changes nothing.
    sha = m["head"]["sha256"]
    assert upgrade_model_folder(folder, RECIPE) == {"changed": False, "dim": head.pooling.output_size}
    assert json.loads((folder / "manifest.json").read_text())["head"]["sha256"] == sha


def test_verify_catches_a_classifier_of_the_wrong_size_and_calibration_without_pooled(tmp_path):
    folder, _, _ = _old_export(tmp_path, "meanstd")
    m = json.loads((folder / "manifest.json").read_text())
    m["calibration"] = RECIPE
    (folder / "manifest.json").write_text(json.dumps(m))
    assert any("head.pooled" in p for p in verify_manifest(folder))
    upgrade_model_folder(folder)
    with open(folder / "classifier.f32", "ab") as f:
        f.write(b"\0\0\0\0")
    m = json.loads((folder / "manifest.json").read_text())
    m["head"]["pooled"]["classifier"].update(bytes=(folder / "classifier.f32").stat().st_size,
                                             sha256=hashlib.sha256((folder / "classifier.f32").read_bytes()).hexdigest())
    (folder / "manifest.json").write_text(json.dumps(m))
    problems = verify_manifest(folder)
    assert len(problems) == 1 and "need" in problems[0]


def test_a_head_without_a_final_gemm_is_refused(tmp_path):
    folder, _, _ = _old_export(tmp_path, "meanstd")
    import onnx
    from onnx import helper

    model = onnx.load(str(folder / "head.onnx"))
    soft = next(n for n in model.graph.node if n.output[0] == "probabilities")
    model.graph.node.insert(list(model.graph.node).index(soft),
                            helper.make_node("Identity", [soft.input[0]], ["logits_copy"]))
    soft.input[0] = "logits_copy"
    onnx.save(model, str(folder / "head.onnx"))
    with pytest.raises(SystemExit, match="not a Gemm"):
        add_main([str(folder)])


def test_write_manifest_declares_pooled_and_calibration(tmp_path):
    from training.tests.test_manifest import _write

    write_classifier(np.ones((4, 6), np.float32), np.zeros(4, np.float32), tmp_path / "classifier.f32")
    m = _write(tmp_path, head_pooled={"dim": 6, "classifier": "classifier.f32"}, calibration=RECIPE)
    assert m["head"]["pooled"]["classifier"]["bytes"] == 4 * 4 * 7 and m["calibration"] == RECIPE
    assert verify_manifest(tmp_path) == []
    with pytest.raises(ValueError, match="needs"):
        _write(tmp_path, head_pooled={"dim": 7, "classifier": "classifier.f32"})
    with pytest.raises(ValueError, match="head_pooled"):
        _write(tmp_path, calibration=RECIPE)
