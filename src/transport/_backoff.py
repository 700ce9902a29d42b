"""Retry pacing: exponential backoff with jitter, Retry-After, and a token bucket.

Nothing here sends anything; the sender asks how long to wait and waits on trio's clock, so
tests run it on ``trio.testing.MockClock``.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable
from datetime import UTC

import trio

__all__ = ["Backoff", "TokenBucket", "parse_retry_after"]

# A server may ask for any pause; past an hour it is more likely a mistake than a plan, and the
# records are safe in the outbox either way.
MAX_RETRY_AFTER_S = 3600.0


class Backoff:
    """``delay(n)`` = min(cap, base·factorⁿ) ± jitter·that, or Retry-After when it is longer.

    With the defaults: 2 s, 4 s, 8 s, 16 s … 300 s, each ±10 %. ``n`` counts failures so far,
    starting at 0. ``rng`` is injectable so tests can fix the jitter.
    """

    def __init__(
        self,
        base: float = 2.0,
        factor: float = 2.0,
        cap: float = 300.0,
        jitter: float = 0.1,
        rng: random.Random | None = None,
        max_retry_after: float = MAX_RETRY_AFTER_S,
    ) -> None:
        if base <= 0 or factor < 1 or cap < base or not 0 <= jitter < 1:
            raise ValueError("backoff needs base > 0, factor >= 1, cap >= base, 0 <= jitter < 1")
        self.base, self.factor, self.cap, self.jitter = base, factor, cap, jitter
        self.max_retry_after = max_retry_after
        self._rng = rng if rng is not None else random.Random()

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        # Compare exponents, not powers: factor**attempt overflows a float long before an
        # always-on agent stops retrying.
        if self.factor == 1 or attempt < math.log(self.cap / self.base, self.factor):
            plain = min(self.cap, self.base * self.factor**attempt)
        else:
            plain = self.cap
        wait = plain * (1 + self._rng.uniform(-self.jitter, self.jitter))
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_retry_after))
        return wait


def parse_retry_after(
    value: str | None, *, date_header: str | None = None, now: Callable[[], float] = time.time
) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an HTTP-date.

    An HTTP-date is measured against the response's own ``Date`` header when there is one, so
    a wrong clock on the player's PC does not matter. Unparseable values give ``None``; dates
    in the past give 0.
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        target = _http_date(value)
        if target is None:
            return None
        base = _http_date(date_header) if date_header else None
        seconds = target - (base if base is not None else now())
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _http_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:  # RFC 9110 dates are GMT
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


class TokenBucket:
    """At most ``burst`` acquisitions at once, refilled at ``rate`` per second.

    ``acquire`` sleeps on trio's clock until enough tokens are there; waiters are served in
    order. ``clock`` must be the clock trio sleeps on (the default), or tests lie.
    """

    def __init__(
        self, rate: float, burst: float, *, clock: Callable[[], float] = trio.current_time
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs rate > 0 and burst >= 1")
        self.rate, self.burst = rate, burst
        self._clock = clock
        self._tokens = float(burst)
        self._stamp: float | None = None
        self._lock = trio.Lock()

    def _refill(self) -> None:
        now = self._clock()
        if self._stamp is not None:
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    async def acquire(self, n: float = 1) -> None:
        if n > self.burst:
            raise ValueError(f"cannot take {n} tokens from a bucket of {self.burst}")
        async with self._lock:
            self._refill()
            while self._tokens < n:
                await trio.sleep((n - self._tokens) / self.rate)
                self._refill()
            self._tokens -= n
