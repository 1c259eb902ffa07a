"""docs/results/cross-corpus.md from the two stages' JSON (cross_corpus_rank, cross_corpus_heads).

Usage: python -m training.experiments.cross_corpus_report  (rewrites the tables between the
markers in docs/results/cross-corpus.md; the prose around them is kept).
"""
from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "docs" / "results"
DOC = RESULTS / "cross-corpus.md"
BEGIN, END = "<!-- tables:begin -->", "<!-- tables:end -->"


def pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def rank_tables(doc: dict) -> list[str]:
    lines = ["### Stage 1: pooled mean+std of every layer, logistic regression", "",
             "UAR % per held-out corpus (leave-one-corpus-out) or leave-one-speaker-out inside a corpus.", "",
             "| upstream | normalisation | protocol | corpora | EmoDB | nEMO | RAVDESS | mean | first clip (cold) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in doc["runs"]:
        pc = r["per_corpus"]
        cells = [pct(pc[c]["all"]["uar"]) if c in pc else "" for c in ("emodb", "nemo", "ravdess")]
        lines.append(f"| {r['upstream']} | {r['norm']} | {r['protocol']} | {'+'.join(r.get('corpora', []))} | "
                     + " | ".join(cells) + f" | {pct(r['mean_uar'])} | {pct(r.get('mean_uar_cold'))} |")
    return lines


RECALL = ("neutral", "happiness", "anger", "sadness")


def head_tables(doc: dict, robust: dict | None = None) -> list[str]:
    loco = [r for r in doc["runs"] if r.get("protocol", "loco") == "loco"]
    loso = [r for r in doc["runs"] if r.get("protocol") == "loso"]
    lines = ["### Stage 2: trained heads (the paper's downstream), leave-one-corpus-out", "",
             "UAR: clips of each held-out speaker arrive one by one in a seeded random order, each normalised "
             "with the running statistics the page keeps (training statistics + that speaker's clips so far, "
             "itself included). First utterance: every held-out clip classified as if it were the first "
             "one the page hears (training statistics + its own frames). After 10 clips: the clips at "
             "position >= 10 of the session.", "",
             "position >= 10 of the session. Augmentation: **ON** = trained on the clips plus one augmented "
             "copy of each (gain, noise, reverb, band-limiting; training/augment.py), tested on clean clips.", "",
             "| upstream | head | ls | lr | normalisation | augmentation | held-out | clips | accuracy | UAR | UAR first utterance "
             "| UAR after 10 clips | ECE | recall (neutral / happiness / anger / sadness) | epochs |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in loco:
        a, c = r["all"], r["config"]
        rec = " / ".join(pct(a["recall"].get(k)) for k in RECALL)
        lines.append(f"| {r['upstream']} | {c['pooling']} | {c['label_smoothing']} | {c['lr']:g} | {r['norm']} | "
                     f"{'**ON**' if r.get('augment') else 'off'} | "
                     f"{r['held_out']} | {a['n']} | {pct(a['accuracy'])} | {pct(a['uar'])} | "
                     f"{pct((r.get('first') or {}).get('uar'))} | {pct((r.get('after10') or {}).get('uar'))} | "
                     f"{a['ece']:.3f} | {rec} | {r['best_epoch']}/{r['epochs']} |")
    lines += augment_table(loco, [r for r in (robust or {}).get("runs", []) if r.get("protocol", "loco") == "loco"])
    if loso:
        lines += ["", "### Stage 2: trained heads inside one corpus (speakers in disjoint folds)", "",
                  "Mean over folds; each fold holds out a group of speakers, dealt round-robin.", "",
                  "| upstream | head | ls | lr | normalisation | corpus | folds | clips | accuracy | UAR | UAR first utterance |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        groups: dict[tuple, list[dict]] = {}
        for r in loso:
            c = r["config"]
            groups.setdefault((r["upstream"], c["pooling"], c["label_smoothing"], c["lr"], r["norm"],
                               r["held_out"].split("#")[0]), []).append(r)
        for (up, pooling, ls, lr, norm, corpus), rs in groups.items():
            def mean(get):
                vals = [get(r) for r in rs if get(r) is not None]
                return sum(vals) / len(vals) if vals else None
            lines.append(f"| {up} | {pooling} | {ls} | {lr:g} | {norm} | {corpus} | {len(rs)} | "
                         f"{sum(r['all']['n'] for r in rs)} | {pct(mean(lambda r: r['all']['accuracy']))} | "
                         f"{pct(mean(lambda r: r['all']['uar']))} | "
                         f"{pct(mean(lambda r: (r.get('first') or {}).get('uar')))} |")
    return lines


def augment_table(loco: list[dict], robust: list[dict]) -> list[str]:
    """Augmentation ON next to the OFF run with the same recipe, per held-out corpus; the
    augmented-test columns come from the ``--robust`` re-runs (cross-corpus-robust.json)."""
    def recipe(r):
        return (r["upstream"], r["norm"], r["held_out"], json.dumps(r["config"], sort_keys=True), r.get("prior_frames"))
    rob_of = {recipe(r) + (bool(r.get("augment")),): r for r in robust}
    off = {recipe(r): r for r in loco if not r.get("augment")}
    pairs = [(off[recipe(r)], r) for r in loco if r.get("augment") and recipe(r) in off]
    if not pairs:
        return []
    lines = ["", "### Stage 2: training augmentation off vs ON (same recipe, same dev split)", "",
             "UAR % on the clean held-out corpus; augmented test: the same held-out clips through one random "
             "augmentation chain each, UAR (first utterance), measured with a re-trained head "
             "(`--robust`, docs/results/cross-corpus-robust.json; its clean UAR there is the check that "
             "re-training reproduces the run).", "",
             "| upstream | head | normalisation | held-out | UAR off | UAR ON | first utt. off | first utt. ON "
             "| augmented test off | augmented test ON | sadness recall off / ON |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for o, n in pairs:
        def rob(r):
            x = rob_of.get(recipe(r) + (bool(r.get("augment")),))
            return f"{pct(x['robust']['uar'])} ({pct(x['robust_first']['uar'])})" if x else "-"
        lines.append(f"| {n['upstream']} | {n['config']['pooling']} | {n['norm']} | {n['held_out']} | "
                     f"{pct(o['all']['uar'])} | {pct(n['all']['uar'])} | {pct((o.get('first') or {}).get('uar'))} | "
                     f"{pct((n.get('first') or {}).get('uar'))} | {rob(o)} | {rob(n)} | "
                     f"{pct(o['all']['recall'].get('sadness'))} / {pct(n['all']['recall'].get('sadness'))} |")
    if len(pairs) > 1:
        mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
        lines.append(f"| mean | | | {len(pairs)} corpora | {pct(mean([o['all']['uar'] for o, _ in pairs]))} | "
                     f"{pct(mean([n['all']['uar'] for _, n in pairs]))} | "
                     f"{pct(mean([(o.get('first') or {}).get('uar', 0) for o, _ in pairs]))} | "
                     f"{pct(mean([(n.get('first') or {}).get('uar', 0) for _, n in pairs]))} | | | |")
    return lines


def main() -> None:
    out: list[str] = []
    rank = RESULTS / "cross-corpus-rank.json"
    heads = RESULTS / "cross-corpus-heads.json"
    if rank.exists():
        out += rank_tables(json.loads(rank.read_text())) + [""]
    if heads.exists():
        robust = RESULTS / "cross-corpus-robust.json"
        out += head_tables(json.loads(heads.read_text()),
                           json.loads(robust.read_text()) if robust.exists() else None) + [""]
    text = DOC.read_text() if DOC.exists() else f"# Cross-corpus results\n\n{BEGIN}\n{END}\n"
    pre, _, rest = text.partition(BEGIN)
    _, _, post = rest.partition(END)
    DOC.write_text(pre + BEGIN + "\n" + "\n".join(out) + "\n" + END + post)


if __name__ == "__main__":
    main()
