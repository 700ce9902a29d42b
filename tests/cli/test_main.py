"""``main(argv) -> int``: version, commands, flags, exit codes, and never a traceback."""

from __future__ import annotations

import argparse
import subprocess
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

import aimcoach.cli
from aimcoach.cli import main
from aimcoach.config import SETTINGS
from aimcoach.i18n import CATALOG, t

COMMANDS = {"link", "unlink", "status", "export", "run", "ctl", "devserver", "service"}
# The least each command needs to parse (the issue: `link --code XXXXXX`).
REQUIRED = {"link": ["--code", "123456"]}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _walk(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _walk(sub, (*path, name))


def _commands() -> dict[tuple[str, ...], argparse.ArgumentParser]:
    return dict(_walk(aimcoach.cli._build_parser()))


def _leaves() -> list[tuple[str, ...]]:
    """Every command a person can run: a parser with a handler."""
    return [path for path, p in _commands().items() if path and p.get_default("handler")]


def test_version_is_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--version")
    assert code == 0
    assert out.startswith(f"aimcoach {metadata.version('aimcoach')}")


def test_version_names_the_commit_in_a_checkout(capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(aimcoach.cli.__file__).resolve().parents[2]
    if not (root / ".git").exists():
        pytest.skip("not running from a git checkout")
    head = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    _, out, _ = _run(capsys, "--version")
    # The build date follows: tests/packaging/test_version.py checks the whole line.
    assert out.startswith(f"aimcoach {metadata.version('aimcoach')} (commit {head}")


def test_the_commands_of_the_issue_are_all_there() -> None:
    assert {path[0] for path in _commands() if len(path) == 1} == COMMANDS
    assert {path for path in _commands() if path[:1] == ("ctl",)} >= {
        ("ctl",),
        ("ctl", "status"),
        ("ctl", "stop"),
    }


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys)
    assert code == 2
    assert "usage: aimcoach" in err
    assert "Traceback" not in out + err


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "upload")
    assert code == 2
    assert "invalid choice: 'upload'" in err


def test_main_runs_more_than_once_in_a_process(capsys: pytest.CaptureFixture[str]) -> None:
    # The parser builder once shared its name with the submodule aimcoach.cli._parser, which
    # replaced it on first import: the second main() in a process failed.
    assert _run(capsys, "status", "--json")[0] == 0
    assert _run(capsys, "status", "--json")[0] == 0


@pytest.mark.parametrize("path", _leaves(), ids=" ".join)
def test_every_command_takes_the_common_flags(path: tuple[str, ...]) -> None:
    parser = _commands()[path]
    flags = {flag for action in parser._actions for flag in action.option_strings}
    common = {s.flag for s in SETTINGS if s.scope == "common"}
    assert common <= flags, f"missing {sorted(common - flags)}"
    if path[0] in ("run", "export"):
        assert {s.flag for s in SETTINGS if s.scope == "pipeline"} <= flags


@pytest.mark.parametrize("path", _leaves(), ids=" ".join)
def test_a_common_flag_works_before_and_after_the_command(path: tuple[str, ...]) -> None:
    parser = aimcoach.cli._build_parser()
    argv = [*path, *REQUIRED.get(path[0], [])]
    after = parser.parse_args([*argv, "--log-level", "debug"])
    before = parser.parse_args(["--log-level", "debug", *argv])
    assert after.log_level == before.log_level == "debug"
    assert not hasattr(parser.parse_args(argv), "log_level")  # not given: not set


@pytest.mark.parametrize("path", list(_commands()), ids=lambda p: " ".join(p) or "aimcoach")
def test_every_flag_has_help_text_in_its_help(
    capsys: pytest.CaptureFixture[str], path: tuple[str, ...]
) -> None:
    code, out, _ = _run(capsys, *path, "--help")
    assert code == 0
    for action in _commands()[path]._actions:
        if not action.option_strings:
            continue
        assert action.help and action.help != argparse.SUPPRESS, action.option_strings
        assert action.option_strings[-1] in out


