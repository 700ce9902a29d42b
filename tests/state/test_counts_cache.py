"""StateDB.counts answers again from memory only while nothing was written, by anyone."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from aimcoach.messages import FileParsed, make_record
from aimcoach.state import STATE_FILENAME, StateDB


def test_counts_follow_writes_of_this_connection_and_of_another(tmp_path: Path) -> None:
    with StateDB.open(tmp_path) as db:
        assert db.counts().pending == 0
        record = make_record(
            provider="kovaaks", task="T", taken_at="2024-05-01T12:00:00Z", metrics={"hits": 1}
        )
        db.commit_file(FileParsed("/s/a.csv", 1, 1, "ok", records=(record,)))
        first = db.counts()
        assert (first.pending, first.files, first.quarantined) == (1, 1, 0)
        assert db.counts() == first  # nothing written since
        # Another connection (another process would be the same) writes: seen at once.
        other = sqlite3.connect(tmp_path / STATE_FILENAME, isolation_level=None)
        try:
            other.execute(
                "INSERT INTO quarantine (source, reason, at) VALUES ('/s/b.csv', 'broken', 0)"
            )
        finally:
            other.close()
        assert db.counts().quarantined == 1
        db.create_batch("kovaaks", "k-1", [record.digest])
        assert (db.counts().pending, db.counts().batched) == (0, 1)
