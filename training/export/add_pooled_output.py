"""Expose the pooled representation a head classifies, and its final linear layer, without retraining.

    python -m training.export.add_pooled_output MODEL_DIR [--calibration JSON]

An exported ``MODEL_DIR/head.onnx`` ends in ``Gemm(pooled, W, b) -> Softmax -> probabilities``
(the head's nn.Linear ``classifier``, training/heads/model.py). This tool finds that Gemm, adds
its input as the graph output ``pooled`` [1, P], writes W [C, P] and b [C] to ``classifier.f32``
(float32 little-endian, W row-major then b), checks with onnxruntime on random inputs that the
probabilities are unchanged and that softmax(W pooled + b) reproduces them, then replaces
head.onnx and updates the manifest (head bytes/SHA-256, ``head.pooled``, and ``calibration`` when
given). Heads exported by ``python -m training build`` since this output exists already have it.
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

from ..manifest import CLASSIFIER_FILE, MANIFEST, POOLED_OUTPUT, file_ref, pooled_ref, validate
from .head_onnx import DOMAIN_INPUTS, write_classifier

#: Largest change of any probability the graph edit may cause (it adds an output, nothing else).
MAX_PROB_CHANGE = 1e-6
#: Largest difference between softmax(W pooled + b), computed in float64 from the written file,
#: and the graph's probabilities (float32 Gemm and Softmax rounding).
MAX_REFIT_DIFF = 1e-5
#: Frame counts (and seeds) of the random check inputs.
CHECK_FRAMES = (1, 5, 50, 333)


def _session(model: onnx.ModelProto) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


def _attr(node: onnx.NodeProto, name: str, default: float | int) -> float | int:
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def find_classifier(model: onnx.ModelProto) -> tuple[str, np.ndarray, np.ndarray]:
    """(name of the Gemm's input tensor, W [C, P], b [C]) of the final linear layer: the Gemm
    whose output the Softmax producing ``probabilities`` reads. Raises ValueError otherwise."""
    producers = {o: n for n in model.graph.node for o in n.output}
    soft = producers.get("probabilities")
    if soft is None or soft.op_type != "Softmax":
        raise ValueError("the output 'probabilities' is not produced by a Softmax")
    gemm = producers.get(soft.input[0])
    if gemm is None or gemm.op_type != "Gemm" or len(gemm.input) != 3:
        raise ValueError(f"the Softmax reads {soft.input[0]!r}, not a Gemm with a bias")
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    if gemm.input[1] not in inits or gemm.input[2] not in inits:
        raise ValueError("the classifier Gemm's weights are not constants of the graph")
    if _attr(gemm, "transA", 0) or _attr(gemm, "alpha", 1.0) != 1.0 or _attr(gemm, "beta", 1.0) != 1.0:
        raise ValueError("the classifier Gemm has transA, alpha or beta this tool does not handle")
    w = inits[gemm.input[1]].astype(np.float32)
    w = w if _attr(gemm, "transB", 0) else w.T  # [C, P]
    b = inits[gemm.input[2]].astype(np.float32).reshape(-1)
    if b.shape != (w.shape[0],):
        raise ValueError(f"classifier bias {b.shape} does not fit W {w.shape}")
    return gemm.input[0], np.ascontiguousarray(w), b


def add_pooled_output(model: onnx.ModelProto) -> tuple[onnx.ModelProto, np.ndarray, np.ndarray]:
    """(a copy of ``model`` with the last output ``pooled`` [1, P], W [C, P], b [C])."""
    source, w, b = find_classifier(model)
    out = onnx.ModelProto()
    out.CopyFrom(model)
    out.graph.node.append(helper.make_node("Identity", [source], [POOLED_OUTPUT], name="pooled_output"))
    out.graph.output.append(helper.make_tensor_value_info(POOLED_OUTPUT, TensorProto.FLOAT, [1, w.shape[1]]))
    onnx.checker.check_model(out, full_check=True)
    return out, w, b


def _feeds(model: onnx.ModelProto, layers: int, dim: int, frames: int, seed: int) -> dict[str, np.ndarray]:
    """Random hidden states [L, T, D] (plus random domain statistics when the head takes them)."""
    rng = np.random.default_rng(seed)
    feeds = {"hidden_states": rng.normal(0, 1, (layers, frames, dim)).astype(np.float32)}
    if set(DOMAIN_INPUTS) <= {i.name for i in model.graph.input}:
        feeds[DOMAIN_INPUTS[0]] = rng.normal(0, 0.3, (layers, dim)).astype(np.float32)
        feeds[DOMAIN_INPUTS[1]] = rng.uniform(0.5, 2.0, (layers, dim)).astype(np.float32)
    return feeds


def _softmax64(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def check_pooled(before: onnx.ModelProto, after: onnx.ModelProto, w: np.ndarray, b: np.ndarray,
                 layers: int, dim: int) -> dict:
    """Runs both graphs on random inputs of several lengths: the same probabilities (within
    MAX_PROB_CHANGE), and softmax(W pooled + b) in float64 equal to them (within MAX_REFIT_DIFF).
    Returns {"max_prob_change", "max_refit_diff"}; raises ValueError when a check fails."""
    a, s = _session(before), _session(after)
    names = [o.name for o in s.get_outputs()]
    if names[0] != "probabilities" or names[-1] != POOLED_OUTPUT:
        raise ValueError(f"outputs are {names}, expected probabilities first and {POOLED_OUTPUT} last")
    change = refit = 0.0
    for i, frames in enumerate(CHECK_FRAMES):
        feeds = _feeds(before, layers, dim, frames, 100 + i)
        (p0,) = a.run(["probabilities"], feeds)
        p1, pooled = s.run(["probabilities", POOLED_OUTPUT], feeds)
        if pooled.shape != (1, w.shape[1]):
            raise ValueError(f"pooled for {frames} frames has shape {pooled.shape}, expected (1, {w.shape[1]})")
        change = max(change, float(np.abs(p1 - p0).max()))
        again = _softmax64(pooled.astype(np.float64) @ w.astype(np.float64).T + b.astype(np.float64))
        refit = max(refit, float(np.abs(again - p1).max()))
    if change > MAX_PROB_CHANGE or refit > MAX_REFIT_DIFF:
        raise ValueError(f"the edited head changed probabilities by {change:g}, or softmax(W pooled + b) "
                         f"differs from them by {refit:g}")
    return {"max_prob_change": change, "max_refit_diff": refit}


def read_classifier(path: Path, labels: int, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """W [labels, dim], b [labels] from a classifier file (float32 little-endian)."""
    data = np.fromfile(path, dtype="<f4")
    if data.size != labels * (dim + 1):
        raise ValueError(f"{path}: {data.size} floats, expected {labels} x ({dim} + 1)")
    return data[: labels * dim].reshape(labels, dim), data[labels * dim:]


def upgrade_model_folder(model_dir: Path, calibration: dict | None = None) -> dict:
    """Adds the pooled output to ``model_dir``'s head, writes its classifier file, declares both
    (and ``calibration`` when given) in the manifest. Returns {"changed": bool, "dim", **check_pooled}."""
    model_dir = Path(model_dir)
    manifest = json.loads((model_dir / MANIFEST).read_text())
    head = manifest["head"]
    layers, dim = int(manifest["upstream"]["num_layers"]), int(manifest["upstream"]["dim"])
    path = model_dir / head["file"]
    before = onnx.load(str(path))
    changed = False
    if any(o.name == POOLED_OUTPUT for o in before.graph.output):
        if "pooled" not in head:
            raise ValueError(f"{path} already outputs {POOLED_OUTPUT!r} but the manifest does not declare it")
        report: dict = {"dim": head["pooled"]["dim"]}
    else:
        after, w, b = add_pooled_output(before)
        if w.shape[0] != len(manifest["labels"]):
            raise ValueError(f"the classifier has {w.shape[0]} outputs, the manifest {len(manifest['labels'])} labels")
        report = {"dim": int(w.shape[1]), **check_pooled(before, after, w, b, layers, dim)}
        write_classifier(w, b, model_dir / CLASSIFIER_FILE)
        tmp = path.with_suffix(".onnx.tmp")
        onnx.save(after, str(tmp))
        tmp.replace(path)
        # Same key order as training/manifest.py writes (pooled just before licence/provenance).
        rest = {k: head[k] for k in ("licence", "provenance")}
        new_head = {k: v for k, v in head.items() if k not in rest}
        new_head.update(file_ref(model_dir, head["file"]),
                        pooled=pooled_ref(model_dir, CLASSIFIER_FILE, int(w.shape[1]), len(manifest["labels"])), **rest)
        manifest["head"] = new_head
        changed = True
    if calibration is not None and manifest.get("calibration") != calibration:
        rest = {k: manifest.pop(k) for k in ("licence", "provenance", "model_card")}
        manifest["calibration"] = dict(calibration)
        manifest.update(rest)
        changed = True
    if changed:
        validate(manifest)
        (model_dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return {"changed": changed, **report}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", type=Path, help="model folder with manifest.json and head.onnx")
    p.add_argument("--calibration", type=json.loads, default=None,
                   help='calibration recipe to declare, e.g. \'{"method": "linear", "l2": 1.0, "steps": 100, "lr": 1.0}\'')
    a = p.parse_args(argv)
    try:
        report = upgrade_model_folder(a.model, a.calibration)
    except ValueError as e:
        raise SystemExit(f"add_pooled_output: {e}") from None
    print(json.dumps(report))
    if not report["changed"]:
        print(f"{a.model}: the head already outputs {POOLED_OUTPUT} and the manifest declares it", file=sys.stderr)


if __name__ == "__main__":
    main()
