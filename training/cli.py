"""Command line: ``python -m training build | evaluate | export-upstream ...``.

build: upstream -> cached features -> (optional LOSO metrics) -> final head -> upstream
variants + head ONNX -> fidelity report -> model card -> manifest.json.
evaluate: leave-one-group-out grid over poolings x label smoothings -> results JSON.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shlex
import sys
import time
from dataclasses import asdict, fields, replace
from pathlib import Path

import numpy as np
import torch

from .data import Utterance, load_csv, load_emodb, load_iemocap
from .data.corpora import load_corpora
from .domain import PRIOR_FILE, PRIOR_FRAMES, STD_FLOOR, FrameSums, NormalisedStore, frame_sums, group_stats, session_stats
from .evaluate import cross_validate, evaluate_grid, train_final
from .features import DEFAULT_CACHE_DIR, FeatureStore, extract_features, upstream_cache_id
from .heads import POOLINGS
from .train import TrainConfig

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA_ROOTS = {"emodb": REPO.parent / "shared" / "data" / "emodb"}
ALL_VARIANTS = ("fp32", "fp16", "q8", "q4", "int8")
DATASET_NAMES = {"emodb": "EmoDB (Burkhardt et al., 2005)", "iemocap": "IEMOCAP (Busso et al., 2008)", "csv": "custom CSV",
                 "corpora": "EmoDB + RAVDESS + nEMO"}


# --------------------------------------------------------------------------- data


def load_dataset(kind: str, root: Path | None, classes: str, corpora: list[str] | None = None) -> tuple[list[Utterance], str]:
    """(utterances, dataset id for the feature cache)."""
    if kind == "corpora":
        if not corpora:
            raise SystemExit("--data corpora needs --corpus NAME=FOLDER [NAME=FOLDER ...] (emodb, ravdess, nemo)")
        return load_corpora(corpora), "corpora"
    if kind == "emodb":
        return load_emodb(root or DEFAULT_DATA_ROOTS["emodb"], classes), "emodb"
    if kind == "iemocap":
        if root is None:
            raise SystemExit("--data iemocap needs --data-root <folder with Session1..Session5>")
        return load_iemocap(root), "iemocap"
    if kind == "csv":
        if root is None:
            raise SystemExit("--data csv needs --data-root <file.csv>")
        digest = hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:10]
        return load_csv(root), f"csv-{digest}"
    raise SystemExit(f"unknown --data {kind!r}")


def subset(utts: list[Utterance], groups: list[str] | None, per_group: int | None) -> list[Utterance]:
    """Keep ``groups`` (all if None) and at most ``per_group`` utterances each, taken
    round-robin over labels so every class stays represented."""
    if groups:
        missing = set(groups) - {u.group for u in utts}
        if missing:
            raise SystemExit(f"unknown speaker/group(s): {sorted(missing)}")
        utts = [u for u in utts if u.group in set(groups)]
    if not per_group:
        return utts
    out = []
    for g in sorted({u.group for u in utts}):
        by_label: dict[str, list[Utterance]] = {}
        for u in utts:
            if u.group == g:
                by_label.setdefault(u.label, []).append(u)
        queues = [by_label[k] for k in sorted(by_label)]
        picked: list[Utterance] = []
        while len(picked) < per_group and any(queues):
            for q in queues:
                if q and len(picked) < per_group:
                    picked.append(q.pop(0))
        out += picked
    return out


# --------------------------------------------------------------------------- upstream + features


def prepare(args: argparse.Namespace):
    """Build the upstream, load + subset the data, cache features -> (up, utts, labels, store, ids)."""
    from .upstream.registry import build_upstream

    threads = args.threads if args.threads is not None else TrainConfig().threads
    if threads > 0:
        torch.set_num_threads(threads)
    up = build_upstream(args.upstream)
    utts, dataset_id = load_dataset(args.data, args.data_root, args.classes, getattr(args, "corpus", None))
    utts = subset(utts, args.speakers.split(",") if args.speakers else None, args.limit_per_group)
    if not utts:
        raise SystemExit("no utterances selected")
    labels = sorted({u.label for u in utts})
    up_id = upstream_cache_id(args.upstream, up)
    t0 = time.perf_counter()
    store = extract_features(up, utts, args.cache_dir, f"{up_id}/{dataset_id}", progress=not args.quiet)
    print(f"features: {len(utts)} utterances, L={store.num_layers} D={store.dim}, "
          f"{time.perf_counter() - t0:.1f}s ({store.directory})", file=sys.stderr)
    return up, utts, labels, store


def train_config(args: argparse.Namespace, **over: object) -> TrainConfig:
    """TrainConfig from the CLI's --<field> options (only those given)."""
    cfg = TrainConfig()
    given = {f.name: getattr(args, f.name) for f in fields(TrainConfig)
             if f.name not in ("pooling", "label_smoothing") and getattr(args, f.name, None) is not None}
    return replace(cfg, **given, **over)


