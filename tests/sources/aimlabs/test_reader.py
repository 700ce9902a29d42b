"""read_new against real SQLite files built in tmp_path (see conftest.py)."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import pytest

from aimcoach import errors
from aimcoach.i18n import CATALOG
from aimcoach.messages import Record
from aimcoach.sources import aimlabs
from aimcoach.sources.aimlabs import (
    AimlabsBatch,
    AimlabsBusyError,
    AimlabsCursor,
    AimlabsError,
    read_new,
)
from aimcoach.sources.aimlabs._reader import _sqlite_uri

MakeDb = Callable[..., Path]
MakeRow = Callable[..., dict[str, Any]]
InsertRows = Callable[[Path, Iterable[Mapping[str, Any]]], None]


def no_sleep(_: float) -> None:
    raise AssertionError("read_new slept although nothing was locked")


def read(
    path: str | os.PathLike[str], cursor: AimlabsCursor | None = None, **kwargs: Any
) -> AimlabsBatch:
    kwargs.setdefault("sleep", no_sleep)
    return read_new(path, cursor or AimlabsCursor(), **kwargs)


def ids(batch: AimlabsBatch) -> list[int]:
    return [int(r.raw_json["taskId"]) for r in batch.records if r.raw_json is not None]


def by_id(records: list[Record]) -> dict[int, Record]:
    return {int(r.raw_json["taskId"]): r for r in records if r.raw_json is not None}


# ---- schemas and the quirky real rows ----------------------------------------------------


def test_reads_the_real_rows_in_the_2023_schema(
    make_db: MakeDb, sample_rows: list[dict[str, Any]]
) -> None:
    batch = read(make_db(sample_rows))
    assert batch.problems == []
    assert ids(batch) == [4, 16, 17, 45, 50, 1446, 1509, 1700, 1850, 1899]
    assert batch.cursor.last_task_id == 1899
    rows = by_id(batch.records)
    # Expected values computed by hand from the row texts in fixtures/taskdata_rows.json.
    r1509 = rows[1509]  # negative score
    assert r1509.score == -295
    assert r1509.metrics["accuracy"] == 0.666667  # accTotal 66.66667 / 100
    assert r1509.metrics["duration_s"] == 60  # 10:41:11 - 10:40:11
    assert r1509.raw_json is not None and r1509.raw_json["workshopId"] == "0"
    r1850 = rows[1850]  # tracking: shots are samples, bodyshots > kills
    assert {k: r1850.metrics[k] for k in ("shots", "hits", "kills", "bodyshots")} == {
        "shots": 6000,
        "hits": 1328,
        "kills": 53,
        "bodyshots": 1339,
    }
    assert r1850.metrics["accuracy"] == 0.221407  # 22.1407127 / 100
    assert r1850.metrics["duration_s"] == 61  # 19:54:28 - 19:53:27
    r50 = rows[50]  # SparData with a ValueMap list: a list is not a metric
    assert r50.metrics["kills_per_s"] == 1.869581  # 1.86958146
    assert not any("value_map" in k for k in r50.metrics)
    assert r50.raw_json is not None and r50.raw_json["performance"]["ValueMap"][0] == "accTotal"
    r1899 = rows[1899]
    assert (r1899.task, r1899.mode, r1899.map) == (
        "CsLevel.VT Empyrean.VT Multi.R8S3PL",
        "42",
        "42",
    )
    assert r1899.taken_at == "2024-01-27T22:19:02Z"
    assert r1899.source_key == "aimlabs:AAAAAAAAAAAAAAAA:4f2a1b52-3a04-49b4-89d3-def52e48112e"


def test_reads_the_2025_schema_with_app_id(make_db: MakeDb, make_row: MakeRow) -> None:
    path = make_db([make_row(1, appId="aimlab-steam"), make_row(2)], schema="2025")
    batch = read(path)
    assert [r.raw_json["appId"] if r.raw_json else "" for r in batch.records] == [
        "aimlab-steam",
        None,
    ]
    assert set(batch.records[0].raw_json or {}) == set(aimlabs.COLUMNS_2025)


def test_same_run_gives_the_same_digest_in_either_schema(
    make_db: MakeDb, sample_rows: list[dict[str, Any]]
) -> None:
    old = read(make_db(sample_rows, name="old.bytes"))
    new = read(make_db(sample_rows, name="new.bytes", schema="2025"))
    assert [r.digest for r in old.records] == [r.digest for r in new.records]


def test_only_task_id_task_name_and_create_date_are_required(make_db: MakeDb) -> None:
    ddl = 'CREATE TABLE TaskData("taskId" integer primary key, "taskName" text, "createDate" text)'
    path = make_db([{"taskName": "gridshot", "createDate": "2024-02-03 04:05:06"}], schema=ddl)
    [record] = read(path).records
    assert (record.task, record.taken_at, record.metrics) == (
        "gridshot",
        "2024-02-03T04:05:06Z",
        {},
    )
    assert record.mode is None and record.map is None and record.score is None
    assert record.raw_json == {
        "taskId": 1,
        "taskName": "gridshot",
        "createDate": "2024-02-03 04:05:06",
        "klutchId": None,
    }


def test_column_names_match_in_any_case(make_db: MakeDb) -> None:
    ddl = 'CREATE TABLE taskdata("TASKID" integer primary key, "TaskName" text, "createdate" text)'
    path = make_db([{"TaskName": "gridshot", "createdate": "2024-02-03 04:05:06"}], schema=ddl)
    [record] = read(path).records
    assert record.task == "gridshot"
    assert record.raw_json is not None and record.raw_json["taskId"] == 1


@pytest.mark.parametrize("column", ["taskId", "taskName", "createDate"])
def test_a_missing_required_column_is_an_error(make_db: MakeDb, column: str) -> None:
    columns = [c for c in ("taskId", "taskName", "createDate", "score") if c != column]
    path = make_db(schema=f"CREATE TABLE TaskData({', '.join(columns)})")
    with pytest.raises(AimlabsError) as info:
        read(path)
    assert (info.value.key, info.value.params["column"]) == ("aimlabs.missing_column", column)


def test_a_database_without_task_data_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "klutch.bytes"
    conn = sqlite3.connect(path)
    conn.execute('CREATE TABLE "SavedResult"("Id" integer primary key, "Json" varchar(140))')
    conn.close()
    with pytest.raises(AimlabsError) as info:
        read(path)
    assert info.value.key == "aimlabs.no_taskdata"
    assert str(path) in str(info.value)


def test_a_view_named_task_data_is_not_the_table(make_db: MakeDb) -> None:
    path = make_db(schema="CREATE VIEW TaskData AS SELECT 1 AS taskId, 'x' AS taskName")
    with pytest.raises(AimlabsError) as info:
        read(path)
    assert info.value.key == "aimlabs.no_taskdata"


# ---- the cursor ----------------------------------------------------------------------------


def test_cursor_follows_task_id_while_dates_go_backwards(
    make_db: MakeDb, make_row: MakeRow, insert_rows: InsertRows
) -> None:
    # Like ids 17..27 of the real DB: each new row is dated earlier than the one before.
    def dated(task_id: int) -> dict[str, Any]:
        return make_row(task_id, createDate=f"2023-05-06 01:{59 - task_id:02d}:00")

    path = make_db([dated(i) for i in range(1, 6)])
    seen: list[int] = []
    cursor = AimlabsCursor()
    for expected in ([1, 2], [3, 4], [5], []):
        batch = read(path, cursor, limit=2)
        assert ids(batch) == expected
        seen += ids(batch)
        cursor = batch.cursor
    assert seen == [1, 2, 3, 4, 5]
    insert_rows(path, [dated(i) for i in range(6, 9)])  # older still than every row seen
    batch = read(path, cursor)
    assert ids(batch) == [6, 7, 8]
    assert [r.taken_at for r in batch.records] == [
        "2023-05-06T01:53:00Z",
        "2023-05-06T01:52:00Z",
        "2023-05-06T01:51:00Z",
    ]
    assert read(path, batch.cursor).records == []


def test_cursor_survives_json(make_db: MakeDb, make_row: MakeRow) -> None:
    path = make_db([make_row(1), make_row(2)])
    cursor = read(path, limit=1).cursor
    stored = json.loads(json.dumps(cursor.to_json()))
    assert AimlabsCursor.from_json(stored) == cursor
    assert ids(read(path, AimlabsCursor.from_json(stored))) == [2]


@pytest.mark.parametrize(
    "stored",
    [None, [], "x", {}, {"last_task_id": "3"}, {"last_task_id": -1}, {"last_task_id": True}],
)
def test_a_damaged_stored_cursor_is_an_error(stored: Any) -> None:
    with pytest.raises(AimlabsError) as info:
        AimlabsCursor.from_json(stored)
    assert info.value.key == "aimlabs.bad_cursor"


def test_a_replaced_database_is_noticed_and_read_again(
    tmp_path: Path, make_db: MakeDb, make_row: MakeRow
) -> None:
    path = make_db([make_row(i) for i in range(1, 6)])
    cursor = read(path).cursor
    assert cursor.last_task_id == 5
    # An older backup copied over it: fewer rows, so the cursor's row is gone.
    older = make_db([make_row(i, playId=f"old-{i}") for i in range(1, 4)], name="older.bytes")
    shutil.copyfile(older, path)
    batch = read(path, cursor)
    assert batch.rescanned
    assert ids(batch) == [1, 2, 3]
    assert batch.records[0].source_key == "aimlabs:AAAAAAAAAAAAAAAA:old-1"
    follow = read(path, batch.cursor)
    assert (follow.records, follow.rescanned) == ([], False)


def test_a_different_database_with_as_many_rows_is_noticed(
    make_db: MakeDb, make_row: MakeRow
) -> None:
    path = make_db([make_row(i) for i in range(1, 4)])
    cursor = read(path).cursor
    other = make_db(
        [make_row(i, klutchId="BBBBBBBBBBBBBBBB") for i in range(1, 6)], name="other.bytes"
    )
    shutil.copyfile(other, path)
    batch = read(path, cursor)
    assert batch.rescanned and ids(batch) == [1, 2, 3, 4, 5]


def test_a_later_update_of_has_replay_is_not_a_replacement(
    make_db: MakeDb, make_row: MakeRow
) -> None:
    path = make_db([make_row(1, hasReplay=0)])
    cursor = read(path).cursor
    conn = sqlite3.connect(path)
    with conn:
        conn.execute('UPDATE TaskData SET "hasReplay" = 1')
    conn.close()
    batch = read(path, cursor)
    assert (batch.records, batch.rescanned) == ([], False)


def test_an_emptied_database_resets_the_cursor(make_db: MakeDb, make_row: MakeRow) -> None:
    path = make_db([make_row(1)])
    cursor = read(path).cursor
    shutil.copyfile(make_db(name="empty.bytes"), path)
    batch = read(path, cursor)
    assert (batch.records, batch.rescanned, batch.cursor) == ([], True, AimlabsCursor())


def test_limit_must_be_positive(make_db: MakeDb) -> None:
    with pytest.raises(ValueError, match="limit"):
        read(make_db(), limit=0)


# ---- bad rows --------------------------------------------------------------------------------


def test_bad_rows_become_problems_and_the_rest_keeps_flowing(
    make_db: MakeDb, make_row: MakeRow
) -> None:
    path = make_db(
        [
            make_row(1),
            make_row(2, performance='{"shotsTotal": 10, "hitsTotal": '),  # cut off
            make_row(3, performance='{"accTotal": NaN}'),
            make_row(4, taskName=None, playId=None),
            make_row(5, createDate="0001-01-01 00:00:00"),
            make_row(6),
            make_row(7, createDate=None),  # the last row: the cursor must still pass it
        ]
    )
    batch = read(path)
    assert ids(batch) == [1, 6]
    assert [p.source_key for p in batch.problems] == [
        "aimlabs:AAAAAAAAAAAAAAAA:00000000-0000-0000-0000-000000000002",
        "aimlabs:AAAAAAAAAAAAAAAA:00000000-0000-0000-0000-000000000003",
        "aimlabs:AAAAAAAAAAAAAAAA:task-4",
        "aimlabs:AAAAAAAAAAAAAAAA:00000000-0000-0000-0000-000000000005",
        "aimlabs:AAAAAAAAAAAAAAAA:00000000-0000-0000-0000-000000000007",
    ]
    reasons = [p.reason for p in batch.problems]
    assert reasons[0].startswith("Aim Lab run #2: its performance data is not valid JSON")
    assert reasons[1].startswith("Aim Lab run #3: performance.accTotal is nan")
    assert reasons[2].startswith("Aim Lab run #4 has no task name")
    assert reasons[3].startswith("Aim Lab run #5: its end time (createDate) is '0001-01-01")
    assert reasons[4].startswith("Aim Lab run #7: its end time (createDate) is None")
    assert batch.cursor.last_task_id == 7
    assert read(path, batch.cursor).problems == []


def test_invalid_utf8_in_a_row_is_that_rows_problem(make_db: MakeDb, make_row: MakeRow) -> None:
    path = make_db([make_row(1), make_row(2)])
    conn = sqlite3.connect(path)
    with conn:  # bytes stored as TEXT: what a damaged or foreign writer could leave
        conn.execute("UPDATE TaskData SET taskName = CAST(x'ff41' AS TEXT) WHERE taskId = 1")
    conn.close()
    batch = read(path)
    assert ids(batch) == [2]
    assert [p.source_key for p in batch.problems] == [
        "aimlabs:AAAAAAAAAAAAAAAA:00000000-0000-0000-0000-000000000001"
    ]
    assert "taskName" in batch.problems[0].reason and "UTF-8" in batch.problems[0].reason


# ---- files that are not what they should be ------------------------------------------------


def test_a_missing_file_is_an_error_and_no_file_is_created(tmp_path: Path) -> None:
    for path in (tmp_path / "klutch.bytes", tmp_path / "no-such-dir" / "klutch.bytes"):
        with pytest.raises(AimlabsError) as info:
            read(path)
        assert info.value.key == "aimlabs.not_found"
    assert list(tmp_path.iterdir()) == []


def test_a_directory_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(AimlabsError) as info:
        read(tmp_path)
    assert info.value.key == "aimlabs.not_a_file"


@pytest.mark.parametrize(
    "content",
    [
        b"",  # the 0-byte klutch.bytes seen in the wild
        b"SQLite format 3",  # shorter than the header
        b"SQLite format 2\x00" + bytes(4096),
        b'{"taskData": []}\n' * 100,
    ],
)
def test_the_header_is_checked_before_sqlite_opens_the_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "klutch.bytes"
    path.write_bytes(content)
    with pytest.raises(AimlabsError) as info:
        read(path)
    assert info.value.key == "aimlabs.not_sqlite"
    assert path.read_bytes() == content
    assert [p.name for p in tmp_path.iterdir()] == ["klutch.bytes"]


def test_a_damaged_page_keeps_the_rows_before_it(make_db: MakeDb, make_row: MakeRow) -> None:
    filler = "x" * 900  # about four rows per 4 KB page
    path = make_db([make_row(i, weaponSkin=filler) for i in range(1, 41)])
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    # The last page of a freshly filled table is the leaf holding the last rows.
    data[-page_size:] = b"\xff" * page_size
    path.write_bytes(bytes(data))
    batch = read(path)
    assert batch.problems == []
    assert 0 < len(batch.records) < 40
    assert ids(batch) == list(range(1, len(batch.records) + 1))
    with pytest.raises(AimlabsError) as info:
        read(path, batch.cursor)
    assert info.value.key == "aimlabs.corrupt"
    assert "malformed" in str(info.value)


def rewrite_task_id(path: Path, old: int, new: int) -> None:
    """Change one row's key inside TaskData's single leaf page: a b-tree out of order.

    Rows must be small (1-byte payload length) and keys below 128 (1-byte varints).
    """
    conn = sqlite3.connect(path)
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'TaskData'").fetchone()
    conn.close()
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    page = (root - 1) * page_size
    header = page + (100 if root == 1 else 0)
    assert data[header] == 0x0D  # a table leaf
    changed = 0
    for i in range(int.from_bytes(data[header + 3 : header + 5], "big")):
        pointer = header + 8 + 2 * i
        cell = page + int.from_bytes(data[pointer : pointer + 2], "big")
        assert data[cell] < 0x80
        if data[cell + 1] == old:
            data[cell + 1] = new
            changed += 1
    assert changed == 1
    path.write_bytes(bytes(data))


def test_a_key_out_of_order_never_sends_the_cursor_back(make_db: MakeDb) -> None:
    path = make_db([{"taskName": "t", "createDate": "2024-01-01 00:00:00"}] * 10)
    rewrite_task_id(path, 10, 0)  # the last row now claims key 0
    batch = read(path)
    assert ids(batch) == list(range(1, 10))
    assert batch.cursor.last_task_id == 9
    assert read(path, batch.cursor).records == []


def test_a_row_the_key_lookup_cannot_find_is_reported_as_damage(make_db: MakeDb) -> None:
    path = make_db([{"taskName": "t", "createDate": "2024-01-01 00:00:00"}] * 10)
    rewrite_task_id(path, 2, 50)  # keys 1, 50, 3, 4 …: a lookup of 50 misses it
    batch = read(path)
    assert ids(batch) == [1, 50]
    # Without the check, each call would start again at row 1 and never catch up.
    with pytest.raises(AimlabsError) as info:
        read(path, batch.cursor)
    assert info.value.key == "aimlabs.corrupt"


# ---- locks and journal modes -----------------------------------------------------------------


def test_a_locked_database_is_retried_then_reported_busy(
    make_db: MakeDb, make_row: MakeRow
) -> None:
    path = make_db([make_row(1)])
    game = sqlite3.connect(path, isolation_level=None)
    game.execute("BEGIN EXCLUSIVE")  # what the game holds while it commits a run
    slept: list[float] = []
    try:
        with pytest.raises(AimlabsBusyError) as info:
            read_new(path, AimlabsCursor(), busy_timeout_s=0, retries=5, sleep=slept.append)
    finally:
        game.rollback()
        game.close()
    assert slept == [0.05, 0.1, 0.2, 0.4, 0.8]
    assert info.value.key == "aimlabs.busy" and info.value.params["attempts"] == 6
    assert info.value.retryable
    assert isinstance(info.value, errors.SourceBusyError)
    assert isinstance(info.value.__cause__, sqlite3.OperationalError)


def test_a_lock_released_between_retries_lets_the_read_succeed(
    make_db: MakeDb, make_row: MakeRow
) -> None:
    path = make_db([make_row(1), make_row(2)])
    game = sqlite3.connect(path, isolation_level=None)
    game.execute("BEGIN EXCLUSIVE")
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 2:
            game.rollback()  # the game finished its write

    try:
        batch = read_new(path, AimlabsCursor(), busy_timeout_s=0, sleep=sleep)
    finally:
        game.close()
    assert slept == [0.05, 0.1]
    assert ids(batch) == [1, 2]


def test_a_leftover_hot_journal_is_reported_busy_without_retrying(
    tmp_path: Path, make_db: MakeDb, make_row: MakeRow
) -> None:
    path = make_db([make_row(i, weaponSkin="x" * 900) for i in range(1, 30)])
    game = sqlite3.connect(path, isolation_level=None)
    game.execute("PRAGMA cache_size = 1")  # spill to the file, so the journal is hot
    game.execute("BEGIN")
    game.execute("UPDATE TaskData SET weaponSkin = 'y' || weaponSkin")
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    # A copy taken mid-transaction looks like the game crashed while saving.
    shutil.copyfile(path, crashed / "klutch.bytes")
    shutil.copyfile(f"{path}-journal", crashed / "klutch.bytes-journal")
    game.rollback()
    game.close()
    with pytest.raises(AimlabsBusyError) as info:
        read(crashed / "klutch.bytes")
    assert info.value.key == "aimlabs.hot_journal"


def test_reads_a_wal_database_with_uncheckpointed_rows(make_db: MakeDb, make_row: MakeRow) -> None:
    path = make_db([make_row(1)], wal=True)
    assert path.read_bytes()[18:20] == b"\x02\x02"  # WAL in the header
    game = sqlite3.connect(path, isolation_level=None)
    try:
        game.execute("PRAGMA wal_autocheckpoint = 0")
        game.execute(
            "INSERT INTO TaskData (taskName, createDate) VALUES ('gridshot', '2024-03-01 10:00:00')"
        )
        assert Path(f"{path}-wal").stat().st_size > 0  # the new row lives only in the WAL
        game.execute("BEGIN EXCLUSIVE")  # in WAL mode a writer does not block readers
        batch = read(path)
    finally:
        game.rollback()
        game.close()
    assert ids(batch) == [1, 2]
    assert batch.records[1].taken_at == "2024-03-01T10:00:00Z"


# ---- paths -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        (PurePosixPath("/home/p/klutch.bytes"), "file:///home/p/klutch.bytes?mode=ro"),
        (
            PurePosixPath("/home/a b/#1?x%/klutch.bytes"),
            "file:///home/a%20b/%231%3Fx%25/klutch.bytes?mode=ro",
        ),
        (
            PureWindowsPath(r"C:\Users\太郎\AppData\LocalLow\Statespace\aimlab_tb\klutch.bytes"),
            "file:///C:/Users/%E5%A4%AA%E9%83%8E/AppData/LocalLow/Statespace/aimlab_tb/klutch.bytes"
            "?mode=ro",
        ),
        (PureWindowsPath(r"\\nas\games\klutch.bytes"), "file:////nas/games/klutch.bytes?mode=ro"),
    ],
)
def test_the_uri_quotes_every_path(path: PurePosixPath | PureWindowsPath, uri: str) -> None:
    assert _sqlite_uri(path) == uri


def test_reads_through_a_path_with_uri_characters(
    tmp_path: Path, make_db: MakeDb, make_row: MakeRow
) -> None:
    folder = tmp_path / "プレイヤー #1 ?100%"
    folder.mkdir()
    path = folder / "Klutch.bytes"
    shutil.copyfile(make_db([make_row(1)], name="source.bytes"), path)
    assert ids(read(os.fspath(path))) == [1]  # str works as well as Path
    assert [p.name for p in folder.iterdir()] == ["Klutch.bytes"]


# ---- surface and messages --------------------------------------------------------------------


def test_public_surface() -> None:
    assert set(aimlabs.__all__) == {
        "COLUMNS_2023",
        "COLUMNS_2025",
        "SQLITE_HEADER",
        "AimlabsBatch",
        "AimlabsBusyError",
        "AimlabsCursor",
        "AimlabsError",
        "AimlabsRowError",
        "RowProblem",
        "parse_row",
        "read_new",
    }
    assert issubclass(aimlabs.AimlabsError, errors.SourceError)
    assert issubclass(aimlabs.AimlabsRowError, aimlabs.AimlabsError)
    assert issubclass(aimlabs.AimlabsBusyError, errors.SourceBusyError)
    assert not aimlabs.AimlabsError.retryable and aimlabs.AimlabsBusyError.retryable


def test_every_message_key_the_reader_uses_is_in_the_catalog_in_both_languages() -> None:
    source_dir = Path(aimlabs.__file__).parent
    used = {
        key
        for file in source_dir.glob("*.py")
        for key in re.findall(r'"(aimlabs\.[a-z_.]+)"', file.read_text(encoding="utf-8"))
    }
    assert len(used) >= 15
    ours = {key for key in CATALOG if key.startswith("aimlabs.")}
    assert used == ours
    fields = re.compile(r"\{(\w+)")
    for key in ours:
        en, ja = CATALOG[key]
        assert en and ja and set(fields.findall(en)) == set(fields.findall(ja)), key
