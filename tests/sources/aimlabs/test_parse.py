"""parse_row: one TaskData row in, one record (or an AimlabsRowError) out."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from aimcoach.sources.aimlabs import AimlabsRowError, parse_row

MakeRow = Callable[..., dict[str, Any]]

CSTASK_COMPACT = (
    '{"shotsTotal":101,"hitsTotal":93.0,"missesTotal":8.0,"avgDist":18.4614372,'
    '"damageTotal":10.0,"timePerKill":0.643627,"killTotal":93,"targetsTotal":102,'
    '"accTotal":92.07921,"headshots":0,"bodyshots":93}'
)


def sample(rows: list[dict[str, Any]], task_id: int) -> dict[str, Any]:
    return next(r for r in rows if r["taskId"] == task_id)


def test_pretty_and_compact_json_give_the_same_run(
    sample_rows: list[dict[str, Any]],
) -> None:
    pretty = sample(sample_rows, 17)  # two-space gaps, other key order, ints for counts
    compact = {**pretty, "performance": CSTASK_COMPACT}  # same numbers, compact, floats
    a, b = parse_row(pretty), parse_row(compact)
    assert a.metrics == b.metrics
    assert a.digest == b.digest
    # Computed by hand from the row 17 text in fixtures/taskdata_rows.json.
    assert dict(a.metrics) == {
        "shots": 101,
        "hits": 93,
        "misses": 8,
        "kills": 93,
        "targets": 102,
        "accuracy": 0.920792,
        "headshots": 0,
        "bodyshots": 93,
        "damage_total": 10,
        "time_per_kill_s": 0.643627,
        "avg_distance": 18.461437,
        "duration_s": 60,
    }


def test_float_counts_become_whole_numbers(sample_rows: list[dict[str, Any]]) -> None:
    record = parse_row(sample(sample_rows, 45))  # "hitsTotal":86.0,"missesTotal":3.0
    assert record.metrics["hits"] == 86 and type(record.metrics["hits"]) is int
    assert record.metrics["misses"] == 3 and type(record.metrics["misses"]) is int


def test_string_zeros_in_spar_arrays_read_as_zero(sample_rows: list[dict[str, Any]]) -> None:
    record = parse_row(sample(sample_rows, 4))  # rtB [..., "0", "0", "0"], rtB5..7 "0"
    assert [record.metrics[f"reaction_time_ms_bin_{i}"] for i in (5, 6, 7)] == [0, 0, 0]
    assert record.metrics["accuracy_bin_0"] == 0.67  # accB0 67.0 %
    assert record.raw_json is not None
    assert record.raw_json["performance"]["rtB"][5] == "0"  # audit keeps what the game wrote


def test_scalar_bins_win_over_the_array(make_row: MakeRow) -> None:
    perf = {"accB": [10.0, 20.0], "accB1": 25.0, "rtB": [300, "x"], "accTotal": 50}
    record = parse_row(make_row(1, performanceClass="SparData", performance=json.dumps(perf)))
    assert record.metrics["accuracy_bin_0"] == 0.1
    assert record.metrics["accuracy_bin_1"] == 0.25
    assert record.metrics["reaction_time_ms_bin_0"] == 300
    assert "reaction_time_ms_bin_1" not in record.metrics


def test_a_null_play_id_falls_back_to_the_task_id(sample_rows: list[dict[str, Any]]) -> None:
    record = parse_row(sample(sample_rows, 16))
    assert record.source_key == "aimlabs:BBBBBBBBBBBBBBBB:task-16"
    assert "duration_s" not in record.metrics  # startedAt/endedAt are 0001-01-01 00:00:00
    assert record.raw_json is not None and record.raw_json["startedAt"] == "0001-01-01 00:00:00"


def test_negative_score_is_kept(sample_rows: list[dict[str, Any]]) -> None:
    assert parse_row(sample(sample_rows, 1509)).score == -295


def test_an_empty_play_reports_no_made_up_values(make_row: MakeRow) -> None:
    # Real rows 393/394: shotsTotal 0, accTotal 100.0, avgDist -1.0, timePerKill 0.0.
    perf = (
        '{"shotsTotal":0,"hitsTotal":0.0,"missesTotal":0.0,"avgDist":-1.0,"damageTotal":0.0,'
        '"timePerKill":0.0,"killTotal":0,"targetsTotal":5,"accTotal":100.0,"headshots":0,'
        '"bodyshots":0}'
    )
    metrics = parse_row(make_row(393, performance=perf)).metrics
    assert "accuracy" not in metrics
    assert "avg_distance" not in metrics
    assert "time_per_kill_s" not in metrics
    assert metrics["shots"] == 0 and metrics["targets"] == 5


def test_track_data_keys(make_row: MakeRow) -> None:
    perf = {
        "OTR": 0.42,
        "avgTimeOn": 1.5,
        "avgTimeOff": 0.5,
        "maxTimeOn": 4.0,
        "maxTimeOff": 2.0,
        "missUpLeft": 3.0,
        "missDown": 2,
        "accTotal": 42.0,
    }
    record = parse_row(make_row(1, performanceClass="TrackData", performance=json.dumps(perf)))
    assert dict(record.metrics) == {
        "otr": 0.42,
        "avg_time_on": 1.5,
        "avg_time_off": 0.5,
        "max_time_on": 4.0,
        "max_time_off": 2.0,
        "miss_up_left": 3,
        "miss_down": 2,
        "accuracy": 0.42,
    }


@pytest.mark.parametrize("perf_class", ["FlickData", None, ""])
def test_unknown_class_keeps_numeric_top_level_keys_in_snake_case(
    make_row: MakeRow, perf_class: str | None
) -> None:
    perf = {
        "accTotal": 55.5,
        "killsPerMin": 30,
        "rtB5": "0",
        "label": "fast",
        "bins": [1, 2],
        "flag": True,
        "nothing": None,
        "HTTPScore": 2,
    }
    record = parse_row(make_row(1, performanceClass=perf_class, performance=json.dumps(perf)))
    assert dict(record.metrics) == {
        "acc_total": 55.5,  # not rescaled: nothing says it is a percentage
        "kills_per_min": 30,
        "rt_b5": 0,
        "http_score": 2,
    }


def test_new_keys_of_a_known_class_are_kept_without_overwriting(make_row: MakeRow) -> None:
    perf = {"shotsTotal": 10, "shots": 99, "reloadCount": 3.0}
    metrics = parse_row(make_row(1, performance=json.dumps(perf))).metrics
    assert metrics["shots"] == 10
    assert metrics["reload_count"] == 3.0


def test_mode_and_map_are_strings_and_absent_when_null(make_row: MakeRow) -> None:
    record = parse_row(make_row(1, mode=10, aimlab_map=0))
    assert (record.mode, record.map) == ("10", "0")
    record = parse_row(make_row(1, mode=None, aimlab_map=None))
    assert (record.mode, record.map) == (None, None)
    assert "mode" not in record.to_json() and "map" not in record.to_json()


@pytest.mark.parametrize(
    ("create_date", "taken_at"),
    [
        ("2024-01-27 22:19:02", "2024-01-27T22:19:02Z"),
        ("2024-01-27T22:19:02", "2024-01-27T22:19:02Z"),  # the JSON export's form
        ("2024-01-27 22:19:02.5", "2024-01-27T22:19:02.5Z"),
        ("2024-01-27 22:19:02.1234567", "2024-01-27T22:19:02.123456Z"),  # .NET ticks
        ("2024-01-27 22:19:02Z", "2024-01-27T22:19:02Z"),
    ],
)
def test_create_date_is_utc(make_row: MakeRow, create_date: str, taken_at: str) -> None:
    assert parse_row(make_row(1, createDate=create_date)).taken_at == taken_at


def test_raw_json_is_the_row_with_parsed_performance(sample_rows: list[dict[str, Any]]) -> None:
    row = sample(sample_rows, 1850)
    raw = parse_row(row).raw_json
    assert raw is not None
    assert raw == {**row, "performance": json.loads(row["performance"])}
    assert raw["performance"]["accTotal"] == 22.1407127


def test_raw_json_always_names_the_account(make_row: MakeRow) -> None:
    row = make_row(1)
    del row["klutchId"]
    record = parse_row(row)
    assert record.raw_json is not None and record.raw_json["klutchId"] is None
    assert record.source_key == "aimlabs::00000000-0000-0000-0000-000000000001"


def test_raw_json_is_bounded_and_says_so(make_row: MakeRow) -> None:
    perf: dict[str, Any] = {"shotsTotal": 5, "trace": list(range(10_000)), "note": "n" * 100_000}
    perf.update({f"k{i}": [[[[[[[i]]]]]]] for i in range(5_000)})
    record = parse_row(make_row(1, performance=json.dumps(perf)))
    raw = record.raw_json
    assert raw is not None and raw["_truncated"] is True
    assert len(raw["performance"]["trace"]) == 64
    assert len(raw["performance"]["note"]) == 512
    assert raw["klutchId"] == "AAAAAAAAAAAAAAAA" and raw["playId"].endswith("0001")
    assert len(json.dumps(record.to_json())) < 64_000
    assert record.metrics["shots"] == 5


def test_a_small_row_is_not_flagged(sample_rows: list[dict[str, Any]]) -> None:
    raw = parse_row(sample(sample_rows, 50)).raw_json
    assert raw is not None and "_truncated" not in raw


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"taskName": None}, "aimlabs.row.missing_task"),
        ({"taskName": "   "}, "aimlabs.row.missing_task"),
        ({"taskName": "t" * 600}, "aimlabs.row.bad_value"),
        ({"taskName": b"\xff\xfe"}, "aimlabs.row.bad_text"),
        ({"taskName": "bad \ud800"}, "aimlabs.row.bad_text"),
        ({"createDate": None}, "aimlabs.row.bad_date"),
        ({"createDate": "0001-01-01 00:00:00"}, "aimlabs.row.bad_date"),
        ({"createDate": "2023-02-30 10:00:00"}, "aimlabs.row.bad_date"),
        ({"createDate": "yesterday"}, "aimlabs.row.bad_date"),
        ({"createDate": 1_700_000_000}, "aimlabs.row.bad_date"),
        ({"performance": '{"shotsTotal": 1,'}, "aimlabs.row.bad_json"),
        ({"performance": ""}, "aimlabs.row.bad_json"),
        ({"performance": "[1, 2]"}, "aimlabs.row.performance_not_object"),
        ({"performance": '{"accTotal": NaN}'}, "aimlabs.row.non_finite"),
        ({"performance": '{"rtB": [1, Infinity]}'}, "aimlabs.row.non_finite"),
        ({"performance": '{"x": 1e999}'}, "aimlabs.row.non_finite"),
        ({"performance": "[" * 100_000 + "]" * 100_000}, "aimlabs.row.performance_unreadable"),
        ({"performance": '{"x": ' + "9" * 5_000 + "}"}, "aimlabs.row.performance_unreadable"),
        ({"score": "lots"}, "aimlabs.row.bad_value"),
        ({"score": 2**60}, "aimlabs.row.bad_value"),
        ({"score": float("inf")}, "aimlabs.row.non_finite"),
        ({"hasReplay": float("nan")}, "aimlabs.row.non_finite"),
        ({"mode": 1.5}, "aimlabs.row.bad_value"),
        ({"weaponSkin": ["a"]}, "aimlabs.row.bad_value"),
    ],
)
def test_bad_rows_raise_a_row_error(make_row: MakeRow, change: dict[str, Any], key: str) -> None:
    with pytest.raises(AimlabsRowError) as info:
        parse_row(make_row(7, **change))
    assert info.value.key == key
    assert str(info.value).startswith("Aim Lab run #7")


def test_numbers_a_javascript_reader_cannot_hold_are_not_metrics(make_row: MakeRow) -> None:
    record = parse_row(make_row(1, performance=json.dumps({"shotsTotal": 2**60, "killTotal": 3})))
    assert "shots" not in record.metrics and record.metrics["kills"] == 3


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


_EDGE_PERFORMANCE = [
    '{"shotsTotal": 5, "note": "' + "n" * 512 + '"}',  # the longest string kept whole
    '{"shotsTotal": 5, "note": "' + "n" * 513 + '"}',  # one more: cut to 512
    '{"shotsTotal": 5, "note": "' + "n\\t" * 300 + '"}',  # escapes: long, but short runs
    '{"shotsTotal": 5, "note": "caf\u00e9"}',  # non-ASCII text
    '{"shotsTotal": 5, "note": "caf\\u00e9"}',  # an escape: ASCII text, non-ASCII value
    '{"shotsTotal": 5, "note": "\\ud800"}',  # a lone surrogate, replaced
    json.dumps({"list": list(range(64))}),
    json.dumps({"list": list(range(65))}),
    json.dumps({f"k{i}": 0 for i in range(128)}, separators=(",", ":")),
    json.dumps({f"k{i}": 0 for i in range(129)}, separators=(",", ":")),  # one key too many
    # Short text, but more than the whole budget once charged: ~36,000 for 3,800 characters.
    json.dumps({f"l{i}": [0] * 60 for i in range(30)}, separators=(",", ":")),
    json.dumps({"d": _deep(4)}),  # containers at depths 1-5: kept
    json.dumps({"d": _deep(5)}),  # one at depth 6: cut
    json.dumps({"n": {"a": {"b": [1, 2.5, None, True, "x", {"c": -3}]}}}),
    json.dumps({"big": 2**70, "small": -(2**63)}),
    '{"accB": [1,2,3], "rtB": ["0", "0"], "killsPerSec": 2.5}',
    "{}",
]


@pytest.mark.parametrize("performance", _EDGE_PERFORMANCE)
def test_raw_json_that_fits_whole_is_what_the_bounder_makes(
    make_row: MakeRow, monkeypatch: pytest.MonkeyPatch, performance: str
) -> None:
    """A performance object that cannot be cut goes into raw_json as parsed; the bounder,
    walking it, must make exactly the same (here on the edges of every limit)."""
    from aimcoach.sources.aimlabs import _parse

    row = make_row(1, performance=performance)
    fast = parse_row(row).raw_json
    monkeypatch.setattr(_parse, "_fits_whole", lambda value, text, budget: False)
    slow = parse_row(row).raw_json
    assert json.dumps(fast) == json.dumps(slow)
    assert fast == slow


def test_every_real_row_fits_whole(sample_rows: list[dict[str, Any]]) -> None:
    from aimcoach.sources.aimlabs import _parse

    for row in sample_rows:
        performance = json.loads(row["performance"])
        # What the columns before it leave of the budget: well under 2,000 in these rows.
        assert _parse._fits_whole(performance, row["performance"], _parse._RAW_BUDGET - 2_000)
        assert parse_row(row).raw_json == {**row, "performance": performance}
