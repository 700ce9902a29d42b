"""An actor that crashes is restarted, the restart shows in ``ctl status --json``, and the
record it had in hand is delivered once all the same.

The crash is a real one: another program (here, this test) holds the state database's write
lock just when the sender must persist a batch, so SQLite answers "busy" after its timeout
and the sender fails with a ``StateError``. The supervisor restarts it; the restarted sender
finds the record in the outbox and delivers it once the lock is gone.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import trio
from _e2e_support import World, server_digests

from aimcoach.devserver.testing import RunningServer
from aimcoach.devtools.samples import kovaaks_bytes
from aimcoach.i18n import t
from aimcoach.sources.kovaaks import parse_stats_file
from aimcoach.state import STATE_FILENAME

_V2 = "2.0.3.2"


def _write_run(world: World, n: int) -> str:
    end = datetime(2025, 5, 1, 9, 0, 0) + timedelta(minutes=7 * n)
    data, run = kovaaks_bytes(random.Random(n), end, "1wall 6targets small", "clicking", _V2, 50)
    (world.kovaaks_dir / run.file_name).write_bytes(data)
    return parse_stats_file(data, run.file_name, UTC, source_key=run.file_name).digest


def _accepted(server: RunningServer, n: int) -> Any:
    async def check() -> bool:
        return bool((await server.stats())["totals"]["accepted"] >= n)

    return check


def _actor(status: dict[str, Any], name: str) -> dict[str, Any]:
    (actor,) = [a for a in status["actors"] if a["name"] == name]
    assert isinstance(actor, dict)
    return actor


@pytest.mark.slow
async def test_crashed_actor_is_restarted_shown_in_ctl_status_and_nothing_is_lost(
    world: World, server: RunningServer, server_db: Path
) -> None:
    with trio.fail_after(110):
        await world.link()
        # A long linger leaves time to take the lock between the outbox commit and the batch.
        async with world.running(AIMCOACH_LINGER_S="3") as agent:
            await agent.ready()
            first = _write_run(world, 1)
            other = world.raw_state()
            try:

                async def in_outbox() -> bool:
                    (n,) = other.execute("SELECT count(*) FROM outbox").fetchone()
                    return bool(n == 1)

                await agent.wait_for(in_outbox, what="the record committed to the outbox")
                other.execute("BEGIN EXCLUSIVE")  # "a database viewer" holds the write lock

                async def sender_restarted() -> dict[str, Any] | None:
                    snap = await agent.snapshot()
                    return snap if snap and _actor(snap, "sender")["restarts"] >= 1 else None

                await agent.wait_for(sender_restarted, what="the sender restarted", timeout=40)
                status = await world.ctl_status_json()
            finally:
                other.close()  # the lock goes with the connection (its transaction rolls back)

            sender = _actor(status, "sender")
            assert 1 <= sender["restarts"] <= 5  # restarted, within the restart intensity
            assert sender["last_error"] == t(
                "state.busy", path=str(world.state_dir / STATE_FILENAME)
            )
            assert all(a["restarts"] == 0 for a in status["actors"] if a["name"] != "sender")

            await agent.wait_for(_accepted(server, 1), what="the record after the restart")
            assert server_digests(server_db) == [first]
            # The restarted sender keeps working for new runs too.
            second = _write_run(world, 2)
            await agent.wait_for(_accepted(server, 2), what="a later record")
            after = await agent.snapshot()
            assert after is not None
            assert _actor(after, "sender")["state"] == "running"
            stopped = await world.aimcoach("ctl", "stop")
            assert stopped.returncode == 0, stopped.stderr.decode()
            assert await agent.exited() == 0

    totals = (await server.stats())["totals"]
    assert totals["accepted"] == totals["distinct_digests"] == 2
    assert totals["duplicates"] == 0
    assert sorted(server_digests(server_db)) == sorted([first, second])
    counts = await world.counts()
    assert (counts.delivered, counts.pending, counts.batched) == (2, 0, 0)