def test_a_configuration_error_exits_2_naming_key_and_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("workers = 0\n", encoding="utf-8")
    code, out, err = _run(capsys, "status", "--config", str(config))
    assert code == 2
    assert out == ""
    assert "workers" in err and str(config) in err and "from 1 to 32" in err
    assert "Traceback" not in err


def test_an_unknown_key_in_the_file_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('kovaaks_dir = "D:/stats"\n', encoding="utf-8")
    monkeypatch.setenv("AIMCOACH_CONFIG", str(config))
    code, _, err = _run(capsys, "status")
    assert code == 2
    assert "kovaaks_dir" in err and str(config) in err


@pytest.mark.parametrize(
    "url", ["http://api.example.com", "http://192.168.1.5:8787", "http://localhost.example"]
)
def test_plain_http_off_loopback_exits_2(capsys: pytest.CaptureFixture[str], url: str) -> None:
    code, out, err = _run(capsys, "status", "--api-endpoint", url)
    assert code == 2
    assert out == ""
    assert (
        err
        == "aimcoach: " + t("config.endpoint_not_https", url=url, origin="--api-endpoint") + "\n"
    )


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8787", "http://[::1]:8787", "http://localhost:8787"]
)
def test_plain_http_on_loopback_is_accepted(capsys: pytest.CaptureFixture[str], url: str) -> None:
    code, out, _ = _run(capsys, "status", "--api-endpoint", url)
    assert code == 0
    assert url in out


def test_an_unexpected_error_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stands in for a bug anywhere below main: the player sees one line, not a traceback.
    def broken(**_: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("aimcoach.config.discover", broken)
    code, out, err = _run(capsys, "status", "--log-format", "json")
    assert code == 1
    assert err == "aimcoach: " + t("cli.unexpected", error="RuntimeError: disk on fire") + "\n"
    assert out == ""


def test_the_traceback_of_an_unexpected_error_is_in_the_debug_log(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("aimcoach.config.discover", broken)
    code, _, err = _run(capsys, "status", "--log-level", "debug", "--log-format", "json")
    assert code == 1
    assert '"event": "cli.unexpected"' in err
    assert "Traceback" in err  # inside the JSON log line, for a bug report


BAD = ["status", "--api-endpoint", "http://example.com"]


def _endpoint_error(lang: int) -> str:
    text = CATALOG["config.endpoint_not_https"][lang]
    return "aimcoach: " + text.format(url="http://example.com", origin="--api-endpoint") + "\n"


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (["--lang", "ja", *BAD], {}),
        (["--lang=ja", *BAD], {}),
        ([*BAD, "--lang", "ja"], {}),
        (BAD, {"AIMCOACH_LANG": "ja"}),
        (BAD, {"LANG": "ja_JP.UTF-8"}),
        (BAD, {"LC_MESSAGES": "ja_JP.UTF-8"}),
        (BAD, {"LC_ALL": "ja_JP.UTF-8", "AIMCOACH_LANG": ""}),
    ],
)
def test_messages_follow_the_chosen_language(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    env: dict[str, str],
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    _, _, err = _run(capsys, *argv)
    assert err == _endpoint_error(1)


def test_the_lang_flag_beats_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIMCOACH_LANG", "ja")
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    _, _, err = _run(capsys, "--lang", "en", *BAD)
    assert err == _endpoint_error(0)


def test_the_lang_setting_in_the_config_file_is_used(
    capsys: pytest.CaptureFixture[str], isolated_env: Path
) -> None:
    (isolated_env / ".config/aimcoach/config.toml").write_text('lang = "ja"\n', encoding="utf-8")
    _, out, _ = _run(capsys, "status")
    assert CATALOG["status.settings"][1] in out


def test_public_surface() -> None:
    assert sorted(aimcoach.cli.__all__) == ["console_main", "main", "version_text"]
