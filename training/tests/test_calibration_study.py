"""The calibration study's bookkeeping (training/experiments/calibration_study.py) on synthetic
held-out arrays whose answer is known: labelled clips never reach the test set, speakers with
too few clips per class sit out, a calibration that fixes a speaker's bias shows up as gain,
and the uncertainty rule picks the threshold it states."""
import numpy as np

from training.experiments import calibration_study as cs


def _arrays(seed=0, per_class=(6, 6, 6, 6), speakers=("a/1", "a/2"), shift=6.5):
    """One corpus: 4 well-separated classes in a 6-dim pooled space; the shipped layer reads
    them correctly except for a speaker-wide offset that makes it call class 0 as class 1."""
    rng = np.random.default_rng(seed)
    centres = np.eye(4, 6) * 6
    x, y, spk = [], [], []
    for s in speakers:
        for c, n in enumerate(per_class):
            pts = centres[c] + rng.normal(0, 0.3, (n, 6))
            pts[:, 1] += shift if c == 0 else 0.0  # class 0 of these voices drifts toward class 1
            x.append(pts)
            y += [c] * n
            spk += [s] * n
    x = np.concatenate(x).astype(np.float32)
    w, b = centres[:, :6].astype(np.float32) / 6, np.zeros(4, np.float32)
    p = cs.cal_predict(w, b, x)
    return {"x": x, "p": p.astype(np.float32), "y": np.array(y), "speaker": np.array(spk),
            "position": np.zeros(len(y), int), "w": w, "b": b}


def test_linear_calibration_gains_where_the_shipped_layer_is_biased_and_ncm_too():
    res = cs.calibration_study({"synthetic": _arrays()}, draws=2)
    t = res["table"]["2"]
    assert t["speakers"] == 2 and t["uar_uncalibrated"] < 0.8  # class 0 is lost before calibration
    assert t["linear l2=0.01 steps=500"]["mean_gain"] > 0.15
    assert t["ncm"]["mean_gain"] > 0.15
    # k = 8 needs more than 8 clips of every class: nobody takes part.
    assert "8" not in res["table"]
    for row in res["speakers"]:
        assert row["n_test"] == 24 - 4 * row["k"]


def test_speakers_with_too_few_clips_of_a_class_sit_out():
    res = cs.calibration_study({"synthetic": _arrays(per_class=(3, 6, 6, 6))}, draws=1)
    assert set(res["table"]) == {"1", "2"} and res["table"]["2"]["speakers"] == 2


def test_uncertainty_rule_picks_the_lowest_threshold_with_enough_accuracy_above():
    # Top probability 0.9 always right, 0.5 right half the time, 0.35 never: above 0.5 the
    # results are 3/4 right (corpus b alike), above 0.6 all are.
    p = np.array([[0.9, 0.1, 0, 0]] * 4 + [[0.5, 0.3, 0.2, 0]] * 4 + [[0.35, 0.25, 0.2, 0.2]] * 4)
    y = np.array([0] * 4 + [0, 0, 1, 1] + [1] * 4)
    res = cs.uncertainty_study(np.concatenate([p, p]), np.concatenate([y, y]), np.array(["a"] * 12 + ["b"] * 12))
    by_t = {g["threshold"]: g for g in res["grid"]}
    assert by_t[0.5]["marked"] == 1 / 3 and by_t[0.5]["accuracy_above"] == 0.75 and by_t[0.5]["accuracy_below"] == 0.0
    assert res["uncertain_below"] == 0.55  # lowest grid threshold with >= 80 % right above it
    assert by_t[0.55]["accuracy_above_corpus_mean"] == 1.0
