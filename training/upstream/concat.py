"""Two or more upstreams side by side, in one graph that keeps the [L, T, D] contract.

Each part's layers are placed in their own slice of the feature axis (zeros elsewhere):
part i's layer j becomes ``[0 .. 0, h_ij, 0 .. 0]`` with D = sum of the parts' D and
L = sum of their L. The featurizer's weighted sum over these L layers is then exactly
the concatenation of each part's own weighted layer mix, so a head sees both streams.

Frames are aligned in time: all parts must share one hop (samples per frame), and each
part's frames are shifted so that frame t of every part is centred on the same sample as
frame t of the first part (``frame_centre`` attribute of each part: sample index of the
centre of its frame 0); frames beyond the shortest aligned part are dropped.
"""
from __future__ import annotations

import torch
from torch import nn

from .base import Upstream, UpstreamInfo


class ConcatUpstream(Upstream):
    """waveform [1, S] -> [sum L_i, T, sum D_i] (parts in disjoint feature slices)."""

    def __init__(self, parts: list[Upstream]):
        super().__init__()
        hops = {p.info.downsample_rate for p in parts}
        if len(hops) != 1:
            raise ValueError(f"parts must share one frame hop, got {sorted(hops)}")
        hop = hops.pop()
        self.parts = nn.ModuleList(parts)
        centres = [float(p.frame_centre) for p in parts]
        # Frame t of part 0 is centred at centres[0] + t * hop; part i's frame with that
        # centre is t + offsets[i] (rounded). Offsets are made non-negative by cropping part 0.
        rel = [round((centres[0] - c) / hop) for c in centres]
        base = max(0, -min(rel))
        self.offsets = [r + base for r in rel]
        self.dims = [p.info.dim for p in parts]
        self.frame_centre = centres[0] + base * hop
        self.info = UpstreamInfo(
            name=" + ".join(p.info.name for p in parts),
            kind="concat(" + ",".join(p.info.kind for p in parts) + ")",
            num_layers=sum(p.info.num_layers for p in parts),
            dim=sum(self.dims),
            downsample_rate=hop,
            min_samples=max(p.info.min_samples for p in parts),
            normalization="; ".join(f"{p.info.kind}: {p.info.normalization}" for p in parts),
            licence="; ".join(p.info.licence for p in parts),
            provenance="; ".join(p.info.provenance for p in parts),
        )

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        """waveform [1, S] float32 -> hidden states [sum L_i, T, sum D_i]."""
        aligned = [part(waveform)[:, off:, :] for part, off in zip(self.parts, self.offsets)]
        # Crop to the shortest by slicing with shapes (stays dynamic in an exported graph).
        shortest = aligned[0]
        for a in aligned[1:]:
            shortest = shortest[:, : a.shape[1]]
        total = sum(self.dims)
        stacked = []
        start = 0
        for a, dim in zip(aligned, self.dims):
            a = a[:, : shortest.shape[1]]  # [L_i, T, D_i]
            stacked.append(nn.functional.pad(a, (start, total - start - dim)))
            start += dim
        return torch.cat(stacked, dim=0)
