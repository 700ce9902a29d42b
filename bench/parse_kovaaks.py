"""Benchmark: how many KovaaK's stats files one core parses per second.

Writes N realistic stats files into a temporary directory (copies of the real samples in
../shared/samples/kovaaks, or of our test fixtures when that is absent, each under its own
timestamped name), then times, best of --repeat rounds, on one thread:

* floor:  read the bytes + decode + split into lines (what any reader must pay);
* parse:  read the bytes + ``parse_stats_file`` (record, digest and raw_json included);
* memory: ``parse_stats_file`` on bytes already in memory (the parser alone).

    .venv/bin/python bench/parse_kovaaks.py [--files 5000] [--repeat 3] [--check 2000]

``--check RATE`` exits 1 when read+parse is slower than RATE files/s. Results and the machine
they were measured on go in docs/benchmarks.md ("KovaaK's parser").
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from aimcoach.sources.kovaaks import parse_stats_file

_REPO = Path(__file__).resolve().parents[1]
_SAMPLES = _REPO.parent / "shared" / "samples" / "kovaaks"
_FIXTURES = _REPO / "tests" / "sources" / "kovaaks" / "fixtures"
_TZ = ZoneInfo("Europe/Berlin")


def _seeds(directory: Path) -> list[tuple[str, bytes]]:
    """(scenario, bytes) of every sample; the scenario comes from the file's own line."""
    out = []
    for path in sorted(directory.glob("*.csv")):
        data = path.read_bytes()
        text = data.decode("utf-8-sig", errors="replace")
        scenario = text.partition("\nScenario:,")[2].partition("\n")[0].rstrip("\r")
        out.append((scenario or path.stem, data))
    return out


def _write_files(directory: Path, seeds: Sequence[tuple[str, bytes]], count: int) -> list[Path]:
    start = datetime(2024, 1, 1, 12, 0, 0)
    paths = []
    for i in range(count):
        scenario, data = seeds[i % len(seeds)]
        stamp = (start + timedelta(seconds=61 * i)).strftime("%Y.%m.%d-%H.%M.%S")
        # Scenario characters a file name cannot hold are replaced, as any copy would be.
        safe = "".join("_" if c in '<>:"/\\|?*' else c for c in scenario)
        path = directory / f"{safe} - Challenge - {stamp} Stats.csv"
        path.write_bytes(data)
        paths.append(path)
    return paths


def _best(rounds: int, work: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(rounds):
        began = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - began)
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check", type=float, default=0.0, metavar="RATE")
    args = parser.parse_args(argv)

    source = _SAMPLES if _SAMPLES.is_dir() else _FIXTURES
    seeds = _seeds(source)
    with tempfile.TemporaryDirectory(prefix="aimcoach-bench-") as tmp:
        paths = _write_files(Path(tmp), seeds, args.files)
        blobs = [(p.name, p.read_bytes()) for p in paths]
        total_bytes = sum(len(b) for _, b in blobs)

        def floor() -> None:
            for p in paths:
                p.read_bytes().decode("utf-8-sig", errors="replace").split("\n")

        def read_parse() -> None:
            for p in paths:
                parse_stats_file(p.read_bytes(), p.name, _TZ)

        def memory() -> None:
            for name, data in blobs:
                parse_stats_file(data, name, _TZ)

        read_parse()  # warm the page cache and the zoneinfo cache before timing
        results = {
            "read + decode + split (floor)": _best(args.repeat, floor),
            "read + parse_stats_file": _best(args.repeat, read_parse),
            "parse_stats_file on bytes in memory": _best(args.repeat, memory),
        }

    n = args.files
    print(f"machine: {platform.machine()} {platform.system()}, nproc={os.cpu_count()}")
    print(f"python: {platform.python_implementation()} {platform.python_version()}")
    print(f"seeds: {len(seeds)} files from {source}")
    print(f"files: {n}, mean size {total_bytes / n / 1024:.1f} KiB, best of {args.repeat}")
    for label, seconds in results.items():
        print(f"  {label:<38} {n / seconds:>10,.0f} files/s  {seconds / n * 1e6:>8.1f} us/file")
    rate = n / results["read + parse_stats_file"]
    if args.check and rate < args.check:
        print(f"FAIL: {rate:,.0f} files/s is below {args.check:,.0f}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
