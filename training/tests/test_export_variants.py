"""Browser variants: files and hashes, ops, CPU onnxruntime runs, closeness to PyTorch fp32.

Bounds were measured on 20 EmoDB files with the tiny random models (min per-layer cosine:
fp16 0.999999, q8 0.99998, int8 0.9993, q4 0.996) and set with margin. q4 is looser for a
reason: symmetric 4-bit blocks of 32 keep 8 levels per sign, an error of up to ~1/16 of the
block's largest weight, so cosine ~0.997 is what 4-bit weights give on these random models.
"""
import hashlib

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import soundfile as sf
import torch

from training.export.variants import ALL_VARIANTS, export_variants, gemm_to_matmul
from training.export.fidelity import layer_cosines
from training.upstream.tiny import build_tiny

MIN_COSINE = {"fp32": 0.99999, "fp16": 0.999, "q8": 0.999, "int8": 0.995, "q4": 0.99}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    up = build_tiny("wavlm")
    out = tmp_path_factory.mktemp("variants")
    return up, out, export_variants(up, out)


@pytest.fixture(scope="module")
def speech(emodb_dir) -> np.ndarray:
    audio, _ = sf.read(str(emodb_dir / "08a01Wa.wav"), dtype="float32")
    return audio[None, :13120]


def test_one_file_per_variant_with_size_and_hash(exported):
    _, out, files = exported
    assert [f.id for f in files] == list(ALL_VARIANTS)
    for f in files:
        data = (out / f.file).read_bytes()
        assert f.file == f"upstream.{f.id}.onnx"
        assert f.bytes == len(data) and f.sha256 == hashlib.sha256(data).hexdigest()
    by_id = {f.id: f for f in files}
    assert by_id["int8"].backends == ["wasm"]
    assert by_id["fp16"].requires == ["shader-f16"] and by_id["fp16"].backends == ["webgpu"]
    assert by_id["q4"].bytes < by_id["q8"].bytes < by_id["fp32"].bytes
    assert by_id["fp16"].bytes < by_id["fp32"].bytes


def test_quantised_files_hold_the_intended_ops(exported):
    _, out, _ = exported

    def ops(variant):
        return [n for n in onnx.load(str(out / f"upstream.{variant}.onnx")).graph.node]

    for variant, bits in (("q8", 8), ("q4", 4)):
        nbits = [n for n in ops(variant) if n.op_type == "MatMulNBits"]
        # 2 layers x (q, k, v, out, gate, ffn in, ffn out) + feature projection = 15
        assert len(nbits) == 15
        assert {onnx.helper.get_attribute_value(a) for n in nbits for a in n.attribute if a.name == "bits"} == {bits}
        assert not any(n.op_type == "Gemm" for n in ops(variant))
    assert sum(n.op_type == "MatMulInteger" for n in ops("int8")) == 15
    fp16 = onnx.load(str(out / "upstream.fp16.onnx"))
    weights = [t for t in fp16.graph.initializer if len(t.dims) == 2 and t.dims[0] * t.dims[1] >= 64 * 64]
    assert weights and all(t.data_type == onnx.TensorProto.FLOAT16 for t in weights)


@pytest.mark.parametrize("variant", ALL_VARIANTS)
def test_variant_runs_on_cpu_with_fp32_io_and_stays_close(exported, speech, variant):
    up, out, _ = exported
    session = ort.InferenceSession(str(out / f"upstream.{variant}.onnx"), providers=["CPUExecutionProvider"])
    (inp,), (outp,) = session.get_inputs(), session.get_outputs()
    assert (inp.name, inp.type, outp.name, outp.type) == ("waveform", "tensor(float)", "hidden_states", "tensor(float)")
    with torch.no_grad():
        ref = up(torch.from_numpy(speech)).numpy()
    hidden = session.run(None, {"waveform": speech})[0]
    assert hidden.shape == ref.shape == (3, 40, 64)
    assert layer_cosines(ref, hidden).min() > MIN_COSINE[variant]


def test_gemm_rewrite_is_exact(exported, speech, tmp_path):
    _, out, _ = exported
    model = onnx.load(str(out / "upstream.fp32.onnx"))
    assert gemm_to_matmul(model) == 2  # WavLM's attention output projections
    path = tmp_path / "matmul.onnx"
    onnx.save(model, str(path))
    onnx.checker.check_model(str(path))
    a = ort.InferenceSession(str(out / "upstream.fp32.onnx"), providers=["CPUExecutionProvider"]).run(None, {"waveform": speech})[0]
    b = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"waveform": speech})[0]
    assert np.abs(a - b).max() < 1e-5


