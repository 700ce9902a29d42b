"""The short soak: bench/soak.py for one minute, as bin/soak runs it for ten.

Runs the soak as its own process (it starts the reference server and ``aimcoach run`` as
children, kills ``run`` with SIGKILL twice and turns random server faults on), then checks the
verdict it wrote: every generated record accepted exactly once, judged by the server.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

_REPO = Path(__file__).resolve().parents[2]
_SOAK = _REPO / "bench" / "soak.py"


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_one_minute_soak_delivers_every_record_exactly_once(tmp_path: Path) -> None:
    verdict_path = tmp_path / "soak.json"
    done = subprocess.run(
        [sys.executable, str(_SOAK), "--minutes", "1", "--seed", "11", "--json", str(verdict_path)],
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    output = done.stdout[-4000:] + done.stderr[-4000:]
    assert done.returncode == 0, output
    verdict = json.loads(verdict_path.read_text())
    server = verdict["server"]
    # A minute of writing at 0.05-0.6 s per file, plus the 150-file and 300-row backlog.
    assert verdict["files"] > 150 and verdict["rows"] > 300, output
    assert verdict["generated"] == verdict["files"] + verdict["rows"]
    assert server["accepted"] == server["distinct_digests"] == verdict["generated"], output
    assert (verdict["missing"], verdict["unexpected"]) == (0, 0), output
    assert (server["duplicates"], server["rejected"], server["in_flight"]) == (0, 0, 0), output
    assert verdict["kills"] == 2
    assert verdict["faults_injected"] > 0
    assert verdict["final_run_exit"] == 0
    assert verdict["ok"] is True
