"""The fast canonical writer in aimcoach.digest writes exactly what rfc8785.dumps writes.

digest.py writes the RFC 8785 form itself for the values a digest input holds, and hands
anything else to rfc8785 (docs/benchmarks.md says why). These tests hold the two to the same
bytes, on the published vectors and on generated digest inputs, including the cases the fast
writer hands over (exponent floats, unsafe integers, lone surrogates, non-BMP keys).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from aimcoach.digest import DigestError, _canonical, digest_input, digest_of_input

VECTORS = Path(__file__).parent / "vectors" / "digest.json"

_floats = st.floats(allow_nan=False, allow_infinity=False)
_ints = st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
_keys = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=8)
_leaf = _floats | _ints | _text
_tree = st.recursive(
    _leaf,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_keys, children, max_size=5),
    max_leaves=20,
)
_inputs = st.fixed_dictionaries(
    {
        "provider": st.sampled_from(["kovaaks", "aimlabs"]),
        "task": _text,
        "taken_at": st.just("2024-05-01T12:00:00Z"),
        "metrics": st.dictionaries(_keys, _floats | _ints, max_size=12),
    },
    optional={"mode": _text, "map": _text, "score": _floats | _ints, "extra": _tree},
)


@pytest.mark.parametrize(
    "vector", json.loads(VECTORS.read_text(encoding="utf-8")), ids=lambda v: str(v["name"])
)
def test_vectors_fast_equals_rfc8785(vector: dict[str, Any]) -> None:
    normalized = digest_input(vector["record"])
    assert _canonical(normalized) == rfc8785.dumps(normalized)
    assert digest_of_input(normalized) == vector["sha256"]


@settings(max_examples=400, deadline=None)
@given(_inputs)
def test_generated_inputs_fast_equals_rfc8785(fields: dict[str, Any]) -> None:
    extra = fields.pop("extra", None)
    normalized: dict[str, Any] = digest_input(fields)
    if extra is not None:
        normalized["metrics"] = {**normalized["metrics"], "nested": extra}
    assert _canonical(normalized) == rfc8785.dumps(normalized)


@pytest.mark.parametrize(
    "value",
    [
        1e-05,  # exponent form: handed to rfc8785
        -1e-06,
        1e16,
        1.5e300,
        123456789012345.6,
        0.0001,
        -0.0,
        2**53 - 1,
        -(2**53) + 1,
        'tab\there, quote" and backslash\\ and \x00\x1f\x7f',
        "\u2028\u2029 é 😀",
    ],
)
def test_edge_values_fast_equals_rfc8785(value: Any) -> None:
    obj: dict[str, Any] = {
        "metrics": {"v": value},
        "task": value if isinstance(value, str) else "t",
    }
    assert _canonical(obj) == rfc8785.dumps(obj)


def test_keys_are_ordered_by_utf16_code_units_like_rfc8785() -> None:
    # U+E000 sorts before U+1F600 by code point, after it by UTF-16 code unit (D83D...).
    obj = {"metrics": {"\ue000": 1, "\U0001f600": 2, "a": 3}}
    assert _canonical(obj) == rfc8785.dumps(obj)
    assert _canonical(obj).index("😀".encode()) < _canonical(obj).index("\ue000".encode())


def test_what_rfc8785_refuses_is_still_refused() -> None:
    with pytest.raises(DigestError):
        _canonical({"metrics": {"big": 2**53}})
    with pytest.raises(DigestError):
        _canonical({"task": "lone \ud800 surrogate"})
