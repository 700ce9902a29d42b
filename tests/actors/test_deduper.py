"""The deduper between real channels and a real state database (worker threads, real clock)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import trio

from aimcoach.actors.deduper import DeduperStats, deduper
from aimcoach.messages import (
    AimlabsRead,
    FileParsed,
    ParseResult,
    Provider,
    Quarantined,
    Record,
    make_record,
)
from aimcoach.state import AsyncState, aimlabs_cursor_name


def rec(i: int, provider: Provider = "kovaaks") -> Record:
    return make_record(
        provider=provider, task=f"Task {i}", taken_at="2024-05-01T12:00:00Z", metrics={"hits": i}
    )


async def run_deduper(
    state: AsyncState, results: list[ParseResult], stats: DeduperStats
) -> list[tuple[Record, bool]]:
    """Feed ``results``; return what came out, each with "was it in the outbox already"."""
    in_send, in_receive = trio.open_memory_channel[ParseResult](0)
    out_send, out_receive = trio.open_memory_channel[Record](0)
    got: list[tuple[Record, bool]] = []

    async def feed() -> None:
        async with in_send:
            for result in results:
                await in_send.send(result)

    async def collect() -> None:
        async with out_receive:
            async for record in out_receive:
                outbox = await state.unbatched(record.provider, 1_000)
                got.append((record, record in outbox))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(partial(deduper, in_receive, out_send, state, stats=stats))
        nursery.start_soon(feed)
        nursery.start_soon(collect)  # ends when the deduper closes its send end
    return got


async def test_only_new_records_go_on_and_they_are_durable_first(tmp_path: Path) -> None:
    stats = DeduperStats()
    results: list[ParseResult] = [
        FileParsed("/s/a.csv", 10, 1, "ok", records=(rec(1), rec(2))),
        FileParsed("/s/a.csv", 10, 1, "ok", records=(rec(1), rec(2))),  # read twice
        FileParsed("/s/b.csv", 20, 2, "ok", records=(rec(2), rec(3))),
        FileParsed("/s/c.csv", 5, 3, "quarantined", reason="no header"),
    ]
    with trio.fail_after(30):
        async with await AsyncState.open(tmp_path) as state:
            got = await run_deduper(state, results, stats)
            assert await state.checkpoint("/s/b.csv") == (20, 2, "ok")
            assert [q.source for q in await state.quarantined()] == ["/s/c.csv"]
    assert got == [(rec(1), True), (rec(2), True), (rec(3), True)]
    assert (stats.results, stats.records_new, stats.duplicates, stats.quarantined) == (4, 3, 3, 1)


async def test_aim_lab_rows_commit_with_their_cursor(tmp_path: Path) -> None:
    stats = DeduperStats()
    results: list[ParseResult] = [
        AimlabsRead(
            "/g/klutch.bytes",
            '{"id": 2}',
            records=(rec(1, "aimlabs"), rec(2, "aimlabs")),
            problems=(Quarantined("klutch.bytes#3", "bad JSON"),),
        ),
        AimlabsRead("/g/klutch.bytes", '{"id": 3}', records=(rec(2, "aimlabs"),)),
    ]
    with trio.fail_after(30):
        async with await AsyncState.open(tmp_path) as state:
            got = await run_deduper(state, results, stats)
            assert await state.get_cursor(aimlabs_cursor_name("/g/klutch.bytes")) == '{"id": 3}'
    assert [r for r, _ in got] == [rec(1, "aimlabs"), rec(2, "aimlabs")]
    assert (stats.records_new, stats.duplicates, stats.quarantined) == (2, 1, 1)
