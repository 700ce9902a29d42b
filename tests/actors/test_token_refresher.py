"""The token refresher actor on trio's virtual clock: schedule, retries, relink, wake-ups.

``/token/refresh`` is an ``httpx.MockTransport`` handler; the store is a real encrypted file in
tmp_path (cheap Argon2 parameters), called inline so the autojump clock stays deterministic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import trio
import trio.testing

from aimcoach.actors.token_refresher import TokenRefresherStats, token_refresher
from aimcoach.auth import TokenManager, TokenSet
from aimcoach.auth._file_store import EncryptedFileStore, KdfParams
from aimcoach.errors import RelinkNeededError, TokenStoreError

_T = TypeVar("_T")
ENDPOINT = "https://api.example.test"
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
HOUR = 3600.0
DAY = 24 * HOUR


async def inline(fn: Callable[[], _T], /) -> _T:
    return fn()


@dataclass
class VirtualWall:
    """Wall time = T0 + trio's virtual time since the first call."""

    zero: float | None = None

    def __call__(self) -> datetime:
        now = trio.current_time()
        if self.zero is None:
            self.zero = now
        return T0 + timedelta(seconds=now - self.zero)


@dataclass
class Server:
    mode: str = "ok"
    times: list[float] = field(default_factory=list)
    rotated: int = 0
    lifetime_s: float = 30 * DAY

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.times.append(trio.current_time())
        if self.mode == "503":
            return httpx.Response(503)
        if self.mode == "401":
            return httpx.Response(401, json={"error": "token_revoked"})
        self.rotated += 1
        return httpx.Response(
            200,
            json={
                "access_token": f"acc-{self.rotated}",
                "refresh_token": f"ref-{self.rotated}",
                "expires_in": self.lifetime_s,
            },
        )


def _state(stats: TokenRefresherStats) -> str:
    # Read through a function: mypy would otherwise keep an earlier assert's narrowing.
    return stats.state


def _tokens(access_left: timedelta, access: str = "acc-0") -> TokenSet:
    return TokenSet(
        access_token=access,
        refresh_token=access.replace("acc", "ref"),
        access_expires_at=T0 + access_left,
        refresh_expires_at=T0 + timedelta(days=90),
        device_name="PC",
        linked_at=T0,
        endpoint=ENDPOINT,
    )


class Rig:
    def __init__(self, tmp_path: Path) -> None:
        self.path = tmp_path / "tokens.enc"
        self.store = self.new_store()
        self.server = Server()
        self.client = httpx.AsyncClient(transport=httpx.MockTransport(self.server))
        self.clock = VirtualWall()
        self.manager = TokenManager(
            self.store, endpoint=ENDPOINT, client=self.client, clock=self.clock, run_sync=inline
        )
        self.stats = TokenRefresherStats()

    def new_store(self) -> EncryptedFileStore:
        return EncryptedFileStore(self.path, lambda creating: "pw", kdf=KdfParams(1, 8, 1))

    async def start(self, nursery: trio.Nursery, **kw: Any) -> None:
        self.clock()  # wall time starts now
        await nursery.start(
            lambda task_status: token_refresher(
                self.manager, stats=self.stats, task_status=task_status, **kw
            )
        )


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return Rig(tmp_path)


async def test_it_sleeps_until_the_token_is_due_then_refreshes_once(
    autojump_clock: trio.testing.MockClock, rig: Rig
) -> None:
    rig.store.set(_tokens(timedelta(days=7)))
    with trio.fail_after(40 * DAY):
        async with trio.open_nursery() as nursery:
            start = trio.current_time()
            await rig.start(nursery)
            await trio.sleep(2 * DAY - 10 * 60 - 1)  # just before 5 days + skew remain
            assert rig.server.times == []
            await trio.sleep(HOUR)
            assert len(rig.server.times) == 1
            # Due at 7d - 5d - 5min; checked hourly, so refreshed within the hour after that.
            assert 2 * DAY - 5 * 60 <= rig.server.times[0] - start <= 2 * DAY - 5 * 60 + HOUR
            assert rig.stats.refreshes == 1
            assert rig.stats.state == "ok"
            # The new token lives 30 days: nothing more for the next 24 days.
            await trio.sleep(24 * DAY)
            assert len(rig.server.times) == 1
            nursery.cancel_scope.cancel()
    stored = rig.new_store().get()
    assert stored is not None and stored.access_token == "acc-1"


