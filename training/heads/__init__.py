"""Downstream heads: featurizer, projector, poolings (by name), classifier."""
from .featurizer import Featurizer
from .model import EmotionHead, lengths_to_mask
from .pooling import POOLINGS, build_pooling

__all__ = ["EmotionHead", "Featurizer", "POOLINGS", "build_pooling", "lengths_to_mask"]
