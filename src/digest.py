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
    # bool is an int subclass; a flag is not a measurement and JSON would print it as true/false.
    if isinstance(value, bool):
        raise DigestError("digest.bad_type", field=field, kind="bool")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DigestError("digest.non_finite", field=field, value=repr(value))
        rounded = round(value, 6)
        return 0.0 if rounded == 0 else rounded
    if isinstance(value, int | str) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _normalize(v, f"{field}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalize(v, f"{field}[{i}]") for i, v in enumerate(value)]
    raise DigestError("digest.bad_type", field=field, kind=type(value).__name__)


def digest_input(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The object that is canonicalized: the digest fields of ``fields``, normalized."""
    out: dict[str, Any] = {}
    for name in DIGEST_FIELDS:
        value = fields.get(name)
        if value is None:
            if name in _OPTIONAL:
                continue
            raise DigestError("digest.bad_type", field=name, kind="None")
        out[name] = _normalize(value, name)
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
# of the reference server's digest check; docs/benchmarks.md). A digest input holds only
# strings, safe integers, floats, dicts and lists, and for those the bytes below are the ones
# rfc8785.dumps writes (tests/test_digest.py compares the two on the vectors and on generated
# inputs). Anything else, an exponent-form float, or a string that is not valid UTF-8 goes to
# rfc8785 itself, so what it writes or refuses stays the rule.

_SAFE_INT = 2**53 - 1
# The C string encoder of json, as for ensure_ascii=False: it escapes '"', '\\' and U+0000 to
# U+001F exactly as RFC 8785 section 3.2.2.2 asks (\b \f \n \r \t, else \u00xx).
_quote = json.encoder.encode_basestring


class _Slow(Exception):
    """A value the fast writer leaves to rfc8785."""


def _utf16(key: str) -> bytes:
    return key.encode("utf-16-be")  # RFC 8785 section 3.2.3 orders keys by UTF-16 code units


def _write(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(_quote(value))
    elif isinstance(value, float):
        text = repr(value)
        if "e" in text or "n" in text:  # 1e-05, 1e+16, inf, nan: rfc8785's own rules
            raise _Slow
        out.append("0" if value == 0 else text[:-2] if text.endswith(".0") else text)
    elif isinstance(value, bool) or value is None:
        raise _Slow  # normalizing refuses bool; None never reaches here
    elif isinstance(value, int):
        if not -_SAFE_INT <= value <= _SAFE_INT:
            raise _Slow
        out.append(str(int(value)))
    elif isinstance(value, dict):
        try:
            keys = sorted(value, key=_utf16)
        except AttributeError:  # a key that is not a string
            raise _Slow from None
        out.append("{")
        for i, key in enumerate(keys):
            if i:
                out.append(",")
            out.append(_quote(key))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    elif isinstance(value, list):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise _Slow


def _canonical(normalized: Mapping[str, Any]) -> bytes:
    out: list[str] = []
    try:
        _write(dict(normalized), out)
        return "".join(out).encode("utf-8")
    except (_Slow, UnicodeEncodeError):
        pass
    try:
        return rfc8785.dumps(normalized)
    except rfc8785.CanonicalizationError as exc:  # e.g. an integer beyond 2**53
        raise DigestError("digest.bad_type", field="?", kind=str(exc)) from exc
