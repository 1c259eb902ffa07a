"""Generic CSV dataset: columns path,label,speaker (paths relative to the CSV's folder)."""
from __future__ import annotations

import csv
from pathlib import Path

from . import Utterance


def load_csv(path: Path) -> list[Utterance]:
    """Rows path,label,speaker -> Utterances with group = speaker.

    The id is the audio path relative to the CSV's folder without extension, with "/" as
    "__", so files of the same name in different folders stay distinct.
    """
    path = Path(path)
    base = path.parent
    utts: list[Utterance] = []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = {"path", "label", "speaker"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: missing column(s) {sorted(missing)}")
        for r in reader:
            audio = Path(r["path"])
            full = audio if audio.is_absolute() else base / audio
            rel = audio.with_suffix("") if not audio.is_absolute() else Path(audio.stem)
            utt_id = "__".join(rel.parts)
            utts.append(Utterance(id=utt_id, path=full, label=r["label"], speaker=r["speaker"], group=r["speaker"]))
    ids = [u.id for u in utts]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: duplicate utterance ids")
    return utts
