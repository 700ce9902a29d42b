"""What the two watchers share: their settings, their counters, and following one folder.

:func:`follow_folder` keeps one folder under watch for as long as it runs: it waits for the
folder to exist (watching the nearest existing parent, and looking again every
``folder_check_s``), follows OS file-system events in it through watchfiles, rescans it on a
timer as a safety net (or as the only means, with ``force_polling`` or when events fail), and
starts over when the folder is deleted or replaced. It tells the watcher *when to look* through
two hooks, ``rescan()`` and ``changed(paths)``; it must not decide what a change means, read a
file's contents, or send messages downstream.

Every wait is on trio's clock, so the whole lifecycle runs under ``MockClock`` in tests; the
event source (:class:`ChangeSource`) and the way blocking file-system calls run
(:class:`RunSync`, worker threads in production) are injectable for the same reason.
"""

from __future__ import annotations

import contextlib
import os
import stat as stat_mod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

import structlog
import trio
from watchfiles import awatch

from aimcoach.i18n import t

__all__ = [
    "ChangeHandler",
    "ChangeSource",
    "EventsUnavailable",
    "FolderHooks",
    "RunSync",
    "WatchConfig",
    "WatchMode",
    "WatcherStats",
    "WatchfilesSource",
    "dir_identity",
    "event_source",
    "follow_folder",
    "in_thread",
    "seconds_text",
]

_log = structlog.get_logger("aimcoach.actors")
_T = TypeVar("_T")

WatchMode = Literal["starting", "waiting", "events", "polling"]
"""``waiting``: the folder does not exist; ``events``: OS events plus a rare safety rescan;
``polling``: rescans every ``poll_interval_s`` only (``force_polling``, or events failed)."""

ChangeHandler = Callable[[frozenset[str]], Awaitable[None]]
"""Called with the paths an event burst named (absolute, as the OS reported them)."""

# (st_dev, st_ino) of a folder: tells a re-created folder from the one being watched.
_Identity = tuple[int, int]


@dataclass(frozen=True, slots=True)
class WatchConfig:
    """How the watchers look for changes. Defaults suit a local disk on Windows or Linux."""

    quiet_period_s: float = 0.5
    """A stats file is handed on once its size and mtime stayed the same this long."""
    poll_interval_s: float = 30.0
    """Rescan period when polling (``force_polling``, or OS events failed)."""
    rescan_interval_s: float = 600.0
    """Safety rescan period while OS events work (events can be missed)."""
    force_polling: bool = False
    """Never use OS events: for network drives and Proton prefixes, where they are unreliable."""
    folder_check_s: float = 5.0
    """How often a missing folder is looked for, and the watched one checked to still be it."""
    settle_s: float = 1.0
    """Aim Lab: a burst of database writes is over once nothing changed for this long."""
    settle_max_s: float = 10.0
    """Aim Lab: read after this long even if the game keeps writing."""
    max_pending: int = 4096
    """At most this many stats files wait out their quiet period at once (bounds memory)."""
    memo_max: int = 100_000
    """Stats files remembered as checkpointed (~100 bytes each), so that a rescan need not ask
    the state database about them again."""
    inflight_timeout_s: float = 600.0
    """A file handed on but still not checkpointed after this long is handed on again."""
    event_debounce_ms: int = 500
    """watchfiles ``debounce``: the longest a burst of OS events is gathered."""
    event_step_ms: int = 100
    """watchfiles ``step``: a burst ends after this long without a new event."""

    def __post_init__(self) -> None:
        for name in (
            "quiet_period_s",
            "poll_interval_s",
            "rescan_interval_s",
            "folder_check_s",
            "settle_s",
            "settle_max_s",
            "inflight_timeout_s",
        ):
            if not getattr(self, name) > 0:
                raise ValueError(f"WatchConfig.{name} must be positive")
        for name in ("max_pending", "memo_max", "event_debounce_ms", "event_step_ms"):
            if getattr(self, name) < 1:
                raise ValueError(f"WatchConfig.{name} must be at least 1")

    def rescan_period(self, events_ok: bool) -> float:
        return self.rescan_interval_s if events_ok else self.poll_interval_s


