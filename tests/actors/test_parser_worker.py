"""Parser workers on real stats files and real SQLite databases in tmp_path.

Time-based behaviour (read retries, busy-database backoff) runs on a MockClock, with the
workers' blocking calls made inline; the other tests use worker threads.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, closing
from datetime import UTC, tzinfo
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
import trio
import trio.testing

from aimcoach.actors.parser_worker import (
    AimlabsReadGate,
    WorkerConfig,
    WorkerStats,
    parser_worker,
)
from aimcoach.i18n import t
from aimcoach.messages import (
    AimlabsChanged,
    AimlabsRead,
    FileParsed,
    ParseResult,
    Record,
    StatsFileReady,
)
from aimcoach.sources.kovaaks import KovaaksParseError, parse_stats_file

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = Path(__file__).parents[3] / "shared" / "samples"
CLOSE_LONG = "Close Long Strafes Invincible - Challenge - 2019.10.21-12.31.26 Stats.csv"

# 2023-24 TaskData DDL, verbatim from shared/reference/aimlab-klutch-bytes.md §3.1.
TASKDATA_DDL = """CREATE TABLE "TaskData"(
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

Item = StatsFileReady | AimlabsChanged
Msg = FileParsed | AimlabsRead


_T = TypeVar("_T")


async def inline(fn: Callable[..., _T], /, *args: Any) -> _T:
    """A RunSync that makes the blocking call right here, on the event loop: virtual time
    cannot leap ahead while it runs, as it would while a worker thread does."""
    await trio.lowlevel.checkpoint()
    return fn(*args)


async def until(predicate: Callable[[], bool]) -> None:
    """Wait for the workers to update their counters (plain fields, with no event)."""
    while not predicate():  # noqa: ASYNC110 - nothing to wait on but the counters themselves
        await trio.sleep(0.1)


def ready(path: Path) -> StatsFileReady:
    st = path.stat()
    return StatsFileReady(str(path), st.st_size, st.st_mtime_ns)


class Cursors:
    """The state database's cursor table: what the deduper committed, read by ``get_cursor``."""

    def __init__(self) -> None:
        self.stored: dict[str, str] = {}

    async def get(self, name: str) -> str | None:
        await trio.lowlevel.checkpoint()
        return self.stored.get(name)

    def commit(self, read: AimlabsRead) -> None:
        self.stored[f"aimlabs:{read.db_path}"] = read.cursor_json


class Pipeline:
    """N workers between a test-held send channel and a test-held receive channel."""

    def __init__(
        self,
        send: trio.MemorySendChannel[Item],
        receive: trio.MemoryReceiveChannel[ParseResult],
        stats: WorkerStats,
        cursors: Cursors,
    ) -> None:
        self.send = send
        self.receive = receive
        self.stats = stats
        self.cursors = cursors

    async def result(self) -> Msg:
        """The next result; Aim Lab cursors are committed as the deduper would."""
        msg = await self.receive.receive()
        if isinstance(msg, AimlabsRead):
            self.cursors.commit(msg)
        return msg

    async def file(self, msg: StatsFileReady) -> FileParsed:
        await self.send.send(msg)
        result = await self.result()
        assert isinstance(result, FileParsed)
        return result

    async def drain(self) -> list[AimlabsRead]:
        """Every AimlabsRead until the one worker has handled all that was sent before.

        A marker (a name that is not a stats file) follows in the same queue; one worker takes
        messages in order, so its "ignored" verdict comes after everything sent earlier.
        """
        marker = StatsFileReady("queue-marker.txt", 0, 0)
        reads: list[AimlabsRead] = []
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self.send.send, marker)
            while True:
                msg = await self.result()
                if isinstance(msg, FileParsed) and msg.path == marker.path:
                    return reads
                assert isinstance(msg, AimlabsRead)
                reads.append(msg)

    async def reads_until_quiet(self, seconds: float = 30) -> list[AimlabsRead]:
        """Every AimlabsRead until none came for ``seconds`` (for a virtual clock only)."""
        reads: list[AimlabsRead] = []
        while True:
            with trio.move_on_after(seconds):
                msg = await self.result()
                assert isinstance(msg, AimlabsRead)
                reads.append(msg)
                continue
            return reads


