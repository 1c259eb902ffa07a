"""Random-initialised upstreams for tests and benchmarks (model hubs are unreachable here).

Each config is built with a fixed seed, written with ``save_pretrained`` (weights plus a
``preprocessor_config.json``) to a temporary directory, and loaded back through
``HFUpstream.from_pretrained`` -- the same path a user runs with a real checkpoint.

* ``tiny:wavlm`` / ``tiny:hubert`` / ``tiny:wav2vec2``: 2 layers, hidden 64, 32 CNN channels
  (same conv kernels/strides as the real models: 320 samples per frame, 400 minimum), laid
  out like the Base/Base+ checkpoints: group-norm CNN, post-LN transformer, do_normalize False.
* ``tiny:wavlm-large``: the same size laid out like WavLM Large: layer-norm CNN with conv
  bias, pre-LN ("stable layer norm") transformer, do_normalize True.
* ``random:wavlm-base-plus``: the WavLM Base+ architecture (12 layers, 768 dim, 94 M
  parameters) with random weights, do_normalize False like the real one. Benchmarks only.
"""
from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import torch

from .hf import HFUpstream

TINY_KINDS = ("wavlm", "hubert", "wav2vec2", "wavlm-large")
SEED = 1234

_TINY_ARCH = dict(
    hidden_size=64,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=128,
    conv_dim=(32,) * 7,
    num_conv_pos_embeddings=16,
    num_conv_pos_embedding_groups=4,
)

#: WavLM Large's layout (its config differs from Base+ in exactly these switches).
_LARGE_LAYOUT = dict(feat_extract_norm="layer", do_stable_layer_norm=True, conv_bias=True)

_saved: dict[tuple[str, bool], Path] = {}


def _config(kind: str, **overrides: object):
    from transformers import HubertConfig, Wav2Vec2Config, WavLMConfig

    cls = {"wavlm": WavLMConfig, "hubert": HubertConfig, "wav2vec2": Wav2Vec2Config}[kind]
    return cls(**overrides)


def _save(key: str, kind: str, do_normalize: bool, arch: dict[str, object]) -> Path:
    """Build, seed and save once per process; returns the directory."""
    from transformers import AutoModel, Wav2Vec2FeatureExtractor

    cache_key = (key, do_normalize)
    if cache_key in _saved:
        return _saved[cache_key]
    directory = Path(tempfile.mkdtemp(prefix=f"upstream-{key.replace(':', '-')}-"))
    atexit.register(shutil.rmtree, directory, True)
    config = _config(kind, **arch)
    with torch.random.fork_rng():
        torch.manual_seed(SEED)
        model = AutoModel.from_config(config)
    model.save_pretrained(directory)
    Wav2Vec2FeatureExtractor(
        feature_size=1, sampling_rate=16000, padding_value=0.0, do_normalize=do_normalize, return_attention_mask=True
    ).save_pretrained(directory)
    _saved[cache_key] = directory
    return directory


def tiny_dir(kind: str) -> Path:
    """Directory holding the tiny random checkpoint ``kind`` (one of ``TINY_KINDS``)."""
    if kind not in TINY_KINDS:
        raise ValueError(f"unknown tiny upstream {kind!r}; choose one of {TINY_KINDS}")
    if kind == "wavlm-large":
        return _save(f"tiny:{kind}", "wavlm", True, {**_TINY_ARCH, **_LARGE_LAYOUT})
    return _save(f"tiny:{kind}", kind, False, _TINY_ARCH)


def build_tiny(kind: str) -> HFUpstream:
    """Tiny random upstream: [1, S] -> [3, (S - 400) // 320 + 1, 64]."""
    return HFUpstream.from_pretrained(
        tiny_dir(kind),
        name=f"tiny:{kind}",
        licence="MIT (random weights, generated here)",
        provenance=f"random-initialised {kind} layout (seed {SEED}), training/upstream/tiny.py",
    )


def build_random_wavlm_base_plus() -> HFUpstream:
    """WavLM Base+ architecture with random weights: [1, S] -> [13, T, 768]. Benchmarks only."""
    directory = _save("random:wavlm-base-plus", "wavlm", False, {})  # WavLMConfig defaults = Base+
    return HFUpstream.from_pretrained(
        directory,
        name="random:wavlm-base-plus",
        licence="MIT (random weights, generated here)",
        provenance=f"WavLM Base+ architecture, random weights (seed {SEED}), training/upstream/tiny.py",
    )