async def test_no_busy_loop_while_nothing_is_due(
    autojump_clock: trio.testing.MockClock, rig: Rig
) -> None:
    rig.store.set(_tokens(timedelta(days=30)))
    loads = 0
    original = rig.store.load

    def counting_load() -> Any:
        nonlocal loads
        loads += 1
        return original()

    rig.store.load = counting_load  # type: ignore[method-assign]
    with trio.fail_after(DAY):
        async with trio.open_nursery() as nursery:
            await rig.start(nursery, check_interval_s=HOUR)
            await trio.sleep(10 * HOUR + 1)
            nursery.cancel_scope.cancel()
    assert rig.server.times == []
    assert loads == 1  # read once, then held in memory; woke 10 times on the hour
    assert rig.stats.next_check_at is not None


async def test_network_failures_are_retried_with_growing_pauses(
    autojump_clock: trio.testing.MockClock, rig: Rig
) -> None:
    rig.store.set(_tokens(timedelta(days=1)))
    rig.server.mode = "503"
    with trio.fail_after(DAY):
        async with trio.open_nursery() as nursery:
            await rig.start(nursery, retry_min_s=30, retry_max_s=240)
            await trio.sleep(30 + 60 + 120 + 240 + 240 + 1)
            assert rig.stats.state == "retrying"
            assert rig.stats.failures == 6
            assert rig.stats.last_error is not None and "HTTP 503" in rig.stats.last_error
            gaps = [b - a for a, b in zip(rig.server.times, rig.server.times[1:], strict=False)]
            assert gaps == [30, 60, 120, 240, 240]
            rig.server.mode = "ok"
            await trio.sleep(240)
            assert _state(rig.stats) == "ok" and rig.stats.refreshes == 1
            assert rig.stats.last_error is None
            nursery.cancel_scope.cancel()


async def test_relink_needed_is_recorded_and_a_new_link_is_picked_up(
    autojump_clock: trio.testing.MockClock, rig: Rig
) -> None:
    rig.store.set(_tokens(timedelta(days=1)))
    rig.server.mode = "401"
    with trio.fail_after(DAY):
        async with trio.open_nursery() as nursery:
            await rig.start(nursery, relink_recheck_s=60)
            await trio.testing.wait_all_tasks_blocked()
            assert rig.stats.state == "relink_needed"
            assert rig.stats.relink_needed
            assert rig.stats.last_error is not None
            assert "aimcoach link --code" in rig.stats.last_error
            with pytest.raises(RelinkNeededError):
                await rig.manager.access_token()
            # `aimcoach link` in another terminal: a new store object writes the new pair.
            rig.server.mode = "ok"
            rig.new_store().set(_tokens(timedelta(days=30), access="acc-linked"))
            with trio.fail_after(61):
                await rig.manager.wait_usable()  # what a paused sender waits on
            assert await rig.manager.access_token() == "acc-linked"
            await trio.testing.wait_all_tasks_blocked()
            assert _state(rig.stats) == "ok" and not rig.stats.relink_needed
            nursery.cancel_scope.cancel()
    assert len(rig.server.times) == 1


async def test_a_401_seen_by_the_sender_wakes_the_actor_at_once(
    autojump_clock: trio.testing.MockClock, rig: Rig
) -> None:
    rig.store.set(_tokens(timedelta(days=30)))
    with trio.fail_after(DAY):
        async with trio.open_nursery() as nursery:
            await rig.start(nursery, check_interval_s=HOUR)
            token = await rig.manager.access_token()
            rig.server.mode = "401"
            start = trio.current_time()
            with pytest.raises(RelinkNeededError):
                await rig.manager.after_unauthorized(token)
            await trio.testing.wait_all_tasks_blocked()
            assert rig.stats.state == "relink_needed"
            assert trio.current_time() == start  # not at the next hourly check
            nursery.cancel_scope.cancel()


async def test_short_lifetimes_do_not_make_it_spin(
    autojump_clock: trio.testing.MockClock, rig: Rig
) -> None:
    # A server that hands out 1-day tokens: always inside the 5-day window.
    rig.server.lifetime_s = DAY
    rig.store.set(_tokens(timedelta(days=1)))
    with trio.fail_after(3 * DAY):
        async with trio.open_nursery() as nursery:
            await rig.start(nursery, check_interval_s=HOUR)
            await trio.sleep(DAY)
            nursery.cancel_scope.cancel()
    assert 20 <= len(rig.server.times) <= 26  # about hourly, not every few seconds


async def test_an_unusable_store_stops_the_actor_with_the_error(
    autojump_clock: trio.testing.MockClock, rig: Rig
) -> None:
    rig.path.write_bytes(b"damaged")
    with trio.fail_after(60), pytest.raises(TokenStoreError):
        await token_refresher(rig.manager, stats=rig.stats)
    assert rig.stats.state == "store_error"
