"""The KovaaK's reader on our own fixture files: every format edge case, without ../shared.

The files in fixtures/ were written for these tests (not copied from players); each mimics one
game version's layout and line endings as described in shared/reference/kovaaks-stats-csv.md.
They are stored byte for byte (fixtures/.gitattributes turns off end-of-line conversion). The
expected values below were worked out by hand from the numbers in each fixture.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import aimcoach.sources.kovaaks as kovaaks
from aimcoach.digest import compute_digest
from aimcoach.errors import SourceError
from aimcoach.i18n import CATALOG, get_language, set_language
from aimcoach.messages import Record
from aimcoach.sources.kovaaks import KovaaksParseError, is_stats_file_name, parse_stats_file

FIXTURES = Path(__file__).parent / "fixtures"

F108 = "Strafes Invincible - Challenge - 2019.10.21-12.31.26 Stats.csv"
F201 = "Tile Frenzy - Standard - 01 - Challenge - 2020.06.28-12.53.46 Stats.csv"
F203 = "reflex micro++ flick reload - Challenge - 2021.01.07-18.08.13 Stats.csv"
F354 = "VT Bounceshot 30% Smaller - Challenge - 2024.05.24-15.08.40 Stats.csv"
F392 = "Controlsphere Far, Far Larger 90% - Challenge - 2025.10.31-15.04.31 Stats.csv"
F387 = "Happy Zero! - Challenge - 2026.04.06-18.13.05 Stats.csv"
F399 = "Pasu Voltaic Silver  - Challenge - 2024.01.18-00.00.02 Stats.csv"
F204 = "NVBatch02LatencyFrenzy - 2021.12.15-00.14.51 Stats.csv"
ALL_FIXTURES = (F108, F201, F203, F354, F392, F387, F399, F204)


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(name: str, data: bytes | None = None, tz: tzinfo = UTC) -> Record:
    return parse_stats_file(read(name) if data is None else data, name, tz)


def to_lf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n")


def to_crlf(data: bytes) -> bytes:
    return to_lf(data).replace(b"\n", b"\r\n")


# ---- public surface ----------------------------------------------------------------------------


def test_public_surface_is_locked() -> None:
    assert sorted(kovaaks.__all__) == [
        "KovaaksParseError",
        "SUMMARY_METRICS",
        "is_stats_file_name",
        "parse_stats_file",
    ]
    assert issubclass(KovaaksParseError, SourceError)
    assert KovaaksParseError.retryable is False


def test_fixtures_have_the_line_endings_they_claim() -> None:
    # Guards the fixtures themselves: a checkout that rewrote line endings would make the
    # CRLF/LF/mixed tests below meaningless.
    crlf, lf, mixed = read(F203), read(F354), read(F392)
    assert crlf.count(b"\n") == crlf.count(b"\r\n")
    assert b"\r" not in lf
    assert 0 < mixed.count(b"\r\n") < mixed.count(b"\n")
    assert b"OverShots\r\n" in mixed and b"\nKills:,0\n" in mixed  # CRLF tables, LF keys


# ---- one record per game version ---------------------------------------------------------------

# Hand-computed from each fixture: shots/hits/damage are the weapon-table sums, accuracy =
# hits/shots, efficiency = done/possible, duration = file-name time - Challenge Start.
EXPECTED: dict[str, tuple[str, str | None, str, float, dict[str, float]]] = {
    F108: (
        "Strafes Invincible",
        "Challenge",
        "2019-10-21T12:31:26Z",
        180.0,
        {"shots": 400, "hits": 100, "accuracy": 0.25, "efficiency": 0.025, "kills": 0},
    ),
    F201: (
        "Tile Frenzy - Standard - 01",
        "Challenge",
        "2020-06-28T12:53:46Z",
        2.950071,
        {"shots": 5, "hits": 3, "accuracy": 0.6, "damage_done": 75.0, "avg_ttk_s": 0.341},
    ),
    F203: (
        "reflex micro++ flick reload",
        "Challenge",
        "2021-01-07T18:08:13Z",
        2.0,
        # 18:08:13 - 18:07:13.135 = 59.865 s
        {"shots": 4, "hits": 2, "efficiency": 0.25, "kills": 2, "duration_s": 59.865},
    ),
    F354: (
        "VT Bounceshot 30% Smaller",
        "Challenge",
        "2024-05-24T15:08:40Z",
        20.0,
        # 15:08:40 - 15:07:36.204 = 63.796 s
        {"accuracy": 0.5, "efficiency": 0.25, "reloads": 1, "duration_s": 63.796},
    ),
    F392: (
        "Controlsphere Far, Far Larger 90%",
        "Challenge",
        "2025-10-31T15:04:31Z",
        2000.0,
        {"shots": 5000, "hits": 2000, "damage_done": 2.0, "damage_possible": 5.0},
    ),
    F387: (
        "Happy Zero!",
        "Challenge",
        "2026-04-06T18:13:05Z",
        8.000031,
        # 18:13:05 - 18:13:00.743 = 4.257 s
        {"kills": 0, "shots": 20, "hits": 8, "efficiency": 0.2, "duration_s": 4.257},
    ),
    F399: (
        "Pasu Voltaic Silver ",
        "Challenge",
        "2024-01-18T00:00:02Z",
        5.0,
        # 00:00:02 (next day) - 23:59:01.500 = 60.5 s
        {"shots": 10, "hits": 5, "damage_possible": 20000.0, "duration_s": 60.5},
    ),
    F204: (
        "NVBatch02LatencyFrenzy",
        None,
        "2021-12-15T00:14:51Z",
        1.0,
        # 00:14:51 - 00:13:51.000 = 60 s
        {"shots": 2, "hits": 1, "kills": 1, "avg_ttk_s": 0.5, "duration_s": 60.0},
    ),
}


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_fixture_record(name: str) -> None:
    task, mode, taken_at, score, some_metrics = EXPECTED[name]
    rec = parse(name)
    assert rec.provider == "kovaaks"
    assert rec.task == task
    assert rec.mode == mode
    assert rec.taken_at == taken_at
    assert rec.score == score
    for key, value in some_metrics.items():
        assert rec.metrics[key] == value, key
    assert rec.digest == compute_digest(rec.to_json())


def test_1_0_8_has_exactly_its_metrics() -> None:
    # 1.0.8.0: no Challenge Start (so no duration), and "Avg TTK:,0" is left out.
    assert dict(parse(F108).metrics) == {
        "shots": 400,
        "hits": 100,
        "accuracy": 0.25,
        "damage_done": 60.0,
        "damage_possible": 2400.0,
        "efficiency": 0.025,
        "kills": 0,
        "deaths": 0,
        "fight_time_s": 0.0,
        "damage_taken": 0.0,
        "midairs": 0,
        "midaired": 0,
        "directs": 0,
        "directed": 0,
        "distance_traveled": 0.0,
    }


def test_2_0_3_avg_ttk_placeholder_is_left_out() -> None:
    assert "avg_ttk_s" not in parse(F203).metrics


def test_3_5_key_set() -> None:
    metrics = parse(F354).metrics
    assert {k: metrics[k] for k in ("time_remaining_s", "total_overshots", "mbs_points")} == {
        "time_remaining_s": 0.0,
        "total_overshots": 1,
        "mbs_points": 0.0,
    }
    assert (metrics["hit_count"], metrics["miss_count"], metrics["avg_ttk_s"]) == (2, 2, 31.898)
    assert (metrics["pause_count"], metrics["pause_duration_s"]) == (0, 0)
    assert "avg_target_scale" not in metrics  # 3.9 only


def test_3_9_key_set() -> None:
    metrics = parse(F392).metrics
    assert set(metrics) == {
        "shots",
        "hits",
        "accuracy",
        "damage_done",
        "damage_possible",
        "efficiency",
        "duration_s",
        "kills",
        "deaths",
        "fight_time_s",
        "time_remaining_s",
        "total_overshots",
        "damage_taken",
        "hit_count",
        "miss_count",
        "midairs",
        "midaired",
        "directs",
        "directed",
        "reloads",
        "distance_traveled",
        "mbs_points",
        "pause_count",
        "pause_duration_s",
        "avg_target_scale",
        "avg_time_dilation",
    }
    assert (metrics["avg_target_scale"], metrics["avg_time_dilation"]) == (1.0, 1.0)


def test_metric_names_are_snake_case_and_documented() -> None:
    doc = kovaaks.__doc__ or ""
    names = set(kovaaks.SUMMARY_METRICS.values()) | {
        "shots",
        "hits",
        "accuracy",
        "damage_done",
        "damage_possible",
        "efficiency",
        "duration_s",
    }
    for name in names:
        assert name == name.lower() and " " not in name
        assert f"``{name}``" in doc, name


# ---- layout edge cases ---------------------------------------------------------------------


def test_empty_kill_table() -> None:
    for name in (F108, F392):
        rec = parse(name)
        assert rec.metrics["kills"] == 0
        assert rec.raw_json is not None and rec.raw_json["kill_rows"] == 0


def test_kill_rows_numbered_zero_do_not_count_as_kills() -> None:
    rec = parse(F387)
    assert rec.metrics["kills"] == 0
    assert rec.raw_json is not None and rec.raw_json["kill_rows"] == 2


def test_wide_weapon_header_and_unused_weapon_rows_are_summed() -> None:
    rec = parse(F203)
    assert rec.raw_json is not None
    assert rec.raw_json["weapons"] == [
        {
            "name": "16ML9 - 080",
            "shots": 4,
            "hits": 2,
            "damage_done": 2000.0,
            "damage_possible": 8000.0,
        },
        {
            "name": "Track Master 100",
            "shots": 0,
            "hits": 0,
            "damage_done": 0.0,
            "damage_possible": 0.0,
        },
    ]
    # 3.9 header (18 columns) over 6-field rows, two weapons: 10 + 0 shots.
    assert parse(F399).metrics["shots"] == 10


def test_weapon_rows_are_summed_over_several_used_weapons() -> None:
    data = to_lf(read(F201)).replace(
        b"pistol,5,3,75.0,250.0,\n", b"pistol,5,3,75.0,250.0,\nshotgun,7,4,25.5,100.0,\n"
    )
    metrics = parse(F201, data).metrics
    # 5 + 7 shots, 3 + 4 hits, 75 + 25.5 done, 250 + 100 possible.
    assert (metrics["shots"], metrics["hits"]) == (12, 7)
    assert (metrics["damage_done"], metrics["damage_possible"]) == (100.5, 350.0)
    assert metrics["accuracy"] == round(7 / 12, 6)


def test_weapon_name_with_an_unquoted_comma() -> None:
    data = to_lf(read(F201)).replace(b"pistol,5,3,", b"pistol, gold,5,3,")
    rec = parse(F201, data)
    assert rec.raw_json is not None
    assert rec.raw_json["weapons"][0]["name"] == "pistol, gold"
    assert (rec.metrics["shots"], rec.metrics["hits"]) == (5, 3)


def test_key_lines_with_and_without_colon() -> None:
    rec = parse(F203)  # 2.0.3: "Resolution,2560x1440" without the colon
    assert rec.raw_json is not None
    settings = rec.raw_json["settings"]
    assert settings["Resolution"] == "2560x1440"
    assert settings["Avg FPS"] == "143.953491"
    assert settings["Resolution Scale"] == "100.0"
    assert settings["Sens Scale"] == "Valorant"
    rec3 = parse(F354)  # 3.x: "Resolution:,1920x1080"
    assert rec3.raw_json is not None
    assert rec3.raw_json["settings"]["Resolution"] == "1920x1080"


def test_raw_json_holds_the_audit_facts() -> None:
    rec = parse(F203)
    assert rec.raw_json is not None
    raw = dict(rec.raw_json)
    assert raw["file_name"] == F203
    assert raw["game_version"] == "2.0.3.1"
    assert raw["hash"] == "22222222222222222222222222222222"
    assert raw["challenge_start"] == "18:07:13.135"
    assert raw["kill_rows"] == 2
    assert "truncated" not in raw
    assert len(raw["settings"]) == 13
    assert "challenge_start" not in (parse(F108).raw_json or {})


def test_bom_is_ignored() -> None:
    plain = parse(F354)
    with_bom = parse(F354, b"\xef\xbb\xbf" + read(F354))
    assert with_bom == plain  # Record equality covers every field but source_key


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_crlf_lf_and_mixed_endings_give_one_digest(name: str) -> None:
    data = read(name)
    lf = to_lf(data)
    crlf = to_crlf(data)
    # Mixed the other way round from 3.8+: CRLF only after key/value lines.
    head, _, tail = lf.partition(b"\n\nKills:")
    mixed = head + b"\n\nKills:" + tail.replace(b"\n", b"\r\n")
    digests = {parse(name, variant).digest for variant in (data, lf, crlf, mixed)}
    assert len(digests) == 1
    assert parse(name, crlf).task == parse(name, lf).task == EXPECTED[name][0]


def test_scenario_value_keeps_commas_and_trailing_space() -> None:
    assert parse(F392).task == "Controlsphere Far, Far Larger 90%"
    assert parse(F399).task == "Pasu Voltaic Silver "  # as the game wrote it, see docstring


def test_summary_and_settings_without_a_blank_line_between() -> None:
    data = to_lf(read(F354)).replace(b"Pause Duration:,0\n\n", b"Pause Duration:,0\n")
    rec = parse(F354, data)
    assert rec.digest == parse(F354).digest
    assert rec.raw_json is not None and rec.raw_json["settings"]["DPI"] == "1600"


def test_unknown_summary_key_is_audit_only() -> None:
    data = to_lf(read(F354)).replace(b"Pause Count:,0\n", b"Pause Count:,0\nFuture Key:,7\n")
    rec = parse(F354, data)
    assert "future_key" not in rec.metrics
    assert rec.raw_json is not None and rec.raw_json["settings"]["Future Key"] == "7"
    assert rec.digest == parse(F354).digest


def test_settings_do_not_change_the_digest() -> None:
    data = to_lf(read(F354)).replace(b"Avg FPS:,387.196533", b"Avg FPS:,12.5")
    assert parse(F354, data).digest == parse(F354).digest


def test_invalid_utf8_becomes_replacement_characters() -> None:
    data = read(F354).replace(b"Scenario:,VT Bounceshot", b"Scenario:,VT \xff\xfeBounceshot")
    assert parse(F354, data).task == "VT \ufffd\ufffdBounceshot 30% Smaller"


def test_non_ascii_scenario() -> None:
    data = read(F354).replace(b"Scenario:,VT Bounceshot", "Scenario:,VT 反応".encode())
    assert parse(F354, data).task == "VT 反応 30% Smaller"


def test_source_key_is_carried_but_not_hashed() -> None:
    a = parse_stats_file(read(F354), F354, UTC, source_key="C:/stats/a")
    b = parse_stats_file(read(F354), F354, UTC)
    assert a.source_key == "C:/stats/a"
    assert a.digest == b.digest


# ---- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (F399, True),
        (F204, True),
        ("C:\\Steam\\FPSAimTrainer\\stats\\" + F392, True),
        ("/home/p/stats/" + F203, True),
        ("Foo Stats.csv", True),  # read, then refused with kovaaks.bad_name (see below)
        ("bounceshot.csv", False),
        ("1wall6targets TE.csv", False),
        (" Stats.csv", False),
        ("Air - Challenge - 2026.09.10-17.17.33 Performance.perf", False),
        ("Air - Challenge - 2026.09.10-17.17.33 Stats.csv.tmp", False),
        ("Air - Challenge - 2026.09.10-17.17.33 stats.csv", False),
    ],
)
def test_is_stats_file_name(name: str, expected: bool) -> None:
    assert is_stats_file_name(name) is expected


def test_a_path_is_reduced_to_its_file_name() -> None:
    rec = parse_stats_file(read(F399), "D:/SteamLibrary/stats/" + F399, UTC)
    assert rec.task == "Pasu Voltaic Silver "
    assert rec.raw_json is not None and rec.raw_json["file_name"] == F399


def test_mode_less_name() -> None:
    rec = parse(F204)
    assert rec.mode is None
    assert "mode" not in rec.to_json()


def test_task_from_the_file_name_when_scenario_is_empty() -> None:
    data = to_lf(read(F201)).replace(b"Scenario:,Tile Frenzy - Standard - 01\n", b"Scenario:,\n")
    rec = parse(F201, data)
    assert (rec.task, rec.mode) == ("Tile Frenzy - Standard - 01", "Challenge")
    modeless = to_lf(read(F204)).replace(b"Scenario:,NVBatch02LatencyFrenzy", b"Scenario:,")
    assert (parse(F204, modeless).task, parse(F204, modeless).mode) == (
        "NVBatch02LatencyFrenzy",
        None,
    )


def test_in_file_scenario_wins_over_a_different_file_name() -> None:
    # A scenario whose characters a file name cannot hold: the name differs, the mode is still
    # found from " - Challenge".
    data = to_lf(read(F201)).replace(b"Scenario:,Tile Frenzy", b"Scenario:,Tile: Frenzy?")
    rec = parse(F201, data)
    assert (rec.task, rec.mode) == ("Tile: Frenzy? - Standard - 01", "Challenge")


def test_scenario_with_dash_is_not_split_as_a_mode() -> None:
    rec = parse(F201)
    assert (rec.task, rec.mode) == ("Tile Frenzy - Standard - 01", "Challenge")


# ---- time ----------------------------------------------------------------------------------


def renamed(stamp: str) -> str:
    return f"VT Bounceshot 30% Smaller - Challenge - {stamp} Stats.csv"


@pytest.mark.parametrize(
    ("zone", "stamp", "expected"),
    [
        ("America/New_York", "2021.03.14-01.59.59", "2021-03-14T06:59:59Z"),  # EST, -5
        ("America/New_York", "2021.03.14-02.30.00", "2021-03-14T07:30:00Z"),  # skipped: -5
        ("America/New_York", "2021.03.14-03.00.00", "2021-03-14T07:00:00Z"),  # EDT, -4
        ("America/New_York", "2021.11.07-01.30.00", "2021-11-07T05:30:00Z"),  # twice: 1st, -4
        ("America/New_York", "2021.11.07-02.00.00", "2021-11-07T07:00:00Z"),  # EST again
        ("Europe/Berlin", "2021.03.28-01.59.59", "2021-03-28T00:59:59Z"),  # CET, +1
        ("Europe/Berlin", "2021.03.28-02.30.00", "2021-03-28T01:30:00Z"),  # skipped: +1
        ("Europe/Berlin", "2021.03.28-03.00.00", "2021-03-28T01:00:00Z"),  # CEST, +2
        ("Europe/Berlin", "2021.10.31-02.30.00", "2021-10-31T00:30:00Z"),  # twice: 1st, +2
        ("Europe/Berlin", "2021.10.31-03.00.00", "2021-10-31T02:00:00Z"),  # CET again
        ("Asia/Tokyo", "2021.01.01-08.00.00", "2020-12-31T23:00:00Z"),  # previous UTC day
    ],
)
def test_local_file_time_to_utc(zone: str, stamp: str, expected: str) -> None:
    name = renamed(stamp)
    assert parse_stats_file(read(F354), name, ZoneInfo(zone)).taken_at == expected


def test_fixed_offset_time_zone() -> None:
    tz = timezone(timedelta(hours=5, minutes=30))
    assert parse(F354, tz=tz).taken_at == "2024-05-24T09:38:40Z"


def test_time_zone_changes_taken_at_and_so_the_digest() -> None:
    berlin = parse(F354, tz=ZoneInfo("Europe/Berlin"))
    assert berlin.taken_at == "2024-05-24T13:08:40Z"  # CEST, +2
    assert berlin.digest != parse(F354).digest


def test_duration_crosses_midnight() -> None:
    assert parse(F399).metrics["duration_s"] == 60.5


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2024.05.24-15.07.36", 0.0),  # same second as the start (.204): not a day long
        ("2024.05.24-15.07.35", 86_398.796),  # a full second before: crossed midnight
        ("2024.05.24-15.07.37", 0.796),
    ],
)
def test_duration_at_second_resolution(stamp: str, expected: float) -> None:
    rec = parse_stats_file(read(F354), renamed(stamp), UTC)
    assert rec.metrics["duration_s"] == expected


# ---- quarantine ----------------------------------------------------------------------------


def lines_without(name: str, *prefixes: bytes) -> bytes:
    return b"\n".join(
        line for line in to_lf(read(name)).split(b"\n") if not line.startswith(prefixes)
    )


def cut_before(name: str, marker: bytes) -> bytes:
    data = to_lf(read(name))
    return data[: data.index(marker)]


QUARANTINE: list[tuple[str, str, bytes, str]] = [
    ("renamed copy", "bounceshot.csv", read(F354), "kovaaks.bad_name"),
    ("no timestamp", "Foo Stats.csv", read(F354), "kovaaks.bad_name"),
    ("no separator", "Foo 2021.01.07-18.08.13 Stats.csv", read(F354), "kovaaks.bad_name"),
    ("Feb 30", renamed("2021.02.30-12.00.00"), read(F354), "kovaaks.bad_name_time"),
    ("hour 24", renamed("2021.01.01-24.00.00"), read(F354), "kovaaks.bad_name_time"),
    ("year 0", renamed("0000.01.01-12.00.00"), read(F354), "kovaaks.bad_name_time"),
    ("zero bytes", F354, b"", "kovaaks.empty"),
    ("blank lines", F354, b"\r\n\r\n  \n", "kovaaks.empty"),
    ("BOM only", F354, b"\xef\xbb\xbf", "kovaaks.empty"),
    ("NUL-filled", F354, b"\x00" * 4096, "kovaaks.nul_bytes"),
    ("NUL inside", F354, read(F354)[:100] + b"\x00" + read(F354)[100:], "kovaaks.nul_bytes"),
    ("other CSV", F354, b"name,score\nalice,3\n", "kovaaks.not_stats_content"),
    ("no kill header", F354, lines_without(F354, b"Kill #"), "kovaaks.not_stats_content"),
    ("cut in kill rows", F201, cut_before(F201, b"3,12:53"), "kovaaks.truncated"),
    ("cut in weapons", F201, cut_before(F201, b"pistol,5"), "kovaaks.truncated"),
    ("cut before Score", F354, cut_before(F354, b"Score:"), "kovaaks.truncated"),
    ("cut before Scenario", F354, cut_before(F354, b"Scenario:"), "kovaaks.truncated"),
    ("cut inside Score key", F354, cut_before(F354, b"ore:,20.0"), "kovaaks.truncated_line"),
    # A file that stopped before its end: the run may still be being written (found by
    # writing a real file in two parts with a pause longer than the quiet period).
    ("cut before Game Version", F354, cut_before(F354, b"Game Version:"), "kovaaks.truncated"),
    ("cut inside Hash", F354, cut_before(F354, b"Game Version:")[:-20], "kovaaks.truncated_line"),
    ("cut before settings", F354, cut_before(F354, b"Input Lag:"), "kovaaks.truncated"),
    (
        "cut before Resolution Scale",
        F354,
        cut_before(F354, b"Resolution Scale:"),
        "kovaaks.truncated",
    ),
    ("cut mid last line", F354, read(F354).rstrip(b"\r\n")[:-2], "kovaaks.truncated_line"),
    (
        "no weapon block",
        F354,
        lines_without(F354, b"Weapon,", b"Bounceshot,"),
        "kovaaks.no_weapon_table",
    ),
    ("weapon header only", F354, lines_without(F354, b"Bounceshot,"), "kovaaks.no_weapon_table"),
    (
        "short weapon row",
        F354,
        read(F354).replace(b"Bounceshot,4,2,100.0,400.0,", b"Bounceshot,4,2"),
        "kovaaks.bad_weapon_row",
    ),
    ("Kills word", F354, read(F354).replace(b"Kills:,2", b"Kills:,two"), "kovaaks.bad_number"),
    ("Kills empty", F354, read(F354).replace(b"Kills:,2", b"Kills:,"), "kovaaks.bad_number"),
    ("Score comma", F354, read(F354).replace(b"Score:,20.0", b"Score:,20,5"), "kovaaks.bad_number"),
    ("spaced", F354, read(F354).replace(b"Kills:,2", b"Kills:, 2"), "kovaaks.bad_number"),
    (
        "Arabic digits",
        F354,
        read(F354).replace(b"Kills:,2", "Kills:,\u0662".encode()),
        "kovaaks.bad_number",
    ),
    (
        "weapon shots",
        F354,
        read(F354).replace(b"Bounceshot,4,", b"Bounceshot,4x,"),
        "kovaaks.bad_number",
    ),
    (
        "summary Damage Done",
        F354,
        read(F354).replace(b"Damage Done:,100.0", b"Damage Done:,?"),
        "kovaaks.bad_number",
    ),
    ("Score nan", F354, read(F354).replace(b"Score:,20.0", b"Score:,nan"), "kovaaks.non_finite"),
    ("Score inf", F354, read(F354).replace(b"Score:,20.0", b"Score:,-inf"), "kovaaks.non_finite"),
    ("1e999", F354, read(F354).replace(b"Score:,20.0", b"Score:,1e999"), "kovaaks.non_finite"),
    (
        "Infinity metric",
        F354,
        read(F354).replace(b"Damage Taken:,0.0", b"Damage Taken:,Infinity"),
        "kovaaks.non_finite",
    ),
    (
        "weapon nan",
        F354,
        read(F354).replace(b"Bounceshot,4,2,100.0,", b"Bounceshot,4,2,NaN,"),
        "kovaaks.non_finite",
    ),
    (
        "start hour 25",
        F354,
        read(F354).replace(b"Challenge Start:,15:07:36.204", b"Challenge Start:,25:07:36.204"),
        "kovaaks.bad_time",
    ),
    (
        "start garbage",
        F354,
        read(F354).replace(b"Challenge Start:,15:07:36.204", b"Challenge Start:,soon"),
        "kovaaks.bad_time",
    ),
    (
        "huge count",
        F354,
        read(F354).replace(b"Kills:,2", b"Kills:,123456789012345678901234567890"),
        "kovaaks.unrepresentable",
    ),
    (
        "sum overflows",
        F354,
        read(F354).replace(
            b"Bounceshot,4,2,100.0,400.0,",
            b"Bounceshot,4,2,1e308,400.0,\nBounceshot,4,2,1e308,400.0,",
        ),
        "kovaaks.unrepresentable",
    ),
]


@pytest.fixture
def each_language() -> Iterator[None]:
    before = get_language()
    yield
    set_language(before)


@pytest.mark.parametrize(
    ("name", "data", "key"),
    [pytest.param(n, d, k, id=i) for i, n, d, k in QUARANTINE],
)
def test_quarantine_reason(name: str, data: bytes, key: str, each_language: None) -> None:
    with pytest.raises(KovaaksParseError) as info:
        parse_stats_file(data, name, UTC)
    err = info.value
    assert err.key == key
    assert key in CATALOG
    assert err.params["file"] == name.rpartition("/")[2]
    for lang in ("en", "ja"):
        set_language(lang)
        text = str(err)
        assert name in text and "{" not in text


def test_every_quarantine_key_is_exercised() -> None:
    keys = {k for k in CATALOG if k.startswith("kovaaks.")}
    assert keys == {key for *_, key in QUARANTINE}


def test_year_9999_pushed_past_the_calendar_by_the_time_zone() -> None:
    with pytest.raises(KovaaksParseError) as info:
        parse_stats_file(read(F354), renamed("9999.12.31-23.59.59"), ZoneInfo("America/New_York"))
    assert info.value.key == "kovaaks.bad_name_time"


def test_nul_offset_is_reported() -> None:
    data = read(F354)[:100] + b"\x00" + read(F354)[100:]
    with pytest.raises(KovaaksParseError) as info:
        parse_stats_file(data, F354, UTC)
    assert info.value.params["offset"] == 100


def test_bad_value_in_message_is_clipped_and_printable() -> None:
    data = read(F354).replace(b"Kills:,2", b"Kills:,\x1b[31m" + b"9" * 100)
    with pytest.raises(KovaaksParseError) as info:
        parse_stats_file(data, F354, UTC)
    shown = info.value.params["value"]
    assert shown.startswith("?[31m") and shown.endswith("…") and len(shown) == 41
    # kill header, 2 kill rows, blank, weapon header, weapon row, blank, then "Kills:" on line 8
    assert info.value.params["line"] == 8


@pytest.mark.parametrize("crlf", [False, True])
@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        # Line numbers read off F354 by hand: kill header (1), 2 kill rows, blank (4), weapon
        # header (5), the Bounceshot row (6), blank (7), then the summary from "Kills:" (8).
        (b"Deaths:,0", b"Deaths:,zero", 9),  # a summary number
        (b"Score:,20.0", b"Score:,x", 25),  # the score
        (b"Challenge Start:,15:07:36.204", b"Challenge Start:,noon", 29),  # a time of day
        (b"Bounceshot,4,2,", b"Bounceshot,four,2,", 6),  # a weapon row's shots
    ],
)
def test_errors_name_the_line_in_lf_and_crlf_files(
    old: bytes, new: bytes, line: int, crlf: bool
) -> None:
    # A summary value's line number is looked up only for the message; it must still be the
    # file's own, whatever its line ends.
    data = to_lf(read(F354))
    assert old in data
    data = data.replace(old, new, 1)
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    with pytest.raises(KovaaksParseError) as info:
        parse_stats_file(data, F354, UTC)
    assert info.value.params["line"] == line


# ---- bounded raw_json ----------------------------------------------------------------------


def test_raw_json_stays_small_for_a_monster_file() -> None:
    data = to_lf(read(F354))
    weapons = b"".join(b"%s %d,1,1,1.0,2.0,\n" % (b"W" * 300, i) for i in range(500))
    settings = b"".join(b"Key %d:,%s\n" % (i, "値".encode() * 400) for i in range(500))
    data = data.replace(b"Bounceshot,4,2,100.0,400.0,\n", weapons)
    data = data + settings
    rec = parse(F354, data)
    assert rec.raw_json is not None
    assert rec.raw_json["truncated"] is True
    assert len(json.dumps(rec.raw_json).encode()) < 8 * 1024
    assert len(json.dumps(rec.raw_json, ensure_ascii=False).encode()) < 8 * 1024
    # Every weapon row still counts, even those left out of raw_json.
    assert (rec.metrics["shots"], rec.metrics["damage_possible"]) == (500, 1000.0)


def test_raw_json_budget_counts_long_numbers() -> None:
    row = b"W%d,1234567890123,1234567890123,1.2345678901234567e+300,9.876543210987654e+300,\n"
    weapons = b"".join(row % i for i in range(400))
    data = to_lf(read(F354)).replace(b"Bounceshot,4,2,100.0,400.0,\n", weapons)
    rec = parse(F354, data)
    assert rec.raw_json is not None and rec.raw_json["truncated"] is True
    assert len(json.dumps(rec.raw_json).encode()) < 8 * 1024


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_raw_json_of_real_sized_files_is_complete(name: str) -> None:
    raw = parse(name).raw_json
    assert raw is not None and "truncated" not in raw
    assert len(json.dumps(raw)) < 2048
