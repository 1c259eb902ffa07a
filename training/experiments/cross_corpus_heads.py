"""Stage 2 of the cross-corpus study: trained heads, leave-one-corpus-out.

For each held-out corpus: train a head (featurizer -> Linear -> pooling -> Linear, the
paper's recipe) on the other corpora, early-stopped on a stratified 20 % dev split of them,
then test on the held-out corpus. ``--protocol loso`` does the same inside one corpus with its
speakers split into ``--folds`` groups (speaker-independent, fewer trainings than one per
speaker). Normalisation of the hidden states (training/domain.py):
``none`` (training statistics everywhere); ``session`` (training speakers by all their own
frames) or ``session-running`` (training speakers by running statistics over their clips in
a random order, as the page will see its user); with both, a held-out speaker's clips arrive
one by one, normalised with running statistics that start from the training statistics
(worth ``--prior-frames`` frames), as the page does. ``session-previous``: like
``session-running`` but a clip's statistics are those of the clips before it (the first one
gets the training statistics alone).

``--augment``: the training set is the training clips plus one augmented copy of each
(training/augment.py, features from training/experiments/augment_features.py), same speaker
and label; a copy is one more clip of its speaker in the running statistics, and the training
statistics (the prior) include the copies. The dev split is made on the clean clips (their
copies are not trained on) and stays clean; the held-out corpus is tested clean. Stored as
separate runs (``"augment": "aug1"`` in the run key). ``--robust``: also test on the augmented
copy of the held-out corpus (metrics ``robust`` and ``robust_first``), stored in
docs/results/cross-corpus-robust.json (and in cross-corpus-heads.json only where that run is
not there yet).

Usage: python -m training.experiments.cross_corpus_heads --corpus emodb=DIR ravdess=DIR nemo=DIR
       --upstream whisper-base --heads corrap,cp --smoothing 0.1 --norms session [--set max_epochs=30]
Appends to docs/results/cross-corpus-heads.json (a run already there is skipped, unless it lacks
the ``first`` metric: every held-out clip classified as the page's first utterance, i.e. with
the training statistics plus its own frames only).
"""
from __future__ import annotations

import argparse
import json
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from training.data.corpora import FOUR_CLASSES, corpus_of, load_corpora
from training.domain import PRIOR_FRAMES, FrameSums, NormalisedStore, group_stats, running_stats, session_stats
from training.evaluate import split_dev
from training.experiments.cross_corpus_rank import feature_dir, utterance_sums
from training.experiments.run_heads import parse_overrides
from training.experiments.augment_features import UnionStore, aug_dir, aug_frame_sums, aug_utts
from training.features import FeatureStore
from training.metrics import summarise
from training.train import TrainConfig, predict, train_head

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "docs" / "results" / "cross-corpus-heads.json"
#: ``--robust`` runs (a retrained head tested clean and on the augmented held-out copy) go here,
#: so re-training for them never replaces a run of OUT that other documents quote.
ROBUST_OUT = REPO / "docs" / "results" / "cross-corpus-robust.json"
LABELS = list(FOUR_CLASSES)


def folds(utts, protocol: str, corpora: list[str], held_list: list[str], n_folds: int) -> list[tuple[str, list[int], list[int]]]:
    """(name, train indices, test indices) per fold. ``loco``: each corpus held out once, trained
    on the others. ``loso``: inside each corpus, its speakers dealt round-robin into ``n_folds``
    groups; each group is held out once, trained on the rest of that corpus."""
    out = []
    for held in held_list:
        if protocol == "loco":
            out.append((held, [i for i, u in enumerate(utts) if corpus_of(u) != held],
                        [i for i, u in enumerate(utts) if corpus_of(u) == held]))
            continue
        members = [i for i, u in enumerate(utts) if corpus_of(u) == held]
        speakers = sorted({utts[i].speaker for i in members})
        for k in range(n_folds):
            test_spk = set(speakers[k::n_folds])
            out.append((f"{held}#{k + 1}/{n_folds}", [i for i in members if utts[i].speaker not in test_spk],
                        [i for i in members if utts[i].speaker in test_spk]))
    return out


