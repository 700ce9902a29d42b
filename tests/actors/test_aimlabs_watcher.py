"""The Aim Lab watcher on a real SQLite file in tmp_path.

Virtual-time tests use polling only or a test-driven event source, with the watcher's blocking
calls made inline; the ``live`` test uses real watchfiles events, worker threads and the real
clock (skipped where the OS gives no events).
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, closing
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import pytest
import trio
import trio.testing

from aimcoach.actors._fsevents import ChangeHandler, in_thread
from aimcoach.actors.aimlabs_watcher import WatchConfig, WatcherStats, aimlabs_watcher
from aimcoach.messages import AimlabsChanged

POLLING = WatchConfig(force_polling=True, poll_interval_s=30, folder_check_s=5, settle_s=1)
EVENTS = WatchConfig(rescan_interval_s=3600, folder_check_s=3600, settle_s=1, settle_max_s=10)


_T = TypeVar("_T")


async def inline(fn: Callable[..., _T], /, *args: Any) -> _T:
    """A RunSync that makes the blocking call right here, on the event loop: virtual time
    cannot leap ahead while it runs, as it would while a worker thread does."""
    await trio.lowlevel.checkpoint()
    return fn(*args)


def make_db(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute('CREATE TABLE "TaskData"("taskId" integer primary key, "taskName" text)')


def add_row(path: Path, n: int) -> None:
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("INSERT INTO TaskData VALUES (?, ?)", (n, "x" * (n * 50)))


class FakeEvents:
    """A ChangeSource the test drives: ``notify(paths)`` is one burst of OS events."""

    def __init__(self) -> None:
        self._bursts: dict[Path, trio.MemorySendChannel[frozenset[str]]] = {}

    async def __call__(
        self,
        directory: Path,
        on_changes: ChangeHandler,
        *,
        task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        send, receive = trio.open_memory_channel[frozenset[str]](math.inf)
        self._bursts[directory] = send
        task_status.started()
        async with receive:
            async for burst in receive:
                await on_changes(burst)

    def notify(self, *paths: Path) -> None:
        self._bursts[paths[0].parent].send_nowait(frozenset(str(p) for p in paths))


@asynccontextmanager
async def watching(
    db_path: Path,
    *,
    config: WatchConfig = POLLING,
    events: FakeEvents | None = None,
    live: bool = False,
) -> AsyncIterator[tuple[trio.MemoryReceiveChannel[AimlabsChanged], WatcherStats]]:
    send, receive = trio.open_memory_channel[AimlabsChanged](0)
    stats = WatcherStats()
    async with trio.open_nursery() as nursery:
        await nursery.start(
            partial(
                aimlabs_watcher,
                db_path,
                send,
                config=config,
                stats=stats,
                events=events,
                run_sync=in_thread if live else inline,
            )
        )
        yield receive, stats
        nursery.cancel_scope.cancel()


async def assert_quiet(receive: trio.MemoryReceiveChannel[AimlabsChanged], seconds: float) -> None:
    with trio.move_on_after(seconds):
        msg = await receive.receive()
        raise AssertionError(f"unexpected {msg}")


async def test_one_change_at_start_then_none_while_nothing_changes(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    db = tmp_path / "klutch.bytes"
    make_db(db)
    with trio.fail_after(300):
        async with watching(db) as (receive, stats):
            assert await receive.receive() == AimlabsChanged(db_path=str(db))
            await assert_quiet(receive, 5 * POLLING.poll_interval_s)
    assert stats.handed_on == 1


async def test_burst_of_writes_becomes_one_change(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    db = tmp_path / "klutch.bytes"
    make_db(db)
    events = FakeEvents()
    with trio.fail_after(300):
        async with watching(db, config=EVENTS, events=events) as (receive, _):
            assert await receive.receive() == AimlabsChanged(db_path=str(db))
            # The game ends a task: journal created, database written, journal deleted …
            for n in range(6):
                add_row(db, n)
                events.notify(tmp_path / "klutch.bytes-journal", db)
                await trio.sleep(0.3)
            last = trio.current_time() - 0.3
            assert await receive.receive() == AimlabsChanged(db_path=str(db))
            assert trio.current_time() - last >= EVENTS.settle_s
            await assert_quiet(receive, 60)
            # … and a later task end is one more change.
            events.notify(tmp_path / "klutch.bytes-wal")
            assert await receive.receive() == AimlabsChanged(db_path=str(db))


async def test_continuous_writes_are_still_read_every_settle_max(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    db = tmp_path / "klutch.bytes"
    make_db(db)
    events = FakeEvents()
    with trio.fail_after(300):
        async with (
            watching(db, config=EVENTS, events=events) as (receive, _),
            trio.open_nursery() as nursery,
        ):
            await receive.receive()

            async def never_quiet() -> None:
                while True:
                    events.notify(db)
                    await trio.sleep(0.5)

            nursery.start_soon(never_quiet)
            start = trio.current_time()
            await receive.receive()
            await receive.receive()
            assert trio.current_time() - start <= 2 * (EVENTS.settle_max_s + EVENTS.settle_s) + 1
            nursery.cancel_scope.cancel()


async def test_other_files_and_shm_do_not_count(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    db = tmp_path / "klutch.bytes"
    make_db(db)
    events = FakeEvents()
    with trio.fail_after(300):
        async with watching(db, config=EVENTS, events=events) as (receive, _):
            await receive.receive()
            # -shm changes when anyone reads (our own reads too); Player.log on every frame.
            events.notify(tmp_path / "klutch.bytes-shm", tmp_path / "Player.log")
            events.notify(tmp_path / "other.bytes")
            await assert_quiet(receive, 60)


async def test_polling_notices_a_written_database(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    db = tmp_path / "klutch.bytes"
    make_db(db)
    with trio.fail_after(300):
        async with watching(db) as (receive, _):
            await receive.receive()
            add_row(db, 1)
            written_at = trio.current_time()
            assert await receive.receive() == AimlabsChanged(db_path=str(db))
            assert trio.current_time() - written_at <= POLLING.poll_interval_s + 1 + 1
            await assert_quiet(receive, 3 * POLLING.poll_interval_s)


async def test_database_created_later_is_picked_up(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    db = tmp_path / "aimlab_tb" / "Users" / "1234" / "LocalDB" / "klutch.bytes"
    with trio.fail_after(600):
        async with watching(db) as (receive, stats):
            assert stats.mode == "waiting"
            await trio.sleep(60)
            db.parent.mkdir(parents=True)
            await assert_quiet(receive, 2 * POLLING.poll_interval_s)  # a folder, no database
            assert stats.scans >= 2  # the folder is being looked at
            make_db(db)
            assert await receive.receive() == AimlabsChanged(db_path=str(db))


async def test_live_database_write_is_seen_through_os_events(tmp_path: Path) -> None:
    db = tmp_path / "klutch.bytes"
    make_db(db)
    config = WatchConfig(
        rescan_interval_s=3600, poll_interval_s=3600, folder_check_s=3600, settle_s=0.2
    )
    with trio.fail_after(20):
        async with watching(db, config=config, live=True) as (receive, stats):
            if stats.mode != "events":
                pytest.skip(f"no file-system events here: {stats.events_error}")
            assert await receive.receive() == AimlabsChanged(db_path=str(db))
            add_row(db, 1)
            # Rescans are an hour apart: only an event can find this write.
            assert await receive.receive() == AimlabsChanged(db_path=str(db))
