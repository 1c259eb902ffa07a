"""IEMOCAP in its standard release layout (Session1..5), 4 classes as in s3prl's recipe.

Labels come from ``SessionN/dialog/EmoEvaluation/<dialog>.txt`` lines like
``[6.2901 - 8.2357]\tSes01F_impro01_F000\tneu\t[2.5000, 2.5000, 2.5000]``; audio from
``SessionN/sentences/wav/<dialog>/<utterance>.wav``. s3prl keeps neu, hap, ang, sad and
merges exc into hap; everything else (fru, sur, xxx, ...) is dropped. group = session.
"""
from __future__ import annotations

import re
from pathlib import Path

from . import Utterance

IEMOCAP_4_CLASSES = ("neu", "hap", "ang", "sad")
_MERGE = {"neu": "neu", "hap": "hap", "exc": "hap", "ang": "ang", "sad": "sad"}
_LINE = re.compile(r"^\[[\d.]+\s*-\s*[\d.]+\]\s+(Ses\w+)\s+(\w+)\s+\[")


def load_iemocap(root: Path) -> list[Utterance]:
    """All 4-class utterances of Session1..Session5 under ``root``; speaker = e.g. Ses01F."""
    root = Path(root)
    utts: list[Utterance] = []
    for n in range(1, 6):
        session = root / f"Session{n}"
        label_dir = session / "dialog" / "EmoEvaluation"
        if not label_dir.is_dir():
            raise FileNotFoundError(f"IEMOCAP: missing {label_dir}")
        for label_file in sorted(label_dir.glob("*.txt")):
            for line in label_file.read_text(errors="replace").splitlines():
                m = _LINE.match(line)
                if not m or m.group(2) not in _MERGE:
                    continue
                utt_id = m.group(1)
                dialog = utt_id.rsplit("_", 1)[0]
                # Speaker = session + gender of the utterance's speaker (last id part, e.g. F000).
                speaker = utt_id[:5] + utt_id.rsplit("_", 1)[1][0]
                utts.append(Utterance(
                    id=utt_id, path=session / "sentences" / "wav" / dialog / f"{utt_id}.wav",
                    label=_MERGE[m.group(2)], speaker=speaker, group=f"Session{n}",
                ))
    return utts