def first_utterance_stats(utts, idx, sums, prior, prior_frames: float = PRIOR_FRAMES) -> dict:
    """Each clip alone after the training statistics: what the page uses for the first utterance."""
    return {utts[i].id: running_stats(prior[0], prior[1], prior_frames, sums[i]) for i in idx}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", nargs="+", required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--heads", default="corrap")
    ap.add_argument("--smoothing", default="0.1")
    ap.add_argument("--norms", default="session")
    ap.add_argument("--held", default="", help="comma list of held-out corpora (default: all)")
    ap.add_argument("--protocol", choices=("loco", "loso"), default="loco")
    ap.add_argument("--folds", type=int, default=5, help="speaker groups per corpus for --protocol loso")
    ap.add_argument("--prior-frames", type=float, default=PRIOR_FRAMES,
                    help="weight of the training statistics in the running estimate, in frames")
    ap.add_argument("--set", nargs="*", default=[])
    ap.add_argument("--augment", action="store_true", help="train on the clips plus one augmented copy of each")
    ap.add_argument("--robust", action="store_true", help="also test on the augmented copy of the held-out corpus")
    args = ap.parse_args()
    utts = load_corpora(args.corpus)
    y = np.array([LABELS.index(u.label) for u in utts])
    sums = utterance_sums(args.upstream, utts)
    store = FeatureStore(feature_dir(args.upstream), [u.id for u in utts])
    corpora = sorted({corpus_of(u) for u in utts})
    held_list = args.held.split(",") if args.held else corpora
    base = replace(TrainConfig(), **parse_overrides(args.set))
    fold_list = folds(utts, args.protocol, corpora, held_list, args.folds)
    all_utts, all_sums, aug_of = utts, sums, {}
    if args.augment or args.robust:  # the augmented copies each fold needs, behind one store
        need = set()
        for _, train_idx, test in fold_list:
            need |= {corpus_of(utts[i]) for i in (train_idx if args.augment else []) + (test if args.robust else [])}
        clean = [u for u in utts if corpus_of(u) in need]
        adir = aug_dir(args.upstream)
        copies = aug_utts(clean)
        all_utts = utts + copies
        all_sums = sums + aug_frame_sums(adir, clean)
        aug_of = {u.id: len(utts) + k for k, u in enumerate(clean)}
        store = UnionStore(store, FeatureStore(adir, [a.id for a in copies]))
    for norm in args.norms.split(","):
        for pooling in args.heads.split(","):
            for ls in (float(s) for s in args.smoothing.split(",")):
                cfg = replace(base, pooling=pooling, label_smoothing=ls)
                for held, train_idx, test in fold_list:
                    doc = json.loads(OUT.read_text()) if OUT.exists() else {"labels": LABELS, "prior_frames": PRIOR_FRAMES, "runs": []}
                    key = {"upstream": args.upstream, "norm": norm, "held_out": held, "config": asdict(cfg)}
                    if args.protocol != "loco":
                        key["protocol"] = args.protocol
                    if args.prior_frames != PRIOR_FRAMES:
                        key["prior_frames"] = args.prior_frames
                    if args.augment:
                        key["augment"] = "aug1"
                    def matches(r):
                        return (all(r.get(k) == v for k, v in key.items())
                                and r.get("protocol", "loco") == args.protocol
                                and r.get("prior_frames", PRIOR_FRAMES) == args.prior_frames
                                and r.get("augment") == key.get("augment"))
                    same = [r for r in doc["runs"] if matches(r)]
                    have = any("first" in r or norm == "none" for r in same)
                    if args.robust:
                        rdoc = json.loads(ROBUST_OUT.read_text()) if ROBUST_OUT.exists() else {"labels": LABELS, "runs": []}
                        if any(matches(r) for r in rdoc["runs"]):
                            continue
                    elif have:
                        continue
                    train_ext = train_idx + ([aug_of[utts[i].id] for i in train_idx] if args.augment else [])
                    aug_test = [aug_of[utts[i].id] for i in test] if args.robust else []
                    prior = FrameSums.total([all_sums[i] for i in train_ext]).mean_std()
                    if norm == "none":
                        stats = {all_utts[i].id: prior for i in train_ext + test + aug_test}
                        position = None
                    elif norm in ("session", "session-running", "session-previous"):
                        current = norm != "session-previous"
                        if norm == "session":  # training speakers by all their frames
                            stats = group_stats([all_utts[i] for i in train_ext], [all_sums[i] for i in train_ext],
                                                lambda u: u.speaker)
                        else:  # training speakers as the page sees a user: running statistics, random order
                            stats, _ = session_stats(all_utts, train_ext, all_sums, prior, seed=1,
                                                     prior_frames=args.prior_frames, include_current=current)
                        test_stats, position = session_stats(utts, test, sums, prior, prior_frames=args.prior_frames,
                                                             include_current=current)
                        stats.update(test_stats)
                        if aug_test:
                            stats.update(session_stats(all_utts, aug_test, all_sums, prior, prior_frames=args.prior_frames,
                                                       include_current=current)[0])
                    else:
                        raise ValueError(norm)
                    view = NormalisedStore(store, stats)
                    train, dev = split_dev([utts[i] for i in train_idx], cfg.dev_fraction, cfg.seed)
                    if args.augment:  # copies of the training part only: dev stays clean and unseen
                        train = train + aug_utts(train)
                    head, hist = train_head(view, train, dev, LABELS, cfg)
                    test_utts = [utts[i] for i in test]
                    probs = predict(head, view, test_utts)
                    yt = y[test]
                    res = {**key, "protocol": args.protocol, "pooling": pooling, "label_smoothing": ls,
                           "all": summarise(probs, yt, LABELS),
                           "best_epoch": hist["best_epoch"], "epochs": len(hist["epochs"]),
                           "seconds": round(hist["seconds"], 1)}
                    if position is not None:
                        pos = np.array([position[utts[i].id] for i in test])
                        res["cold"] = summarise(probs[pos == 0], yt[pos == 0], LABELS)
                        res["after10"] = summarise(probs[pos >= 10], yt[pos >= 10], LABELS)
                        first = NormalisedStore(store, first_utterance_stats(utts, test, sums, prior, args.prior_frames)
                                                if current else {utts[i].id: prior for i in test})
                        res["first"] = summarise(predict(head, first, test_utts), yt, LABELS)
                    if aug_test:
                        aug_utts_test = [all_utts[i] for i in aug_test]
                        res["robust"] = summarise(predict(head, view, aug_utts_test), yt, LABELS)
                        if position is not None:
                            first = NormalisedStore(store, first_utterance_stats(all_utts, aug_test, all_sums, prior,
                                                                                 args.prior_frames)
                                                    if current else {all_utts[i].id: prior for i in aug_test})
                            res["robust_first"] = summarise(predict(head, first, aug_utts_test), yt, LABELS)
                    if args.robust:
                        rdoc = json.loads(ROBUST_OUT.read_text()) if ROBUST_OUT.exists() else rdoc
                        rdoc["runs"] = [r for r in rdoc["runs"] if not matches(r)] + [res]
                        ROBUST_OUT.write_text(json.dumps(rdoc, indent=1))
                    if not have:
                        doc = json.loads(OUT.read_text()) if OUT.exists() else doc
                        doc["runs"] = [r for r in doc["runs"] if not matches(r)] + [res]
                        OUT.write_text(json.dumps(doc, indent=1))
                    extra = f" first-utterance UAR {100 * res['first']['uar']:.1f}" if "first" in res else ""
                    if "robust" in res:
                        extra += f" augmented-test UAR {100 * res['robust']['uar']:.1f}"
                    if args.augment:
                        extra += " [trained with augmentation]"
                    print(f"{args.upstream} {norm} {pooling} ls={ls} held {held}: UAR {100 * res['all']['uar']:.1f} "
                          f"acc {100 * res['all']['accuracy']:.1f} ECE {res['all']['ece']:.3f}{extra} "
                          f"({res['seconds']:.0f}s, {res['epochs']} ep)", flush=True)


if __name__ == "__main__":
    main()
