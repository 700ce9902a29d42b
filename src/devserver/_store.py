"""The reference server's SQLite store: link codes, devices, tokens, records, idempotent replies.

Every function here is synchronous and takes the connection first; the app calls them through
:meth:`Store.call`, which runs one at a time in a worker thread (so the event loop never waits
on the disk, and each call is one transaction). Tokens are stored only as SHA-256 hashes.
This module must not log, and must never hold a plaintext token beyond returning it once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar, TypeVarTuple

import trio

from aimcoach.devserver._options import CODE_MAX_FAILURES, CODE_TTL_S
from aimcoach.errors import ConfigError

__all__ = [
    "STAT_NAMES",
    "AuthFailure",
    "Device",
    "IngestOutcome",
    "ReplyKey",
    "Store",
    "StoredReply",
    "TokenPair",
    "bump_requests",
    "complete_link",
    "count_replay",
    "hash_token",
    "ingest",
    "insert_code",
    "lookup_reply",
    "open_connection",
    "refresh",
    "revoke_device",
    "revoke_user",
    "stats",
    "store_reply",
    "verify_token",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS link_codes (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    user TEXT NOT NULL,
    expires_at REAL NOT NULL,
    used_at REAL,
    failures INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS link_codes_by_code ON link_codes (code);
CREATE TABLE IF NOT EXISTS devices (
    id INTEGER PRIMARY KEY,
    user TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at REAL NOT NULL,
    revoked_at REAL
);
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY,
    device_id INTEGER NOT NULL REFERENCES devices (id),
    kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    expires_at REAL NOT NULL,
    replaced_at REAL
);
CREATE TABLE IF NOT EXISTS records (
    user TEXT NOT NULL,
    digest TEXT NOT NULL,
    provider TEXT NOT NULL,
    record TEXT NOT NULL,
    received_at REAL NOT NULL,
    PRIMARY KEY (user, digest)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS replies (
    user TEXT NOT NULL,
    key TEXT NOT NULL,
    path TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    status INTEGER NOT NULL,
    body BLOB NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (user, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stats (
    user TEXT PRIMARY KEY,
    accepted INTEGER NOT NULL DEFAULT 0,
    duplicates INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    requests INTEGER NOT NULL DEFAULT 0,
    replays INTEGER NOT NULL DEFAULT 0
);
"""
_COUNTERS = ("accepted", "duplicates", "rejected", "requests", "replays")
#: What :func:`stats` gives for each user (docs/api.md, "Admin API").
STAT_NAMES = (*_COUNTERS, "distinct_digests")

