"""The reader against a real Aim Lab database: shared/samples/aimlab/klutch-2023-12.bytes.

Skipped when ``../shared`` is not beside the repository (a clone elsewhere); the tests in
test_reader.py and test_parse.py cover the same quirks with our own fixtures.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from aimcoach.messages import Record
from aimcoach.sources.aimlabs import AimlabsCursor, RowProblem, read_new

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared"
REAL_DB = SHARED / "samples" / "aimlab" / "klutch-2023-12.bytes"


@pytest.fixture(scope="module")
def real_db() -> Path:
    if not REAL_DB.is_file():
        pytest.skip(f"{REAL_DB} is not here (../shared is only in the workplace)")
    return REAL_DB


def read_all(path: Path, limit: int) -> tuple[list[Record], list[RowProblem], int, AimlabsCursor]:
    """Every batch until an empty one: records, problems, number of calls, final cursor."""
    records: list[Record] = []
    problems: list[RowProblem] = []
    cursor = AimlabsCursor()
    calls = 0
    while True:
        batch = read_new(path, cursor, limit=limit)
        calls += 1
        assert len(batch.records) + len(batch.problems) <= limit
        assert not batch.rescanned
        if not batch.records and not batch.problems:
            return records, problems, calls, batch.cursor
        records += batch.records
        problems += batch.problems
        cursor = batch.cursor


def by_task_id(records: list[Record]) -> dict[int, Record]:
    assert all(r.raw_json is not None for r in records)
    return {int(r.raw_json["taskId"]): r for r in records if r.raw_json is not None}


def test_reads_every_row_with_the_manifest_totals(real_db: Path) -> None:
    records, problems, _, cursor = read_all(real_db, limit=1000)
    # MANIFEST.md: "Row count 394, sum(score) = 1,266,265".
    assert problems == []
    assert len(records) == 394
    assert sum(r.score or 0 for r in records) == 1_266_265
    # Two accounts: counted by hand with `SELECT klutchId, count(*) FROM TaskData GROUP BY 1`
    # in the sqlite3 shell on the sample file.
    accounts = Counter(r.raw_json["klutchId"] for r in records if r.raw_json is not None)
    assert accounts == {"AAAAAAAAAAAAAAAA": 378, "BBBBBBBBBBBBBBBB": 16}
    assert cursor.last_task_id == 394
    assert all(r.provider == "aimlabs" and r.taken_at.endswith("Z") for r in records)


def test_rows_come_in_task_id_order_even_where_dates_go_backwards(real_db: Path) -> None:
    records, _, _, _ = read_all(real_db, limit=1000)
    ids = list(by_task_id(records))
    assert ids == list(range(1, 395))
    # Reference note §4 and the sample file: ids 17..27 were written in descending createDate.
    dates = [by_task_id(records)[i].taken_at for i in range(17, 28)]
    assert dates == sorted(dates, reverse=True)
    assert dates[0] == "2023-05-06T01:56:57Z" and dates[-1] == "2023-05-06T01:19:42Z"


def test_chunks_of_100_return_the_same_runs_once_and_then_nothing(real_db: Path) -> None:
    whole, _, _, _ = read_all(real_db, limit=1000)
    chunked, problems, calls, cursor = read_all(real_db, limit=100)
    assert problems == []
    assert calls == 5  # 100 + 100 + 100 + 94, then the empty batch that says "caught up"
    assert [r.digest for r in chunked] == [r.digest for r in whole]
    assert len({r.digest for r in chunked}) == 394
    assert len({r.source_key for r in chunked}) == 394
    again = read_new(real_db, cursor)
    assert (again.records, again.problems, again.cursor) == ([], [], cursor)


def test_digests_are_stable_across_reads(real_db: Path) -> None:
    first, _, _, _ = read_all(real_db, limit=1000)
    second, _, _, _ = read_all(real_db, limit=1000)
    assert [r.digest for r in first] == [r.digest for r in second]
    assert first == second  # Record equality covers every field but source_key
    assert [r.source_key for r in first] == [r.source_key for r in second]


def test_quirky_rows_have_the_values_in_their_text(real_db: Path) -> None:
    """Expected values computed by hand from the row texts in taskdata_rows_excerpt.txt
    (the same rows are in the sample DB) and from `SELECT * FROM TaskData WHERE taskId = …`."""
    rows = by_task_id(read_all(real_db, limit=1000)[0])

    r4 = rows[4]  # SparData; rtB5..rtB7 are the string "0"
    assert (r4.task, r4.mode, r4.map, r4.score) == ("fsareflexshot", "1", "0", 32331)
    assert r4.taken_at == "2023-05-05T02:39:21Z"
    assert r4.source_key == "aimlabs:BBBBBBBBBBBBBBBB:7186a082-8da8-4acb-acdd-e41a6f168dbe"
    assert r4.metrics["shots"] == 28 and r4.metrics["kills"] == 16
    assert r4.metrics["accuracy"] == 0.571429  # accTotal 57.14286 / 100, rounded to 6 places
    assert r4.metrics["reaction_time_ms_bin_5"] == 0  # "0"
    assert r4.metrics["reaction_time_ms_bin_0"] == 407.696877  # 407.69687747955322
    assert r4.metrics["duration_s"] == 30  # 02:39:21 - 02:38:51

    r16 = rows[16]  # playId NULL, startedAt = endedAt = 0001-01-01 00:00:00
    assert r16.source_key == "aimlabs:BBBBBBBBBBBBBBBB:task-16"
    assert "duration_s" not in r16.metrics
    assert r16.score == 39051

    r17 = rows[17]  # pretty-printed JSON, odd version string
    assert r17.metrics["hits"] == 93 and r17.metrics["shots"] == 101
    assert r17.metrics["accuracy"] == 0.920792  # 92.07921 / 100
    assert r17.raw_json is not None and r17.raw_json["aimlab_version"] == "aimlab vv0.99.0-5622"
    assert r17.raw_json["performance"]["accTotal"] == 92.07921  # the original stays for audit

    r45 = rows[45]  # counts written as floats, playId/startedAt/endedAt NULL
    assert r45.metrics["hits"] == 86 and isinstance(r45.metrics["hits"], int)  # "86.0"
    assert r45.source_key == "aimlabs:AAAAAAAAAAAAAAAA:task-45"
    assert "duration_s" not in r45.metrics

    r393 = rows[393]  # an empty play: shotsTotal 0, accTotal 100.0, avgDist -1.0, score 0
    assert r393.metrics["shots"] == 0 and r393.score == 0
    assert "accuracy" not in r393.metrics and "avg_distance" not in r393.metrics
    assert r393.metrics["duration_s"] == 61  # 14:35:10 - 14:34:09
