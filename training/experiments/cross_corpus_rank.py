"""Stage 1 of the cross-corpus study: rank upstreams x normalisations cheaply.

Pooled per-layer mean+std of the (domain-normalised) hidden states of every layer,
standardised logistic regression. Protocols: leave-one-corpus-out (train on two corpora,
test on the third) and leave-one-speaker-out inside each corpus.

Normalisations (see training/domain.py): ``none`` (training statistics everywhere),
``corpus`` (each corpus its own), ``speaker`` (each speaker their own, all their clips),
``session`` (what the browser does: training speakers normalised by their own statistics;
a held-out speaker's clips arrive one by one in a seeded random order, each normalised
with running statistics that start from the training statistics worth PRIOR_FRAMES frames
and include every clip heard so far, itself included). For ``session`` the report splits
the first clip of each speaker ("cold") from the rest.

Usage: python -m training.experiments.cross_corpus_rank --corpus emodb=DIR ravdess=DIR nemo=DIR
       --upstreams whisper-base,resemblyzer [--norms none,corpus,speaker,session]
Writes docs/results/cross-corpus-rank.json (merged per upstream).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from training.data import Utterance
from training.data.corpora import FOUR_CLASSES, corpus_of, load_corpora
from training.domain import PRIOR_FRAMES, FrameSums, frame_sums, running_stats
from training.features import DEFAULT_CACHE_DIR, extract_features, upstream_cache_id
from training.metrics import summarise
from training.upstream.candidates import build_spec

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "docs" / "results" / "cross-corpus-rank.json"
LABELS = list(FOUR_CLASSES)


def feature_dir(spec: str) -> Path:
    """Where the features of every corpus are cached for ``spec`` (the weights' hash in the name)."""
    return DEFAULT_CACHE_DIR / upstream_cache_id(spec, build_spec(spec)) / "corpora"


def utterance_sums(spec: str, utts: list[Utterance]) -> list[FrameSums]:
    """Per-utterance frame sums of ``spec``'s hidden states (features extracted when missing)."""
    up = build_spec(spec)
    return frame_sums(extract_features(up, utts, DEFAULT_CACHE_DIR, f"{upstream_cache_id(spec, up)}/corpora"), utts)


def pooled(sums: FrameSums, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """Mean and std of the normalised frames of one utterance, all layers: [L * 2D]."""
    m, s = sums.mean_std()
    return np.concatenate([(m - mean) / std, s / std], axis=1).ravel()


def features_by_domain(idx: list[int], sums: list[FrameSums], key) -> np.ndarray:
    """Each utterance normalised with the statistics of its domain (``key(i)``)."""
    groups: dict[str, list[int]] = {}
    for i in idx:
        groups.setdefault(key(i), []).append(i)
    out = {}
    for members in groups.values():
        mean, std = FrameSums.total([sums[i] for i in members]).mean_std()
        for i in members:
            out[i] = pooled(sums[i], mean, std)
    return np.stack([out[i] for i in idx])


def session_features(idx: list[int], sums: list[FrameSums], speaker, prior: tuple[np.ndarray, np.ndarray],
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Browser-style running normalisation per speaker; returns (features in idx order, clip position)."""
    rng = np.random.default_rng(seed)
    by_speaker: dict[str, list[int]] = {}
    for i in idx:
        by_speaker.setdefault(speaker(i), []).append(i)
    feats, position = {}, {}
    for members in by_speaker.values():
        heard = None
        for k, i in enumerate(rng.permutation(members)):
            heard = sums[i] if heard is None else FrameSums.total([heard, sums[i]])
            mean, std = running_stats(prior[0], prior[1], PRIOR_FRAMES, heard)
            feats[i], position[i] = pooled(sums[i], mean, std), k
    return np.stack([feats[i] for i in idx]), np.array([position[i] for i in idx])


def fit_predict(x_train, y_train, x_test, c: float = 0.1) -> np.ndarray:
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500, C=c))
    clf.fit(x_train, y_train)
    return clf.predict_proba(x_test)


def run_split(train: list[int], test: list[int], utts, sums, norm: str, y) -> dict:
    spk = lambda i: utts[i].speaker  # noqa: E731
    corp = lambda i: corpus_of(utts[i])  # noqa: E731
    train_mean, train_std = FrameSums.total([sums[i] for i in train]).mean_std()
    if norm == "none":
        x_tr = np.stack([pooled(sums[i], train_mean, train_std) for i in train])
        x_te = np.stack([pooled(sums[i], train_mean, train_std) for i in test])
    elif norm == "corpus":
        x_tr, x_te = features_by_domain(train, sums, corp), features_by_domain(test, sums, corp)
    elif norm == "speaker":
        x_tr, x_te = features_by_domain(train, sums, spk), features_by_domain(test, sums, spk)
    elif norm == "session":
        x_tr = features_by_domain(train, sums, spk)
        x_te, position = session_features(test, sums, spk, (train_mean, train_std))
        probs = fit_predict(x_tr, y[train], x_te)
        yt = y[test]
        return {"all": summarise(probs, yt, LABELS), "cold": summarise(probs[position == 0], yt[position == 0], LABELS),
                "after10": summarise(probs[position >= 10], yt[position >= 10], LABELS) if (position >= 10).any() else None,
                "_probs": probs}
    else:
        raise ValueError(norm)
    probs = fit_predict(x_tr, y[train], x_te)
    return {"all": summarise(probs, y[test], LABELS), "_probs": probs}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", nargs="+", required=True)
    ap.add_argument("--upstreams", required=True)
    ap.add_argument("--norms", default="none,corpus,speaker,session")
    ap.add_argument("--protocols", default="loco,loso")
    args = ap.parse_args()
    utts = load_corpora(args.corpus)
    y = np.array([LABELS.index(u.label) for u in utts])
    corpora = sorted({corpus_of(u) for u in utts})
    doc = json.loads(OUT.read_text()) if OUT.exists() else {
        "protocol": "pooled per-layer mean+std of domain-normalised hidden states (all layers), "
                    "standardised logistic regression C=0.1; 4 classes", "prior_frames": PRIOR_FRAMES, "runs": []}
    for spec in args.upstreams.split(","):
        sums = utterance_sums(spec, utts)
        for norm in args.norms.split(","):
            for protocol in args.protocols.split(","):
                key = {"upstream": spec, "norm": norm, "protocol": protocol, "corpora": corpora}
                if any(all(r.get(k) == v for k, v in key.items()) for r in doc["runs"]):
                    continue
                per_corpus = {}
                for held in corpora:
                    in_c = [i for i, u in enumerate(utts) if corpus_of(u) == held]
                    if protocol == "loco":
                        train = [i for i, u in enumerate(utts) if corpus_of(u) != held]
                        per_corpus[held] = run_split(train, in_c, utts, sums, norm, y)
                    else:
                        probs = np.zeros((len(in_c), len(LABELS)))
                        pos = {i: k for k, i in enumerate(in_c)}
                        for s in sorted({utts[i].speaker for i in in_c}):
                            test = [i for i in in_c if utts[i].speaker == s]
                            train = [i for i in in_c if utts[i].speaker != s]
                            res = run_split(train, test, utts, sums, norm, y)
                            probs[[pos[i] for i in test]] = res["_probs"]
                        per_corpus[held] = {"all": summarise(probs, y[in_c], LABELS)}
                    for r in per_corpus[held].values():
                        if isinstance(r, dict):
                            r.pop("_probs", None)
                    per_corpus[held].pop("_probs", None)
                mean_uar = float(np.mean([per_corpus[c]["all"]["uar"] for c in corpora]))
                run = {**key, "per_corpus": per_corpus, "mean_uar": mean_uar}
                if norm == "session" and protocol == "loco":
                    run["mean_uar_cold"] = float(np.mean([per_corpus[c]["cold"]["uar"] for c in corpora]))
                doc["runs"].append(run)
                OUT.write_text(json.dumps(doc, indent=1))
                line = " ".join(f"{c} {100 * per_corpus[c]['all']['uar']:.1f}" for c in corpora)
                print(f"{spec:16s} {norm:8s} {protocol}: UAR {line} | mean {100 * mean_uar:.1f}"
                      + (f" cold {100 * run['mean_uar_cold']:.1f}" if "mean_uar_cold" in run else ""), flush=True)


if __name__ == "__main__":
    main()
