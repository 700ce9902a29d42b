"""The one-file executable that ``bin/build`` makes: it runs on its own, with its version inside.

Slow: the first test builds ``dist/aimcoach`` with ``bin/build --no-install`` (PyInstaller, about
a minute) when it is missing or older than the sources, then every test runs the executable in
a subprocess, from a folder outside the checkout, with the temporary HOME of the autouse fixture.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import aimcoach

ROOT = Path(aimcoach.__file__).resolve().parent.parent
EXE = ROOT / "dist" / ("aimcoach.exe" if sys.platform == "win32" else "aimcoach")
EXAMPLES = ROOT / "examples"
# PyInstaller on two cores takes about a minute; a cold cache, more.
BUILD_TIMEOUT_S = 900

pytestmark = [pytest.mark.slow, pytest.mark.timeout(BUILD_TIMEOUT_S + 120)]


def _sources() -> Iterator[Path]:
    yield ROOT / "pyproject.toml"
    yield ROOT / "bin" / "build"
    # src/_version.py included: a new install (new commit, new date) means a new build.
    yield from (ROOT / "src").rglob("*.py")


def _stale() -> bool:
    if not EXE.exists():
        return True
    built = EXE.stat().st_mtime
    return any(path.stat().st_mtime > built for path in _sources())


@pytest.fixture(scope="module")
def exe() -> Path:
    if _stale():
        done = subprocess.run(
            ["bash", str(ROOT / "bin" / "build"), "--no-install"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
            check=False,
        )
        assert done.returncode == 0, f"bin/build failed:\n{done.stdout}\n{done.stderr}"
    return EXE


def _run(exe: Path, *argv: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(exe), *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


def test_version_shows_the_embedded_version_commit_and_date(exe: Path, tmp_path: Path) -> None:
    done = _run(exe, "--version", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    match = re.fullmatch(
        r"aimcoach (?P<version>\S+) \(commit (?P<commit>[0-9a-f]{7,40}), "
        r"built (?P<built>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\)\n",
        done.stdout,
    )
    assert match is not None, done.stdout
    # What the install wrote into src/_version.py is what the executable carries.
    embedded = (ROOT / "src" / "_version.py").read_text(encoding="utf-8")
    assert f'__version__ = "{match["version"]}"' in embedded
    assert f'__commit__ = "g{match["commit"]}"' in embedded
    assert f'__build_date__ = "{match["built"]}"' in embedded
    # ... and the commit is one of this repository's.
    known = subprocess.run(
        ["git", "cat-file", "-e", f"{match['commit']}^{{commit}}"], cwd=ROOT, check=False
    )
    assert known.returncode == 0


def test_the_checksum_file_matches(exe: Path) -> None:
    line = (exe.parent / "aimcoach.sha256").read_text(encoding="ascii")
    assert line == f"{hashlib.sha256(exe.read_bytes()).hexdigest()}  {exe.name}\n"


def test_status_json(exe: Path, tmp_path: Path, isolated_env: Path) -> None:
    done = _run(exe, "status", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert info["version"] == aimcoach.__version__
    assert info["settings"]["config"]["value"] == os.environ["AIMCOACH_CONFIG"]
    assert info["folders"]["state_dir"]["path"] == str(isolated_env / "aimcoach-state")
    assert info["link"]["linked"] is False
    assert info["live"] is None


def test_export_dry_run_of_the_examples(exe: Path, tmp_path: Path) -> None:
    argv = [
        "export",
        "--dry-run",
        "--kovaaks-csv-dir",
        str(EXAMPLES / "kovaaks"),
        "--aimlabs-sqlite",
        str(EXAMPLES / "aimlab" / "klutch.bytes"),
        "--timezone",
        "Asia/Tokyo",
    ]
    # An empty search path: zoneinfo must use the tzdata package frozen into the executable,
    # as on Windows, which has no zone database of its own.
    done = _run(exe, *argv, cwd=tmp_path, PYTHONTZPATH="")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    # Counted by hand: 8 KovaaK's files in examples/kovaaks (one run each) and 12 rows in
    # klutch.bytes (SELECT count(*) FROM TaskData).
    assert len(lines) == 20
    records = [json.loads(line) for line in lines]
    assert sorted({r["provider"] for r in records}) == ["aimlabs", "kovaaks"]
    assert all(re.fullmatch(r"[0-9a-f]{64}", r["digest"]) for r in records)
    # The file name "… 2025.01.01-12.16.15 Stats.csv" is Tokyo time (UTC+9): 03:16:15 UTC.
    taken = {r["taken_at"] for r in records if r["provider"] == "kovaaks"}
    assert "2025-01-01T03:16:15Z" in taken

    python = subprocess.run(
        [sys.executable, "-m", "aimcoach", *argv],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert python.returncode == 0, python.stderr
    assert done.stdout == python.stdout  # byte for byte: the same records, the same digests
