"""Digest basics; the published vectors and property tests live beside the sources."""

from __future__ import annotations

import pytest
from aimcoach.digest import DigestError, canonical_bytes, compute_digest


def test_optional_fields_absent_are_omitted() -> None:
    rec = {
        "provider": "kovaaks",
        "task": "T",
        "taken_at": "2020-01-01T00:00:00Z",
        "metrics": {"shots": 1},
        "mode": None,
    }
    assert canonical_bytes(rec) == (
        b'{"metrics":{"shots":1},"provider":"kovaaks","taken_at":"2020-01-01T00:00:00Z","task":"T"}'
    )


def test_nan_is_refused() -> None:
    rec = {
        "provider": "kovaaks",
        "task": "T",
        "taken_at": "2020-01-01T00:00:00Z",
        "metrics": {"accuracy": float("nan")},
    }
    with pytest.raises(DigestError):
        compute_digest(rec)
