"""Export: upstream ONNX (fp32) + browser variants (fp16, q8, q4, int8) + fidelity report."""
