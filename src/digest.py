"""The record digest: SHA-256 over the RFC 8785 (JCS) form of a record's identity fields.

The digest covers ``{provider, task, mode?, map?, taken_at, metrics, score?}``: absent optional
fields are omitted (``None`` means absent), every float is rounded to 6 decimal places first
(Python's ``round``: round-half-even on the exact binary value), ``-0.0`` becomes ``0``, and NaN
or ±Infinity is refused with :class:`DigestError`. ``raw_json`` is not part of it, so audit
detail can change without making a run look new. See docs/digest.md and
tests/vectors/digest.json: a server in any language can reproduce these bytes.

Pure: no I/O, no logging.
"""

from __future__ import annotations

import hashlib
import json.encoder
import math
from collections.abc import Mapping
from typing import Any

import rfc8785

from aimcoach.errors import DigestError

__all__ = [
    "DIGEST_FIELDS",
    "DigestError",
    "canonical_bytes",
    "compute_digest",
    "digest_input",
    "digest_of_input",
]

DIGEST_FIELDS: tuple[str, ...] = ("provider", "task", "mode", "map", "taken_at", "metrics", "score")
_OPTIONAL = frozenset({"mode", "map", "score"})


def _normalize(value: Any, field: str) -> Any:
    kind = type(value)  # exact types first: the values a parser makes, without isinstance chains
    if kind is float:
        return _float(value, field)
    if kind is int or kind is str or value is None:
        return value
    # bool is an int subclass; a flag is not a measurement and JSON would print it as true/false.
    if isinstance(value, bool):
        raise DigestError("digest.bad_type", field=field, kind="bool")
    if isinstance(value, float):
        return _float(value, field)
    if isinstance(value, int | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): _normalize(v, f"{field}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalize(v, f"{field}[{i}]") for i, v in enumerate(value)]
    raise DigestError("digest.bad_type", field=field, kind=type(value).__name__)


def _float(value: float, field: str) -> float:
    if not math.isfinite(value):
        raise DigestError("digest.non_finite", field=field, value=repr(value))
    return _rounded(value)


def _rounded(value: float) -> float:
    """A finite float rounded to 6 places; -0.0 (and what rounds to it) becomes 0.0."""
    rounded = round(value, 6)
    return 0.0 if rounded == 0 else rounded


def _metrics(value: Any) -> Any:
    """``_normalize(value, "metrics")``; for a dict of plain numbers, without a field name per
    value (they are only needed for an error, and then the slow path makes them)."""
    if type(value) is dict:
        out: dict[str, Any] = {}
        for key, number in value.items():
            kind = type(number)
            if kind is float and math.isfinite(number) and type(key) is str:
                out[key] = _rounded(number)
            elif kind is int and type(key) is str:
                out[key] = number
            else:
                return _normalize(value, "metrics")
        return out
    return _normalize(value, "metrics")


def digest_input(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The object that is canonicalized: the digest fields of ``fields``, normalized."""
    out: dict[str, Any] = {}
    for name in DIGEST_FIELDS:
        value = fields.get(name)
        if value is None:
            if name in _OPTIONAL:
                continue
            raise DigestError("digest.bad_type", field=name, kind="None")
        out[name] = _metrics(value) if name == "metrics" else _normalize(value, name)
    return out


def canonical_bytes(fields: Mapping[str, Any]) -> bytes:
    """RFC 8785 bytes of the digest input of ``fields`` (a record or its JSON object)."""
    return _canonical(digest_input(fields))


def compute_digest(fields: Mapping[str, Any]) -> str:
    """64 lowercase hex characters: SHA-256 of :func:`canonical_bytes`."""
    return hashlib.sha256(canonical_bytes(fields)).hexdigest()


def digest_of_input(normalized: Mapping[str, Any]) -> str:
    """:func:`compute_digest` of an object :func:`digest_input` made (not normalized again)."""
    return hashlib.sha256(_canonical(normalized)).hexdigest()


# ---- the canonical form, fast ----------------------------------------------------------------
# rfc8785 is pure Python and was a third of the time it takes to parse a stats file (and most
# of the reference server's digest check; docs/benchmarks.md). A digest input holds strings,
# safe integers, floats, dicts with ASCII keys and lists, and for those json's C encoder writes
# the RFC 8785 bytes once two things are settled first (tests/test_digest_canonical.py compares
# the two on the vectors and on generated inputs):
#
# * numbers: an integral float is written as the integer it is (RFC 8785 writes 1.0 as "1"),
#   and a float whose repr has an exponent goes to rfc8785 (Python's repr switches to
#   exponents at 1e16 and 1e-4, ECMAScript's at 1e21 and 1e-6); between those, both write the
#   shortest digits that round-trip;
# * keys: json sorts them by code point, RFC 8785 by UTF-16 code unit; for ASCII keys the two
#   orders are one.
#
# Strings go through json's C escaper, as for ensure_ascii=False: it escapes '"', '\\' and
# U+0000 to U+001F exactly as RFC 8785 section 3.2.2.2 asks (\b \f \n \r \t, else \u00xx).
# Anything else (a non-ASCII key, an exponent-form float, an integer beyond 2^53, a string that
# is not valid UTF-8, a type json would quietly convert) goes to rfc8785 itself, so what it
# writes or refuses stays the rule.

_SAFE_INT = 2**53 - 1
_ENCODER = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")
)


class _Slow(Exception):
    """A value the fast writer leaves to rfc8785."""


def _prepared(value: Any) -> Any:
    """``value`` with each integral float as an int; :class:`_Slow` for what json would get
    wrong. Exact types only: a bool, an int or str subclass, a Mapping that is no dict are
    rfc8785's."""
    kind = type(value)
    if kind is str:
        return value
    if kind is float:
        if value.is_integer():
            if -_SAFE_INT <= value <= _SAFE_INT:
                return int(value)  # -0.0 too: RFC 8785 writes it as 0
            raise _Slow
        if "e" in repr(value):  # also nan and inf pass here: json refuses them (allow_nan)
            raise _Slow
        return value
    if kind is int:
        if -_SAFE_INT <= value <= _SAFE_INT:
            return value
        raise _Slow
    if kind is dict:
        try:
            ascii_keys = "".join(value).isascii()
        except TypeError:  # a key that is not a string: json would write its str()
            raise _Slow from None
        if not ascii_keys:
            raise _Slow
        return {key: _prepared(item) for key, item in value.items()}
    if kind is list:
        return [_prepared(item) for item in value]
    raise _Slow


def _canonical(normalized: Mapping[str, Any]) -> bytes:
    try:
        text: str = _ENCODER.encode(_prepared(dict(normalized)))
        return text.encode("utf-8")
    except (_Slow, ValueError, UnicodeEncodeError):  # ValueError: nan or inf, for rfc8785
        pass
    try:
        return rfc8785.dumps(normalized)
    except rfc8785.CanonicalizationError as exc:  # e.g. an integer beyond 2**53
        raise DigestError("digest.bad_type", field="?", kind=str(exc)) from exc
