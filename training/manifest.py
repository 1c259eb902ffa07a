"""Write and verify public/models/<name>/manifest.json (schema: schemas/manifest.schema.json)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any, Iterable

import jsonschema

from .upstream.base import UpstreamInfo

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "manifest.schema.json"
MANIFEST = "manifest.json"
#: head.attention of a head whose ONNX graph outputs its attention over the upstream frames.
HEAD_ATTENTION = {"output": "attention"}
#: Name of the head's output with the pooled representation its final linear layer reads (head.pooled).
POOLED_OUTPUT = "pooled"
#: Default file of that layer's weights: float32 little-endian W [labels, dim] row-major, then b [labels].
CLASSIFIER_FILE = "classifier.f32"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_ref(out_dir: Path, file: str) -> dict:
    """{file, bytes, sha256} of ``out_dir/file`` (file relative, forward slashes)."""
    p = Path(out_dir) / file
    if not p.is_file():
        raise FileNotFoundError(f"manifest: {p} does not exist")
    return {"file": file, "bytes": p.stat().st_size, "sha256": sha256_file(p)}


def classifier_bytes(labels: int, dim: int) -> int:
    """Size of a classifier file: float32 W [labels, dim] and b [labels]."""
    return 4 * labels * (dim + 1)


def pooled_ref(out_dir: Path, classifier: str, dim: int, labels: int) -> dict:
    """head.pooled for ``out_dir/classifier`` (raises ValueError when its size does not fit)."""
    ref = file_ref(out_dir, classifier)
    if ref["bytes"] != classifier_bytes(labels, dim):
        raise ValueError(f"{classifier}: {ref['bytes']} bytes, a {labels} x {dim} layer plus bias needs "
                         f"{classifier_bytes(labels, dim)}")
    return {"output": POOLED_OUTPUT, "dim": dim, "classifier": ref}


def load_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def validate(manifest: dict) -> None:
    """Raise jsonschema.ValidationError when ``manifest`` breaks the schema."""
    jsonschema.Draft202012Validator(load_schema()).validate(manifest)


def metrics_from_cv(cv: dict, dataset: str) -> dict:
    """The manifest's ``metrics`` from a cross_validate() result."""
    keep = ("folds", "mean_accuracy", "std_accuracy", "mean_uar", "std_uar", "pooled_accuracy", "pooled_uar",
            "confusion", "config", "seconds", "cpu_seconds")
    out = {"protocol": cv["protocol"], "dataset": dataset, "classes": list(cv["labels"])}
    out.update({k: cv[k] for k in keep if k in cv})
    return out


# What the page's model panel says about each corpus the pipeline knows (training/data/corpora.py ids);
# counts come from the utterances actually used.
CORPUS_FACTS: dict[str, dict[str, str]] = {
    "emodb": {"corpus": "EmoDB", "citation": "Burkhardt et al., 2005", "language": "German", "style": "acted",
              "licence": "research data, free of charge; not redistributed here"},
    "ravdess": {"corpus": "RAVDESS speech", "citation": "Livingstone & Russo, 2018", "language": "English (North American)",
                "style": "acted", "licence": "CC BY-NC-SA 4.0"},
    "nemo": {"corpus": "nEMO", "citation": "Christop, 2024", "language": "Polish", "style": "acted", "licence": "CC BY-NC-SA 4.0"},
    "iemocap": {"corpus": "IEMOCAP", "citation": "Busso et al., 2008", "language": "English", "style": "acted",
                "licence": "USC SAIL release licence (research use); not redistributed here"},
}


def training_data_from(utts: Iterable[Any], corpus_of: Any) -> list[dict] | None:
    """The manifest's ``training_data``: per corpus, clips and distinct speakers of ``utts``
    (``corpus_of(u)`` names each utterance's corpus id). None if any corpus is unknown (a
    custom CSV): the manifest then makes no claim rather than a wrong one."""
    clips: dict[str, int] = {}
    speakers: dict[str, set] = {}
    for u in utts:
        c = corpus_of(u)
        clips[c] = clips.get(c, 0) + 1
        speakers.setdefault(c, set()).add(u.speaker)
    if not clips or any(c not in CORPUS_FACTS for c in clips):
        return None
    return [{**CORPUS_FACTS[c], "speakers": len(speakers[c]), "clips": clips[c]} for c in sorted(clips, key=list(CORPUS_FACTS).index)]


def _as_dict(v: Any) -> dict:
    return asdict(v) if is_dataclass(v) else dict(v)