@asynccontextmanager
async def pipeline(
    workers: int = 1,
    *,
    tz: tzinfo = UTC,
    chunk: int = 1000,
    config: WorkerConfig = WorkerConfig(),  # noqa: B008 - frozen
    virtual_time: bool = False,
) -> AsyncIterator[Pipeline]:
    """Workers in threads, or, for tests on a virtual clock, making their calls inline."""
    send_items, receive_items = trio.open_memory_channel[Item](0)
    send_results, receive_results = trio.open_memory_channel[ParseResult](0)
    stats = WorkerStats()
    cursors = Cursors()
    gate = AimlabsReadGate()
    async with trio.open_nursery() as nursery, send_items, receive_results:
        async with receive_items, send_results:
            for _ in range(workers):
                nursery.start_soon(
                    partial(
                        parser_worker,
                        receive_items.clone(),
                        send_results.clone(),
                        tz=tz,
                        get_cursor=cursors.get,
                        stats=stats,
                        aimlabs_gate=gate,
                        aimlabs_chunk=chunk,
                        config=config,
                        run_sync=inline if virtual_time else None,
                    )
                )
        yield Pipeline(send_items, receive_results, stats, cursors)
        nursery.cancel_scope.cancel()


# -- KovaaK's -----------------------------------------------------------------------------------


async def test_fixture_file_becomes_one_record(tmp_path: Path) -> None:
    path = tmp_path / CLOSE_LONG
    shutil.copy(FIXTURES / CLOSE_LONG, path)
    msg = ready(path)
    with trio.fail_after(30):
        async with pipeline(tz=ZoneInfo("Asia/Tokyo")) as p:
            result = await p.file(msg)
    assert (result.path, result.size, result.mtime_ns) == (msg.path, msg.size, msg.mtime_ns)
    assert result.outcome == "ok" and result.reason is None
    (record,) = result.records
    # By hand from the file (a copy of shared sample #1): "Score:,792.0", weapon row
    # "LG,856,44,264.0,5136.0", "Kills:,0"; the name's 2019-10-21 12:31:26 in Tokyo (UTC+9).
    assert record.provider == "kovaaks"
    assert record.task == "Close Long Strafes Invincible"
    assert record.mode == "Challenge"
    assert record.taken_at == "2019-10-21T03:31:26Z"
    assert record.score == 792.0
    assert (record.metrics["shots"], record.metrics["hits"], record.metrics["kills"]) == (
        856,
        44,
        0,
    )
    assert record.source_key == str(path)
    assert record == parse_stats_file(path.read_bytes(), CLOSE_LONG, ZoneInfo("Asia/Tokyo"))


@pytest.mark.skipif(not (SAMPLES / "kovaaks").is_dir(), reason="no shared/samples here")
async def test_every_real_sample_is_parsed_or_ignored(tmp_path: Path) -> None:
    results: dict[str, FileParsed] = {}
    with trio.fail_after(60):
        async with pipeline(workers=3) as p:
            samples = sorted((SAMPLES / "kovaaks").glob("*.csv"))
            async with trio.open_nursery() as nursery:
                for sample in samples:
                    nursery.start_soon(p.send.send, ready(sample))
                for _ in samples:
                    result = await p.result()
                    assert isinstance(result, FileParsed)
                    results[Path(result.path).name] = result
    outcomes = {name: r.outcome for name, r in results.items()}
    # The two files their uploaders renamed carry no stats file name (MANIFEST.md #11, #12).
    assert outcomes.pop("bounceshot.csv") == "ignored"
    assert outcomes.pop("1wall6targets TE.csv") == "ignored"
    assert set(outcomes.values()) == {"ok"} and len(outcomes) == 14
    (tile,) = results["Tile Frenzy - Challenge - 2020.06.28-12.53.46 Stats.csv"].records
    # By hand in shared/samples/kovaaks/MANIFEST.md, row 2: score 72.301071, 82 kills,
    # 93 shots, 82 hits; taken at 12:53:46 local, read here as UTC.
    assert tile.score == 72.301071
    assert (tile.metrics["kills"], tile.metrics["shots"], tile.metrics["hits"]) == (82, 93, 82)
    assert tile.taken_at == "2020-06-28T12:53:46Z"


