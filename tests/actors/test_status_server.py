"""The status server over a real trio-websocket on 127.0.0.1: the secret, the Origin rule, the
commands, the runtime file. Real sockets, so the real clock (with ceilings), not autojump."""

from __future__ import annotations

import json
import math
import os
import stat
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import trio
from trio_websocket import ConnectionRejected, wrap_client_stream

from aimcoach.actors._runtime import RUNTIME_FILE_NAME, read_runtime_file
from aimcoach.actors.status_server import (
    SCHEMA_VERSION,
    SECRET_HEADER,
    StatusServerError,
    StatusSnapshot,
    channel_status,
    status_server,
)
from aimcoach.actors.supervisor import ActorSpec, Supervisor


@dataclass
class Running:
    port: int
    path: Path
    secret: str
    stops: list[bool] = field(default_factory=list)


@asynccontextmanager
async def running_server(tmp_path: Path, snapshot: Any = None) -> AsyncIterator[Running]:
    stops: list[bool] = []

    def default_snapshot() -> dict[str, Any]:
        return {"uptime_s": 1.5, "actors": []}

    async with trio.open_nursery() as nursery:
        port, path = await nursery.start(
            partial(
                status_server,
                snapshot or default_snapshot,
                lambda: stops.append(True),
                runtime_dir=tmp_path,
            )
        )
        info = read_runtime_file(tmp_path)
        assert info is not None
        yield Running(port, path, info.secret, stops)
        nursery.cancel_scope.cancel()


async def exchange(
    port: int, headers: list[tuple[bytes, bytes]], *messages: str
) -> list[dict[str, Any]]:
    """A plain client that owns its TCP stream (trio-websocket 0.12's open_websocket leaks it
    when the handshake is refused, which filterwarnings=error turns into a failure)."""
    replies = []
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    try:
        async with trio.open_nursery() as nursery:
            ws = await wrap_client_stream(
                nursery, stream, f"127.0.0.1:{port}", "/", extra_headers=headers
            )
            for message in messages:
                await ws.send_message(message)
                replies.append(json.loads(await ws.get_message()))
            await ws.aclose()
    except ExceptionGroup as group:
        if len(group.exceptions) == 1:
            raise group.exceptions[0] from None
        raise
    finally:
        await stream.aclose()
    return replies


def secret_header(secret: str) -> list[tuple[bytes, bytes]]:
    return [(SECRET_HEADER.encode(), secret.encode())]


async def test_status_round_trip_with_the_right_secret(tmp_path: Path) -> None:
    with trio.fail_after(10):
        async with running_server(tmp_path) as server:
            replies = await exchange(
                server.port, secret_header(server.secret), '{"cmd": "status"}', '{"cmd": "status"}'
            )
    assert replies == [{"ok": True, "status": {"uptime_s": 1.5, "actors": []}}] * 2


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param([], id="no secret"),
        pytest.param([(SECRET_HEADER.encode(), b"wrong")], id="wrong secret"),
        pytest.param([(SECRET_HEADER.encode(), b"")], id="empty secret"),
    ],
)
async def test_a_missing_or_wrong_secret_is_refused(
    tmp_path: Path, headers: list[tuple[bytes, bytes]]
) -> None:
    with trio.fail_after(10):
        async with running_server(tmp_path) as server:
            with pytest.raises(ConnectionRejected) as info:
                await exchange(server.port, headers, '{"cmd": "stop"}')
            assert server.stops == []
    assert info.value.status_code == 403


async def test_a_request_with_an_origin_header_is_refused_even_with_the_secret(
    tmp_path: Path,
) -> None:
    with trio.fail_after(10):
        async with running_server(tmp_path) as server:
            for origin in (b"http://evil.example", b"null", b"http://127.0.0.1"):
                headers = [*secret_header(server.secret), (b"Origin", origin)]
                with pytest.raises(ConnectionRejected) as info:
                    await exchange(server.port, headers, '{"cmd": "stop"}')
                assert info.value.status_code == 403
            assert server.stops == []


