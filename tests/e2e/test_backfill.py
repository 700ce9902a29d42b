"""Backfill end to end: ``run --once`` over real folders, against the reference server.

Every record the agent reads reaches the server exactly once, and a second ``run --once`` sends
nothing at all. The set of digests the server stores is compared with what ``export --dry-run``
reads from the same folders (an independent pass of the agent that never touches the network).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import trio
from _e2e_support import REPO, SHARED_SAMPLES, World, server_digests

from aimcoach.devserver.testing import RunningServer


def _examples(world: World) -> int:
    shutil.copytree(REPO / "examples" / "kovaaks", world.kovaaks_dir, dirs_exist_ok=True)
    shutil.copyfile(REPO / "examples" / "aimlab" / "klutch.bytes", world.aimlabs_db)
    # Counted by hand: examples/kovaaks holds 8 `… Stats.csv` files, and
    # `SELECT count(*) FROM TaskData` on examples/aimlab/klutch.bytes gives 12.
    return 8 + 12


def _shared_samples(world: World) -> int:
    if not (SHARED_SAMPLES / "kovaaks").is_dir() or not (SHARED_SAMPLES / "aimlab").is_dir():
        pytest.skip(f"the shared samples are not here ({SHARED_SAMPLES})")
    # Everything in the folder, MANIFEST.md and the two renamed copies included: those are
    # not stats file names and must be ignored, not sent and not set aside.
    for item in (SHARED_SAMPLES / "kovaaks").iterdir():
        shutil.copyfile(item, world.kovaaks_dir / item.name)
    shutil.copyfile(SHARED_SAMPLES / "aimlab" / "klutch-2023-12.bytes", world.aimlabs_db)
    # From the two MANIFEST.md files: 16 KovaaK's files of which 2 were renamed by their
    # uploaders (`bounceshot.csv`, `1wall6targets TE.csv`), so 14 `… Stats.csv` names; and
    # "Row count 394" for the Aim Lab database (every row a distinct run).
    return 14 + 394


@pytest.mark.parametrize("source", ["examples", "shared_samples"])
async def test_backfill_accepts_every_record_exactly_once_and_rerun_sends_nothing(
    source: str, world: World, server: RunningServer, server_db: Path
) -> None:
    expected = _examples(world) if source == "examples" else _shared_samples(world)
    with trio.fail_after(110):
        await world.link()
        read = await world.aimcoach("export", "--dry-run")
        assert read.returncode == 0, read.stderr.decode()
        digests = {json.loads(line)["digest"] for line in read.stdout.splitlines()}
        assert len(digests) == expected

        first = await world.run_once()
        assert first.returncode == 0, first.stderr.decode()
        totals = (await server.stats())["totals"]
        assert totals["accepted"] == totals["distinct_digests"] == expected
        assert totals["duplicates"] == 0
        assert totals["rejected"] == 0
        assert sorted(server_digests(server_db)) == sorted(digests)

        again = await world.run_once()
        assert again.returncode == 0, again.stderr.decode()
        after = (await server.stats())["totals"]
        assert after["requests"] == totals["requests"]  # not one request more
        assert after["accepted"] == expected

    counts = await world.counts()
    assert (counts.delivered, counts.pending, counts.batched, counts.quarantined) == (
        expected,
        0,
        0,
        0,
    )
    assert counts.pending_batches == 0


@pytest.mark.parametrize(
    ("option", "sent_first"),
    [
        # max-records: the first 5 records read, whichever they are.
        (("--max-records", "5"), 5),
        # since: counted by hand in examples/: 3 KovaaK's file names end at or after 12:30
        # (12.33.47, 12.38.31, 12.42.44; read as UTC here), and 5 TaskData rows have endedAt
        # at or after 12:30:00 (taskId 8 to 12).
        (("--since", "2025-01-01T12:30:00Z"), 3 + 5),
    ],
    ids=["max_records", "since"],
)
async def test_export_of_a_slice_then_run_once_delivers_the_rest_exactly_once(
    option: tuple[str, str], sent_first: int, world: World, server: RunningServer
) -> None:
    expected = _examples(world)
    with trio.fail_after(90):
        await world.link()
        sliced = await world.aimcoach("export", *option)
        assert sliced.returncode == 0, sliced.stderr.decode()
        assert (await server.stats())["totals"]["accepted"] == sent_first
        rest = await world.run_once()
        assert rest.returncode == 0, rest.stderr.decode()
    totals = (await server.stats())["totals"]
    assert totals["accepted"] == totals["distinct_digests"] == expected
    assert totals["duplicates"] == 0
    counts = await world.counts()
    assert (counts.delivered, counts.pending, counts.batched) == (expected, 0, 0)
