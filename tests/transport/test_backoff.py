"""Backoff delays, Retry-After parsing and the token bucket (on trio's virtual clock)."""

from __future__ import annotations

import random
from typing import Any

import pytest
import trio

from aimcoach.transport import Backoff, TokenBucket, parse_retry_after


def test_delays_double_from_two_seconds_up_to_the_cap() -> None:
    backoff = Backoff(jitter=0.0)
    assert [backoff.delay(n) for n in range(10)] == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]


def test_a_very_late_attempt_does_not_overflow() -> None:
    assert Backoff(jitter=0.0).delay(100_000) == 300.0


def test_jitter_stays_within_its_fraction_and_varies() -> None:
    backoff = Backoff(jitter=0.1, rng=random.Random(7))
    delays = [backoff.delay(2) for _ in range(200)]
    assert all(7.2 <= d <= 8.8 for d in delays)
    assert len(set(delays)) > 100


def test_retry_after_wins_only_when_longer_and_is_bounded() -> None:
    backoff = Backoff(jitter=0.0, max_retry_after=600.0)
    assert backoff.delay(0, retry_after=30.0) == 30.0
    assert backoff.delay(3, retry_after=1.0) == 16.0
    assert backoff.delay(0, retry_after=10_000.0) == 600.0


@pytest.mark.parametrize(
    "kwargs",
    [{"base": 0.0}, {"factor": 0.5}, {"cap": 1.0}, {"jitter": 1.0}, {"jitter": -0.1}],
)
def test_nonsense_parameters_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="backoff"):
        Backoff(**kwargs)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 1.5 ", 1.5),
        ("-3", 0.0),
        ("soon", None),
        ("inf", None),
        ("nan", None),
        (None, None),
    ],
)
def test_retry_after_seconds(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_retry_after_dates_use_the_server_date_or_else_our_clock() -> None:
    when = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert parse_retry_after(when, date_header="Wed, 21 Oct 2015 07:27:00 GMT") == 60.0
    # 2015-10-21T07:27:50Z as a Unix timestamp.
    assert parse_retry_after(when, now=lambda: 1445412470.0) == 10.0
    assert parse_retry_after(when, date_header="garbage", now=lambda: 1445412470.0) == 10.0
    assert parse_retry_after(when, now=lambda: 1445412490.0) == 0.0


async def test_the_bucket_allows_a_burst_then_paces(autojump_clock: trio.testing.MockClock) -> None:
    with trio.fail_after(60):
        bucket = TokenBucket(rate=2.0, burst=3)
        start = trio.current_time()
        times = []
        for _ in range(6):
            await bucket.acquire()
            times.append(trio.current_time() - start)
    assert times == pytest.approx([0, 0, 0, 0.5, 1.0, 1.5])


async def test_the_bucket_refills_while_idle_but_not_past_its_burst(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with trio.fail_after(300):
        bucket = TokenBucket(rate=1.0, burst=2)
        await bucket.acquire(2)
        await trio.sleep(100)
        start = trio.current_time()
        await bucket.acquire()
        await bucket.acquire()
        assert trio.current_time() == start
        await bucket.acquire()
        assert trio.current_time() == pytest.approx(start + 1.0)
        with pytest.raises(ValueError, match="cannot take"):
            await bucket.acquire(3)


def test_a_bucket_needs_a_positive_rate_and_burst() -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate=0, burst=1)
    with pytest.raises(ValueError):
        TokenBucket(rate=1, burst=0)
