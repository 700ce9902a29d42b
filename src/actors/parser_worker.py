"""Parser workers: turn watcher messages into records, off the event loop, never crashing.

N workers share one receive channel (each gets a clone) and one send channel to the deduper.

A :class:`StatsFileReady` becomes one :class:`FileParsed`:

- ``ok`` with the file's record;
- ``quarantined`` with a reason a person can act on: a :class:`KovaaksParseError`, a file too
  large to be a stats file, a file that stays unreadable (permission, lock) after a few tries,
  or an unexpected error in the reader (which must cost one file, not the pipeline: a crash
  would be restarted into the same file, again and again);
- ``ignored`` for a name that is not a stats file name;
- nothing at all if the file vanished (nothing to checkpoint), or if its size or mtime differ
  from the message's before or after reading: the game is still writing, and the watcher hands
  the file on again once it is stable.

An :class:`AimlabsChanged` makes the worker read the database from the stored cursor in chunks
of ``aimlabs_chunk`` rows, sending one :class:`AimlabsRead` per chunk (the deduper commits its
records and cursor together) until a chunk comes back empty. Reads of one database never
overlap: :class:`AimlabsReadGate`, shared by all workers, lets one worker read while at most
one more waits; further changes meanwhile are covered by the waiting read and dropped. A locked
database is retried with backoff on trio's clock, then left until the next change (the watcher
sends one when the game next writes). A database that cannot be read at all becomes an
``AimlabsRead`` with one problem for the database, and the worker moves on.

This module must not decide where files are or when to read them (the watchers do), nor write
state (the deduper does).
"""

from __future__ import annotations

import enum
import json
import os
import stat
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import tzinfo
from functools import partial
from typing import Any, TypeVar

import structlog
import trio

from aimcoach.actors._fsevents import RunSync
from aimcoach.errors import DigestError, SourceError
from aimcoach.i18n import t
from aimcoach.messages import (
    AimlabsChanged,
    AimlabsRead,
    FileParsed,
    ParseResult,
    Quarantined,
    Record,
    StatsFileReady,
)
from aimcoach.sources.aimlabs import AimlabsBatch, AimlabsBusyError, AimlabsCursor, read_new
from aimcoach.sources.kovaaks import is_stats_file_name, parse_stats_file
from aimcoach.state import aimlabs_cursor_name

__all__ = [
    "AimlabsReadGate",
    "GetCursor",
    "WorkerConfig",
    "WorkerStats",
    "parser_worker",
]

GetCursor = Callable[[str], Awaitable[str | None]]
"""``get_cursor(name)``: the stored cursor JSON under ``name`` (``aimlabs:<db_path>``), if any."""

_log = structlog.get_logger("aimcoach.actors")
_T = TypeVar("_T")

# Stats files read and parsed in one worker-thread call, at most: as many as are already
# waiting in the channel (a live run's lone file goes alone, at once). Each call costs two
# thread wake-ups whatever it does; a backfill's files take ~0.15 ms each.
FILES_PER_HANDOFF = 16


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    """Retry and size limits of the parser workers."""

    read_attempts: int = 5
    """Reads of a stats file that fails with an OSError (a lock, a permission) before quarantine
    (with the default backoff: over 7.5 s)."""
    read_backoff_s: float = 0.5
    """Pause after the first failed read; doubles after each further one."""
    max_file_bytes: int = 8 * 1024 * 1024
    """Larger "stats files" are quarantined unread (the real ones are a few KB)."""
    busy_attempts: int | None = 4
    """Reads of a locked Aim Lab database per change, before leaving it for the next change.
    None: keep trying (``run``: the rows would otherwise wait for the game's next write)."""
    busy_backoff_s: float = 1.0
    """Pause after the first busy read; doubles after each further one."""
    busy_backoff_max_s: float = 30.0
    """The longest pause between two reads of a locked database."""
    sqlite_busy_timeout_s: float = 0.8
    """Passed to ``read_new``: how long SQLite itself waits on the game's lock per try."""
    sqlite_retries: int = 5
    """Passed to ``read_new``: its own quick retries within one attempt."""

    def __post_init__(self) -> None:
        busy_ok = self.busy_attempts is None or self.busy_attempts >= 1
        if self.read_attempts < 1 or not busy_ok or self.max_file_bytes < 1:
            raise ValueError("WorkerConfig attempts and max_file_bytes must be at least 1")
        if self.read_backoff_s < 0 or self.busy_backoff_s < 0 or self.sqlite_retries < 0:
            raise ValueError("WorkerConfig backoffs and retries must not be negative")


