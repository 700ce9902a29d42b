"""``aimcoach service install | uninstall | status``: what a player sees, and exit codes.

Most tests run the command against a fake OS (``_service_support``); the last ones run the real
``aimcoach service`` in a subprocess on this Linux machine, under the temporary HOME of the
autouse fixture, where ``systemctl --user`` has no session bus to talk to.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _service_support import FakeOS, make_host, tree

import aimcoach.cli
import aimcoach.cli._service
from aimcoach.cli import main
from aimcoach.cli._service import install, service_command, status, uninstall
from aimcoach.config import Settings, load_settings
from aimcoach.i18n import set_language

UNIT = ".config/systemd/user/aimcoach.service"


def _settings() -> Settings:
    return load_settings({})


def _nothing_running(settings: Settings) -> dict[str, Any] | None:
    return None


def _run_by_hand(settings: Settings) -> dict[str, Any] | None:
    return {"pid": 4242, "version": "0.1.0", "uptime_s": 3725.0}


def _parse(*argv: str) -> Any:
    return aimcoach.cli._build_parser().parse_args(list(argv))


def test_install_status_uninstall(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeOS(home)
    host = make_host("linux", home, fake)
    before = tree(home)

    assert install(_settings(), host, live=_nothing_running) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "aimcoach now starts when you log in, and is running now "
        f"(systemd user unit: {home / UNIT})."
    )
    # The autouse fixture sets AIMCOACH_CONFIG: an explicit config file is passed on.
    config = os.environ["AIMCOACH_CONFIG"]
    assert out[1] == f"  Command: {home}/venv/bin/python -m aimcoach run --config {config}"
    # ... and it sets the state and data folders and the token store through the environment,
    # which the service will not see.
    assert out[2] == (
        "Note: AIMCOACH_TOKEN_STORE, AIMCOACH_STATE_DIR, AIMCOACH_DATA_DIR come from environment "
        "variables of this terminal, which the service will not see. Put these settings in the "
        f"config file ({config}) so that it uses them too."
    )

    assert status(_settings(), host, live=_run_by_hand) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"Starts at login: yes (systemd user unit: {home / UNIT})",
        f"  Command: {home}/venv/bin/python -m aimcoach run --config {config}",
        "  Service manager: enabled, active",
        "Running now: yes (pid 4242, version 0.1.0, up 1:02:05)",
    ]

    assert uninstall(_settings(), host) == 0
    assert (
        capsys.readouterr().out == f"aimcoach no longer starts at login: removed {home / UNIT}.\n"
    )
    assert tree(home) == before

    assert uninstall(_settings(), host) == 0
    assert capsys.readouterr().out == (
        "aimcoach is not set up to start at login; there is nothing to remove.\n"
    )
    assert status(_settings(), host, live=_nothing_running) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Starts at login: no. `aimcoach service install` sets it up.",
        "Running now: no",
    ]


def test_the_default_config_file_is_not_passed_on(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AIMCOACH_CONFIG", "AIMCOACH_STATE_DIR", "AIMCOACH_DATA_DIR"):
        monkeypatch.delenv(name)
    monkeypatch.delenv("AIMCOACH_TOKEN_STORE")
    host = make_host("linux", home, FakeOS(home))
    assert install(_settings(), host, live=_nothing_running) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == f"  Command: {home}/venv/bin/python -m aimcoach run"
    assert len(out) == 2  # no note: nothing comes from the environment


def test_a_run_started_by_hand_is_not_fought(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # It holds the state folder: a second run started by the service would fail at once.
    fake = FakeOS(home)
    host = make_host("linux", home, fake)
    assert install(_settings(), host, live=_run_by_hand) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == (
        f"aimcoach now starts when you log in (systemd user unit: {home / UNIT}). It was not "
        "started now because another aimcoach run is already running (pid 4242). Stop it with "
        "`aimcoach ctl stop` and run `aimcoach service install` again to start it now, or leave "
        "it until your next login."
    )
    assert "systemctl --user restart aimcoach.service" not in fake.programs()
    assert (home / ".config/systemd/user/default.target.wants/aimcoach.service").is_symlink()

    # Once installed, a run that is up is the service's own: a reinstall restarts it.
    fake.calls.clear()
    assert install(_settings(), host, live=_run_by_hand) == 0
    assert "systemctl --user restart aimcoach.service" in fake.programs()


def test_status_as_json(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    host = make_host("darwin", home, FakeOS(home))
    install(_settings(), host, live=_nothing_running)
    capsys.readouterr()
    assert status(_settings(), host, as_json=True, live=_run_by_hand) == 0
    info = json.loads(capsys.readouterr().out)
    assert info == {
        "installed": True,
        "kind": "launchd",
        "location": str(home / "Library/LaunchAgents/com.aimcoach.agent.plist"),
        "command": [
            f"{home}/venv/bin/python",
            "-m",
            "aimcoach",
            "run",
            "--config",
            os.environ["AIMCOACH_CONFIG"],
        ],
        "manager": {"state": "loaded, running", "error": None},
        "running": True,
        "live": _run_by_hand(_settings()),
    }


def test_windows_commands_are_shown_as_windows_quotes_them(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    host = make_host("windows", home, FakeOS(home), executable=r"C:\Program Files\py\python.exe")
    install(_settings(), host, live=_nothing_running)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "aimcoach now starts when you log in, and is running now "
        "(Task Scheduler task: aimcoach-player)."
    )
    assert lines[1].startswith('  Command: "C:\\Program Files\\py\\python.exe" -m aimcoach run')


def test_a_failure_is_a_catalog_message_and_exit_1(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    host = make_host("linux", home, FakeOS(home, missing=["systemctl"]))
    # Through main, as a person runs it: the handler gets this fake host instead of the machine.
    monkeypatch.setattr(aimcoach.cli._service, "current_host", lambda: host)
    assert main(["service", "install"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "aimcoach: systemd was not found (there is no systemctl command), so aimcoach cannot set "
        "itself up to start at login on this system. Nothing was changed. Add `aimcoach run` to "
        "your desktop's autostart settings instead.\n"
    )


def test_messages_follow_the_language(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    host = make_host("windows", home, FakeOS(home))
    set_language("ja")
    assert uninstall(_settings(), host) == 0
    assert capsys.readouterr().out == (
        "aimcoach はログイン時に起動する設定になっていません。削除するものはありません。\n"
    )


def test_an_action_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["service"]) == 2
    assert "ACTION" in capsys.readouterr().err


def test_the_handler_dispatches_each_action(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    host = make_host("windows", home, FakeOS(home))
    settings = _settings()
    assert service_command(_parse("service", "uninstall"), settings, host) == 0
    assert "nothing to remove" in capsys.readouterr().out
    assert service_command(_parse("service", "status", "--json"), settings, host) == 0
    assert json.loads(capsys.readouterr().out)["installed"] is False


# -- the real thing, on this machine -----------------------------------------------------------


def _aimcoach(*argv: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    # No session bus: systemctl --user must not reach a real user manager, even on a desktop.
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    return subprocess.run(
        [sys.executable, "-m", "aimcoach", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_the_real_command_round_trip_under_a_temporary_home(isolated_env: Path) -> None:
    home = isolated_env
    unit = home / UNIT
    before = tree(home)

    installed = _aimcoach("service", "install")
    if shutil.which("systemctl") is None:
        # No systemd at all: nothing is written, and the player is told what to do instead.
        assert installed.returncode == 1
        assert "systemd was not found" in installed.stderr
        assert tree(home) == before
    else:
        # systemd, but no user session bus (this sandbox, CI, SSH): enabled for the next login,
        # not started now, and the player is told how to start it.
        assert installed.returncode == 1, installed.stderr
        assert installed.stderr.startswith(
            f"aimcoach: aimcoach will start at your next login ({unit}), but it could not be "
            "started now because systemd (systemctl --user) could not be reached: "
        )
        assert "`systemctl --user start aimcoach.service`" in installed.stderr
        assert f"ExecStart={sys.executable} -m aimcoach run --config " in unit.read_text()
        assert (unit.parent / "default.target.wants" / "aimcoach.service").is_symlink()

        shown = _aimcoach("service", "status")
        assert shown.returncode == 0, shown.stderr
        lines = shown.stdout.splitlines()
        assert lines[0] == f"Starts at login: yes (systemd user unit: {unit})"
        assert lines[1].startswith(f"  Command: {sys.executable} -m aimcoach run --config ")
        # is-enabled reads files; is-active needs the bus (systemd words its error its own way).
        assert lines[2].startswith("  Service manager: enabled (could not be asked for more: ")
        assert "bus" in lines[2]
        assert lines[-1] == "Running now: no"

    removed = _aimcoach("service", "uninstall")
    assert removed.returncode == 0, removed.stderr
    if shutil.which("systemctl") is not None:
        assert removed.stdout == f"aimcoach no longer starts at login: removed {unit}.\n"
    assert tree(home) == before  # everything install wrote is gone
