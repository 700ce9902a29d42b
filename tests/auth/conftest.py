"""Puts this folder on ``sys.path`` (for ``_auth_support``) and provides the auth fixtures."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from _auth_support import (
    FAST_KDF,
    PASSPHRASE,
    FakeSettings,
    MemoryKeyring,
    WallClock,
)

from aimcoach.auth._file_store import EncryptedFileStore


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """An in-memory backend installed with ``keyring.set_keyring`` (the old one put back)."""
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


@pytest.fixture
def settings(tmp_path: Path) -> FakeSettings:
    return FakeSettings(data_dir=tmp_path / "data")


@pytest.fixture
def file_store(settings: FakeSettings) -> EncryptedFileStore:
    return EncryptedFileStore(
        settings.data_dir / "tokens.enc", lambda creating: PASSPHRASE, kdf=FAST_KDF
    )


@pytest.fixture
def wall_clock() -> WallClock:
    return WallClock()
