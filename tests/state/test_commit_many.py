"""StateDB.commit_many: several parse results in one transaction, all of them or none."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from aimcoach.errors import StateError
from aimcoach.messages import AimlabsRead, FileParsed, ParseResult, Quarantined, Record, make_record
from aimcoach.state import StateDB, aimlabs_cursor_name


def rec(i: int, provider: Any = "kovaaks") -> Record:
    return make_record(
        provider=provider, task=f"Task {i}", taken_at="2024-05-01T12:00:00Z", metrics={"hits": i}
    )


@pytest.fixture
def db(tmp_path: Path) -> Iterator[StateDB]:
    with StateDB.open(tmp_path / "state") as handle:
        yield handle


def test_a_group_gives_each_result_its_new_records_in_order(db: StateDB) -> None:
    group: list[ParseResult] = [
        FileParsed("/s/a.csv", 10, 1, "ok", records=(rec(1),)),
        FileParsed("/s/b.csv", 20, 2, "ok", records=(rec(1), rec(2))),  # rec(1): seen just above
        AimlabsRead("/g/klutch.bytes", '{"id": 7}', records=(rec(3, "aimlabs"),), problems=()),
        FileParsed("/s/c.csv", 5, 3, "quarantined", reason="no header"),
    ]
    assert db.commit_many(group) == [[rec(1)], [rec(2)], [rec(3, "aimlabs")], []]
    assert db.checkpoint("/s/b.csv") == (20, 2, "ok")
    assert db.checkpoint("/s/c.csv") == (5, 3, "quarantined")
    assert db.get_cursor(aimlabs_cursor_name("/g/klutch.bytes")) == '{"id": 7}'
    assert [q.source for q in db.quarantined()] == ["/s/c.csv"]
    assert db.counts().pending == 3
    # The same group again: everything is known, nothing is new.
    assert db.commit_many(group) == [[], [], [], []]


def test_a_group_with_one_bad_result_commits_none_of_it(db: StateDB) -> None:
    bad = FileParsed("/s/bad.csv", 1, 1, cast(Any, "no such outcome"), records=(rec(9),))
    group: list[ParseResult] = [
        FileParsed("/s/a.csv", 10, 1, "ok", records=(rec(1),)),
        AimlabsRead(
            "/g/klutch.bytes",
            '{"id": 2}',
            records=(rec(2, "aimlabs"),),
            problems=(Quarantined("klutch.bytes#2", "bad JSON"),),
        ),
        bad,  # refused by the checkpoints table's CHECK: the whole transaction rolls back
    ]
    with pytest.raises(StateError):
        db.commit_many(group)
    assert db.checkpoint("/s/a.csv") is None
    assert db.get_cursor(aimlabs_cursor_name("/g/klutch.bytes")) is None
    assert db.quarantined() == []
    assert db.counts().pending == 0
    # Nothing was lost: the good results still commit afterwards, as new.
    assert db.commit_many(group[:2]) == [[rec(1)], [rec(2, "aimlabs")]]
