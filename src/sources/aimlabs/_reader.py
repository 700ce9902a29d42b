"""Read new ``TaskData`` rows from Aim Lab's ``klutch.bytes``, in bounded chunks.

Synchronous on purpose: the Aim Lab actor calls :func:`read_new` through ``trio.to_thread``.
It must not log, read configuration or touch any file but the database it is given (SQLite
itself may open the database's own ``-journal`` / ``-wal`` / ``-shm`` siblings, as the game does).

How a call behaves, and why:

- The file must exist and start with the 16-byte SQLite header before SQLite sees it, and it is
  opened with a ``file:…?mode=ro`` URI: a plain ``sqlite3.connect(path)`` would create an empty
  database at a wrong path, and a read-write handle could interfere with the game.
- One short read transaction per call, then the connection is closed: in rollback-journal mode a
  reader that stays open blocks the game's next write.
- ``SQLITE_BUSY`` / "database is locked" (the game is committing) is retried ``retries`` times
  with the injected ``sleep`` between attempts, then :class:`AimlabsBusyError` (retryable).
- Rows are read in ``taskId`` order (the autoincrement key), never by ``createDate``, which can
  go backwards (reference note §4). The cursor remembers the last ``taskId`` and a fingerprint of
  that row. If that row is gone or different, the file was replaced (reinstall, another account's
  database, an older backup): the reader starts again from the first row and says so with
  ``AimlabsBatch.rescanned``. Re-reading is harmless: the deduper skips digests it already has.
- A damaged page part-way through a chunk: the rows read before it are returned; the next call
  starts after them and raises :class:`AimlabsError` if the damage is still there.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, Final
from urllib.parse import quote

from aimcoach.messages import Record
from aimcoach.sources.aimlabs._errors import AimlabsBusyError, AimlabsError, AimlabsRowError
from aimcoach.sources.aimlabs._parse import COLUMNS_2025, fingerprint, parse_row, source_key

__all__ = [
    "SQLITE_HEADER",
    "AimlabsBatch",
    "AimlabsCursor",
    "RowProblem",
    "read_new",
]

SQLITE_HEADER: Final = b"SQLite format 3\x00"
_TABLE: Final = "TaskData"
_MAX_ROWID: Final = 2**63 - 1
_REQUIRED: Final = ("taskId", "taskName", "createDate")
_CANONICAL: Final = {name.lower(): name for name in COLUMNS_2025}
_SQLITE_BUSY: Final = 5
_SQLITE_LOCKED: Final = 6
_SQLITE_READONLY_ROLLBACK: Final = 8 | (3 << 8)  # a hot journal a read-only handle can't undo
_WINDOWS_SHARING_VIOLATIONS: Final = (32, 33)  # ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION
# What a damaged file makes the sqlite3 module raise: its own errors, and UnicodeDecodeError
# when SQLite's error message quotes damaged bytes (e.g. "malformed database schema (\xf0…)").
_DB_ERRORS: Final = (sqlite3.Error, UnicodeDecodeError)


@dataclass(frozen=True, slots=True)
class AimlabsCursor:
    """Where the last read stopped: the last ``taskId`` seen and that row's fingerprint.

    The default cursor reads from the first row. Stored as JSON in the state database.
    """

    last_task_id: int = 0
    fingerprint: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"last_task_id": self.last_task_id, "fingerprint": self.fingerprint}

    @classmethod
    def from_json(cls, data: Any) -> AimlabsCursor:
        """The cursor :meth:`to_json` wrote; :class:`AimlabsError` for anything else."""
        if isinstance(data, Mapping):
            last = data.get("last_task_id")
            mark = data.get("fingerprint", "")
            if (
                isinstance(last, int)
                and not isinstance(last, bool)
                and 0 <= last <= _MAX_ROWID
                and isinstance(mark, str)
                and len(mark) <= 64
            ):
                return cls(last_task_id=last, fingerprint=mark)
        raise AimlabsError("aimlabs.bad_cursor")


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One row that could not become a record; ``reason`` is the rendered catalog message."""

    source_key: str
    reason: str


@dataclass(frozen=True, slots=True)
class AimlabsBatch:
    """What one :func:`read_new` call found. Empty records and problems: caught up."""

    records: list[Record]
    problems: list[RowProblem]
    cursor: AimlabsCursor
    rescanned: bool = False  # the file was replaced; this batch starts again at the first row


