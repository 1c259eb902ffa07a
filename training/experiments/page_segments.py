"""What the shipped recipe scores on what the page feeds it: VAD segments, not whole corpus clips.

The page never classifies a whole clip: its VAD (src/vad/pipeline.ts, Silero v5, pre-speech pad
300 ms, post 200 ms) cuts utterance segments and the model sees only those. The published
leave-one-corpus-out numbers (docs/results/cross-corpus.md) are on whole clips, with the corpora's
leading and trailing silence. This study (docs/results/page-segments.md) re-runs the shipped
recipe's LOCO folds exactly as training.experiments.calibration_study ``fold_arrays`` does
(whisper-base, meanstd head, session-running normalisation, prior 2000 frames, same seeds) and
classifies each held-out clip as the page would: the span of its VAD segments (first segment's
start to last segment's end) through the upstream, running statistics over the speaker's clips in
the same seeded random order (and each clip as a first utterance). Clips without a segment are
counted and left out. ``--train-on`` segments also trains the heads on the segment features.

Steps (segments come from the page's own code, in Node):
  python -m training.experiments.page_segments clips --corpus ... --out CLIPS.json
  PAGESEG_CLIPS=CLIPS.json PAGESEG_OUT=SEGMENTS.json npx vitest run -c bench/vitest.page-segments.config.ts
  python -m training.experiments.page_segments features --corpus ... --segments SEGMENTS.json
  python -m training.experiments.page_segments study --corpus ... --segments SEGMENTS.json
Segment features go to SEGMENT_CACHE (never the whole-clip cache: same utterance ids).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from training.audio import read_audio
from training.data.corpora import corpus_of, load_corpora
from training.domain import FrameSums, NormalisedStore, frame_sums, running_stats, session_stats
from training.evaluate import split_dev
from training.experiments.calibration_study import PRIOR_FRAMES, SHIPPED_CFG, UPSTREAM, pooled_and_probs
from training.experiments.cross_corpus_heads import LABELS, folds
from training.experiments.cross_corpus_rank import feature_dir, utterance_sums
from training.features import DEFAULT_CACHE_DIR, FeatureStore, upstream_cache_id
from training.heads import EmotionHead
from training.metrics import summarise
from training.train import train_head
from training.upstream.candidates import build_spec

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "docs" / "results"
#: Root of the segment-feature caches: a separate tree from training/.cache/features/<upstream>/corpora.
SEGMENT_CACHE = DEFAULT_CACHE_DIR / "page-segments"
SR = 16000


def segment_span(segments: list[list[int]]) -> tuple[int, int] | None:
    """The page's segments of one clip -> (start, end) samples from the first segment's start to the
    last one's end; None without a segment."""
    if not segments:
        return None
    start, end = int(segments[0][0]), int(segments[-1][1])
    if end <= start:
        raise ValueError(f"empty span {segments}")
    return start, end


def segment_counts(segments: dict[str, list], ids: list[str]) -> dict[str, int]:
    """How many clips give 0, 1 and 2+ segments."""
    n = [len(segments[i]) for i in ids]
    return {"0": sum(k == 0 for k in n), "1": sum(k == 1 for k in n), "2+": sum(k >= 2 for k in n)}


def trim_stats(utts, segments: dict[str, list]) -> dict:
    """Per corpus: mean clip duration, mean span duration and mean seconds cut before and after (s)."""
    import soundfile as sf

    out: dict[str, dict] = {}
    for c in sorted({corpus_of(u) for u in utts}):
        rows = []
        for u in utts:
            span = segment_span(segments[u.id]) if corpus_of(u) == c else None
            if span:
                info = sf.info(str(u.path))
                dur = info.frames / info.samplerate
                rows.append((dur, (span[1] - span[0]) / SR, span[0] / SR, max(0.0, dur - span[1] / SR)))
        a = np.array(rows)
        out[c] = {"clip_s": float(a[:, 0].mean()), "span_s": float(a[:, 1].mean()),
                  "cut_before_s": float(a[:, 2].mean()), "cut_after_s": float(a[:, 3].mean()),
                  "span_share": float((a[:, 1] / a[:, 0]).mean())}
    return out


