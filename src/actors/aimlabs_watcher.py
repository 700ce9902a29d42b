"""The Aim Lab watcher: says "read new rows" when the game's database changed.

Aim Lab keeps its history in one SQLite file (``klutch.bytes``). The watcher follows the file's
folder (see :mod:`aimcoach.actors._fsevents`) and reacts to the database and its ``-journal``
and ``-wal`` siblings only (not ``-shm``, which readers touch too). The game writes several times
as a task ends, so changes are coalesced: one :class:`AimlabsChanged` goes out once nothing
changed for ``settle_s`` (or after ``settle_max_s`` of continuous writing). One goes out at
start if the database exists, and one whenever a rescan (the polling fallback, or the safety
rescan) finds the size or mtime of the database or its WAL different from the last time one was
sent. A database that appears later, or a folder created later, is picked up the same way.

This module must not open the database: the parser workers read it, incrementally.
"""

from __future__ import annotations

import os
from collections.abc import Callable
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
)
from aimcoach.messages import AimlabsChanged

__all__ = ["WatchConfig", "WatcherStats", "aimlabs_watcher"]

_Key = tuple[int, int]  # (size, mtime_ns)
_DbState = tuple[_Key | None, _Key | None]  # the database's and its WAL's


async def aimlabs_watcher(
    db_path: Path,
    send: trio.abc.SendChannel[AimlabsChanged],
    *,
    config: WatchConfig = WatchConfig(),  # noqa: B008 - frozen, so one shared default is safe
    stats: WatcherStats,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
    events: ChangeSource | None = None,
    run_sync: RunSync = in_thread,
) -> None:
    """Watch Aim Lab's database and send :class:`AimlabsChanged` after each burst of writes.

    ``task_status.started()`` comes once the folder is watched and the first look at the
    database is done (the first message may still be settling), or, if the folder does not
    exist, once the search for it is in place. Runs until cancelled. ``events`` replaces the
    OS event source and ``run_sync`` the worker threads (tests).
    """
    db_path = Path(await run_sync(os.path.abspath, db_path))
    source = event_source(config, events)
    with structlog.contextvars.bound_contextvars(actor="aimlabs_watcher"):
        async with send, trio.open_nursery() as nursery:
            watch = _DbWatch(db_path, send, config, stats, run_sync)
            nursery.start_soon(watch.coalesce)
            await follow_folder(
                db_path.parent,
                watch,
                source=source,
                config=config,
                stats=stats,
                what="aimlabs",
                run_sync=run_sync,
                task_status=task_status,
            )


class _DbWatch:
    def __init__(
        self,
        db_path: Path,
        send: trio.abc.SendChannel[AimlabsChanged],
        config: WatchConfig,
        stats: WatcherStats,
        run_sync: RunSync,
    ) -> None:
        self._db = db_path
        self._run_sync = run_sync
        self._send = send
        self._config = config
        self._stats = stats
        base = db_path.name
        self._names = {os.path.normcase(n) for n in (base, base + "-journal", base + "-wal")}
        self._marks = 0
        self._changed = trio.Event()
        self._last: _DbState = (None, None)  # what the database looked like at the last send

    # -- FolderHooks ---------------------------------------------------------------------------

    async def rescan(self, backlogged: Callable[[], None]) -> None:
        current = await self._run_sync(_db_state, self._db)
        if current[0] is not None and current != self._last:
            self._mark()

    async def changed(self, paths: frozenset[str]) -> None:
        if any(os.path.normcase(os.path.basename(p)) in self._names for p in paths):
            self._mark()

    # -- coalescing ----------------------------------------------------------------------------

    def _mark(self) -> None:
        self._stats.seen += 1
        self._marks += 1
        self._changed.set()

    async def coalesce(self) -> None:
        """Forever: after a change, wait for quiet, then send one AimlabsChanged."""
        config = self._config
        while True:
            await self._changed.wait()
            give_up_at = trio.current_time() + config.settle_max_s
            while True:
                marks = self._marks
                await trio.sleep(config.settle_s)
                if self._marks == marks or trio.current_time() >= give_up_at:
                    break
            # Reset before looking: a change from here on sets it again and gets its own read.
            self._changed = trio.Event()
            current = await self._run_sync(_db_state, self._db)
            if current[0] is None:
                continue  # deleted (or only its journal changed before it existed)
            self._last = current
            await self._send.send(AimlabsChanged(db_path=str(self._db)))
            self._stats.handed_on += 1


def _key(path: str) -> _Key | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def _db_state(db_path: Path) -> _DbState:
    """Size and mtime of the database and of its WAL (a WAL commit may leave the DB as it was)."""
    return (_key(str(db_path)), _key(str(db_path) + "-wal"))
