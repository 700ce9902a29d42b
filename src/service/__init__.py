"""Start ``aimcoach run`` at login, with the OS's own per-user service manager.

=========  =============================================  ==========================================
OS         definition                                     manager
=========  =============================================  ==========================================
Windows    a Task Scheduler task ``aimcoach-<user>``      ``schtasks`` (no administrator rights)
Linux      ``~/.config/systemd/user/aimcoach.service``    ``systemctl --user``
macOS      ``~/Library/LaunchAgents/com.aimcoach.agent``  ``launchctl bootstrap gui/<uid>``
=========  =============================================  ==========================================

Each backend has ``install(argv, start=True)``, ``uninstall()`` and ``status()``, writes only in
the user's own folders, and ``uninstall`` removes everything ``install`` made. All of them take
a :class:`Host` (OS, home folder, environment, command runner), so tests run every backend on
any OS with a temporary home and a fake runner. The service managers restart a failed agent by
the supervisor's own rule (:func:`restart_policy`).

This package must not print: the ``aimcoach service`` command (``aimcoach.cli._service``) does.
"""

from __future__ import annotations

from aimcoach.service._host import agent_command, current_host, run_subprocess, this_system
from aimcoach.service._launchd import LABEL, LaunchAgent, render_plist
from aimcoach.service._model import (
    NOT_FOUND,
    Host,
    InstallResult,
    Kind,
    RestartPolicy,
    Runner,
    ServiceError,
    ServiceStatus,
    System,
    UninstallResult,
    restart_policy,
)
from aimcoach.service._schtasks import ScheduledTask, render_task_xml, task_name
from aimcoach.service._systemd import UNIT_NAME, SystemdUser, render_unit, unit_command

__all__ = [
    "LABEL",
    "NOT_FOUND",
    "UNIT_NAME",
    "Host",
    "InstallResult",
    "Kind",
    "LaunchAgent",
    "RestartPolicy",
    "Runner",
    "ScheduledTask",
    "ServiceError",
    "ServiceManager",
    "ServiceStatus",
    "System",
    "SystemdUser",
    "UninstallResult",
    "agent_command",
    "current_host",
    "manager_for",
    "render_plist",
    "render_task_xml",
    "render_unit",
    "restart_policy",
    "run_subprocess",
    "task_name",
    "this_system",
    "unit_command",
]

ServiceManager = SystemdUser | LaunchAgent | ScheduledTask


def manager_for(host: Host) -> ServiceManager:
    """The backend for ``host.system``."""
    if host.system == "windows":
        return ScheduledTask(host)
    if host.system == "darwin":
        return LaunchAgent(host)
    return SystemdUser(host)