@dataclass(slots=True)
class WorkerStats:
    """Counters shared by all parser workers, for the status server."""

    files_ok: int = 0  # stats files that became a record
    records: int = 0  # records sent (stats files and Aim Lab rows)
    quarantined: int = 0  # stats files set aside, plus Aim Lab rows and databases with problems
    ignored: int = 0  # names that are not stats files
    changed_while_reading: int = 0  # dropped: the watcher hands them on again
    vanished: int = 0  # deleted before they could be read
    read_retries: int = 0  # stats file reads tried again after an OSError
    aimlabs_reads: int = 0  # Aim Lab change events read
    aimlabs_chunks: int = 0  # AimlabsRead messages sent
    aimlabs_coalesced: int = 0  # change events dropped: a read already waiting covers them
    aimlabs_busy_retries: int = 0  # locked database reads tried again
    aimlabs_gave_up: int = 0  # change events left for the next change after busy retries
    last_error: str | None = None  # the latest problem, rendered for people


@dataclass(slots=True)
class _DbTurn:
    lock: trio.Lock = field(default_factory=trio.Lock)
    waiting: bool = False


class AimlabsReadGate:
    """Serialises the workers' reads of each Aim Lab database; create one per pipeline.

    A worker enters with :meth:`turn`. If another worker is reading the same database and a
    third is already waiting, the newcomer is told to skip: the waiting read starts after the
    newcomer's change happened, so it will see that change.
    """

    def __init__(self) -> None:
        self._turns: dict[str, _DbTurn] = {}

    @asynccontextmanager
    async def turn(self, db_path: str) -> AsyncIterator[bool]:
        """Yields True while this caller may read ``db_path``; False: skip, it is covered."""
        turn = self._turns.setdefault(db_path, _DbTurn())
        if turn.waiting:
            yield False
            return
        turn.waiting = True
        try:
            await turn.lock.acquire()
        finally:
            turn.waiting = False  # also when cancelled while waiting: never block later turns
        try:
            yield True
        finally:
            turn.lock.release()


async def parser_worker(
    receive: trio.MemoryReceiveChannel[StatsFileReady | AimlabsChanged],
    send: trio.abc.SendChannel[ParseResult],
    *,
    tz: tzinfo,
    get_cursor: GetCursor,
    stats: WorkerStats,
    aimlabs_gate: AimlabsReadGate,
    limiter: trio.CapacityLimiter | None = None,
    aimlabs_chunk: int = 1000,
    config: WorkerConfig = WorkerConfig(),
    run_sync: RunSync | None = None,
) -> None:
    """Parse what ``receive`` brings and send the results; returns when ``receive`` is closed.

    Run N of these on clones of the same two channels, all with the same ``stats`` and
    ``aimlabs_gate``. Stats files already waiting in ``receive`` are taken together, up to
    :data:`FILES_PER_HANDOFF`, and read and parsed in one worker-thread call. ``limiter`` caps
    the worker threads they use together (None: trio's default limiter). ``tz`` is the
    player's time zone for KovaaK's file-name times.
    ``run_sync`` replaces the worker threads (tests on a virtual clock); ``limiter`` then does
    not apply.
    """
    if aimlabs_chunk < 1:
        raise ValueError("aimlabs_chunk must be at least 1")
    if run_sync is None:

        async def in_limited_thread(fn: Callable[..., _T], /, *args: Any) -> _T:
            return await trio.to_thread.run_sync(fn, *args, limiter=limiter)

        run_sync = in_limited_thread
    worker = _Worker(send, tz, get_cursor, stats, aimlabs_gate, run_sync, aimlabs_chunk, config)
    with structlog.contextvars.bound_contextvars(actor="parser_worker"):
        async with receive, send:
            async for message in receive:
                if isinstance(message, AimlabsChanged):
                    await worker.aimlabs(message)
                    continue
                files, after = _waiting_files(message, receive)
                await worker.stats_files(files)
                if after is not None:
                    await worker.aimlabs(after)