TokenKind = Literal["access", "refresh"]
_T = TypeVar("_T")
_Ts = TypeVarTuple("_Ts")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_connection(db_path: str | os.PathLike[str]) -> sqlite3.Connection:
    """Open (creating if needed) a devserver database; :class:`ConfigError` if it cannot be."""
    path = os.fspath(db_path)
    try:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: every write goes through _transaction's BEGIN IMMEDIATE.
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
    except (OSError, sqlite3.Error) as exc:
        raise ConfigError("devserver.db_failed", path=path, error=exc) from exc
    try:
        if path != ":memory:":
            # WAL lets `devserver mint-code` write while a server holds the file open.
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.executescript(_SCHEMA)
    except sqlite3.Error as exc:
        conn.close()
        raise ConfigError("devserver.db_failed", path=path, error=exc) from exc
    return conn


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class Store:
    """One connection, used by one worker thread at a time."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._lock = trio.Lock()

    @classmethod
    async def open(cls, db_path: str | os.PathLike[str]) -> Store:
        return cls(await trio.to_thread.run_sync(open_connection, db_path))

    async def call(self, fn: Callable[[sqlite3.Connection, *_Ts], _T], *args: *_Ts) -> _T:
        """Run ``fn(conn, *args)`` in a worker thread, after every earlier call has finished."""
        async with self._lock:
            return await trio.to_thread.run_sync(fn, self._conn, *args)

    async def aclose(self) -> None:
        with trio.CancelScope(shield=True):
            async with self._lock:
                await trio.to_thread.run_sync(self._conn.close)


# ---- link codes ------------------------------------------------------------------------------


# A code that can still be traded: parameters (now, CODE_MAX_FAILURES).
_LIVE = "used_at IS NULL AND expires_at > ? AND failures < ?"


def insert_code(conn: sqlite3.Connection, user: str, now: float) -> str:
    """Mint a fresh 6-digit code for ``user``, distinct from every live code."""
    with _transaction(conn):
        while True:
            code = f"{secrets.randbelow(1_000_000):06d}"
            clash = conn.execute(
                f"SELECT 1 FROM link_codes WHERE code = ? AND {_LIVE}",
                (code, now, CODE_MAX_FAILURES),
            ).fetchone()
            if clash is None:
                break
        conn.execute(
            "INSERT INTO link_codes (code, user, expires_at) VALUES (?, ?, ?)",
            (code, user, now + CODE_TTL_S),
        )
    return code


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    access_ttl: int
    refresh_ttl: int

    def json(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": "Bearer",
            "expires_in": self.access_ttl,
            "refresh_expires_in": self.refresh_ttl,
        }


@dataclass(frozen=True, slots=True)
class AuthFailure:
    """Why a code or token was refused: one of the documented error codes."""

    code: str


def _issue(
    conn: sqlite3.Connection, device_id: int, now: float, access_ttl: int, refresh_ttl: int
) -> TokenPair:
    access, refresh_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    conn.executemany(
        "INSERT INTO tokens (hash, device_id, kind, expires_at) VALUES (?, ?, ?, ?)",
        [
            (hash_token(access), device_id, "access", now + access_ttl),
            (hash_token(refresh_token), device_id, "refresh", now + refresh_ttl),
        ],
    )
    return TokenPair(access, refresh_token, access_ttl, refresh_ttl)


def complete_link(
    conn: sqlite3.Connection,
    code: str,
    device_name: str,
    now: float,
    access_ttl: int,
    refresh_ttl: int,
) -> TokenPair | AuthFailure:
    """Trade a link code for a device's first token pair.

    A code that matches no code ever minted is a wrong attempt: it counts against *every* live
    code, and a code with CODE_MAX_FAILURES wrong attempts is invalidated (docs/api.md).
    """
    with _transaction(conn):
        row = conn.execute(
            "SELECT id, user, expires_at, used_at, failures FROM link_codes"
            " WHERE code = ? ORDER BY id DESC LIMIT 1",
            (code,),
        ).fetchone()
        if row is None:
            conn.execute(
                f"UPDATE link_codes SET failures = failures + 1 WHERE {_LIVE}",
                (now, CODE_MAX_FAILURES),
            )
            return AuthFailure("invalid_code")
        code_id, user, expires_at, used_at, failures = row
        if used_at is not None:
            return AuthFailure("code_used")
        if failures >= CODE_MAX_FAILURES:
            return AuthFailure("code_invalidated")
        if expires_at <= now:
            return AuthFailure("code_expired")
        conn.execute("UPDATE link_codes SET used_at = ? WHERE id = ?", (now, code_id))
        cursor = conn.execute(
            "INSERT INTO devices (user, name, created_at) VALUES (?, ?, ?)",
            (user, device_name, now),
        )
        assert cursor.lastrowid is not None
        return _issue(conn, cursor.lastrowid, now, access_ttl, refresh_ttl)


# ---- tokens ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Device:
    device_id: int
    user: str


def _find_token(
    conn: sqlite3.Connection, token_hash: str, kind: TokenKind
) -> tuple[int, str, float, float | None, float | None] | None:
    row = conn.execute(
        "SELECT t.device_id, d.user, t.expires_at, t.replaced_at, d.revoked_at"
        " FROM tokens t JOIN devices d ON d.id = t.device_id WHERE t.hash = ? AND t.kind = ?",
        (token_hash, kind),
    ).fetchone()
    return None if row is None else (row[0], row[1], row[2], row[3], row[4])


def verify_token(
    conn: sqlite3.Connection, token_hash: str, kind: TokenKind, now: float
) -> Device | AuthFailure:
    """The device an access (or refresh) token belongs to, or why it is refused."""
    found = _find_token(conn, token_hash, kind)
    if found is None:
        return AuthFailure("invalid_token")
    device_id, user, expires_at, _replaced_at, revoked_at = found
    if revoked_at is not None:
        return AuthFailure("token_revoked")
    if expires_at <= now:
        return AuthFailure("token_expired")
    return Device(device_id, user)


def refresh(
    conn: sqlite3.Connection, token_hash: str, now: float, access_ttl: int, refresh_ttl: int
) -> TokenPair | AuthFailure:
    """Rotate: the refresh token is replaced; presenting a replaced one revokes the device."""
    with _transaction(conn):
        found = _find_token(conn, token_hash, "refresh")
        if found is None:
            return AuthFailure("invalid_token")
        device_id, _user, expires_at, replaced_at, revoked_at = found
        if revoked_at is not None:
            return AuthFailure("token_revoked")
        if replaced_at is not None:
            conn.execute("UPDATE devices SET revoked_at = ? WHERE id = ?", (now, device_id))
            return AuthFailure("refresh_reused")
        if expires_at <= now:
            return AuthFailure("token_expired")
        conn.execute("UPDATE tokens SET replaced_at = ? WHERE hash = ?", (now, token_hash))
        return _issue(conn, device_id, now, access_ttl, refresh_ttl)


def revoke_device(conn: sqlite3.Connection, device_id: int, now: float) -> None:
    with _transaction(conn):
        conn.execute(
            "UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (now, device_id),
        )


def revoke_user(conn: sqlite3.Connection, user: str, now: float) -> int:
    """Revoke every device of ``user``; returns how many were still live."""
    with _transaction(conn):
        return conn.execute(
            "UPDATE devices SET revoked_at = ? WHERE user = ? AND revoked_at IS NULL",
            (now, user),
        ).rowcount


# ---- records, idempotent replies, stats ------------------------------------------------------


def _bump(conn: sqlite3.Connection, user: str, **counts: int) -> None:
    conn.execute("INSERT OR IGNORE INTO stats (user) VALUES (?)", (user,))
    sets = ", ".join(f"{name} = {name} + ?" for name in counts)
    conn.execute(f"UPDATE stats SET {sets} WHERE user = ?", (*counts.values(), user))


def bump_requests(conn: sqlite3.Connection, user: str) -> None:
    with _transaction(conn):
        _bump(conn, user, requests=1)


@dataclass(frozen=True, slots=True)
class StoredReply:
    path: str
    body_sha256: str
    status: int
    body: bytes


@dataclass(frozen=True, slots=True)
class ReplyKey:
    """Where an Idempotency-Key's reply is kept, and what request it answers."""

    user: str
    key: str
    path: str
    body_sha256: str


