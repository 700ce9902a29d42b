"""Fixtures of the end-to-end tests: the reference server on loopback and a player's world.

Puts this folder on ``sys.path`` for ``_e2e_support``. The autouse ``isolated_env`` of
tests/conftest.py already keeps this process away from the real home; the child processes get
their whole environment from :meth:`World.env`.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from _e2e_support import ServerLog, World

from aimcoach.devserver.testing import RunningServer, running_devserver


@pytest.fixture
def server_log() -> ServerLog:
    """The reference server's request log (structlog is reset after each test by conftest)."""
    log = ServerLog()
    log.install()
    return log


@pytest.fixture
def server_db(tmp_path: Path) -> Path:
    return tmp_path / "server.sqlite3"


@pytest.fixture
async def server(server_log: ServerLog, server_db: Path) -> AsyncIterator[RunningServer]:
    async with running_devserver(db_path=server_db) as running:
        yield running


@pytest.fixture
def world(tmp_path: Path, server: RunningServer) -> World:
    return World(tmp_path / "pc", server)
