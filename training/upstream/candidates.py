"""Spec strings for the pretrained upstreams found inside packages (and the log-mel floor).

``build_spec("speech_embedding:hop=4")`` -> module; ``register_candidates(register)`` hands
the same builders to the pipeline's registry (``register_upstream(name, builder)``).
"""
from __future__ import annotations

from collections.abc import Callable

from .base import Upstream


def _speech_embedding(args: str) -> Upstream:
    from .speech_embedding import build
    return build(args)


def _logmel(args: str) -> Upstream:
    from .logmel import build
    return build(args)


def _resemblyzer(args: str) -> Upstream:
    from .resemblyzer_encoder import build
    return build(args)


def _crepe_tiny(args: str) -> Upstream:
    from .crepe_tiny import build
    return build(args)


def _whisper(name: str) -> Callable[[str], Upstream]:
    def build(args: str) -> Upstream:
        from .whisper import build as build_whisper
        return build_whisper(args, name)
    return build


BUILDERS: dict[str, Callable[[str], Upstream]] = {
    "speech_embedding": _speech_embedding,
    "logmel": _logmel,
    "resemblyzer": _resemblyzer,
    "crepe_tiny": _crepe_tiny,
    "whisper-base": _whisper("whisper-base"),
    "whisper-tiny-en": _whisper("whisper-tiny-en"),
}


def _concat(spec: str) -> Upstream:
    from .concat import ConcatUpstream
    return ConcatUpstream([build_spec(part) for part in spec.split("+")])


def build_spec(spec: str) -> Upstream:
    """``name``, ``name:args``, or parts joined by "+" (side by side, see concat.py)."""
    if "+" in spec:
        return _concat(spec).eval()
    name, _, args = spec.partition(":")
    if name not in BUILDERS:
        raise KeyError(f"unknown upstream {name!r}; known: {sorted(BUILDERS)}")
    return BUILDERS[name](args).eval()


def cache_id(spec: str) -> str:
    """File-system-safe id of a spec for feature caches and result files."""
    return spec.replace("+", "__").replace(":", "-").replace("=", "").replace(",", "_").replace("/", "_")
