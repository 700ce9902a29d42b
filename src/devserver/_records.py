"""Validation of an ingest body: a JSON array of records, each checked against design.md §4.

Pure and CPU-bound (JSON parsing, the digest of every record): the app runs it in a worker
thread. It must not touch the database; duplicates are decided by the store.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aimcoach.devserver._http import HttpError, Request
from aimcoach.devserver._options import MAX_RECORD_BYTES, MAX_RECORDS
from aimcoach.digest import DigestError, compute_digest

__all__ = ["CheckedRecord", "check_batch", "check_record"]

_REQUIRED = ("provider", "task", "taken_at", "metrics", "digest")
_OPTIONAL = ("mode", "map", "score", "raw_json")
_KNOWN = frozenset(_REQUIRED + _OPTIONAL)
_TAKEN_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z")
_METRIC_KEY = re.compile(r"[a-z][a-z0-9_]*")
_DIGEST = re.compile(r"[0-9a-f]{64}")
# Beyond 2**53 a JavaScript server cannot hold the integer exactly, and RFC 8785 refuses it.
_MAX_SAFE_INT = 2**53


@dataclass(frozen=True, slots=True)
class CheckedRecord:
    """One element of the batch: either valid (``stored`` is its JSON) or an error."""

    index: int
    digest: str | None
    stored: str | None = None
    code: str | None = None
    message: str | None = None


class _Invalid(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


def _number(value: Any, field: str) -> None:
    # bool is an int in Python and `true` is not a measurement.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid("invalid_field", f"{field} must be a number.")
    if isinstance(value, float) and not math.isfinite(value):
        raise _Invalid("invalid_field", f"{field} must be a finite number.")
    if isinstance(value, int) and abs(value) > _MAX_SAFE_INT:
        raise _Invalid("invalid_field", f"{field} is an integer beyond ±2^53.")


def _string(record: dict[str, Any], field: str) -> None:
    value = record[field]
    if not isinstance(value, str) or not value:
        raise _Invalid("invalid_field", f"{field} must be a non-empty string.")


def _check_fields(record: dict[str, Any], provider: str) -> None:
    unknown = sorted(set(record) - _KNOWN)
    if unknown:
        raise _Invalid("unknown_field", f"Unknown field {unknown[0]!r}.")
    for name in _REQUIRED:
        if name not in record:
            raise _Invalid("missing_field", f"The required field {name!r} is missing.")
    if record["provider"] not in ("kovaaks", "aimlabs"):
        raise _Invalid("invalid_field", "provider must be 'kovaaks' or 'aimlabs'.")
    if record["provider"] != provider:
        raise _Invalid(
            "provider_mismatch",
            f"provider is {record['provider']!r} but this endpoint takes {provider!r} records.",
        )
    _string(record, "task")
    # An optional field may be absent or null (docs/digest.md: null means absent).
    present = {name for name in _OPTIONAL if record.get(name) is not None}
    for name in ("mode", "map"):
        if name in present:
            _string(record, name)
    taken_at = record["taken_at"]
    if not isinstance(taken_at, str) or not _TAKEN_AT.fullmatch(taken_at):
        raise _Invalid(
            "invalid_taken_at", "taken_at must be RFC 3339 UTC with a Z, e.g. 2024-05-01T12:00:00Z."
        )
    try:
        datetime.fromisoformat(taken_at[:-1])
    except ValueError as exc:
        raise _Invalid("invalid_taken_at", f"taken_at is not a real date and time: {exc}.") from exc
    metrics = record["metrics"]
    if not isinstance(metrics, dict):
        raise _Invalid("invalid_field", "metrics must be an object of numbers.")
    for key, value in metrics.items():
        if not _METRIC_KEY.fullmatch(key):
            raise _Invalid("invalid_field", f"The metric name {key!r} is not snake_case.")
        _number(value, f"metrics.{key}")
    if "score" in present:
        _number(record["score"], "score")
    if "raw_json" in present and not isinstance(record["raw_json"], dict):
        raise _Invalid("invalid_field", "raw_json must be an object.")
    digest = record["digest"]
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise _Invalid("invalid_field", "digest must be 64 lowercase hexadecimal characters.")


def check_record(index: int, record: Any, provider: str) -> CheckedRecord:
    """Validate one record; never raises for bad input (the error is in the result)."""
    digest = record.get("digest") if isinstance(record, dict) else None
    digest = digest if isinstance(digest, str) else None
    try:
        if not isinstance(record, dict):
            raise _Invalid("invalid_record", "A record must be a JSON object.")
        _check_fields(record, provider)
        try:
            stored = json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            size = len(stored.encode())
        except UnicodeEncodeError as exc:  # JSON may escape a lone surrogate: "\ud800"
            raise _Invalid(
                "invalid_field", "A string holds a lone UTF-16 surrogate, which is not Unicode."
            ) from exc
        except ValueError as exc:  # raw_json holding 1e999
            raise _Invalid("invalid_field", "raw_json holds a number that is not finite.") from exc
        if size > MAX_RECORD_BYTES:
            raise _Invalid(
                "too_large", f"The record is {size} bytes; the limit is {MAX_RECORD_BYTES}."
            )
        try:
            expected = compute_digest(record)
        except DigestError as exc:
            raise _Invalid("invalid_field", f"The digest cannot be computed: {exc.key}.") from exc
        if expected != record["digest"]:
            raise _Invalid(
                "digest_mismatch",
                f"digest does not match the record; the server computed {expected}.",
            )
    except _Invalid as bad:
        return CheckedRecord(index, digest, code=bad.code, message=bad.message)
    return CheckedRecord(index, digest, stored=stored)


def check_batch(request: Request, provider: str) -> list[CheckedRecord]:
    """Parse and check an ingest body; 400 if it is not a JSON array, 413 if it is too long."""
    batch = request.json()
    if not isinstance(batch, list):
        raise HttpError(400, "bad_request", "The body must be a JSON array of records.")
    if len(batch) > MAX_RECORDS:
        raise HttpError(
            413,
            "too_many_records",
            f"The request holds {len(batch)} records; send at most {MAX_RECORDS} per request.",
        )
    return [check_record(i, record, provider) for i, record in enumerate(batch)]
