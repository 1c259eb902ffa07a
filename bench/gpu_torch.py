"""Real-GPU reference for the WavLM Base+ architecture, PyTorch CUDA (no browser).

For a machine with a GPU but no Chromium: the same architecture as bench/.models/
wavlm-base-plus (transformers WavLMConfig defaults = Base+, random weights), all hidden
states, on 2-30 s of noise, fp32 and fp16, median/p95 over repeats after warm-up (CUDA
synchronised). Writes JSON to argv[1]. Needs torch with CUDA and transformers.
"""
from __future__ import annotations

import json
import sys
import time

import torch


def main(out: str) -> None:
    from transformers import WavLMConfig, WavLMModel

    torch.manual_seed(1234)
    model = WavLMModel(WavLMConfig()).eval().cuda()
    result = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "rows": []}
    for dtype in (torch.float32, torch.float16):
        m = model.to(dtype)
        for sec in (2, 4, 8, 16, 30):
            x = (torch.randn(1, sec * 16000, device="cuda") * 0.1).to(dtype)
            times = []
            with torch.no_grad():
                for i in range(8):
                    torch.cuda.synchronize()
                    t0 = time.perf_counter()
                    m(x, output_hidden_states=True)
                    torch.cuda.synchronize()
                    if i >= 3:  # first runs: cuDNN autotune and allocator warm-up
                        times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            row = {"dtype": str(dtype).split(".")[-1], "seconds": sec, "median_ms": times[len(times) // 2], "max_ms": times[-1],
                   "peak_mem_mb": torch.cuda.max_memory_allocated() / 1e6}
            result["rows"].append(row)
            print(row, file=sys.stderr)
    with open(out, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
