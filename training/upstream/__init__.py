"""Upstreams: frozen speech encoders that map a 16 kHz waveform to stacked hidden states."""
from .base import Upstream

__all__ = ["Upstream"]
