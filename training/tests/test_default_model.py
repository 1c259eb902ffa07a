"""The committed models: files match their manifests, schema holds, the variant the browser
loads by default fits the size budget, the default's numbers agree between manifest, card and
README, and each really classifies (clear emotional EmoDB utterances come out right)."""
import json
import re
from pathlib import Path

import pytest

from training.manifest import validate, verify_manifest
from training.predict import predict, read_mono_16k

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "public" / "models"
DEFAULT = MODELS / "default"
SHIPPED = ["default", "resemblyzer-emodb"]
MB = 1024 * 1024


def manifest_of(name: str) -> dict:
    return json.loads((MODELS / name / "manifest.json").read_text())


@pytest.mark.parametrize("name", SHIPPED)
def test_checksums_and_sizes_match_the_files(name):
    assert verify_manifest(MODELS / name) == []
    validate(manifest_of(name))


@pytest.mark.parametrize("name", SHIPPED)
def test_what_the_browser_loads_by_default_is_under_50_mb(name):
    m = manifest_of(name)
    by_id = {v["id"]: v for v in m["upstream"]["variants"]}
    default_variant = next(v for v in ("int8", "q8", "fp32") if v in by_id)  # src/model/backend.ts VARIANT_ORDER.wasm
    loaded = by_id[default_variant]["bytes"] + m["head"]["bytes"]
    loaded += m.get("domain_normalization", {}).get("prior", {}).get("bytes", 0)
    assert loaded < 50 * MB, (default_variant, loaded)
    assert all(p.stat().st_size < 100 * MB for p in (MODELS / name).iterdir())  # git hosting limit per file


def _pct(x: float) -> str:
    return f"{100 * x:.1f}"


def test_default_states_the_same_unseen_corpus_numbers_in_manifest_card_and_readme():
    m = manifest_of("default")
    ev = m["evaluation"]
    assert set(ev["leave_one_corpus_out"]) == {"emodb", "nemo", "ravdess"}
    card = (DEFAULT / m["model_card"]).read_text()
    readme = (REPO / "README.md").read_text()
    section = readme.split("## The default model", 1)[1].split("\n## ", 1)[0]
    for text in (card, section):
        assert f"{_pct(ev['mean_uar_loco'])} %" in text
        assert f"{_pct(ev['mean_uar_loco_cold'])} %" in text
        assert "CC BY-NC-SA 4.0" in text
    for corpus, e in ev["leave_one_corpus_out"].items():
        assert re.search(rf"\| {corpus} \|.*\| {_pct(e['uar'])} \|", card), corpus
    assert "CC BY-NC-SA 4.0" in m["licence"]


@pytest.mark.parametrize("name,variant", [("default", "fp32"), ("default", "q8"), ("resemblyzer-emodb", "fp32")])
def test_it_recognises_clear_examples(emodb_dir, name, variant):
    m = manifest_of(name)
    if variant not in {v["id"] for v in m["upstream"]["variants"]}:
        pytest.skip(f"{variant} not shipped")
    expected = {"03a01Wa.wav": "anger", "03a02Ta.wav": "sadness", "03a01Nc.wav": "neutral"}
    for wav, label in expected.items():
        out = predict(MODELS / name, read_mono_16k(emodb_dir / wav), variant)
        probs = out["probabilities"]
        assert abs(sum(probs) - 1) < 1e-5
        assert out["labels"][probs.index(max(probs))] == label, (wav, dict(zip(out["labels"], probs)))


@pytest.mark.parametrize("name", SHIPPED)
def test_training_data_agrees_with_the_card_and_the_evaluation(name):
    """The panel's "trained on" (manifest training_data) states the card's numbers: each corpus's
    clips equal its leave-one-speaker-out test count (or the head's provenance total), and the
    card names each corpus with its speaker count."""
    m = manifest_of(name)
    td = m["training_data"]
    card = (MODELS / name / m["model_card"]).read_text()
    total = sum(c["clips"] for c in td)
    assert f"trained on {total} utterances" in m["head"]["provenance"]
    loso = m["evaluation"].get("leave_one_speaker_out", {})
    for c in td:
        assert c["style"] == "acted"
        assert c["corpus"].split()[0] in card and f"{c['speakers']} " in card
        key = c["corpus"].split()[0].lower()
        if key in loso:
            assert loso[key]["n"] == c["clips"], key
            assert loso[key]["language"] == c["language"], key


def test_training_data_from_counts_clips_and_speakers_per_corpus():
    from types import SimpleNamespace as U

    from training.manifest import training_data_from

    utts = [U(id="nemo/a", speaker="nemo/s1"), U(id="emodb/b", speaker="emodb/03"), U(id="emodb/c", speaker="emodb/03"),
            U(id="emodb/d", speaker="emodb/08")]
    td = training_data_from(utts, lambda u: u.id.split("/")[0])
    assert [(c["corpus"], c["clips"], c["speakers"], c["style"]) for c in td] == [("EmoDB", 3, 2, "acted"), ("nEMO", 1, 1, "acted")]
    assert training_data_from(utts, lambda u: "csv") is None  # unknown corpus: no claim


def test_default_threshold_and_calibration_recipe_are_the_ones_the_studies_chose():
    m = manifest_of("default")
    results = REPO / "docs" / "results"
    unc = json.loads((results / "uncertainty.json").read_text())
    cal = json.loads((results / "calibration.json").read_text())
    card = (DEFAULT / m["model_card"]).read_text()
    assert m["evaluation"]["uncertain_below"] == unc["uncertain_below"]
    assert f"**{unc['uncertain_below']:.2f}**" in card
    recipe = {k: m["calibration"][k] for k in ("method", "l2", "steps", "lr")}
    name = next(n for n, r in cal["methods"].items() if r == recipe)  # the recipe was measured
    k2 = cal["table"]["2"][name]
    assert f"+{100 * k2['mean_gain']:.1f} points on average" in card
    assert f"{100 * k2['std_gain']:.1f} over speakers" in card
    assert m["head"]["pooled"]["dim"] == 512 and m["head"]["pooled"]["classifier"]["bytes"] == 4 * 4 * 513