def _waiting_files(
    first: StatsFileReady, receive: trio.MemoryReceiveChannel[StatsFileReady | AimlabsChanged]
) -> tuple[list[StatsFileReady], AimlabsChanged | None]:
    """``first`` and the stats files queued right behind it (never waiting for more), and the
    Aim Lab change that ended the run of them, if one did."""
    files = [first]
    while len(files) < FILES_PER_HANDOFF:
        try:
            message = receive.receive_nowait()
        except (trio.WouldBlock, trio.EndOfChannel):
            break
        if isinstance(message, AimlabsChanged):
            return files, message
        files.append(message)
    return files, None


class _Changed(Exception):
    """The file is not the one the watcher saw (being written, or replaced)."""


class _Dropped(enum.Enum):
    """A stats file with nothing to report: the watcher hands it on again if it matters."""

    VANISHED = "vanished"  # deleted before it could be read: nothing to checkpoint
    CHANGED = "changed"  # not the file the watcher saw: still being written, or replaced


@dataclass(frozen=True, slots=True)
class _ReadFailed:
    """Reading the file raised this (a lock, a permission, an I/O error): try again."""

    error: OSError


# What one read-and-parse of a stats file came to: its record; the reason to quarantine it (a
# KovaaksParseError's message); an exception the parser should not have raised; or one of the
# two above.
_Outcome = Record | str | Exception | _Dropped | _ReadFailed


