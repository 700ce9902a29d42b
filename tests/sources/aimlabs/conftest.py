"""Real SQLite databases shaped like Aim Lab's ``klutch.bytes``, built in ``tmp_path``.

The DDL is the game's own (shared/reference/aimlab-klutch-bytes.md §3.1: verbatim for the
18-column 2023–24 builds, reconstructed for the 19-column 2025 builds). The quirky rows come from
fixtures/taskdata_rows.json, a copy of real rows, so these tests need no ``../shared``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import pytest

DDL_2023 = """CREATE TABLE "TaskData"(
"taskId" integer primary key autoincrement not null ,
"klutchId" varchar(140) ,
"createDate" datetime ,
"taskName" varchar(140) ,
"score" integer ,
"mode" integer ,
"aimlab_map" integer ,
"aimlab_version" varchar(140) ,
"weaponType" varchar(140) ,
"weaponName" varchar(140) ,
"performanceClass" varchar(140) ,
"workshopId" varchar(140) ,
"performance" varchar(140) ,
"playId" varchar(140) ,
"startedAt" datetime ,
"endedAt" datetime ,
"hasReplay" integer ,
"weaponSkin" varchar(140) )"""

DDL_2025 = DDL_2023[: DDL_2023.rindex(")")] + ',\n"appId" text )'

Schema = Literal["2023", "2025"]
FIXTURES = Path(__file__).parent / "fixtures"


def create_db(
    path: Path,
    rows: Iterable[Mapping[str, Any]] = (),
    *,
    schema: Schema | str = "2023",
    wal: bool = False,
    page_size: int | None = None,
) -> Path:
    """A database at ``path`` with TaskData (``schema`` "2023", "2025" or a DDL) and ``rows``."""
    ddl = {"2023": DDL_2023, "2025": DDL_2025}.get(schema, schema)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        if page_size is not None:
            conn.execute(f"PRAGMA page_size = {page_size}")
        conn.execute("PRAGMA journal_mode = " + ("wal" if wal else "delete"))
        conn.execute(ddl)
    finally:
        conn.close()
    add_rows(path, rows)
    return path


def add_rows(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (column -> value; absent columns stay NULL) in one transaction."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            for row in rows:
                names = ", ".join(f'"{name}"' for name in row)
                marks = ", ".join("?" for _ in row)
                conn.execute(
                    f'INSERT INTO "TaskData" ({names}) VALUES ({marks})', list(row.values())
                )
    finally:
        conn.close()


def load_sample_rows() -> list[dict[str, Any]]:
    data = json.loads((FIXTURES / "taskdata_rows.json").read_text(encoding="utf-8"))
    rows: list[dict[str, Any]] = data["rows"]
    return rows


MakeDb = Callable[..., Path]


@pytest.fixture
def sample_rows() -> list[dict[str, Any]]:
    """The 10 real rows of fixtures/taskdata_rows.json (taskId 4, 16, 17, 45, 50, 1446 …)."""
    return load_sample_rows()


@pytest.fixture
def make_db(tmp_path: Path) -> MakeDb:
    """``make_db(rows, schema=..., wal=..., name=...)`` -> the path of a new database."""

    def make(
        rows: Iterable[Mapping[str, Any]] = (),
        *,
        name: str = "klutch.bytes",
        schema: Schema | str = "2023",
        wal: bool = False,
    ) -> Path:
        return create_db(tmp_path / name, rows, schema=schema, wal=wal)

    return make


def row(task_id: int, **values: Any) -> dict[str, Any]:
    """A plausible CSTask row; ``values`` override or add columns."""
    base: dict[str, Any] = {
        "taskId": task_id,
        "klutchId": "AAAAAAAAAAAAAAAA",
        "createDate": f"2024-01-01 00:{task_id // 60 % 60:02d}:{task_id % 60:02d}",
        "taskName": "CsLevel.VT Empyrean.VT Waves.R8S37J",
        "score": 100 + task_id,
        "mode": 42,
        "aimlab_map": 42,
        "aimlab_version": "v1.13",
        "performanceClass": "CSTask",
        "performance": json.dumps(
            {"shotsTotal": 10, "hitsTotal": 5.0, "killTotal": 5, "accTotal": 50.0}
        ),
        "playId": f"00000000-0000-0000-0000-{task_id:012d}",
    }
    base.update(values)
    return base


@pytest.fixture
def make_row() -> Callable[..., dict[str, Any]]:
    return row


@pytest.fixture
def insert_rows() -> Callable[[Path, Iterable[Mapping[str, Any]]], None]:
    """``insert_rows(path, rows)``: more rows into a database ``make_db`` built."""
    return add_rows


@pytest.fixture(scope="session")
def small_db_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a small real database (the 10 sample rows, 512-byte pages), for mutation."""
    path = tmp_path_factory.mktemp("small") / "klutch.bytes"
    create_db(path, load_sample_rows(), page_size=512)
    return path.read_bytes()
