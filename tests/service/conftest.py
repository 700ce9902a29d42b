"""Puts this folder on ``sys.path`` (for ``_service_support``) and gives each test a home."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home folder for a fake host, with the ``.config`` folder every desktop has."""
    folder = tmp_path / "home"
    (folder / ".config").mkdir(parents=True)
    return folder
