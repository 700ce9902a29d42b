"""The KovaaK's watcher on real files in tmp_path.

Most tests run on a MockClock with polling only, or with a test-driven event source, and make
the watcher's blocking calls inline, so quiet periods, rescans and folder checks cost no real
time and virtual time never leaps while a thread works. The ``live`` tests use the real watchfiles
events and the real clock; they are skipped where the OS gives no events.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import pytest
import trio
import trio.testing

from aimcoach.actors._fsevents import ChangeHandler, EventsUnavailable, WatchMode, in_thread
from aimcoach.actors.kovaaks_watcher import WatchConfig, WatcherStats, kovaaks_watcher
from aimcoach.i18n import t
from aimcoach.messages import StatsFileReady

POLLING = WatchConfig(force_polling=True, poll_interval_s=30.0, folder_check_s=5.0)


_T = TypeVar("_T")


async def inline(fn: Callable[..., _T], /, *args: Any) -> _T:
    """A RunSync that makes the blocking call right here, on the event loop: virtual time
    cannot leap ahead while it runs, as it would while a worker thread does."""
    await trio.lowlevel.checkpoint()
    return fn(*args)


def stats_name(n: int) -> str:
    return f"Scenario {n} - Challenge - 2024.01.01-00.00.{n % 60:02d} Stats.csv"


def write(path: Path, data: bytes) -> StatsFileReady:
    path.write_bytes(data)
    st = path.stat()
    return StatsFileReady(str(path), st.st_size, st.st_mtime_ns)


class Checkpoints:
    """The state database's checkpoint table as the watcher sees it through ``is_done``."""

    def __init__(self) -> None:
        self.done: dict[str, tuple[int, int]] = {}
        self.calls = 0

    async def is_done(self, path: str, size: int, mtime_ns: int) -> bool:
        self.calls += 1
        await trio.lowlevel.checkpoint()
        return self.done.get(path) == (size, mtime_ns)

    def commit(self, msg: StatsFileReady) -> None:
        self.done[msg.path] = (msg.size, msg.mtime_ns)


