"""What every service manager backend shares: the host, the results, the error, the restart policy.

The host bundles everything a backend may touch of the outside world: the OS name, the home
folder, the environment and the command runner. Tests pass a fake one (a temporary home and a
runner that records the calls), so the three backends are checked on any OS.

This module must not run commands or touch files.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from aimcoach.actors.supervisor import Intensity
from aimcoach.errors import AimcoachError

__all__ = [
    "NOT_FOUND",
    "Host",
    "InstallResult",
    "Kind",
    "RestartPolicy",
    "Runner",
    "ServiceError",
    "ServiceStatus",
    "System",
    "UninstallResult",
    "restart_policy",
]

System = Literal["linux", "darwin", "windows"]
Kind = Literal["systemd", "launchd", "task-scheduler"]

#: ``run_command(argv) -> (exit code, stdout, stderr)``; the code is NOT_FOUND when the program
#: does not exist (as a shell says), never an exception.
Runner = Callable[[Sequence[str]], tuple[int, str, str]]
NOT_FOUND = 127


class ServiceError(AimcoachError):
    """Setting up (or removing) the start at login did not complete; the message says what to do."""


@dataclass(frozen=True)
class Host:
    """The machine as the service backends see it."""

    system: System
    home: Path
    run_command: Runner
    environ: Mapping[str, str] = field(default_factory=dict)
    #: the numeric user id (launchd's ``gui/<uid>`` domain); None on Windows
    uid: int | None = None
    #: the account the Windows task runs as (``DOMAIN\\user``)
    user: str = ""
    #: the program that runs aimcoach now, and whether it is a one-file executable
    executable: str = ""
    frozen: bool = False

    def config_home(self) -> Path:
        """``$XDG_CONFIG_HOME`` (systemd reads user units there), else ``~/.config``."""
        xdg = self.environ.get("XDG_CONFIG_HOME", "")
        return Path(xdg) if xdg and Path(xdg).is_absolute() else self.home / ".config"


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    """The service manager's restarts of a failed agent, one level above the supervisor's."""

    max_restarts: int
    window_s: int
    #: systemd's pause before a restart: short, so that a crash loop reaches the limit quickly
    restart_delay_s: int
    #: launchd has no limit, only a minimum time between starts: the same rate as the limit
    min_interval_s: int


def restart_policy(intensity: Intensity | None = None) -> RestartPolicy:
    """The supervisor's escalation (5 restarts in 60 s, then give up) applied to the process.

    The supervisor restarts a failing actor at most ``max_restarts`` times in ``window_s`` and
    then exits non-zero; the service manager restarts the whole agent by the same rule, so a
    broken installation stops instead of restarting forever.
    """
    limit = intensity or Intensity()
    window = max(1, math.ceil(limit.window_s))
    restarts = max(1, limit.max_restarts)
    return RestartPolicy(
        max_restarts=restarts,
        window_s=window,
        restart_delay_s=max(1, window // (2 * restarts)),
        min_interval_s=max(1, math.ceil(window / restarts)),
    )


@dataclass(frozen=True, slots=True)
class InstallResult:
    kind: Kind
    #: the file written, or the task's name
    location: str
    command: list[str]
    #: whether the agent was started now (it always starts at the next login)
    started: bool


@dataclass(frozen=True, slots=True)
class UninstallResult:
    kind: Kind
    location: str
    #: False: nothing was installed, nothing was done
    removed: bool
    #: the service manager could not be told (the files are removed all the same)
    manager_error: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    kind: Kind
    location: str
    installed: bool
    #: the command line written in the definition (None where it is not read back)
    command: list[str] | None = None
    #: what the service manager says (``enabled, active``), None when it could not be asked
    manager_state: str | None = None
    manager_error: str | None = None