class _Busy(Exception):
    """Internal: this attempt met a lock; the caller decides whether to try again."""


def read_new(
    db_path: str | os.PathLike[str],
    cursor: AimlabsCursor,
    *,
    limit: int = 1000,
    busy_timeout_s: float = 0.8,
    retries: int = 5,
    sleep: Callable[[float], None] = time.sleep,
) -> AimlabsBatch:
    """Up to ``limit`` rows after ``cursor``, in ``taskId`` order, as records and problems.

    Call again with the returned cursor until a batch has no records and no problems.
    Raises :class:`AimlabsError` when the file cannot be read as an Aim Lab database and
    :class:`AimlabsBusyError` when it stayed locked through ``retries`` retries.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    path = Path(os.fspath(db_path))
    attempt = 0
    while True:
        try:
            return _read_once(path, cursor, limit, busy_timeout_s)
        except _Busy as busy:
            if attempt >= retries:
                raise AimlabsBusyError(
                    "aimlabs.busy", path=str(path), attempts=attempt + 1
                ) from busy.__cause__
        sleep(_retry_delay(attempt))
        attempt += 1


def _retry_delay(attempt: int) -> float:
    return min(0.05 * 2.0**attempt, 1.0)


def _sqlite_uri(path: PurePath) -> str:
    """A read-only SQLite URI for ``path`` (absolute; POSIX or Windows, drive or UNC).

    Every character but ``/`` and ``:`` is percent-encoded as UTF-8, so ``?``, ``#``, ``%``,
    spaces and non-ASCII user names survive. ``C:/x`` becomes ``file:///C:/x`` (SQLite's own
    Windows form); a UNC path ``//server/share/x`` becomes ``file:////server/share/x``, an empty
    authority followed by the UNC path.
    """
    text = path.as_posix()
    if not text.startswith("/"):
        text = "/" + text
    return "file://" + quote(text, safe="/:", errors="surrogateescape") + "?mode=ro"


def _read_once(
    path: Path, cursor: AimlabsCursor, limit: int, busy_timeout_s: float
) -> AimlabsBatch:
    _check_file(path)
    try:
        conn = sqlite3.connect(
            _sqlite_uri(path.absolute()), uri=True, timeout=busy_timeout_s, isolation_level=None
        )
    except _DB_ERRORS as exc:
        raise _translate(exc, path) from exc
    try:
        # Invalid UTF-8 in one row must stay that row's problem, not fail the whole read.
        conn.text_factory = _text_or_bytes
        return _read_rows(conn, path, cursor, limit)
    except _DB_ERRORS as exc:
        raise _translate(exc, path) from exc
    finally:
        conn.close()


def _check_file(path: Path) -> None:
    """Exists, is a regular file, starts with the SQLite header: checked before SQLite opens it."""
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError, ValueError) as exc:
        raise AimlabsError("aimlabs.not_found", path=str(path)) from exc
    except OSError as exc:
        raise AimlabsError("aimlabs.unreadable", path=str(path), error=exc.strerror) from exc
    if not stat.S_ISREG(info.st_mode):
        raise AimlabsError("aimlabs.not_a_file", path=str(path))
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        if getattr(exc, "winerror", None) in _WINDOWS_SHARING_VIOLATIONS:
            raise _Busy from exc  # the game has the file open exclusively for a moment
        raise AimlabsError("aimlabs.unreadable", path=str(path), error=exc.strerror) from exc
    if header != SQLITE_HEADER:
        raise AimlabsError("aimlabs.not_sqlite", path=str(path))


def _text_or_bytes(data: bytes) -> str | bytes:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def _translate(exc: sqlite3.Error | UnicodeDecodeError, path: Path) -> Exception:
    code = getattr(exc, "sqlite_errorcode", None)
    if code == _SQLITE_READONLY_ROLLBACK:
        return AimlabsBusyError("aimlabs.hot_journal", path=str(path))
    if _is_busy(exc):
        return _Busy()
    return AimlabsError("aimlabs.corrupt", path=str(path), error=str(exc))


def _is_busy(exc: sqlite3.Error | UnicodeDecodeError) -> bool:
    if isinstance(exc, UnicodeDecodeError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    message = str(exc).lower()
    return "locked" in message or "busy" in message


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(conn: sqlite3.Connection, path: Path) -> tuple[str, list[tuple[str, str]]]:
    """The table's real name and (declared name, name in our rows) for every column."""
    found = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE",
        (_TABLE,),
    ).fetchone()
    if found is None or not isinstance(found[0], str):
        raise AimlabsError("aimlabs.no_taskdata", path=str(path))
    table: str = found[0]
    columns: list[tuple[str, str]] = []
    for info in conn.execute(f"PRAGMA table_info({_quoted(table)})"):
        declared = info[1]
        if isinstance(declared, str):
            columns.append((declared, _CANONICAL.get(declared.lower(), declared)))
    present = {ours for _, ours in columns}
    for required in _REQUIRED:
        if required not in present:
            raise AimlabsError("aimlabs.missing_column", path=str(path), column=required)
    return table, columns


