"""StateDB.encoded_size: a record's bytes in a batch body, remembered from the commit that
stored it, so the sender need not encode it again; always the same answer as encoding it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aimcoach.messages import AimlabsRead, FileParsed, ParseResult, Record, make_record
from aimcoach.state import StateDB, encode_record
from aimcoach.state import _db as db_module


def rec(i: int, *, task: str = "Task") -> Record:
    return make_record(
        provider="kovaaks",
        task=f"{task} {i}",
        taken_at="2024-05-01T12:00:00Z",
        metrics={"hits": i, "accuracy": i / 7},
    )


@pytest.fixture
def db(tmp_path: Path) -> Iterator[StateDB]:
    with StateDB.open(tmp_path / "state") as handle:
        yield handle


def test_the_size_is_the_body_the_batch_is_made_of(db: StateDB) -> None:
    wide = rec(2, task="Ｗｉｄｅ 1wall 6targets 日本語")  # non-ASCII: bytes, not characters
    group: list[ParseResult] = [
        FileParsed("/s/a.csv", 10, 1, "ok", records=(rec(1),)),
        AimlabsRead("/g/klutch.bytes", '{"id": 1}', records=(wide,), problems=()),
    ]
    [[first], [second]] = db.commit_many(group)
    assert set(db._sizes) == {first.digest, second.digest}  # remembered by the commit
    assert db.encoded_size(first) == len(encode_record(first))
    assert db.encoded_size(second) == len(encode_record(second)) > len(second.task) + 60
    assert db._sizes == {}  # each asked once, by the sender
    batch = db.create_batch("kovaaks", "key-1", [first.digest])
    assert batch is not None
    assert len(batch.body) == db.encoded_size(first) + 2  # "[" + the one record + "]"


def test_a_record_this_object_did_not_commit_is_measured_by_encoding_it(db: StateDB) -> None:
    known = rec(1)
    db.commit_file(FileParsed("/s/a.csv", 10, 1, "ok", records=(known,)))
    assert db.encoded_size(known) == len(encode_record(known))
    assert db.encoded_size(known) == len(encode_record(known))  # asked twice: the same
    stranger = rec(99)
    assert db.encoded_size(stranger) == len(encode_record(stranger))


def test_what_nobody_asks_for_is_not_kept_without_bound(
    db: StateDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_module, "_SIZES_MAX", 10)
    for n in range(30):
        db.commit_file(FileParsed(f"/s/{n}.csv", 10, n, "ok", records=(rec(n),)))
    assert len(db._sizes) <= 11
    # Already known records are not new, and are not remembered again.
    before = len(db._sizes)
    db.commit_file(FileParsed("/s/again.csv", 10, 1, "ok", records=(rec(29),)))
    assert len(db._sizes) == before