# --------------------------------------------------------------------------- commands


DOMAIN_NORMS = ["none", "session", "session-running"]
#: Few-shot calibration recipe written into built models (training/calibration.py; chosen on
#: unseen-corpus speakers in docs/results/calibration.md).
CALIBRATION = {"method": "linear", "l2": 0.1, "steps": 500, "lr": 1.0, "min_per_class": 2}
LANGUAGES = {"emodb": "German", "ravdess": "English (North American)", "nemo": "Polish"}


def evaluation_from(path: Path, upstream: str, norm: str, cfg: TrainConfig, prior_frames: float = PRIOR_FRAMES) -> dict:
    """The manifest's ``evaluation`` from cross-corpus results (training.experiments.cross_corpus_heads)
    of exactly this recipe: same upstream, normalisation and TrainConfig; one run per held-out
    corpus, and the speaker-fold runs inside each corpus where there are any."""
    doc = json.loads(Path(path).read_text())

    def recipe(c: dict) -> dict:  # thread count changes speed, not the result
        return {k: v for k, v in c.items() if k != "threads"}

    same = [r for r in doc["runs"] if r["upstream"] == upstream and r["norm"] == norm
            and recipe(r["config"]) == recipe(asdict(cfg)) and r.get("prior_frames", PRIOR_FRAMES) == prior_frames
            and not r.get("augment")]  # `training build` trains without augmentation
    runs = {r["held_out"]: r for r in same if r.get("protocol", "loco") == "loco"}
    if not runs:
        raise SystemExit(f"{path}: no leave-one-corpus-out runs of {upstream} / {norm} / {asdict(cfg)}")

    def entry(corpus: str, r: dict) -> dict:
        e = {"n": r["all"]["n"], "language": LANGUAGES.get(corpus, "?"), "accuracy": r["all"]["accuracy"],
             "uar": r["all"]["uar"], "ece": r["all"]["ece"], "recall": r["all"]["recall"]}
        if "first" in r:  # every clip as the page's first utterance (training statistics + its own frames)
            e["uar_cold"] = r["first"]["uar"]
        return e

    loco = {c: entry(c, r) for c, r in sorted(runs.items())}
    out = {
        "protocol": "leave-one-corpus-out: trained on the other corpora, tested on the held-out one (4 classes); "
                    + ("each held-out speaker's clips in random order with running statistics from the training "
                       "statistics, as the page does; 'uar_cold' = every clip as the first utterance the page hears"
                       if norm.startswith("session") else "no domain normalisation"),
        "source": str(Path(path).name),
        "leave_one_corpus_out": loco,
        "mean_uar_loco": float(np.mean([e["uar"] for e in loco.values()])),
    }
    if all("uar_cold" in e for e in loco.values()):
        out["mean_uar_loco_cold"] = float(np.mean([e["uar_cold"] for e in loco.values()]))
    loso: dict[str, list[dict]] = {}
    for r in same:
        if r.get("protocol") == "loso":
            loso.setdefault(r["held_out"].split("#")[0], []).append(r)
    if loso:
        # Mean over speaker folds (each fold a disjoint group of held-out speakers).
        out["leave_one_speaker_out"] = {c: {
            "n": int(sum(r["all"]["n"] for r in rs)), "language": LANGUAGES.get(c, "?"),
            "accuracy": float(np.mean([r["all"]["accuracy"] for r in rs])),
            "uar": float(np.mean([r["all"]["uar"] for r in rs])),
        } for c, rs in sorted(loso.items())}
    return out