def segments_tag(segments: dict[str, list]) -> str:
    """Short hash of the segments file's content (the feature cache folder is keyed by it)."""
    return hashlib.sha256(json.dumps(segments, sort_keys=True).encode()).hexdigest()[:10]


def segment_feature_dir(segments: dict[str, list]) -> Path:
    up = build_spec(UPSTREAM)
    return SEGMENT_CACHE / upstream_cache_id(UPSTREAM, up) / segments_tag(segments)


def extract_segment_features(utts, segments: dict[str, list], progress: bool = True) -> Path:
    """Hidden states of each clip's segment span, as training.features.extract_features computes them
    for whole clips (same upstream, fp16 .npy [L, T, D]), under segment_feature_dir."""
    up = build_spec(UPSTREAM)
    directory = SEGMENT_CACHE / upstream_cache_id(UPSTREAM, up) / segments_tag(segments)
    if directory.resolve() == feature_dir(UPSTREAM).resolve():
        raise RuntimeError("segment features would overwrite the whole-clip cache")
    directory.mkdir(parents=True, exist_ok=True)
    todo = [u for u in utts if segment_span(segments[u.id]) and not (directory / f"{u.id}.npy").exists()]
    up.eval()
    with torch.no_grad():
        for u in tqdm(todo, desc="segment features", disable=not progress or not todo, unit="utt", mininterval=30):
            s, e = segment_span(segments[u.id])
            audio = read_audio(u.path, SR)[s:e]
            hidden = up(torch.from_numpy(np.ascontiguousarray(audio)).unsqueeze(0))
            half = hidden.float().numpy().astype(np.float16)
            if not np.isfinite(half).all():
                raise ValueError(f"{u.id}: hidden states not finite in fp16")
            tmp = directory / f"{u.id}.tmp.npy"
            tmp.parent.mkdir(parents=True, exist_ok=True)
            np.save(tmp, half)
            tmp.replace(directory / f"{u.id}.npy")
    return directory


def evaluate(head, store, sums, utts, test: list[int], prior, y) -> dict:
    """Page mode (speaker sessions, seed 0, include current) and first utterance on ``test``."""
    stats, _ = session_stats(utts, test, sums, prior, prior_frames=PRIOR_FRAMES)
    test_utts = [utts[i] for i in test]
    _, p = pooled_and_probs(head, NormalisedStore(store, stats), test_utts)
    first = {utts[i].id: running_stats(prior[0], prior[1], PRIOR_FRAMES, sums[i]) for i in test}
    _, p1 = pooled_and_probs(head, NormalisedStore(store, first), test_utts)
    return {"session": summarise(p.astype(np.float64), y[test], LABELS),
            "first": summarise(p1.astype(np.float64), y[test], LABELS)}


