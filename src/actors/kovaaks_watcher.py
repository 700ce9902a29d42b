"""The KovaaK's watcher: hands on every stats file once it is complete and not yet read.

KovaaK's writes one ``… Stats.csv`` per finished run, flat into its ``stats`` folder. The watcher
lists that folder at start, then follows OS events (with periodic rescans as a safety net, see
:mod:`aimcoach.actors._fsevents`), and sends :class:`StatsFileReady` for a file only when

- its size and mtime stayed the same for ``quiet_period_s`` (re-checked by a second stat after
  the quiet period, again and again while the game is still writing), and
- ``is_done(path, size, mtime_ns)`` says no checkpoint holds it with that size and mtime.

A file rewritten later (new size or mtime) is handed on again. Memory stays flat however large
the folder: the listing is streamed, at most ``max_pending`` files wait out their quiet period
at once, and the bounded send channel pushes back on the listing. A file that was handed on is
remembered, and so is a file ``is_done`` confirmed (compactly, up to ``memo_max`` files), so
that rescans and repeated events neither hand it on twice nor ask the state database again and
again. A handed-on file still not checkpointed after ``inflight_timeout_s`` (work lost
downstream) is handed on again.

This module must not read file contents, parse, or write anything: it only looks at names,
sizes and times.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import structlog
import trio

from aimcoach.actors._fsevents import (
    ChangeSource,
    RunSync,
    WatchConfig,
    WatcherStats,
    event_source,
    follow_folder,
    in_thread,
    seconds_text,
)
from aimcoach.i18n import t
from aimcoach.messages import StatsFileReady
from aimcoach.sources.kovaaks import is_stats_file_name

__all__ = ["IsDone", "WatchConfig", "WatcherStats", "kovaaks_watcher"]

IsDone = Callable[[str, int, int], Awaitable[bool]]
"""``is_done(path, size, mtime_ns)``: a checkpoint holds this file with this size and mtime."""

_log = structlog.get_logger("aimcoach.actors")

# Directory entries pulled per worker-thread call while listing, and files stat'ed per call when
# quiet periods end: large enough to amortize the thread hop, small enough to stay responsive.
_LIST_CHUNK = 256
_STAT_CHUNK = 256
# Files remembered as handed on but not yet confirmed by is_done(): far more than the bounded
# channels and workers downstream can hold at once.
_IN_FLIGHT_MAX = 4096

_Key = tuple[int, int]  # (size, mtime_ns)


async def kovaaks_watcher(
    directory: Path,
    send: trio.abc.SendChannel[StatsFileReady],
    *,
    is_done: IsDone,
    config: WatchConfig = WatchConfig(),  # noqa: B008 - frozen, so one shared default is safe
    stats: WatcherStats,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
    events: ChangeSource | None = None,
    run_sync: RunSync = in_thread,
) -> None:
    """Watch KovaaK's ``stats`` folder and send each complete, unread stats file; runs forever.

    ``task_status.started()`` comes once the watch is in place and the first listing has been
    queued: every file skipped or waiting out its quiet period, or, with a backlog larger than
    ``max_pending``, the window full (the listing then goes on at the consumers' pace). For a
    missing folder it comes once the search for the folder is in place.

    ``events`` replaces the OS event source and ``run_sync`` the worker threads (tests);
    ``config.force_polling`` disables events.
    """
    directory = Path(await run_sync(os.path.abspath, directory))
    source = event_source(config, events)
    with structlog.contextvars.bound_contextvars(actor="kovaaks_watcher"):
        async with send, trio.open_nursery() as nursery:
            watch = _StatsWatch(directory, send, is_done, config, stats, run_sync)
            nursery.start_soon(watch.stabilize)
            await follow_folder(
                directory,
                watch,
                source=source,
                config=config,
                stats=stats,
                what="kovaaks",
                run_sync=run_sync,
                task_status=task_status,
            )


@dataclass(frozen=True, slots=True)
class _Pending:
    key: _Key  # size and mtime at the last look
    deadline: float  # trio time at which to look again
    checked: _Key  # the size and mtime is_done() already said "not done" for


class _StatsWatch:
    """The watcher's state: files in their quiet period, and files recently settled."""

    def __init__(
        self,
        directory: Path,
        send: trio.abc.SendChannel[StatsFileReady],
        is_done: IsDone,
        config: WatchConfig,
        stats: WatcherStats,
        run_sync: RunSync,
    ) -> None:
        self._dir = directory
        self._run_sync = run_sync
        self._send = send
        self._is_done = is_done
        self._config = config
        self._stats = stats
        # Insertion order is deadline order: every entry gets now + quiet_period when it is
        # (re)inserted, and re-armed entries move to the end.
        self._pending: dict[str, _Pending] = {}
        self._slots = trio.Semaphore(config.max_pending)
        self._wake = trio.Event()
        # Files is_done() confirmed, compactly: hash(path) -> hash((size, mtime_ns)), so that
        # 100,000 of them take ~10 MB. A false match needs both 64-bit hashes to collide.
        self._done: dict[int, int] = {}
        # Files handed on and not yet confirmed: path -> ((size, mtime_ns), trio time handed on).
        self._in_flight: dict[str, tuple[_Key, float]] = {}

    # -- FolderHooks ---------------------------------------------------------------------------

    async def rescan(self, backlogged: Callable[[], None]) -> None:
        """Stream the folder's listing through :meth:`_consider`, one chunk at a time."""
        try:
            entries = await self._run_sync(os.scandir, self._dir)
        except OSError as exc:
            self._scan_failed(exc)
            return
        try:
            while True:
                found, more = await self._run_sync(_list_chunk, entries, _LIST_CHUNK)
                for path, key in found:
                    await self._consider(path, key, backlogged)
                if not more:
                    return
        except OSError as exc:
            self._scan_failed(exc)
        finally:
            entries.close()

    async def changed(self, paths: frozenset[str]) -> None:
        # Not recursive: every event names a direct child, or the folder itself. The name is
        # joined to our own path so that events and listings agree on it (macOS reports
        # symlink-resolved paths).
        names = {os.path.basename(p) for p in paths}
        candidates = sorted(str(self._dir / n) for n in names if n and is_stats_file_name(n))
        if not candidates:
            return
        keys = await self._run_sync(_stat_files, candidates)
        for path, key in zip(candidates, keys, strict=True):
            if isinstance(key, tuple):
                await self._consider(path, key, _nothing)
            elif key is not None:
                self._stat_failed(path, key)

    # -- consider -> quiet period -> hand on -----------------------------------------------------

    async def _consider(self, path: str, key: _Key, backlogged: Callable[[], None]) -> None:
        stats = self._stats
        stats.seen += 1
        if path in self._pending:
            return  # its quiet period is running; the stat at its end decides
        if self._done.get(hash(path)) == hash(key):
            return  # checkpointed, as is_done() said earlier
        if await self._is_done(path, *key):
            stats.skipped_done += 1
            self._confirm(path, key)
            return
        if self._on_its_way(path, key):
            return
        if self._slots.value == 0:
            backlogged()
        await self._slots.acquire()
        if path in self._pending:  # a rescan and an event raced to it
            self._slots.release()
            return
        self._pending[path] = _Pending(key, trio.current_time() + self._quiet, key)
        stats.pending = len(self._pending)
        self._wake.set()

    @property
    def _quiet(self) -> float:
        return self._config.quiet_period_s

    async def stabilize(self) -> None:
        """Forever: at each quiet period's end, stat again; hand on files that did not change."""
        while True:
            if not self._pending:
                await self._wake.wait()
                self._wake = trio.Event()
                continue
            first = next(iter(self._pending.values()))
            if first.deadline > trio.current_time():
                # Entries added meanwhile have later deadlines: nothing to wake up for early.
                await trio.sleep_until(first.deadline)
                continue
            await self._settle_due()

    async def _settle_due(self) -> None:
        now = trio.current_time()
        due: list[tuple[str, _Pending]] = []
        for path, entry in self._pending.items():
            if entry.deadline > now or len(due) >= _STAT_CHUNK:
                break
            due.append((path, entry))
        keys = await self._run_sync(_stat_files, [path for path, _ in due])
        # Deadlines count from after the stat: two looks are always a full quiet period apart.
        rearm_at = trio.current_time() + self._quiet
        for (path, entry), key in zip(due, keys, strict=True):
            if not isinstance(key, tuple):
                self._unpend(path)  # gone (or unreadable: the next rescan tries again)
                if key is not None:
                    self._stat_failed(path, key)
                continue
            if key != entry.key:
                self._stats.still_changing += 1
                del self._pending[path]
                self._pending[path] = _Pending(key, rearm_at, entry.checked)
                continue
            self._unpend(path)
            if key != entry.checked and await self._is_done(path, *key):
                self._stats.skipped_done += 1
                self._confirm(path, key)
                continue
            if self._on_its_way(path, key):
                continue  # handed on after an earlier quiet period
            await self._send.send(StatsFileReady(path=path, size=key[0], mtime_ns=key[1]))
            self._stats.handed_on += 1
            self._note_handed_on(path, key)

    def _on_its_way(self, path: str, key: _Key) -> bool:
        """Handed on with this size and mtime, recently enough to still be on its way.

        Past ``inflight_timeout_s`` it counts as lost downstream and is handed on again.
        """
        flight = self._in_flight.get(path)
        return (
            flight is not None
            and flight[0] == key
            and trio.current_time() - flight[1] < self._config.inflight_timeout_s
        )

    def _note_handed_on(self, path: str, key: _Key) -> None:
        flights = self._in_flight
        flights.pop(path, None)
        if len(flights) >= _IN_FLIGHT_MAX:
            # Forgetting costs one is_done() at the next look, which is then almost surely
            # done: the oldest entry has long left the bounded channels downstream.
            del flights[next(iter(flights))]
        flights[path] = (key, trio.current_time())

    def _confirm(self, path: str, key: _Key) -> None:
        self._in_flight.pop(path, None)
        done = self._done
        hashed = hash(path)
        if done.pop(hashed, None) is None and len(done) >= self._config.memo_max:
            del done[next(iter(done))]  # the longest-unconfirmed entry goes first
        done[hashed] = hash(key)

    def _unpend(self, path: str) -> None:
        del self._pending[path]
        self._slots.release()
        self._stats.pending = len(self._pending)

    # -- problems ----------------------------------------------------------------------------

    def _scan_failed(self, exc: OSError) -> None:
        seconds = self._config.rescan_period(self._stats.mode == "events")
        self._stats.last_error = t(
            "watcher.scan_failed",
            path=str(self._dir),
            error=exc.strerror or str(exc),
            seconds=seconds_text(seconds),
        )
        _log.warning("scan_failed", path=str(self._dir), error=str(exc))

    def _stat_failed(self, path: str, exc: OSError) -> None:
        self._stats.last_error = t("watcher.stat_failed", path=path, error=exc.strerror or str(exc))
        _log.warning("stat_failed", path=path, error=str(exc))


def _nothing() -> None:
    pass


# -- worker-thread helpers (blocking) -----------------------------------------------------------


def _list_chunk(
    entries: Iterator[os.DirEntry[str]], count: int
) -> tuple[list[tuple[str, _Key]], bool]:
    """Up to ``count`` entries' worth of stats files, and whether the listing goes on."""
    found: list[tuple[str, _Key]] = []
    for _ in range(count):
        entry = next(entries, None)
        if entry is None:
            return found, False
        if not is_stats_file_name(entry.name):
            continue
        try:
            if not entry.is_file():
                continue
            st = entry.stat()
        except OSError:
            continue  # deleted since the listing, or unreadable: a later look decides
        found.append((entry.path, (st.st_size, st.st_mtime_ns)))
    return found, True


def _stat_files(paths: list[str]) -> list[_Key | OSError | None]:
    """(size, mtime_ns) of each regular file; None if it is gone; the error if stat failed."""
    out: list[_Key | OSError | None] = []
    for path in paths:
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            out.append(None)
            continue
        except OSError as exc:
            out.append(exc)
            continue
        out.append((st.st_size, st.st_mtime_ns) if stat.S_ISREG(st.st_mode) else None)
    return out