EVAL_BEGIN, EVAL_END = "<!-- evaluation:begin -->", "<!-- evaluation:end -->"


def evaluation_card_lines(ev: dict) -> list[str]:
    lines = [EVAL_BEGIN, "### On corpora it never saw (leave-one-corpus-out)", ev["protocol"] + ".", "",
             "| held-out corpus | language | clips | accuracy | UAR | UAR, first utterance | ECE | recall per class |",
             "|---|---|---|---|---|---|---|---|"]
    for c, e in ev["leave_one_corpus_out"].items():
        recall = ", ".join(f"{k} {100 * v:.0f}" for k, v in e["recall"].items())
        cold = f"{100 * e['uar_cold']:.1f}" if "uar_cold" in e else "-"
        lines.append(f"| {c} | {e['language']} | {e['n']} | {100 * e['accuracy']:.1f} | {100 * e['uar']:.1f} | {cold} "
                     f"| {e['ece']:.3f} | {recall} |")
    lines += ["", f"Mean UAR over held-out corpora: **{100 * ev['mean_uar_loco']:.1f} %**"
              + (f" (every clip as the first utterance, before any adaptation: {100 * ev['mean_uar_loco_cold']:.1f} %)"
                 if "mean_uar_loco_cold" in ev else "") + ".", ""]
    if "leave_one_speaker_out" in ev:
        lines += ["### Inside each corpus (speakers never shared between training and test)", "",
                  "| corpus | language | clips | accuracy | UAR |", "|---|---|---|---|---|"]
        lines += [f"| {c} | {e['language']} | {e['n']} | {100 * e['accuracy']:.1f} | {100 * e['uar']:.1f} |"
                  for c, e in ev["leave_one_speaker_out"].items()]
        lines.append("")
    return lines + [EVAL_END, ""]


def cmd_evaluation(args: argparse.Namespace) -> dict:
    """Refreshes an exported model's ``evaluation`` (manifest.json and the card's section between
    the evaluation markers) from the results JSON, for the recipe given by the same flags as build."""
    from .manifest import MANIFEST, validate

    out = Path(args.out)
    manifest = json.loads((out / MANIFEST).read_text())
    cfg = train_config(args, pooling=args.head, label_smoothing=args.label_smoothing)
    ev = evaluation_from(args.evaluation_from, args.upstream, args.domain_norm, cfg, args.prior_frames)
    if "uncertain_below" in manifest.get("evaluation", {}):  # chosen separately (docs/results/uncertainty.md)
        ev["uncertain_below"] = manifest["evaluation"]["uncertain_below"]
    manifest["evaluation"] = ev
    validate(manifest)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    card = out / manifest["model_card"]
    text = card.read_text()
    if EVAL_BEGIN in text:
        pre, _, rest = text.partition(EVAL_BEGIN)
        _, _, post = rest.partition(EVAL_END)
    elif "\n## Evaluation\n" in text:  # a card built without an evaluation: the section opens it
        pre, _, post = text.partition("\n## Evaluation\n")
        pre, post = pre + "\n## Evaluation\n", "\n" + post
    else:
        raise SystemExit(f"{card}: no '## Evaluation' section to write into")
    card.write_text(pre + "\n".join(evaluation_card_lines(ev)).rstrip("\n") + post)
    return ev