def study(args) -> dict:
    utts = load_corpora(args.corpus)
    y = np.array([LABELS.index(u.label) for u in utts])
    segments = json.loads(Path(args.segments).read_text())
    ids = [u.id for u in utts]
    missing = [i for i in ids if i not in segments]
    if missing:
        raise SystemExit(f"{len(missing)} clips have no entry in {args.segments} (e.g. {missing[0]})")
    has = np.array([segment_span(segments[i]) is not None for i in ids])
    whole_sums = utterance_sums(UPSTREAM, utts)
    whole_store = FeatureStore(feature_dir(UPSTREAM), ids)
    heads_only = args.step == "heads"  # train (and cache) the whole-clip heads only
    seg_store, seg_sums = None, [None] * len(utts)
    if not heads_only:
        seg_utts = [u for u, h in zip(utts, has) if h]
        seg_store = FeatureStore(segment_feature_dir(segments), [u.id for u in seg_utts])
        pos = {i: k for k, i in enumerate(ids)}
        for u, s in zip(seg_utts, frame_sums(seg_store, seg_utts)):
            seg_sums[pos[u.id]] = s
    corpora = sorted({corpus_of(u) for u in utts})
    cfg = replace(SHIPPED_CFG, seed=args.seed)
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    out = {}
    held_list = args.held.split(",") if args.held else corpora
    for held, train_idx, test in folds(utts, args.protocol, corpora, held_list, args.folds):
        t0 = time.perf_counter()
        test_seg = [i for i in test if has[i]]
        res = {"clips": len(test), "segments": segment_counts(segments, [ids[i] for i in test]),
               "left_out_no_segment": [ids[i] for i in test if not has[i]]}
        if args.train_on == "whole":  # exactly calibration_study.fold_arrays' head
            prior = FrameSums.total([whole_sums[i] for i in train_idx]).mean_std()
            stats, _ = session_stats(utts, train_idx, whole_sums, prior, seed=1, prior_frames=PRIOR_FRAMES)
            view = NormalisedStore(whole_store, stats)
            train_list = [utts[i] for i in train_idx]
        else:  # the same recipe on the segment features of the training clips that have one
            train_idx = [i for i in train_idx if has[i]]
            prior = FrameSums.total([seg_sums[i] for i in train_idx]).mean_std()
            stats, _ = session_stats(utts, train_idx, seg_sums, prior, seed=1, prior_frames=PRIOR_FRAMES)
            view = NormalisedStore(seg_store, stats)
            train_list = [utts[i] for i in train_idx]
        tag = held.replace("#", "-").replace("/", "of")
        seed_tag = f"-seed{args.seed}" if args.seed else ""
        head_path = cache / f"head-{args.train_on}-{args.protocol}-{tag}{seed_tag}.pt"
        if head_path.exists():
            head = EmotionHead(whole_store.num_layers, whole_store.dim, len(LABELS), cfg.pooling,
                               proj_dim=cfg.proj_dim, attention_heads=cfg.attention_heads, dropout=cfg.dropout)
            head.load_state_dict(torch.load(head_path))
            head.eval()
        else:
            train, dev = split_dev(train_list, cfg.dev_fraction, cfg.seed)
            head, _ = train_head(view, train, dev, LABELS, cfg)
            torch.save(head.state_dict(), head_path)
        res["train_clips"] = len(train_idx)
        if heads_only:
            print(f"{held}: head ready [{time.perf_counter() - t0:.0f} s]", flush=True)
            continue
        # Whole clips, all of them (reproduces the published fold), and only those with a segment.
        res["whole_all_clips"] = evaluate(head, whole_store, whole_sums, utts, test, prior, y)
        res["whole"] = evaluate(head, whole_store, whole_sums, utts, test_seg, prior, y)
        res["page_segment"] = evaluate(head, seg_store, seg_sums, utts, test_seg, prior, y)
        res["seconds"] = round(time.perf_counter() - t0, 1)
        out[held] = res
        line = " | ".join(f"{k} {100 * res[k]['session']['uar']:.1f} (first {100 * res[k]['first']['uar']:.1f})"
                          for k in ("whole_all_clips", "whole", "page_segment"))
        print(f"train on {args.train_on}, held out {held}: {line} [{res['seconds']} s]", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("step", choices=("clips", "features", "heads", "study", "tables"))
    ap.add_argument("--corpus", nargs="+", default=[])
    ap.add_argument("--segments", type=Path, help="the Node tool's output")
    ap.add_argument("--out", type=Path, help="clips: the list for the Node tool; study: results JSON")
    ap.add_argument("--train-on", choices=("whole", "segments"), default="whole")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE_DIR / "page-segments-study")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0, help="head seed (dev split and training); 0 = the shipped recipe's")
    ap.add_argument("--protocol", choices=("loco", "loso"), default="loco",
                    help="loso: speaker folds inside each --held corpus (cross_corpus_heads.folds)")
    ap.add_argument("--held", default="", help="comma list of corpora to hold out / split (default: all)")
    ap.add_argument("--folds", type=int, default=4, help="speaker groups per corpus for --protocol loso")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.step == "tables":
        print(markdown_tables(json.loads((args.out or RESULTS / "page-segments.json").read_text())))
        return
    utts = load_corpora(args.corpus)
    if args.step == "clips":
        args.out.write_text(json.dumps([[u.id, str(u.path)] for u in utts]))
        return
    if args.step == "features":
        print(extract_segment_features(utts, json.loads(args.segments.read_text())))
        return
    res = study(args)
    if args.step == "heads":
        return
    run = {"train_on": args.train_on, "protocol": args.protocol, "seed": args.seed, "folds": res}
    for cond in ("whole_all_clips", "whole", "page_segment"):
        run[f"mean_uar_{cond}"] = float(np.mean([r[cond]["session"]["uar"] for r in res.values()]))
        run[f"mean_uar_first_{cond}"] = float(np.mean([r[cond]["first"]["uar"] for r in res.values()]))
    print({k: round(100 * v, 1) for k, v in run.items() if k.startswith("mean_")})
    out = args.out or RESULTS / "page-segments.json"
    doc = json.loads(out.read_text()) if out.exists() else {}
    segments = json.loads(args.segments.read_text())
    doc.update({"upstream": UPSTREAM, "norm": "session-running", "prior_frames": PRIOR_FRAMES,
                "head_config": asdict(SHIPPED_CFG), "segments_sha256_10": segments_tag(segments),
                "segments_per_clip": {c: segment_counts(segments, [u.id for u in utts if corpus_of(u) == c])
                                      for c in sorted({corpus_of(u) for u in utts})},
                "trim": trim_stats(utts, segments)})
    doc.setdefault("runs", {})[f"{args.protocol}_train_on_{args.train_on}" + (f"_seed{args.seed}" if args.seed else "")] = run
    out.write_text(json.dumps(doc, indent=1) + "\n")



