"""Build an upstream from a spec string (s3prl-style registry: names, never ``eval``).

Specs:
* ``hf:<local dir | hub id>`` -- any WavLM / HuBERT / wav2vec 2.0 checkpoint (``HFUpstream``).
* ``tiny:wavlm`` | ``tiny:hubert`` | ``tiny:wav2vec2`` -- tiny random Base-like models for
  tests; ``tiny:wavlm-large`` -- tiny, laid out like WavLM Large (do_normalize True).
* ``random:wavlm-base-plus`` -- WavLM Base+ architecture, random weights (benchmarks).
* a registered name, e.g. ``speech_embedding``, ``logmel``: either registered at run time
  with ``register_upstream`` or imported lazily from ``_LAZY`` (module path : function).
* anything else goes to the spec parsers in ``_DELEGATES`` (``candidates.build_spec``:
  ``name:args`` such as ``speech_embedding:hop=4``, and ``a+b`` side-by-side upstreams);
  a delegate raises KeyError for names it does not know.
"""
from __future__ import annotations

import importlib
from typing import Callable

from .base import Upstream

Builder = Callable[[], Upstream]

_BUILDERS: dict[str, Builder] = {}

#: Names whose builder lives in another module, imported only when asked for.
_LAZY: dict[str, str] = {
    "speech_embedding": "training.upstream.speech_embedding:build",
    "logmel": "training.upstream.logmel:build",
}


#: Spec parsers (``"package.module:function"``, spec -> Upstream) tried last, in order.
_DELEGATES: list[str] = ["training.upstream.candidates:build_spec"]


def register_upstream(name: str, builder: Builder) -> None:
    """Register ``builder`` (no arguments -> Upstream) under ``name``; replaces an earlier one."""
    if ":" in name:
        raise ValueError(f"upstream name {name!r} must not contain ':' (reserved for hf:/tiny:/random: specs)")
    _BUILDERS[name] = builder


def register_lazy_upstream(name: str, target: str) -> None:
    """Register ``name`` -> ``"package.module:function"``, imported on first use."""
    if ":" not in target:
        raise ValueError(f"lazy target {target!r} must look like 'package.module:function'")
    _LAZY[name] = target


def _import_target(target: str) -> Callable | None:
    """``"package.module:function"`` -> the function, or None if the module does not exist."""
    module_name, func_name = target.split(":", 1)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name == module_name:  # the module itself is absent; a missing dependency inside it is not ours to hide
            return None
        raise
    return getattr(module, func_name)


def _resolve_lazy(name: str) -> Builder | None:
    target = _LAZY.get(name)
    return _import_target(target) if target is not None else None


def _delegate(spec: str) -> Upstream | None:
    for target in _DELEGATES:
        parse = _import_target(target)
        if parse is None:
            continue
        try:
            return parse(spec)
        except KeyError:
            continue
    return None


def available_upstreams() -> list[str]:
    """Names and spec patterns ``build_upstream`` accepts (lazy names listed even if not installed)."""
    names = set(_BUILDERS) | set(_LAZY)
    candidates = _import_target("training.upstream.candidates:BUILDERS")
    if candidates is not None:
        names |= set(candidates)
    return sorted(names) + ["hf:<dir|hub id>", "random:wavlm-base-plus", "tiny:hubert", "tiny:wav2vec2", "tiny:wavlm", "tiny:wavlm-large"]


def build_upstream(spec: str) -> Upstream:
    """Spec string -> frozen upstream in eval mode (forward [1, S] -> [L, T, D])."""
    if spec.startswith("hf:"):
        from .hf import HFUpstream

        source = spec[len("hf:"):]
        if not source:
            raise ValueError("hf: spec needs a directory or hub id, e.g. hf:microsoft/wavlm-base-plus")
        return HFUpstream.from_pretrained(source)
    if spec.startswith("tiny:"):
        from .tiny import build_tiny

        return build_tiny(spec[len("tiny:"):])
    if spec == "random:wavlm-base-plus":
        from .tiny import build_random_wavlm_base_plus

        return build_random_wavlm_base_plus()
    builder = _BUILDERS.get(spec) or _resolve_lazy(spec)
    upstream = builder() if builder is not None else _delegate(spec)
    if upstream is None:
        raise ValueError(f"unknown upstream {spec!r}; known: {', '.join(available_upstreams())}")
    upstream.eval()
    return upstream