class FakeEvents:
    """A ChangeSource the test drives: ``notify(paths)`` is one burst of OS events."""

    def __init__(self, *, fail: bool = False) -> None:
        self.fail = fail
        self._bursts: dict[Path, trio.MemorySendChannel[frozenset[str] | None]] = {}

    async def __call__(
        self,
        directory: Path,
        on_changes: ChangeHandler,
        *,
        task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        if self.fail:
            raise EventsUnavailable("inotify watch limit reached")
        send, receive = trio.open_memory_channel[frozenset[str] | None](math.inf)
        self._bursts[directory] = send
        task_status.started()
        async with receive:
            async for burst in receive:
                if burst is None:
                    raise EventsUnavailable("the watch broke")
                await on_changes(burst)

    def watching(self, directory: Path) -> bool:
        return directory in self._bursts

    def notify(self, *paths: Path) -> None:
        self._bursts[paths[0].parent].send_nowait(frozenset(str(p) for p in paths))

    def notify_folder(self, directory: Path) -> None:
        self._bursts[directory].send_nowait(frozenset({str(directory)}))

    def break_watch(self, directory: Path) -> None:
        self._bursts[directory].send_nowait(None)


@asynccontextmanager
async def watching(
    directory: Path,
    checkpoints: Checkpoints,
    *,
    config: WatchConfig = POLLING,
    events: FakeEvents | None = None,
    buffer: int = 0,
    live: bool = False,
) -> AsyncIterator[tuple[trio.MemoryReceiveChannel[StatsFileReady], WatcherStats]]:
    send, receive = trio.open_memory_channel[StatsFileReady](buffer)
    stats = WatcherStats()
    async with trio.open_nursery() as nursery:
        await nursery.start(
            partial(
                kovaaks_watcher,
                directory,
                send,
                is_done=checkpoints.is_done,
                config=config,
                stats=stats,
                events=events,
                run_sync=in_thread if live else inline,
            )
        )
        yield receive, stats
        nursery.cancel_scope.cancel()


def mode(stats: WatcherStats) -> WatchMode:
    return stats.mode  # read through a call: mypy would keep an earlier assert's narrowing


async def until(predicate: Callable[[], bool]) -> None:
    """Wait for the actor to update its counters (they are plain fields, with no event)."""
    while not predicate():  # noqa: ASYNC110 - nothing to wait on but the counters themselves
        await trio.sleep(0.05)


async def assert_quiet(receive: trio.MemoryReceiveChannel[StatsFileReady], seconds: float) -> None:
    with trio.move_on_after(seconds):
        msg = await receive.receive()
        raise AssertionError(f"unexpected {msg}")


async def test_initial_scan_hands_on_each_stats_file_and_nothing_else(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    expected = {write(tmp_path / stats_name(n), b"x" * n) for n in (1, 2, 3)}
    (tmp_path / "notes.txt").write_text("not a stats file")
    (tmp_path / "bounceshot.csv").write_text("renamed by a player: not a stats file name")
    (tmp_path / (stats_name(4) + ".tmp")).write_text("partial download")
    (tmp_path / stats_name(5)).mkdir()  # a folder with a stats file's name
    (tmp_path / "old").mkdir()
    write(tmp_path / "old" / stats_name(6), b"KovaaK's writes flat: subfolders are not read")
    checkpoints = Checkpoints()
    with trio.fail_after(300):
        async with watching(tmp_path, checkpoints) as (receive, stats):
            got = {await receive.receive() for _ in range(3)}
            assert got == expected
            # Two rescans later: nothing is handed on twice while it is on its way …
            await assert_quiet(receive, 2 * POLLING.poll_interval_s)
            assert checkpoints.calls == 3 + 2 * 3
            for msg in got:
                checkpoints.commit(msg)
            # … and once is_done() confirmed it, rescans no longer ask the state database.
            await assert_quiet(receive, POLLING.poll_interval_s)
            calls = checkpoints.calls
            await assert_quiet(receive, 4 * POLLING.poll_interval_s)
            assert checkpoints.calls == calls
    assert stats.handed_on == 3
    assert stats.scans >= 8
    assert stats.mode == "polling"


async def test_checkpointed_files_are_skipped(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    done = write(tmp_path / stats_name(1), b"read before")
    rewritten = write(tmp_path / stats_name(2), b"read before, then rewritten")
    fresh = write(tmp_path / stats_name(3), b"never read")
    checkpoints = Checkpoints()
    checkpoints.commit(done)
    checkpoints.done[rewritten.path] = (rewritten.size, rewritten.mtime_ns - 1)
    with trio.fail_after(300):
        async with watching(tmp_path, checkpoints) as (receive, stats):
            got = {await receive.receive() for _ in range(2)}
            await assert_quiet(receive, 3 * POLLING.poll_interval_s)
    assert got == {rewritten, fresh}
    assert stats.skipped_done == 1


async def test_file_being_written_is_handed_on_only_once_stable(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    config = WatchConfig(quiet_period_s=0.5, rescan_interval_s=3600, folder_check_s=3600)
    events = FakeEvents()
    path = tmp_path / stats_name(1)
    last_write = 0.0

    async def game_writes() -> None:
        # Appends every 0.2 s for 2.4 s: never quiet for 0.5 s until it stops.
        nonlocal last_write
        with path.open("ab") as fh:
            for _ in range(12):
                fh.write(b"k" * 100)
                fh.flush()
                last_write = trio.current_time()
                events.notify(path)
                await trio.sleep(0.2)

    with trio.fail_after(300):
        async with (
            watching(tmp_path, Checkpoints(), config=config, events=events) as (receive, stats),
            trio.open_nursery() as nursery,
        ):
            assert stats.mode == "events"
            nursery.start_soon(game_writes)
            msg = await receive.receive()
            received_at = trio.current_time()
            await assert_quiet(receive, 10)
    assert msg.size == 1200
    assert (msg.size, msg.mtime_ns) == (path.stat().st_size, path.stat().st_mtime_ns)
    assert received_at - last_write >= config.quiet_period_s
    assert stats.still_changing >= 1


async def test_rewritten_file_is_handed_on_again(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    config = WatchConfig(rescan_interval_s=3600, folder_check_s=3600)
    events = FakeEvents()
    path = tmp_path / stats_name(1)
    checkpoints = Checkpoints()
    with trio.fail_after(300):
        async with watching(tmp_path, checkpoints, config=config, events=events) as (receive, _):
            first = write(path, b"first version")
            events.notify(path)
            assert await receive.receive() == first
            checkpoints.commit(first)

            second = write(path, b"second, longer version")
            events.notify(path)
            assert await receive.receive() == second
            checkpoints.commit(second)

            # Same size, new mtime: still a different file to the checkpoint.
            os.utime(path, ns=(second.mtime_ns + 10**9, second.mtime_ns + 10**9))
            events.notify(path)
            third = await receive.receive()
            assert (third.size, third.mtime_ns) == (second.size, second.mtime_ns + 10**9)

            # An event without a change (a read, an antivirus scan) hands nothing on.
            checkpoints.commit(third)
            events.notify(path)
            await assert_quiet(receive, 10)


async def test_handed_on_file_that_never_gets_checkpointed_is_handed_on_again(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    config = WatchConfig(force_polling=True, poll_interval_s=30, inflight_timeout_s=100)
    msg = write(tmp_path / stats_name(1), b"lost downstream")
    checkpoints = Checkpoints()
    with trio.fail_after(600):
        async with watching(tmp_path, checkpoints, config=config) as (receive, _):
            assert await receive.receive() == msg
            handed_at = trio.current_time()
            assert await receive.receive() == msg
            # Not before the in-flight timeout, and at the first rescan after it.
            waited = trio.current_time() - handed_at
            assert config.inflight_timeout_s <= waited <= config.inflight_timeout_s + 30 + 1
            checkpoints.commit(msg)
            await assert_quiet(receive, 300)


async def test_folder_missing_at_start_is_picked_up_when_created(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    folder = tmp_path / "FPSAimTrainer" / "stats"
    with trio.fail_after(300):
        async with watching(folder, Checkpoints()) as (receive, stats):
            assert stats.mode == "waiting"
            assert stats.last_error == t("watcher.folder_missing", path=str(folder))
            await trio.sleep(60)
            folder.mkdir(parents=True)
            msg = write(folder / stats_name(1), b"first run")
            created_at = trio.current_time()
            assert await receive.receive() == msg
            # Found by the next folder check, then one quiet period.
            assert trio.current_time() - created_at <= POLLING.folder_check_s + 1 + 1
            assert mode(stats) == "polling"


async def test_folder_deleted_and_recreated_is_followed_again(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    folder = tmp_path / "stats"
    folder.mkdir()
    first = write(folder / stats_name(1), b"before")
    checkpoints = Checkpoints()
    with trio.fail_after(300):
        async with watching(folder, checkpoints) as (receive, stats):
            assert await receive.receive() == first
            checkpoints.commit(first)
            shutil.rmtree(folder)
            await trio.sleep(POLLING.folder_check_s + 1)
            assert stats.mode == "waiting"
            assert stats.last_error == t("watcher.folder_gone", path=str(folder))
            folder.mkdir()
            second = write(folder / stats_name(2), b"after")
            assert await receive.receive() == second
            await assert_quiet(receive, 100)


async def test_events_unavailable_falls_back_to_polling(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    config = WatchConfig(poll_interval_s=30, rescan_interval_s=3600)
    with trio.fail_after(300):
        async with watching(
            tmp_path, Checkpoints(), config=config, events=FakeEvents(fail=True)
        ) as (receive, stats):
            assert stats.mode == "polling"
            assert stats.events_error == t(
                "watcher.events_unavailable",
                path=str(tmp_path),
                error="inotify watch limit reached",
                seconds=30,
            )
            msg = write(tmp_path / stats_name(1), b"found by polling")
            written_at = trio.current_time()
            assert await receive.receive() == msg
            assert trio.current_time() - written_at <= 30 + 1 + 1


async def test_events_failing_later_switch_to_polling_at_once(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    config = WatchConfig(poll_interval_s=30, rescan_interval_s=3600, folder_check_s=3600)
    events = FakeEvents()
    with trio.fail_after(300):
        async with watching(tmp_path, Checkpoints(), config=config, events=events) as (
            receive,
            stats,
        ):
            assert stats.mode == "events"
            missed = write(tmp_path / stats_name(1), b"written while the watch broke")
            events.break_watch(tmp_path)
            # Events may have been missed: the switch rescans at once, then every 30 s.
            assert await receive.receive() == missed
            assert mode(stats) == "polling"
            assert stats.events_error is not None
            later = write(tmp_path / stats_name(2), b"found by polling")
            assert await receive.receive() == later


async def test_event_about_the_folder_itself_renews_the_watch_and_rescans(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    # Deleted and re-created between two checks, the folder can come back with the same inode
    # number: it looks unchanged, but the old OS watch is dead. The event says so.
    config = WatchConfig(rescan_interval_s=3600, folder_check_s=3600)
    events = FakeEvents()
    with trio.fail_after(300):
        async with watching(tmp_path, Checkpoints(), config=config, events=events) as (
            receive,
            stats,
        ):
            unseen = write(tmp_path / stats_name(1), b"written with no event")
            events.notify_folder(tmp_path)
            assert await receive.receive() == unseen
            assert stats.scans == 2
            assert mode(stats) == "events"
            assert stats.last_error is None
            # The renewed watch delivers events again.
            later = write(tmp_path / stats_name(2), b"after")
            events.notify(tmp_path / stats_name(2))
            assert await receive.receive() == later


async def test_large_backlog_is_streamed_through_a_bounded_window(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    expected = {write(tmp_path / stats_name(n), b"%d" % n) for n in range(200)}
    config = WatchConfig(force_polling=True, max_pending=8)
    checkpoints = Checkpoints()
    got: set[StatsFileReady] = set()
    with trio.fail_after(600):
        async with watching(tmp_path, checkpoints, config=config) as (receive, stats):
            while len(got) < len(expected):
                got.add(await receive.receive())
                # Never more than the window waits out its quiet period, whatever the backlog.
                assert stats.pending <= config.max_pending
    assert got == expected
    assert checkpoints.calls == len(expected)


# -- live: real OS events through watchfiles, real clock ----------------------------------------

LIVE = WatchConfig(
    quiet_period_s=0.1, rescan_interval_s=3600, poll_interval_s=3600, folder_check_s=3600
)


def skip_without_events(stats: WatcherStats) -> None:
    if stats.mode != "events":
        pytest.skip(f"no file-system events here: {stats.events_error}")


async def test_live_new_file_is_seen_through_os_events(tmp_path: Path) -> None:
    with trio.fail_after(20):
        async with watching(tmp_path, Checkpoints(), config=LIVE, live=True) as (receive, stats):
            skip_without_events(stats)
            msg = write(tmp_path / stats_name(1), b"a finished run")
            # Rescans and folder checks are an hour apart: only an event can find it.
            assert await receive.receive() == msg


async def test_live_folder_created_and_recreated_is_seen_through_os_events(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "FPSAimTrainer" / "stats"
    checkpoints = Checkpoints()
    with trio.fail_after(20):
        async with watching(folder, checkpoints, config=LIVE, live=True) as (receive, stats):
            assert stats.mode == "waiting"
            folder.mkdir(parents=True)
            first = write(folder / stats_name(1), b"first")
            assert await receive.receive() == first
            skip_without_events(stats)
            checkpoints.commit(first)
            shutil.rmtree(folder)
            await until(lambda: stats.mode == "waiting")
            folder.mkdir()
            second = write(folder / stats_name(2), b"second")
            assert await receive.receive() == second
