"""The real host (this OS, this user, ``subprocess``) and the command line the service runs.

The command line is the absolute path of what runs aimcoach now: the one-file executable
itself, or this Python with ``-m aimcoach`` (``pythonw.exe`` on Windows, which opens no
window). It never goes through a shell or ``PATH``, so the service keeps running the same
installation whatever the login environment looks like. A config file chosen explicitly
(``--config`` or ``AIMCOACH_CONFIG``) is passed on with ``--config``, because the service does
not see this terminal's flags and environment; the default config file needs no flag.

This module must not write files.
"""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from aimcoach.service._model import NOT_FOUND, Host, System

__all__ = ["agent_command", "current_host", "run_subprocess", "this_system"]

# A service manager that does not answer within this long is treated as unreachable.
_COMMAND_TIMEOUT_S = 30.0


def run_subprocess(argv: Sequence[str]) -> tuple[int, str, str]:
    """Run ``argv`` (no shell); a missing program is ``NOT_FOUND``, a hang or OSError is 1."""
    try:
        done = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=_COMMAND_TIMEOUT_S,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError as exc:
        return NOT_FOUND, "", str(exc)
    except subprocess.TimeoutExpired:
        return 1, "", f"{argv[0]} did not answer within {_COMMAND_TIMEOUT_S:g} s"
    except OSError as exc:
        return 1, "", str(exc)
    return done.returncode, done.stdout, done.stderr


def this_system(platform: str | None = None) -> System:
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        return "windows"
    if platform == "darwin":
        return "darwin"
    return "linux"


def _windows_user(environ: Mapping[str, str]) -> str:
    user = environ.get("USERNAME") or getpass.getuser()
    domain = environ.get("USERDOMAIN", "")
    return f"{domain}\\{user}" if domain else user


def current_host() -> Host:
    """This machine, this user, real commands."""
    system = this_system()
    environ = dict(os.environ)
    getuid = getattr(os, "getuid", None)
    return Host(
        system=system,
        home=Path.home(),
        run_command=run_subprocess,
        environ=environ,
        uid=getuid() if getuid is not None else None,
        user=_windows_user(environ) if system == "windows" else getpass.getuser(),
        # Not resolved: a virtual environment's python is a link, and it is the link that
        # makes the environment's packages visible.
        executable=os.path.abspath(sys.executable),
        frozen=bool(getattr(sys, "frozen", False)),
    )


def agent_command(host: Host, config: Path | None = None) -> list[str]:
    """The argv the service starts: ``aimcoach run`` through the program that runs us now."""
    if host.frozen:
        argv = [host.executable, "run"]
    else:
        program = host.executable
        if host.system == "windows":
            windowless = Path(program).with_name("pythonw.exe")
            if windowless.is_file():
                program = str(windowless)
        argv = [program, "-m", "aimcoach", "run"]
    if config is not None:
        argv += ["--config", str(config)]
    return argv
