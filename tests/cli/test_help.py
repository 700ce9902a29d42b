"""``--help`` of every command, compared with golden files under tests/cli/golden/.

Regenerate them after a deliberate change with ``AIMCOACH_UPDATE_GOLDEN=1 pytest tests/cli``
and review the diff. argparse wraps at $COLUMNS, fixed here at 100.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import aimcoach.cli
from aimcoach.cli import main

GOLDEN = Path(__file__).parent / "golden"
# Read at import: the autouse isolated_env fixture removes AIMCOACH_* variables from each test.
UPDATE = os.environ.get("AIMCOACH_UPDATE_GOLDEN") == "1"


def _walk(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _walk(sub, (*path, name))


def _paths() -> list[tuple[str, ...]]:
    return [path for path, _ in _walk(aimcoach.cli._build_parser())]


def _golden(path: tuple[str, ...]) -> Path:
    return GOLDEN / f"help_{'_'.join(path) or 'aimcoach'}.txt"


def _help(capsys: pytest.CaptureFixture[str], home: Path, *argv: str) -> str:
    assert main([*argv, "--help"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    # Defaults under the user's folders (the reference server's database) depend on HOME.
    return out.replace(str(home), "$HOME")


@pytest.fixture(autouse=True)
def _columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")


@pytest.mark.parametrize("path", _paths(), ids=lambda p: " ".join(p) or "aimcoach")
def test_help_matches_the_golden_file(
    capsys: pytest.CaptureFixture[str], isolated_env: Path, path: tuple[str, ...]
) -> None:
    text = _help(capsys, isolated_env, *path)
    golden = _golden(path)
    if UPDATE:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"{golden.name} is missing: run with AIMCOACH_UPDATE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8")


def test_every_golden_file_belongs_to_a_command() -> None:
    expected = {_golden(path).name for path in _paths()}
    assert {p.name for p in GOLDEN.glob("help_*.txt")} <= expected


def _one_liners(parser: argparse.ArgumentParser) -> dict[str, str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {a.dest: str(a.help) for a in action._get_subactions()}
    return {}


@pytest.mark.parametrize(
    "path",
    [p for p, parser in _walk(aimcoach.cli._build_parser()) if _one_liners(parser)],
    ids=lambda p: " ".join(p) or "aimcoach",
)
def test_help_lists_each_command_with_its_one_line_description(
    capsys: pytest.CaptureFixture[str], isolated_env: Path, path: tuple[str, ...]
) -> None:
    parser = dict(_walk(aimcoach.cli._build_parser()))[path]
    flat = " ".join(_help(capsys, isolated_env, *path).split())
    for name, line in _one_liners(parser).items():
        assert line.strip() and "\n" not in line, name
        assert re.search(rf"\b{re.escape(name)} {re.escape(' '.join(line.split()))}", flat), name


def test_the_top_level_help_names_our_commands(
    capsys: pytest.CaptureFixture[str], isolated_env: Path
) -> None:
    flat = " ".join(_help(capsys, isolated_env).split())
    for name, line in [
        ("status", "show settings, game folders and link state"),
        ("export", "read every run once and deliver it (or print it with --dry-run)"),
        ("run", "watch the game folders and deliver new runs as they finish"),
        ("ctl", "talk to a running `aimcoach run`"),
    ]:
        assert f"{name} {line}" in flat
    for name in ("link", "unlink", "devserver"):
        assert re.search(rf"\b{name} \S", flat), name