async def test_stop_calls_the_stop_callback(tmp_path: Path) -> None:
    with trio.fail_after(10):
        async with running_server(tmp_path) as server:
            replies = await exchange(server.port, secret_header(server.secret), '{"cmd": "stop"}')
            assert server.stops == [True]
    assert replies == [{"ok": True}]


async def test_unknown_commands_and_bad_json_get_an_error_and_the_connection_stays(
    tmp_path: Path,
) -> None:
    with trio.fail_after(10):
        async with running_server(tmp_path) as server:
            replies = await exchange(
                server.port,
                secret_header(server.secret),
                '{"cmd": "reboot"}',
                "not json",
                "[1, 2]",
                '{"cmd": "status"}',
            )
    assert replies[0] == {"ok": False, "error": "unknown_command", "commands": ["status", "stop"]}
    assert replies[1] == {"ok": False, "error": "bad_json"}
    assert replies[2]["ok"] is False
    assert replies[3]["ok"] is True


async def test_a_broken_snapshot_does_not_take_the_server_down(tmp_path: Path) -> None:
    calls = 0

    def snapshot() -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("counter missing")
        return {"uptime_s": math.nan} if calls == 2 else {"uptime_s": 2}

    with trio.fail_after(10):
        async with running_server(tmp_path, snapshot) as server:
            replies = await exchange(
                server.port, secret_header(server.secret), *['{"cmd": "status"}'] * 3
            )
    assert replies == [
        {"ok": False, "error": "internal"},
        {"ok": False, "error": "internal"},
        {"ok": True, "status": {"uptime_s": 2}},
    ]


async def test_the_runtime_file_is_private_and_removed_on_exit(tmp_path: Path) -> None:
    runtime = tmp_path / "run"
    with trio.fail_after(10):
        async with running_server(runtime) as server:
            assert server.path == runtime / RUNTIME_FILE_NAME
            data = json.loads(server.path.read_text(encoding="utf-8"))
            assert data["pid"] == os.getpid()
            assert data["port"] == server.port
            assert len(data["secret"]) >= 43  # token_urlsafe(32): 256 bits
            if sys.platform != "win32":
                assert stat.S_IMODE(server.path.stat().st_mode) == 0o600
                assert stat.S_IMODE(runtime.stat().st_mode) == 0o700
            assert [p.name for p in runtime.iterdir()] == [RUNTIME_FILE_NAME]
    assert not (runtime / RUNTIME_FILE_NAME).exists()


async def test_each_run_has_its_own_secret(tmp_path: Path) -> None:
    with trio.fail_after(10):
        async with running_server(tmp_path / "a") as first, running_server(tmp_path / "b") as two:
            assert first.secret != two.secret
            with pytest.raises(ConnectionRejected):
                await exchange(two.port, secret_header(first.secret), '{"cmd": "status"}')


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/net/tcp")
async def test_it_listens_on_loopback_only(tmp_path: Path) -> None:
    with trio.fail_after(10):
        async with running_server(tmp_path) as server:
            listening = []
            for table in ("/proc/net/tcp", "/proc/net/tcp6"):
                with open(table, encoding="ascii") as f:  # noqa: ASYNC230 - a tiny /proc read
                    for line in f.readlines()[1:]:
                        local, state = line.split()[1], line.split()[3]
                        address, port = local.split(":")
                        if int(port, 16) == server.port and state == "0A":  # 0A: LISTEN
                            listening.append(address)
    # 127.0.0.1 in /proc's little-endian hex
    assert listening == ["0100007F"]


