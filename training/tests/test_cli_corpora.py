"""`python -m training build --data corpora --domain-norm session` on generated RAVDESS + nEMO layouts
and real EmoDB clips, tiny WavLM: the model folder carries the prior, the head takes the domain
statistics, and the ONNX chain equals PyTorch with the same normalisation."""
import json

import numpy as np
import onnxruntime as ort
import pytest
import torch

from training.audio import read_audio
from training.cli import evaluation_from, main
from training.domain import PRIOR_FILE, PRIOR_FRAMES, FrameSums, frame_sums
from training.manifest import verify_manifest
from training.tests.test_corpora import nemo_tree, ravdess_tree
from training.train import TrainConfig


@pytest.fixture(scope="module")
def built(tmp_path_factory, emodb_dir):
    root = tmp_path_factory.mktemp("corpora")
    out = root / "models" / "tiny-corpora"
    result = main([
        "build", "--upstream", "tiny:wavlm", "--data", "corpora", "--corpus", f"ravdess={ravdess_tree(root / 'r')}",
        f"nemo={nemo_tree(root / 'n')}", "--head", "corrap", "--variants", "fp32", "--max-epochs", "2",
        "--domain-norm", "session", "--fidelity-files", "2", "--cache-dir", str(root / "cache"), "--out", str(out),
        "--quiet",
    ])
    return out, result


def test_manifest_declares_the_prior_and_it_holds_the_training_statistics(built):
    out, result = built
    assert verify_manifest(out) == []
    m = json.loads((out / "manifest.json").read_text())
    dn = m["domain_normalization"]
    assert dn["type"] == "session_running" and dn["prior"]["file"] == PRIOR_FILE and dn["prior_frames"] == PRIOR_FRAMES
    L, D = m["upstream"]["num_layers"], m["upstream"]["dim"]
    prior = np.fromfile(out / PRIOR_FILE, dtype="<f4")
    assert prior.shape == (2 * L * D,)
    mean, std = FrameSums.total(frame_sums(result["store"], result["utts"])).mean_std()
    np.testing.assert_allclose(prior[: L * D], mean.ravel(), rtol=1e-6)
    np.testing.assert_allclose(prior[L * D :], std.ravel(), rtol=1e-6)
    assert len(result["utts"]) == 16  # 2 actors x 4 classes + 2 speakers x 4 classes


