"""Would chunking long utterances pay? PyTorch fp32, one thread, on the long bench utterances.

Chunked = the waveform cut into non-overlapping chunks of C seconds, the upstream run on
each, hidden states concatenated along time ([L, sum T_i, D]) and the head run once on
them. Compared with the whole utterance in one pass: time and the probability change.

Usage: python bench/chunking.py --model-dir DIR --spec SPEC --out FILE [--lengths 16,30] [--chunks 4,8]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from python_bench import AUDIO, session  # noqa: E402


def main() -> None:
    import torch

    from training.upstream.registry import build_upstream

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", type=Path, required=True)
    ap.add_argument("--spec", required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--lengths", default="16,30")
    ap.add_argument("--chunks", default="4,8")
    args = ap.parse_args()
    torch.set_num_threads(1)
    manifest = json.loads((args.model_dir / "manifest.json").read_text())
    head = session(args.model_dir / manifest["head"]["file"])
    up = build_upstream(args.spec).eval()

    def probs(hidden: np.ndarray) -> np.ndarray:  # [L, T, D] -> [C]
        return head.run(["probabilities"], {"hidden_states": hidden.astype(np.float32)})[0][0]

    rows = []
    for sec in [int(s) for s in args.lengths.split(",")]:
        x = np.fromfile(AUDIO / f"long-{sec}s.f32", dtype="<f4")  # [S]
        with torch.no_grad():
            t0 = time.perf_counter()
            full = probs(up(torch.from_numpy(x)[None]).numpy())
            full_ms = (time.perf_counter() - t0) * 1000
            for c in [int(s) for s in args.chunks.split(",")]:
                n = c * 16000
                t0 = time.perf_counter()
                hs = [up(torch.from_numpy(x[i : i + n])[None]).numpy() for i in range(0, x.size, n) if x[i : i + n].size >= 400]
                chunked = probs(np.concatenate(hs, axis=1))
                ms = (time.perf_counter() - t0) * 1000
                rows.append({
                    "seconds": sec, "chunk_seconds": c, "full_ms": full_ms, "chunked_ms": ms,
                    "speedup": full_ms / ms, "max_prob_diff": float(np.abs(chunked - full).max()),
                    "same_top1": bool(np.argmax(chunked) == np.argmax(full)),
                })
                print(f"  chunking {sec}s in {c}s chunks: {full_ms:.0f} -> {ms:.0f} ms, max dp {rows[-1]['max_prob_diff']:.2e}",
                      file=sys.stderr)
    args.out.write_text(json.dumps({"model": manifest["name"], "spec": args.spec, "threads": 1, "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
