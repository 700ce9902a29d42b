"""AsyncState: the same operations from trio tasks, one worker thread at a time."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from aimcoach.errors import StateError
from aimcoach.messages import FileParsed, Record, make_record
from aimcoach.state import AsyncState


def rec(i: int) -> Record:
    return make_record(
        provider="kovaaks", task=f"Task {i}", taken_at="2024-05-01T12:00:00Z", metrics={"shots": i}
    )


async def test_concurrent_callers_are_serialized_on_one_connection(tmp_path: Path) -> None:
    with trio.fail_after(30):
        async with await AsyncState.open(tmp_path) as state:
            new: list[Record] = []

            async def commit(i: int) -> None:
                parsed = FileParsed(f"/s/{i}.csv", 1, 1, "ok", records=(rec(i), rec(i + 1)))
                new.extend(await state.commit_file(parsed))

            async with trio.open_nursery() as nursery:
                for i in range(20):
                    nursery.start_soon(commit, i)
            # 21 distinct runs over 20 files, each committed exactly once.
            assert sorted(r.task for r in new) == sorted(f"Task {i}" for i in range(21))
            counts = await state.counts()
            assert (counts.pending, counts.files) == (21, 20)


async def test_the_async_facade_mirrors_the_batch_cycle(tmp_path: Path) -> None:
    with trio.fail_after(30):
        async with await AsyncState.open(tmp_path) as state:
            await state.commit(FileParsed("/s/a.csv", 3, 4, "ok", records=(rec(1), rec(2))))
            assert await state.checkpoint("/s/a.csv") == (3, 4, "ok")
            assert await state.checkpoints_for(["/s/a.csv", "/s/b.csv"]) == {
                "/s/a.csv": (3, 4, "ok")
            }
            assert await state.unbatched("kovaaks", 10) == [rec(1), rec(2)]
            batch = await state.create_batch("kovaaks", "k", [rec(1).digest, rec(2).digest])
            assert batch is not None
            await state.note_attempt("k", "HTTP 503")
            (pending,) = await state.pending_batches()
            assert pending.attempts == 1
            halves = await state.split_batch(
                "k", [("k1", [rec(1).digest]), ("k2", [rec(2).digest])]
            )
            assert [h.key for h in halves] == ["k1", "k2"]
            await state.complete_batch("k1", [rec(1).digest], [])
            await state.complete_batch("k2", [], [(rec(2).digest, "too_big: no")])
            assert [r.reason for r in await state.rejected_records()] == ["too_big: no"]
            assert await state.quarantined() == []
            assert await state.get_cursor("aimlabs:/x") is None
            counts = await state.counts()
            assert (counts.delivered, counts.rejected) == (1, 1)


async def test_open_errors_surface_as_state_errors(tmp_path: Path) -> None:
    with trio.fail_after(30):
        async with await AsyncState.open(tmp_path):
            with pytest.raises(StateError) as info:
                await AsyncState.open(tmp_path)
    assert info.value.key == "state.locked"