async def test_broken_file_is_quarantined_with_the_readers_reason(tmp_path: Path) -> None:
    path = tmp_path / "Broken - Challenge - 2024.01.01-00.00.00 Stats.csv"
    path.write_bytes(b"Weapon,Shots\r\nthis is not what KovaaK's writes\r\n")
    with pytest.raises(KovaaksParseError) as expected:
        parse_stats_file(path.read_bytes(), path.name, UTC)
    with trio.fail_after(30):
        async with pipeline() as p:
            result = await p.file(ready(path))
    assert result.outcome == "quarantined"
    assert result.reason == str(expected.value)
    assert result.records == ()
    assert p.stats.quarantined == 1 and p.stats.last_error == result.reason


async def test_name_that_is_not_a_stats_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bounceshot.csv"
    shutil.copy(FIXTURES / CLOSE_LONG, path)
    with trio.fail_after(30):
        async with pipeline() as p:
            result = await p.file(ready(path))
    assert (result.outcome, result.records, result.reason) == ("ignored", (), None)


async def test_file_changed_since_the_watcher_saw_it_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / CLOSE_LONG
    shutil.copy(FIXTURES / CLOSE_LONG, path)
    stale = ready(path)
    with path.open("ab") as fh:
        fh.write(b"the game was still writing\r\n")
    other = tmp_path / ("Other" + CLOSE_LONG[len("Close") :])
    shutil.copy(FIXTURES / CLOSE_LONG, other)
    with trio.fail_after(30):
        async with pipeline() as p:
            await p.send.send(stale)
            # Nothing comes back for the stale message: the next result is the next file's.
            result = await p.file(ready(other))
    assert result.path == str(other) and result.outcome == "ok"
    assert p.stats.changed_while_reading == 1


async def test_file_that_vanished_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / CLOSE_LONG
    shutil.copy(FIXTURES / CLOSE_LONG, path)
    gone = ready(path)
    path.unlink()
    shutil.copy(FIXTURES / CLOSE_LONG, tmp_path / ("x" + CLOSE_LONG))
    with trio.fail_after(30):
        async with pipeline() as p:
            await p.send.send(gone)
            result = await p.file(ready(tmp_path / ("x" + CLOSE_LONG)))
    assert result.path != gone.path
    assert p.stats.vanished == 1


