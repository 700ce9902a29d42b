"""macOS: a LaunchAgent, ``~/Library/LaunchAgents/com.aimcoach.agent.plist``.

``install`` writes the property list (RunAtLoad: start at login; KeepAlive with
SuccessfulExit=false: start again after a failure, not after a clean stop; ThrottleInterval: at
most the supervisor's rate of restarts), then loads it into the user's GUI session with
``launchctl bootstrap gui/<uid>`` (after a ``bootout`` of an older copy), which also starts it.
``uninstall`` boots it out (launchd sends SIGTERM: the agent stops gracefully) and removes the
file.

This module writes only under ``~/Library/LaunchAgents``.
"""

from __future__ import annotations

import plistlib
from typing import Any

from aimcoach.service._files import prune_empty_dirs, remove_file, write_bytes_atomic
from aimcoach.service._model import (
    NOT_FOUND,
    Host,
    InstallResult,
    RestartPolicy,
    ServiceError,
    ServiceStatus,
    UninstallResult,
    restart_policy,
)

__all__ = ["LABEL", "LaunchAgent", "render_plist"]

LABEL = "com.aimcoach.agent"


def render_plist(argv: list[str], policy: RestartPolicy | None = None) -> bytes:
    policy = policy or restart_policy()
    agent: dict[str, Any] = {
        "Label": LABEL,
        "ProgramArguments": list(argv),
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": policy.min_interval_s,
        "ProcessType": "Background",
    }
    return plistlib.dumps(agent, fmt=plistlib.FMT_XML, sort_keys=True)


class LaunchAgent:
    kind = "launchd"

    def __init__(self, host: Host) -> None:
        self._host = host
        self.plist_path = host.home / "Library" / "LaunchAgents" / f"{LABEL}.plist"

    @property
    def _domain(self) -> str:
        return f"gui/{self._host.uid if self._host.uid is not None else 0}"

    def _launchctl(self, *args: str) -> tuple[int, str, str]:
        return self._host.run_command(["launchctl", *args])

    @staticmethod
    def _error(code: int, out: str, err: str) -> str:
        return (err.strip() or out.strip() or f"exit code {code}").splitlines()[0]

    def install(self, argv: list[str], *, start: bool = True) -> InstallResult:
        code, _, _ = self._launchctl("version")
        if code == NOT_FOUND:
            raise ServiceError("service.no_manager", program="launchctl")
        write_bytes_atomic(self.plist_path, render_plist(argv))
        if start:
            # An older copy may be loaded (a reinstall); loading twice is an error.
            self._launchctl("bootout", f"{self._domain}/{LABEL}")
            code, out, err = self._launchctl("bootstrap", self._domain, str(self.plist_path))
            if code != 0:
                raise ServiceError(
                    "service.manager_unreachable",
                    path=str(self.plist_path),
                    manager="launchd (launchctl)",
                    error=self._error(code, out, err),
                    command=f"launchctl bootstrap {self._domain} {self.plist_path}",
                )
        return InstallResult("launchd", str(self.plist_path), argv, started=start)

    def uninstall(self) -> UninstallResult:
        if not self.plist_path.exists():
            return UninstallResult("launchd", str(self.plist_path), removed=False)
        code, out, err = self._launchctl("bootout", f"{self._domain}/{LABEL}")
        # bootout of an agent that is not loaded fails too; only a missing launchctl is news.
        manager_error = self._error(code, out, err) if code == NOT_FOUND else None
        remove_file(self.plist_path)
        prune_empty_dirs(self.plist_path.parent, stop=self._host.home)
        return UninstallResult(
            "launchd", str(self.plist_path), removed=True, manager_error=manager_error
        )

    def status(self) -> ServiceStatus:
        installed = self.plist_path.is_file()
        command = None
        if installed:
            try:
                loaded = plistlib.loads(self.plist_path.read_bytes())
                arguments = loaded.get("ProgramArguments")
                if isinstance(arguments, list):
                    command = [str(a) for a in arguments]
            except (OSError, plistlib.InvalidFileException, ValueError):
                command = None
        if not installed:
            return ServiceStatus("launchd", str(self.plist_path), installed=False)
        code, out, err = self._launchctl("print", f"{self._domain}/{LABEL}")
        if code == NOT_FOUND:
            return ServiceStatus(
                "launchd",
                str(self.plist_path),
                installed,
                command,
                manager_error=self._error(code, out, err),
            )
        if code != 0:
            state = "not loaded"
        else:
            running = next(
                (
                    line.split("=", 1)[1].strip()
                    for line in out.splitlines()
                    if line.strip().startswith("state =")
                ),
                "",
            )
            state = "loaded" + (f", {running}" if running else "")
        return ServiceStatus(
            "launchd", str(self.plist_path), installed, command, manager_state=state
        )
