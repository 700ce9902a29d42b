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
import math
from collections.abc import Mapping
from typing import Any

import rfc8785

from aimcoach.errors import DigestError

__all__ = ["DIGEST_FIELDS", "DigestError", "canonical_bytes", "compute_digest", "digest_input"]

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
    try:
        return rfc8785.dumps(digest_input(fields))
    except rfc8785.CanonicalizationError as exc:  # e.g. an integer beyond 2**53
        raise DigestError("digest.bad_type", field="?", kind=str(exc)) from exc


def compute_digest(fields: Mapping[str, Any]) -> str:
    """64 lowercase hex characters: SHA-256 of :func:`canonical_bytes`."""
    return hashlib.sha256(canonical_bytes(fields)).hexdigest()
