"""Browser variants of an upstream ONNX: fp32, fp16, q8, q4 (MatMulNBits) and int8 (dynamic).

What onnxruntime-web 1.30 runs where. Sources: its ``docs/webgpu-operators.md`` (lists
``MatMulNBits``, not ``MatMulInteger`` / ``DynamicQuantizeLinear``), onnxruntime PRs #19446
(MatMulNBits on JS WebGPU) and #24546 (8-bit MatMulNBits in the native WebGPU EP), and a run
of the tiny WavLM's five files in headless Chromium (SwiftShader adapter, no shader-f16)
against onnxruntime CPU results on the same EmoDB audio (2026-11-28):

| import / EP                                  | fp32 | q4 | q8                  | int8            | fp16 (no shader-f16) |
|----------------------------------------------|------|----|---------------------|-----------------|----------------------|
| ``onnxruntime-web/webgpu`` (native EP)       | ok   | ok | ok                  | ok              | clear error          |
| ``onnxruntime-web`` (JSEP), ``webgpu``       | ok   | ok | refused: 2/4-bit only | **wrong** (cos 0.33) | **wrong**, no error |
| either, ``wasm``                             | ok   | ok | ok                  | ok              | ok                   |

("ok" = max abs difference to CPU <= 2e-5.) Hence: ``webgpu`` in ``backends`` means the
native EP of the ``onnxruntime-web/webgpu`` bundle; ``int8`` is ``wasm`` only (and has no
WebGPU kernels anyway, see shared/NOTES.md); ``fp16`` requires ``shader-f16``.

Every variant keeps float32 graph input and output, so the head and the app do not change.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

from training.manifest import sha256_file
from training.upstream.base import Upstream

from .onnx_upstream import export_upstream_onnx

log = logging.getLogger(__name__)

ALL_VARIANTS = ("fp32", "fp16", "q8", "q4", "int8")
#: MatMulNBits quantisation block along K: 32 (the smallest common choice; one fp32 scale per
#: 32 weights costs 1 bit/weight, and 4-bit error grows with the block's largest weight).
BLOCK_SIZE = 32


@dataclass
class VariantFile:
    """One upstream file for the manifest."""

    id: str  #: "fp32" | "fp16" | "q8" | "q4" | "int8"
    file: str  #: file name inside out_dir, e.g. "upstream.q4.onnx"
    bytes: int
    sha256: str
    dtype: str  #: weight storage: "float32" | "float16" | "uint8-block32" | "uint4-block32" | "int8"
    backends: list[str] = field(default_factory=list)  #: "webgpu" and/or "wasm"
    requires: list[str] = field(default_factory=list)  #: WebGPU features, e.g. "shader-f16"


_FACTS: dict[str, tuple[str, list[str], list[str]]] = {
    "fp32": ("float32", ["webgpu", "wasm"], []),
    "fp16": ("float16", ["webgpu"], ["shader-f16"]),
    "q8": (f"uint8-block{BLOCK_SIZE}", ["webgpu", "wasm"], []),
    "q4": (f"uint4-block{BLOCK_SIZE}", ["webgpu", "wasm"], []),
    "int8": ("int8", ["wasm"], []),
}


def gemm_to_matmul(model: onnx.ModelProto) -> int:
    """Rewrite ``Gemm(A, W, b)`` with constant W as ``MatMul(A, W') + b``, in place.

    torch exports the attention output projection on a 2-D view as Gemm; the MatMulNBits
    and dynamic quantisers only take MatMul, so without this a quarter of the attention
    weights would stay fp32. Returns the number of rewritten nodes.
    """
    inits = {t.name: t for t in model.graph.initializer}
    new_nodes: list[onnx.NodeProto] = []
    count = 0
    for node in model.graph.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        simple = attrs.get("alpha", 1.0) == 1.0 and attrs.get("beta", 1.0) == 1.0 and not attrs.get("transA", 0)
        if node.op_type != "Gemm" or not simple or node.input[1] not in inits:
            new_nodes.append(node)
            continue
        w = numpy_helper.to_array(inits[node.input[1]])
        if attrs.get("transB", 0):
            w = np.ascontiguousarray(w.T)
        w_name = f"{node.input[1]}_matmul"
        model.graph.initializer.append(numpy_helper.from_array(w, w_name))
        has_bias = len(node.input) > 2 and node.input[2] != ""
        mm_out = f"{node.output[0]}_mm" if has_bias else node.output[0]
        new_nodes.append(helper.make_node("MatMul", [node.input[0], w_name], [mm_out], name=f"{node.name}_MatMul"))
        if has_bias:
            new_nodes.append(helper.make_node("Add", [mm_out, node.input[2]], [node.output[0]], name=f"{node.name}_Add"))
        count += 1
    del model.graph.node[:]
    model.graph.node.extend(new_nodes)
    used = {i for n in model.graph.node for i in n.input}
    keep = [t for t in model.graph.initializer if t.name in used]
    del model.graph.initializer[:]
    model.graph.initializer.extend(keep)
    return count


def shape_only_nodes(model: onnx.ModelProto) -> list[str]:
    """Names of nodes whose result depends on the input's *shape* only, not its values.

    In WavLM these build the relative-position buckets (Log of distances, then a cast to
    int): in fp16 a bucket boundary can round to the neighbouring bucket, so they stay fp32.
    They run once per call on [T, T] and cost nothing next to the matmuls.
    """
    value_dependent = {i.name for i in model.graph.input}
    shape_dependent: set[str] = set()
    names: list[str] = []
    for node in model.graph.node:  # exported graphs are topologically sorted
        if node.op_type == "Shape":
            shape_dependent.update(node.output)
        elif any(i in value_dependent for i in node.input):
            value_dependent.update(node.output)
        elif any(i in shape_dependent for i in node.input):
            shape_dependent.update(node.output)
            names.append(node.name)
    return names


def to_fp16(model: onnx.ModelProto) -> onnx.ModelProto:
    """fp16 weights and compute, fp32 ``waveform`` in and ``hidden_states`` out.

    Kept in fp32 (cheap: a few nodes, cast at their edges):
    * the input normalisation (``/normalize/`` nodes): squares of audio samples underflow;
    * the CNN's normalisations (GroupNorm exported as InstanceNormalization, and the
      LayerNorms of a layer-norm CNN): fairseq itself runs them in fp32 (``Fp32GroupNorm``,
      ``Fp32LayerNorm``) because their statistics over raw CNN outputs overflow in fp16;
    * shape-only position computations (``shape_only_nodes``).
    onnxruntime issue #31626 shows why CPU checks are not enough: an fp16 variance that
    overflows on WebGPU stays finite and silently wrong, while CPU/WASM are correct.
    """
    from onnxruntime.transformers.float16 import DEFAULT_OP_BLOCK_LIST, convert_float_to_float16

    block = [
        n.name
        for n in model.graph.node
        if n.name.startswith("/normalize/")
        or n.op_type == "InstanceNormalization"
        or (n.op_type == "LayerNormalization" and n.name.startswith("/model/feature_extractor/"))
    ] + shape_only_nodes(model)
    half = convert_float_to_float16(
        model, keep_io_types=True, op_block_list=list(DEFAULT_OP_BLOCK_LIST), node_block_list=block
    )
    toposort(half.graph)  # the converter appends its input casts at the end
    return half


def toposort(graph: onnx.GraphProto) -> None:
    """Reorder ``graph.node`` so every node comes after the producers of its inputs (in place)."""
    available = {i.name for i in graph.input} | {t.name for t in graph.initializer} | {""}
    pending = list(graph.node)
    ordered: list[onnx.NodeProto] = []
    while pending:
        rest = []
        for node in pending:
            if all(i in available for i in node.input):
                ordered.append(node)
                available.update(node.output)
            else:
                rest.append(node)
        if len(rest) == len(pending):
            raise ValueError(f"graph has a cycle or a missing input near node {rest[0].name!r}")
        pending = rest
    del graph.node[:]
    graph.node.extend(ordered)


def to_matmul_nbits(model: onnx.ModelProto, bits: int) -> onnx.ModelProto:
    """Weight-only ``bits``-bit MatMulNBits (symmetric, block 32) on every constant MatMul."""
    from onnxruntime.quantization.matmul_nbits_quantizer import DefaultWeightOnlyQuantConfig, MatMulNBitsQuantizer

    config = DefaultWeightOnlyQuantConfig(
        block_size=BLOCK_SIZE, is_symmetric=True, bits=bits, op_types_to_quantize=("MatMul",)
    )
    quantizer = MatMulNBitsQuantizer(model, bits=bits, block_size=BLOCK_SIZE, is_symmetric=True, algo_config=config)
    quantizer.process()
    return quantizer.model.model


def to_dynamic_int8(src: Path, dst: Path) -> None:
    """Dynamic quantisation: int8 weights, activations quantised per call (MatMulInteger)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(src),
        str(dst),
        op_types_to_quantize=["MatMul"],
        weight_type=QuantType.QInt8,
        per_channel=False,
        extra_options={"MatMulConstBOnly": True},
    )


