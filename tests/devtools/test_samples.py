"""The seeded sample generator behind the demo, the benchmarks and the soak."""

from __future__ import annotations

import os
import random
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from aimcoach.devtools.samples import make_aimlab_db, random_kovaaks_run, write_kovaaks_files
from aimcoach.sources.aimlabs import AimlabsCursor, read_new
from aimcoach.sources.kovaaks import parse_stats_file


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    a = write_kovaaks_files(tmp_path / "a", 20, seed=5)
    b = write_kovaaks_files(tmp_path / "b", 20, seed=5)
    assert a == b
    for run in a:
        assert (tmp_path / "a" / run.file_name).read_bytes() == (
            tmp_path / "b" / run.file_name
        ).read_bytes()


def test_mtime_is_the_run_end_or_the_time_of_writing(tmp_path: Path) -> None:
    (old,) = write_kovaaks_files(tmp_path / "old", 1, seed=1)
    assert os.stat(tmp_path / "old" / old.file_name).st_mtime == old.end.timestamp()
    before = time.time()
    (new,) = write_kovaaks_files(tmp_path / "new", 1, seed=1, mtime="now")
    assert os.stat(tmp_path / "new" / new.file_name).st_mtime >= before - 1


def test_random_runs_cover_versions_kills_and_both_kinds_and_all_parse() -> None:
    rng = random.Random(3)
    utc = ZoneInfo("UTC")
    versions, kills, tracking = set(), set(), set()
    for i in range(300):
        data, run = random_kovaaks_run(rng, datetime(2025, 1, 1, 12, 0, i % 60))
        record = parse_stats_file(data, run.file_name, utc)
        assert record.task == run.scenario
        versions.add(run.version.split(".")[0] + "." + run.version.split(".")[1])
        kills.add(run.kills)
        tracking.add(b"Track Master 100" in data)  # the generator's tracking weapon
    assert versions == {"2.0", "3.5", "3.9"}
    assert min(kills) == 0 and max(kills) > 150 and max(kills) <= 200
    assert tracking == {True, False}


def test_aim_lab_rows_extend_and_read_back(tmp_path: Path) -> None:
    db = tmp_path / "klutch.bytes"
    make_aimlab_db(db, 30, seed=2)
    make_aimlab_db(db, 20, seed=2, first_id=31)
    batch = read_new(str(db), AimlabsCursor(), limit=100)
    assert not batch.problems
    assert len(batch.records) == 50
    assert len({r.digest for r in batch.records}) == 50
