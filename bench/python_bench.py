"""Python side of the benchmark: PyTorch fp32 reference probabilities and CPU timings.

For one model folder (manifest.json + upstream.<variant>.onnx + head.onnx) and the bench
audio (bench/.models/audio): the reference is the PyTorch fp32 upstream -> head.onnx
(onnxruntime fp32), exactly as training/export/fidelity.py defines it. Timed, one thread
each (comparable with WASM one thread): PyTorch upstream + ORT head, and onnxruntime CPU
per upstream variant + head. Writes JSON (see ``run`` for the layout).

Usage: python bench/python_bench.py --model-dir DIR --spec SPEC --out FILE
       [--files N] [--ort-files N] [--torch-lengths 4,8,16,30] [--ort-lengths 4,8] [--variants fp32,q4]
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
AUDIO = REPO / "bench" / ".models" / "audio"


def load_audio(ids: list[str]) -> dict[str, np.ndarray]:
    """id -> float32 [S] (the same bytes the browser reads)."""
    return {i: np.fromfile(AUDIO / f"{i}.f32", dtype="<f4") for i in ids}


def session(path: Path):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000.0, out


def run(args: argparse.Namespace) -> dict:
    import onnxruntime as ort
    import torch

    from training.domain import FrameSums
    from training.predict import domain_stats, read_prior
    from training.upstream.registry import build_upstream

    torch.set_num_threads(1)
    manifest = json.loads((args.model_dir / "manifest.json").read_text())
    entries = json.loads((AUDIO / "audio.json").read_text())
    files = [e["id"] for e in entries if e["kind"] == "emodb"][: args.files]
    torch_long = [f"long-{s}s" for s in args.torch_lengths]
    ort_long = [f"long-{s}s" for s in args.ort_lengths]
    audio = load_audio(files + sorted(set(torch_long) | set(ort_long), key=lambda s: int(s[5:-1])))
    head = session(args.model_dir / manifest["head"]["file"])

    domain = manifest.get("domain_normalization")
    prior = read_prior(args.model_dir, manifest) if domain else None

    def probs(hidden: np.ndarray) -> np.ndarray:  # hidden [L, T, D] -> [C]
        feeds = {"hidden_states": hidden.astype(np.float32)}
        if prior is not None:  # as the page's first utterance: training statistics + its own frames
            mean, std = domain_stats(domain, prior, FrameSums.of(hidden))
            feeds.update(domain_mean=mean, domain_std=std)
        return head.run(["probabilities"], feeds)[0][0]

    up = build_upstream(args.spec).eval()
    # Warm-up (first call allocates), not timed.
    with torch.no_grad():
        up(torch.from_numpy(audio[files[0]])[None])
    reference, torch_ms = {}, {}
    for aid in files + torch_long:
        x = torch.from_numpy(audio[aid])[None]  # [1, S]
        with torch.no_grad():
            ms, out = timed(lambda: probs(up(x).numpy()))
        reference[aid] = [float(p) for p in out]
        torch_ms[aid] = ms
        print(f"  torch {aid}: {ms:.0f} ms", file=sys.stderr)

    variants = [v for v in manifest["upstream"]["variants"] if not args.variants or v["id"] in args.variants]
    ort_out = {}
    for v in variants:
        s = session(args.model_dir / v["file"])
        s.run(["hidden_states"], {"waveform": audio[files[0]][None]})  # warm-up
        res = {}
        for aid in files[: args.ort_files] + ort_long:
            x = audio[aid][None]
            ms, out = timed(lambda: probs(s.run(["hidden_states"], {"waveform": x})[0]))
            res[aid] = {"ms": ms, "probabilities": [float(p) for p in out]}
        ort_out[v["id"]] = res
        print(f"  ort {v['id']}: " + ", ".join(f"{k} {r['ms']:.0f} ms" for k, r in res.items()), file=sys.stderr)
        del s
    return {
        "model": manifest["name"], "spec": args.spec, "threads": 1,
        "torch_version": torch.__version__, "onnxruntime_version": ort.__version__,
        "reference_definition": "PyTorch fp32 upstream -> head.onnx (onnxruntime CPU fp32)",
        "reference": reference, "torch_ms": torch_ms, "ort": ort_out,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", type=Path, required=True)
    ap.add_argument("--spec", required=True, help="upstream spec for build_upstream (PyTorch reference)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--files", type=int, default=10)
    ap.add_argument("--ort-files", type=int, default=10, help="files timed per onnxruntime variant")
    ap.add_argument("--torch-lengths", type=lambda s: [int(x) for x in s.split(",") if x], default=[4, 8, 16, 30])
    ap.add_argument("--ort-lengths", type=lambda s: [int(x) for x in s.split(",") if x], default=[4, 8])
    ap.add_argument("--variants", type=lambda s: [x for x in s.split(",") if x], default=None)
    args = ap.parse_args()
    result = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
