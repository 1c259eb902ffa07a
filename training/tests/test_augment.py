"""training/augment.py: each effect does what it says, chains are seeded and stay in [-1, 1]."""
import numpy as np
import pytest

from training.augment import (BANDS, GAIN_DB, SR, add_noise, augment_clip, band_limit, gain, power, protect,
                              random_chain, reverb, room_impulse_response)


def speechlike(seconds: float = 2.0, seed: int = 0) -> np.ndarray:
    """Harmonics of a gliding 120-220 Hz pitch up to 7.5 kHz, syllable-rate envelope, peak 0.5."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    f0 = 120 + 50 * (1 + np.sin(2 * np.pi * 0.7 * t))
    phase = 2 * np.pi * np.cumsum(f0) / SR
    x = sum(np.sin(k * phase + rng.uniform(0, 2 * np.pi)) / k for k in range(1, 35))
    x = x * (0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)) + 0.01 * rng.standard_normal(t.shape[0])
    return (0.5 * x / np.max(np.abs(x))).astype(np.float32)


def band_energy(x: np.ndarray, lo: float, hi: float) -> float:
    spec = np.abs(np.fft.rfft(x.astype(np.float64))) ** 2
    f = np.fft.rfftfreq(x.shape[0], 1 / SR)
    return float(spec[(f >= lo) & (f < hi)].sum())


@pytest.mark.parametrize("db", [-12.0, -3.5, 0.0, 6.0, 12.0])
def test_gain_changes_the_level_by_the_drawn_db(db):
    x = speechlike()
    assert 10 * np.log10(power(gain(x, db)) / power(x)) == pytest.approx(db, abs=1e-3)


@pytest.mark.parametrize("snr", [5.0, 12.5, 30.0])
@pytest.mark.parametrize("color", ["white", "pink", "brown"])
def test_added_noise_is_at_the_target_snr(snr, color):
    x = speechlike()
    y = add_noise(x, snr, np.random.default_rng(3), color)
    noise = y.astype(np.float64) - x
    assert 10 * np.log10(power(x) / power(noise)) == pytest.approx(snr, abs=0.5)


def test_telephone_band_removes_energy_outside_300_3400_hz():
    x = speechlike()
    y = band_limit(x, "telephone")
    assert band_energy(y, 3400, 8000) < 0.05 * band_energy(x, 3400, 8000)  # 8th order: the edge is not a wall
    assert band_energy(y, 5000, 8000) < 1e-3 * band_energy(x, 5000, 8000)
    assert band_energy(y, 0, 150) < 1e-3 * band_energy(x, 0, 150)
    assert band_energy(y, 500, 3000) > 0.8 * band_energy(x, 500, 3000)


def test_lowpass_removes_energy_above_4_khz():
    x = speechlike()
    cutoff = BANDS["lowpass4k"][1]
    y = band_limit(x, "lowpass4k")
    assert band_energy(y, cutoff, 8000) < 0.05 * band_energy(x, cutoff, 8000)
    assert band_energy(y, cutoff + 500, 8000) < 0.01 * band_energy(x, cutoff + 500, 8000)
    assert band_energy(y, cutoff + 2000, 8000) < 0.01 * band_energy(x, cutoff + 2000, 8000)
    assert band_energy(y, 0, cutoff - 500) > 0.9 * band_energy(x, 0, cutoff - 500)


@pytest.mark.parametrize("rt60", [0.2, 0.5, 0.8])
def test_reverb_keeps_length_and_level_and_decays_60_db_at_rt60(rt60):
    x = speechlike()
    y = reverb(x, rt60, np.random.default_rng(1))
    assert y.shape == x.shape and y.dtype == np.float32
    assert power(y) == pytest.approx(power(x), rel=1e-4)
    assert not np.allclose(y, x, atol=1e-3)
    ir = room_impulse_response(rt60, np.random.default_rng(2))
    assert ir.shape[0] == int(rt60 * SR) and ir[0] == 1.0
    # energy envelope: last 10 % of the tail is ~60 dB below the first 10 %
    n = ir.shape[0] // 10
    drop = 10 * np.log10(np.mean(ir[1:n] ** 2) / np.mean(ir[-n:] ** 2))
    assert 45 < drop < 75


def test_protect_makes_finite_and_within_unit_range():
    x = np.array([0.1, 3.0, -5.0, np.nan, np.inf, -np.inf], dtype=np.float32)
    y = protect(x)
    assert np.isfinite(y).all() and np.max(np.abs(y)) <= 1.0
    z = np.array([0.5, -0.25], dtype=np.float32)
    np.testing.assert_array_equal(protect(z), z)  # nothing to protect: unchanged


def test_random_chains_are_seeded_finite_in_range_and_same_length():
    x = speechlike()
    seen = set()
    for k in range(40):
        y, p = augment_clip(x, f"corpus/clip{k}", seed=0)
        y2, p2 = augment_clip(x, f"corpus/clip{k}", seed=0)
        np.testing.assert_array_equal(y, y2)
        assert p == p2
        assert y.shape == x.shape and y.dtype == np.float32
        assert np.isfinite(y).all() and np.max(np.abs(y)) <= 1.0
        assert GAIN_DB[0] <= p["gain_db"] <= GAIN_DB[1]
        assert len(p) >= 2  # gain plus at least one other effect
        seen.update(k for k in p if k in ("rt60", "snr_db", "band"))
    assert seen == {"rt60", "snr_db", "band"}
    assert not np.array_equal(augment_clip(x, "a", 0)[0], augment_clip(x, "a", 1)[0])


def test_loud_clip_with_big_gain_is_scaled_not_clipped():
    x = speechlike() * 1.9  # peak 0.95
    y, _ = random_chain(x, np.random.default_rng(0))
    y = gain(y, 12.0)
    assert np.max(np.abs(protect(y))) == pytest.approx(0.99, abs=1e-6)
