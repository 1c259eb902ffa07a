"""Shared fixtures: where the team's data lives (../shared beside the repo)."""
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
EMODB = SHARED / "data" / "emodb"


@pytest.fixture(scope="session")
def emodb_dir() -> Path:
    if not (EMODB / "labels.csv").exists():
        pytest.fail(f"EmoDB not found at {EMODB}: tests read the team's data from ../shared")
    return EMODB
