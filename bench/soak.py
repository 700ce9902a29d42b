"""Soak: new runs keep arriving while the server misbehaves and ``aimcoach run`` is killed.

For ``--minutes`` M (default 10, at most 120), on loopback only:

* a writer adds KovaaK's stats files (some written in two parts, as a slow disk would) and
  Aim Lab rows (appended to klutch.bytes in small transactions) at a steady, seeded pace;
* the reference server injects random faults (5xx, 429 + Retry-After, delayed replies,
  connections dropped before or after the request was handled: ``POST /admin/random-faults``);
* a live ``aimcoach run`` delivers them, and is killed with SIGKILL twice (at random times in
  the first and second half) and started again at once.

Then the writer stops, the live run is stopped (SIGTERM), the faults are switched off, and a
final ``run --once`` must deliver whatever is left and exit 0. The verdict, all of it from the
server: every generated record accepted exactly once (the digests the server holds are exactly
those our parser computes from the generated files and rows; ``accepted == distinct_digests ==
generated``), no record refused as a duplicate (a resend under a new key would be), none
rejected, nothing in flight. Exit 0 when all hold, 1 otherwise.

    .venv/bin/python bench/soak.py [--minutes 10] [--seed 1] [--json PATH] [--keep]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from _world import Finished, Live, World

from aimcoach.devtools.samples import make_aimlab_db, random_kovaaks_run
from aimcoach.sources.aimlabs import AimlabsCursor, read_new
from aimcoach.sources.kovaaks import parse_stats_file

MAX_MINUTES = 120.0
FAULT_PROBABILITY = 0.25
FAULT_ACTIONS: list[dict[str, Any]] = [
    {"action": "status", "status": 503},
    {"action": "status", "status": 500},
    {"action": "status", "status": 429, "retry_after": 1},
    {"action": "delay", "seconds": 3},
    {"action": "drop", "when": "before"},
    {"action": "drop", "when": "after"},
]


@dataclass
class Generated:
    files: int = 0
    split_writes: int = 0  # files written in two parts with a pause between
    rows: int = 0

    @property
    def records(self) -> int:
        return self.files + self.rows


@dataclass
class Verdict:
    generated: int
    files: int
    rows: int
    kills: int
    faults_injected: int
    server: dict[str, int]
    final_run_exit: int
    final_run_summary: str
    missing: int  # expected digests the server does not have
    unexpected: int  # digests the server has that we did not generate
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class Writer(threading.Thread):
    """Writes new runs until stopped: a stats file every 0.05-0.6 s, Aim Lab rows every ~3 s."""

    def __init__(self, kovaaks: Path, aimlab: Path, seed: int, generated: Generated) -> None:
        super().__init__(name="soak-writer", daemon=True)
        self.kovaaks, self.aimlab = kovaaks, aimlab
        self.rng = random.Random(seed)
        self.generated = generated
        self.stop = threading.Event()
        self.error: BaseException | None = None
        # Distinct, increasing run end times; the file name carries them (to the second).
        self.clock = datetime(2030, 1, 1, 12, 0, 0)
        self.next_row_id = generated.rows + 1

    def run(self) -> None:
        try:
            next_rows = time.monotonic() + 1.0
            while not self.stop.is_set():
                self.write_file()
                if time.monotonic() >= next_rows:
                    self.add_rows(self.rng.randint(1, 15))
                    next_rows = time.monotonic() + self.rng.uniform(1.5, 4.5)
                self.stop.wait(self.rng.uniform(0.05, 0.6))
        except BaseException as exc:  # reported by the main thread; the soak then fails
            self.error = exc

    def write_file(self) -> None:
        self.clock += timedelta(seconds=self.rng.randint(70, 600))
        data, run = random_kovaaks_run(self.rng, self.clock)
        path = self.kovaaks / run.file_name
        with open(path, "wb") as f:
            if self.rng.random() < 0.25:
                # The game flushes in pieces; a pause well inside the 0.5 s quiet period.
                cut = self.rng.randint(1, len(data) - 1)
                f.write(data[:cut])
                f.flush()
                time.sleep(self.rng.uniform(0.02, 0.2))
                f.write(data[cut:])
                self.generated.split_writes += 1
            else:
                f.write(data)
        self.generated.files += 1

    def add_rows(self, count: int) -> None:
        make_aimlab_db(self.aimlab, count, seed=7, first_id=self.next_row_id)
        self.next_row_id += count
        self.generated.rows += count


def expected_digests(kovaaks: Path, aimlab: Path) -> set[str]:
    """What our own parser makes of everything generated (the run uses AIMCOACH_TIMEZONE=UTC)."""
    utc = ZoneInfo("UTC")
    out = {parse_stats_file(p.read_bytes(), p.name, utc).digest for p in kovaaks.iterdir()}
    cursor = AimlabsCursor()
    while True:
        batch = read_new(str(aimlab), cursor, limit=5000)
        if batch.problems:
            raise SystemExit(f"our own Aim Lab rows do not read: {batch.problems[:3]}")
        if not batch.records:
            break
        out.update(r.digest for r in batch.records)
        cursor = batch.cursor
    return out


def server_digests(world: World) -> set[str]:
    con = sqlite3.connect(f"file:{world.server_db}?mode=ro", uri=True, timeout=30)
    try:
        return {d for (d,) in con.execute("SELECT digest FROM records")}
    finally:
        con.close()


def _log(began: float, text: str) -> None:
    print(f"[{time.monotonic() - began:7.1f} s] {text}", flush=True)


def soak(minutes: float, seed: int, keep: bool) -> Verdict:
    began = time.monotonic()
    rng = random.Random(seed)
    generated = Generated()
    with World(keep=keep) as world:
        kovaaks = world.root / "games" / "kovaaks"
        aimlab = world.root / "games" / "aimlab" / "klutch.bytes"
        kovaaks.mkdir(parents=True)
        writer = Writer(kovaaks, aimlab, seed, generated)
        # A backlog for the first run to chew on while the first faults arrive.
        for _ in range(150):
            writer.write_file()
        writer.add_rows(300)
        args = ["--kovaaks-csv-dir", str(kovaaks), "--aimlabs-sqlite", str(aimlab)]
        world.admin(
            "POST",
            "/admin/random-faults",
            {
                "probability": FAULT_PROBABILITY,
                "seed": seed,
                "actions": FAULT_ACTIONS,
                "path": "*",
                "limit": 1_000_000,
            },
        )
        duration = minutes * 60
        kill_at = sorted([rng.uniform(0.15, 0.45) * duration, rng.uniform(0.55, 0.85) * duration])
        _log(began, f"soak for {minutes:g} min, seed {seed}; SIGKILL at "
             f"{', '.join(f'{k:.0f} s' for k in kill_at)}; in {world.root}")  # fmt: skip
        live: Live = world.start_run(args)
        writer.start()
        start = time.monotonic()
        kills = 0
        next_report = start + 10
        while (now := time.monotonic()) - start < duration:
            if writer.error is not None:
                raise SystemExit(f"the writer failed: {writer.error!r}")
            if kills < len(kill_at) and now - start >= kill_at[kills]:
                killed = live.kill()
                kills += 1
                _log(began, f"SIGKILL #{kills} (exit {killed.returncode}); starting run again")
                live = world.start_run(args)
            if now >= next_report:
                next_report = now + 10
                totals = world.totals()
                _log(began, f"generated {generated.records}, server accepted "
                     f"{totals['accepted']}, faults {totals['faults_injected']}")  # fmt: skip
            time.sleep(0.2)
        writer.stop.set()
        writer.join(30)
        if writer.error is not None:
            raise SystemExit(f"the writer failed: {writer.error!r}")
        _log(began, f"writing stopped: {generated.files} files "
             f"({generated.split_writes} in two parts), {generated.rows} rows")  # fmt: skip
        time.sleep(1.0)  # past the quiet period of the last file
        stopped = live.stop(timeout=120)
        _log(began, f"live run stopped (exit {stopped.returncode}); faults off; final run --once")
        faults = world.totals()["faults_injected"]
        world.admin("DELETE", "/admin/faults")
        final = world.run_once(args)
        return _verdict(world, generated, kovaaks, aimlab, kills, faults, stopped, final)


def _verdict(
    world: World,
    generated: Generated,
    kovaaks: Path,
    aimlab: Path,
    kills: int,
    faults: int,
    stopped: Finished,
    final: Finished,
) -> Verdict:
    totals = world.totals()
    expected = expected_digests(kovaaks, aimlab)
    held = server_digests(world)
    summary = next(
        (line for line in reversed(final.stderr.splitlines()) if not line.startswith("{")), ""
    )
    verdict = Verdict(
        generated=generated.records,
        files=generated.files,
        rows=generated.rows,
        kills=kills,
        faults_injected=faults,
        server=totals,
        final_run_exit=final.returncode,
        final_run_summary=summary,
        missing=len(expected - held),
        unexpected=len(held - expected),
    )
    p = verdict.problems
    if len(expected) != generated.records:
        p.append(f"our parser found {len(expected)} distinct records, {generated.records} made")
    if verdict.missing or verdict.unexpected:
        p.append(f"server digests differ: {verdict.missing} missing, {verdict.unexpected} extra")
    n = generated.records
    if not totals["accepted"] == totals["distinct_digests"] == n:
        p.append(
            f"accepted {totals['accepted']}, distinct {totals['distinct_digests']}, generated {n}"
        )
    for name in ("duplicates", "rejected", "in_flight"):
        if totals[name]:
            p.append(f"server {name} = {totals[name]} (expected 0)")
    if final.returncode != 0:
        p.append(f"the final run --once exited {final.returncode}: {summary}")
    if stopped.returncode != 0:
        p.append(f"the live run exited {stopped.returncode} on SIGTERM")
    if kills != 2:
        p.append(f"{kills} SIGKILLs, 2 planned")
    if faults == 0:
        p.append("no fault was injected")
    return verdict


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="write the verdict here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    if not 0 < args.minutes <= MAX_MINUTES:
        parser.error(f"--minutes must be more than 0 and at most {MAX_MINUTES:g}")

    verdict = soak(args.minutes, args.seed, args.keep)
    doc = asdict(verdict) | {"ok": verdict.ok}
    if args.json is not None:
        args.json.write_text(json.dumps(doc, indent=2))
    print(json.dumps(doc, indent=2))
    if verdict.ok:
        print(
            f"OK: {verdict.generated} records ({verdict.files} files, {verdict.rows} rows) "
            f"accepted exactly once through {verdict.faults_injected} injected faults and "
            f"{verdict.kills} SIGKILLs."
        )
        return 0
    print("FAILED:\n  " + "\n  ".join(verdict.problems), file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