@dataclass(slots=True)
class WatcherStats:
    """A watcher's counters, for the status server. Mutated only by the watcher's tasks."""

    mode: WatchMode = "starting"
    scans: int = 0  # full looks at the folder: first, periodic, after it (re)appeared
    seen: int = 0  # candidate files (KovaaK's) or database changes (Aim Lab) looked at
    skipped_done: int = 0  # already checkpointed with the same size and mtime
    still_changing: int = 0  # quiet periods that ended with the file still being written
    pending: int = 0  # stats files waiting out their quiet period right now
    handed_on: int = 0  # messages sent downstream
    events_error: str | None = None  # why OS events are not in use, rendered for people
    last_error: str | None = None  # the latest problem, rendered for people


class RunSync(Protocol):
    """Runs one blocking call. In production a worker thread (:func:`in_thread`): a stat on an
    unreachable network drive must not freeze the event loop. Tests of time-based behaviour
    run calls inline, because a virtual clock leaps to the next deadline whenever every task
    waits, including a task waiting for a thread."""

    def __call__(self, fn: Callable[..., _T], /, *args: Any) -> Awaitable[_T]: ...


async def in_thread(fn: Callable[..., _T], /, *args: Any) -> _T:
    """The production :class:`RunSync`: ``trio.to_thread.run_sync`` with trio's default limiter."""
    return await trio.to_thread.run_sync(fn, *args)


class EventsUnavailable(Exception):
    """The OS event machinery cannot watch a folder; the watcher falls back to polling."""


class ChangeSource(Protocol):
    """Something that reports changes in one folder (not its subfolders).

    It runs until cancelled, awaiting ``on_changes(paths)`` after each burst; calls
    ``task_status.started()`` once the watch is in place; raises :class:`EventsUnavailable` when
    it cannot watch. Exceptions from ``on_changes`` pass through unchanged.
    """

    async def __call__(
        self,
        directory: Path,
        on_changes: ChangeHandler,
        *,
        task_status: trio.TaskStatus[None] = ...,
    ) -> None: ...


class FolderHooks(Protocol):
    """What :func:`follow_folder` asks of a watcher."""

    async def rescan(self, backlogged: Callable[[], None]) -> None:
        """Look at the whole folder (it exists, as far as anyone knows).

        Call ``backlogged()`` before waiting for downstream consumers: the watcher counts as
        started from then on, so a supervisor that starts the consumers later cannot deadlock.
        """

    async def changed(self, paths: frozenset[str]) -> None:
        """OS events named these paths (a hint: look at them, trust nothing else)."""


async def _set_when_cancelled(stop: trio.Event) -> None:
    try:
        await trio.sleep_forever()
    finally:
        stop.set()


@dataclass(frozen=True, slots=True)
class WatchfilesSource:
    """The real :class:`ChangeSource`: ``watchfiles.awatch``, not recursive, on trio via anyio."""

    debounce_ms: int = 500
    step_ms: int = 100

    async def __call__(
        self,
        directory: Path,
        on_changes: ChangeHandler,
        *,
        task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        # awatch waits in a worker thread that only returns when its stop event is set (checked
        # every step) or its timeout passes: trio cannot interrupt the thread, so a sibling task
        # sets the event the moment we are cancelled, and shutdown takes one step, not seconds.
        stop = trio.Event()
        failure: Exception | None = None
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_set_when_cancelled, stop)
            try:
                await self._follow(directory, on_changes, stop, task_status)
            except Exception as exc:  # re-raised below, outside the nursery: not in a group
                failure = exc
            finally:
                stop.set()
                nursery.cancel_scope.cancel()
        if failure is not None:
            raise failure

    async def _follow(
        self,
        directory: Path,
        on_changes: ChangeHandler,
        stop: trio.Event,
        task_status: trio.TaskStatus[None],
    ) -> None:
        changes = awatch(
            directory,
            watch_filter=None,
            debounce=self.debounce_ms,
            step=self.step_ms,
            stop_event=stop,
            recursive=False,
            force_polling=False,
        )
        async with contextlib.aclosing(changes):
            # awatch sets up the OS watch synchronously on its first __anext__, before it first
            # awaits. Nothing else runs between started() and that call, so once our caller
            # resumes, the watch is in place and a scan it starts cannot miss a write.
            task_status.started()
            while True:
                try:
                    batch = await changes.__anext__()
                except StopAsyncIteration:
                    return  # the stop event was set: we are being cancelled
                except (OSError, RuntimeError) as exc:  # RuntimeError: watchfiles' internal error
                    raise EventsUnavailable(_describe(exc)) from exc
                await on_changes(frozenset(path for _change, path in batch))


