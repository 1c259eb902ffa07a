"""RAVDESS and nEMO loaders on tiny generated layouts (CI has no corpora), and combined corpora."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from training.audio import read_audio
from training.data.corpora import corpus_of, load_corpora, parse_corpus_spec
from training.data.nemo import load_nemo
from training.data.ravdess import load_ravdess


def _tone(path: Path, sr: int, seconds: float = 0.5, freq: float = 220.0, channels: int = 1) -> None:
    t = np.arange(int(sr * seconds)) / sr
    x = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.stack([x] * channels, 1) if channels > 1 else x, sr)


def ravdess_tree(root: Path) -> Path:
    base = root / "Audio_Speech_Actors_01-24"
    # emotion codes: 01 neutral, 02 calm, 03 happy, 04 sad, 05 angry, 06 fearful
    for actor in ("01", "02"):
        for i, emo in enumerate(("01", "02", "03", "04", "05", "06")):
            _tone(base / f"Actor_{actor}" / f"03-01-{emo}-01-01-01-{actor}.wav", 48000, freq=200 + 40 * i + int(actor))
    # a byte-identical duplicate (as Actor_07 has in the public copy) and a song clip (modality 03, channel 02)
    dup = base / "Actor_02" / "03-01-03-01-01-02-02.wav"
    dup.write_bytes((base / "Actor_02" / "03-01-03-01-01-01-02.wav").read_bytes())
    _tone(base / "Actor_01" / "03-02-03-01-01-01-01.wav", 48000)
    return root


def nemo_tree(root: Path) -> Path:
    rows = ["file_id\temotion\traw_text\tnormalized_text\tspeaker_id\tgender\tage"]
    for spk in ("SB0", "KL0"):
        for i, emo in enumerate(("anger", "fear", "happiness", "neutral", "sadness", "surprised")):
            name = f"{spk}_{emo}_{i}.wav"
            _tone(root / "samples" / name, 24000, freq=180 + 30 * i)
            rows.append(f"{name}\t{emo}\tZdanie.\tzdanie\t        {spk}\tfemale\t30")
    (root / "data.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def test_ravdess_four_classes_drop_calm_song_and_duplicates(tmp_path):
    utts = load_ravdess(ravdess_tree(tmp_path))
    assert sorted({u.label for u in utts}) == ["anger", "happiness", "neutral", "sadness"]
    assert len(utts) == 8  # 2 actors x 4 classes; calm, fearful, the song clip and the duplicate left out
    assert {u.speaker for u in utts} == {"A01", "A02"} and all(u.group == u.speaker for u in utts)
    assert len(load_ravdess(tmp_path, "8")) == 12
    with pytest.raises(ValueError, match="'4' or '8'"):
        load_ravdess(tmp_path, "7")


def test_ravdess_refuses_other_layouts(tmp_path):
    with pytest.raises(FileNotFoundError, match="Actor_XX"):
        load_ravdess(tmp_path)
    _tone(tmp_path / "Actor_01" / "not-a-ravdess-name.wav", 16000)
    with pytest.raises(ValueError, match="MM-CC-EE"):
        load_ravdess(tmp_path)


def test_nemo_labels_speakers_and_paths(tmp_path):
    utts = load_nemo(nemo_tree(tmp_path))
    assert sorted(u.label for u in utts if u.speaker == "SB0") == ["anger", "happiness", "neutral", "sadness"]
    assert {u.speaker for u in utts} == {"SB0", "KL0"}  # padded speaker ids are stripped
    assert all(u.path.is_file() for u in utts)
    assert {u.label for u in load_nemo(tmp_path, "6")} >= {"fear", "surprise"}


def test_nemo_unknown_emotion_is_named(tmp_path):
    nemo_tree(tmp_path)
    tsv = tmp_path / "data.tsv"
    tsv.write_text(tsv.read_text().replace("\tfear\t", "\tboredom\t", 1))
    with pytest.raises(ValueError, match="boredom"):
        load_nemo(tmp_path)


def test_combined_corpora_have_distinct_ids_and_groups(tmp_path, emodb_dir):
    utts = load_corpora([f"emodb={emodb_dir}", f"ravdess={ravdess_tree(tmp_path / 'r')}", f"nemo={nemo_tree(tmp_path / 'n')}"])
    assert len({u.id for u in utts}) == len(utts)
    assert {corpus_of(u) for u in utts} == {"emodb", "ravdess", "nemo"}
    assert all(u.speaker.startswith(corpus_of(u) + "/") for u in utts)
    with pytest.raises(ValueError, match="NAME=FOLDER"):
        parse_corpus_spec("iemocap=/x")


def test_read_audio_resamples_and_downmixes(tmp_path):
    _tone(tmp_path / "a.wav", 48000, seconds=1.0, freq=440.0, channels=2)
    x = read_audio(tmp_path / "a.wav")
    assert x.dtype == np.float32 and x.shape == (16000,)
    # the tone survives resampling: its spectrum peaks at 440 Hz, amplitude kept
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    assert abs(np.argmax(spec) - 440) <= 1
    assert abs(np.abs(x[2000:-2000]).max() - 0.3) < 0.01
