"""An unwell server: 503s for a while, then 429 with Retry-After. Nothing is lost or doubled."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import trio
from _e2e_support import REPO, ServerLog, World, server_digests

from aimcoach.devserver.testing import RunningServer

# Counted by hand: 8 `… Stats.csv` files in examples/kovaaks, 12 TaskData rows in
# examples/aimlab/klutch.bytes.
_KOVAAKS, _AIMLABS = 8, 12


def _examples(world: World, *, aimlabs: bool = True) -> None:
    shutil.copytree(REPO / "examples" / "kovaaks", world.kovaaks_dir, dirs_exist_ok=True)
    if aimlabs:
        shutil.copyfile(REPO / "examples" / "aimlab" / "klutch.bytes", world.aimlabs_db)


@pytest.mark.slow
async def test_server_503_for_a_while_then_recovers_and_everything_arrives_once(
    world: World, server: RunningServer, server_log: ServerLog, server_db: Path
) -> None:
    _examples(world)
    outage = 2  # answers in a row; `run --once` gives a batch 3 retries (2 s, 4 s backoff here)
    with trio.fail_after(90):
        await world.link()
        await server.fault(path="*", action="status", status=503, count=outage)
        done = await world.run_once()
    assert done.returncode == 0, done.stderr.decode()
    statuses = [
        ev["status"] for _, ev in server_log.requests() if ev["path"].startswith("/ingest/")
    ]
    assert statuses.count(503) == outage
    assert statuses[:outage] == [503] * outage  # the outage came first, then it recovered
    totals = (await server.stats())["totals"]
    assert totals["faults_injected"] == outage
    assert totals["accepted"] == totals["distinct_digests"] == _KOVAAKS + _AIMLABS
    assert totals["duplicates"] == 0
    assert len(server_digests(server_db)) == _KOVAAKS + _AIMLABS
    counts = await world.counts()
    assert (counts.delivered, counts.pending, counts.batched) == (_KOVAAKS + _AIMLABS, 0, 0)


async def test_429_retry_after_is_honoured_before_the_retry(
    world: World, server: RunningServer, server_log: ServerLog
) -> None:
    _examples(world, aimlabs=False)
    # Longer than the first backoff step (2 s ± 10 %), so only Retry-After explains the wait.
    retry_after = 3
    with trio.fail_after(90):
        await world.link()
        await server.fault(
            path="/ingest/kovaaks", action="status", status=429, retry_after=retry_after
        )
        done = await world.run_once()
    assert done.returncode == 0, done.stderr.decode()
    ingest = server_log.requests("/ingest/kovaaks")
    assert [ev["status"] for _, ev in ingest] == [429, 200]
    (refused_at, _), (retried_logged_at, retried) = ingest
    # The 429 line is logged before that answer goes out; the retry's line after it was
    # handled, so subtracting its handling time gives (no earlier than) its arrival.
    retried_arrived_at = retried_logged_at - retried["duration_ms"] / 1000
    assert retried_arrived_at - refused_at >= retry_after
    totals = (await server.stats())["totals"]
    assert totals["accepted"] == totals["distinct_digests"] == _KOVAAKS
