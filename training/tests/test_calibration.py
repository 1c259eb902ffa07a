"""The calibration reference: it descends, it stays near the shipped weights, bias moves b only."""
import numpy as np
import pytest

from training.calibration import CalibrationRecipe, class_weights, fit, predict


def _data(seed=0):
    rng = np.random.default_rng(seed)
    w0 = rng.normal(size=(4, 16))
    b0 = rng.normal(size=4)
    y = np.repeat(np.arange(4), 3)
    # Each class shifted along its own direction, which W0 does not know about.
    x = rng.normal(size=(12, 16)) + 3.0 * np.eye(4, 16)[y]
    return w0, b0, x, y


def objective(w, b, w0, b0, x, y, l2):
    p = predict(w, b, x)
    a = class_weights(y)
    return float(-(a * np.log(p[np.arange(len(y)), y])).sum() + l2 / 2 * (((w - w0) ** 2).sum() + ((b - b0) ** 2).sum()))


def test_class_weights_balance_classes():
    a = class_weights(np.array([0, 0, 0, 1]))
    assert a.sum() == pytest.approx(1.0)
    assert a[:3].sum() == pytest.approx(a[3])


@pytest.mark.parametrize("method", ["bias", "linear"])
def test_fit_lowers_the_objective_and_raises_accuracy(method):
    w0, b0, x, y = _data()
    r = CalibrationRecipe(method=method, l2=0.1, steps=300, lr=1.0)
    w, b = fit(w0, b0, x, y, r)
    assert objective(w, b, w0, b0, x, y, r.l2) < objective(w0, b0, w0, b0, x, y, r.l2) - 0.05
    if method == "bias":
        np.testing.assert_array_equal(w, w0)
    else:
        before = (predict(w0, b0, x).argmax(1) == y).mean()
        assert (predict(w, b, x).argmax(1) == y).mean() > before


def test_strong_l2_keeps_the_shipped_weights():
    w0, b0, x, y = _data()
    w, b = fit(w0, b0, x, y, CalibrationRecipe(method="linear", l2=1e6, steps=50, lr=1.0))
    assert np.abs(w - w0).max() < 1e-4 and np.abs(b - b0).max() < 1e-4


def test_rejects_mismatched_features():
    w0, b0, x, y = _data()
    with pytest.raises(ValueError):
        fit(w0, b0, x[:, :5], y, CalibrationRecipe())
