"""The HTTP side of delivery: the ingest client, its typed outcomes, and retry pacing.

    IngestClient.post_batch(...) -> IngestOutcome
        Delivered(per_index)            200: each record accepted, duplicate or rejected
        RetryLater(error, retry_after)  429, 5xx, network errors, timeouts, a garbage reply,
                                        any status that does not blame the records
        Unauthorized()                  401: refresh the token once, then resend
        BadBatch(status, code, message) 400/413/422: the server stored none of it; split

    Backoff          2 s, 4 s, 8 s … capped, with jitter; Retry-After wins when longer
    TokenBucket      requests per second, on trio's clock
    check_endpoint   https only, except loopback hosts (the reference server)
    LazyClient       the run's httpx client, made at its first request (Poster: what is used)

This package decides nothing about the outbox: the sender does. It must never put a token in
an outcome, an error, a log line or a repr.
"""

from __future__ import annotations

from aimcoach.transport._backoff import Backoff, TokenBucket, parse_retry_after
from aimcoach.transport._client import (
    BadBatch,
    Delivered,
    IngestClient,
    IngestOutcome,
    ItemOutcome,
    RetryLater,
    Unauthorized,
)
from aimcoach.transport._endpoint import check_endpoint, is_loopback_host
from aimcoach.transport._http import LazyClient, Poster

__all__ = [
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
]
