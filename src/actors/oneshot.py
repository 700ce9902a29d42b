"""Intake for ``run --once`` and ``export``: look once, hand on everything unread, then end.

The long-lived watchers follow the folders forever; a one-shot run needs intake that ends, so
that closing its send end drains the pipeline and the run finishes. Paths are made absolute in
the same way as the watchers do, so checkpoints written by either are found by the other.

``kovaaks_scan_once`` asks the state database about a chunk of files at a time
(``checkpoints_for``), so a warm re-run of a large folder costs a listing and a few queries.
A file modified within the quiet period may still be being written: it is stat'ed again after
the quiet period and handed on only once it stopped changing.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path

import structlog
import trio

from aimcoach.messages import AimlabsChanged, StatsFileReady
from aimcoach.sources.kovaaks import is_stats_file_name
from aimcoach.state import Checkpoint

__all__ = ["CheckpointsFor", "aimlabs_once", "kovaaks_scan_once"]

CheckpointsFor = Callable[[Iterable[str]], Awaitable[Mapping[str, Checkpoint]]]

_CHUNK = 512
_log = structlog.get_logger("aimcoach.actors")

_Key = tuple[int, int]


def _list(directory: str) -> list[str]:
    try:
        with os.scandir(directory) as it:
            return sorted(e.path for e in it if is_stats_file_name(e.name))
    except FileNotFoundError:
        return []


def _stat_many(paths: list[str]) -> list[_Key | None]:
    out: list[_Key | None] = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            out.append(None)
            continue
        out.append((st.st_size, st.st_mtime_ns) if stat.S_ISREG(st.st_mode) else None)
    return out


async def kovaaks_scan_once(
    directory: Path,
    send: trio.abc.SendChannel[StatsFileReady],
    *,
    checkpoints_for: CheckpointsFor,
    quiet_period_s: float = 0.5,
    clock_ns: Callable[[], int] = time.time_ns,
    on_handed_on: Callable[[], None] = lambda: None,
) -> None:
    """Send every stats file in ``directory`` that no checkpoint holds with its size and mtime."""
    folder = str(Path(await trio.Path(directory).absolute()))
    quiet_ns = int(quiet_period_s * 1e9)
    with structlog.contextvars.bound_contextvars(actor="kovaaks_scan"):
        async with send:
            names = await trio.to_thread.run_sync(_list, folder)
            fresh: dict[str, _Key] = {}
            for start in range(0, len(names), _CHUNK):
                chunk = names[start : start + _CHUNK]
                keys = await trio.to_thread.run_sync(_stat_many, chunk)
                done = await checkpoints_for(chunk)
                now = clock_ns()
                for path, key in zip(chunk, keys, strict=True):
                    if key is None:
                        continue
                    cp = done.get(path)
                    if cp is not None and (cp.size, cp.mtime_ns) == key:
                        continue
                    if now - key[1] < quiet_ns:
                        fresh[path] = key  # may still be being written: look again below
                        continue
                    await send.send(StatsFileReady(path, key[0], key[1]))
                    on_handed_on()
            while fresh:
                await trio.sleep(quiet_period_s)
                paths = list(fresh)
                keys = await trio.to_thread.run_sync(_stat_many, paths)
                for path, key in zip(paths, keys, strict=True):
                    if key is None:
                        del fresh[path]
                    elif key == fresh[path]:
                        del fresh[path]
                        await send.send(StatsFileReady(path, key[0], key[1]))
                        on_handed_on()
                    else:
                        fresh[path] = key
            _log.debug("scan_done", folder=folder, files=len(names))


async def aimlabs_once(db_path: Path, send: trio.abc.SendChannel[AimlabsChanged]) -> None:
    """Ask the workers for one read of everything new in the Aim Lab database."""
    path = str(Path(await trio.Path(db_path).absolute()))
    async with send:
        await send.send(AimlabsChanged(path))
