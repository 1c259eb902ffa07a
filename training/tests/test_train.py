"""Training and leave-one-group-out evaluation on synthetic cached features."""
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from training.data import Utterance
from training.evaluate import cross_validate, split_dev, train_final
from training.features import FeatureStore
from training.train import TrainConfig, predict, train_head

LABELS = ["a", "b", "c", "d"]


def synthetic_store(tmp: Path, n_per_class: int = 24, groups: int = 3, seed: int = 0):
    """Classes differ only in channel correlation (class k couples channel k into k+4),
    plus an optional mean shift, so a pooling must use the right statistic."""
    rng = np.random.default_rng(seed)
    utts = []
    for k, lab in enumerate(LABELS):
        for i in range(n_per_class):
            t = int(rng.integers(20, 40))
            z = rng.standard_normal((t, 8))
            z[:, k + 4] += 1.5 * z[:, k]
            hidden = np.stack([z, rng.standard_normal((t, 8))]).astype(np.float16)  # [L=2, T, D=8]
            uid = f"{lab}{i}"
            np.save(tmp / f"{uid}.npy", hidden)
            utts.append(Utterance(uid, tmp / "x.wav", lab, f"s{i % groups}", f"s{i % groups}"))
    return FeatureStore(tmp, [u.id for u in utts]), utts


FAST = TrainConfig(pooling="corrap", proj_dim=16, lr=3e-3, batch_size=8, max_epochs=15, patience=4, dropout=0.0)


def test_store_shapes(tmp_path):
    store, utts = synthetic_store(tmp_path, n_per_class=2)
    assert (store.num_layers, store.dim) == (2, 8)
    t = store.tensor(utts[0].id)
    assert t.dtype == torch.float32 and t.shape[0] == 2


def test_corrap_learns_correlation_structure(tmp_path):
    store, utts = synthetic_store(tmp_path)
    test = [u for u in utts if u.group == "s0"]
    y = np.array([LABELS.index(u.label) for u in test])
    train, dev = split_dev([u for u in utts if u.group != "s0"], 0.2, 0)
    head, hist = train_head(store, train, dev, LABELS, FAST)
    acc = (predict(head, store, test).argmax(1) == y).mean()
    assert acc >= 0.9, hist["epochs"][-1]
    assert hist["epochs"][-1]["train_loss"] < hist["epochs"][0]["train_loss"]
    assert 1 <= hist["best_epoch"] <= len(hist["epochs"])
    # Contrast: the classes have equal means, so mean pooling stays near chance.
    head, _ = train_head(store, train, dev, LABELS, replace(FAST, pooling="mean", max_epochs=5))
    assert (predict(head, store, test).argmax(1) == y).mean() < 0.6


def test_gradient_accumulation_equals_large_batch(tmp_path):
    store, utts = synthetic_store(tmp_path, n_per_class=2)
    cfg = replace(FAST, max_epochs=1, pooling="mean")
    a, _ = train_head(store, utts, [], LABELS, replace(cfg, batch_size=8, grad_accum=1))
    b, _ = train_head(store, utts, [], LABELS, replace(cfg, batch_size=4, grad_accum=2))
    for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values()):
        torch.testing.assert_close(pa, pb, atol=1e-6, rtol=1e-5, msg=name)


def test_cross_validate_report(tmp_path):
    store, utts = synthetic_store(tmp_path, n_per_class=9)
    res = cross_validate(store, utts, LABELS, replace(FAST, max_epochs=3, pooling="meanstd"), progress=False)
    json.dumps(res)  # JSON-serialisable
    assert [f["group"] for f in res["folds"]] == ["s0", "s1", "s2"]
    assert sum(f["n_test"] for f in res["folds"]) == len(utts)
    assert np.array(res["confusion"]).sum() == len(utts)
    assert np.array(res["confusion"]).shape == (4, 4)
    for f in res["folds"]:
        assert f["n_dev"] == round(0.2 * (len(utts) - f["n_test"])) or abs(f["n_dev"] - 0.2 * (len(utts) - f["n_test"])) < 1
    accs = [f["accuracy"] for f in res["folds"]]
    assert abs(res["mean_accuracy"] - np.mean(accs)) < 1e-12 and abs(res["std_accuracy"] - np.std(accs)) < 1e-12
    assert res["config"]["pooling"] == "meanstd"


def test_dev_split_is_stratified_and_seeded(tmp_path):
    _, utts = synthetic_store(tmp_path, n_per_class=10)
    tr, dv = split_dev(utts, 0.2, 3)
    assert len(dv) == 8 and sorted(u.label for u in dv) == sorted(LABELS * 2)
    assert [u.id for u in split_dev(utts, 0.2, 3)[1]] == [u.id for u in dv]
    assert not {u.id for u in tr} & {u.id for u in dv}


def test_train_final_returns_eval_head(tmp_path):
    store, utts = synthetic_store(tmp_path, n_per_class=4)
    head = train_final(store, utts, LABELS, replace(FAST, max_epochs=2))
    assert not head.training
    probs = predict(head, store, utts)
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)


def test_early_stopping_after_patience(tmp_path):
    store, utts = synthetic_store(tmp_path, n_per_class=3)
    train, dev = split_dev(utts, 0.25, 0)
    # lr 0: dev scores never change, so epoch 1 stays best and training stops after `patience` more.
    _, hist = train_head(store, train, dev, LABELS, replace(FAST, lr=0.0, patience=3, max_epochs=20, pooling="mean"))
    assert hist["best_epoch"] == 1 and len(hist["epochs"]) == 4
