"""Head ONNX export: parity with PyTorch on two lengths, plain op set, dynamic frames."""
import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from training.export.head_onnx import export_head_onnx
from training.heads import EmotionHead

# Ops onnxruntime-web's WebGPU EP runs; the head must stay inside this set.
PLAIN_OPS = {
    "Constant", "ConstantOfShape", "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Reshape", "Transpose",
    "Cast", "MatMul", "Gemm", "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Relu", "Exp", "Log", "ReduceMax",
    "ReduceSum", "Softmax",
}


@pytest.mark.parametrize("pooling", ["mean", "meanstd", "cp", "corrap"])
def test_head_onnx_parity(tmp_path, pooling):
    torch.manual_seed(0)
    head = EmotionHead(num_layers=4, dim=48, num_classes=4, pooling=pooling, proj_dim=64).eval()
    with torch.no_grad():  # peaky outputs, so parity is tested away from the uniform distribution
        head.classifier.weight.mul_(40)
        head.featurizer.weights.copy_(torch.tensor([1.0, -0.5, 0.3, 2.0]))
    path = export_head_onnx(head, 4, 48, tmp_path / "head.onnx")
    model = onnx.load(str(path))
    assert {n.op_type for n in model.graph.node} <= PLAIN_OPS
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["hidden_states"]
    expected = ["probabilities", "attention"] if pooling == "corrap" else ["probabilities"]
    assert [o.name for o in sess.get_outputs()] == expected
    spread = 0.0
    for frames in (23, 131):
        x = torch.randn(4, frames, 48)
        with torch.no_grad():
            ref = torch.softmax(head(x.unsqueeze(0), torch.tensor([frames])), dim=-1).numpy()
        out = sess.run(["probabilities"], {"hidden_states": x.numpy()})[0]
        assert out.shape == (1, 4)
        assert np.abs(out - ref).max() < 1e-5
        spread = max(spread, float(ref.max() - ref.min()))
    assert spread > 0.3
