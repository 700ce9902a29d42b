"""Windows: a per-user Task Scheduler task that starts ``aimcoach run`` at logon, with no window.

``install`` writes the task's XML to a temporary file and registers it with ``schtasks /Create
/XML`` (no administrator rights needed: the task runs as the current user, only while they are
logged on, with least privilege), then starts it with ``schtasks /Run``. The XML says: a
LogonTrigger for this user, no time limit (the default would stop the agent after 72 hours),
start again after a failure, keep running on battery, and ``Hidden`` (not listed by default in
Task Scheduler's window). The program is ``pythonw.exe`` or the one-file executable (which hides
its console window when it owns one), so no window opens. ``uninstall`` ends and deletes it.

The task name carries the user name, so each account on a shared PC has its own.

This module writes only a temporary file, removed before it returns.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

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

__all__ = ["ScheduledTask", "render_task_xml", "task_name"]

# Characters a task name may not contain.
_FORBIDDEN = re.compile(r'[\\/:*?"<>|]')
# Task Scheduler's shortest restart interval.
_RESTART_INTERVAL = "PT1M"


def task_name(user: str) -> str:
    """``aimcoach-<user>`` (the user name without its domain)."""
    name = user.rsplit("\\", 1)[-1] or "user"
    return "aimcoach-" + _FORBIDDEN.sub("_", name)


def render_task_xml(user: str, argv: list[str], policy: RestartPolicy | None = None) -> str:
    """The task definition (Task Scheduler schema 1.2), to be saved as UTF-16."""
    policy = policy or restart_policy()
    program, arguments = argv[0], subprocess.list2cmdline(argv[1:])
    user_xml = escape(user)
    return f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>aimcoach: delivers finished KovaaK's and Aim Lab runs to AimCoach. \
Set up by `aimcoach service install`; `aimcoach service uninstall` removes it.</Description>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger>
      <Enabled>true</Enabled>
      <UserId>{user_xml}</UserId>
    </LogonTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>{user_xml}</UserId>
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <AllowHardTerminate>true</AllowHardTerminate>
    <StartWhenAvailable>false</StartWhenAvailable>
    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>
    <IdleSettings>
      <StopOnIdleEnd>false</StopOnIdleEnd>
      <RestartOnIdle>false</RestartOnIdle>
    </IdleSettings>
    <AllowStartOnDemand>true</AllowStartOnDemand>
    <Enabled>true</Enabled>
    <Hidden>true</Hidden>
    <RunOnlyIfIdle>false</RunOnlyIfIdle>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <RestartOnFailure>
      <Interval>{_RESTART_INTERVAL}</Interval>
      <Count>{policy.max_restarts}</Count>
    </RestartOnFailure>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{escape(program)}</Command>
      <Arguments>{escape(arguments)}</Arguments>
    </Exec>
  </Actions>
</Task>
"""


class ScheduledTask:
    kind = "task-scheduler"

    def __init__(self, host: Host) -> None:
        self._host = host
        self.name = task_name(host.user)

    def _schtasks(self, *args: str) -> tuple[int, str, str]:
        return self._host.run_command(["schtasks", *args])

    @staticmethod
    def _error(code: int, out: str, err: str) -> str:
        return (err.strip() or out.strip() or f"exit code {code}").splitlines()[0]

    def install(self, argv: list[str], *, start: bool = True) -> InstallResult:
        xml = render_task_xml(self._host.user, argv)
        with tempfile.TemporaryDirectory(prefix="aimcoach-task-") as tmp:
            path = Path(tmp) / "aimcoach-task.xml"
            # schtasks reads the XML as UTF-16 (the encoding its declaration names).
            path.write_text(xml, encoding="utf-16")
            code, out, err = self._schtasks("/Create", "/TN", self.name, "/XML", str(path), "/F")
        if code == NOT_FOUND:
            raise ServiceError("service.no_manager", program="schtasks")
        if code != 0:
            raise ServiceError(
                "service.register_failed",
                manager="Task Scheduler",
                error=self._error(code, out, err),
            )
        if start:
            code, out, err = self._schtasks("/Run", "/TN", self.name)
            if code != 0:
                raise ServiceError(
                    "service.start_failed", location=self.name, error=self._error(code, out, err)
                )
        return InstallResult("task-scheduler", self.name, argv, started=start)

    def _registered(self) -> tuple[bool, str | None]:
        code, out, err = self._schtasks("/Query", "/TN", self.name)
        if code == NOT_FOUND:
            return False, self._error(code, out, err)
        return code == 0, None

    def uninstall(self) -> UninstallResult:
        registered, error = self._registered()
        if error is not None:
            raise ServiceError("service.no_manager", program="schtasks")
        if not registered:
            return UninstallResult("task-scheduler", self.name, removed=False)
        # The state database survives a hard stop by design (nothing read is lost).
        self._schtasks("/End", "/TN", self.name)
        code, out, err = self._schtasks("/Delete", "/TN", self.name, "/F")
        if code != 0:
            raise ServiceError(
                "service.remove_task_failed", name=self.name, error=self._error(code, out, err)
            )
        return UninstallResult("task-scheduler", self.name, removed=True)

    def status(self) -> ServiceStatus:
        registered, error = self._registered()
        return ServiceStatus(
            kind="task-scheduler",
            location=self.name,
            installed=registered,
            manager_state=None if error else ("registered" if registered else "not registered"),
            manager_error=error,
        )
