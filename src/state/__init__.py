"""The durable state database: what was read, what must be sent, what was sent.

One SQLite file, ``state.sqlite3``, in a directory the caller chooses (the platform's user state
directory in production), versioned with ``PRAGMA user_version`` and migrated on open. WAL with
``synchronous=FULL``: every commit is on disk before it returns (see ``_db._configure`` for why
not NORMAL). Every operation is one short transaction.

Tables::

    checkpoints   (path PK, size, mtime_ns, outcome ok|quarantined|ignored, reason, updated_at)
    cursors       (name PK, value, updated_at)        e.g. "aimlabs:<db_path>" -> cursor JSON
    outbox        (digest PK, provider, body, state pending|batched|delivered|rejected,
                   batch_key, reason, source_key, created_at, updated_at)
    batches       (key PK, provider, body BLOB, created_at, attempts, last_error,
                   state pending|done|split, parent)
    batch_members (batch_key, idx, digest)  PK (batch_key, idx)
    quarantine    (source PK, reason, at)

How "exactly once" rests on it:

- A parse result (records + the file's checkpoint, or records + the Aim Lab cursor) is one
  transaction: a crash either keeps both or neither, so a run is never lost and never read
  twice. The outbox is keyed by digest, so reading a run again adds nothing.
- ``outbox.body`` is the record's JSON exactly as sent; a batch body is those texts joined.
- The sender claims records into a batch (its key, members and exact bytes) in one transaction
  *before* the first attempt, then resends those same bytes with that same key until the
  server answers. A crash after the server accepted but before ``complete_batch`` resends the
  same key, which the server answers with its first response (Idempotency-Key).
- ``complete_batch`` marks every member delivered or rejected and the batch done, at once.
- ``split_batch`` only follows a 400/413/422, where the server accepted nothing of the batch.

Access: :class:`AsyncState` from actors (one worker thread at a time), :class:`StateDB` from
synchronous code. A process that sends opens with ``exclusive=True`` and so holds
``state.lock`` for its lifetime; a second one gets ``StateError("state.locked")``.

The state database never holds a token. This package must not do HTTP or know about channels.
"""

from __future__ import annotations

from aimcoach.state._async import AsyncState
from aimcoach.state._db import (
    STATE_FILENAME,
    Checkpoint,
    PendingBatch,
    RejectedRecord,
    StateCounts,
    StateDB,
    aimlabs_cursor_name,
)
from aimcoach.state._lock import LOCK_FILENAME
from aimcoach.state._records import encode_record, join_batch, record_from_json
from aimcoach.state._schema import SCHEMA_VERSION

__all__ = [
    "LOCK_FILENAME",
    "SCHEMA_VERSION",
    "STATE_FILENAME",
    "AsyncState",
    "Checkpoint",
    "PendingBatch",
    "RejectedRecord",
    "StateCounts",
    "StateDB",
    "aimlabs_cursor_name",
    "encode_record",
    "join_batch",
    "record_from_json",
]
