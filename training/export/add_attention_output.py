"""Expose a CorrAP head's attention over time as a second output, without retraining.

    python -m training.export.add_attention_output --model DIR

An already exported ``DIR/head.onnx`` (hidden_states [L, T, D] -> probabilities [1, C]) computes
its attention weights over the upstream frames as an intermediate tensor: the Softmax over time,
[1, T]. This tool finds that tensor by probing (the one Softmax output whose shape follows the
number of frames), adds ``Squeeze -> attention [T]`` as a graph output, checks with onnxruntime
that the probabilities are unchanged and the attention sums to 1, then replaces head.onnx and
updates the manifest (head bytes, SHA-256, ``head.attention``). Heads exported by
training/export/head_onnx.py since the attention output exists already have it.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from ..manifest import HEAD_ATTENTION, MANIFEST, file_ref, validate
from .head_onnx import ATTENTION_OUTPUT, DOMAIN_INPUTS

#: Frame counts the Softmax outputs are probed with: the attention is the one shaped [1, T] for each.
PROBE_FRAMES = (7, 19)
#: Largest change of any probability the graph edit may cause (it adds an output, nothing else).
MAX_PROB_CHANGE = 1e-6


def _session(model: onnx.ModelProto) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


def _feeds(model: onnx.ModelProto, layers: int, dim: int, frames: int, seed: int) -> dict[str, np.ndarray]:
    """Random hidden states [L, T, D] (plus neutral domain statistics when the head takes them)."""
    rng = np.random.default_rng(seed)
    feeds = {"hidden_states": rng.normal(0, 1, (layers, frames, dim)).astype(np.float32)}
    names = {i.name for i in model.graph.input}
    if set(DOMAIN_INPUTS) <= names:
        feeds[DOMAIN_INPUTS[0]] = np.zeros((layers, dim), np.float32)
        feeds[DOMAIN_INPUTS[1]] = np.ones((layers, dim), np.float32)
    return feeds


def find_attention_tensor(model: onnx.ModelProto, layers: int, dim: int) -> str:
    """Name of the Softmax output shaped [1, T] for every probed T (CorrAP's weights over time).
    Raises ValueError when there is not exactly one."""
    softmaxes = [n.output[0] for n in model.graph.node if n.op_type == "Softmax"]
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    for name in softmaxes:
        probe.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
    sess = _session(probe)
    found = set(softmaxes)
    for i, frames in enumerate(PROBE_FRAMES):
        outs = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, _feeds(model, layers, dim, frames, i))))
        found = {n for n in found if outs[n].shape == (1, frames)}
    if len(found) != 1:
        raise ValueError(f"expected one Softmax over time shaped [1, frames], found {sorted(found) or 'none'} "
                         f"among {softmaxes}: is this a CorrAP head?")
    return found.pop()


def add_attention_output(model: onnx.ModelProto, layers: int, dim: int) -> onnx.ModelProto:
    """A copy of ``model`` with the output ``attention`` [frames] (the attention tensor squeezed)."""
    source = find_attention_tensor(model, layers, dim)
    out = onnx.ModelProto()
    out.CopyFrom(model)
    axes = "attention_squeeze_axes"
    out.graph.initializer.append(numpy_helper.from_array(np.array([0], dtype=np.int64), axes))
    out.graph.node.append(helper.make_node("Squeeze", [source, axes], [ATTENTION_OUTPUT], name="attention_output"))
    out.graph.output.append(helper.make_tensor_value_info(ATTENTION_OUTPUT, TensorProto.FLOAT, ["frames"]))
    onnx.checker.check_model(out, full_check=True)
    return out


def check_unchanged(before: onnx.ModelProto, after: onnx.ModelProto, layers: int, dim: int) -> dict:
    """Runs both graphs on random inputs of several lengths: same probabilities (within
    MAX_PROB_CHANGE), attention [T] >= 0 summing to 1. Returns {"max_prob_change", "max_sum_error"};
    raises ValueError when a check fails."""
    a, b = _session(before), _session(after)
    names = [o.name for o in b.get_outputs()]
    if names[:2] != ["probabilities", ATTENTION_OUTPUT]:
        raise ValueError(f"outputs are {names}, expected probabilities then {ATTENTION_OUTPUT}")
    change = sum_err = 0.0
    for i, frames in enumerate((1, 5, 50, 333)):
        feeds = _feeds(before, layers, dim, frames, 100 + i)
        (p0,) = a.run(["probabilities"], feeds)
        p1, att = b.run(["probabilities", ATTENTION_OUTPUT], feeds)
        if att.shape != (frames,) or (att < 0).any():
            raise ValueError(f"attention for {frames} frames has shape {att.shape}, min {att.min()}")
        change = max(change, float(np.abs(p1 - p0).max()))
        sum_err = max(sum_err, abs(float(att.astype(np.float64).sum()) - 1.0))
    if change > MAX_PROB_CHANGE or sum_err > 1e-5:
        raise ValueError(f"the edited head changed probabilities by {change:g} or its attention sums to 1 ± {sum_err:g}")
    return {"max_prob_change": change, "max_sum_error": sum_err}


def upgrade_model_folder(model_dir: Path) -> dict:
    """Adds the attention output to ``model_dir``'s head and declares it in its manifest.
    Returns {"changed": bool, "source": tensor name, **check_unchanged(...)}."""
    model_dir = Path(model_dir)
    manifest = json.loads((model_dir / MANIFEST).read_text())
    head = manifest["head"]
    if head["type"] != "corrap":
        raise ValueError(f"head type {head['type']!r} has no attention over time (only corrap has)")
    layers, dim = int(manifest["upstream"]["num_layers"]), int(manifest["upstream"]["dim"])
    path = model_dir / head["file"]
    before = onnx.load(str(path))
    if any(o.name == ATTENTION_OUTPUT for o in before.graph.output):
        if head.get("attention") == HEAD_ATTENTION:
            return {"changed": False}
        raise ValueError(f"{path} already outputs {ATTENTION_OUTPUT!r} but the manifest does not declare it")
    after = add_attention_output(before, layers, dim)
    report = check_unchanged(before, after, layers, dim)
    tmp = path.with_suffix(".onnx.tmp")
    onnx.save(after, str(tmp))
    tmp.replace(path)
    # Same key order as training/manifest.py writes (attention before licence/provenance).
    rest = {k: head[k] for k in ("licence", "provenance")}
    new_head = {k: v for k, v in head.items() if k not in rest}
    new_head.update(file_ref(model_dir, head["file"]), attention=dict(HEAD_ATTENTION), **rest)
    manifest["head"] = new_head
    validate(manifest)
    (model_dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return {"changed": True, **report}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", type=Path, required=True, help="model folder with manifest.json and a corrap head.onnx")
    a = p.parse_args(argv)
    try:
        report = upgrade_model_folder(a.model)
    except ValueError as e:
        raise SystemExit(f"add_attention_output: {e}") from None
    print(json.dumps(report))
    if not report["changed"]:
        print(f"{a.model}: the head already outputs {ATTENTION_OUTPUT} and the manifest declares it", file=sys.stderr)


if __name__ == "__main__":
    main()
