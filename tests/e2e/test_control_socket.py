"""The control socket of a real ``aimcoach run``: only ctl with the run's secret gets in.

A wrong or missing secret and any request with an ``Origin`` header (what a browser sends from a
web page) are refused with 403 before the WebSocket opens; the run carries on unharmed.
"""

from __future__ import annotations

import json
import shutil

import trio
from _e2e_support import World
from trio_websocket import ConnectionRejected, wrap_client_stream

from aimcoach.actors._runtime import RUNTIME_FILE_NAME, read_runtime_file
from aimcoach.actors.status_server import LOOPBACK, SECRET_HEADER
from aimcoach.devserver.testing import RunningServer
from aimcoach.i18n import t


async def _handshake(port: int, headers: list[tuple[bytes, bytes]]) -> int | dict[str, object]:
    """403 etc. if the handshake is refused; else the reply to ``{"cmd": "status"}``."""
    refused: list[int] = []
    reply: dict[str, object] = {}
    stream = await trio.open_tcp_stream(LOOPBACK, port)
    try:
        # The refusal surfaces from trio-websocket's reader task, inside the nursery's group.
        try:
            async with trio.open_nursery() as nursery:
                ws = await wrap_client_stream(
                    nursery, stream, f"{LOOPBACK}:{port}", "/", extra_headers=headers
                )
                await ws.send_message(json.dumps({"cmd": "status"}))
                reply = json.loads(await ws.get_message())
                await ws.aclose()
                nursery.cancel_scope.cancel()
        except* ConnectionRejected as group:
            refused += [
                e.status_code for e in group.exceptions if isinstance(e, ConnectionRejected)
            ]
    finally:
        await stream.aclose()
    return refused[0] if refused else reply


async def test_ctl_refuses_wrong_secret_and_origin_header(
    world: World, server: RunningServer
) -> None:
    with trio.fail_after(90):
        await world.link()
        async with world.running() as agent:
            await agent.ready()
            info = read_runtime_file(world.state_dir)
            assert info is not None
            secret = (SECRET_HEADER.encode(), info.secret.encode())
            wrong = (SECRET_HEADER.encode(), b"x" * len(info.secret))
            origin = (b"Origin", b"http://127.0.0.1:8080")

            assert await _handshake(info.port, [wrong]) == 403
            assert await _handshake(info.port, []) == 403
            assert await _handshake(info.port, [secret, origin]) == 403
            # The same request without the Origin header gets in: the header alone was refused.
            reply = await _handshake(info.port, [secret])
            assert isinstance(reply, dict) and reply["ok"] is True

            # `aimcoach ctl` itself, given a control file with the wrong secret, is refused too
            # and says so (the run's pid and port are real, so only the secret is wrong).
            forged = world.root / "forged"
            forged.mkdir(mode=0o700)
            shutil.copyfile(world.runtime_file, forged / RUNTIME_FILE_NAME)
            text = json.loads((forged / RUNTIME_FILE_NAME).read_text(encoding="utf-8"))
            text["secret"] = "x" * len(info.secret)
            (forged / RUNTIME_FILE_NAME).write_text(json.dumps(text), encoding="utf-8")
            (forged / RUNTIME_FILE_NAME).chmod(0o600)
            refused = await world.aimcoach("ctl", "status", AIMCOACH_STATE_DIR=str(forged))
            assert refused.returncode != 0
            assert t("ctl.refused", status=403) in refused.stderr.decode()
            assert refused.stdout == b""

            # The run is unharmed: the real ctl still gets its status, and stops it.
            status = await world.ctl_status_json()
            assert {a["state"] for a in status["actors"]} == {"running"}
            stopped = await world.aimcoach("ctl", "stop")
            assert stopped.returncode == 0, stopped.stderr.decode()
            assert await agent.exited() == 0


async def test_second_run_is_refused_and_the_first_stays_reachable(
    world: World, server: RunningServer
) -> None:
    with trio.fail_after(90):
        await world.link()
        async with world.running() as agent:
            await agent.ready()
            before = read_runtime_file(world.state_dir)
            assert before is not None
            # Two senders on one outbox could put the same records in two batches, and two
            # agents on one sign-in would revoke it: the second is refused before either.
            second = await world.run_once()
            assert second.returncode == 1
            data_dir = world.root / "data"
            assert t("run.sign_in_in_use", directory=str(data_dir)) in second.stderr.decode()
            # With its own state folder but the same sign-in, it is refused all the same.
            other = await world.run_once(AIMCOACH_STATE_DIR=str(world.root / "other-state"))
            assert other.returncode == 1
            assert t("run.sign_in_in_use", directory=str(data_dir)) in other.stderr.decode()
            # With its own sign-in too, only the shared state folder stops it.
            third = await world.run_once(AIMCOACH_DATA_DIR=str(world.root / "other-data"))
            assert third.returncode == 1
            assert t("state.locked", directory=str(world.state_dir)) in third.stderr.decode()
            # The second one never took over the control file: ctl still reaches the first.
            assert read_runtime_file(world.state_dir) == before
            status = await world.ctl_status_json()
            assert status["pid"] == agent.proc.pid
            stopped = await world.aimcoach("ctl", "stop")
            assert stopped.returncode == 0, stopped.stderr.decode()
            assert await agent.exited() == 0