def export_variants(
    up: Upstream, out_dir: Path, variants: tuple[str, ...] | list[str] = ALL_VARIANTS
) -> list[VariantFile]:
    """Export ``up`` and write ``upstream.<id>.onnx`` for each requested variant into ``out_dir``.

    All files: ``waveform`` float32 [1, samples] -> ``hidden_states`` float32 [L, frames, D].
    Returns one ``VariantFile`` per variant, in the order asked.
    """
    unknown = [v for v in variants if v not in _FACTS]
    if unknown:
        raise ValueError(f"unknown variants {unknown}; choose from {ALL_VARIANTS}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fp32_path = out_dir / "upstream.fp32.onnx"
    export_upstream_onnx(up, fp32_path)
    base = onnx.load(str(fp32_path))
    # A MatMul-only graph for the quantisers (numerically the same as the Gemm form).
    matmul_only = onnx.load(str(fp32_path))
    n_gemm = gemm_to_matmul(matmul_only)
    log.info("rewrote %d Gemm nodes as MatMul+Add", n_gemm)

    for variant in variants:
        path = out_dir / f"upstream.{variant}.onnx"
        if variant == "fp16":
            onnx.save(to_fp16(base), str(path))
        elif variant in ("q8", "q4"):
            onnx.save(to_matmul_nbits(_copy(matmul_only), 8 if variant == "q8" else 4), str(path))
        elif variant == "int8":
            tmp = out_dir / ".upstream.matmul.onnx"
            onnx.save(matmul_only, str(tmp))
            try:
                to_dynamic_int8(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
        if variant != "fp32":
            onnx.checker.check_model(str(path))
    if "fp32" not in variants:
        fp32_path.unlink()
    return [_describe(out_dir, v) for v in variants]


def _copy(model: onnx.ModelProto) -> onnx.ModelProto:
    dup = onnx.ModelProto()
    dup.CopyFrom(model)
    return dup


def _describe(out_dir: Path, variant: str) -> VariantFile:
    path = out_dir / f"upstream.{variant}.onnx"
    dtype, backends, requires = _FACTS[variant]
    return VariantFile(
        id=variant,
        file=path.name,
        bytes=path.stat().st_size,
        sha256=sha256_file(path),
        dtype=dtype,
        backends=list(backends),
        requires=list(requires),
    )
