"""training/predict.py: one utterance, and several segments of one file in order with the running
domain statistics the page keeps (the reference of test/e2e/app-domain.e2e.ts). Uses the
committed test fixtures test/fixtures/models/tiny (no domain normalisation) and tiny-domain."""
import json

import numpy as np
import onnxruntime as ort
import pytest
import soundfile as sf

from training.domain import FrameSums, running_stats
from training.predict import Predictor, main, parse_segments, predict, predict_segments, read_prior
from training.tests.conftest import REPO

DOMAIN = REPO / "test" / "fixtures" / "models" / "tiny-domain"
PLAIN = REPO / "test" / "fixtures" / "models" / "tiny"
SEGMENTS = [(0, 12000), (16000, 40000), (42000, 47000)]


@pytest.fixture(scope="module")
def wave() -> np.ndarray:
    rng = np.random.default_rng(3)
    t = np.arange(48000) / 16000
    # three "utterances" of different loudness and pitch, so their statistics differ
    return (np.sin(2 * np.pi * 140 * t) * np.where(t < 1.5, 0.05, 0.4) + rng.normal(0, 0.02, t.shape)).astype(np.float32)


def by_hand(model_dir, waveform, segments):
    """What the page computes: segment k normalised with prior + frame sums of segments 1..k."""
    m = json.loads((model_dir / "manifest.json").read_text())
    up = ort.InferenceSession(str(model_dir / "upstream.fp32.onnx"), providers=["CPUExecutionProvider"])
    head = ort.InferenceSession(str(model_dir / "head.onnx"), providers=["CPUExecutionProvider"])
    prior, heard, out = read_prior(model_dir, m), [], []
    for a, b in segments:
        (h,) = up.run(None, {"waveform": waveform[None, a:b]})
        heard.append(FrameSums.of(h))
        mean, std = running_stats(*prior, m["domain_normalization"]["prior_frames"], FrameSums.total(heard))
        out.append(head.run(None, {"hidden_states": h, "domain_mean": mean, "domain_std": std})[0][0])
    return out


def test_segments_use_running_statistics_of_every_segment_so_far(wave):
    got = predict_segments(DOMAIN, wave, SEGMENTS)
    assert [s["adapted_on"] for s in got["segments"]] == [1, 2, 3]
    assert [(s["start"], s["end"], s["samples"]) for s in got["segments"]] == [(a, b, b - a) for a, b in SEGMENTS]
    for row, ref in zip(got["segments"], by_hand(DOMAIN, wave, SEGMENTS)):
        np.testing.assert_allclose(row["probabilities"], ref, atol=1e-6)
    # the first segment is exactly the single-utterance prediction; later ones are adapted
    first = predict(DOMAIN, wave[:12000])
    assert got["segments"][0]["probabilities"] == first["probabilities"]
    alone = predict(DOMAIN, wave[16000:40000])["probabilities"]
    assert np.abs(np.array(alone) - got["segments"][1]["probabilities"]).max() > 1e-5


def test_reset_starts_again_from_the_prior(wave):
    p = Predictor(DOMAIN)
    first = p(wave[:12000])
    p(wave[16000:40000])
    p.reset()
    again = p(wave[:12000])
    assert again["adapted_on"] == 1 and again["probabilities"] == first["probabilities"]


def test_a_model_without_domain_normalisation_predicts_each_segment_alone(wave):
    got = predict_segments(PLAIN, wave, SEGMENTS)
    for row, (a, b) in zip(got["segments"], SEGMENTS):
        assert "adapted_on" not in row
        assert row["probabilities"] == predict(PLAIN, wave[a:b])["probabilities"]


def test_cli_prints_one_probability_list_per_segment(wave, tmp_path, capsys):
    wav = tmp_path / "three.wav"
    sf.write(wav, wave, 16000, subtype="FLOAT")
    main(["--model", str(DOMAIN), "--wav", str(wav), "--segments", ",".join(f"{a}:{b}" for a, b in SEGMENTS)])
    out = json.loads(capsys.readouterr().out)
    assert out["labels"] == ["anger", "happiness", "neutral", "sadness"] and out["variant"] == "fp32"
    assert len(out["segments"]) == 3
    for row in out["segments"]:
        assert len(row["probabilities"]) == 4 and sum(row["probabilities"]) == pytest.approx(1, abs=1e-5)


def test_parse_segments():
    assert parse_segments("0:10,20:35") == [(0, 10), (20, 35)]
    for bad in ("5:5", "10:2", "-1:4", "a:b", "3"):
        with pytest.raises(SystemExit, match="--segments"):
            parse_segments(bad)
