"""Export an ``Upstream`` to ONNX: ``waveform`` [1, samples] -> ``hidden_states`` [L, frames, D].

Uses torch's TorchScript-based exporter (``dynamo=False``): it exports a tiny WavLM in
~0.3 s (the torch.export path takes ~7 s and could not down-convert WavLM to opset 17),
keeps opset 17 (LayerNormalization native, GroupNorm as InstanceNormalization, both of which
onnxruntime-web's WebGPU EP implements) and names the dynamic axes. Tracing records sizes
symbolically, so the CNN output length and WavLM's relative-position bias (built from
``arange(frames)``) follow the input length; the tests run two lengths to prove it.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import onnx
import torch

from training.upstream.base import Upstream

INPUT_NAME = "waveform"
OUTPUT_NAME = "hidden_states"


def export_upstream_onnx(up: Upstream, path: Path, opset: int = 17) -> Path:
    """Write ``up`` as ONNX to ``path`` and check it; returns ``path``.

    Graph: ``waveform`` float32 [1, samples] (dynamic) -> ``hidden_states`` float32
    [L, frames, D] (frames dynamic). Normalisation (if any) is part of ``up.forward``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    up = up.eval()
    # One second of noise (49 frames). torch.where evaluates both relative-position bucket
    # branches, so the trace holds the whole computation whatever the example length.
    example = torch.randn(1, max(up.info.min_samples, 16000), generator=torch.Generator().manual_seed(0)) * 0.1
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", category=DeprecationWarning)
        warnings.simplefilter("ignore", category=torch.jit.TracerWarning)
        torch.onnx.export(
            up,
            (example,),
            str(path),
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: {1: "samples"}, OUTPUT_NAME: {1: "frames"}},
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False,
        )
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    _set_metadata(model, up)
    onnx.save(model, str(path))
    return path


def _set_metadata(model: onnx.ModelProto, up: Upstream) -> None:
    """Record the upstream facts in the ONNX metadata (readable from any runtime)."""
    info = up.info
    meta = {
        "upstream_name": info.name,
        "upstream_kind": info.kind,
        "num_layers": str(info.num_layers),
        "dim": str(info.dim),
        "downsample_rate": str(info.downsample_rate),
        "min_samples": str(info.min_samples),
        "normalization": info.normalization,
        "sample_rate": str(info.sample_rate),
        "licence": info.licence,
        "provenance": info.provenance,
    }
    del model.metadata_props[:]
    for key, value in meta.items():
        model.metadata_props.add(key=key, value=value)
