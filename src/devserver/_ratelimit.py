"""A token bucket per key (the SHA-256 of a bearer token), driven by an injected clock.

In memory only: a restart forgives everyone, which is what a development server should do.
No I/O, no logging.
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["RateLimiter"]

# Forget full buckets once this many keys are tracked, so garbage tokens cannot grow memory.
_PRUNE_AT = 10_000


class RateLimiter:
    def __init__(self, rate: float, burst: int, clock: Callable[[], float]) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, updated_at)

    def _level(self, key: str, now: float) -> float:
        tokens, updated = self._buckets.get(key, (self._burst, now))
        # max(): a clock that steps backwards must not drain the bucket.
        return min(self._burst, tokens + max(0.0, now - updated) * self._rate)

    def take(self, key: str) -> int | None:
        """Spend one token: ``None`` if allowed, else the whole seconds to wait (≥ 1)."""
        now = self._clock()
        tokens = self._level(key, now)
        if tokens >= 1:
            if len(self._buckets) >= _PRUNE_AT:
                self._prune(now)
            self._buckets[key] = (tokens - 1, now)
            return None
        self._buckets[key] = (tokens, now)
        return max(1, math.ceil((1 - tokens) / self._rate))

    def _prune(self, now: float) -> None:
        full = [key for key in self._buckets if self._level(key, now) >= self._burst]
        for key in full:
            del self._buckets[key]