def test_head_onnx_normalises_like_pytorch(built, tmp_path):
    out, result = built
    up, head = result["upstream"], result["head"]
    m = json.loads((out / "manifest.json").read_text())
    L, D = m["upstream"]["num_layers"], m["upstream"]["dim"]
    prior = np.fromfile(out / PRIOR_FILE, dtype="<f4")
    mean, std = prior[: L * D].reshape(L, D), prior[L * D :].reshape(L, D)
    wav = read_audio(result["utts"][0].path)[None]
    with torch.no_grad():
        hidden = up(torch.from_numpy(wav))
        x = (hidden - torch.from_numpy(mean)[:, None]) / torch.from_numpy(std)[:, None]
        ref = torch.softmax(head(x.unsqueeze(0), torch.tensor([hidden.shape[1]])), -1).numpy()
    sess = ort.InferenceSession(str(out / "head.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["hidden_states", "domain_mean", "domain_std"]
    probs = sess.run(None, {"hidden_states": hidden.numpy(), "domain_mean": mean, "domain_std": std})[0]
    assert np.abs(probs - ref).max() < 1e-5
    # the statistics matter: another domain gives other probabilities
    other = sess.run(None, {"hidden_states": hidden.numpy(), "domain_mean": mean + 1, "domain_std": std * 2})[0]
    assert np.abs(other - probs).max() > 1e-4


def _run(held, uar, config, protocol="loco"):
    s = {"n": 10, "accuracy": uar, "uar": uar, "ece": 0.1, "recall": {"anger": uar}}
    return {"upstream": "whisper-base", "norm": "session", "held_out": held, "config": config, "protocol": protocol,
            "all": s, "first": {**s, "uar": uar - 0.1}}


def test_evaluation_is_taken_only_from_runs_of_the_same_recipe(tmp_path):
    from dataclasses import asdict, replace
    cfg = TrainConfig(pooling="corrap")
    other = asdict(replace(cfg, lr=1e-3))
    (tmp_path / "r.json").write_text(json.dumps({"runs": [
        _run("emodb", 0.8, asdict(cfg)), _run("nemo", 0.6, asdict(replace(cfg, threads=2))), _run("nemo", 0.99, other),
        _run("emodb#1/2", 0.9, asdict(cfg), "loso"), _run("emodb#2/2", 0.7, asdict(cfg), "loso"),
        {**_run("emodb", 0.1, asdict(cfg)), "augment": "aug1"}]}))  # another recipe: trained with augmentation
    ev = evaluation_from(tmp_path / "r.json", "whisper-base", "session", cfg)
    assert set(ev["leave_one_corpus_out"]) == {"emodb", "nemo"}  # the thread count is not part of the recipe
    assert ev["mean_uar_loco"] == pytest.approx(0.7) and ev["mean_uar_loco_cold"] == pytest.approx(0.6)
    assert ev["leave_one_speaker_out"]["emodb"]["uar"] == pytest.approx(0.8)
    assert ev["leave_one_speaker_out"]["emodb"]["n"] == 20
    with pytest.raises(SystemExit, match="no leave-one-corpus-out runs"):
        evaluation_from(tmp_path / "r.json", "resemblyzer", "session", cfg)


def test_evaluation_command_refreshes_manifest_and_card(built, tmp_path):
    import shutil
    from dataclasses import asdict
    out = tmp_path / "model"
    shutil.copytree(built[0], out)
    cfg = asdict(TrainConfig(pooling="corrap", max_epochs=2))
    (tmp_path / "r.json").write_text(json.dumps({"runs": [_run("ravdess", 0.65, cfg), _run("nemo", 0.55, cfg)]}))
    (tmp_path / "r.json").write_text((tmp_path / "r.json").read_text().replace('"whisper-base"', '"tiny:wavlm"'))
    main(["evaluation", "--upstream", "tiny:wavlm", "--head", "corrap", "--max-epochs", "2", "--domain-norm", "session",
          "--evaluation-from", str(tmp_path / "r.json"), "--out", str(out)])
    m = json.loads((out / "manifest.json").read_text())
    assert m["evaluation"]["mean_uar_loco"] == pytest.approx(0.6)
    # build's per-corpus training data survives the refresh (ids are corpus-prefixed: one entry per corpus)
    assert m["training_data"] == json.loads((built[0] / "manifest.json").read_text())["training_data"]
    assert [c["corpus"] for c in m["training_data"]] == ["RAVDESS speech", "nEMO"]
    assert verify_manifest(out) == []
    card = (out / "MODEL_CARD.md").read_text()
    assert "**60.0 %**" in card and card.count("<!-- evaluation:begin -->") == 1


def test_evaluation_command_keeps_the_uncertainty_threshold(built, tmp_path):
    import shutil
    from dataclasses import asdict
    out = tmp_path / "model"
    shutil.copytree(built[0], out)
    cfg = asdict(TrainConfig(pooling="corrap", max_epochs=2))
    (tmp_path / "r.json").write_text(json.dumps({"runs": [_run("ravdess", 0.65, cfg), _run("nemo", 0.55, cfg)]})
                                     .replace('"whisper-base"', '"tiny:wavlm"'))
    args = ["evaluation", "--upstream", "tiny:wavlm", "--head", "corrap", "--max-epochs", "2", "--domain-norm", "session",
            "--evaluation-from", str(tmp_path / "r.json"), "--out", str(out)]
    main(args)
    m = json.loads((out / "manifest.json").read_text())
    assert "uncertain_below" not in m["evaluation"]
    m["evaluation"]["uncertain_below"] = 0.55  # chosen separately (docs/results/uncertainty.md)
    (out / "manifest.json").write_text(json.dumps(m))
    main(args)
    m = json.loads((out / "manifest.json").read_text())
    assert m["evaluation"]["uncertain_below"] == 0.55 and m["evaluation"]["mean_uar_loco"] == pytest.approx(0.6)
    assert verify_manifest(out) == []


def test_built_model_declares_its_pooled_output_and_calibration_recipe(built):
    from training.cli import CALIBRATION
    out, result = built
    m = json.loads((out / "manifest.json").read_text())
    assert m["head"]["pooled"]["dim"] == result["head"].classifier.in_features and m["calibration"] == CALIBRATION
    assert verify_manifest(out) == []
