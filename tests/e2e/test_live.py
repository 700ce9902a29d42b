"""A long-lived ``aimcoach run`` follows the game folders while the games write into them."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import trio
from _e2e_support import World, server_digests

from aimcoach.devserver.testing import RunningServer
from aimcoach.devtools.samples import kovaaks_bytes, make_aimlab_db
from aimcoach.sources.kovaaks import parse_stats_file

_V39 = "3.9.9.2026-09-08-13-49-08-01c79144c86c"


def _stats_file(
    seed: int, end: datetime, scenario: str = "VT Pasu Intermediate S5"
) -> tuple[str, bytes]:
    data, run = kovaaks_bytes(random.Random(seed), end, scenario, "clicking", _V39, 40)
    return run.file_name, data


def _digest(name: str, data: bytes) -> str:
    return parse_stats_file(data, name, UTC, source_key=name).digest


def _accepted(server: RunningServer, n: int) -> Any:
    async def check() -> dict[str, int] | None:
        totals: dict[str, int] = (await server.stats())["totals"]
        return totals if totals["accepted"] >= n else None

    return check


async def test_file_written_while_run_is_live_is_delivered(
    world: World, server: RunningServer, server_db: Path
) -> None:
    name, data = _stats_file(1, datetime(2025, 3, 1, 20, 15, 0))
    with trio.fail_after(90):
        await world.link()
        async with world.running() as agent:
            await agent.ready()
            assert (await server.stats())["totals"]["accepted"] == 0
            (world.kovaaks_dir / name).write_bytes(data)
            totals = await agent.wait_for(_accepted(server, 1), what="the new run on the server")
            assert totals["accepted"] == totals["distinct_digests"] == 1
            assert server_digests(server_db) == [_digest(name, data)]
            done = await world.aimcoach("ctl", "stop")
            assert done.returncode == 0, done.stderr.decode()
            assert await agent.exited() == 0


@pytest.mark.slow
async def test_half_written_file_is_not_read_before_it_is_complete(
    world: World, server: RunningServer, server_db: Path
) -> None:
    quiet = 0.5
    name, data = _stats_file(2, datetime(2025, 3, 1, 21, 0, 0))
    half = len(data) // 2
    # The rest arrives in small pieces, each well within the quiet period of the one before,
    # for four quiet periods in all: a reader that does not wait for quiet would see it torn.
    pieces = [data[i : i + 40] for i in range(half, len(data), 40)]
    step = 4 * quiet / len(pieces)
    assert step < quiet / 5
    with trio.fail_after(90):
        await world.link()
        async with world.running(AIMCOACH_QUIET_PERIOD_S=str(quiet)) as agent:
            await agent.ready()
            async with await trio.open_file(world.kovaaks_dir / name, "wb") as game:
                await game.write(data[:half])
                await game.flush()
                for piece in pieces:
                    await trio.sleep(step)  # the game's pace, not synchronisation
                    await game.write(piece)
                    await game.flush()
                # Nothing may have been read, let alone sent, while the file was being written.
                assert (await server.stats())["totals"]["requests"] == 0
            await agent.wait_for(_accepted(server, 1), what="the completed run on the server")
            done = await world.aimcoach("ctl", "stop")
            assert done.returncode == 0, done.stderr.decode()
            assert await agent.exited() == 0

    totals = (await server.stats())["totals"]
    assert totals["accepted"] == totals["distinct_digests"] == 1
    assert server_digests(server_db) == [_digest(name, data)]  # the digest of the whole file
    async with world.state() as state:
        assert await state.quarantined() == []
        counts = await state.counts()
    assert (counts.delivered, counts.pending, counts.batched, counts.quarantined) == (1, 0, 0, 0)


async def test_aimlab_rows_written_while_run_is_live_are_delivered(
    world: World, server: RunningServer
) -> None:
    make_aimlab_db(world.aimlabs_db, 5, seed=21)
    with trio.fail_after(90):
        await world.link()
        async with world.running() as agent:
            await agent.ready()
            await agent.wait_for(_accepted(server, 5), what="the rows already there")
            # The game appends three more runs, as it does: one transaction, rollback journal.
            make_aimlab_db(world.aimlabs_db, 3, seed=21, first_id=6)
            await agent.wait_for(_accepted(server, 8), what="the new rows")
            done = await world.aimcoach("ctl", "stop")
            assert done.returncode == 0, done.stderr.decode()
            assert await agent.exited() == 0
        totals = (await server.stats())["totals"]
    assert totals["accepted"] == totals["distinct_digests"] == 8
    assert totals["duplicates"] == 0
    counts = await world.counts()
    assert (counts.delivered, counts.pending, counts.batched) == (8, 0, 0)