def test_unknown_variant_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown variants"):
        export_variants(build_tiny("wavlm"), tmp_path, variants=("fp32", "bf16"))


def test_fp16_keeps_overflow_prone_parts_in_fp32(speech, tmp_path):
    """Large layout: input normalisation, CNN LayerNorms and position buckets stay fp32."""
    up = build_tiny("wavlm-large")
    export_variants(up, tmp_path, variants=("fp16",))
    model = onnx.shape_inference.infer_shapes(onnx.load(str(tmp_path / "upstream.fp16.onnx")))
    elem = {v.name: v.type.tensor_type.elem_type for v in [*model.graph.value_info, *model.graph.output]}
    F32, F16 = onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16

    def out_type(pred):
        return {elem.get(n.output[0]) for n in model.graph.node if pred(n)}

    assert out_type(lambda n: n.name.startswith("/normalize/") and n.op_type == "Div") == {F32}
    assert out_type(lambda n: n.op_type == "LayerNormalization" and "feature_extractor" in n.name) == {F32}
    assert out_type(lambda n: n.op_type == "Log") == {F32}  # relative-position buckets
    assert out_type(lambda n: n.op_type == "LayerNormalization" and "/encoder/layers" in n.name) == {F16}
    session = ort.InferenceSession(str(tmp_path / "upstream.fp16.onnx"), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        ref = up(torch.from_numpy(speech)).numpy()
    assert layer_cosines(ref, session.run(None, {"waveform": speech})[0]).min() > MIN_COSINE["fp16"]


_ORT_WEB_SCRIPT = """
import * as ort from '%(ort)s';
import fs from 'node:fs';
ort.env.wasm.numThreads = 1;
const [dir, xPath, ...variants] = process.argv.slice(1);
const x = new Float32Array(new Uint8Array(fs.readFileSync(xPath)).buffer);
for (const v of variants) {
  const s = await ort.InferenceSession.create(`${dir}/upstream.${v}.onnx`, { executionProviders: ['wasm'] });
  const h = (await s.run({ waveform: new ort.Tensor('float32', x, [1, x.length]) })).hidden_states;
  fs.writeFileSync(`${dir}/web.${v}.bin`, Buffer.from(h.data.buffer, h.data.byteOffset, h.data.byteLength));
}
"""


def test_every_variant_runs_in_onnxruntime_web_wasm(exported, speech):
    """The browser's runtime (onnxruntime-web, WASM backend, run in Node) gives the CPU results."""
    import shutil
    import subprocess
    from pathlib import Path

    ort_web = Path(__file__).resolve().parents[2] / "node_modules/onnxruntime-web/dist/ort.node.min.mjs"
    if shutil.which("node") is None or not ort_web.is_file():
        pytest.skip("node or node_modules/onnxruntime-web not installed (npm ci)")
    _, out, _ = exported
    x = np.ascontiguousarray(speech[0], dtype=np.float32)
    x.tofile(out / "x.bin")
    subprocess.run(
        ["node", "--input-type=module", "-e", _ORT_WEB_SCRIPT % {"ort": ort_web.as_posix()}, "--",
         str(out), str(out / "x.bin"), *ALL_VARIANTS],
        check=True, timeout=120, capture_output=True,
    )
    up, _, _ = exported
    with torch.no_grad():
        ref = up(torch.from_numpy(speech)).numpy()
    for variant in ALL_VARIANTS:
        cpu = ort.InferenceSession(str(out / f"upstream.{variant}.onnx"), providers=["CPUExecutionProvider"])
        expected = cpu.run(None, {"waveform": speech})[0]
        web = np.fromfile(out / f"web.{variant}.bin", dtype=np.float32).reshape(expected.shape)
        # Every variant stays as close to PyTorch fp32 in the browser's runtime as the guard asks.
        assert layer_cosines(ref, web).min() > MIN_COSINE[variant], variant
        if variant == "int8":
            # Dynamic int8 MatMulInteger is not bit-stable across runtimes: native onnxruntime
            # on AVX2 without VNNI uses u8*s8 pair sums that can saturate, WASM does not, so
            # the two differ by the quantisation step (CI saw 0.96 max abs). Closeness to fp32
            # (above) is the contract; CPU and web need only agree as directions.
            assert layer_cosines(expected, web).min() > MIN_COSINE["int8"], variant
        else:
            assert np.abs(web - expected).max() < (5e-3 if variant == "fp16" else 1e-4), variant
