"""StateDB on a real SQLite file in tmp_path: schema, locking, every operation, errors."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from aimcoach.errors import StateError
from aimcoach.messages import AimlabsRead, FileParsed, Provider, Quarantined, Record, make_record
from aimcoach.state import (
    SCHEMA_VERSION,
    STATE_FILENAME,
    Checkpoint,
    StateDB,
    aimlabs_cursor_name,
    encode_record,
    join_batch,
)
from aimcoach.state._lock import StateLock


def rec(i: int, provider: Provider = "kovaaks") -> Record:
    return make_record(
        provider=provider,
        task=f"Task {i}",
        taken_at="2024-05-01T12:00:00Z",
        metrics={"shots": i, "accuracy": 0.5},
        source_key=f"src:{i}",
    )


def parsed(path: str, *records: Record, size: int = 10, mtime_ns: int = 1) -> FileParsed:
    return FileParsed(path=path, size=size, mtime_ns=mtime_ns, outcome="ok", records=records)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[StateDB]:
    with StateDB.open(tmp_path / "state") as state:
        yield state


# ---- schema and pragmas ---------------------------------------------------------------------


def test_open_creates_directory_and_migrates_to_the_current_version(tmp_path: Path) -> None:
    directory = tmp_path / "a" / "b"
    with StateDB.open(directory):
        pass
    conn = sqlite3.connect(directory / STATE_FILENAME)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()
    assert {"checkpoints", "cursors", "outbox", "batches", "batch_members", "quarantine"} <= tables


def test_connection_commits_with_full_sync(db: StateDB) -> None:
    # synchronous is per connection: 2 is FULL.
    assert db._conn.execute("PRAGMA synchronous").fetchone() == (2,)


def test_reopening_keeps_the_data(tmp_path: Path) -> None:
    with StateDB.open(tmp_path) as first:
        assert first.commit_file(parsed("/s/a.csv", rec(1))) == [rec(1)]
    with StateDB.open(tmp_path) as second:
        assert second.commit_file(parsed("/s/a.csv", rec(1))) == []
        assert second.counts().pending == 1


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / STATE_FILENAME)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StateError) as info:
        StateDB.open(tmp_path)
    assert info.value.key == "state.too_new"
    # The failed open released the lock.
    StateLock(tmp_path).release()


def test_a_damaged_database_is_reported_as_corrupt(tmp_path: Path) -> None:
    (tmp_path / STATE_FILENAME).write_bytes(b"this is not a database, just some text" * 100)
    with pytest.raises(StateError) as info:
        StateDB.open(tmp_path)
    assert info.value.key == "state.corrupt"
    assert "Move the file aside" in str(info.value)


def test_a_full_disk_is_reported_as_such(db: StateDB) -> None:
    # max_page_count makes SQLite answer SQLITE_FULL exactly as a full disk would.
    (pages,) = db._conn.execute("PRAGMA page_count").fetchone()
    db._conn.execute(f"PRAGMA max_page_count = {pages}")
    big = make_record(
        provider="kovaaks",
        task="x",
        taken_at="2024-05-01T12:00:00Z",
        metrics={"shots": 1},
        raw_json={"blob": "x" * 200_000},
    )
    with pytest.raises(StateError) as info:
        db.commit_file(parsed("/s/big.csv", big))
    assert info.value.key == "state.disk_full"
    # The transaction was rolled back as a whole: no checkpoint without its records.
    db._conn.execute("PRAGMA max_page_count = 1073741823")
    assert db.checkpoint("/s/big.csv") is None
    assert db.counts().pending == 0


def test_a_write_lock_held_elsewhere_is_reported_as_busy(
    db: StateDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    db._conn.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(db.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StateError) as info:
            db.commit_file(parsed("/s/a.csv", rec(1)))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert info.value.key == "state.busy"
    assert db.commit_file(parsed("/s/a.csv", rec(1))) == [rec(1)]


def test_an_unusable_directory_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StateError) as info:
        StateDB.open(blocker / "state")
    assert info.value.key == "state.dir_unusable"


# ---- the run lock ---------------------------------------------------------------------------


def test_a_second_exclusive_holder_is_refused(tmp_path: Path) -> None:
    with StateDB.open(tmp_path):
        with pytest.raises(StateError) as info:
            StateDB.open(tmp_path)
        assert info.value.key == "state.locked"
        assert "Another aimcoach is already running" in str(info.value)
        # A reader (status) does not need the lock.
        with StateDB.open(tmp_path, exclusive=False) as reader:
            assert reader.counts().pending == 0
    # Released on close.
    StateDB.open(tmp_path).close()


def test_another_process_is_refused_while_the_lock_is_held(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from aimcoach.errors import StateError\n"
        "from aimcoach.state import StateDB\n"
        "try:\n"
        "    StateDB.open(sys.argv[1])\n"
        "except StateError as e:\n"
        "    print(e.key)\n"
        "else:\n"
        "    print('opened')\n"
    )
    with StateDB.open(tmp_path):
        held = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True
        )
    free = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True
    )
    assert held.stdout.strip() == "state.locked", held.stderr
    assert free.stdout.strip() == "opened", free.stderr


# ---- parse results --------------------------------------------------------------------------


def test_commit_file_returns_only_new_records_and_is_idempotent(db: StateDB) -> None:
    assert db.commit_file(parsed("/s/a.csv", rec(1), rec(2))) == [rec(1), rec(2)]
    assert db.commit_file(parsed("/s/a.csv", rec(1), rec(2))) == []
    # A different file holding one known run and one new one.
    assert db.commit_file(parsed("/s/b.csv", rec(2), rec(3))) == [rec(3)]
    # The same run twice in one file is one record.
    assert db.commit_file(parsed("/s/c.csv", rec(4), rec(4))) == [rec(4)]
    assert db.counts().pending == 4
    assert db.checkpoint("/s/a.csv") == Checkpoint(10, 1, "ok")


def test_commit_file_updates_the_checkpoint(db: StateDB) -> None:
    db.commit_file(parsed("/s/a.csv", rec(1), size=10, mtime_ns=1))
    db.commit_file(parsed("/s/a.csv", rec(1), rec(2), size=20, mtime_ns=2))
    assert db.checkpoint("/s/a.csv") == (20, 2, "ok")
    assert db.checkpoint("/s/missing.csv") is None


def test_quarantine_is_recorded_and_cleared_when_the_file_parses(db: StateDB) -> None:
    bad = FileParsed("/s/a.csv", 5, 1, "quarantined", reason="broken header")
    assert db.commit_file(bad) == []
    assert db.checkpoint("/s/a.csv") == (5, 1, "quarantined")
    assert db.quarantined() == [Quarantined("/s/a.csv", "broken header")]
    assert db.counts().quarantined == 1
    db.commit_file(parsed("/s/a.csv", rec(1), size=6, mtime_ns=2))
    assert db.quarantined() == []


def test_commit_aimlabs_stores_records_cursor_and_problems(db: StateDB) -> None:
    read = AimlabsRead(
        db_path="/g/klutch.bytes",
        cursor_json='{"last_id": 7}',
        records=(rec(1, "aimlabs"), rec(2, "aimlabs")),
        problems=(Quarantined("klutch.bytes#TaskData/5", "bad performance JSON"),),
    )
    assert db.commit_aimlabs(read) == [rec(1, "aimlabs"), rec(2, "aimlabs")]
    assert db.get_cursor(aimlabs_cursor_name("/g/klutch.bytes")) == '{"last_id": 7}'
    assert db.quarantined() == [Quarantined("klutch.bytes#TaskData/5", "bad performance JSON")]
    again = AimlabsRead("/g/klutch.bytes", '{"last_id": 9}', records=(rec(2, "aimlabs"),))
    assert db.commit_aimlabs(again) == []
    assert db.get_cursor("aimlabs:/g/klutch.bytes") == '{"last_id": 9}'
    assert db.get_cursor("aimlabs:/other") is None


def test_commit_dispatches_on_the_result_type(db: StateDB) -> None:
    assert db.commit(parsed("/s/a.csv", rec(1))) == [rec(1)]
    assert db.commit(AimlabsRead("/g/k", "{}", records=(rec(2, "aimlabs"),))) == [rec(2, "aimlabs")]


# ---- checkpoints at scale -------------------------------------------------------------------


def _bulk_checkpoints(db: StateDB, n: int) -> list[str]:
    # Seeded with one raw transaction: 100,000 commit_file calls would fsync 100,000 times.
    paths = [f"C:\\Games\\FPSAimTrainer\\stats\\Scenario {i:06d} - Challenge.csv" for i in range(n)]
    conn = sqlite3.connect(db.path, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO checkpoints VALUES (?, ?, ?, 'ok', NULL, 0)",
        [(p, i, i * 10) for i, p in enumerate(paths)],
    )
    conn.execute("COMMIT")
    conn.close()
    return paths


def test_checkpoints_for_crosses_lookup_chunks(db: StateDB) -> None:
    paths = _bulk_checkpoints(db, 1_200)
    asked = [*paths[::2], "/not/there.csv"]
    found = db.checkpoints_for(asked)
    assert len(found) == 600
    assert found[paths[1000]] == Checkpoint(1000, 10_000, "ok")
    assert "/not/there.csv" not in found


def test_a_100k_file_scan_in_chunks_keeps_memory_small(db: StateDB) -> None:
    paths = _bulk_checkpoints(db, 100_000)
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        seen = 0
        for start in range(0, len(paths), 1_000):
            seen += len(db.checkpoints_for(paths[start : start + 1_000]))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == 100_000
    # One dict of all 100,000 costs ~33 MB; a chunk of 1,000 stays well under 2 MB.
    assert peak - base < 2_000_000


# ---- batches --------------------------------------------------------------------------------


def test_unbatched_rebuilds_records_oldest_first(db: StateDB) -> None:
    db.commit_file(parsed("/s/a.csv", rec(3), rec(1), rec(2, "aimlabs")))
    got = db.unbatched("kovaaks", 10)
    assert got == [rec(3), rec(1)]
    assert [r.source_key for r in got] == ["src:3", "src:1"]
    assert db.unbatched("kovaaks", 1) == [rec(3)]
    assert db.unbatched("aimlabs", 10) == [rec(2, "aimlabs")]


def test_create_batch_persists_the_exact_body_and_claims_members(tmp_path: Path) -> None:
    records = [rec(1), rec(2), rec(3)]
    with StateDB.open(tmp_path) as db:
        db.commit_file(parsed("/s/a.csv", *records))
        batch = db.create_batch("kovaaks", "k-1", [r.digest for r in records])
        assert batch is not None
        assert batch.body == join_batch([encode_record(r) for r in records])
        assert json.loads(batch.body) == [r.to_json() for r in records]
        assert db.unbatched("kovaaks", 10) == []
        assert db.counts().batched == 3
    with StateDB.open(tmp_path) as db:
        (again,) = db.pending_batches()
    assert again == batch


def test_create_batch_skips_what_is_already_claimed_unknown_or_of_another_provider(
    db: StateDB,
) -> None:
    db.commit_file(parsed("/s/a.csv", rec(1), rec(2), rec(3, "aimlabs")))
    first = db.create_batch("kovaaks", "k-1", [rec(1).digest])
    assert first is not None
    batch = db.create_batch(
        "kovaaks", "k-2", [rec(1).digest, rec(2).digest, "f" * 64, rec(3, "aimlabs").digest]
    )
    assert batch is not None
    assert batch.digests == (rec(2).digest,)
    assert batch.body == join_batch([encode_record(rec(2))])
    assert db.create_batch("kovaaks", "k-3", [rec(1).digest, rec(2).digest]) is None
    assert [b.key for b in db.pending_batches()] == ["k-1", "k-2"]


def test_note_attempt_counts_and_remembers_the_error(db: StateDB) -> None:
    db.commit_file(parsed("/s/a.csv", rec(1)))
    db.create_batch("kovaaks", "k-1", [rec(1).digest])
    db.note_attempt("k-1", "HTTP 503")
    db.note_attempt("k-1", "HTTP 503")
    (batch,) = db.pending_batches()
    assert batch.attempts == 2


def test_complete_batch_marks_every_member_and_is_idempotent(db: StateDB) -> None:
    db.commit_file(parsed("/s/a.csv", rec(1), rec(2), rec(3)))
    db.create_batch("kovaaks", "k-1", [rec(1).digest, rec(2).digest, rec(3).digest])
    db.complete_batch("k-1", [rec(1).digest, rec(3).digest], [(rec(2).digest, "bad_metric: no")])
    counts = db.counts()
    assert (counts.delivered, counts.rejected, counts.batched, counts.pending_batches) == (
        2,
        1,
        0,
        0,
    )
    (rejected,) = db.rejected_records()
    assert (rejected.digest, rejected.task, rejected.reason) == (
        rec(2).digest,
        "Task 2",
        "bad_metric: no",
    )
    db.complete_batch("k-1", [], [])  # already done: nothing changes
    assert db.counts() == counts
    # A delivered or rejected record is never offered again, even if it is read again.
    assert db.commit_file(parsed("/s/b.csv", rec(1), rec(2))) == []
    assert db.unbatched("kovaaks", 10) == []


def test_complete_batch_must_cover_the_members_exactly(db: StateDB) -> None:
    db.commit_file(parsed("/s/a.csv", rec(1), rec(2)))
    db.create_batch("kovaaks", "k-1", [rec(1).digest, rec(2).digest])
    with pytest.raises(ValueError, match="members"):
        db.complete_batch("k-1", [rec(1).digest], [])
    with pytest.raises(ValueError, match="no batch"):
        db.complete_batch("nope", [], [])
    assert db.counts().batched == 2  # rolled back


def test_split_batch_replaces_a_batch_by_its_parts(db: StateDB) -> None:
    records = [rec(i) for i in range(5)]
    digests = [r.digest for r in records]
    db.commit_file(parsed("/s/a.csv", *records))
    db.create_batch("kovaaks", "k-1", digests)
    left, right = db.split_batch("k-1", [("k-2", digests[:2]), ("k-3", digests[2:])])
    assert left.body == join_batch([encode_record(r) for r in records[:2]])
    assert right.digests == tuple(digests[2:])
    assert right.provider == "kovaaks"
    assert db.pending_batches() == [left, right]
    with pytest.raises(ValueError, match="not pending"):
        db.complete_batch("k-1", digests, [])
    with pytest.raises(ValueError, match="partition"):
        db.split_batch("k-2", [("k-4", digests[:1])])
    db.complete_batch("k-2", digests[:2], [])
    db.complete_batch("k-3", digests[2:], [])
    assert db.counts().delivered == 5


def test_counts_cover_everything(db: StateDB) -> None:
    db.commit_file(parsed("/s/a.csv", rec(1), rec(2), rec(3)))
    db.commit_file(FileParsed("/s/b.csv", 1, 1, "quarantined", reason="bad"))
    db.commit_file(FileParsed("/s/c.csv", 1, 1, "ignored"))
    db.create_batch("kovaaks", "k-1", [rec(1).digest])
    counts = db.counts()
    assert (counts.pending, counts.batched, counts.delivered, counts.rejected) == (2, 1, 0, 0)
    assert (counts.quarantined, counts.files, counts.pending_batches) == (1, 3, 1)
