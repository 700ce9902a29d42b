"""The deduper commits the results already waiting in its channel together, and a lone result
at once (real channels, a real state database)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

import trio

from aimcoach.actors.deduper import GROUP_MAX_RECORDS, GROUP_MAX_RESULTS, DeduperStats, deduper
from aimcoach.messages import AimlabsRead, FileParsed, ParseResult, Record, make_record
from aimcoach.state import AsyncState


def rec(i: int) -> Record:
    return make_record(
        provider="kovaaks", task=f"Task {i}", taken_at="2024-05-01T12:00:00Z", metrics={"hits": i}
    )


def file(i: int) -> FileParsed:
    return FileParsed(f"/s/{i}.csv", 10, i, "ok", records=(rec(i),))


class GroupsSeen(AsyncState):
    """The real state, noting the size of each group committed."""

    groups: list[int]

    async def commit_many(self, results: Sequence[ParseResult]) -> list[list[Record]]:
        self.groups.append(len(results))
        return await super().commit_many(results)


async def test_waiting_results_share_one_commit_and_all_go_on(tmp_path: Path) -> None:
    count = GROUP_MAX_RESULTS + 6
    results_send, results_receive = trio.open_memory_channel[ParseResult](count)
    records_send, records_receive = trio.open_memory_channel[Record](count)
    for i in range(count):  # all waiting before the deduper starts
        results_send.send_nowait(file(i))
    results_send.close()
    stats = DeduperStats()
    with trio.fail_after(30):
        async with await AsyncState.open(tmp_path) as opened:
            state = GroupsSeen(opened.db)
            state.groups = []
            await deduper(results_receive, records_send, state, stats=stats)
            assert (await state.counts()).pending == count
    assert state.groups == [GROUP_MAX_RESULTS, 6]
    got = [records_receive.receive_nowait() for _ in range(count)]
    assert got == [rec(i) for i in range(count)]
    assert (stats.results, stats.records_new, stats.duplicates) == (count, count, 0)


async def test_a_group_stops_growing_at_the_record_limit(tmp_path: Path) -> None:
    big = AimlabsRead(
        "/g/klutch.bytes",
        '{"id": 1}',
        records=tuple(
            make_record(
                provider="aimlabs", task="t", taken_at="2024-05-01T12:00:00Z", metrics={"n": i}
            )
            for i in range(GROUP_MAX_RECORDS)
        ),
        problems=(),
    )
    results_send, results_receive = trio.open_memory_channel[ParseResult](4)
    records_send, records_receive = trio.open_memory_channel[Record](GROUP_MAX_RECORDS + 2)
    for result in (big, file(1), file(2)):
        results_send.send_nowait(result)
    results_send.close()
    with trio.fail_after(30):
        async with await AsyncState.open(tmp_path) as opened:
            state = GroupsSeen(opened.db)
            state.groups = []
            await deduper(results_receive, records_send, state, stats=DeduperStats())
    assert state.groups == [1, 2]
    assert len([r async for r in records_receive]) == GROUP_MAX_RECORDS + 2


async def test_a_lone_result_is_committed_and_forwarded_at_once(tmp_path: Path) -> None:
    results_send, results_receive = trio.open_memory_channel[ParseResult](8)
    records_send, records_receive = trio.open_memory_channel[Record](8)
    with trio.fail_after(30):
        async with await AsyncState.open(tmp_path) as opened, trio.open_nursery() as nursery:
            state = GroupsSeen(opened.db)
            state.groups = []
            nursery.start_soon(
                partial(deduper, results_receive, records_send, state, stats=DeduperStats())
            )
            # The channel stays open: the record must come out without waiting for more.
            await results_send.send(file(1))
            assert await records_receive.receive() == rec(1)
            assert state.groups == [1]
            await results_send.aclose()
