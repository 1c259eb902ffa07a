"""Datasets -> lists of ``Utterance`` (the unit features are cached and folds are built from)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Utterance:
    """One labelled audio file.

    ``id`` is unique within a dataset and names the cached feature file; ``group`` is the
    unit held out together in cross-validation (speaker for EmoDB, session for IEMOCAP).
    """

    id: str
    path: Path
    label: str
    speaker: str
    group: str


from .csv_dataset import load_csv  # noqa: E402  (loaders import Utterance from here)
from .emodb import EMODB_4_CLASSES, load_emodb  # noqa: E402
from .iemocap import IEMOCAP_4_CLASSES, load_iemocap  # noqa: E402

__all__ = ["Utterance", "load_emodb", "load_iemocap", "load_csv", "EMODB_4_CLASSES", "IEMOCAP_4_CLASSES"]