def markdown_tables(doc: dict) -> str:
    """The tables of docs/results/page-segments.md from its JSON."""
    lines = []
    for name, run in doc["runs"].items():
        if run.get("seed", 0):
            continue
        corpora = sorted(run["folds"])
        what = "whole clips" if run["train_on"] == "whole" else "page segments"
        lines += [f"### {run.get('protocol', 'loco').upper()}, heads trained on {what}", "",
                  "| held out | " + " | ".join(corpora) + " | mean |", "|---|" + "---:|" * (len(corpora) + 1)]
        for cond, label in (("whole", "whole clip"), ("page_segment", "page segment")):
            for mode in ("session", "first"):
                vals = [run["folds"][c][cond][mode]["uar"] for c in corpora]
                lines.append(f"| {label}, {'session (page mode)' if mode == 'session' else 'first utterance'} | "
                             + " | ".join(f"{100 * v:.1f}" for v in vals) + f" | {100 * np.mean(vals):.1f} |")
        lines += ["", "Per-class recall (session, %): whole -> page segment", "",
                  "| held out | " + " | ".join(LABELS) + " |", "|---|" + "---:|" * len(LABELS)]
        for c in corpora:
            f = run["folds"][c]
            rec = [(f["whole"]["session"]["recall"][k], f["page_segment"]["session"]["recall"][k]) for k in LABELS]
            lines.append(f"| {c} | " + " | ".join(f"{100 * w:.0f} -> {100 * p:.0f}" for w, p in rec) + " |")
        lines.append("")
    lines += ["### Head seeds (mean UAR over folds, %)", "",
              "| protocol | trained on | seed | whole, session | whole, first | segment, session | segment, first |",
              "|---|---|---:|---:|---:|---:|---:|"]
    for run in sorted(doc["runs"].values(), key=lambda r: (r.get("protocol", "loco"), r["train_on"], r.get("seed", 0))):
        vals = [run[f"mean_uar_{k}"] for k in ("whole", "first_whole", "page_segment", "first_page_segment")]
        lines.append(f"| {run.get('protocol', 'loco').upper()} | {run['train_on']} | {run.get('seed', 0)} | "
                     + " | ".join(f"{100 * v:.1f}" for v in vals) + " |")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
