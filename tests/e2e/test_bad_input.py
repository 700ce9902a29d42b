"""Bad input is isolated: broken stats files are set aside with a reason, a locked Aim Lab
database is retried, and every good run keeps flowing meanwhile."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trio
from _e2e_support import World, server_digests

from aimcoach.devserver.testing import RunningServer
from aimcoach.devtools.samples import kovaaks_bytes, make_aimlab_db, write_kovaaks_files
from aimcoach.sources.aimlabs import AimlabsCursor, read_new
from aimcoach.sources.kovaaks import parse_stats_file

_GOOD_FILES = 10
_AIMLAB_ROWS = 15
_NUL_NAME = "Ghost Scenario - Challenge - 2025.02.01-10.00.00 Stats.csv"
_CUT_NAME = "Cut Scenario - Challenge - 2025.02.01-11.00.00 Stats.csv"


def _good_digests(world: World) -> set[str]:
    kovaaks = {
        parse_stats_file(p.read_bytes(), p.name, UTC, source_key=str(p)).digest
        for p in world.kovaaks_dir.iterdir()
        if p.name not in (_NUL_NAME, _CUT_NAME)
    }
    rows = read_new(world.aimlabs_db, AimlabsCursor(), limit=1000).records
    return kovaaks | {r.digest for r in rows}


@pytest.mark.slow
async def test_corrupt_files_quarantined_and_locked_aimlab_db_retried_while_rest_flows(
    world: World, server: RunningServer, server_db: Path
) -> None:
    write_kovaaks_files(world.kovaaks_dir, _GOOD_FILES, seed=3)
    # A file the PC crashed while saving (NUL-filled), and one cut off half-way.
    (world.kovaaks_dir / _NUL_NAME).write_bytes(b"\x00" * 4096)
    data, _ = kovaaks_bytes(
        random.Random(5), datetime(2025, 2, 1, 11, 0), "Cut Scenario", "clicking", "2.0.3.2", 30
    )
    (world.kovaaks_dir / _CUT_NAME).write_bytes(data[: len(data) // 2])
    make_aimlab_db(world.aimlabs_db, _AIMLAB_ROWS, seed=4)
    expected = _good_digests(world)
    assert len(expected) == _GOOD_FILES + _AIMLAB_ROWS

    with trio.fail_after(110):
        await world.link()
        # Aim Lab is in the middle of writing: it holds the database's exclusive lock.
        game = sqlite3.connect(world.aimlabs_db, isolation_level=None)
        try:
            game.execute("BEGIN EXCLUSIVE")
            async with world.running("--once") as agent:

                async def kovaaks_delivered() -> bool:
                    totals = (await server.stats())["totals"]
                    return bool(totals["accepted"] >= _GOOD_FILES)

                await agent.wait_for(kovaaks_delivered, what="the KovaaK's runs, lock or not")
                # Only KovaaK's so far: the database is still locked.
                assert (await server.stats())["totals"]["accepted"] == _GOOD_FILES
                assert agent.proc.returncode is None  # still retrying Aim Lab, not given up
                # The game keeps its lock a while longer: past several of the reader's SQLite
                # busy timeouts (0.8 s each), so the read must be tried again, not just waited.
                await trio.sleep(3)
                assert agent.proc.returncode is None
                game.execute("ROLLBACK")  # the game is done; the file itself did not change
                code = await agent.exited()
        finally:
            game.close()
    # 1, not 0: two files were set aside, and the summary says so.
    assert code == 1, agent.output()
    assert "2 set aside" in agent.output()

    totals = (await server.stats())["totals"]
    assert totals["accepted"] == totals["distinct_digests"] == _GOOD_FILES + _AIMLAB_ROWS
    assert totals["rejected"] == totals["duplicates"] == 0
    assert set(server_digests(server_db)) == expected
    async with world.state() as state:
        quarantined = await state.quarantined()
        counts = await state.counts()
    assert sorted(Path(q.source).name for q in quarantined) == sorted([_CUT_NAME, _NUL_NAME])
    assert all(q.reason for q in quarantined)
    assert (counts.delivered, counts.pending, counts.batched) == (len(expected), 0, 0)
