"""EmoDB (Berlin Database of Emotional Speech) from a folder with labels.csv."""
from __future__ import annotations

import csv
from pathlib import Path

from . import Utterance

#: The paper's 4-class subset, named exactly as in labels.csv.
EMODB_4_CLASSES = ("neutral", "happiness", "anger", "sadness")


def load_emodb(root: Path, classes: str = "4") -> list[Utterance]:
    """Read ``root/labels.csv`` (file, speaker, text, emotion).

    classes "4": neutral, happiness, anger, sadness; "7": all emotions. group = speaker.
    """
    root = Path(root)
    if str(classes) not in ("4", "7"):
        raise ValueError(f"EmoDB classes must be '4' or '7', got {classes!r}")
    with open(root / "labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    utts = [
        Utterance(id=Path(r["file"]).stem, path=root / r["file"], label=r["emotion"],
                  speaker=r["speaker"], group=r["speaker"])
        for r in rows
    ]
    if str(classes) == "4":
        utts = [u for u in utts if u.label in EMODB_4_CLASSES]
    return utts