class _Worker:
    def __init__(
        self,
        send: trio.abc.SendChannel[ParseResult],
        tz: tzinfo,
        get_cursor: GetCursor,
        stats: WorkerStats,
        gate: AimlabsReadGate,
        run_sync: RunSync,
        chunk: int,
        config: WorkerConfig,
    ) -> None:
        self._send = send
        self._tz = tz
        self._get_cursor = get_cursor
        self._stats = stats
        self._gate = gate
        self._run_sync = run_sync
        self._chunk = chunk
        self._config = config

    # -- KovaaK's ------------------------------------------------------------------------------

    async def stats_files(self, files: Sequence[StatsFileReady]) -> None:
        """Read and parse ``files`` in one worker-thread call; send one result for each."""
        todo: list[StatsFileReady] = []
        for msg in files:
            if not is_stats_file_name(msg.path):
                self._stats.ignored += 1
                await self._send.send(FileParsed(msg.path, msg.size, msg.mtime_ns, "ignored"))
            elif msg.size > self._config.max_file_bytes:
                limit = self._config.max_file_bytes
                reason = t("worker.too_large", path=msg.path, size=msg.size, limit=limit)
                await self._quarantine(msg, reason)
            else:
                todo.append(msg)
        if not todo:
            return
        jobs = [(m.path, m.size, m.mtime_ns, self._parser(m)) for m in todo]
        outcomes = await self._run_sync(_read_and_parse_each, jobs)
        retry: list[tuple[StatsFileReady, Callable[[bytes], Record], _ReadFailed]] = []
        for msg, (_, _, _, parse), outcome in zip(todo, jobs, outcomes, strict=True):
            if isinstance(outcome, _ReadFailed):
                retry.append((msg, parse, outcome))
            else:
                await self._report(msg, outcome)
        # The others' results go on first: a locked file's retries take seconds.
        for msg, parse, failed in retry:
            await self._report(msg, await self._read_again(msg, parse, failed))

    def _parser(self, msg: StatsFileReady) -> Callable[[bytes], Record]:
        name = os.path.basename(msg.path)
        return partial(parse_stats_file, name=name, tz=self._tz, source_key=msg.path)

    async def _report(self, msg: StatsFileReady, outcome: _Outcome) -> None:
        stats = self._stats
        if outcome is _Dropped.VANISHED:
            stats.vanished += 1
        elif outcome is _Dropped.CHANGED:
            stats.changed_while_reading += 1
        elif isinstance(outcome, _ReadFailed):
            reason = t("worker.read_failed", path=msg.path, error=_text(outcome.error))
            await self._quarantine(msg, reason)
        elif isinstance(outcome, str):
            await self._quarantine(msg, outcome)
        elif isinstance(outcome, Exception):  # a reader bug: cost one file, not the pipeline
            _log.error("parser_failed", path=msg.path, exc_info=outcome)
            reason = t("worker.parser_failed", path=msg.path, error=_text(outcome))
            await self._quarantine(msg, reason)
        else:
            stats.files_ok += 1
            stats.records += 1
            await self._send.send(
                FileParsed(msg.path, msg.size, msg.mtime_ns, "ok", records=(outcome,))
            )

    async def _read_again(
        self, msg: StatsFileReady, parse: Callable[[bytes], Record], failed: _ReadFailed
    ) -> _Outcome:
        """After a failed first read: try again, alone, with backoff; a :class:`_ReadFailed`
        still after ``read_attempts`` reads in all."""
        config = self._config
        delay = config.read_backoff_s
        outcome: _Outcome = failed
        for _ in range(config.read_attempts - 1):
            # Windows: the game or a virus scanner may hold the file for a moment.
            self._stats.read_retries += 1
            await trio.sleep(delay)
            delay *= 2
            outcome = await self._run_sync(_read_and_parse, msg.path, msg.size, msg.mtime_ns, parse)
            if not isinstance(outcome, _ReadFailed):
                break
        return outcome

    async def _quarantine(self, msg: StatsFileReady, reason: str) -> None:
        self._stats.quarantined += 1
        self._stats.last_error = reason
        _log.warning("quarantined", path=msg.path, reason=reason)
        await self._send.send(
            FileParsed(msg.path, msg.size, msg.mtime_ns, "quarantined", reason=reason)
        )

    # -- Aim Lab -------------------------------------------------------------------------------

    async def aimlabs(self, msg: AimlabsChanged) -> None:
        async with self._gate.turn(msg.db_path) as mine:
            if not mine:
                self._stats.aimlabs_coalesced += 1
                return
            await self._read_aimlabs(msg.db_path)

    async def _read_aimlabs(self, db_path: str) -> None:
        stats = self._stats
        stats.aimlabs_reads += 1
        cursor = _load_cursor(await self._get_cursor(aimlabs_cursor_name(db_path)), db_path)
        while True:
            batch = await self._read_chunk(db_path, cursor)
            if batch is None:
                return
            if not batch.records and not batch.problems:
                if batch.cursor != cursor:  # the file was replaced and is empty: store that
                    await self._send_read(db_path, batch)
                return
            await self._send_read(db_path, batch)
            if batch.cursor == cursor:  # no progress: never loop on the same rows
                return
            cursor = batch.cursor

    async def _send_read(self, db_path: str, batch: AimlabsBatch) -> None:
        stats = self._stats
        problems = tuple(Quarantined(p.source_key, p.reason) for p in batch.problems)
        stats.aimlabs_chunks += 1
        stats.records += len(batch.records)
        if problems:
            stats.quarantined += len(problems)
            stats.last_error = problems[-1].reason
        await self._send.send(
            AimlabsRead(db_path, _dump_cursor(batch.cursor), tuple(batch.records), problems)
        )

    async def _read_chunk(self, db_path: str, cursor: AimlabsCursor) -> AimlabsBatch | None:
        """The next chunk; None when this change is done with (busy, or reported unreadable)."""
        config = self._config
        read = partial(
            read_new,
            db_path,
            cursor,
            limit=self._chunk,
            busy_timeout_s=config.sqlite_busy_timeout_s,
            retries=config.sqlite_retries,
        )
        delay = config.busy_backoff_s
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._run_sync(read)
            except AimlabsBusyError:
                if config.busy_attempts is not None and attempt >= config.busy_attempts:
                    break
                self._stats.aimlabs_busy_retries += 1
                await trio.sleep(delay)
                delay = min(delay * 2, config.busy_backoff_max_s)
            except SourceError as exc:
                await self._db_problem(db_path, cursor, str(exc))
                return None
            except Exception as exc:  # a reader bug: report it for this database, keep going
                _log.exception("parser_failed", path=db_path)
                reason = t("worker.parser_failed", path=db_path, error=_text(exc))
                await self._db_problem(db_path, cursor, reason)
                return None
        self._stats.aimlabs_gave_up += 1
        self._stats.last_error = t(
            "worker.aimlabs_busy", path=db_path, attempts=config.busy_attempts
        )
        _log.warning("aimlabs_busy", path=db_path, attempts=config.busy_attempts)
        return None

    async def _db_problem(self, db_path: str, cursor: AimlabsCursor, reason: str) -> None:
        self._stats.quarantined += 1
        self._stats.last_error = reason
        _log.warning("quarantined", path=db_path, reason=reason)
        await self._send.send(
            AimlabsRead(db_path, _dump_cursor(cursor), (), (Quarantined(db_path, reason),))
        )