def model_card_text(name: str, up, args: argparse.Namespace, labels: list[str], cfg: TrainConfig,
                    metrics: dict | None, n_utts: int, fidelity: dict | None, evaluation: dict | None = None) -> str:
    """MODEL_CARD.md contents (facts only; what we measured and how)."""
    info = up.info
    lines = [
        f"# {name}", "",
        "Speech emotion recognition in the browser: self-supervised upstream -> learned layer weights -> "
        "Linear(D->256) -> " + {"corrap": "attentive correlation pooling (Kakouros et al., ICASSP 2023)",
                                 "cp": "correlation pooling", "mean": "mean pooling",
                                 "meanstd": "mean+std pooling"}[cfg.pooling] + " -> linear classifier.", "",
        "## Parts",
        f"- Upstream: `{info.name}` ({info.kind}, {info.num_layers} hidden states x {info.dim} dims, "
        f"{info.downsample_rate} samples/frame, normalisation `{info.normalization}`). Licence: {info.licence}. "
        f"Provenance: {info.provenance}.",
        f"- Head: `{cfg.pooling}`, label smoothing {cfg.label_smoothing}, Adam lr {cfg.lr}, batch {cfg.batch_size} "
        f"x accumulation {cfg.grad_accum}, early stopping (patience {cfg.patience}) on a "
        f"{int(cfg.dev_fraction * 100)}% stratified dev split; trained on {n_utts} utterances of "
        f"{DATASET_NAMES[args.data]} ({args.classes if args.data == 'emodb' else len(labels)} classes).",
        f"- Labels (output order): {', '.join(labels)}.", "",
        "## Evaluation",
    ]
    if evaluation:
        lines += evaluation_card_lines(evaluation)
    if metrics:
        lines += [
            f"Protocol: {metrics['protocol']} ({len(metrics['folds'])} folds, speakers/sessions never shared "
            "between training and test).", "",
            f"- Accuracy: {100 * metrics['mean_accuracy']:.1f} ± {100 * metrics['std_accuracy']:.1f} % (mean ± std over folds)",
            f"- Unweighted average recall: {100 * metrics['mean_uar']:.1f} % (mean over folds)", "",
            "| fold | n | accuracy | UAR |", "|---|---|---|---|",
        ]
        lines += [f"| {f['group']} | {f['n_test']} | {100 * f['accuracy']:.1f} | {100 * f['uar']:.1f} |" for f in metrics["folds"]]
    elif not evaluation:
        lines.append("Not evaluated in this build (run `python -m training build ... --evaluate`).")
    if fidelity is not None:
        lines += ["", "## Upstream variants", "Fidelity of each ONNX variant against PyTorch fp32 on real audio: see `fidelity.json`."]
    lines += [
        "", "## Intended use and limits",
        "Acted emotional speech in one language is a narrow training set: expect lower accuracy on spontaneous "
        "speech, other languages, microphones and noise. Not for decisions about people.",
        "", f"Built with: `{getattr(args, 'command_line', 'python -m training build ...')}`.",
    ]
    return "\n".join(lines) + "\n"


