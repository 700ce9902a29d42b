"""The status server: answers ``aimcoach ctl`` over a WebSocket on 127.0.0.1.

Who may talk to it (design.md §7): only the same user, never a web page, never over the network.

* It listens on 127.0.0.1 only, on a port the OS picks.
* A per-run secret (``secrets.token_urlsafe(32)``) is written with the port and pid into the
  runtime file (mode 0600, see ``_runtime``); a client must send it in the ``X-Aimcoach-Secret``
  header of the handshake. A missing or wrong secret is refused with 403, and so is any request
  carrying an ``Origin`` header: browsers always send one on a WebSocket handshake, and ctl never
  does, so this shuts out pages that guess the port.

Protocol: one JSON object per message. ``{"cmd": "status"}`` answers ``{"ok": true, "status":
<snapshot>}``; ``{"cmd": "stop"}`` calls ``stop()`` and answers ``{"ok": true}``; anything else
answers ``{"ok": false, "error": <code>}``. The connection stays open for more commands, and is
closed by the server when it ends, which is how ``ctl stop`` learns the run has finished.

The snapshot (:class:`StatusSnapshot`) is built by the caller's ``snapshot()``; this module owns
its schema and the generic parts (uptime, actors, channel depths). It must not read the state
database, touch tokens or print.
"""

from __future__ import annotations

import hmac
import json
import math
import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypedDict

import structlog
import trio
from trio_websocket import ConnectionClosed, WebSocketRequest, WebSocketServer, serve_websocket

from aimcoach.actors._runtime import (
    RUNTIME_FILE_NAME,
    RuntimeInfo,
    remove_runtime_file,
    write_runtime_file,
)
from aimcoach.actors.supervisor import (
    ActorStatus,
    ChannelEnd,
    Supervisor,
    _now_rfc3339,
    render_error,
)
from aimcoach.errors import AimcoachError

__all__ = [
    "LOOPBACK",
    "SCHEMA_VERSION",
    "SECRET_HEADER",
    "ChannelStatus",
    "StatusServerError",
    "StatusSnapshot",
    "TokenStatus",
    "channel_status",
    "status_server",
]

_log = structlog.get_logger("aimcoach.status_server")

LOOPBACK = "127.0.0.1"
SECRET_HEADER = "X-Aimcoach-Secret"
SCHEMA_VERSION = 1
# Commands are a few bytes; a client that sends more is not ctl.
_MAX_MESSAGE_BYTES = 16 * 1024
# A client that connects and never finishes its handshake is dropped after this long.
_HANDSHAKE_TIMEOUT_S = 10.0


class StatusServerError(AimcoachError):
    """The control socket could not be set up (its runtime file cannot be written)."""


class ChannelStatus(TypedDict):
    """A channel's depth from ``statistics()``; ``size`` is ``None`` for an unbounded buffer."""

    used: int
    size: int | None
    waiting_send: int
    waiting_receive: int


class TokenStatus(TypedDict):
    """The device token as status shows it: never the token itself."""

    expires_at: str | None  # RFC 3339 UTC of the access token's expiry, when known
    relink_needed: bool


def channel_status(channel: ChannelEnd) -> ChannelStatus:
    stats = channel.statistics()
    size = stats.max_buffer_size
    return ChannelStatus(
        used=stats.current_buffer_used,
        size=None if math.isinf(size) else int(size),
        waiting_send=stats.tasks_waiting_send,
        waiting_receive=stats.tasks_waiting_receive,
    )


@dataclass(frozen=True, slots=True)
class StatusSnapshot:
    """What ``ctl status`` shows; ``to_json()`` is what ``ctl status --json`` prints.

    ``counters`` uses these names where they apply (ctl translates them; others are shown as
    they are): files_seen, records_parsed, quarantined, duplicates_skipped, pending, sent,
    accepted, rejected, retries. ``last_delivery`` is the RFC 3339 UTC time of the last batch
    the API accepted. ``token`` is ``None`` when this PC is not linked.
    """

    pid: int
    version: str
    started_at: str | None
    uptime_s: float
    stopping: bool
    actors: Sequence[ActorStatus]
    channels: Mapping[str, ChannelStatus] = field(default_factory=dict)
    counters: Mapping[str, int] = field(default_factory=dict)
    token: TokenStatus | None = None
    last_delivery: str | None = None

    @classmethod
    def of(
        cls,
        supervisor: Supervisor,
        *,
        channels: Mapping[str, ChannelEnd] | None = None,
        counters: Mapping[str, int] | None = None,
        token: TokenStatus | None = None,
        last_delivery: str | None = None,
    ) -> StatusSnapshot:
        """The snapshot of a running supervisor; call inside the run (uptime is trio's clock)."""
        from aimcoach import __version__

        return cls(
            pid=os.getpid(),
            version=__version__,
            started_at=supervisor.started_at,
            uptime_s=supervisor.uptime_s(),
            stopping=supervisor.stopping,
            actors=supervisor.actors_snapshot(),
            channels={name: channel_status(ch) for name, ch in (channels or {}).items()},
            counters=dict(counters or {}),
            token=token,
            last_delivery=last_delivery,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "pid": self.pid,
            "version": self.version,
            "started_at": self.started_at,
            "uptime_s": round(self.uptime_s, 3),
            "stopping": self.stopping,
            "actors": [dict(a) for a in self.actors],
            "channels": {name: dict(c) for name, c in self.channels.items()},
            "counters": dict(self.counters),
            "token": None if self.token is None else dict(self.token),
            "last_delivery": self.last_delivery,
        }


