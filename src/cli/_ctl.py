"""``aimcoach ctl status|stop`` and the live part of ``aimcoach status``: a client of the socket.

It finds the running agent through its runtime file (``aimcoach.actors._runtime``), connects to
127.0.0.1 on the port written there, presents the per-run secret and sends one JSON command.
No runtime file, a dead pid or a refused connection all mean "no run is up": that is
:class:`NoRunningAgent` (exit 3), never a traceback. The text form of the snapshot is rendered
here, in the language of this process, from the catalog. This module must not start a run or
touch the state database.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import trio
from trio_websocket import ConnectionClosed, ConnectionRejected, wrap_client_stream

from aimcoach.actors._runtime import (
    RUNTIME_FILE_NAME,
    RuntimeFileError,
    RuntimeInfo,
    default_runtime_dir,
    pid_alive,
    read_runtime_file,
)
from aimcoach.actors.status_server import LOOPBACK, SECRET_HEADER
from aimcoach.auth._status import days_left
from aimcoach.config import Settings
from aimcoach.errors import AimcoachError
from aimcoach.i18n import CATALOG, t

__all__ = [
    "COUNTERS",
    "CtlError",
    "NoRunningAgent",
    "ctl_command",
    "ctl_request",
    "ctl_stop",
    "live_summary",
    "render_live_summary",
    "render_snapshot",
    "runtime_dir",
]

#: The counters ctl knows by name, in the order it shows them; others follow as they are.
COUNTERS = (
    "files_seen",
    "records_parsed",
    "quarantined",
    "duplicates_skipped",
    "pending",
    "sent",
    "accepted",
    "server_duplicates",
    "rejected",
    "retries",
)
_STATES = ("starting", "running", "restarting", "stopped", "failed", "done")
# A live summary inside `aimcoach status` must not keep a person waiting on a stuck agent.
_SUMMARY_TIMEOUT_S = 2.0
# A clean WebSocket close is a courtesy; the TCP stream is closed regardless.
_CLOSE_TIMEOUT_S = 1.0
# How long `ctl stop` waits beyond the agent's grace period for it to finish.
_STOP_SLACK_S = 5.0


class NoRunningAgent(AimcoachError):
    """No ``aimcoach run`` is up (no runtime file, a dead pid, or nothing listening)."""

    exit_code = 3


class CtlError(AimcoachError):
    """A run is up but the exchange failed (refused, timed out, an unreadable answer)."""


def runtime_dir(settings: Settings) -> Path:
    """The folder of the runtime file for these settings (same rule as the run uses)."""
    return default_runtime_dir(settings)


def _load(directory: Path) -> RuntimeInfo:
    try:
        info = read_runtime_file(directory)
    except RuntimeFileError as exc:
        raise NoRunningAgent("ctl.bad_runtime_file", path=str(exc.path), error=exc.reason) from exc
    if info is None:
        raise NoRunningAgent("ctl.not_running")
    if not pid_alive(info.pid):
        raise NoRunningAgent("ctl.stale", path=str(directory / RUNTIME_FILE_NAME), pid=info.pid)
    return info


def _decode(raw: str | bytes) -> dict[str, Any]:
    try:
        reply = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise CtlError("ctl.bad_reply") from exc
    if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
        raise CtlError("ctl.bad_reply")
    return reply


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for sub in exc.exceptions for leaf in _leaves(sub)]
    return [exc]


async def _talk(
    info: RuntimeInfo,
    cmd: str,
    limit: float,
    linger: float,
    accepted: Callable[[], None] | None,
) -> tuple[dict[str, Any], bool]:
    headers = [(SECRET_HEADER.encode("ascii"), info.secret.encode("ascii"))]
    closed = False
    with trio.fail_after(limit):
        stream = await trio.open_tcp_stream(LOOPBACK, info.port)
    # We own the TCP stream (rather than open_websocket) so that it is closed however the
    # exchange ends: trio-websocket 0.12 leaves it open when the server refuses the handshake.
    try:
        async with trio.open_nursery() as nursery:
            with trio.fail_after(limit):
                ws = await wrap_client_stream(
                    nursery, stream, f"{LOOPBACK}:{info.port}", "/", extra_headers=headers
                )
                await ws.send_message(json.dumps({"cmd": cmd}))
                reply = _decode(await ws.get_message())
            if not reply["ok"]:
                raise CtlError("ctl.command_failed", error=str(reply.get("error", "")))
            if accepted is not None:
                accepted()
            if linger > 0:
                with trio.move_on_after(linger):
                    try:
                        await ws.get_message()
                    except ConnectionClosed:
                        closed = True
            with trio.move_on_after(_CLOSE_TIMEOUT_S):
                await ws.aclose()
            nursery.cancel_scope.cancel()
    finally:
        await stream.aclose()
    return reply, closed


def _translate(
    exc: BaseException, info: RuntimeInfo, path: Path, limit: float
) -> AimcoachError | None:
    """Our error for what went wrong talking to the agent; ``None``: let ``exc`` through."""
    leaves = _leaves(exc)
    if not all(isinstance(leaf, Exception) for leaf in leaves):
        return None  # cancellation, KeyboardInterrupt: never ours to swallow
    for leaf in leaves:
        if isinstance(leaf, AimcoachError):
            return leaf
    for leaf in leaves:
        if isinstance(leaf, ConnectionRejected):
            return CtlError("ctl.refused", status=leaf.status_code)
        if isinstance(leaf, trio.TooSlowError):
            return CtlError("ctl.timeout", seconds=f"{limit:g}")
        if isinstance(leaf, ConnectionClosed | trio.BrokenResourceError):
            return CtlError("ctl.closed")
        if isinstance(leaf, OSError):
            # Nothing listens on the port any more: the run ended without removing its file.
            return NoRunningAgent("ctl.stale", path=str(path), pid=info.pid)
    return None


async def _exchange(
    cmd: str,
    directory: Path,
    limit: float,
    linger: float,
    accepted: Callable[[], None] | None = None,
) -> tuple[dict[str, Any], bool]:
    """Send ``cmd``; return the reply, and whether the server closed within ``linger`` s after.

    ``accepted()`` is called between the two, once the server has said yes.
    """
    info = await trio.to_thread.run_sync(_load, directory)
    try:
        return await _talk(info, cmd, limit, linger, accepted)
    except BaseException as exc:
        error = _translate(exc, info, directory / RUNTIME_FILE_NAME, limit)
        if error is None:
            raise
        if error in _leaves(exc):
            raise error from error.__cause__  # one of ours already: unwrap it from the group
        raise error from exc


# The timeouts are parameters (ASYNC109) so that a slow agent becomes a catalog message naming the
# wait, not a bare TooSlowError from the caller's fail_after.
async def ctl_request(
    cmd: str,
    *,
    runtime_dir: Path,
    timeout: float = 5,  # noqa: ASYNC109
) -> dict[str, Any]:
    """Send one command to the running agent and return its reply (``{"ok": true, …}``).

    Raises :class:`NoRunningAgent` when no run is up and :class:`CtlError` when the run did not
    answer usefully (including an ``{"ok": false}`` answer).
    """
    reply, _ = await _exchange(cmd, runtime_dir, timeout, linger=0)
    return reply


async def ctl_stop(
    *,
    runtime_dir: Path,
    wait: float,
    timeout: float = 5,  # noqa: ASYNC109
    accepted: Callable[[], None] | None = None,
) -> bool:
    """Ask the running agent to stop; ``True`` once it has closed its socket within ``wait`` s.

    ``accepted()`` is called as soon as the agent has agreed to stop (before the wait).
    """
    _, closed = await _exchange("stop", runtime_dir, timeout, linger=wait, accepted=accepted)
    return closed


# -- text -------------------------------------------------------------------------------------


def _duration(seconds: float) -> str:
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def _days_left(expires_at: str, now: datetime | None) -> int | None:
    try:
        when = datetime.fromisoformat(expires_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return days_left(when, now or datetime.now(UTC))  # the same count as `aimcoach status`


def _table(rows: list[tuple[str, str]]) -> list[str]:
    width = max((len(name) for name, _ in rows), default=0)
    return [f"  {name:<{width}}  {value}" for name, value in rows]


def render_snapshot(status: Mapping[str, Any], *, now: datetime | None = None) -> list[str]:
    """The snapshot as lines for people, in the current language. Unknown fields are skipped."""
    lines = [
        t(
            "ctl.title",
            pid=status.get("pid", "?"),
            version=status.get("version", "?"),
            uptime=_duration(float(status.get("uptime_s", 0))),
        )
    ]
    if status.get("stopping"):
        lines.append(t("ctl.stopping_now"))

    actors = status.get("actors") or []
    lines += ["", t("ctl.actors")]
    rows: list[tuple[str, str]] = []
    errors: dict[str, str] = {}
    for actor in actors:
        state = str(actor.get("state", ""))
        shown = t("ctl.state." + state) if state in _STATES else state
        rows.append(
            (
                str(actor.get("name", "?")),
                f"{shown}  {t('ctl.restarts', count=int(actor.get('restarts', 0)))}",
            )
        )
        if actor.get("last_error"):
            errors[str(actor.get("name"))] = str(actor["last_error"])
    for (name, _), line in zip(rows, _table(rows), strict=True):
        lines.append(line)
        if name in errors:
            lines.append("      " + t("ctl.last_error", error=errors[name]))

    channels = status.get("channels") or {}
    if channels:
        lines += ["", t("ctl.channels")]
        lines += _table(
            [
                (str(name), f"{c.get('used', 0)}/{'∞' if c.get('size') is None else c.get('size')}")
                for name, c in channels.items()
            ]
        )

    counters = dict(status.get("counters") or {})
    if counters:
        ordered = [k for k in COUNTERS if k in counters] + sorted(set(counters) - set(COUNTERS))
        lines += ["", t("ctl.counters")]
        lines += _table(
            [
                (t("ctl.counter." + k) if f"ctl.counter.{k}" in CATALOG else k, str(counters[k]))
                for k in ordered
            ]
        )

    lines.append("")
    token = status.get("token")
    if not token:
        lines.append(t("ctl.token_not_linked"))
    elif token.get("relink_needed"):
        lines.append(t("ctl.token_relink"))
    elif token.get("expires_at"):
        days = _days_left(str(token["expires_at"]), now)
        if days is not None and days < 0:
            lines.append(t("ctl.token_expired", expires_at=token["expires_at"]))
        else:
            lines.append(
                t(
                    "ctl.token_valid",
                    expires_at=token["expires_at"],
                    days="?" if days is None else days,
                )
            )
    else:
        lines.append(t("ctl.token_linked"))
    last = status.get("last_delivery")
    lines.append(t("ctl.last_delivery", at=last) if last else t("ctl.last_delivery_never"))
    return lines


def live_summary(settings: Settings) -> dict[str, Any] | None:
    """The running agent's snapshot for ``aimcoach status``; ``None`` when no run is up.

    A run that is up but does not answer gives ``{"error": <message>}``: status still works.
    Never call it from inside a trio run (it starts its own).
    """
    request = partial(
        ctl_request, "status", runtime_dir=runtime_dir(settings), timeout=_SUMMARY_TIMEOUT_S
    )
    try:
        reply = trio.run(request)
    except NoRunningAgent:
        return None
    except CtlError as exc:
        return {"error": str(exc)}
    status = reply.get("status")
    return dict(status) if isinstance(status, dict) else {"error": t("ctl.bad_reply")}


def render_live_summary(summary: Mapping[str, Any] | None) -> list[str]:
    """Lines for the live section of ``aimcoach status`` (see :func:`live_summary`)."""
    if summary is None:
        return [t("ctl.summary_not_running")]
    if "error" in summary:
        return [t("ctl.summary_title"), "  " + str(summary["error"])]
    return [
        t("ctl.summary_title"),
        *("  " + line if line else line for line in render_snapshot(summary)),
    ]


def ctl_command(args: argparse.Namespace, settings: Settings) -> int:
    """``aimcoach ctl status [--json]`` and ``aimcoach ctl stop``."""
    directory = runtime_dir(settings)
    if args.ctl_command == "status":
        reply = trio.run(partial(ctl_request, "status", runtime_dir=directory))
        status = reply.get("status")
        if not isinstance(status, dict):
            raise CtlError("ctl.bad_reply")
        if getattr(args, "json", False):
            json.dump(status, sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
        else:
            print("\n".join(render_snapshot(status)))
        return 0
    if args.ctl_command == "stop":
        wait = settings.grace_period_s + _STOP_SLACK_S
        stopped = trio.run(
            partial(
                ctl_stop,
                runtime_dir=directory,
                wait=wait,
                accepted=lambda: print(t("ctl.stop_requested"), flush=True),
            )
        )
        print(t("ctl.stopped") if stopped else t("ctl.still_stopping", seconds=f"{wait:g}"))
        return 0
    raise ValueError(f"unknown ctl command {args.ctl_command!r}")