def write_manifest(
    out_dir: Path,
    *,
    name: str,
    version: str,
    labels: list[str],
    upstream: UpstreamInfo,
    variants: Iterable[Any],
    head_file: str,
    head_type: str,
    licence: str,
    provenance: str,
    head_licence: str,
    head_provenance: str,
    description: str = "",
    label_smoothing: float | None = None,
    metrics: dict | None = None,
    fidelity_file: str | None = None,
    model_card: str = "MODEL_CARD.md",
    domain_normalization: dict | None = None,
    evaluation: dict | None = None,
    head_attention: bool = False,
    training_data: list[dict] | None = None,
    head_pooled: dict | None = None,
    calibration: dict | None = None,
) -> dict:
    """Compute bytes + SHA-256 of every referenced file, validate, write ``out_dir/manifest.json``.

    ``variants``: VariantFile dataclasses or dicts with id, file, dtype, backends, requires
    (bytes/sha256 are recomputed from the files, so a stale value cannot slip through).
    ``head_attention``: head.onnx has the second output ``attention`` [T] (CorrAP); declared
    as ``head.attention``.
    ``head_pooled``: {"dim": P, "classifier": file name}: head.onnx also outputs ``pooled`` [1, P]
    and the file holds its final linear layer (declared as ``head.pooled``, size checked).
    ``calibration``: the few-shot calibration recipe {method, l2, steps, lr[, min_per_class]};
    needs ``head_pooled``. Returns the manifest dict.
    """
    out_dir = Path(out_dir)
    if not (out_dir / model_card).is_file():
        raise FileNotFoundError(f"manifest: model card {out_dir / model_card} does not exist")
    vs = []
    for v in variants:
        d = _as_dict(v)
        file = Path(d["file"]).name if Path(d["file"]).is_absolute() else str(d["file"])
        vs.append({"id": d["id"], **file_ref(out_dir, file), "dtype": d["dtype"],
                   "backends": list(d["backends"]), "requires": list(d["requires"])})
    head = {"type": head_type, **file_ref(out_dir, head_file), "input": "hidden_states", "output": "probabilities"}
    if label_smoothing is not None:
        head["label_smoothing"] = float(label_smoothing)
    if head_attention:
        if head_type != "corrap":  # the only pooling that weights frames (not in the schema: see its description)
            raise ValueError(f"head type {head_type!r} has no attention over time to declare")
        head["attention"] = dict(HEAD_ATTENTION)
    if head_pooled is not None:
        head["pooled"] = pooled_ref(out_dir, head_pooled["classifier"], int(head_pooled["dim"]), len(labels))
    elif calibration is not None:
        raise ValueError("a calibration recipe needs head_pooled (the layer it refits)")
    head.update(licence=head_licence, provenance=head_provenance)
    manifest: dict[str, Any] = {
        "name": name, "version": version, "description": description, "labels": list(labels),
        "sample_rate": upstream.sample_rate,
        "upstream": {
            "name": upstream.name, "kind": upstream.kind, "num_layers": upstream.num_layers, "dim": upstream.dim,
            "downsample_rate": upstream.downsample_rate, "min_samples": upstream.min_samples,
            "normalization": upstream.normalization, "input": "waveform", "output": "hidden_states",
            "variants": vs, "licence": upstream.licence, "provenance": upstream.provenance,
        },
        "head": head,
    }
    if metrics is not None:
        manifest["metrics"] = metrics
    if fidelity_file is not None:
        manifest["fidelity"] = file_ref(out_dir, fidelity_file)
    if domain_normalization is not None:
        # {"type", "prior": <file name>, "prior_frames", "std_floor"}: the prior's size and hash are computed here
        dn = dict(domain_normalization)
        dn["prior"] = file_ref(out_dir, dn["prior"] if isinstance(dn["prior"], str) else dn["prior"]["file"])
        manifest["domain_normalization"] = dn
    if evaluation is not None:
        manifest["evaluation"] = evaluation
    if training_data is not None:
        manifest["training_data"] = training_data
    if calibration is not None:
        manifest["calibration"] = dict(calibration)
    manifest.update(licence=licence, provenance=provenance, model_card=model_card)
    validate(manifest)
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def verify_manifest(directory: Path) -> list[str]:
    """Problems with ``directory/manifest.json`` (schema, missing files, size/SHA-256); [] if none."""
    directory = Path(directory)
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except (OSError, json.JSONDecodeError) as e:
        return [f"{MANIFEST}: {e}"]
    problems = [f"schema: {e.message} at /{'/'.join(map(str, e.absolute_path))}"
                for e in jsonschema.Draft202012Validator(load_schema()).iter_errors(manifest)]
    if problems:
        return problems
    if "attention" in manifest["head"] and manifest["head"]["type"] != "corrap":
        problems.append(f"head.attention declared for a {manifest['head']['type']} head (only corrap has attention)")
    pooled = manifest["head"].get("pooled")
    if "calibration" in manifest and pooled is None:
        problems.append("calibration declared but head.pooled (the layer it refits) is missing")
    refs = [(f"upstream variant {v['id']}", v) for v in manifest["upstream"]["variants"]]
    refs.append(("head", manifest["head"]))
    if pooled is not None:
        refs.append(("head classifier", pooled["classifier"]))
        want = classifier_bytes(len(manifest["labels"]), pooled["dim"])
        if pooled["classifier"]["bytes"] != want:
            problems.append(f"head classifier: manifest says {pooled['classifier']['bytes']} bytes, "
                            f"{len(manifest['labels'])} labels x {pooled['dim']} dims plus bias need {want}")
    if "fidelity" in manifest:
        refs.append(("fidelity", manifest["fidelity"]))
    if "domain_normalization" in manifest:
        refs.append(("domain prior", manifest["domain_normalization"]["prior"]))
    for what, ref in refs:
        p = directory / ref["file"]
        if not p.is_file():
            problems.append(f"{what}: {ref['file']} is missing")
            continue
        size = p.stat().st_size
        if size != ref["bytes"]:
            problems.append(f"{what}: {ref['file']} has {size} bytes, manifest says {ref['bytes']}")
        digest = sha256_file(p)
        if digest != ref["sha256"]:
            problems.append(f"{what}: {ref['file']} SHA-256 {digest} != manifest {ref['sha256']}")
    if not (directory / manifest["model_card"]).is_file():
        problems.append(f"model card {manifest['model_card']} is missing")
    return problems
