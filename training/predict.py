"""Reference prediction for one audio file with an exported model folder (onnxruntime, CPU).

The browser E2E tests compare the page's probabilities with this output:

    python -m training.predict --model public/models/default --wav file.wav \
        [--start-sample N --end-sample M] [--variant fp32]

prints JSON {"labels": [...], "probabilities": [...], "variant": ..., "samples": n}; a head that
declares ``head.attention`` (CorrAP) adds "attention": its weight per upstream frame [T] (sums
to 1) and "hop_samples": the upstream's samples per frame (the page bins it to <= 100 points).

    python -m training.predict --model DIR --wav file.wav --segments 16000:48000,64000:90000

predicts several segments (sample ranges [start, end)) of one file in order, as the page does
for the utterances it analyses one after another: a domain-normalised model's running
statistics grow with every segment (segment k uses the prior plus segments 1..k). Prints JSON
{"labels", "variant", "segments": [{"start", "end", "samples", "probabilities", "adapted_on"}]}.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import soundfile as sf

from training.domain import FrameSums, running_stats


class Predictor:
    """Upstream + head ONNX sessions of one model folder, and the running domain statistics of
    one session (models with ``domain_normalization``), as the page keeps them."""

    def __init__(self, model_dir: Path, variant: str = "fp32") -> None:
        self.model_dir = Path(model_dir)
        self.manifest = json.loads((self.model_dir / "manifest.json").read_text())
        files = {v["id"]: v["file"] for v in self.manifest["upstream"]["variants"]}
        if variant not in files:
            raise SystemExit(f"variant {variant!r} not in manifest (has {sorted(files)})")
        self.variant = variant
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        self.up = ort.InferenceSession(str(self.model_dir / files[variant]), opts, providers=["CPUExecutionProvider"])
        self.head = ort.InferenceSession(str(self.model_dir / self.manifest["head"]["file"]), opts, providers=["CPUExecutionProvider"])
        self.domain = self.manifest.get("domain_normalization")
        self.prior = read_prior(self.model_dir, self.manifest) if self.domain else None
        self.heard: list[FrameSums] = []

    def reset(self) -> None:
        """Back to the prior (the page's Reset button)."""
        self.heard = []

    def __call__(self, waveform: np.ndarray) -> dict:
        """waveform [S] float32 16 kHz mono -> {"labels", "probabilities", "samples"[, "adapted_on"]}.
        A domain-normalised model adds this utterance's frames to the running statistics first."""
        x = waveform.astype(np.float32)
        min_samples = int(self.manifest["upstream"]["min_samples"])
        if x.shape[0] < min_samples:  # same rule as the browser: zero-pad very short input
            x = np.pad(x, (0, min_samples - x.shape[0]))
        (hidden,) = self.up.run(["hidden_states"], {"waveform": x[None, :]})
        feeds = {"hidden_states": hidden}
        out: dict = {"labels": self.manifest["labels"]}
        if self.domain:
            # As the page does: the training statistics plus every utterance heard, this one included.
            self.heard.append(FrameSums.of(hidden))
            mean, std = domain_stats(self.domain, self.prior, FrameSums.total(self.heard))
            feeds.update(domain_mean=mean, domain_std=std)
            out["adapted_on"] = len(self.heard)
        attention = self.manifest["head"].get("attention")
        names = ["probabilities"] + ([attention["output"]] if attention else [])
        probs, *att = self.head.run(names, feeds)
        out.update(probabilities=probs[0].astype(float).tolist(), samples=int(x.shape[0]))
        if att:
            out.update(attention=att[0].astype(float).tolist(), hop_samples=int(self.manifest["upstream"]["downsample_rate"]))
        return out


def domain_stats(domain: dict, prior: tuple[np.ndarray, np.ndarray], heard: FrameSums) -> tuple[np.ndarray, np.ndarray]:
    """(mean, std) [L, D] for the head: the manifest's ``domain_normalization`` settings applied to
    the prior and the frames heard (training/domain.py running_stats)."""
    return running_stats(prior[0], prior[1], float(domain["prior_frames"]), heard, std_floor=float(domain["std_floor"]))


def predict(model_dir: Path, waveform: np.ndarray, variant: str = "fp32") -> dict:
    """waveform [S] float32 16 kHz mono -> {"labels", "probabilities"} via upstream + head ONNX.
    A domain-normalised model is seen as the page's first utterance: prior plus its own frames."""
    out = Predictor(model_dir, variant)(waveform)
    out.pop("adapted_on", None)
    return {**out, "variant": variant}


#: Per-segment fields of predict_segments, in output order.
SEGMENT_KEYS = ("samples", "probabilities", "adapted_on", "attention", "hop_samples")


def predict_segments(model_dir: Path, waveform: np.ndarray, segments: list[tuple[int, int]], variant: str = "fp32") -> dict:
    """Segments [start, end) of one waveform predicted in order by one session (running statistics)."""
    p = Predictor(model_dir, variant)
    rows = []
    for start, end in segments:
        r = p(waveform[start:end])
        rows.append({"start": start, "end": end, **{k: r[k] for k in SEGMENT_KEYS if k in r}})
    return {"labels": p.manifest["labels"], "variant": variant, "segments": rows}


def parse_segments(text: str) -> list[tuple[int, int]]:
    """'s0:e0,s1:e1' -> [(s0, e0), (s1, e1)]; each a non-empty sample range."""
    out = []
    for part in text.split(","):
        try:
            a, b = (int(v) for v in part.split(":"))
        except ValueError:
            raise SystemExit(f"--segments: {part!r} is not start:end (samples)") from None
        if not 0 <= a < b:
            raise SystemExit(f"--segments: {part!r} must have 0 <= start < end")
        out.append((a, b))
    return out


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
    p.add_argument("--segments", default=None, help="start:end,start:end,... in samples: predicted in order, one session")
    a = p.parse_args(argv)
    wav = read_mono_16k(a.wav)
    if a.segments is not None:
        print(json.dumps(predict_segments(a.model, wav, parse_segments(a.segments), a.variant)))
        return
    print(json.dumps(predict(a.model, wav[a.start_sample : a.end_sample], a.variant)))


if __name__ == "__main__":
    main()
