"""A token given on the command line or in the environment never reaches any output.

Each command runs with debug JSON logs on stderr, so stdout, stderr and the log lines are all
in what is checked.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aimcoach.cli import main

TOKEN = "SECRETVALUE123"

COMMANDS = [
    pytest.param(["status"], 0, id="status"),
    pytest.param(["status", "--json"], 0, id="status-json"),
    pytest.param(["status", "--state-dir", ""], 2, id="bad-value"),
    pytest.param(["ctl", "status"], 3, id="ctl-no-agent"),
    pytest.param(["ctl", "status", "--json"], 3, id="ctl-json-no-agent"),
    # Nothing to read on a fresh PC; a loopback endpoint in case it ever gets further.
    pytest.param(["export", "--api-endpoint", "http://127.0.0.1:9"], 2, id="export-nothing"),
    pytest.param(["status", "--api-endpoint", "http://api.example.com"], 2, id="bad-endpoint"),
    pytest.param(["status", "--config", "/no/such/config.toml"], 2, id="missing-config"),
    pytest.param(["statsu"], 2, id="usage-error"),
]


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    code = main(
        [*argv, "--log-level", "debug", "--log-format", "json"] if argv != ["statsu"] else argv
    )
    out, err = capsys.readouterr()
    return code, out + err


@pytest.mark.parametrize(("argv", "code"), COMMANDS)
def test_token_on_the_command_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], code: int
) -> None:
    got, output = _run(capsys, ["--api-token", TOKEN, *argv])
    assert got == code
    assert TOKEN not in output


@pytest.mark.parametrize("variable", ["API_TOKEN", "AIMCOACH_API_TOKEN"])
@pytest.mark.parametrize(("argv", "code"), COMMANDS)
def test_token_in_the_environment(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    argv: list[str],
    code: int,
) -> None:
    monkeypatch.setenv(variable, TOKEN)
    got, output = _run(capsys, argv)
    assert got == code
    assert TOKEN not in output


def test_the_token_is_shown_as_set(capsys: pytest.CaptureFixture[str]) -> None:
    _, output = _run(capsys, ["status", "--api-token", TOKEN])
    assert "(set)" in output
    assert TOKEN not in output


def test_an_error_quoting_a_value_that_holds_the_token_is_redacted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The player pasted the token into the endpoint too; the error quotes the endpoint.
    url = f"https://api.example.com/?token={TOKEN}"
    got, output = _run(capsys, ["status", "--api-token", TOKEN, "--api-endpoint", url])
    assert got == 2
    assert "https://api.example.com/?token=[redacted]" in output
    assert TOKEN not in output


def test_a_crash_quoting_the_token_is_redacted(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_: object) -> None:
        raise RuntimeError(f"refused Authorization: Bearer {TOKEN}")

    monkeypatch.setattr("aimcoach.config.discover", broken)
    monkeypatch.setenv("API_TOKEN", TOKEN)
    got, output = _run(capsys, ["status"])
    assert got == 1
    assert "Traceback" in output  # the debug log has it, redacted
    assert TOKEN not in output
