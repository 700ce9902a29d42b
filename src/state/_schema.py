"""The state database schema and its migrations, versioned with ``PRAGMA user_version``.

``MIGRATIONS[i]`` takes a database from version ``i`` to ``i + 1``. Migrations are append-only:
a released one is never edited, a change is a new entry. This module only holds SQL text; the
code that applies it lives in ``_db``.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION"]

_V1: tuple[str, ...] = (
    # Which stats files were finished, so a restart does not re-read them. size + mtime_ns is
    # what the watcher compares; outcome says whether the file gave records.
    """
    CREATE TABLE checkpoints (
        path       TEXT PRIMARY KEY,
        size       INTEGER NOT NULL,
        mtime_ns   INTEGER NOT NULL,
        outcome    TEXT NOT NULL CHECK (outcome IN ('ok', 'quarantined', 'ignored')),
        reason     TEXT,
        updated_at REAL NOT NULL
    )
    """,
    # Opaque read positions, e.g. the Aim Lab cursor "aimlabs:<db_path>".
    """
    CREATE TABLE cursors (
        name       TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        updated_at REAL NOT NULL
    )
    """,
    # Every record ever seen, keyed by digest: the dedupe set and the delivery queue at once.
    # state: pending (in no batch) -> batched -> delivered | rejected.
    """
    CREATE TABLE outbox (
        digest     TEXT PRIMARY KEY,
        provider   TEXT NOT NULL CHECK (provider IN ('kovaaks', 'aimlabs')),
        body       TEXT NOT NULL,
        state      TEXT NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'batched', 'delivered', 'rejected')),
        batch_key  TEXT,
        reason     TEXT,
        source_key TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    )
    """,
    "CREATE INDEX outbox_by_state ON outbox (state, provider)",
    # One request: its exact bytes and Idempotency-Key, persisted before the first attempt.
    """
    CREATE TABLE batches (
        key        TEXT PRIMARY KEY,
        provider   TEXT NOT NULL CHECK (provider IN ('kovaaks', 'aimlabs')),
        body       BLOB NOT NULL,
        created_at REAL NOT NULL,
        attempts   INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        state      TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'split')),
        parent     TEXT
    )
    """,
    "CREATE INDEX batches_by_state ON batches (state)",
    """
    CREATE TABLE batch_members (
        batch_key TEXT NOT NULL REFERENCES batches (key),
        idx       INTEGER NOT NULL,
        digest    TEXT NOT NULL REFERENCES outbox (digest),
        PRIMARY KEY (batch_key, idx)
    ) WITHOUT ROWID
    """,
    # Inputs set aside, for `status` and the end-of-run summary.
    """
    CREATE TABLE quarantine (
        source TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        at     REAL NOT NULL
    )
    """,
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1,)
SCHEMA_VERSION = len(MIGRATIONS)
