"""Reference prediction for one audio file with an exported model folder (onnxruntime, CPU).

The browser E2E tests compare the page's probabilities with this output:

    python -m training.predict --model public/models/default --wav file.wav \
        [--start-sample N --end-sample M] [--variant fp32]

prints JSON {"labels": [...], "probabilities": [...], "variant": ..., "samples": n}.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import soundfile as sf

from training.domain import FrameSums, running_stats


def predict(model_dir: Path, waveform: np.ndarray, variant: str = "fp32") -> dict:
    """waveform [S] float32 16 kHz mono -> {"labels", "probabilities"} via upstream + head ONNX."""
    manifest = json.loads((model_dir / "manifest.json").read_text())
    files = {v["id"]: v["file"] for v in manifest["upstream"]["variants"]}
    if variant not in files:
        raise SystemExit(f"variant {variant!r} not in manifest (has {sorted(files)})")
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    up = ort.InferenceSession(str(model_dir / files[variant]), opts, providers=["CPUExecutionProvider"])
    head = ort.InferenceSession(str(model_dir / manifest["head"]["file"]), opts, providers=["CPUExecutionProvider"])
    x = waveform.astype(np.float32)
    min_samples = int(manifest["upstream"]["min_samples"])
    if x.shape[0] < min_samples:  # same rule as the browser: zero-pad very short input
        x = np.pad(x, (0, min_samples - x.shape[0]))
    (hidden,) = up.run(["hidden_states"], {"waveform": x[None, :]})
    feeds = {"hidden_states": hidden}
    if "domain_normalization" in manifest:
        # As the page does for the first utterance it hears: the training statistics plus this
        # utterance's own frames (training/domain.py running_stats).
        dn = manifest["domain_normalization"]
        prior_mean, prior_std = read_prior(model_dir, manifest)
        mean, std = running_stats(prior_mean, prior_std, float(dn["prior_frames"]), FrameSums.of(hidden),
                                  std_floor=float(dn["std_floor"]))
        feeds.update(domain_mean=mean, domain_std=std)
    (probs,) = head.run(["probabilities"], feeds)
    return {"labels": manifest["labels"], "probabilities": probs[0].astype(float).tolist(), "variant": variant, "samples": int(x.shape[0])}


def read_prior(model_dir: Path, manifest: dict) -> tuple[np.ndarray, np.ndarray]:
    """The model's training statistics (mean, std) [L, D] from its prior file."""
    L, D = int(manifest["upstream"]["num_layers"]), int(manifest["upstream"]["dim"])
    prior = np.fromfile(model_dir / manifest["domain_normalization"]["prior"]["file"], dtype="<f4")
    if prior.shape != (2 * L * D,):
        raise SystemExit(f"{manifest['domain_normalization']['prior']['file']}: {prior.size} values, expected {2 * L * D}")
    return prior[: L * D].reshape(L, D), prior[L * D :].reshape(L, D)


def read_mono_16k(path: Path) -> np.ndarray:
    """Reads a 16 kHz file as mono float32 [S] (channels averaged); other rates are refused."""
    data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    if sr != 16000:
        raise SystemExit(f"{path}: sample rate {sr}, expected 16000")
    return data.mean(axis=1)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", type=Path, required=True, help="model folder with manifest.json")
    p.add_argument("--wav", type=Path, required=True)
    p.add_argument("--variant", default="fp32")
    p.add_argument("--start-sample", type=int, default=0)
    p.add_argument("--end-sample", type=int, default=None)
    a = p.parse_args(argv)
    x = read_mono_16k(a.wav)[a.start_sample : a.end_sample]
    print(json.dumps(predict(a.model, x, a.variant)))


if __name__ == "__main__":
    main()