def cmd_build(args: argparse.Namespace) -> dict:
    """Run the whole chain; returns {"manifest", "head", "upstream", "store", "utts"}."""
    from .data.corpora import corpus_of
    from .export.head_onnx import classifier_weights, export_head_onnx, write_classifier
    from .manifest import CLASSIFIER_FILE, metrics_from_cv, training_data_from, write_manifest

    t_start = time.perf_counter()
    up, utts, labels, store = prepare(args)
    cfg = train_config(args, pooling=args.head, label_smoothing=args.label_smoothing)
    train_store, prior = store, None
    if args.domain_norm.startswith("session"):
        # Training speakers are normalised by their own statistics; the page starts from the
        # statistics of all training frames (the prior) and adapts to its user (training/domain.py).
        sums = frame_sums(store, utts)
        prior = FrameSums.total(sums).mean_std()
        if args.domain_norm == "session":  # each speaker by all their frames
            stats = group_stats(utts, sums, lambda u: u.speaker)
        else:  # each speaker as the page sees its user: running statistics over a random order
            stats, _ = session_stats(utts, range(len(utts)), sums, prior, seed=1, prior_frames=args.prior_frames)
        train_store = NormalisedStore(store, stats)
    metrics = None
    if args.evaluate:
        cv = cross_validate(train_store, utts, labels, cfg, progress=not args.quiet)
        metrics = metrics_from_cv(cv, args.data)
        print(f"LOGO: accuracy {cv['mean_accuracy']:.3f} ± {cv['std_accuracy']:.3f}, UAR {cv['mean_uar']:.3f} "
              f"({cv['seconds']:.0f}s)", file=sys.stderr)
    head = train_final(train_store, utts, labels, cfg)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = args.name or out.name
    variant_ids = [v for v in args.variants.split(",") if v]
    variants = export_upstream_variants(up, out, variant_ids)
    head_path = export_head_onnx(head, store.num_layers, store.dim, out / "head.onnx", domain_inputs=prior is not None,
                                 pooled=True)
    # The final linear layer, for few-shot calibration in the page (training/calibration.py).
    write_classifier(*classifier_weights(head), out / CLASSIFIER_FILE)
    domain, head_feeds = None, None
    if prior is not None:
        np.concatenate([prior[0].ravel(), prior[1].ravel()]).astype("<f4").tofile(out / PRIOR_FILE)
        domain = {"type": "session_running", "prior": PRIOR_FILE, "prior_frames": args.prior_frames, "std_floor": STD_FLOOR}
        head_feeds = {"domain_mean": prior[0], "domain_std": prior[1]}
    evaluation = (evaluation_from(args.evaluation_from, args.upstream, args.domain_norm, cfg, args.prior_frames)
                  if args.evaluation_from else None)

    fidelity = None
    if not args.no_fidelity:
        from .export.fidelity import variant_fidelity

        step = max(1, len(utts) // max(1, args.fidelity_files))  # spread over speakers and classes
        wavs = [u.path for u in utts[::step][: args.fidelity_files]]
        paths = {v.id: out / Path(v.file).name for v in variants}
        fidelity = variant_fidelity(up, paths, wavs, head_onnx=head_path, out=out / "fidelity.json", head_feeds=head_feeds)
        variants = drop_unfaithful_variants(variants, fidelity, out, args.max_prob_diff)
    (out / "MODEL_CARD.md").write_text(model_card_text(name, up, args, labels, cfg, metrics, len(utts), fidelity, evaluation))
    manifest = write_manifest(
        out, name=name, version=args.version, labels=labels, upstream=up.info, variants=variants,
        head_file=head_path.name, head_type=cfg.pooling, label_smoothing=cfg.label_smoothing,
        description=args.description or f"{up.info.name} + {cfg.pooling} head, {DATASET_NAMES[args.data]}",
        licence=args.licence or f"upstream: {up.info.licence}; head: {args.head_licence}",
        provenance=f"python -m training build --upstream {args.upstream} --data {args.data} --head {cfg.pooling}",
        head_licence=args.head_licence,
        head_provenance=f"trained on {len(utts)} utterances of {DATASET_NAMES[args.data]}; config {json.dumps(asdict(cfg))}",
        metrics=metrics, fidelity_file="fidelity.json" if fidelity is not None else None,
        domain_normalization=domain, evaluation=evaluation, head_attention=head.has_attention,
        # Single-corpus builds do not prefix ids with the corpus: the --data name is the corpus.
        training_data=training_data_from(utts, corpus_of if args.data == "corpora" else (lambda u: args.data)),
        head_pooled={"dim": head.classifier.in_features, "classifier": CLASSIFIER_FILE}, calibration=CALIBRATION,
    )
    print(f"wrote {out / 'manifest.json'} ({time.perf_counter() - t_start:.0f}s)", file=sys.stderr)
    return {"manifest": manifest, "head": head, "upstream": up, "store": store, "utts": utts}


def drop_unfaithful_variants(variants: list, fidelity: dict, out: Path, max_prob_diff: float) -> list:
    """Keep fp32 and every variant whose head output stays faithful to PyTorch fp32 on the
    fidelity files (same top-1 everywhere, probabilities within ``max_prob_diff``); delete
    the others' files so the browser can never pick a variant that changes answers."""
    kept = []
    for v in variants:
        f = fidelity["variants"].get(v.id, {})
        agree, diff = f.get("top1_agreement"), f.get("max_prob_diff")
        if v.id != "fp32" and agree is not None and (agree < 1.0 or diff > max_prob_diff):
            print(f"dropping variant {v.id}: top-1 agreement {agree:.3f}, max probability difference {diff:.3f} "
                  f"(limit {max_prob_diff}); see fidelity.json", file=sys.stderr)
            (out / Path(v.file).name).unlink(missing_ok=True)
            fidelity["variants"][v.id]["dropped"] = True
            continue
        kept.append(v)
    (out / "fidelity.json").write_text(json.dumps(fidelity, indent=1))
    return kept


def export_upstream_variants(up, out: Path, variant_ids: list[str]) -> list:
    """export.variants.export_variants, file names relative to ``out``."""
    from .export.variants import export_variants

    unknown = set(variant_ids) - set(ALL_VARIANTS)
    if unknown:
        raise SystemExit(f"unknown variant(s) {sorted(unknown)}; choose from {','.join(ALL_VARIANTS)}")
    return list(export_variants(up, out, variant_ids))


def cmd_export_upstream(args: argparse.Namespace) -> list:
    from .upstream.registry import build_upstream

    torch.set_num_threads(args.threads)
    up = build_upstream(args.upstream)
    variants = export_upstream_variants(up, Path(args.out), [v for v in args.variants.split(",") if v])
    for v in variants:
        print(f"{v.id}: {v.file} {v.bytes} bytes", file=sys.stderr)
    return variants


def cmd_evaluate(args: argparse.Namespace) -> dict:
    t0 = time.perf_counter()
    up, utts, labels, store = prepare(args)
    poolings = [h for h in args.heads.split(",") if h]
    unknown = set(poolings) - set(POOLINGS)
    if unknown:
        raise SystemExit(f"unknown head(s) {sorted(unknown)}; choose from {','.join(POOLINGS)}")
    smoothings = [float(x) for x in str(args.label_smoothing).split(",") if x != ""]
    meta = dict(upstream=args.upstream, upstream_info=asdict(up.info), dataset=args.data, classes=args.classes,
                n_utterances=len(utts), groups=sorted({u.group for u in utts}))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)

    def save(partial: dict) -> None:  # after every run, so a long grid never loses finished runs
        out.write_text(json.dumps({**partial, **meta, "seconds": round(time.perf_counter() - t0, 1)}, indent=2) + "\n")

    result = evaluate_grid(store, utts, labels, poolings, smoothings, train_config(args),
                           progress=not args.quiet, on_run=save)
    result.update(meta, seconds=round(time.perf_counter() - t0, 1))
    save(result)
    for r in result["runs"]:
        print(f"{r['pooling']:8s} ls={r['label_smoothing']:<4} acc {100 * r['mean_accuracy']:.1f} ± "
              f"{100 * r['std_accuracy']:.1f}  UAR {100 * r['mean_uar']:.1f}  ({r['seconds']:.0f}s)", file=sys.stderr)
    return result


