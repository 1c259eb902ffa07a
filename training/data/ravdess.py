"""RAVDESS speech (Livingstone & Russo 2018) in its official layout: ``Actor_XX/MM-CC-EE-II-SS-RR-AA.wav``."""
from __future__ import annotations

import hashlib
from pathlib import Path

from . import Utterance

#: File-name emotion codes -> our label names (EmoDB's spelling, so corpora can be combined).
EMOTIONS = {"01": "neutral", "02": "calm", "03": "happiness", "04": "sadness", "05": "anger",
            "06": "fear", "07": "disgust", "08": "surprise"}
FOUR_CLASSES = ("neutral", "happiness", "anger", "sadness")


def load_ravdess(root: Path, classes: str = "4") -> list[Utterance]:
    """Speech clips (modality 03, vocal channel 01) under ``root`` (the folder holding Actor_XX,
    or one above it). classes "4": neutral, happiness, anger, sadness ("calm" is not neutral);
    "8": all. group = speaker = actor. Byte-identical duplicates are kept once.
    """
    root = Path(root)
    if str(classes) not in ("4", "8"):
        raise ValueError(f"RAVDESS classes must be '4' or '8', got {classes!r}")
    files = sorted(root.glob("Actor_*/*.wav")) or sorted(root.glob("*/Actor_*/*.wav"))
    if not files:
        raise FileNotFoundError(f"{root}: no Actor_XX/*.wav files (RAVDESS official layout)")
    utts, seen = [], set()
    for f in files:
        parts = f.stem.split("-")
        if len(parts) != 7 or not all(p.isdigit() for p in parts):
            raise ValueError(f"{f}: not a RAVDESS file name MM-CC-EE-II-SS-RR-AA")
        modality, channel, emotion, _, _, _, actor = parts
        if modality != "03" or channel != "01" or emotion not in EMOTIONS:
            continue
        label = EMOTIONS[emotion]
        if str(classes) == "4" and label not in FOUR_CLASSES:
            continue
        digest = hashlib.sha1(f.read_bytes()).hexdigest()
        if digest in seen:  # this copy holds two byte-identical files (Actor_07)
            continue
        seen.add(digest)
        utts.append(Utterance(id=f.stem, path=f, label=label, speaker=f"A{actor}", group=f"A{actor}"))
    return utts
