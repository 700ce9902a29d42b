"""SIGTERM to a running ``aimcoach run``: a graceful stop, exit 0, and nothing lost.

The signal arrives in the middle of a paced backfill, while a batch is held by the server (a
``delay`` fault). With a long grace period the run drains everything it has read; with a short
one it is cut off mid-request. Either way it exits 0, and the next ``run --once`` completes the
set without sending anything twice.
"""

from __future__ import annotations

import signal
import sys
from datetime import UTC
from pathlib import Path

import pytest
import trio
from _e2e_support import World, server_digests

from aimcoach.devserver.testing import RunningServer
from aimcoach.devtools.samples import write_kovaaks_files
from aimcoach.i18n import t
from aimcoach.sources.kovaaks import parse_stats_file

_FILES = 300


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="Windows has no SIGTERM to send")
@pytest.mark.parametrize("grace", ["drains", "runs_out"])
async def test_sigterm_stops_gracefully_with_exit_0_and_nothing_lost(
    grace: str, world: World, server: RunningServer, server_db: Path
) -> None:
    write_kovaaks_files(world.kovaaks_dir, _FILES, seed=11)
    expected = {
        parse_stats_file(p.read_bytes(), p.name, UTC, source_key=str(p)).digest
        for p in world.kovaaks_dir.iterdir()
    }
    with trio.fail_after(110):
        await world.link()
        paced = {
            "AIMCOACH_BATCH_MAX_RECORDS": "30",
            "AIMCOACH_RATE_PER_S": "2",
            "AIMCOACH_RATE_BURST": "1",
            # Far more than the drain needs, or far less than the held batch alone.
            "AIMCOACH_GRACE_PERIOD_S": "60" if grace == "drains" else "0.5",
        }
        async with world.running(**paced) as agent:

            async def some_delivered() -> bool:
                return bool((await server.stats())["totals"]["accepted"] >= 60)

            await agent.wait_for(some_delivered, what="a few batches on the server")
            await server.fault(path="/ingest/kovaaks", action="delay", seconds=1.5)

            async def held() -> bool:
                return bool((await server.stats())["totals"]["in_flight"] >= 1)

            await agent.wait_for(held, what="a batch held by the server")
            agent.proc.send_signal(signal.SIGTERM)
            code = await agent.exited()
            assert code == 0, agent.output()
            assert t("run.stopped") in agent.output()

        stopped_with = (await server.stats())["totals"]
        counts = await world.counts()
        assert counts.quarantined == 0
        if grace == "drains":
            # Everything read before the signal was delivered before the exit, and the state
            # database agrees with the server; files not read yet are simply still unread.
            assert counts.delivered == stopped_with["accepted"]
            assert counts.pending == counts.batched == counts.pending_batches == 0
        else:
            # Cut off: the held batch may be stored on the server without the agent knowing.
            assert counts.delivered <= stopped_with["accepted"] < _FILES

        done = await world.run_once()
        assert done.returncode == 0, done.stderr.decode()

    totals = (await server.stats())["totals"]
    assert totals["accepted"] == totals["distinct_digests"] == _FILES
    assert totals["duplicates"] == 0
    assert set(server_digests(server_db)) == expected
    counts = await world.counts()
    assert (counts.delivered, counts.pending, counts.batched) == (_FILES, 0, 0)
