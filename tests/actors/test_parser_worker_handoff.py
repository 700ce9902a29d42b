"""Parser workers take the stats files already waiting together, in one worker-thread call.

Real stats files in tmp_path; the only fake is the RunSync seam, wrapped to count the calls
the workers make (the calls themselves still run in worker threads, or inline on a virtual
clock where a retry's backoff is timed).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from datetime import UTC
from pathlib import Path
from typing import Any, TypeVar

import pytest
import trio
import trio.testing

from aimcoach.actors import parser_worker as worker_module
from aimcoach.actors.parser_worker import (
    FILES_PER_HANDOFF,
    AimlabsReadGate,
    WorkerConfig,
    WorkerStats,
    parser_worker,
)
from aimcoach.devtools.samples import make_aimlab_db
from aimcoach.i18n import t
from aimcoach.messages import AimlabsChanged, AimlabsRead, FileParsed, ParseResult, StatsFileReady
from aimcoach.sources.kovaaks import KovaaksParseError, parse_stats_file

FIXTURE = (
    Path(__file__).parent
    / "fixtures"
    / "Close Long Strafes Invincible - Challenge - 2019.10.21-12.31.26 Stats.csv"
)
_T = TypeVar("_T")
Item = StatsFileReady | AimlabsChanged


def stats_file(folder: Path, scenario: str) -> Path:
    path = folder / f"{scenario} - Challenge - 2019.10.21-12.31.26 Stats.csv"
    shutil.copy(FIXTURE, path)
    return path


def ready(path: Path) -> StatsFileReady:
    st = path.stat()
    return StatsFileReady(str(path), st.st_size, st.st_mtime_ns)


class Calls:
    """A RunSync that notes each call (its function's name and, for a chunk of stats files,
    how many) and then makes it: in a worker thread, or inline for a virtual clock."""

    def __init__(self, *, inline: bool = False) -> None:
        self.made: list[tuple[str, int]] = []
        self._inline = inline

    async def __call__(self, fn: Callable[..., _T], /, *args: Any) -> _T:
        size = len(args[0]) if fn is worker_module._read_and_parse_each else 1
        self.made.append((getattr(fn, "__name__", type(fn).__name__), size))
        if self._inline:
            await trio.lowlevel.checkpoint()
            return fn(*args)
        return await trio.to_thread.run_sync(fn, *args)

    def stats_reads(self) -> list[int]:
        names = ("_read_and_parse_each", "_read_and_parse")
        return [size for name, size in self.made if name in names]


async def work_through(
    items: Sequence[Item],
    calls: Calls,
    config: WorkerConfig = WorkerConfig(),  # noqa: B008 - frozen
) -> tuple[list[ParseResult], WorkerStats]:
    """One worker over ``items``, all queued before it starts; every result, in order."""
    send, receive = trio.open_memory_channel[Item](len(items))
    out_send, out_receive = trio.open_memory_channel[ParseResult](len(items) * 2 + 10)
    async with send:
        for item in items:
            send.send_nowait(item)
    stats = WorkerStats()

    async def no_cursor(name: str) -> str | None:
        await trio.lowlevel.checkpoint()
        return None

    with trio.fail_after(60):
        await parser_worker(
            receive,
            out_send,
            tz=UTC,
            get_cursor=no_cursor,
            stats=stats,
            aimlabs_gate=AimlabsReadGate(),
            config=config,
            run_sync=calls,
        )
    async with out_receive:
        return [result async for result in out_receive], stats


def only_files(results: Sequence[ParseResult]) -> list[FileParsed]:
    assert all(isinstance(r, FileParsed) for r in results), results
    return [r for r in results if isinstance(r, FileParsed)]


async def test_files_waiting_together_are_read_and_parsed_in_one_call(tmp_path: Path) -> None:
    good = [stats_file(tmp_path, f"Scenario {n}") for n in range(3)]
    broken = tmp_path / "Broken - Challenge - 2024.01.01-00.00.00 Stats.csv"
    broken.write_bytes(b"Weapon,Shots\r\nthis is not what KovaaK's writes\r\n")
    with pytest.raises(KovaaksParseError) as refused:
        parse_stats_file(broken.read_bytes(), broken.name, UTC)
    gone = stats_file(tmp_path, "Deleted")
    gone_msg = ready(gone)
    gone.unlink()
    notes = tmp_path / "notes.txt"
    notes.write_text("not a stats file")
    items = [ready(good[0]), ready(broken), gone_msg, ready(good[1]), ready(notes), ready(good[2])]

    calls = Calls()
    results, stats = await work_through(items, calls)

    assert calls.stats_reads() == [5]  # the five with a stats file name; notes.txt is not read
    by_path = {r.path: r for r in results if isinstance(r, FileParsed)}
    assert len(results) == len(by_path) == 5  # nothing for the vanished file
    for path in good:
        expected = parse_stats_file(path.read_bytes(), path.name, UTC, source_key=str(path))
        assert by_path[str(path)].outcome == "ok"
        assert by_path[str(path)].records == (expected,)
    assert by_path[str(broken)].outcome == "quarantined"
    assert by_path[str(broken)].reason == str(refused.value)
    assert by_path[str(notes)].outcome == "ignored"
    assert (stats.files_ok, stats.quarantined, stats.ignored, stats.vanished) == (3, 1, 1, 1)


async def test_one_call_takes_at_most_files_per_handoff(tmp_path: Path) -> None:
    paths = [stats_file(tmp_path, f"Scenario {n}") for n in range(2 * FILES_PER_HANDOFF + 1)]
    calls = Calls()
    results, stats = await work_through([ready(p) for p in paths], calls)
    assert calls.stats_reads() == [FILES_PER_HANDOFF, FILES_PER_HANDOFF, 1]
    assert sorted(r.path for r in only_files(results)) == sorted(str(p) for p in paths)
    assert stats.files_ok == len(paths)


async def test_an_aimlab_change_ends_the_run_of_files_and_is_read_in_its_turn(
    tmp_path: Path,
) -> None:
    db = tmp_path / "klutch.bytes"
    make_aimlab_db(db, 2, seed=1)
    first, second, third = (stats_file(tmp_path, f"Scenario {n}") for n in range(3))
    items: list[Item] = [ready(first), ready(second), AimlabsChanged(str(db)), ready(third)]
    calls = Calls()
    results, _ = await work_through(items, calls)
    assert calls.made[0] == ("_read_and_parse_each", 2)
    assert calls.made[-1] == ("_read_and_parse_each", 1)
    assert [type(r).__name__ for r in results] == [
        "FileParsed",
        "FileParsed",
        "AimlabsRead",
        "FileParsed",
    ]
    assert [r.path for r in results if isinstance(r, FileParsed)] == [
        str(first),
        str(second),
        str(third),
    ]
    read = results[2]
    assert isinstance(read, AimlabsRead) and len(read.records) == 2


async def test_a_file_that_cannot_be_read_yet_waits_alone_and_the_others_go_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, autojump_clock: trio.testing.MockClock
) -> None:
    locked, later_ok, others = (
        stats_file(tmp_path, "Locked"),
        stats_file(tmp_path, "Locked at first"),
        [stats_file(tmp_path, f"Scenario {n}") for n in range(2)],
    )
    refusals = {str(locked): 99, str(later_ok): 2}  # reads refused before the file opens
    real = worker_module._read_unchanged

    def flaky(path: str, size: int, mtime_ns: int) -> bytes:
        if refusals.get(path, 0) > 0:
            refusals[path] -= 1
            raise PermissionError(13, "The process cannot access the file")
        return real(path, size, mtime_ns)

    monkeypatch.setattr(worker_module, "_read_unchanged", flaky)
    config = WorkerConfig(read_attempts=4, read_backoff_s=0.5)
    items = [ready(locked), ready(others[0]), ready(later_ok), ready(others[1])]
    start = trio.current_time()
    results, stats = await work_through(items, Calls(inline=True), config)

    assert [(r.path, r.outcome) for r in only_files(results)] == [
        (str(others[0]), "ok"),
        (str(others[1]), "ok"),
        (str(locked), "quarantined"),
        (str(later_ok), "ok"),
    ]
    locked_result = results[2]
    assert isinstance(locked_result, FileParsed)
    assert locked_result.reason == t(
        "worker.read_failed", path=str(locked), error="The process cannot access the file"
    )
    # locked: 1 read in the chunk + 3 alone (0.5 + 1 + 2 s); later_ok: 1 + 2 (0.5 + 1 s)
    assert stats.read_retries == 3 + 2
    assert trio.current_time() - start >= 3.5 + 1.5
    assert isinstance(results[3], FileParsed) and len(results[3].records) == 1
    assert not any(isinstance(r, AimlabsRead) for r in results)
