"""Several corpora as one list of utterances: ids, speakers and groups prefixed by corpus.

A spec names a corpus and its folder: ``emodb=../shared/data/emodb``,
``ravdess=/data/RAVDESS``, ``nemo=/data/nEMO``. Every corpus is loaded with its 4-class set
(anger, happiness, neutral, sadness: the classes all three share).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from . import Utterance
from .emodb import load_emodb
from .nemo import load_nemo
from .ravdess import load_ravdess

FOUR_CLASSES = ("neutral", "happiness", "anger", "sadness")

LOADERS = {
    "emodb": lambda root: load_emodb(root, "4"),
    "ravdess": lambda root: load_ravdess(root, "4"),
    "nemo": lambda root: load_nemo(root, "4"),
}


def parse_corpus_spec(spec: str) -> tuple[str, Path]:
    name, sep, root = spec.partition("=")
    if not sep or name not in LOADERS:
        raise ValueError(f"corpus spec {spec!r}: expected NAME=FOLDER with NAME in {sorted(LOADERS)}")
    return name, Path(root)


def load_corpora(specs: list[str]) -> list[Utterance]:
    """Utterances of every corpus, id ``<corpus>/<clip>``, speaker and group ``<corpus>/<speaker>``.

    ``corpus_of(u)`` gives the corpus back (leave-one-corpus-out groups by it).
    """
    out: list[Utterance] = []
    for spec in specs:
        name, root = parse_corpus_spec(spec)
        for u in LOADERS[name](root):
            out.append(replace(u, id=f"{name}/{u.id}", speaker=f"{name}/{u.speaker}", group=f"{name}/{u.group}"))
    return out


def corpus_of(u: Utterance) -> str:
    return u.id.split("/", 1)[0]