def _header(request: WebSocketRequest, name: bytes) -> list[bytes]:
    return [value for key, value in request.headers if key.lower() == name]


def _answer(
    message: str | bytes, snapshot: Callable[[], Mapping[str, Any]]
) -> tuple[dict[str, Any], bool]:
    """The reply to one message, and whether it asked to stop."""
    try:
        request = json.loads(message)
    except (UnicodeDecodeError, ValueError):
        return {"ok": False, "error": "bad_json"}, False
    cmd = request.get("cmd") if isinstance(request, dict) else None
    if cmd == "status":
        return {"ok": True, "status": dict(snapshot())}, False
    if cmd == "stop":
        return {"ok": True}, True
    return {"ok": False, "error": "unknown_command", "commands": ["status", "stop"]}, False


async def _serve_connection(
    request: WebSocketRequest,
    *,
    secret: bytes,
    snapshot: Callable[[], Mapping[str, Any]],
    stop: Callable[[], None],
) -> None:
    if _header(request, b"origin") or _header(request, b"sec-websocket-origin"):
        _log.warning("control connection refused: it came from a web page")
        await request.reject(403, body=b"forbidden")
        return
    presented = _header(request, SECRET_HEADER.lower().encode("ascii"))
    if len(presented) != 1 or not hmac.compare_digest(presented[0], secret):
        _log.warning("control connection refused: missing or wrong secret")
        await request.reject(403, body=b"forbidden")
        return
    ws = await request.accept()
    while True:
        try:
            message = await ws.get_message()
        except ConnectionClosed:
            return
        stopping = False
        try:
            reply, stopping = _answer(message, snapshot)
            text = json.dumps(reply, ensure_ascii=False, allow_nan=False)
        except Exception as exc:
            # A broken snapshot must not take the control socket (or the run) down with it.
            _log.error("status snapshot failed", error=render_error(exc), exc_info=exc)
            text = json.dumps({"ok": False, "error": "internal"})
        try:
            await ws.send_message(text)
        except ConnectionClosed:
            return
        finally:
            # Answer first, then stop: a run with nothing to drain may end (and cancel this
            # server) at once, and the client must still learn that its stop was accepted.
            if stopping:
                _log.info("stop requested over the control socket")
                stop()


async def status_server(
    snapshot: Callable[[], Mapping[str, Any]],
    stop: Callable[[], None],
    *,
    runtime_dir: Path,
    task_status: trio.TaskStatus[tuple[int, Path]] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve ``ctl`` until cancelled; ``task_status.started((port, runtime_file))``.

    ``snapshot()`` returns the JSON-able status (normally ``StatusSnapshot.of(...).to_json()``);
    ``stop()`` is the supervisor's ``request_stop``. The runtime file is written once the socket
    listens and removed when this function ends, however it ends.
    """
    from aimcoach import __version__

    secret = secrets.token_urlsafe(32)
    handler = partial(
        _serve_connection, secret=secret.encode("ascii"), snapshot=snapshot, stop=stop
    )
    path = runtime_dir / RUNTIME_FILE_NAME
    failure: OSError | None = None
    async with trio.open_nursery() as nursery:
        server: WebSocketServer = await nursery.start(
            partial(
                serve_websocket,
                handler,
                LOOPBACK,
                0,
                None,
                max_message_size=_MAX_MESSAGE_BYTES,
                connect_timeout=_HANDSHAKE_TIMEOUT_S,
            )
        )
        info = RuntimeInfo(
            pid=os.getpid(),
            port=server.port,
            secret=secret,
            started_at=_now_rfc3339(),
            version=__version__,
        )
        try:
            try:
                await trio.to_thread.run_sync(write_runtime_file, runtime_dir, info)
            except OSError as exc:
                failure = exc
            else:
                _log.debug("control socket listening", port=server.port)
                task_status.started((server.port, path))
                await trio.sleep_forever()
        finally:
            # Synchronous on purpose: it must run even while this task is being cancelled
            # (also when the cancellation came while the file was being written).
            remove_runtime_file(path, secret)
            nursery.cancel_scope.cancel()
    if failure is not None:
        # Raised outside the nursery, so the caller sees our error and not a group around it.
        raise StatusServerError(
            "ctl.runtime_unwritable",
            path=str(path),
            error=failure.strerror or type(failure).__name__,
        ) from failure
