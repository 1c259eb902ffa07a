import torch


def test_torch_is_the_pinned_cpu_build():
    assert torch.__version__.startswith("2.13.0")


def test_emodb_has_535_labelled_files(emodb_dir):
    lines = (emodb_dir / "labels.csv").read_text().strip().splitlines()
    assert lines[0] == "file,speaker,text,emotion"
    assert len(lines) - 1 == 535
