"""nEMO (Christop 2024, Polish) in its official layout: ``samples/*.wav`` + ``data.tsv``."""
from __future__ import annotations

import csv
from pathlib import Path

from . import Utterance

#: data.tsv emotion names -> our label names (EmoDB's spelling).
EMOTIONS = {"anger": "anger", "fear": "fear", "happiness": "happiness", "neutral": "neutral",
            "sadness": "sadness", "surprised": "surprise"}
FOUR_CLASSES = ("neutral", "happiness", "anger", "sadness")


def load_nemo(root: Path, classes: str = "4") -> list[Utterance]:
    """Rows of ``root/data.tsv`` (file_id, emotion, speaker_id, ...) with audio in ``root/samples``.

    classes "4": neutral, happiness, anger, sadness; "6": all. group = speaker.
    """
    root = Path(root)
    if str(classes) not in ("4", "6"):
        raise ValueError(f"nEMO classes must be '4' or '6', got {classes!r}")
    with open(root / "data.tsv", newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f, delimiter="\t")
        missing = {"file_id", "emotion", "speaker_id"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{root / 'data.tsv'}: missing column(s) {sorted(missing)}")
        rows = list(reader)
    utts = []
    for r in rows:
        emotion = r["emotion"].strip()
        if emotion not in EMOTIONS:
            raise ValueError(f"{root / 'data.tsv'}: unknown emotion {emotion!r} for {r['file_id']}")
        label = EMOTIONS[emotion]
        if str(classes) == "4" and label not in FOUR_CLASSES:
            continue
        name = r["file_id"].strip()
        path = root / "samples" / name
        speaker = r["speaker_id"].strip()
        utts.append(Utterance(id=Path(name).stem, path=path, label=label, speaker=speaker, group=speaker))
    return utts
