"""build_upstream specs and the name registry the other upstream modules plug into."""
import sys
import types

import pytest
import torch

from training.upstream.base import Upstream, UpstreamInfo
from training.upstream.registry import (
    available_upstreams,
    build_upstream,
    register_lazy_upstream,
    register_upstream,
)


class _Constant(Upstream):
    def __init__(self):
        super().__init__()
        self.info = UpstreamInfo("const", "test", 1, 2, 160, 160, "none", "MIT", "test")

    def forward(self, waveform):
        return torch.zeros(1, waveform.shape[1] // 160, 2)


@pytest.mark.parametrize("spec,kind,norm", [
    ("tiny:wavlm", "wavlm", "none"),
    ("tiny:hubert", "hubert", "none"),
    ("tiny:wav2vec2", "wav2vec2", "none"),
    ("tiny:wavlm-large", "wavlm", "zero_mean_unit_var"),
])
def test_tiny_specs(spec, kind, norm):
    up = build_upstream(spec)
    assert (up.info.kind, up.info.normalization, up.info.name) == (kind, norm, spec)


def test_hf_spec_loads_a_local_directory():
    from training.upstream.tiny import tiny_dir

    directory = tiny_dir("wav2vec2")
    up = build_upstream(f"hf:{directory}")
    assert up.info.kind == "wav2vec2" and up.info.name == str(directory)


def test_registered_builder_is_used_and_put_in_eval_mode():
    register_upstream("const-test", lambda: _Constant().train())
    up = build_upstream("const-test")
    assert isinstance(up, _Constant) and not up.training
    assert "const-test" in available_upstreams()


def test_lazy_name_imports_its_module_on_first_use(monkeypatch):
    module = types.ModuleType("fake_upstream_mod")
    module.build = _Constant
    monkeypatch.setitem(sys.modules, "fake_upstream_mod", module)
    register_lazy_upstream("lazy-test", "fake_upstream_mod:build")
    assert isinstance(build_upstream("lazy-test"), _Constant)


def test_unknown_specs_fail_with_the_known_names():
    with pytest.raises(ValueError, match="tiny:wavlm"):
        build_upstream("nonexistent")
    register_lazy_upstream("absent-test", "training.upstream.no_such_module:build")
    with pytest.raises(ValueError, match="unknown upstream"):
        build_upstream("absent-test")
    with pytest.raises(ValueError):
        build_upstream("tiny:conformer")
    with pytest.raises(ValueError):
        register_upstream("a:b", _Constant)


def test_package_upstreams_with_options_go_through_the_candidates_parser():
    """``name:args`` specs of the package upstreams (training/upstream/candidates.py)."""
    plain = build_upstream("logmel")
    narrow = build_upstream("logmel:n_mels=40")
    assert plain.info.kind == narrow.info.kind == "logmel"
    assert narrow.info.dim == 40 and plain.info.dim != 40
    with torch.no_grad():
        assert narrow(torch.zeros(1, 16000)).shape[-1] == 40
    assert "speech_embedding" in available_upstreams()
