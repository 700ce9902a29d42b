"""A reader that goes away (`aimcoach export --dry-run | head`) ends the command quietly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aimcoach.devtools.samples import make_aimlab_db


@pytest.mark.skipif(sys.platform == "win32", reason="SIGPIPE semantics are POSIX")
def test_closing_the_pipe_early_is_not_an_error(tmp_path: Path) -> None:
    db = tmp_path / "klutch.bytes"
    make_aimlab_db(db, 3000, seed=7)  # about 2 MB of NDJSON: far more than a pipe buffer
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aimcoach",
            "export",
            "--dry-run",
            "--provider",
            "aimlabs",
            "--aimlabs-sqlite",
            str(db),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    with proc, proc.stderr:
        proc.stdout.read(100)
        proc.stdout.close()
        err = proc.stderr.read().decode()
        proc.wait(timeout=60)
    assert "unexpected error" not in err
    assert "Traceback" not in err
