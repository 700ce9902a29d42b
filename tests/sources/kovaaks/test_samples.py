"""The KovaaK's reader on the 16 real files in ../shared/samples/kovaaks (game 1.0.8 to 3.9.9).

The expected values come from the table in ../shared/samples/kovaaks/MANIFEST.md, which its
author computed by hand from each file (weapon-table sums, Kills:, Score:, the file-name time);
they were re-checked against the files when these tests were written. The samples live outside
this repository, so a clone without ../shared skips these tests; test_parse.py covers the same
edge cases with our own fixtures.
"""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest

from aimcoach.sources.kovaaks import KovaaksParseError, is_stats_file_name, parse_stats_file

SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "samples" / "kovaaks"


def sample(name: str) -> bytes:
    if not SAMPLES.is_dir():
        pytest.skip(f"{SAMPLES} is absent: the real samples exist only in the shared workplace")
    return (SAMPLES / name).read_bytes()


# MANIFEST rows 1-10 and 13-16 (the files with their original names). With tz=UTC the local
# file-name time is the UTC time. Columns: file, task, taken_at, score, kills, shots, hits,
# accuracy (6 places), damage done, damage possible.
ROWS: list[tuple[str, str, str, float, int, int, int, float, float, float]] = [
    (
        "Close Long Strafes Invincible - Challenge - 2019.10.21-12.31.26 Stats.csv",
        "Close Long Strafes Invincible",
        "2019-10-21T12:31:26Z",
        792.0,
        0,
        856,
        44,
        0.051402,
        264.0,
        5136.0,
    ),
    (
        "Tile Frenzy - Challenge - 2020.06.28-12.53.46 Stats.csv",
        "Tile Frenzy",
        "2020-06-28T12:53:46Z",
        72.301071,
        82,
        93,
        82,
        0.881720,
        2050.0,
        4650.0,
    ),
    (
        "1wall2targets TE - Challenge - 2021.01.23-20.09.43 Stats.csv",
        "1wall2targets TE",
        "2021-01-23T20:09:43Z",
        110.0,
        110,
        122,
        110,
        0.901639,
        2750.0,
        6100.0,
    ),
    (
        "Air Angelic 4 Voltaic Easy - Challenge - 2021.01.07-18.50.49 Stats.csv",
        "Air Angelic 4 Voltaic Easy",
        "2021-01-07T18:50:49Z",
        1733.0,
        0,
        5869,
        1733,
        0.295280,
        1733.0,
        5869.0,
    ),
    (
        "Pasu Voltaic Easy - Challenge - 2021.01.07-16.09.04 Stats.csv",
        "Pasu Voltaic Easy",
        "2021-01-07T16:09:04Z",
        8.0,
        8,
        52,
        8,
        0.153846,
        8000.0,
        104000.0,
    ),
    (
        "patTargetSwitch 90 easy - Challenge - 2021.01.07-21.22.26 Stats.csv",
        "patTargetSwitch 90 easy",
        "2021-01-07T21:22:26Z",
        5670.0,
        71,
        3430,
        2840,
        0.827988,
        5670.0,
        6860.0,
    ),
    (
        "6 Sphere Hipfire Voltaic - Challenge - 2021.01.07-18.43.34 Stats.csv",
        "6 Sphere Hipfire Voltaic",
        "2021-01-07T18:43:34Z",
        85.0,
        85,
        106,
        85,
        0.801887,
        85.0,
        106.0,
    ),
    (
        "reflex micro++ flick reload - Challenge - 2021.01.07-18.08.13 Stats.csv",
        "reflex micro++ flick reload",
        "2021-01-07T18:08:13Z",
        78.0,
        78,
        91,
        78,
        0.857143,
        1950.0,
        4550.0,
    ),
    (
        "gp far long strafes - Challenge - 2021.01.07-20.26.34 Stats.csv",
        "gp far long strafes",
        "2021-01-07T20:26:34Z",
        2671.843018,
        3,
        5646,
        2049,
        0.362912,
        2671.843018,
        7362.780762,
    ),
    (
        "Pokeball Frenzy Auto TE 60s - Challenge - 2021.01.07-17.17.16 Stats.csv",
        "Pokeball Frenzy Auto TE 60s",
        "2021-01-07T17:17:16Z",
        85.0,
        85,
        756,
        669,
        0.884921,
        133.799103,
        151.198837,
    ),
    (
        "Happy Easter! - Challenge - 2026.04.06-18.13.05 Stats.csv",
        "Happy Easter!",
        "2026-04-06T18:13:05Z",
        104.000031,
        0,  # the file has 2 kill rows, both numbered 0
        282,
        104,
        0.368794,
        10.400003,
        28.200071,
    ),
    (
        "Air Voltaic Invincible 4 Medium - Challenge - 2026.09.10-17.17.33 Stats.csv",
        "Air Voltaic Invincible 4 Medium",
        "2026-09-10T17:17:33Z",
        3913.0,
        0,
        6001,
        3913,
        0.652058,
        3913.0,
        6001.0,
    ),
    (
        "VT Ground Intermediate S5 - Challenge - 2026.06.16-20.47.47 Stats.csv",
        "VT Ground Intermediate S5",
        "2026-06-16T20:47:47Z",
        1814.0,
        3,
        5928,
        1814,
        0.306005,
        1.814029,
        5.927753,
    ),
    (
        "Air Spectral Easy - Challenge - 2026.09.05-08.20.43 Stats.csv",
        "Air Spectral Easy",
        "2026-09-05T08:20:43Z",
        914.885254,
        6,
        8512,
        4800,
        0.563910,
        4800.0,
        8512.0,
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[row[1] for row in ROWS])
def test_real_sample(row: tuple[str, str, str, float, int, int, int, float, float, float]) -> None:
    name, task, taken_at, score, kills, shots, hits, accuracy, done, possible = row
    rec = parse_stats_file(sample(name), name, UTC)
    assert is_stats_file_name(name)
    assert rec.task == task
    assert rec.mode == "Challenge"
    assert rec.taken_at == taken_at
    assert rec.score == score
    m = rec.metrics
    assert (m["kills"], m["shots"], m["hits"]) == (kills, shots, hits)
    assert m["accuracy"] == accuracy
    assert (m["damage_done"], m["damage_possible"]) == (done, possible)


@pytest.mark.parametrize(
    ("name", "duration"),
    [
        # Computed by hand from each file: file-name time - "Challenge Start:".
        ("1wall2targets TE - Challenge - 2021.01.23-20.09.43 Stats.csv", 59.171),  # 20:08:43.829
        ("Happy Easter! - Challenge - 2026.04.06-18.13.05 Stats.csv", 4.257),  # 18:13:00.743
        ("Air Spectral Easy - Challenge - 2026.09.05-08.20.43 Stats.csv", 84.11),  # 08:19:18.890
    ],
)
def test_real_sample_duration(name: str, duration: float) -> None:
    assert parse_stats_file(sample(name), name, UTC).metrics["duration_s"] == duration


def test_real_samples_before_2_0_3_have_no_duration() -> None:
    for name in (ROWS[0][0], ROWS[1][0]):  # 1.0.8.0 and 2.0.1.2: no Challenge Start
        assert "duration_s" not in parse_stats_file(sample(name), name, UTC).metrics


def test_real_2_0_3_colon_less_settings() -> None:
    name = ROWS[2][0]
    raw = parse_stats_file(sample(name), name, UTC).raw_json
    assert raw is not None
    # Read by hand from the file's last three lines: "Resolution,2560x1440", "Avg FPS,210.364563".
    assert raw["settings"]["Resolution"] == "2560x1440"
    assert raw["settings"]["Avg FPS"] == "210.364563"
    assert raw["game_version"] == "2.0.3.2"


@pytest.mark.parametrize("name", ["bounceshot.csv", "1wall6targets TE.csv"])
def test_renamed_samples_are_not_stats_file_names(name: str) -> None:
    data = sample(name)
    assert not is_stats_file_name(name)
    with pytest.raises(KovaaksParseError) as info:
        parse_stats_file(data, name, UTC)
    assert info.value.key == "kovaaks.bad_name"


def test_renamed_samples_parse_under_a_stats_name() -> None:
    # 1wall6targets TE (3.9.5, 166 kills) started at 02:25:40.148; given an end time of
    # 02:26:40 its duration is 59.852 s. Values from MANIFEST row 12.
    name = "1wall6targets TE - Challenge - 2026.07.10-02.26.40 Stats.csv"
    rec = parse_stats_file(sample("1wall6targets TE.csv"), name, UTC)
    m = rec.metrics
    assert (rec.task, rec.score) == ("1wall6targets TE", 153.088882)
    assert (m["kills"], m["shots"], m["hits"], m["accuracy"]) == (166, 180, 166, 0.922222)
    assert m["duration_s"] == 59.852
    assert rec.raw_json is not None and rec.raw_json["kill_rows"] == 166
