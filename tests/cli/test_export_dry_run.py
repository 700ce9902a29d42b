"""`aimcoach export --dry-run`: NDJSON on stdout, summary on stderr, no network, no state."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from aimcoach.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared" / "samples"


def _export(
    capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, list[dict[str, Any]], str]:
    code = main(["export", "--dry-run", "--timezone", "UTC", *args])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_examples_are_printed_in_a_stable_order_with_stable_digests(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = [
        "--kovaaks-csv-dir",
        str(EXAMPLES / "kovaaks"),
        "--aimlabs-sqlite",
        str(EXAMPLES / "aimlab" / "klutch.bytes"),
    ]
    code, first, err = _export(capsys, *args)
    assert code == 0, err
    # examples/ holds 8 stats files and a 12-row Aim Lab database (src/devtools/samples.py)
    assert [r["provider"] for r in first] == ["kovaaks"] * 8 + ["aimlabs"] * 12
    _, second, _ = _export(capsys, *args)
    assert [r["digest"] for r in first] == [r["digest"] for r in second]
    assert "8 stats files read, 20 records printed, 0 set aside" in err
    # dry run: nothing written to the state folder
    state = Path(str(tmp_path))
    assert not any(p.name.endswith(".sqlite3") for p in state.rglob("*"))


def test_since_max_records_and_provider_filter(capsys: pytest.CaptureFixture[str]) -> None:
    base = [
        "--kovaaks-csv-dir",
        str(EXAMPLES / "kovaaks"),
        "--aimlabs-sqlite",
        str(EXAMPLES / "aimlab" / "klutch.bytes"),
    ]
    _, only_kovaaks, _ = _export(capsys, *base, "--provider", "kovaaks")
    assert {r["provider"] for r in only_kovaaks} == {"kovaaks"}
    _, three, _ = _export(capsys, *base, "--max-records", "3")
    assert len(three) == 3
    # The examples' KovaaK's runs all end on 2025-01-01 between 12:03:11 and 12:42:44 (file names).
    _, late, err = _export(
        capsys, *base, "--provider", "kovaaks", "--since", "2025-01-01T12:30:00Z"
    )
    assert sorted(r["taken_at"] for r in late) == [
        "2025-01-01T12:33:47Z",
        "2025-01-01T12:38:31Z",
        "2025-01-01T12:42:44Z",
    ]
    assert "5 older than --since" in err


def test_a_broken_file_is_set_aside_and_the_rest_is_printed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "stats"
    shutil.copytree(EXAMPLES / "kovaaks", folder)
    (folder / "Broken - Challenge - 2025.02.01-10.00.00 Stats.csv").write_bytes(b"\0" * 64)
    (folder / "notes.txt").write_text("not a stats file")
    code, records, err = _export(capsys, "--kovaaks-csv-dir", str(folder), "--provider", "kovaaks")
    assert code == 1
    assert len(records) == 8
    assert "1 set aside, 1 other files ignored" in err
    assert "Broken - Challenge - 2025.02.01-10.00.00 Stats.csv" in err


def test_bad_since_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "export",
            "--dry-run",
            "--kovaaks-csv-dir",
            str(EXAMPLES / "kovaaks"),
            "--since",
            "yesterday",
        ]
    )
    assert code == 2
    assert "RFC 3339" in capsys.readouterr().err


def test_nothing_to_read_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["export", "--dry-run", "--provider", "aimlabs"])
    assert code == 2
    assert "--aimlabs-sqlite" in capsys.readouterr().err


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/samples is not beside this checkout")
def test_real_samples_give_14_kovaaks_and_394_aimlab_records(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = [
        "--kovaaks-csv-dir",
        str(SHARED / "kovaaks"),
        "--aimlabs-sqlite",
        str(SHARED / "aimlab" / "klutch-2023-12.bytes"),
    ]
    code, records, err = _export(capsys, *args)
    assert code == 0, err
    kovaaks = [r for r in records if r["provider"] == "kovaaks"]
    aimlabs = [r for r in records if r["provider"] == "aimlabs"]
    # 16 files, of which the two renamed ones (bounceshot.csv, 1wall6targets TE.csv) are ignored
    assert len(kovaaks) == 14
    # MANIFEST.md: 394 rows, sum(score) = 1,266,265
    assert len(aimlabs) == 394
    assert sum(int(r["score"]) for r in aimlabs) == 1_266_265
    # Tile Frenzy, from the MANIFEST's hand-computed table: 93 shots, 82 hits, score 72.301071
    tile = next(r for r in kovaaks if r["task"] == "Tile Frenzy")
    assert tile["taken_at"] == "2020-06-28T12:53:46Z"
    assert tile["score"] == 72.301071
    assert tile["metrics"] == {
        **tile["metrics"],
        "shots": 93,
        "hits": 82,
        "kills": 82,
        "accuracy": 0.88172,
    }
    assert len({r["digest"] for r in records}) == 408
    _, again, _ = _export(capsys, *args)
    assert [r["digest"] for r in again] == [r["digest"] for r in records]


def test_odd_entries_and_huge_files_are_handled_like_the_pipeline_does(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "stats"
    shutil.copytree(EXAMPLES / "kovaaks", folder)
    loop = folder / "Loop - Challenge - 2025.02.01-10.00.00 Stats.csv"
    loop.symlink_to(loop)  # a symlink loop: skipped, the other files still read
    huge = folder / "\x1b[31mHuge - Challenge - 2025.02.01-10.00.01 Stats.csv"
    with huge.open("wb") as f:
        f.truncate(9 * 1024 * 1024)  # past the parser workers' 8 MiB limit
    code, records, err = _export(capsys, "--kovaaks-csv-dir", str(folder), "--provider", "kovaaks")
    assert code == 1
    assert len(records) == 8
    assert "1 set aside" in err
    assert "far larger than any KovaaK's stats file" in err
    assert "\x1b" not in err  # the escape sequence in the name is shown, not obeyed
    assert "\\x1b[31mHuge" in err
