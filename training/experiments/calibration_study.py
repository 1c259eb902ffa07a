"""Few-shot personal calibration on unseen-corpus speakers (issue 15 part 1), and the uncertainty
threshold from the same held-out predictions (issue 14 part 3).

Leave-one-corpus-out with the shipped recipe (whisper-base, meanstd head, session-running domain
normalisation, prior 2000 frames, label smoothing 0.1; training.experiments.cross_corpus_heads):
for each held-out corpus a head is trained on the other two, then every held-out clip is
classified as the page does (each speaker's clips in a seeded random order, running statistics
from the training statistics), keeping the pooled representation the classifier reads. Those
fold heads and per-clip arrays are cached (``--cache``), so the study below re-runs in seconds.

Calibration: for each held-out speaker, k = 1, 2, 4, 8 labelled clips per class drawn at random
(``--draws`` seeded draws; the speaker takes part at k only when every class has more than k
clips), the rest of the speaker's clips as test. UAR on the test clips of the uncalibrated head
vs training/calibration.py recipes (bias, linear with an l2 grid) and a cheaper variant
(nearest class mean in the pooled space, blended with the head's probabilities). Per speaker the
gain is averaged over draws; the table gives mean and standard deviation over speakers.

Uncertainty: the top-probability threshold under which results are marked uncertain.

Usage: python -m training.experiments.calibration_study --corpus emodb=DIR ravdess=DIR nemo=DIR
Writes docs/results/calibration.json and docs/results/uncertainty.json (the .md files quote them).
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch

from training.calibration import CalibrationRecipe, fit, predict as cal_predict
from training.data.corpora import corpus_of, load_corpora
from training.domain import FrameSums, NormalisedStore, session_stats
from training.evaluate import split_dev
from training.experiments.cross_corpus_heads import LABELS, OUT as HEADS_JSON, folds
from training.experiments.cross_corpus_rank import feature_dir, utterance_sums
from training.features import DEFAULT_CACHE_DIR, FeatureStore
from training.heads.model import lengths_to_mask
from training.metrics import summarise
from training.train import TrainConfig, collate, train_head

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "docs" / "results"
UPSTREAM = "whisper-base"
NORM = "session-running"
PRIOR_FRAMES = 2000.0
#: The shipped head's recipe (public/models/default, head provenance).
SHIPPED_CFG = replace(TrainConfig(), pooling="meanstd", label_smoothing=0.1, lr=1e-3, max_epochs=15, patience=4)
KS = (1, 2, 4, 8)
#: How the --resemblyzer-clips file is made (the command records it, not a local path).
RESEMBLYZER_CLIPS_HINT = ("CLIPS.npz  # from: python -m training.experiments.shipped_model --model "
                          "public/models/resemblyzer-emodb --corpus ravdess=/work/corpora/ravdess nemo=/work/corpora/nemo "
                          "--out /tmp/shipped.json --clips CLIPS.npz")
#: Uncertainty rule: results at or above the threshold are right at least this often (corpus mean).
TARGET_ACCURACY_ABOVE = 0.80
#: Recipes compared (name -> recipe). steps <= 500 so the page fits 32 examples of P=512 fast.
RECIPES: dict[str, CalibrationRecipe] = {
    "bias l2=0.01 steps=100": CalibrationRecipe("bias", 0.01, 100, 1.0),
    "bias l2=0.01 steps=500": CalibrationRecipe("bias", 0.01, 500, 1.0),
    **{f"linear l2={l2:g} steps={s}": CalibrationRecipe("linear", l2, s, 1.0)
       for l2 in (0.01, 0.1, 1.0, 10.0) for s in (100, 500)},
}


def pooled_and_probs(head, store, utts, batch_size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """(pooled [N, P], probabilities [N, C]) in eval mode: what the exported head outputs."""
    head.eval()
    xs, ps = [], []
    with torch.no_grad():
        for i in range(0, len(utts), batch_size):
            hidden, lengths = collate(store, utts[i: i + batch_size])
            t = hidden.shape[2]
            mask = None if bool((lengths == t).all()) else lengths_to_mask(lengths, t)
            pooled = head.pooling(head.projector(head.featurizer(hidden)), mask)
            xs.append(pooled.numpy())
            ps.append(torch.softmax(head.classifier(pooled), dim=-1).numpy())
    return np.concatenate(xs), np.concatenate(ps)


def fold_arrays(args, cache: Path) -> dict[str, dict]:
    """Per held-out corpus: {"x", "p", "y", "speaker", "position", "w", "b"} (trained or cached)."""
    utts = load_corpora(args.corpus)
    y = np.array([LABELS.index(u.label) for u in utts])
    sums = utterance_sums(UPSTREAM, utts)
    store = FeatureStore(feature_dir(UPSTREAM), [u.id for u in utts])
    corpora = sorted({corpus_of(u) for u in utts})
    out = {}
    cache.mkdir(parents=True, exist_ok=True)
    for held, train_idx, test in folds(utts, "loco", corpora, corpora, 0):
        path = cache / f"loco-{held}.npz"
        if path.exists():
            out[held] = dict(np.load(path))
            continue
        t0 = time.perf_counter()
        # Exactly cross_corpus_heads' session-running fold (same seeds), so its UAR is reproduced.
        prior = FrameSums.total([sums[i] for i in train_idx]).mean_std()
        stats, _ = session_stats(utts, train_idx, sums, prior, seed=1, prior_frames=PRIOR_FRAMES)
        test_stats, position = session_stats(utts, test, sums, prior, prior_frames=PRIOR_FRAMES)
        stats.update(test_stats)
        view = NormalisedStore(store, stats)
        train, dev = split_dev([utts[i] for i in train_idx], SHIPPED_CFG.dev_fraction, SHIPPED_CFG.seed)
        head, _ = train_head(view, train, dev, LABELS, SHIPPED_CFG)
        test_utts = [utts[i] for i in test]
        x, p = pooled_and_probs(head, view, test_utts)
        arrays = {
            "x": x.astype(np.float32), "p": p.astype(np.float32), "y": y[test],
            "speaker": np.array([u.speaker for u in test_utts]),
            "position": np.array([position[u.id] for u in test_utts]),
            "w": head.classifier.weight.detach().numpy().astype(np.float32),
            "b": head.classifier.bias.detach().numpy().astype(np.float32),
        }
        np.savez(path, **arrays)
        out[held] = arrays
        print(f"{held}: head trained and held-out clips pooled in {time.perf_counter() - t0:.0f}s", flush=True)
    return out


def uar(p: np.ndarray, y: np.ndarray) -> float:
    pred = p.argmax(1)
    return float(np.mean([(pred[y == c] == c).mean() for c in np.unique(y)]))


def ncm(w, b, x_train, y_train, x_test) -> np.ndarray:
    """Cheaper variant (no iterations): the head's log-probabilities plus those of a nearest class
    mean classifier on the k-shot clips, softmax(-|x - m_c|^2 / T), T = half the mean squared
    distance between the class means."""
    means = np.stack([x_train[y_train == c].mean(0) for c in range(w.shape[0])])
    d = ((x_test[:, None, :] - means[None]) ** 2).sum(-1)
    between = ((means[:, None] - means[None]) ** 2).sum(-1)
    t = between[~np.eye(len(means), dtype=bool)].mean() / 2
    z = np.log(cal_predict(w, b, x_test)) - d / max(t, 1e-12)
    z -= z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def calibration_study(arrays: dict[str, dict], draws: int) -> dict:
    methods = list(RECIPES) + ["ncm"]
    rows = []  # one per (corpus, speaker, k): mean gain over draws per method
    for corpus, a in sorted(arrays.items()):
        w, b = a["w"].astype(np.float64), a["b"].astype(np.float64)
        for spk in sorted(set(a["speaker"].tolist())):
            idx = np.flatnonzero(a["speaker"] == spk)
            ys = a["y"][idx]
            counts = np.bincount(ys, minlength=len(LABELS))
            for k in KS:
                if counts.min() <= k:
                    continue
                gains = {m: [] for m in methods}
                base = []
                for d in range(draws):
                    rng = np.random.default_rng([KS.index(k), d, int(sum(map(ord, f"{corpus}/{spk}")))])
                    shots = np.concatenate([rng.choice(idx[ys == c], k, replace=False) for c in range(len(LABELS))])
                    test = np.setdiff1d(idx, shots)
                    xs, yy = a["x"][shots].astype(np.float64), a["y"][shots]
                    xt, yt = a["x"][test].astype(np.float64), a["y"][test]
                    u0 = uar(a["p"][test], yt)
                    base.append(u0)
                    for name, recipe in RECIPES.items():
                        w1, b1 = fit(w, b, xs, yy, recipe)
                        gains[name].append(uar(cal_predict(w1, b1, xt), yt) - u0)
                    gains["ncm"].append(uar(ncm(w, b, xs, yy, xt), yt) - u0)
                rows.append({"corpus": corpus, "speaker": spk, "k": k, "n_test": int(len(idx) - k * len(LABELS)),
                             "uar_uncalibrated": float(np.mean(base)),
                             "gain": {m: float(np.mean(g)) for m, g in gains.items()}})
    table = {}
    for k in KS:
        rk = [r for r in rows if r["k"] == k]
        if not rk:
            continue
        entry = {"speakers": len(rk), "speakers_per_corpus": {c: sum(r["corpus"] == c for r in rk) for c in arrays},
                 "uar_uncalibrated": float(np.mean([r["uar_uncalibrated"] for r in rk]))}
        for m in methods:
            g = np.array([r["gain"][m] for r in rk])
            entry[m] = {"mean_gain": float(g.mean()), "std_gain": float(g.std()), "min_gain": float(g.min()),
                        "share_of_speakers_helped": float((g > 0).mean()),
                        "per_corpus": {c: float(np.mean([r["gain"][m] for r in rk if r["corpus"] == c]))
                                       for c in arrays if any(r["corpus"] == c for r in rk)}}
        table[str(k)] = entry
    return {"methods": {m: (asdict(r) if m in RECIPES else "nearest class mean blended with the head (Python only)")
                        for m, r in ((m, RECIPES.get(m)) for m in methods)},
            "table": table, "speakers": rows}


def uncertainty_study(p: np.ndarray, y: np.ndarray, corpus: np.ndarray) -> dict:
    """Accuracy above/below each top-probability threshold, over all held-out clips (each corpus
    weighted by its clips) and per corpus; the threshold the rule picks."""
    corpora = sorted(set(corpus.tolist()))
    top, right = p.max(1), p.argmax(1) == y
    grid = []
    for t in np.round(np.arange(0.30, 0.951, 0.05), 2):
        below = top < t
        grid.append({"threshold": float(t), "marked": float(below.mean()),
                     "accuracy_above": float(right[~below].mean()) if (~below).any() else None,
                     "accuracy_below": float(right[below].mean()) if below.any() else None,
                     "per_corpus": {c: {"marked": float(below[corpus == c].mean()),
                                        "accuracy_above": float(right[(corpus == c) & ~below].mean())
                                        if ((corpus == c) & ~below).any() else None,
                                        "accuracy_below": float(right[(corpus == c) & below].mean())
                                        if ((corpus == c) & below).any() else None}
                                    for c in corpora}})
    for g in grid:  # each corpus counts the same (nEMO has 3,076 of the 4,086 clips)
        above = [e["accuracy_above"] for e in g["per_corpus"].values()]
        g["accuracy_above_corpus_mean"] = float(np.mean(above)) if None not in above else None
    chosen = next((g for g in grid if (g["accuracy_above_corpus_mean"] or 0) >= TARGET_ACCURACY_ABOVE), None)
    return {"n": int(len(y)), "accuracy": float(right.mean()),
            "rule": f"lowest threshold (0.05 grid) at which results at or above it are right at least "
                    f"{100 * TARGET_ACCURACY_ABOVE:.0f} % of the time, mean over the held-out corpora",
            "uncertain_below": chosen["threshold"] if chosen else None, "grid": grid}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", nargs="+", required=True)
    ap.add_argument("--draws", type=int, default=5)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE_DIR / "calibration-study")
    ap.add_argument("--resemblyzer-clips", type=Path, default=None,
                    help="npz from `training.experiments.shipped_model --clips` for public/models/resemblyzer-emodb")
    args = ap.parse_args()
    torch.set_num_threads(1)
    arrays = fold_arrays(args, args.cache)
    runs = json.loads(HEADS_JSON.read_text())["runs"]
    check = {}
    for c, a in sorted(arrays.items()):
        ref = [r for r in runs if r["upstream"] == UPSTREAM and r["norm"] == NORM and r["held_out"] == c
               and r.get("prior_frames") == PRIOR_FRAMES and r.get("protocol", "loco") == "loco" and not r.get("augment")
               and {k: v for k, v in r["config"].items() if k != "threads"}
               == {k: v for k, v in asdict(SHIPPED_CFG).items() if k != "threads"}]
        check[c] = {"n": int(len(a["y"])), "uar": summarise(a["p"].astype(np.float64), a["y"], LABELS)["uar"],
                    "uar_in_cross_corpus_heads_json": ref[0]["all"]["uar"] if ref else None}
        print(c, check[c], flush=True)
    t0 = time.perf_counter()
    cal = calibration_study(arrays, args.draws)
    cal.update(protocol=__doc__.split("\n\n")[1].replace("\n", " "), upstream=UPSTREAM, norm=NORM,
               prior_frames=PRIOR_FRAMES, head_config=asdict(SHIPPED_CFG), draws=args.draws, held_out=check,
               seconds=round(time.perf_counter() - t0, 1),
               command="nice .venv/bin/python -m training.experiments.calibration_study --corpus "
                       "emodb=../shared/data/emodb ravdess=/work/corpora/ravdess nemo=/work/corpora/nemo"
                       + (f" --resemblyzer-clips {RESEMBLYZER_CLIPS_HINT}" if args.resemblyzer_clips else ""))
    (RESULTS / "calibration.json").write_text(json.dumps(cal, indent=1) + "\n")
    unc = uncertainty_study(np.concatenate([a["p"] for a in arrays.values()]),
                            np.concatenate([a["y"] for a in arrays.values()]),
                            np.concatenate([[c] * len(a["y"]) for c, a in arrays.items()]))
    unc["model"] = "public/models/default (its leave-one-corpus-out fold heads, page mode, uncalibrated)"
    if args.resemblyzer_clips:  # per-clip probabilities of training.experiments.shipped_model --clips
        r = np.load(args.resemblyzer_clips)
        unc["resemblyzer-emodb"] = {"model": "public/models/resemblyzer-emodb (trained on EmoDB; RAVDESS and nEMO unseen)",
                                    **uncertainty_study(r["p"], r["y"], r["corpus"])}
    unc.update(held_out=check, command=cal["command"])
    (RESULTS / "uncertainty.json").write_text(json.dumps(unc, indent=1) + "\n")
    print("\n".join(markdown_calibration(cal) + [""] + markdown_uncertainty(unc)))
    if "resemblyzer-emodb" in unc:
        print("\n".join(["", "resemblyzer-emodb:"] + markdown_uncertainty(unc["resemblyzer-emodb"])))


def markdown_calibration(cal: dict) -> list[str]:
    """The k x method table of docs/results/calibration.md: UAR gain, mean ± std over speakers."""
    ks = list(cal["table"])
    lines = ["| method | " + " | ".join(f"k={k} ({cal['table'][k]['speakers']} spk)" for k in ks) + " |",
             "|---|" + "---|" * len(ks),
             "| uncalibrated UAR | " + " | ".join(f"{100 * cal['table'][k]['uar_uncalibrated']:.1f}" for k in ks) + " |"]
    for m in cal["methods"]:
        lines.append(f"| {m} | " + " | ".join(
            f"{100 * cal['table'][k][m]['mean_gain']:+.1f} ± {100 * cal['table'][k][m]['std_gain']:.1f}" for k in ks) + " |")
    return lines


def markdown_uncertainty(unc: dict) -> list[str]:
    """The threshold table of docs/results/uncertainty.md."""
    corpora = sorted(unc["grid"][0]["per_corpus"])

    def pct(v):
        return "-" if v is None else f"{100 * v:.1f}"
    lines = ["| threshold | marked uncertain | accuracy above | accuracy below | accuracy above, corpus mean | "
             + " | ".join(f"{c}: marked / above / below" for c in corpora) + " |",
             "|---|---|---|---|---|" + "---|" * len(corpora)]
    for g in unc["grid"]:
        lines.append(f"| {g['threshold']:.2f} | {pct(g['marked'])} | {pct(g['accuracy_above'])} | {pct(g['accuracy_below'])} "
                     f"| {pct(g['accuracy_above_corpus_mean'])} | "
                     + " | ".join(f"{pct(e['marked'])} / {pct(e['accuracy_above'])} / {pct(e['accuracy_below'])}"
                                  for _, e in sorted(g["per_corpus"].items())) + " |")
    return lines


if __name__ == "__main__":
    main()