def event_source(config: WatchConfig, override: ChangeSource | None) -> ChangeSource | None:
    """The source a watcher follows: None with ``force_polling``, else ``override`` (tests) or
    watchfiles."""
    if config.force_polling:
        return None
    if override is not None:
        return override
    return WatchfilesSource(debounce_ms=config.event_debounce_ms, step_ms=config.event_step_ms)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def dir_identity(path: Path) -> _Identity | None:
    """The folder's (device, inode), or None if ``path`` is not an existing folder now."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat_mod.S_ISDIR(st.st_mode):
        return None
    return (st.st_dev, st.st_ino)


def _probe(directory: Path) -> tuple[_Identity | None, Path | None]:
    """(identity of ``directory``, its nearest existing ancestor when it is missing)."""
    ident = dir_identity(directory)
    if ident is not None:
        return ident, None
    for parent in directory.parents:
        if dir_identity(parent) is not None:
            return None, parent
    return None, None


class _Signal:
    """A level-triggered wake-up: set() any number of times, wait() consumes them all."""

    def __init__(self) -> None:
        self._event = trio.Event()

    def set(self) -> None:
        self._event.set()

    async def wait_until(self, deadline: float) -> None:
        with trio.move_on_at(deadline):
            await self._event.wait()
        self._event = trio.Event()


class _OnceStatus:
    """A task status that may be started twice: by the source once its watch is in place, and
    by us when it failed first, so that a caller never waits for a source that is gone."""

    def __init__(
        self, inner: trio.TaskStatus[None], on_started: Callable[[], None] = lambda: None
    ) -> None:
        self._inner = inner
        self._on_started = on_started
        self._done = False

    def started(self, value: None = None) -> None:
        """The source's call: its watch is in place."""
        if not self._done:
            self._on_started()
            self.release()

    def release(self) -> None:
        """Our call: let the caller go on, whatever became of the source."""
        if not self._done:
            self._done = True
            self._inner.started()


