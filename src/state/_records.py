"""Records to and from the JSON text the outbox stores and the API receives.

The outbox keeps each record exactly as it is sent (``Record.to_json()`` as compact UTF-8 JSON),
so a batch body is the stored texts joined into an array, and a record rebuilt from the outbox
encodes to the same bytes again. Pure: no I/O.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, cast

from aimcoach.messages import Provider, Record

__all__ = ["encode_record", "join_batch", "record_from_json"]

_PROVIDERS: frozenset[str] = frozenset({"kovaaks", "aimlabs"})


def _finite_only(value: Any) -> Any:
    # Metrics and score are finite (the digest refuses anything else), but raw_json is audit
    # detail copied from the source and may hold NaN/Infinity, which JSON cannot carry. Such a
    # value is kept as its text ("nan", "inf") rather than dropping the record or the field.
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, Mapping):
        return {str(k): _finite_only(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_only(v) for v in value]
    return value


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str)


def encode_record(record: Record) -> bytes:
    """The record's JSON as sent: compact, UTF-8, deterministic for a given record."""
    obj = record.to_json()
    try:
        text = _dumps(obj)
    except ValueError:
        text = _dumps(_finite_only(obj))
    return text.encode("utf-8")


def join_batch(items: list[bytes]) -> bytes:
    """A request body: the encoded records as one JSON array, in order."""
    return b"[" + b",".join(items) + b"]"


def record_from_json(obj: Mapping[str, Any], *, source_key: str = "") -> Record:
    """Rebuild a :class:`Record` from the object :meth:`Record.to_json` produced.

    The digest is taken as stored, not recomputed: the outbox only holds records that
    ``make_record`` built, and recomputing could only disagree after a digest-rule change,
    where the stored digest is the one the server already knows. Raises ``ValueError`` when
    the object is not a record.
    """
    provider = obj.get("provider")
    if provider not in _PROVIDERS:
        raise ValueError(f"not a record: provider {provider!r}")
    task, taken_at, digest = obj.get("task"), obj.get("taken_at"), obj.get("digest")
    metrics = obj.get("metrics")
    if not (isinstance(task, str) and isinstance(taken_at, str) and isinstance(digest, str)):
        raise ValueError("not a record: task, taken_at and digest must be strings")
    if not isinstance(metrics, Mapping):
        raise ValueError("not a record: metrics must be an object")
    raw_json = obj.get("raw_json")
    return Record(
        provider=cast(Provider, provider),
        task=task,
        taken_at=taken_at,
        metrics=dict(metrics),
        digest=digest,
        mode=obj.get("mode"),
        map=obj.get("map"),
        score=obj.get("score"),
        raw_json=dict(raw_json) if isinstance(raw_json, Mapping) else None,
        source_key=source_key,
    )
