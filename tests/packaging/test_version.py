"""The version, commit and build date: from the generated ``_version.py``, else metadata and git."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from types import ModuleType

import pytest

import aimcoach
import aimcoach._buildinfo
from aimcoach._buildinfo import (
    UNKNOWN_VERSION,
    BuildInfo,
    build_info,
    checkout_commit,
    package_version,
)
from aimcoach.cli import main

ROOT = Path(aimcoach.__file__).resolve().parent.parent
LINE = re.compile(
    r"aimcoach (?P<version>\S+) \(commit (?P<commit>[0-9a-f]{7,40}), "
    r"built (?P<built>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\)"
)


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_line_shows_what_is_known() -> None:
    full = BuildInfo("1.2.3", "1a2b3c4d", "2024-05-01T12:00:00Z")
    assert full.text() == "aimcoach 1.2.3 (commit 1a2b3c4d, built 2024-05-01T12:00:00Z)"
    assert BuildInfo("1.2.3", "1a2b3c4d", None).text() == "aimcoach 1.2.3 (commit 1a2b3c4d)"
    assert BuildInfo("1.2.3", None, None).text() == "aimcoach 1.2.3"


def test_an_installed_package_embeds_version_commit_and_date(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # bin/test installs the package (editable), which writes src/_version.py.
    embedded = aimcoach._buildinfo._embedded()
    assert embedded is not None, "src/_version.py is missing: install first (bin/test does)"
    assert embedded.__version__ == metadata.version("aimcoach") == aimcoach.__version__
    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    match = LINE.fullmatch(out.strip())
    assert match is not None, out
    assert match["version"] == metadata.version("aimcoach")
    # Running from this checkout, the commit shown is the checkout's HEAD.
    assert _git("rev-parse", "HEAD", cwd=ROOT).startswith(match["commit"])
    assert match["built"] == embedded.__build_date__


def test_a_wheel_or_executable_shows_the_embedded_commit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = ModuleType("aimcoach._version")
    fake.__version__ = "2.0.1"  # type: ignore[attr-defined]
    fake.__commit__ = "gdeadbeef1"  # type: ignore[attr-defined]
    fake.__build_date__ = "2030-01-02T03:04:05Z"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "aimcoach._version", fake)
    # Not in a checkout: aimcoach's folder has no .git beside it.
    monkeypatch.setattr(aimcoach._buildinfo, "__file__", str(tmp_path / "aimcoach" / "x.py"))
    assert build_info() == BuildInfo("2.0.1", "deadbeef1", "2030-01-02T03:04:05Z")
    assert package_version() == "2.0.1"


def test_no_git_metadata_means_no_commit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = ModuleType("aimcoach._version")
    fake.__version__ = "0.1.0.dev0"  # type: ignore[attr-defined]
    fake.__commit__ = "None"  # type: ignore[attr-defined]
    fake.__build_date__ = "2030-01-02T03:04:05Z"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "aimcoach._version", fake)
    monkeypatch.setattr(aimcoach._buildinfo, "__file__", str(tmp_path / "aimcoach" / "x.py"))
    assert build_info().text() == "aimcoach 0.1.0.dev0 (built 2030-01-02T03:04:05Z)"


def test_without_the_generated_file_metadata_and_git_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A None entry makes the import fail, as for a source tree that was never installed.
    monkeypatch.setitem(sys.modules, "aimcoach._version", None)
    info = build_info()
    assert info.version == metadata.version("aimcoach")
    assert info.built_at is None
    assert info.commit is not None
    assert _git("rev-parse", "HEAD", cwd=ROOT).startswith(info.commit)


def test_without_anything_the_version_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "aimcoach._version", None)

    def not_installed(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", not_installed)
    assert package_version() == UNKNOWN_VERSION == "0+unknown"


def test_the_checkout_commit_of_a_real_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git("init", "-q", cwd=repo)
    (repo / "f").write_text("x", encoding="utf-8")
    _git("add", "f", cwd=repo)
    _git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "m", cwd=repo)
    head = _git("rev-parse", "HEAD", cwd=repo)
    assert checkout_commit(repo) == head[:12]
    assert checkout_commit(tmp_path) is None  # no .git: not a checkout


@pytest.mark.parametrize(
    ("raw", "commit"),
    [("g1a2b3c4", "1a2b3c4"), ("1a2b3c4d5e6f", "1a2b3c4d5e6f"), ("None", None), ("", None)],
)
def test_commits_are_cleaned(raw: str, commit: str | None) -> None:
    assert aimcoach._buildinfo._clean_commit(raw) == commit


def test_the_version_file_is_not_tracked() -> None:
    tracked = _git("ls-files", "src/_version.py", cwd=ROOT)
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "src/_version.py"], cwd=ROOT, check=False
    ).returncode
    assert (tracked, ignored) == ("", 0)


def test_public_surface() -> None:
    assert sorted(aimcoach._buildinfo.__all__) == [
        "BuildInfo",
        "UNKNOWN_VERSION",
        "build_info",
        "checkout_commit",
        "package_version",
    ]