async def test_an_unwritable_runtime_folder_is_a_clear_error(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x", encoding="utf-8")
    with trio.fail_after(10), pytest.raises(StatusServerError) as info:
        await status_server(dict, lambda: None, runtime_dir=not_a_dir)
    assert info.value.key == "ctl.runtime_unwritable"
    assert str(not_a_dir) in str(info.value)


async def test_ctl_stop_through_the_socket_stops_the_supervisor(tmp_path: Path) -> None:
    """The wiring the lead builds: snapshot from the supervisor, stop = request_stop."""
    files_send, files_recv = trio.open_memory_channel[int](8)

    async def watcher(out: trio.MemorySendChannel[int]) -> None:
        async with out:
            await out.send(1)
            await trio.sleep_forever()

    async def worker(inp: trio.MemoryReceiveChannel[int]) -> None:
        async with inp:
            async for _ in inp:
                await trio.sleep_forever()  # stuck: the grace period has to end it

    sup = Supervisor(
        [
            ActorSpec("watcher", watcher, channels={"out": files_send}, on_stop="cancel"),
            ActorSpec("worker", worker, channels={"inp": files_recv}, phase=1),
        ],
        grace_period=0.2,
    )

    def snapshot() -> dict[str, Any]:
        return StatusSnapshot.of(
            sup, channels={"files": files_send}, counters={"files_seen": 1}
        ).to_json()

    finished = trio.Event()

    async def run(task_status: trio.TaskStatus[None]) -> None:
        await sup.run(task_status=task_status)
        finished.set()

    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            await nursery.start(run)
            port, _ = await nursery.start(
                partial(status_server, snapshot, sup.request_stop, runtime_dir=tmp_path)
            )
            info = read_runtime_file(tmp_path)
            assert info is not None
            status, stopped = await exchange(
                port, secret_header(info.secret), '{"cmd": "status"}', '{"cmd": "stop"}'
            )
            await finished.wait()  # the stuck worker was cancelled after the grace period
            nursery.cancel_scope.cancel()
    snap = status["status"]
    assert snap["schema"] == SCHEMA_VERSION
    assert snap["pid"] == os.getpid()
    assert [a["name"] for a in snap["actors"]] == ["watcher", "worker"]
    assert {a["state"] for a in snap["actors"]} == {"running"}
    assert snap["channels"] == {
        "files": {"used": 0, "size": 8, "waiting_send": 0, "waiting_receive": 0}
    }
    assert snap["counters"] == {"files_seen": 1}
    assert snap["stopping"] is False
    assert snap["token"] is None and snap["last_delivery"] is None
    assert stopped == {"ok": True}
    assert sup.stopping
    assert {a["name"]: a["state"] for a in sup.actors_snapshot()} == {
        "watcher": "stopped",
        "worker": "stopped",
    }


def test_channel_status_of_an_unbounded_channel_is_json() -> None:
    send, receive = trio.open_memory_channel[int](math.inf)
    send.send_nowait(1)
    send.send_nowait(2)
    status = channel_status(receive)
    assert status == {"used": 2, "size": None, "waiting_send": 0, "waiting_receive": 0}
    json.dumps(status, allow_nan=False)
    send.close()
    receive.close()


def test_snapshot_to_json_has_every_field() -> None:
    snap = StatusSnapshot(
        pid=7,
        version="0.1.0",
        started_at="2024-05-01T00:00:00Z",
        uptime_s=12.34567,
        stopping=True,
        actors=[
            {
                "name": "sender",
                "state": "running",
                "restarts": 1,
                "last_error": None,
                "started_at": "2024-05-01T00:00:01Z",
            }
        ],
        counters={"sent": 3},
        token={"expires_at": "2024-06-01T00:00:00Z", "relink_needed": False},
        last_delivery="2024-05-01T00:00:05Z",
    )
    out = snap.to_json()
    assert json.loads(json.dumps(out, allow_nan=False)) == out
    assert out == {
        "schema": SCHEMA_VERSION,
        "pid": 7,
        "version": "0.1.0",
        "started_at": "2024-05-01T00:00:00Z",
        "uptime_s": 12.346,
        "stopping": True,
        "actors": [
            {
                "name": "sender",
                "state": "running",
                "restarts": 1,
                "last_error": None,
                "started_at": "2024-05-01T00:00:01Z",
            }
        ],
        "channels": {},
        "counters": {"sent": 3},
        "token": {"expires_at": "2024-06-01T00:00:00Z", "relink_needed": False},
        "last_delivery": "2024-05-01T00:00:05Z",
    }
