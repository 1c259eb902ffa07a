"""CorrAP attention over time: the exported ONNX output equals the PyTorch module's weights, sums
to 1, is 0 on padding, follows the upstream's frames; add_attention_output upgrades an old export
without changing its probabilities."""
import json
import shutil

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from training.export.add_attention_output import main as add_main, upgrade_model_folder
from training.export.head_onnx import export_head_onnx
from training.heads import EmotionHead
from training.heads.model import lengths_to_mask
from training.manifest import verify_manifest
from training.predict import Predictor
from training.tests.conftest import REPO

FIXTURES = REPO / "test" / "fixtures" / "models"
PIPELINE = FIXTURES / "tiny-pipeline"  # corrap head, declares head.attention


def _corrap(layers=3, dim=16, seed=0) -> EmotionHead:
    torch.manual_seed(seed)
    head = EmotionHead(num_layers=layers, dim=dim, num_classes=4, pooling="corrap", proj_dim=24).eval()
    with torch.no_grad():  # a peaky attention, so parity is not tested near uniform weights
        head.pooling.attention[2].weight.mul_(30)
    return head


def _session(path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("domain", [False, True])
def test_onnx_attention_equals_the_pytorch_weights_and_sums_to_one(tmp_path, domain):
    head = _corrap()
    sess = _session(export_head_onnx(head, 3, 16, tmp_path / "head.onnx", domain_inputs=domain))
    assert [o.name for o in sess.get_outputs()] == ["probabilities", "attention"]
    for frames in (1, 23, 131):
        x = torch.randn(3, frames, 16)
        with torch.no_grad():
            _, ref = head.forward_with_attention(x.unsqueeze(0), None)
        feeds = {"hidden_states": x.numpy()}
        if domain:
            feeds.update(domain_mean=np.zeros((3, 16), np.float32), domain_std=np.ones((3, 16), np.float32))
        att = sess.run(["attention"], feeds)[0]
        assert att.shape == (frames,)
        assert np.abs(att - ref[0].numpy()).max() < 1e-6
        assert abs(float(att.sum()) - 1) < 1e-5
        if frames > 1:
            assert att.max() > 1.5 / frames  # not uniform: the test would pass for a mean head otherwise


def test_padding_gets_zero_weight_and_valid_frames_match_the_unpadded_utterance():
    head = _corrap()
    lengths = torch.tensor([9, 20])
    hidden = torch.randn(2, 3, 20, 16)
    hidden[0, :, 9:] = 1e4  # garbage on padding must not matter
    with torch.no_grad():
        _, w = head.forward_with_attention(hidden, lengths_to_mask(lengths, 20))
        _, alone = head.forward_with_attention(hidden[:1, :, :9], None)
    assert torch.all(w[0, 9:] == 0)
    assert torch.allclose(w.sum(dim=1), torch.ones(2), atol=1e-6)
    assert torch.allclose(w[0, :9], alone[0], atol=1e-6)


@pytest.mark.parametrize("pooling", ["mean", "meanstd", "cp"])
def test_heads_without_attention_have_none(pooling):
    head = EmotionHead(num_layers=2, dim=8, num_classes=3, pooling=pooling, proj_dim=8)
    assert not head.has_attention
    with pytest.raises(ValueError, match="no attention"):
        head.forward_with_attention(torch.randn(1, 2, 5, 8), None)


def test_fixture_declares_attention_and_predict_reports_one_weight_per_upstream_frame():
    m = json.loads((PIPELINE / "manifest.json").read_text())
    assert m["head"]["attention"] == {"output": "attention"}
    for other in ("tiny", "tiny-domain"):
        assert "attention" not in json.loads((FIXTURES / other / "manifest.json").read_text())["head"]
    p = Predictor(PIPELINE)
    up = _session(PIPELINE / "upstream.fp32.onnx")
    rng = np.random.default_rng(0)
    for seconds in (0.5, 2, 15):  # the lengths
        wave = (0.1 * rng.normal(size=int(seconds * 16000))).astype(np.float32)
        out = p(wave)
        (hidden,) = up.run(None, {"waveform": wave[None, :]})
        assert len(out["attention"]) == hidden.shape[1] == (len(wave) - 400) // 320 + 1
        assert abs(sum(out["attention"]) - 1) < 1e-5 and min(out["attention"]) >= 0
        assert out["hop_samples"] == 320
    assert "attention" not in Predictor(FIXTURES / "tiny")(wave)


def _old_export(tmp_path, domain=False):
    """A copy of tiny-pipeline whose corrap head was exported the old way: probabilities only."""
    folder = tmp_path / "model"
    shutil.copytree(PIPELINE, folder)
    m = json.loads((folder / "manifest.json").read_text())
    head = _corrap(layers=m["upstream"]["num_layers"], dim=m["upstream"]["dim"], seed=3)
    export_head_onnx(head, m["upstream"]["num_layers"], m["upstream"]["dim"], folder / "head.onnx",
                     domain_inputs=domain, attention=False)
    data = (folder / "head.onnx").read_bytes()
    import hashlib
    del m["head"]["attention"]
    m["head"].update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    (folder / "manifest.json").write_text(json.dumps(m, indent=2) + "\n")
    assert verify_manifest(folder) == []
    return folder, head


def test_add_attention_output_upgrades_an_old_export(tmp_path, capsys):
    folder, head = _old_export(tmp_path)
    before = _session(folder / "head.onnx")
    assert [o.name for o in before.get_outputs()] == ["probabilities"]
    add_main(["--model", str(folder)])
    report = json.loads(capsys.readouterr().out)
    assert report["changed"] and report["max_prob_change"] <= 1e-6
    after = _session(folder / "head.onnx")
    assert [o.name for o in after.get_outputs()] == ["probabilities", "attention"]
    assert verify_manifest(folder) == []
    m = json.loads((folder / "manifest.json").read_text())
    assert m["head"]["attention"] == {"output": "attention"}
    assert list(m["head"])[-2:] == ["licence", "provenance"]
    x = torch.randn(3, 37, 64)
    with torch.no_grad():
        _, ref = head.forward_with_attention(x.unsqueeze(0), None)
    p0 = before.run(["probabilities"], {"hidden_states": x.numpy()})[0]
    p1, att = after.run(None, {"hidden_states": x.numpy()})
    assert np.array_equal(p0, p1)
    assert np.abs(att - ref[0].numpy()).max() < 1e-6
    # A second run changes nothing.
    sha = m["head"]["sha256"]
    assert upgrade_model_folder(folder) == {"changed": False}
    assert json.loads((folder / "manifest.json").read_text())["head"]["sha256"] == sha


def test_add_attention_output_handles_a_domain_normalised_head(tmp_path):
    folder, _ = _old_export(tmp_path, domain=True)
    assert upgrade_model_folder(folder)["changed"]
    names = [o.name for o in onnx.load(str(folder / "head.onnx")).graph.output]
    assert names == ["probabilities", "attention"]


def test_add_attention_output_refuses_heads_without_attention(tmp_path):
    folder = tmp_path / "tiny"
    shutil.copytree(FIXTURES / "tiny", folder)
    with pytest.raises(SystemExit, match="no attention"):
        add_main(["--model", str(folder)])
