"""Records round-trip through the outbox's JSON text, byte for byte."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aimcoach.messages import Record, make_record
from aimcoach.state import encode_record, join_batch, record_from_json

_names = st.text(min_size=1, max_size=12)
_numbers = st.one_of(
    st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
)


def _roundtrip(record: Record) -> Record:
    return record_from_json(json.loads(encode_record(record)), source_key=record.source_key)


@given(
    task=_names,
    mode=st.none() | _names,
    map_=st.none() | _names,
    metrics=st.dictionaries(_names, _numbers, max_size=6),
    score=st.none() | _numbers,
    raw=st.none() | st.dictionaries(_names, st.none() | _names | _numbers, max_size=4),
)
def test_any_record_round_trips_to_equal_record_and_identical_bytes(
    task: str,
    mode: str | None,
    map_: str | None,
    metrics: dict[str, float],
    score: float | None,
    raw: dict[str, Any] | None,
) -> None:
    record = make_record(
        provider="aimlabs",
        task=task,
        taken_at="2024-05-01T12:00:00Z",
        metrics=metrics,
        mode=mode,
        map=map_,
        score=score,
        raw_json=raw,
        source_key="TaskData/1",
    )
    back = _roundtrip(record)
    assert back == record
    assert back.source_key == "TaskData/1"
    assert encode_record(back) == encode_record(record)


def test_encoding_is_compact_utf8_in_the_api_field_order() -> None:
    record = make_record(
        provider="kovaaks",
        task="1wall 6targets small 練習",
        taken_at="2024-05-01T12:00:00Z",
        metrics={"shots": 10, "accuracy": 0.5},
        mode="Challenge",
        score=123.4,
    )
    assert (
        encode_record(record)
        == (
            '{"provider":"kovaaks","task":"1wall 6targets small 練習","mode":"Challenge",'
            '"taken_at":"2024-05-01T12:00:00Z","metrics":{"shots":10,"accuracy":0.5},'
            f'"score":123.4,"digest":"{record.digest}"}}'
        ).encode()
    )
    assert join_batch([b"1", b"2"]) == b"[1,2]"
    assert join_batch([]) == b"[]"


def test_non_finite_audit_values_are_kept_as_text() -> None:
    record = make_record(
        provider="kovaaks",
        task="T",
        taken_at="2024-05-01T12:00:00Z",
        metrics={"shots": 1},
        raw_json={"fov": float("nan"), "rows": [float("inf"), 1.5]},
    )
    assert json.loads(encode_record(record))["raw_json"] == {"fov": "nan", "rows": ["inf", 1.5]}


@pytest.mark.parametrize(
    "obj",
    [
        {"provider": "steam", "task": "T", "taken_at": "x", "metrics": {}, "digest": "d"},
        {"provider": "kovaaks", "task": 3, "taken_at": "x", "metrics": {}, "digest": "d"},
        {"provider": "kovaaks", "task": "T", "taken_at": "x", "metrics": [], "digest": "d"},
    ],
)
def test_an_object_that_is_not_a_record_is_refused(obj: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="not a record"):
        record_from_json(obj)
