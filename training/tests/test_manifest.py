"""Manifest: written files validate against the schema, checksums match, tampering is caught."""
import hashlib
import json

import jsonschema
import pytest

from training.manifest import SCHEMA_PATH, verify_manifest, write_manifest
from training.upstream.base import UpstreamInfo

INFO = UpstreamInfo(name="tiny", kind="wavlm", num_layers=3, dim=8, downsample_rate=320, min_samples=400,
                    normalization="none", licence="MIT", provenance="random init")


def _write(tmp_path, **over):
    (tmp_path / "upstream.fp32.onnx").write_bytes(b"upstream-bytes")
    (tmp_path / "upstream.q4.onnx").write_bytes(b"q4")
    (tmp_path / "head.onnx").write_bytes(b"head-bytes")
    (tmp_path / "MODEL_CARD.md").write_text("# card\n")
    kw = dict(
        name="tiny-test", version="0.1.0", labels=["anger", "happiness", "neutral", "sadness"], upstream=INFO,
        variants=[
            {"id": "fp32", "file": "upstream.fp32.onnx", "dtype": "float32", "backends": ["webgpu", "wasm"], "requires": []},
            {"id": "q4", "file": "upstream.q4.onnx", "bytes": 1, "sha256": "0" * 64, "dtype": "int4",
             "backends": ["webgpu", "wasm"], "requires": []},
        ],
        head_file="head.onnx", head_type="corrap", licence="MIT", provenance="test",
        head_licence="MIT", head_provenance="trained in a test", label_smoothing=0.1,
        metrics={"protocol": "leave-one-group-out", "dataset": "emodb", "classes": ["a", "b"],
                 "folds": [{"group": "03", "n_test": 4, "accuracy": 0.5, "uar": 0.5}],
                 "mean_accuracy": 0.5, "std_accuracy": 0.0, "mean_uar": 0.5, "confusion": [[1, 1], [1, 1]]},
    )
    kw.update(over)
    return write_manifest(tmp_path, **kw)


def test_written_manifest_validates_and_checksums_match(tmp_path):
    m = _write(tmp_path)
    on_disk = json.loads((tmp_path / "manifest.json").read_text())
    assert on_disk == m
    jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text())).validate(on_disk)
    q4 = m["upstream"]["variants"][1]
    assert q4["bytes"] == 2 and q4["sha256"] == hashlib.sha256(b"q4").hexdigest()  # recomputed, not copied
    assert m["head"]["sha256"] == hashlib.sha256(b"head-bytes").hexdigest()
    assert verify_manifest(tmp_path) == []


def test_tampered_and_missing_files_are_detected(tmp_path):
    _write(tmp_path)
    (tmp_path / "head.onnx").write_bytes(b"head-bytez")  # same size, other content
    (tmp_path / "upstream.q4.onnx").unlink()
    problems = verify_manifest(tmp_path)
    assert any("head" in p and "SHA-256" in p for p in problems)
    assert any("q4" in p and "missing" in p for p in problems)
    assert len(problems) == 2


def test_invalid_manifest_is_not_written(tmp_path):
    with pytest.raises(jsonschema.ValidationError):
        _write(tmp_path, head_type="attention")
    assert not (tmp_path / "manifest.json").exists()
    with pytest.raises(jsonschema.ValidationError):
        _write(tmp_path, labels=["only-one"])


def test_schema_rejects_unsafe_paths(tmp_path):
    m = _write(tmp_path)
    schema = json.loads(SCHEMA_PATH.read_text())
    for bad in ("../x.onnx", "/etc/passwd", "a/../../b"):
        broken = json.loads(json.dumps(m))
        broken["head"]["file"] = bad
        assert not jsonschema.Draft202012Validator(schema).is_valid(broken), bad


def test_head_attention_is_declared_for_corrap_only(tmp_path):
    m = _write(tmp_path, head_attention=True)
    assert m["head"]["attention"] == {"output": "attention"}
    assert "attention" not in _write(tmp_path)["head"]
    with pytest.raises(ValueError, match="no attention"):
        _write(tmp_path, head_type="meanstd", head_attention=True)
    m = json.loads((tmp_path / "manifest.json").read_text())
    m["head"].update(type="mean", attention={"output": "attention"})
    (tmp_path / "manifest.json").write_text(json.dumps(m))
    assert verify_manifest(tmp_path) == ["head.attention declared for a mean head (only corrap has attention)"]


def test_schema_bounds_free_form_fields_and_sizes(tmp_path):
    """The schema the browser uses also bounds what Python writes: flat config, sizes <= 4 GiB."""
    m = _write(tmp_path, metrics=None)
    schema = json.loads(SCHEMA_PATH.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    metrics = {"protocol": "loso", "dataset": "emodb", "classes": ["a", "b"],
               "folds": [{"group": "03", "n_test": 4, "accuracy": 0.5, "uar": 0.5, "best_epoch": 3}],
               "mean_accuracy": 0.5, "std_accuracy": 0.0, "mean_uar": 0.5, "confusion": [[1, 1], [1, 1]],
               "config": {"pooling": "corrap", "lr": 1e-4, "seed": 0, "layers": [1, 2]}}
    assert validator.is_valid({**m, "metrics": metrics})
    deep: object = 1
    for _ in range(200):
        deep = {"a": deep}
    assert not validator.is_valid({**m, "metrics": {**metrics, "config": {"x": deep}}})
    assert not validator.is_valid({**m, "metrics": {**metrics, "extra": {"a": 1}}})
    big = json.loads(json.dumps(m))
    big["head"]["bytes"] = 2**53 - 1
    assert not validator.is_valid(big)
    with pytest.raises(jsonschema.ValidationError):
        _write(tmp_path, metrics={**metrics, "config": {"nested": {"a": 1}}})


def test_training_config_fits_the_schema():
    """TrainConfig, as written to metrics.config, stays flat (a nested field would break the browser's schema)."""
    from dataclasses import asdict

    from training.train import TrainConfig
    schema = json.loads(SCHEMA_PATH.read_text())
    config_schema = {"$defs": schema["$defs"], "$ref": "#/$defs/config"}
    jsonschema.Draft202012Validator(config_schema).validate(asdict(TrainConfig()))
