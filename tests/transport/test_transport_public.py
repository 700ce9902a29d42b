"""The public surface of aimcoach.transport: what the sender, config and CLI may use."""

from __future__ import annotations

import aimcoach.transport


def test_all_is_locked_and_importable() -> None:
    assert set(aimcoach.transport.__all__) == {
        "Backoff",
        "BadBatch",
        "Delivered",
        "IngestClient",
        "IngestOutcome",
        "ItemOutcome",
        "LazyClient",
        "Poster",
        "RetryLater",
        "TokenBucket",
        "Unauthorized",
        "check_endpoint",
        "is_loopback_host",
        "parse_retry_after",
    }
    for name in aimcoach.transport.__all__:
        assert getattr(aimcoach.transport, name) is not None
