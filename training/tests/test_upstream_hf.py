"""HFUpstream: shapes, frame arithmetic, normalisation exactly as the checkpoint's feature extractor."""
import json

import numpy as np
import pytest
import soundfile as sf
import torch

from training.upstream.hf import (
    HFUpstream,
    conv_downsample_rate,
    conv_min_samples,
    licence_and_provenance,
    read_do_normalize,
)
from training.upstream.tiny import build_tiny, tiny_dir

WAVLM_KERNELS = (10, 3, 3, 3, 3, 2, 2)
WAVLM_STRIDES = (5, 2, 2, 2, 2, 2, 2)


def _speech(emodb_dir, n: int) -> torch.Tensor:
    audio, sr = sf.read(str(emodb_dir / "03a01Wa.wav"), dtype="float32")
    assert sr == 16000
    return torch.from_numpy(audio[:n]).unsqueeze(0)


def test_frame_arithmetic_of_the_wavlm_cnn():
    assert conv_downsample_rate(WAVLM_STRIDES) == 320
    assert conv_min_samples(WAVLM_KERNELS, WAVLM_STRIDES) == 400


@pytest.mark.parametrize("kind", ["wavlm", "hubert", "wav2vec2", "wavlm-large"])
def test_tiny_upstream_stacks_cnn_output_and_every_layer(kind, emodb_dir):
    up = build_tiny(kind)
    info = up.info
    assert (info.kind, info.num_layers, info.dim) == (kind.removesuffix("-large"), 3, 64)
    assert (info.downsample_rate, info.min_samples) == (320, 400)
    with torch.no_grad():
        hidden = up(_speech(emodb_dir, 8000))
        one = up(_speech(emodb_dir, info.min_samples))
    frames = (8000 - info.min_samples) // info.downsample_rate + 1
    assert hidden.shape == (3, frames, 64)
    assert one.shape == (3, 1, 64)
    assert not any(p.requires_grad for p in up.parameters())
    assert not up.train().training  # frozen: stays in eval mode


def test_hidden_states_are_the_models_own(emodb_dir):
    """Stacking must not reorder or drop states: compare with transformers' tuple."""
    up = build_tiny("wavlm")
    x = _speech(emodb_dir, 8000)
    with torch.no_grad():
        ours = up(x)
        theirs = up.model(x, output_hidden_states=True).hidden_states
    assert len(theirs) == ours.shape[0]
    for i, h in enumerate(theirs):
        torch.testing.assert_close(ours[i], h[0], rtol=0, atol=0)


def test_do_normalize_true_matches_the_feature_extractor_exactly(emodb_dir):
    from transformers import AutoFeatureExtractor

    up = build_tiny("wavlm-large")
    assert up.info.normalization == "zero_mean_unit_var"
    assert up.model.config.do_stable_layer_norm and up.model.config.feat_extract_norm == "layer"
    x = _speech(emodb_dir, 13120)
    fe = AutoFeatureExtractor.from_pretrained(tiny_dir("wavlm-large"))
    assert fe.do_normalize is True
    normalised = fe(x[0].numpy(), sampling_rate=16000, return_tensors="pt").input_values
    with torch.no_grad():
        ours = up(x)
        reference = torch.cat(up.model(normalised, output_hidden_states=True).hidden_states, 0)
        scaled = up(3.0 * x + 0.1)
    torch.testing.assert_close(ours, reference, rtol=0, atol=1e-5)
    torch.testing.assert_close(ours, scaled, rtol=0, atol=1e-4)


def test_do_normalize_false_feeds_raw_audio(emodb_dir):
    """Same Large-layout weights without normalisation: an affine change of the input shows.

    (A group-norm CNN, as in Base+, is itself nearly invariant to 3x + 0.1, so the layer-norm
    layout is the one that can tell whether the upstream normalised.)
    """
    normalising = build_tiny("wavlm-large")
    raw = HFUpstream(normalising.model, do_normalize=False, name="raw", licence="MIT", provenance="test")
    assert raw.info.normalization == "none"
    x = _speech(emodb_dir, 8000)
    with torch.no_grad():
        assert (raw(x) - raw(3.0 * x + 0.1)).abs().max() > 0.1


def test_missing_preprocessor_config_falls_back_to_cnn_norm_type(tmp_path):
    from transformers import WavLMConfig

    assert read_do_normalize(str(tmp_path), WavLMConfig(feat_extract_norm="layer")) == (
        True,
        "guessed from feat_extract_norm (no preprocessor_config.json)",
    )
    assert read_do_normalize(str(tmp_path), WavLMConfig(feat_extract_norm="group"))[0] is False
    (tmp_path / "preprocessor_config.json").write_text(
        json.dumps({"feature_extractor_type": "Wav2Vec2FeatureExtractor", "do_normalize": False})
    )
    assert read_do_normalize(str(tmp_path), WavLMConfig(feat_extract_norm="layer")) == (False, "preprocessor_config.json")


def test_licence_and_provenance():
    licence, provenance = licence_and_provenance("microsoft/wavlm-large")
    assert licence == "MIT" and "microsoft/unilm" in provenance and "microsoft/wavlm-large" in provenance
    assert licence_and_provenance("someone/else")[0] == "unknown"


def test_local_model_card_licence_is_read(tmp_path):
    (tmp_path / "README.md").write_text("---\nlanguage: en\nlicense: mit\n---\n# card\n")
    assert licence_and_provenance(str(tmp_path))[0] == "mit"


def test_loading_a_saved_checkpoint_gives_identical_outputs(emodb_dir):
    """Same weights from disk twice (the path a user's local directory takes)."""
    a = HFUpstream.from_pretrained(tiny_dir("hubert"))
    b = HFUpstream.from_pretrained(tiny_dir("hubert"))
    x = _speech(emodb_dir, 4000)
    with torch.no_grad():
        np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())
