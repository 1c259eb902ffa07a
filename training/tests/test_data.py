"""Dataset loaders: EmoDB (real labels.csv), IEMOCAP (synthetic release tree), CSV."""
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from training.data import load_csv, load_emodb, load_iemocap
from training.features import read_wav_16k_mono


def test_emodb_4_and_7_classes(emodb_dir):
    four = load_emodb(emodb_dir, "4")
    assert Counter(u.label for u in four) == {"anger": 127, "happiness": 71, "neutral": 79, "sadness": 62}
    seven = load_emodb(emodb_dir, "7")
    assert len(seven) == 535 and len({u.label for u in seven}) == 7
    assert len({u.group for u in four}) == 10
    u = next(x for x in four if x.id == "03a01Fa")
    assert (u.label, u.speaker, u.group, u.path) == ("happiness", "03", "03", emodb_dir / "03a01Fa.wav")
    # The label letter in the file name agrees with labels.csv.
    letter = {"W": "anger", "F": "happiness", "N": "neutral", "T": "sadness"}
    assert all(letter[x.id[5]] == x.label for x in four)


def test_emodb_audio_is_16k_mono(emodb_dir):
    wav = read_wav_16k_mono(emodb_dir / "03a01Fa.wav")
    assert wav.dtype == np.float32 and wav.ndim == 1 and np.abs(wav).max() <= 1.0


def test_non_16k_audio_fails_clearly(tmp_path):
    sf.write(tmp_path / "x.wav", np.zeros(4410, dtype=np.float32), 44100)
    with pytest.raises(ValueError, match="44100 Hz"):
        read_wav_16k_mono(tmp_path / "x.wav")
    sf.write(tmp_path / "s.wav", np.zeros((1600, 2), dtype=np.float32), 16000)
    with pytest.raises(ValueError, match="mono"):
        read_wav_16k_mono(tmp_path / "s.wav")


def _iemocap_tree(root: Path) -> None:
    lines = {
        1: [("Ses01F_impro01_F000", "neu"), ("Ses01F_impro01_M001", "exc"), ("Ses01F_impro01_F002", "fru")],
        2: [("Ses02M_script01_1_M000", "hap"), ("Ses02M_script01_1_F003", "xxx")],
        3: [("Ses03F_impro02_M010", "ang")],
        4: [("Ses04M_impro03_F004", "sad")],
        5: [("Ses05F_script02_2_M021", "sur"), ("Ses05F_script02_2_F007", "neu")],
    }
    for n, items in lines.items():
        d = root / f"Session{n}" / "dialog" / "EmoEvaluation"
        d.mkdir(parents=True)
        text = ["% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]", ""]
        for utt, emo in items:
            text += [f"[6.2901 - 8.2357]\t{utt}\t{emo}\t[2.5000, 2.5000, 2.5000]", f"C-E1:\t{emo.title()};\t()", ""]
        dialog = items[0][0].rsplit("_", 1)[0]
        (d / f"{dialog}.txt").write_text("\n".join(text))


def test_iemocap_four_classes_with_exc_merged(tmp_path):
    _iemocap_tree(tmp_path)
    utts = load_iemocap(tmp_path)
    got = {u.id: (u.label, u.speaker, u.group) for u in utts}
    assert got == {
        "Ses01F_impro01_F000": ("neu", "Ses01F", "Session1"),
        "Ses01F_impro01_M001": ("hap", "Ses01M", "Session1"),
        "Ses02M_script01_1_M000": ("hap", "Ses02M", "Session2"),
        "Ses03F_impro02_M010": ("ang", "Ses03M", "Session3"),
        "Ses04M_impro03_F004": ("sad", "Ses04F", "Session4"),
        "Ses05F_script02_2_F007": ("neu", "Ses05F", "Session5"),
    }
    u = next(x for x in utts if x.id == "Ses02M_script01_1_M000")
    assert u.path == tmp_path / "Session2" / "sentences" / "wav" / "Ses02M_script01_1" / "Ses02M_script01_1_M000.wav"


def test_csv_dataset(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "list.csv").write_text("path,label,speaker\na/x.wav,happy,spk1\nb/x.wav,sad,spk2\n")
    utts = load_csv(tmp_path / "list.csv")
    assert [(u.id, u.label, u.speaker, u.group) for u in utts] == [("a__x", "happy", "spk1", "spk1"), ("b__x", "sad", "spk2", "spk2")]
    assert utts[0].path == tmp_path / "a" / "x.wav"
    (tmp_path / "bad.csv").write_text("file,label\nx.wav,a\n")
    with pytest.raises(ValueError, match="missing column"):
        load_csv(tmp_path / "bad.csv")