async def test_unreadable_file_is_retried_then_quarantined(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    # A folder with a stats file's name: open() fails with an OSError that is not "not found",
    # as a file locked by another program or denied to this user does (and root cannot bypass).
    path = tmp_path / CLOSE_LONG
    path.mkdir()
    config = WorkerConfig(read_attempts=3, read_backoff_s=0.5)
    with trio.fail_after(30):
        async with pipeline(config=config, virtual_time=True) as p:
            start = trio.current_time()
            result = await p.file(ready(path))
            waited = trio.current_time() - start
    assert result.outcome == "quarantined"
    assert result.reason is not None
    assert result.reason.startswith(
        t("worker.read_failed", path=str(path), error="@").split("@")[0]
    )
    assert p.stats.read_retries == 2
    assert waited >= 0.5 + 1.0


@pytest.mark.parametrize(
    ("error", "shown"),
    [(ZeroDivisionError("boom"), "ZeroDivisionError: boom"), (PermissionError(13, "no"), "no")],
)
async def test_a_parser_bug_costs_one_file_and_is_never_taken_for_a_failed_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception, shown: str
) -> None:
    # The read and the parse share one thread hand-off: an exception from the parser, even an
    # OSError, must quarantine that file at once (no read retries), and the next file flows.
    real = parse_stats_file

    def buggy(data: bytes, name: str, tz: tzinfo, *, source_key: str = "") -> Record:
        if name.startswith("bug "):
            raise error
        return real(data, name, tz, source_key=source_key)

    monkeypatch.setattr("aimcoach.actors.parser_worker.parse_stats_file", buggy)
    bad, good = tmp_path / ("bug " + CLOSE_LONG), tmp_path / CLOSE_LONG
    shutil.copy(FIXTURES / CLOSE_LONG, bad)
    shutil.copy(FIXTURES / CLOSE_LONG, good)
    with trio.fail_after(30):
        async with pipeline() as p:
            first = await p.file(ready(bad))
            second = await p.file(ready(good))
    assert first.outcome == "quarantined" and first.records == ()
    assert first.reason == t("worker.parser_failed", path=str(bad), error=shown)
    assert p.stats.read_retries == 0
    assert second.outcome == "ok" and len(second.records) == 1


async def test_file_too_large_is_quarantined_unread(tmp_path: Path) -> None:
    path = tmp_path / CLOSE_LONG
    shutil.copy(FIXTURES / CLOSE_LONG, path)
    msg = ready(path)
    with trio.fail_after(30):
        async with pipeline(config=WorkerConfig(max_file_bytes=100)) as p:
            result = await p.file(msg)
    assert result.outcome == "quarantined"
    assert result.reason == t("worker.too_large", path=str(path), size=msg.size, limit=100)


# -- Aim Lab ------------------------------------------------------------------------------------


def make_db(path: Path, rows: int, *, first: int = 1) -> None:
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(TASKDATA_DDL)
    add_rows(path, rows, first=first)


def add_rows(path: Path, rows: int, *, first: int) -> None:
    with closing(sqlite3.connect(path)) as conn, conn:
        for n in range(first, first + rows):
            perf = {"shotsTotal": 10 + n, "hitsTotal": 5.0, "killTotal": 5, "accTotal": 50.0}
            conn.execute(
                "INSERT INTO TaskData (taskId, klutchId, createDate, taskName, score, mode,"
                " aimlab_map, aimlab_version, performanceClass, performance)"
                " VALUES (?, 'AAAAAAAAAAAAAAAA', ?, ?, ?, 1, 0, 'v1.13', 'CSTask', ?)",
                (n, f"2024-01-01 10:{n:02d}:00", f"task{n}", 100 * n, json.dumps(perf)),
            )


def tasks(reads: list[AimlabsRead]) -> list[str]:
    return [record.task for read in reads for record in read.records]


async def test_aimlabs_rows_are_read_in_chunks_from_the_stored_cursor(tmp_path: Path) -> None:
    db = tmp_path / "klutch.bytes"
    make_db(db, 5)
    changed = AimlabsChanged(str(db))
    with trio.fail_after(60):
        async with pipeline(chunk=2) as p:
            await p.send.send(changed)
            reads = await p.drain()
            assert [len(r.records) for r in reads] == [2, 2, 1]
            assert tasks(reads) == ["task1", "task2", "task3", "task4", "task5"]
            assert json.loads(reads[-1].cursor_json)["last_task_id"] == 5
            assert all(r.db_path == str(db) and r.problems == () for r in reads)

            # Caught up: nothing new to send.
            await p.send.send(changed)
            assert await p.drain() == []

            add_rows(db, 1, first=6)
            await p.send.send(changed)
            assert tasks(await p.drain()) == ["task6"]
    assert p.stats.aimlabs_reads == 3 and p.stats.aimlabs_chunks == 4 and p.stats.records == 6