def lookup_reply(
    conn: sqlite3.Connection, user: str, key: str, now: float, ttl: float
) -> StoredReply | None:
    """The reply stored for ``key`` if it is younger than ``ttl`` (older ones are purged)."""
    with _transaction(conn):
        conn.execute("DELETE FROM replies WHERE created_at <= ?", (now - ttl,))
        row = conn.execute(
            "SELECT path, body_sha256, status, body FROM replies WHERE user = ? AND key = ?",
            (user, key),
        ).fetchone()
    return None if row is None else StoredReply(row[0], row[1], row[2], bytes(row[3]))


def count_replay(conn: sqlite3.Connection, user: str) -> None:
    with _transaction(conn):
        _bump(conn, user, replays=1)


def _put_reply(
    conn: sqlite3.Connection, reply: ReplyKey, status: int, body: bytes, now: float
) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO replies (user, key, path, body_sha256, status, body, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (reply.user, reply.key, reply.path, reply.body_sha256, status, body, now),
    )


def store_reply(
    conn: sqlite3.Connection, reply: ReplyKey, status: int, body: bytes, now: float
) -> None:
    with _transaction(conn):
        _put_reply(conn, reply, status, body, now)


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    accepted: int
    duplicates: frozenset[int]  # indexes of records the user already had


def ingest(
    conn: sqlite3.Connection,
    user: str,
    provider: str,
    valid: Sequence[tuple[int, str, str]],
    invalid_count: int,
    now: float,
    reply: ReplyKey | None,
    render: Callable[[IngestOutcome], bytes],
) -> bytes:
    """Insert the valid ``(index, digest, json)`` records, count, and keep the reply.

    One transaction: the records, the stats and the idempotent reply commit together, so a
    crash can never leave records accepted without the reply a retry would be given.
    """
    with _transaction(conn):
        duplicates: set[int] = set()
        accepted = 0
        for index, digest, stored in valid:
            inserted = conn.execute(
                "INSERT OR IGNORE INTO records (user, digest, provider, record, received_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (user, digest, provider, stored, now),
            ).rowcount
            if inserted:
                accepted += 1
            else:
                duplicates.add(index)
        _bump(
            conn,
            user,
            accepted=accepted,
            duplicates=len(duplicates),
            rejected=invalid_count,
        )
        body = render(IngestOutcome(accepted, frozenset(duplicates)))
        if reply is not None:
            _put_reply(conn, reply, 200, body, now)
    return body


def stats(conn: sqlite3.Connection) -> dict[str, dict[str, int]]:
    """:data:`STAT_NAMES` for every user that has sent an ingest request."""
    rows = conn.execute(
        f"SELECT s.user, {', '.join(f's.{name}' for name in _COUNTERS)},"
        " (SELECT COUNT(*) FROM records r WHERE r.user = s.user) FROM stats s"
    )
    return {row[0]: dict(zip(STAT_NAMES, row[1:], strict=True)) for row in rows}
