"""Hugging Face self-supervised speech encoders (WavLM, HuBERT, wav2vec 2.0) as an ``Upstream``.

One code path for every checkpoint: ``HFUpstream.from_pretrained(<local dir | hub id>)`` loads
the model with ``AutoModel`` and the checkpoint's own feature-extractor config
(``preprocessor_config.json``). The tiny random test models (``tiny.py``) are saved to disk
and loaded back through this same function, so tests exercise what a user runs with
``microsoft/wavlm-base-plus`` or ``microsoft/wavlm-large``.

Hidden states follow transformers' convention (v5): index 0 is the input of the first
transformer layer (CNN features -> feature projection -> positional conv, plus the encoder
LayerNorm for post-LN models such as WavLM Base+), index i is the output of layer i. For
pre-LN ("stable layer norm") models such as WavLM Large the last entry is taken *before* the
final encoder LayerNorm (transformers v5 ``tie_last_hidden_states=False``).
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

import torch

from .base import Upstream, UpstreamInfo

log = logging.getLogger(__name__)

#: Known licences by hub-id prefix (model cards; the code is in microsoft/unilm and fairseq).
_KNOWN_LICENCES: list[tuple[str, str, str]] = [
    ("microsoft/wavlm", "MIT", "WavLM (Chen et al., 2022), microsoft/unilm; Hugging Face hub {id}"),
    ("facebook/hubert", "Apache-2.0", "HuBERT (Hsu et al., 2021), facebookresearch/fairseq; Hugging Face hub {id}"),
    ("facebook/wav2vec2", "Apache-2.0", "wav2vec 2.0 (Baevski et al., 2020), facebookresearch/fairseq; Hugging Face hub {id}"),
]

#: Constant of Wav2Vec2FeatureExtractor.zero_mean_unit_var_norm.
NORM_EPS = 1e-7


class ZeroMeanUnitVar(torch.nn.Module):
    """Wav2Vec2FeatureExtractor's ``do_normalize``: (x - mean) / sqrt(var + 1e-7), population var.

    A module of its own so its ONNX nodes carry the ``/normalize/`` name prefix (fp16 export
    keeps them in fp32: squares of audio samples underflow in half precision).
    """

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        """waveform [1, S] -> [1, S]."""
        mean = waveform.mean(dim=-1, keepdim=True)
        centred = waveform - mean
        var = (centred * centred).mean(dim=-1, keepdim=True)
        return centred / torch.sqrt(var + NORM_EPS)


def conv_downsample_rate(conv_stride: list[int] | tuple[int, ...]) -> int:
    """Input samples per output frame: product of the CNN strides (320 for WavLM)."""
    rate = 1
    for s in conv_stride:
        rate *= int(s)
    return rate


def conv_min_samples(conv_kernel: list[int] | tuple[int, ...], conv_stride: list[int] | tuple[int, ...]) -> int:
    """Shortest input giving one frame: receptive field of the CNN (400 for WavLM)."""
    length = 1
    for k, s in reversed(list(zip(conv_kernel, conv_stride))):
        length = (length - 1) * int(s) + int(k)
    return length


def _licence_from_card(directory: Path) -> str | None:
    """``license:`` from a local model card's YAML front matter, if there is one."""
    card = directory / "README.md"
    if not card.is_file():
        return None
    text = card.read_text(encoding="utf-8", errors="replace")
    front = re.match(r"^---\n(.*?)\n---", text, re.S)
    if not front:
        return None
    m = re.search(r"^licen[cs]e:\s*(\S+)", front.group(1), re.M)
    return m.group(1) if m else None


def licence_and_provenance(source: str) -> tuple[str, str]:
    """Licence and provenance for a hub id or a local directory (card first, then known ids)."""
    path = Path(source)
    if path.is_dir():
        card = _licence_from_card(path)
        return (card or "unknown (no model card licence in directory)", f"local directory {path.name}")
    for prefix, licence, provenance in _KNOWN_LICENCES:
        if source.lower().startswith(prefix):
            return licence, provenance.format(id=source)
    return "unknown", f"Hugging Face hub {source}"