async def test_aimlabs_bad_row_is_a_problem_and_the_others_flow(tmp_path: Path) -> None:
    db = tmp_path / "klutch.bytes"
    make_db(db, 3)
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE TaskData SET performance = 'not json' WHERE taskId = 2")
    with trio.fail_after(60):
        async with pipeline() as p:
            await p.send.send(AimlabsChanged(str(db)))
            (read,) = await p.drain()
    assert tasks([read]) == ["task1", "task3"]
    (problem,) = read.problems
    assert problem.reason
    assert p.stats.quarantined == 1 and p.stats.last_error == problem.reason


async def test_unreadable_cursor_means_reading_from_the_first_row(tmp_path: Path) -> None:
    db = tmp_path / "klutch.bytes"
    make_db(db, 2)
    with trio.fail_after(60):
        async with pipeline() as p:
            p.cursors.stored[f"aimlabs:{db}"] = "{not json"
            await p.send.send(AimlabsChanged(str(db)))
            assert tasks(await p.drain()) == ["task1", "task2"]


async def test_database_that_is_not_sqlite_becomes_one_problem(tmp_path: Path) -> None:
    db = tmp_path / "klutch.bytes"
    db.write_bytes(b"this is not a database")
    with trio.fail_after(60):
        async with pipeline() as p:
            await p.send.send(AimlabsChanged(str(db)))
            (read,) = await p.drain()
    assert read.records == ()
    (problem,) = read.problems
    assert problem.source == str(db)
    assert problem.reason == t("aimlabs.not_sqlite", path=str(db))
    assert json.loads(read.cursor_json) == {"fingerprint": "", "last_task_id": 0}


@pytest.fixture
def locked_db(tmp_path: Path) -> Iterator[tuple[Path, sqlite3.Connection]]:
    """A database the "game" holds an exclusive lock on until the test releases it."""
    db = tmp_path / "klutch.bytes"
    make_db(db, 3)
    game = sqlite3.connect(db, isolation_level=None)
    game.execute("BEGIN EXCLUSIVE")
    try:
        yield db, game
    finally:
        game.close()


BUSY = WorkerConfig(
    busy_attempts=4, busy_backoff_s=1.0, sqlite_busy_timeout_s=0.01, sqlite_retries=0
)


async def test_busy_database_is_retried_with_backoff(
    locked_db: tuple[Path, sqlite3.Connection], autojump_clock: trio.testing.MockClock
) -> None:
    db, game = locked_db
    with trio.fail_after(60):
        async with pipeline(config=BUSY, virtual_time=True) as p:
            start = trio.current_time()
            await p.send.send(AimlabsChanged(str(db)))
            await until(lambda: p.stats.aimlabs_busy_retries >= 2)
            game.execute("ROLLBACK")  # the game finished saving
            first = await p.result()
            read_at = trio.current_time()
            assert isinstance(first, AimlabsRead)
            reads = [first, *await p.reads_until_quiet()]
    assert tasks(reads) == ["task1", "task2", "task3"]
    assert read_at - start >= 1.0 + 2.0  # two pauses: 1 s, then 2 s
    assert p.stats.aimlabs_gave_up == 0


async def test_busy_database_is_left_for_the_next_change_and_others_keep_flowing(
    locked_db: tuple[Path, sqlite3.Connection],
    autojump_clock: trio.testing.MockClock,
    tmp_path: Path,
) -> None:
    db, _game = locked_db
    path = tmp_path / CLOSE_LONG
    shutil.copy(FIXTURES / CLOSE_LONG, path)
    with trio.fail_after(60):
        async with pipeline(workers=2, config=BUSY, virtual_time=True) as p:
            await p.send.send(AimlabsChanged(str(db)))
            # One worker is stuck on the locked database; the other parses meanwhile.
            assert (await p.file(ready(path))).outcome == "ok"
            assert p.stats.aimlabs_gave_up == 0
            assert await p.reads_until_quiet() == []
    assert p.stats.aimlabs_busy_retries == 3
    assert p.stats.aimlabs_gave_up == 1
    assert p.stats.last_error == t("worker.aimlabs_busy", path=str(db), attempts=4)


