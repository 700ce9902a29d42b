"""The synchronous state database: every operation is one short SQLite transaction.

Called only from worker threads (``AsyncState`` runs each method through ``trio.to_thread``),
never from the event loop. It knows nothing of HTTP or channels; the deduper and the sender
decide *when* to call it, this module makes each step atomic and durable.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Concatenate, NamedTuple, ParamSpec, TypeVar, cast

from aimcoach.errors import StateError
from aimcoach.messages import (
    AimlabsRead,
    FileOutcome,
    FileParsed,
    ParseResult,
    Provider,
    Quarantined,
    Record,
)
from aimcoach.state._lock import StateLock
from aimcoach.state._records import encode_record, join_batch, record_from_json
from aimcoach.state._schema import MIGRATIONS, SCHEMA_VERSION

__all__ = [
    "STATE_FILENAME",
    "Checkpoint",
    "PendingBatch",
    "RejectedRecord",
    "StateCounts",
    "StateDB",
    "aimlabs_cursor_name",
]

STATE_FILENAME = "state.sqlite3"

# SQLite binds at most 32766 variables per statement (999 before 3.32); stay far below.
_LOOKUP_CHUNK = 500
# encoded_size()'s memory: the records between a commit and the sender are a few hundred.
_SIZES_MAX = 4096
_BUSY_TIMEOUT_S = 5.0

# Primary result codes (the low byte of sqlite_errorcode), from sqlite3.h.
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_NOTADB = 5, 6, 11, 13, 26


class Checkpoint(NamedTuple):
    """What was last concluded about one stats file."""

    size: int
    mtime_ns: int
    outcome: FileOutcome


@dataclass(frozen=True, slots=True)
class PendingBatch:
    """A persisted request: resent with exactly this key and these bytes until it completes."""

    key: str
    provider: Provider
    body: bytes
    digests: tuple[str, ...]  # digests[i] is the record at index i of the body's array
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class StateCounts:
    pending: int  # in the outbox, in no batch yet
    batched: int  # in a batch that has not completed
    delivered: int  # accepted by the server, or already there (duplicate)
    rejected: int  # refused by the server with a reason; never resent
    quarantined: int  # inputs set aside
    files: int  # stats files checkpointed
    pending_batches: int


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    digest: str
    provider: Provider
    task: str
    taken_at: str
    reason: str


def aimlabs_cursor_name(db_path: str) -> str:
    """The cursor name under which :meth:`StateDB.commit_aimlabs` keeps ``db_path``'s cursor."""
    return f"aimlabs:{db_path}"


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _translated(
    fn: Callable[Concatenate[StateDB, _P], _R],
) -> Callable[Concatenate[StateDB, _P], _R]:
    """Turn sqlite3 errors into :class:`StateError`; our own misuse stays a ProgrammingError."""

    @functools.wraps(fn)
    def wrapper(self: StateDB, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return fn(self, *args, **kwargs)
        except sqlite3.ProgrammingError:
            raise
        except sqlite3.Error as exc:
            raise _state_error(exc, self.path) from exc

    return wrapper


def _state_error(exc: sqlite3.Error, path: Path) -> StateError:
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    detail = str(exc)
    if primary == _SQLITE_FULL:
        return StateError("state.disk_full", path=str(path))
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return StateError("state.corrupt", path=str(path), detail=detail)
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return StateError("state.busy", path=str(path))
    return StateError("state.io", path=str(path), detail=detail)


class StateDB:
    """The durable state of one aimcoach installation (one directory, one database file).

    Open with :meth:`open`. One connection, used by one thread at a time (the async facade
    guarantees it with a ``CapacityLimiter(1)``; the lock below makes misuse fail safe rather
    than corrupt a transaction).
    """

    def __init__(self, conn: sqlite3.Connection, path: Path, lock: StateLock | None) -> None:
        self._conn = conn
        self._lock = lock
        self._mutex = threading.Lock()
        # (PRAGMA data_version, counts) of the last counts() with no write since: see counts().
        self._counts_cache: tuple[int, StateCounts] | None = None
        # digest -> bytes of the outbox body, for new records committed here and not yet asked
        # for by encoded_size(): the sender measures each record, and encoding it again to do
        # so cost as much as the commit's own encoding.
        self._sizes: dict[str, int] = {}
        self.path = path

    # ---- lifecycle --------------------------------------------------------------------------

    @classmethod
    def open(cls, directory: str | PathLike[str], *, exclusive: bool = True) -> StateDB:
        """Open (creating and migrating as needed) ``directory/state.sqlite3``.

        ``exclusive`` takes the directory's run lock for the lifetime of this object: every
        process that sends must; one that only reads (``status``) must not. Raises
        :class:`StateError` (``state.locked`` when another aimcoach holds the lock).
        """
        directory = Path(directory)
        try:
            # The run history is the player's own: a new state folder is theirs alone (an
            # existing one keeps the mode the player gave it).
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StateError(
                "state.dir_unusable", directory=str(directory), detail=exc.strerror or str(exc)
            ) from exc
        lock = StateLock(directory) if exclusive else None
        path = directory / STATE_FILENAME
        conn: sqlite3.Connection | None = None
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction is
            # exactly the ``with self._write()`` block and nothing is left open between calls.
            conn = sqlite3.connect(
                path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            _configure(conn)
            _migrate(conn, path)
        except BaseException as exc:
            if conn is not None:
                conn.close()
            if lock is not None:
                lock.release()
            if isinstance(exc, sqlite3.Error):
                raise _state_error(exc, path) from exc
            raise
        return cls(conn, path, lock)

    def close(self) -> None:
        with self._mutex:
            self._conn.close()
        if self._lock is not None:
            self._lock.release()

    def __enter__(self) -> StateDB:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front, so a transaction never fails half-way on
        # a lock upgrade; with WAL, readers (``status``) are never blocked by it.
        with self._mutex:
            self._counts_cache = None  # data_version does not move for our own commits
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                # SQLITE_FULL and friends may have rolled back already; a failing ROLLBACK
                # must not hide the error that caused it.
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        # One snapshot for multi-statement reads.
        with self._mutex:
            conn = self._conn
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    # ---- parse results ----------------------------------------------------------------------

    def commit(self, result: ParseResult) -> list[Record]:
        """:meth:`commit_file` or :meth:`commit_aimlabs`, whichever ``result`` is."""
        if isinstance(result, FileParsed):
            return self.commit_file(result)
        return self.commit_aimlabs(result)

    @_translated
    def commit_many(self, results: Sequence[ParseResult]) -> list[list[Record]]:
        """:meth:`commit` each of ``results`` in one transaction: all of them or none.

        Returns the new records of each result, in order. One transaction (one fsync) for a
        group instead of one per result is what lets a backfill go faster than the disk's
        fsync rate (docs/benchmarks.md); each result keeps its own atomicity.
        """
        encoded = [[(r, encode_record(r).decode("utf-8")) for r in x.records] for x in results]
        now = time.time()
        with self._write() as conn:
            new = [
                _commit_file_in(conn, x, enc, now)
                if isinstance(x, FileParsed)
                else _commit_aimlabs_in(conn, x, enc, now)
                for x, enc in zip(results, encoded, strict=True)
            ]
        self._note_sizes(new, encoded)
        return new

    @_translated
    def commit_file(self, parsed: FileParsed) -> list[Record]:
        """Store a file's records and its checkpoint at once; return the records that are new.

        A quarantined file gets a quarantine entry; a file that now parses clears its old one.
        Committing the same result again changes nothing and returns ``[]``.
        """
        encoded = [(r, encode_record(r).decode("utf-8")) for r in parsed.records]
        now = time.time()
        with self._write() as conn:
            new = _commit_file_in(conn, parsed, encoded, now)
        self._note_sizes([new], [encoded])
        return new

    @_translated
    def commit_aimlabs(self, read: AimlabsRead) -> list[Record]:
        """Store a chunk of Aim Lab records, its problems and the new cursor at once."""
        encoded = [(r, encode_record(r).decode("utf-8")) for r in read.records]
        now = time.time()
        with self._write() as conn:
            new = _commit_aimlabs_in(conn, read, encoded, now)
        self._note_sizes([new], [encoded])
        return new

    def _note_sizes(
        self, new: Sequence[Sequence[Record]], encoded: Sequence[Sequence[tuple[Record, str]]]
    ) -> None:
        if len(self._sizes) > _SIZES_MAX:  # nobody asks (no sender): stay small
            self._sizes.clear()
        for records, pairs in zip(new, encoded, strict=True):
            if records:
                wanted = {r.digest for r in records}
                for r, text in pairs:
                    if r.digest in wanted:
                        self._sizes[r.digest] = len(text.encode("utf-8"))

    def encoded_size(self, record: Record) -> int:
        """The bytes ``record`` takes in a batch body (``len(encode_record(record))``): known
        without encoding it again when this object committed it. Memory only, no I/O: safe on
        the event loop."""
        size = self._sizes.pop(record.digest, None)
        return len(encode_record(record)) if size is None else size

    # ---- checkpoints and cursors ------------------------------------------------------------

    @_translated
    def checkpoint(self, path: str) -> Checkpoint | None:
        with self._mutex:
            row = self._conn.execute(
                "SELECT size, mtime_ns, outcome FROM checkpoints WHERE path = ?", (path,)
            ).fetchone()
        return None if row is None else Checkpoint(row[0], row[1], row[2])

    @_translated
    def checkpoints_for(self, paths: Iterable[str]) -> dict[str, Checkpoint]:
        """The checkpoints of those ``paths`` that have one.

        This is how a scan asks, a chunk of directory entries at a time: memory stays
        proportional to the chunk. Loading every checkpoint instead costs ~33 MB per 100,000
        files (measured with tracemalloc, 148-character Windows paths), for nothing.
        """
        out: dict[str, Checkpoint] = {}
        wanted = list(paths)
        with self._read() as conn:
            for start in range(0, len(wanted), _LOOKUP_CHUNK):
                chunk = wanted[start : start + _LOOKUP_CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    "SELECT path, size, mtime_ns, outcome FROM checkpoints"
                    f" WHERE path IN ({marks})",
                    chunk,
                )
                for path, size, mtime_ns, outcome in rows:
                    out[path] = Checkpoint(size, mtime_ns, outcome)
        return out

    @_translated
    def get_cursor(self, name: str) -> str | None:
        with self._mutex:
            row = self._conn.execute("SELECT value FROM cursors WHERE name = ?", (name,)).fetchone()
        return None if row is None else cast(str, row[0])

    # ---- batches ----------------------------------------------------------------------------

    @_translated
    def unbatched(self, provider: Provider, limit: int) -> list[Record]:
        """Up to ``limit`` outbox records of ``provider`` in no batch yet, oldest first."""
        with self._mutex:
            rows = self._conn.execute(
                "SELECT body, source_key FROM outbox WHERE state = 'pending' AND provider = ?"
                " ORDER BY rowid LIMIT ?",
                (provider, limit),
            ).fetchall()
        return [record_from_json(json.loads(body), source_key=sk) for body, sk in rows]

    @_translated
    def create_batch(
        self, provider: Provider, key: str, digests: Sequence[str]
    ) -> PendingBatch | None:
        """Claim the still-unbatched ``digests`` into a new batch keyed ``key``, durably.

        The body is built from the stored record texts, in the order given. Digests already in
        a batch (or delivered, rejected, unknown) are skipped, so the same record reaching the
        sender twice (from the channel and from :meth:`unbatched` after a restart) is sent
        once. Returns ``None`` when nothing was left to claim.
        """
        now = time.time()
        with self._write() as conn:
            claimed: list[str] = []
            items: list[bytes] = []
            for digest in digests:
                row = conn.execute(
                    "SELECT body FROM outbox"
                    " WHERE digest = ? AND provider = ? AND state = 'pending'",
                    (digest, provider),
                ).fetchone()
                if row is None:
                    continue
                conn.execute(
                    "UPDATE outbox SET state = 'batched', batch_key = ?, updated_at = ?"
                    " WHERE digest = ?",
                    (key, now, digest),
                )
                claimed.append(digest)
                items.append(row[0].encode("utf-8"))
            if not claimed:
                return None
            batch = PendingBatch(key, provider, join_batch(items), tuple(claimed))
            _insert_batch(conn, batch, now, parent=None)
        return batch

    @_translated
    def pending_batches(self) -> list[PendingBatch]:
        """Every batch not yet completed, oldest first: resend each unchanged."""
        out: list[PendingBatch] = []
        with self._read() as conn:
            rows = conn.execute(
                "SELECT key, provider, body, attempts FROM batches WHERE state = 'pending'"
                " ORDER BY rowid"
            ).fetchall()
            for key, provider, body, attempts in rows:
                digests = tuple(
                    d
                    for (d,) in conn.execute(
                        "SELECT digest FROM batch_members WHERE batch_key = ? ORDER BY idx",
                        (key,),
                    )
                )
                out.append(PendingBatch(key, provider, bytes(body), digests, attempts))
        return out

    @_translated
    def note_attempt(self, key: str, error: str) -> None:
        """Count a failed attempt of batch ``key`` and remember why (a rendered message)."""
        with self._write() as conn:
            conn.execute(
                "UPDATE batches SET attempts = attempts + 1, last_error = ? WHERE key = ?",
                (error, key),
            )

    @_translated
    def complete_batch(
        self, key: str, delivered: Sequence[str], rejected: Sequence[tuple[str, str]]
    ) -> None:
        """Record the server's verdict on every member of batch ``key``; the batch is done.

        ``delivered`` holds accepted and duplicate digests; ``rejected`` pairs a digest with
        the reason the server gave. Every member must appear exactly once (``ValueError``
        otherwise). Completing a done batch again is a no-op. The batch's bytes are dropped:
        a done batch is never sent again, and the outbox keeps every record's text.
        """
        now = time.time()
        with self._write() as conn:
            state = _batch_state(conn, key)
            if state == "done":
                return
            if state != "pending":
                raise ValueError(f"batch {key} is {state}, not pending")
            members = _members(conn, key)
            given = [*delivered, *(d for d, _ in rejected)]
            if sorted(given) != sorted(members):
                raise ValueError(f"the verdict does not cover batch {key}'s members exactly")
            conn.executemany(
                "UPDATE outbox SET state = 'delivered', reason = NULL, updated_at = ?"
                " WHERE digest = ?",
                [(now, d) for d in delivered],
            )
            conn.executemany(
                "UPDATE outbox SET state = 'rejected', reason = ?, updated_at = ? WHERE digest = ?",
                [(reason, now, d) for d, reason in rejected],
            )
            conn.execute(
                "UPDATE batches SET state = 'done', attempts = attempts + 1, last_error = NULL,"
                " body = X'' WHERE key = ?",
                (key,),
            )

    @_translated
    def split_batch(
        self, key: str, parts: Sequence[tuple[str, Sequence[str]]]
    ) -> list[PendingBatch]:
        """Replace pending batch ``key`` by new batches ``(new_key, digests)``, durably.

        Only for a batch the server refused as a whole (400/413/422): it accepted none of it,
        so its members may go out again under new keys. ``parts`` must partition the members.
        """
        now = time.time()
        with self._write() as conn:
            state = _batch_state(conn, key)
            if state != "pending":
                raise ValueError(f"batch {key} is {state}, not pending")
            members = _members(conn, key)
            if sorted(d for _, ds in parts for d in ds) != sorted(members):
                raise ValueError(f"the parts do not partition batch {key}'s members")
            (provider,) = conn.execute(
                "SELECT provider FROM batches WHERE key = ?", (key,)
            ).fetchone()
            conn.execute("UPDATE batches SET state = 'split', body = X'' WHERE key = ?", (key,))
            out: list[PendingBatch] = []
            for new_key, digests in parts:
                items: list[bytes] = []
                for digest in digests:
                    (body,) = conn.execute(
                        "SELECT body FROM outbox WHERE digest = ?", (digest,)
                    ).fetchone()
                    items.append(body.encode("utf-8"))
                    conn.execute(
                        "UPDATE outbox SET batch_key = ?, updated_at = ? WHERE digest = ?",
                        (new_key, now, digest),
                    )
                batch = PendingBatch(new_key, provider, join_batch(items), tuple(digests))
                _insert_batch(conn, batch, now, parent=key)
                out.append(batch)
        return out

    # ---- summaries --------------------------------------------------------------------------

    @_translated
    def counts(self) -> StateCounts:
        # A running agent asks every 2 s, also when idle. Nothing changed since the last
        # answer (no write through this connection, and PRAGMA data_version says none through
        # another): the same answer. Otherwise, grouping the whole outbox by state costs
        # ~3.3 ms at 70,000 records, nearly all delivered: count the few others through the
        # state index and the total from the smallest b-tree (~1.2 ms), and subtract.
        with self._read() as conn:
            (version,) = conn.execute("PRAGMA data_version").fetchone()
            cached = self._counts_cache
            if cached is not None and cached[0] == version:
                return cached[1]
            by_state = dict(
                conn.execute(
                    "SELECT state, COUNT(*) FROM outbox"
                    " WHERE state IN ('pending', 'batched', 'rejected') GROUP BY state"
                ).fetchall()
            )
            (total,) = conn.execute("SELECT COUNT(*) FROM outbox").fetchone()
            by_state["delivered"] = total - sum(by_state.values())
            (quarantined,) = conn.execute("SELECT COUNT(*) FROM quarantine").fetchone()
            (files,) = conn.execute("SELECT COUNT(*) FROM checkpoints").fetchone()
            (batches,) = conn.execute(
                "SELECT COUNT(*) FROM batches WHERE state = 'pending'"
            ).fetchone()
            counts = StateCounts(
                pending=by_state.get("pending", 0),
                batched=by_state.get("batched", 0),
                delivered=by_state.get("delivered", 0),
                rejected=by_state.get("rejected", 0),
                quarantined=quarantined,
                files=files,
                pending_batches=batches,
            )
            self._counts_cache = (version, counts)
        return counts

    @_translated
    def rejected_records(self, limit: int = 100) -> list[RejectedRecord]:
        """The most recently rejected records, newest first."""
        with self._mutex:
            rows = self._conn.execute(
                "SELECT digest, provider, body, reason FROM outbox WHERE state = 'rejected'"
                " ORDER BY updated_at DESC, rowid DESC LIMIT ?",
                (limit,),
            ).fetchall()
        out: list[RejectedRecord] = []
        for digest, provider, body, reason in rows:
            obj = json.loads(body)
            out.append(
                RejectedRecord(
                    digest, provider, str(obj.get("task")), str(obj.get("taken_at")), reason or ""
                )
            )
        return out

    @_translated
    def quarantined(self, limit: int = 100) -> list[Quarantined]:
        """The most recently quarantined inputs, newest first."""
        with self._mutex:
            rows = self._conn.execute(
                "SELECT source, reason FROM quarantine ORDER BY at DESC, source LIMIT ?", (limit,)
            ).fetchall()
        return [Quarantined(source, reason) for source, reason in rows]


# ---- helpers (all run inside a transaction) -------------------------------------------------


def _configure(conn: sqlite3.Connection) -> None:
    # WAL: readers (`status`) never block the writer and vice versa. synchronous=FULL: each
    # commit is fsynced before it returns. With WAL, NORMAL would survive a process crash but
    # could lose the last commits on a power cut; then a batch the server already accepted
    # could reappear as unbatched records under a new Idempotency-Key. The server would still
    # refuse them as duplicates, but "exactly once" should not rest on that. The price is one
    # fsync per transaction, and ours are per file and per batch, not per record.
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Read inside the write lock: another process may have migrated meanwhile.
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            if version > SCHEMA_VERSION:
                raise StateError(
                    "state.too_new", path=str(path), found=version, known=SCHEMA_VERSION
                )
            if version == SCHEMA_VERSION:
                conn.execute("COMMIT")
                return
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise


def _insert_records(
    conn: sqlite3.Connection, encoded: list[tuple[Record, str]], now: float
) -> list[Record]:
    new: list[Record] = []
    for record, body in encoded:
        cur = conn.execute(
            "INSERT OR IGNORE INTO outbox"
            " (digest, provider, body, source_key, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (record.digest, record.provider, body, record.source_key, now, now),
        )
        if cur.rowcount == 1:
            new.append(record)
    return new


def _commit_file_in(
    conn: sqlite3.Connection, parsed: FileParsed, encoded: list[tuple[Record, str]], now: float
) -> list[Record]:
    new = _insert_records(conn, encoded, now)
    conn.execute(
        "INSERT INTO checkpoints (path, size, mtime_ns, outcome, reason, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (path) DO UPDATE SET size = excluded.size,"
        " mtime_ns = excluded.mtime_ns, outcome = excluded.outcome,"
        " reason = excluded.reason, updated_at = excluded.updated_at",
        (parsed.path, parsed.size, parsed.mtime_ns, parsed.outcome, parsed.reason, now),
    )
    if parsed.outcome == "quarantined":
        _upsert_quarantine(conn, parsed.path, parsed.reason or "", now)
    else:
        conn.execute("DELETE FROM quarantine WHERE source = ?", (parsed.path,))
    return new


def _commit_aimlabs_in(
    conn: sqlite3.Connection, read: AimlabsRead, encoded: list[tuple[Record, str]], now: float
) -> list[Record]:
    new = _insert_records(conn, encoded, now)
    conn.execute(
        "INSERT INTO cursors (name, value, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value,"
        " updated_at = excluded.updated_at",
        (aimlabs_cursor_name(read.db_path), read.cursor_json, now),
    )
    for problem in read.problems:
        _upsert_quarantine(conn, problem.source, problem.reason, now)
    return new


def _upsert_quarantine(conn: sqlite3.Connection, source: str, reason: str, now: float) -> None:
    conn.execute(
        "INSERT INTO quarantine (source, reason, at) VALUES (?, ?, ?)"
        " ON CONFLICT (source) DO UPDATE SET reason = excluded.reason, at = excluded.at",
        (source, reason, now),
    )


def _insert_batch(
    conn: sqlite3.Connection, batch: PendingBatch, now: float, *, parent: str | None
) -> None:
    conn.execute(
        "INSERT INTO batches (key, provider, body, created_at, parent) VALUES (?, ?, ?, ?, ?)",
        (batch.key, batch.provider, batch.body, now, parent),
    )
    conn.executemany(
        "INSERT INTO batch_members (batch_key, idx, digest) VALUES (?, ?, ?)",
        [(batch.key, i, d) for i, d in enumerate(batch.digests)],
    )


def _batch_state(conn: sqlite3.Connection, key: str) -> str:
    row = conn.execute("SELECT state FROM batches WHERE key = ?", (key,)).fetchone()
    if row is None:
        raise ValueError(f"no batch {key}")
    return cast(str, row[0])


def _members(conn: sqlite3.Connection, key: str) -> list[str]:
    return [
        d
        for (d,) in conn.execute(
            "SELECT digest FROM batch_members WHERE batch_key = ? ORDER BY idx", (key,)
        )
    ]
