"""The TypeScript port's parity fixture is what training/calibration.py computes now."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "test" / "fixtures" / "make_calibration_parity.py"


def test_parity_fixture_is_current() -> None:
    spec = importlib.util.spec_from_file_location("make_calibration_parity", SCRIPT)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    stored = json.loads(mod.OUT.read_text())
    fresh = mod.build()
    assert [c["name"] for c in stored["cases"]] == [c["name"] for c in fresh["cases"]]
    for s, f in zip(stored["cases"], fresh["cases"]):
        assert s["recipe"] == f["recipe"] and s["y"] == f["y"]
        for key in ("w0", "b0", "x", "w", "b", "probe_probabilities"):
            np.testing.assert_allclose(s[key], f[key], rtol=1e-12, atol=1e-15, err_msg=f"{s['name']}: {key}")
