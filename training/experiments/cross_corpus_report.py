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


def head_tables(doc: dict) -> list[str]:
    lines = ["### Stage 2: trained heads (the paper's downstream), leave-one-corpus-out", "",
             "| upstream | head | ls | lr | normalisation | held-out | clips | accuracy | UAR | UAR cold | UAR after 10 clips "
             "| ECE | recall (neutral / happiness / anger / sadness) | epochs |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in doc["runs"]:
        a, c = r["all"], r["config"]
        rec = " / ".join(pct(a["recall"].get(k)) for k in ("neutral", "happiness", "anger", "sadness"))
        lines.append(f"| {r['upstream']} | {c['pooling']} | {c['label_smoothing']} | {c['lr']:g} | {r['norm']} | "
                     f"{r['held_out']} | {a['n']} | {pct(a['accuracy'])} | {pct(a['uar'])} | "
                     f"{pct(r.get('cold', {}).get('uar'))} | {pct((r.get('after10') or {}).get('uar'))} | "
                     f"{a['ece']:.3f} | {rec} | {r['best_epoch']}/{r['epochs']} |")
    return lines


def main() -> None:
    out: list[str] = []
    rank = RESULTS / "cross-corpus-rank.json"
    heads = RESULTS / "cross-corpus-heads.json"
    if rank.exists():
        out += rank_tables(json.loads(rank.read_text())) + [""]
    if heads.exists():
        out += head_tables(json.loads(heads.read_text())) + [""]
    text = DOC.read_text() if DOC.exists() else f"# Cross-corpus results\n\n{BEGIN}\n{END}\n"
    pre, _, rest = text.partition(BEGIN)
    _, _, post = rest.partition(END)
    DOC.write_text(pre + BEGIN + "\n" + "\n".join(out) + "\n" + END + post)


if __name__ == "__main__":
    main()
