"""The record digest: published vectors, canonical form, and its invariants (hypothesis)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aimcoach.digest import DigestError, canonical_bytes, compute_digest
from aimcoach.messages import make_record

VECTORS = Path(__file__).parent / "vectors" / "digest.json"


def _base() -> dict[str, Any]:
    return {
        "provider": "kovaaks",
        "task": "T",
        "taken_at": "2020-01-01T00:00:00Z",
        "metrics": {"shots": 1},
    }


@pytest.mark.parametrize(
    "vector", json.loads(VECTORS.read_text(encoding="utf-8")), ids=lambda v: str(v["name"])
)
def test_published_vectors_match_the_code(vector: dict[str, Any]) -> None:
    assert canonical_bytes(vector["record"]).decode("utf-8") == vector["canonical"]
    assert compute_digest(vector["record"]) == vector["sha256"]


def test_optional_fields_absent_are_omitted() -> None:
    rec = {**_base(), "mode": None}
    assert canonical_bytes(rec) == (
        b'{"metrics":{"shots":1},"provider":"kovaaks","taken_at":"2020-01-01T00:00:00Z","task":"T"}'
    )


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_values_are_refused_with_the_field_named(bad: float) -> None:
    rec = {**_base(), "metrics": {"accuracy": bad}}
    with pytest.raises(DigestError) as info:
        compute_digest(rec)
    assert "metrics.accuracy" in str(info.value)


def test_non_finite_score_is_refused() -> None:
    with pytest.raises(DigestError):
        compute_digest({**_base(), "score": math.nan})


def test_bool_metric_is_refused() -> None:
    with pytest.raises(DigestError):
        compute_digest({**_base(), "metrics": {"cheated": True}})


def test_missing_required_field_is_refused() -> None:
    rec = _base()
    del rec["taken_at"]
    with pytest.raises(DigestError):
        compute_digest(rec)


def test_make_record_stores_what_it_hashed() -> None:
    rec = make_record(
        provider="aimlabs",
        task="gridshot",
        taken_at="2023-01-01T00:00:00Z",
        metrics={"accuracy": 0.123456789},
        score=1.0000001,
    )
    assert rec.metrics["accuracy"] == 0.123457
    assert rec.score == 1.0
    assert compute_digest(rec.to_json()) == rec.digest


_names = st.text(min_size=1, max_size=12)
_metric_values = st.one_of(
    # counts as large as real runs have; beyond ~1e9 a change of 1e-6 is below float precision
    st.integers(min_value=-(10**9), max_value=10**9),
    st.integers(min_value=-(10**9), max_value=10**9).map(lambda k: k / 1_000_000),
)
_records = st.fixed_dictionaries(
    {
        "provider": st.sampled_from(["kovaaks", "aimlabs"]),
        "task": _names,
        "taken_at": st.just("2024-05-01T10:00:00Z"),
        "metrics": st.dictionaries(_names, _metric_values, min_size=1, max_size=6),
    },
    optional={"mode": _names, "map": _names, "score": _metric_values},
)


@settings(max_examples=200, deadline=None)
@given(_records, st.randoms(use_true_random=False))
def test_key_order_does_not_change_the_digest(rec: dict[str, Any], rnd: Any) -> None:
    items = list(rec.items())
    rnd.shuffle(items)
    metrics = list(rec["metrics"].items())
    rnd.shuffle(metrics)
    shuffled = dict(items)
    shuffled["metrics"] = dict(metrics)
    assert compute_digest(shuffled) == compute_digest(rec)


@settings(max_examples=200, deadline=None)
@given(_records, st.floats(min_value=-4e-7, max_value=4e-7))
def test_float_noise_below_a_millionth_does_not_change_the_digest(
    rec: dict[str, Any], noise: float
) -> None:
    # Values are exact multiples of 1e-6 (as a parser's rounded output is); noise smaller than
    # half a unit in the 6th place must round away.
    noisy = {**rec, "metrics": {k: float(v) + noise for k, v in rec["metrics"].items()}}
    assert compute_digest(noisy) == compute_digest(rec)


@settings(max_examples=200, deadline=None)
@given(_records, st.data())
def test_any_real_change_of_a_field_changes_the_digest(rec: dict[str, Any], data: Any) -> None:
    field = data.draw(st.sampled_from(["provider", "task", "taken_at", "metric", "score", "mode"]))
    changed = json.loads(json.dumps(rec))
    if field == "provider":
        changed["provider"] = "aimlabs" if rec["provider"] == "kovaaks" else "kovaaks"
    elif field == "task":
        changed["task"] = rec["task"] + "x"
    elif field == "taken_at":
        changed["taken_at"] = "2024-05-01T10:00:01Z"
    elif field == "metric":
        key = data.draw(st.sampled_from(sorted(rec["metrics"])))
        changed["metrics"][key] = rec["metrics"][key] + 0.000001 * data.draw(
            st.sampled_from([-1, 1, 5])
        )
    elif field == "score":
        changed["score"] = rec.get("score", 0) + 1
    else:
        changed["mode"] = (rec.get("mode") or "") + "m"
    assert compute_digest(changed) != compute_digest(rec)
