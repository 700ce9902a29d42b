"""``kill -9`` in the middle of a backfill, then ``run --once``: exactly the right set arrives.

The kill lands while a batch is held by the server (a ``delay`` fault): the server stores it,
its reply never reaches the agent. The restarted agent must resend that batch under the same
Idempotency-Key (answered from the server's idempotency store), and send the rest once.
"""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest
import trio
from _e2e_support import World, eventually, server_digests

from aimcoach.devserver.testing import RunningServer
from aimcoach.devtools.samples import write_kovaaks_files
from aimcoach.sources.kovaaks import parse_stats_file

_FILES = 2000


def _expected_digests(folder: Path) -> set[str]:
    return {
        parse_stats_file(path.read_bytes(), path.name, UTC, source_key=str(path)).digest
        for path in folder.iterdir()
    }


@pytest.mark.slow
async def test_kill_9_mid_backfill_then_restart_delivers_exactly_the_right_set(
    world: World, server: RunningServer, server_db: Path
) -> None:
    write_kovaaks_files(world.kovaaks_dir, _FILES, seed=7)
    expected = await trio.to_thread.run_sync(_expected_digests, world.kovaaks_dir)
    assert len(expected) == _FILES
    with trio.fail_after(110):
        await world.link()
        # Small batches, paced: the backfill takes long enough to be killed in the middle.
        slow = {
            "AIMCOACH_BATCH_MAX_RECORDS": "100",
            "AIMCOACH_RATE_PER_S": "2",
            "AIMCOACH_RATE_BURST": "1",
        }
        async with world.running(**slow) as agent:

            async def some_delivered() -> bool:
                return bool((await server.stats())["totals"]["accepted"] >= 300)

            await agent.wait_for(some_delivered, what="a few batches on the server")
            await server.fault(path="/ingest/kovaaks", action="delay", seconds=3)

            async def held() -> bool:
                return bool((await server.stats())["totals"]["in_flight"] >= 1)

            await agent.wait_for(held, what="a batch held by the server")
            agent.proc.kill()  # SIGKILL: no cleanup of any kind
            await agent.exited()
        before = (await server.stats())["totals"]
        assert before["accepted"] < _FILES  # it really was stopped in the middle

        async def settled() -> bool:
            return bool((await server.stats())["totals"]["in_flight"] == 0)

        # The held batch is stored now; its reply went nowhere.
        await eventually(settled, what="the server to finish the held batch")
        done = await world.run_once()
    assert done.returncode == 0, done.stderr.decode()

    totals = (await server.stats())["totals"]
    assert totals["distinct_digests"] == _FILES
    assert totals["accepted"] == totals["distinct_digests"]  # none accepted twice
    assert totals["duplicates"] == 0
    assert totals["replays"] >= 1  # the killed batch was resent with its key, not re-stored
    assert set(server_digests(server_db)) == expected
    counts = await world.counts()
    assert (counts.delivered, counts.pending, counts.batched, counts.pending_batches) == (
        _FILES,
        0,
        0,
        0,
    )