def _read_and_parse_each(
    jobs: Sequence[tuple[str, int, int, Callable[[bytes], Record]]],
) -> list[_Outcome]:
    """In a worker thread: :func:`_read_and_parse` of each (path, size, mtime_ns, parse)."""
    return [_read_and_parse(*job) for job in jobs]


def _read_and_parse(
    path: str, size: int, mtime_ns: int, parse: Callable[[bytes], Record]
) -> _Outcome:
    """In a worker thread: :func:`_read_unchanged`, then ``parse``; never raises. A failed read
    comes back as :class:`_ReadFailed` (the caller retries it) or :class:`_Dropped`; the
    parser's refusal as its message, and any other exception the parser raises as it is, so it
    is never taken for a failed read."""
    try:
        data = _read_unchanged(path, size, mtime_ns)
    except (FileNotFoundError, NotADirectoryError):
        return _Dropped.VANISHED
    except _Changed:
        return _Dropped.CHANGED
    except OSError as exc:  # locked by another program, no permission, I/O error
        return _ReadFailed(exc)
    try:
        return parse(data)
    except (SourceError, DigestError) as exc:
        return str(exc)
    except Exception as exc:  # a reader bug: reported by the caller, with its traceback
        return exc


def _read_unchanged(path: str, size: int, mtime_ns: int) -> bytes:
    """The file's bytes, if it is still exactly the file the watcher saw; else :class:`_Changed`.

    Checked before reading (on the open handle) and after (on the path, which also notices a
    file replaced by a rename while we read).
    """
    with open(path, "rb") as fh:
        before = os.fstat(fh.fileno())
        if not stat.S_ISREG(before.st_mode) or (before.st_size, before.st_mtime_ns) != (
            size,
            mtime_ns,
        ):
            raise _Changed
        data = fh.read(size + 1)
    after = os.stat(path)
    if len(data) != size or (after.st_size, after.st_mtime_ns) != (size, mtime_ns):
        raise _Changed
    return data


def _load_cursor(stored: str | None, db_path: str) -> AimlabsCursor:
    """The stored cursor; the first row if there is none or it is unreadable.

    Reading from the first row again is harmless (the deduper skips digests it has), so a bad
    cursor costs time, never data.
    """
    if stored is None:
        return AimlabsCursor()
    try:
        return AimlabsCursor.from_json(json.loads(stored))
    except (ValueError, SourceError):
        _log.warning("bad_cursor", path=db_path)
        return AimlabsCursor()


def _dump_cursor(cursor: AimlabsCursor) -> str:
    return json.dumps(cursor.to_json(), sort_keys=True, separators=(",", ":"))


def _text(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return f"{type(exc).__name__}: {exc}"