async def test_run_keeps_trying_a_locked_database_until_it_is_released(
    locked_db: tuple[Path, sqlite3.Connection], autojump_clock: trio.testing.MockClock
) -> None:
    # `run` uses busy_attempts=None: a lock held far longer than a one-shot command would wait
    # must not leave the rows for the game's next write.
    db, game = locked_db
    forever = WorkerConfig(
        busy_attempts=None,
        busy_backoff_s=1.0,
        busy_backoff_max_s=30.0,
        sqlite_busy_timeout_s=0.01,
        sqlite_retries=0,
    )
    with trio.fail_after(600):
        async with pipeline(config=forever, virtual_time=True) as p:
            start = trio.current_time()
            await p.send.send(AimlabsChanged(str(db)))
            await until(lambda: p.stats.aimlabs_busy_retries >= 10)
            game.execute("ROLLBACK")
            first = await p.result()
            waited = trio.current_time() - start
            assert isinstance(first, AimlabsRead)
            reads = [first, *await p.reads_until_quiet()]
    assert tasks(reads) == ["task1", "task2", "task3"]
    # pauses 1, 2, 4, 8, 16, then capped at 30: ten of them are at least 1+2+4+8+16+5*30
    assert waited >= 181
    assert p.stats.aimlabs_gave_up == 0


async def test_changes_to_one_database_are_read_one_at_a_time(
    locked_db: tuple[Path, sqlite3.Connection], autojump_clock: trio.testing.MockClock
) -> None:
    db, game = locked_db
    with trio.fail_after(60):
        async with pipeline(workers=3, config=BUSY, virtual_time=True) as p:
            for _ in range(3):
                await p.send.send(AimlabsChanged(str(db)))
            # First reads (stuck on the lock), second waits its turn, third is covered by it.
            await until(lambda: p.stats.aimlabs_coalesced >= 1)
            game.execute("ROLLBACK")
            reads = await p.reads_until_quiet()
    assert tasks(reads) == ["task1", "task2", "task3"]  # each row once
    assert p.stats.aimlabs_reads == 2 and p.stats.aimlabs_coalesced == 1


async def test_gate_lets_one_read_and_one_wait_per_database(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gate = AimlabsReadGate()
    log: list[str] = []

    async def change(name: str, db: str) -> None:
        async with gate.turn(db) as mine:
            log.append(f"{name}:{'read' if mine else 'skip'}")
            if mine:
                await trio.sleep(1)
                log.append(f"{name}:done")

    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(change, "a", "x")
            await trio.testing.wait_all_tasks_blocked()
            nursery.start_soon(change, "b", "x")
            await trio.testing.wait_all_tasks_blocked()
            nursery.start_soon(change, "c", "x")
            nursery.start_soon(change, "other", "y")  # another database is not held up
            await trio.testing.wait_all_tasks_blocked()
    assert log.index("c:skip") < log.index("a:done")
    assert log.index("other:read") < log.index("a:done")
    assert log.index("a:done") < log.index("b:read")


@pytest.mark.skipif(not (SAMPLES / "aimlab").is_dir(), reason="no shared/samples here")
async def test_real_aimlab_database_is_read_completely(tmp_path: Path) -> None:
    db = tmp_path / "klutch.bytes"
    shutil.copy(SAMPLES / "aimlab" / "klutch-2023-12.bytes", db)
    with trio.fail_after(60):
        async with pipeline(chunk=100) as p:
            await p.send.send(AimlabsChanged(str(db)))
            reads = await p.drain()
    rows = [len(r.records) + len(r.problems) for r in reads]
    # MANIFEST.md: 394 TaskData rows, sum(score) = 1,266,265 (counted by its author with SQL).
    assert rows == [100, 100, 100, 94]
    assert sum(r.score or 0 for read in reads for r in read.records) == 1_266_265
    assert json.loads(reads[-1].cursor_json)["last_task_id"] == 394