async def follow_folder(
    directory: Path,
    hooks: FolderHooks,
    *,
    source: ChangeSource | None,
    config: WatchConfig,
    stats: WatcherStats,
    what: str,
    run_sync: RunSync = in_thread,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Watch ``directory`` until cancelled; see the module docstring.

    ``source`` None means polling only. ``task_status.started()`` is called once the watch on
    an existing folder is in place and its first scan is done or waits for consumers (see
    :meth:`FolderHooks.rescan`), or, for a missing folder, once the search for it is in place
    (the supervisor must not wait for a game that is not installed). ``what`` names the
    watcher in logs; ``run_sync`` runs the blocking file-system calls.
    """
    follower = _Follower(directory, hooks, source, config, stats, what, run_sync, task_status)
    while True:
        ident = await follower.wait_for_folder()
        if await follower.follow(ident):
            stats.mode = "waiting"
            stats.last_error = t("watcher.folder_gone", path=str(directory))
            _log.warning("folder_gone", watcher=what, path=str(directory))


@dataclass(slots=True)
class _Live:
    """One stretch of following an existing folder."""

    wake: _Signal
    events_ok: bool = False
    events_failed: bool = False
    folder_event: bool = False  # an event named the folder itself (deleted, moved, re-created)


class _Follower:
    def __init__(
        self,
        directory: Path,
        hooks: FolderHooks,
        source: ChangeSource | None,
        config: WatchConfig,
        stats: WatcherStats,
        what: str,
        run_sync: RunSync,
        task_status: trio.TaskStatus[None],
    ) -> None:
        self._dir = directory
        self._hooks = hooks
        self._source = source
        self._config = config
        self._stats = stats
        self._what = what
        self._run_sync = run_sync
        self._ready = _OnceStatus(task_status)

    async def wait_for_folder(self) -> _Identity:
        """Return once the folder exists; meanwhile watch its nearest existing parent."""
        directory, stats = self._dir, self._stats
        said_missing = False
        while True:
            ident, ancestor = await self._run_sync(_probe, directory)
            if ident is not None:
                return ident
            if not said_missing:
                said_missing = True
                stats.mode = "waiting"
                _log.info("folder_missing", watcher=self._what, path=str(directory))
                if stats.last_error is None:
                    stats.last_error = t("watcher.folder_missing", path=str(directory))
            wake = _Signal()

            async def on_changes(paths: frozenset[str], wake: _Signal = wake) -> None:
                # The parent is watched non-recursively: only a new child on the way matters.
                if any(_leads_to(Path(p), directory) for p in paths):
                    wake.set()

            async with trio.open_nursery() as nursery:
                if self._source is not None and ancestor is not None:
                    await nursery.start(_quiet_source, self._source, ancestor, on_changes)
                self._ready.release()
                while True:
                    # Looked at again after the watch is in place: it may have appeared meanwhile.
                    ident, now_ancestor = await self._run_sync(_probe, directory)
                    if ident is not None or now_ancestor != ancestor:
                        break
                    await wake.wait_until(trio.current_time() + self._config.folder_check_s)
                nursery.cancel_scope.cancel()
            if ident is not None:
                return ident

    async def follow(self, ident: _Identity) -> bool:
        """Follow the folder until it is gone or replaced (True), or must be watched anew (False).

        An event about the folder itself means its watch may be dead even if the folder looks
        the same (deleted and re-created with a reused inode number): then the caller starts
        over with a fresh watch and a rescan.
        """
        config, stats = self._config, self._stats
        live = _Live(wake=_Signal())
        async with trio.open_nursery() as nursery:
            if self._source is not None:
                await nursery.start(self._run_source, self._source, live)
            stats.mode = "events" if live.events_ok else "polling"
            await self._rescan()
            self._ready.release()
            next_rescan = trio.current_time() + config.rescan_period(live.events_ok)
            while True:
                await live.wake.wait_until(
                    min(next_rescan, trio.current_time() + config.folder_check_s)
                )
                if await self._run_sync(dir_identity, self._dir) != ident:
                    nursery.cancel_scope.cancel()
                    return True
                if live.folder_event:
                    nursery.cancel_scope.cancel()
                    return False
                if live.events_ok and live.events_failed:
                    # Events may have been missed before the failure: look now, then poll.
                    live.events_ok = False
                    stats.mode = "polling"
                    next_rescan = trio.current_time()
                if trio.current_time() >= next_rescan:
                    await self._rescan()
                    next_rescan = trio.current_time() + config.rescan_period(live.events_ok)

    async def _rescan(self) -> None:
        self._stats.scans += 1
        await self._hooks.rescan(self._ready.release)

    async def _run_source(
        self,
        source: ChangeSource,
        live: _Live,
        *,
        task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        directory = self._dir
        here = await self._run_sync(_spellings, directory)

        async def on_changes(paths: frozenset[str]) -> None:
            if any(os.path.normcase(p) in here for p in paths):
                live.folder_event = True
                live.wake.set()
            await self._hooks.changed(paths)

        def on_started() -> None:
            live.events_ok = True

        status = _OnceStatus(task_status, on_started)
        try:
            await source(directory, on_changes, task_status=status)
            raise EventsUnavailable("the event source stopped")
        except EventsUnavailable as exc:
            live.events_failed = True
            live.wake.set()
            # A folder that vanished also breaks the watch; not a reason to poll for good.
            if await self._run_sync(dir_identity, directory) is not None:
                seconds = seconds_text(self._config.poll_interval_s)
                stats = self._stats
                stats.events_error = t(
                    "watcher.events_unavailable",
                    path=str(directory),
                    error=str(exc),
                    seconds=seconds,
                )
                _log.warning(
                    "events_unavailable", watcher=self._what, path=str(directory), error=str(exc)
                )
        finally:
            status.release()


def _leads_to(changed: Path, directory: Path) -> bool:
    return changed == directory or changed in directory.parents


async def _quiet_source(
    source: ChangeSource,
    directory: Path,
    on_changes: ChangeHandler,
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Watch a missing folder's parent as a hint only: the timer finds the folder regardless."""
    status = _OnceStatus(task_status)
    try:
        await source(directory, on_changes, task_status=status)
    except EventsUnavailable:
        pass
    finally:
        status.release()


def _spellings(directory: Path) -> set[str]:
    """The ways an event may name the folder itself (macOS reports symlink-resolved paths)."""
    here = {os.path.normcase(os.path.abspath(directory))}
    with contextlib.suppress(OSError):
        here.add(os.path.normcase(os.path.realpath(directory)))
    return here


def seconds_text(value: float) -> Any:
    """A duration for a message: 30 rather than 30.0."""
    return int(value) if float(value).is_integer() else value
