"""Model pipeline: self-supervised upstream -> ONNX, attentive correlation pooling heads, manifest."""