def read_do_normalize(source: str, config: object) -> tuple[bool, str]:
    """The checkpoint's ``do_normalize`` and where it came from.

    Reads preprocessor_config.json through AutoFeatureExtractor. Without one, falls back to
    transformers' convention: checkpoints with a layer-norm CNN ("layer", e.g. WavLM Large,
    wav2vec2-large-lv60) were trained on normalised audio, group-norm ones (Base/Base+) not.
    """
    from transformers import AutoFeatureExtractor

    try:
        fe = AutoFeatureExtractor.from_pretrained(source)
        return bool(getattr(fe, "do_normalize", False)), "preprocessor_config.json"
    except (OSError, ValueError) as err:
        guess = getattr(config, "feat_extract_norm", "group") == "layer"
        log.warning("no feature-extractor config for %s (%s); assuming do_normalize=%s", source, err, guess)
        return guess, "guessed from feat_extract_norm (no preprocessor_config.json)"


class HFUpstream(Upstream):
    """Frozen transformers speech encoder: waveform [1, S] -> hidden states [L, T, D].

    L = num_hidden_layers + 1, T = frames (one per ``downsample_rate`` samples, first frame
    needs ``min_samples``), D = hidden_size. Normalisation, if the checkpoint asks for it,
    runs inside forward (and so inside the exported ONNX graph).
    """

    def __init__(self, model: torch.nn.Module, *, do_normalize: bool, name: str, licence: str, provenance: str):
        super().__init__()
        cfg = model.config
        self.model = model.eval()
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.normalize = ZeroMeanUnitVar() if do_normalize else None
        self.info = UpstreamInfo(
            name=name,
            kind=str(cfg.model_type),
            num_layers=int(cfg.num_hidden_layers) + 1,
            dim=int(cfg.hidden_size),
            downsample_rate=conv_downsample_rate(cfg.conv_stride),
            min_samples=conv_min_samples(cfg.conv_kernel, cfg.conv_stride),
            normalization="zero_mean_unit_var" if do_normalize else "none",
            licence=licence,
            provenance=provenance,
        )
        self.eval()

    def train(self, mode: bool = True) -> "HFUpstream":
        """Always eval: the upstream is frozen (no dropout, no masking) even inside a trained model."""
        return super().train(False)

    @classmethod
    def from_pretrained(
        cls,
        source: str | Path,
        *,
        name: str | None = None,
        licence: str | None = None,
        provenance: str | None = None,
    ) -> "HFUpstream":
        """Load from a local directory or a hub id (needs internet or the HF cache for ids).

        Loads in float32 with eager attention (exports to plain ONNX MatMul/Softmax, which the
        fp16 and MatMulNBits conversions handle) whatever dtype the checkpoint was saved in.
        """
        from transformers import AutoConfig, AutoModel

        src = str(source)
        config = AutoConfig.from_pretrained(src)
        model = AutoModel.from_pretrained(src, dtype=torch.float32, attn_implementation="eager")
        do_normalize, origin = read_do_normalize(src, config)
        log.info("%s: do_normalize=%s (%s)", src, do_normalize, origin)
        auto_licence, auto_provenance = licence_and_provenance(src)
        return cls(
            model,
            do_normalize=do_normalize,
            name=name or src,
            licence=licence or auto_licence,
            provenance=provenance or auto_provenance,
        )

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        """waveform [1, S] float32 in [-1, 1] -> hidden states [L, T, D] float32."""
        x = self.normalize(waveform) if self.normalize is not None else waveform
        out = self.model(x, output_hidden_states=True, return_dict=True)
        # Each hidden state is [1, T, D]; batch 1 -> stack on the batch axis.
        return torch.cat(tuple(out.hidden_states), dim=0)
