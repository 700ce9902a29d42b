"""``aimcoach service install | uninstall | status``: start ``aimcoach run`` at login.

The service runs this same installation of aimcoach by its absolute path (see
:func:`aimcoach.service.agent_command`). The config file in effect is passed on with ``--config``
only when it was chosen explicitly (``--config`` or ``AIMCOACH_CONFIG``): the service sees
neither this terminal's flags nor its environment, while the default config file is found
without help. Other settings that come from environment variables are named in a note, since
the service will not see them.

Where the service manager cannot be reached (Linux without a user session bus: SSH, a
container) ``install`` keeps the written unit, says how to enable it by hand and exits 1: the
player asked for something that did not happen. Where there is no service manager at all (no
``systemctl``) nothing is written. ``uninstall`` when nothing is installed says so and exits 0,
so running it twice is harmless. Exit codes: 0 done, 1 not done, 2 usage.

This module prints; the service definitions themselves live in :mod:`aimcoach.service`.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from aimcoach.config import SETTINGS, Settings
from aimcoach.i18n import t
from aimcoach.service import (
    Host,
    ServiceStatus,
    agent_command,
    current_host,
    manager_for,
)

__all__ = ["install", "register", "service_command", "status", "uninstall"]


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add ``service`` and its three actions to the ``aimcoach`` subcommands."""
    p = sub.add_parser(
        "service", parents=[common], help=t("service.help"), description=t("service.description")
    )
    actions = p.add_subparsers(dest="service_command", metavar="ACTION", title=t("help.actions"))
    actions.required = True
    for name in ("install", "uninstall", "status"):
        a = actions.add_parser(
            name,
            parents=[common],
            help=t(f"service.{name}.help"),
            description=t(f"service.{name}.description"),
        )
        if name == "status":
            a.add_argument("--json", action="store_true", help=t("help.json"))
        a.set_defaults(handler=service_command)


def _show(host: Host, argv: list[str]) -> str:
    return subprocess.list2cmdline(argv) if host.system == "windows" else shlex.join(argv)


def _kind(kind: str) -> str:
    return t("service.kind." + kind.replace("-", "_"))


def _explicit_config(settings: Settings) -> Path | None:
    if settings.config is None or settings.sources.get("config", "").split(":")[0] == "default":
        return None
    return Path(os.path.abspath(settings.config))


def _env_only(settings: Settings, environ: Mapping[str, str]) -> list[str]:
    """The environment variables that set something the service will not see."""
    names: list[str] = []
    for s in SETTINGS:
        if s.name == "config" or settings.sources.get(s.name, "").split(":")[0] != "env":
            continue
        names.append(next((n for n in (s.env, s.legacy_env) if n and environ.get(n)), s.env))
    return names


LiveSummary = Callable[[Settings], dict[str, Any] | None]


def _live(settings: Settings) -> dict[str, Any] | None:
    from aimcoach.cli._ctl import live_summary

    return live_summary(settings)


def install(settings: Settings, host: Host, *, live: LiveSummary = _live) -> int:
    """``live``: the running agent's summary (:func:`aimcoach.cli._ctl.live_summary`)."""
    manager = manager_for(host)
    argv = agent_command(host, _explicit_config(settings))
    # A run started by hand holds the state folder: a second one started by the service would
    # fail at once, and the service manager would restart it until it gives up. So when the
    # service is new and a run is up, set up the start at login but do not start it now.
    summary = None if manager.status().installed else live(settings)
    foreign = summary is not None and "error" not in summary
    result = manager.install(argv, start=not foreign)
    kind = _kind(result.kind)
    if result.started:
        print(t("service.installed", kind=kind, location=result.location))
    else:
        pid = summary.get("pid", "?") if summary is not None else "?"
        print(t("service.installed_not_started", kind=kind, location=result.location, pid=pid))
    print("  " + t("service.command", command=_show(host, result.command)))
    env_names = _env_only(settings, host.environ)
    if env_names:
        print(t("service.env_not_seen", names=", ".join(env_names), path=str(settings.config)))
    return 0


def uninstall(settings: Settings, host: Host) -> int:
    del settings  # the same signature as the other actions
    result = manager_for(host).uninstall()
    if not result.removed:
        print(t("service.not_installed"))
        return 0
    print(t("service.uninstalled", location=result.location))
    if result.manager_error:
        print(t("service.uninstall_manager_warning", error=result.manager_error), file=sys.stderr)
    return 0


def _status_lines(host: Host, st: ServiceStatus, live: Mapping[str, Any] | None) -> list[str]:
    from aimcoach.cli._ctl import _duration

    lines = [
        t("service.status.installed", kind=_kind(st.kind), location=st.location)
        if st.installed
        else t("service.status.not_installed")
    ]
    if st.command:
        lines.append("  " + t("service.command", command=_show(host, st.command)))
    if st.manager_state and st.manager_error is not None:
        state, error = st.manager_state, st.manager_error
        lines.append("  " + t("service.status.manager_partial", state=state, error=error))
    elif st.manager_state:
        lines.append("  " + t("service.status.manager", state=st.manager_state))
    elif st.manager_error is not None:
        lines.append("  " + t("service.status.manager_error", error=st.manager_error))
    if live is None:
        lines.append(t("service.status.not_running"))
    elif "error" in live:
        lines.append(t("service.status.live_error", error=live["error"]))
    else:
        lines.append(
            t(
                "service.status.running",
                pid=live.get("pid", "?"),
                version=live.get("version", "?"),
                uptime=_duration(float(live.get("uptime_s", 0))),
            )
        )
    return lines


def status(
    settings: Settings, host: Host, *, as_json: bool = False, live: LiveSummary = _live
) -> int:
    st = manager_for(host).status()
    summary = live(settings)
    if as_json:
        out = {
            "installed": st.installed,
            "kind": st.kind,
            "location": st.location,
            "command": st.command,
            "manager": {"state": st.manager_state, "error": st.manager_error},
            "running": summary is not None and "error" not in summary,
            "live": summary,
        }
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print("\n".join(_status_lines(host, st, summary)))
    return 0


def service_command(args: argparse.Namespace, settings: Settings, host: Host | None = None) -> int:
    """``aimcoach service ACTION``; ``host`` is this machine unless a test passes another."""
    host = current_host() if host is None else host
    if args.service_command == "install":
        return install(settings, host)
    if args.service_command == "uninstall":
        return uninstall(settings, host)
    return status(settings, host, as_json=bool(args.json))
