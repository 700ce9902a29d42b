"""A state folder the agent creates holds the player's run history: it is theirs alone."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from aimcoach.state import StateDB


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes; Windows profile folders use ACLs")
def test_a_new_state_folder_is_private_to_the_user(tmp_path: Path) -> None:
    target = tmp_path / "new" / "state"
    old = os.umask(0o022)
    try:
        StateDB.open(target, exclusive=False).close()
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o700