def _read_rows(
    conn: sqlite3.Connection, path: Path, cursor: AimlabsCursor, limit: int
) -> AimlabsBatch:
    conn.execute("BEGIN")  # one read snapshot for the schema and the rows
    table = _Table(conn, *_columns(conn, path))
    rescanned = False
    if cursor.fingerprint:
        # ">=": the cursor's own row comes first and proves this is still the same file.
        rows, damage = table.rows_from(cursor.last_task_id, limit + 1)
        if rows and _is_anchor(rows[0], cursor):
            rows = rows[1:]
        elif table.holds(cursor):
            # The row is there, but the lookup by taskId missed it: a damaged b-tree, which
            # would otherwise send every call back to the first row for ever.
            raise AimlabsError("aimlabs.corrupt", path=str(path), error="TaskData out of order")
        else:
            rescanned = True
            rows, damage = table.rows_from(1, limit)
    else:
        rows, damage = table.rows_from(cursor.last_task_id + 1, limit)
    if not rows:
        if damage is not None:
            raise damage
        return AimlabsBatch([], [], AimlabsCursor() if rescanned else cursor, rescanned)

    records: list[Record] = []
    problems: list[RowProblem] = []
    for row in rows:
        try:
            records.append(parse_row(row))
        except AimlabsRowError as exc:
            problems.append(RowProblem(source_key(row), str(exc)))
    last = rows[-1]
    return AimlabsBatch(
        records, problems, AimlabsCursor(last["taskId"], fingerprint(last)), rescanned
    )


def _is_anchor(row: Mapping[str, Any], cursor: AimlabsCursor) -> bool:
    return bool(row["taskId"] == cursor.last_task_id and fingerprint(row) == cursor.fingerprint)


_DbError = sqlite3.Error | UnicodeDecodeError


class _Table:
    """The SELECTs over TaskData, every column under the name our rows use."""

    def __init__(
        self, conn: sqlite3.Connection, table: str, columns: list[tuple[str, str]]
    ) -> None:
        self._conn = conn
        self._names = [ours for _, ours in columns]
        self._id = _quoted(next(declared for declared, ours in columns if ours == "taskId"))
        self._select = (
            f"SELECT {', '.join(_quoted(declared) for declared, _ in columns)}"
            f" FROM {_quoted(table)}"
        )

    def rows_from(self, first: int, limit: int) -> tuple[list[dict[str, Any]], _DbError | None]:
        """Up to ``limit`` rows with ``taskId >= first`` in ascending order, and the error that
        cut the read short (a damaged page) if rows came before it."""
        sql = (
            f"{self._select} WHERE {self._id} >= ? AND typeof({self._id}) = 'integer'"
            f" ORDER BY {self._id} LIMIT ?"
        )
        rows: list[dict[str, Any]] = []
        if first > _MAX_ROWID:
            return rows, None
        highest = first - 1
        try:
            for values in self._conn.execute(sql, (first, limit)):
                row = dict(zip(self._names, values, strict=True))
                # Strictly rising ids even from a damaged b-tree, so the cursor always advances.
                if row["taskId"] > highest:
                    rows.append(row)
                    highest = row["taskId"]
        except _DB_ERRORS as exc:
            if _is_busy(exc) or not rows:
                raise
            return rows, exc  # a damaged page: keep what came before it
        return rows, None

    def holds(self, cursor: AimlabsCursor) -> bool:
        """Whether a full scan (``+`` keeps SQLite from using the key) finds the cursor's row."""
        sql = f"{self._select} WHERE +{self._id} = ?"
        return any(
            _is_anchor(dict(zip(self._names, values, strict=True)), cursor)
            for values in self._conn.execute(sql, (cursor.last_task_id,))
        )