# --------------------------------------------------------------------------- argparse


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--upstream", required=True, help="hf:<dir|hub id>, tiny:wavlm, speech_embedding, ...")
    p.add_argument("--data", choices=["emodb", "iemocap", "csv", "corpora"], default="emodb")
    p.add_argument("--corpus", nargs="+", default=None,
                   help="with --data corpora: NAME=FOLDER for emodb, ravdess, nemo (official layouts; 4 shared classes)")
    p.add_argument("--data-root", type=Path, default=None,
                   help="dataset folder (emodb default: ../shared/data/emodb), or the CSV file for --data csv")
    p.add_argument("--classes", choices=["4", "7"], default="4", help="EmoDB class set")
    p.add_argument("--speakers", default=None, help="comma-separated speakers/groups to keep (quick runs)")
    p.add_argument("--limit-per-group", type=int, default=None, help="at most N utterances per speaker/group")
    p.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    for f in fields(TrainConfig):
        if f.name in ("pooling", "label_smoothing"):
            continue
        p.add_argument(f"--{f.name.replace('_', '-')}", type=type(f.default), default=None,
                       help=f"TrainConfig.{f.name} (default {f.default})")


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m training", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="train the final head and write a browser model folder")
    _common(b)
    b.add_argument("--head", choices=sorted(POOLINGS), default="corrap")
    b.add_argument("--label-smoothing", type=float, default=0.1)
    b.add_argument("--variants", default=",".join(ALL_VARIANTS), help="upstream variants to export")
    b.add_argument("--out", required=True, type=Path, help="e.g. public/models/<name>")
    b.add_argument("--name", default=None, help="model name (default: the --out folder name)")
    b.add_argument("--version", default="1.0.0")
    b.add_argument("--description", default=None)
    b.add_argument("--evaluate", action="store_true", help="also run leave-one-group-out and record metrics")
    b.add_argument("--fidelity-files", type=int, default=8, help="audio files for the variant fidelity report")
    b.add_argument("--no-fidelity", action="store_true")
    b.add_argument("--max-prob-diff", type=float, default=0.05,
                   help="drop upstream variants whose head probabilities differ more than this from fp32 (or change a top-1)")
    b.add_argument("--licence", default=None, help="overall licence line (default: upstream's and head's)")
    b.add_argument("--head-licence", default="MIT", help="licence of the trained head weights")
    b.add_argument("--domain-norm", choices=DOMAIN_NORMS, default="none",
                   help="session: training speakers normalised by all their frames; session-running: by running "
                        "statistics over their clips in random order; both: running statistics of the user's speech in the page")
    b.add_argument("--prior-frames", type=float, default=PRIOR_FRAMES,
                   help="weight of the training statistics in the page's running estimate, in frames")
    b.add_argument("--evaluation-from", type=Path, default=None,
                   help="cross-corpus results JSON (training.experiments.cross_corpus_heads) to record for this recipe")

    e = sub.add_parser("evaluate", help="leave-one-group-out grid over heads x label smoothing")
    _common(e)
    e.add_argument("--heads", default=",".join(POOLINGS))
    e.add_argument("--label-smoothing", default="0.1", help="comma-separated, e.g. 0,0.1")
    e.add_argument("--out", required=True, type=Path, help="results JSON")

    v = sub.add_parser("evaluation", help="refresh a built model's evaluation (manifest + card) from results JSON")
    _common(v)
    v.add_argument("--head", choices=sorted(POOLINGS), default="corrap")
    v.add_argument("--label-smoothing", type=float, default=0.1)
    v.add_argument("--domain-norm", choices=DOMAIN_NORMS, default="none")
    v.add_argument("--prior-frames", type=float, default=PRIOR_FRAMES)
    v.add_argument("--evaluation-from", type=Path, required=True)
    v.add_argument("--out", required=True, type=Path, help="the model folder")

    x = sub.add_parser("export-upstream", help="export upstream ONNX variants only")
    x.add_argument("--upstream", required=True)
    x.add_argument("--variants", default=",".join(ALL_VARIANTS))
    x.add_argument("--out", required=True, type=Path)
    x.add_argument("--threads", type=int, default=1)
    return ap


def main(argv: list[str] | None = None):
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    args.command_line = "python -m training " + " ".join(shlex.quote(a) for a in argv)
    return {"build": cmd_build, "evaluate": cmd_evaluate, "export-upstream": cmd_export_upstream,
            "evaluation": cmd_evaluation}[args.command](args)
