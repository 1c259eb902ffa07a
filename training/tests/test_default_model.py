"""The committed default model: files match the manifest, schema holds, size budget,
and it really classifies (clear emotional EmoDB utterances come out right)."""
import json
from pathlib import Path

import pytest

from training.manifest import validate, verify_manifest
from training.predict import predict, read_mono_16k

MODEL = Path(__file__).resolve().parents[2] / "public" / "models" / "default"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((MODEL / "manifest.json").read_text())


def test_checksums_and_sizes_match_the_files(manifest):
    assert verify_manifest(MODEL) == []
    validate(manifest)


def test_size_budget_and_card(manifest):
    total = sum(p.stat().st_size for p in MODEL.iterdir() if p.is_file())
    assert total < 50 * 1024 * 1024
    card = (MODEL / manifest["model_card"]).read_text()
    assert "leave-one-speaker-out" in card.lower() or "LOSO" in card
    assert manifest["metrics"]["mean_accuracy"] > 0.8
    assert len(manifest["metrics"]["folds"]) == 10


@pytest.mark.parametrize("variant", ["fp32", "q8"])
def test_it_recognises_clear_examples(manifest, emodb_dir, variant):
    if variant not in {v["id"] for v in manifest["upstream"]["variants"]}:
        pytest.skip(f"{variant} not shipped")
    expected = {"03a01Wa.wav": "anger", "03a02Ta.wav": "sadness", "03a01Nc.wav": "neutral"}
    for name, label in expected.items():
        out = predict(MODEL, read_mono_16k(emodb_dir / name), variant)
        probs = out["probabilities"]
        assert abs(sum(probs) - 1) < 1e-5
        assert out["labels"][probs.index(max(probs))] == label, (name, dict(zip(out["labels"], probs)))
