"""TokenManager: the 5-day rule, the single 401 retry, single flight, rotation, relink.

HTTP is an ``httpx.MockTransport`` whose async handler plays ``/token/refresh``; the store is
the real encrypted file store. Time-based tests run on trio's virtual clock (autojump) with a
wall clock that follows it; store calls run inline there (``run_sync``), since the autojump
clock may jump ahead while a worker thread runs.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest
import trio
import trio.testing
from _auth_support import ENDPOINT, FAST_KDF, PASSPHRASE, T0, WallClock, make_tokens

from aimcoach.auth import NotLinkedError, StaticTokenSource, TokenManager
from aimcoach.auth._file_store import EncryptedFileStore
from aimcoach.errors import AuthError, RelinkNeededError, TokenStoreError, TransportError

_T = TypeVar("_T")
DAY = timedelta(days=1)
SKEW = timedelta(minutes=5)


async def inline(fn: Callable[[], _T], /) -> _T:
    return fn()


class RefreshServer:
    """Plays ``POST /token/refresh``: rotates tokens acc-N / ref-N, or fails as told."""

    def __init__(self, store: EncryptedFileStore) -> None:
        self.store = store
        self.requests: list[httpx.Request] = []
        self.bearers: list[str] = []
        self.stored_refresh_at_request: list[str | None] = []
        self.mode = "ok"
        self.rotated = 0
        self.hold: trio.Event | None = None
        self.entered = trio.Event()
        self.access_lifetime = 30 * 86400

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/token/refresh"
        self.requests.append(request)
        self.bearers.append(request.headers["authorization"].removeprefix("Bearer "))
        stored = self.store.get()
        self.stored_refresh_at_request.append(stored.refresh_token if stored else None)
        assert json.loads(request.content) == {}
        self.entered.set()
        if self.hold is not None:
            await self.hold.wait()
        if self.mode == "401":
            return httpx.Response(401, json={"error": "token_revoked", "message": "revoked"})
        if self.mode == "503":
            return httpx.Response(503, json={"error": "unavailable"})
        if self.mode == "429":
            return httpx.Response(429, headers={"retry-after": "5"}, json={"error": "slow"})
        if self.mode == "garbage":
            return httpx.Response(200, content=b"<html>")
        if self.mode == "connect":
            raise httpx.ConnectError("Connection refused")
        if self.mode == "tls":
            err = httpx.ConnectError("tls")
            err.__cause__ = ssl.SSLCertVerificationError(1, "certificate verify failed")
            raise err
        self.rotated += 1
        body: dict[str, Any] = {
            "access_token": f"acc-{self.rotated}",
            "expires_in": self.access_lifetime,
        }
        if self.mode != "no_refresh":
            body["refresh_token"] = f"ref-{self.rotated}"
            body["refresh_expires_in"] = 90 * 86400
        return httpx.Response(200, json=body)


class Setup:
    def __init__(self, store: EncryptedFileStore, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.server = RefreshServer(store)
        self.client = httpx.AsyncClient(transport=httpx.MockTransport(self.server))
        self.clock = clock

    def manager(self, **kw: Any) -> TokenManager:
        return TokenManager(
            self.store,
            endpoint=ENDPOINT,
            client=self.client,
            clock=self.clock,
            run_sync=inline,
            **kw,
        )


@pytest.fixture
def setup(file_store: EncryptedFileStore, wall_clock: WallClock) -> Setup:
    return Setup(file_store, wall_clock)


def _fresh_store(store: EncryptedFileStore) -> EncryptedFileStore:
    return EncryptedFileStore(store.path, lambda creating: PASSPHRASE, kdf=FAST_KDF)


# ---- the 5-day rule --------------------------------------------------------------------------


async def test_a_token_with_more_than_5_days_left_is_handed_out_as_is(
    autojump_clock: trio.testing.MockClock, setup: Setup, wall_clock: WallClock
) -> None:
    setup.store.set(make_tokens(access_in=5 * DAY + SKEW + timedelta(seconds=1)))
    manager = setup.manager()
    with trio.fail_after(5):
        assert await manager.access_token() == "acc-0000-secret"
    assert setup.server.requests == []


@pytest.mark.parametrize(
    "left",
    [5 * DAY + SKEW, 5 * DAY, DAY, timedelta(minutes=6), timedelta(seconds=-30)],
    ids=["exactly-5d-plus-skew", "5d", "1d", "6min", "expired"],
)
async def test_a_token_with_5_days_or_less_is_refreshed_first(
    autojump_clock: trio.testing.MockClock, setup: Setup, left: timedelta
) -> None:
    setup.store.set(make_tokens(access_in=left))
    manager = setup.manager()
    with trio.fail_after(5):
        assert await manager.access_token() == "acc-1"
    assert setup.server.bearers == ["ref-0000-secret"]
    stored = setup.store.get()
    assert stored is not None
    assert (stored.access_token, stored.refresh_token) == ("acc-1", "ref-1")
    assert stored.access_expires_at == T0 + timedelta(days=30)
    assert stored.refresh_expires_at == T0 + timedelta(days=90)


async def test_the_threshold_is_crossed_as_time_passes(
    autojump_clock: trio.testing.MockClock, setup: Setup, wall_clock: WallClock
) -> None:
    setup.store.set(make_tokens(access_in=6 * DAY))
    manager = setup.manager()
    with trio.fail_after(5):
        await manager.access_token()
        wall_clock.advance(DAY - SKEW - timedelta(seconds=1))
        assert await manager.access_token() == "acc-0000-secret"
        assert setup.server.requests == []
        wall_clock.advance(timedelta(seconds=1))
        assert await manager.access_token() == "acc-1"
    assert len(setup.server.requests) == 1


async def test_a_failed_proactive_refresh_keeps_the_valid_token_and_backs_off(
    autojump_clock: trio.testing.MockClock, setup: Setup, wall_clock: WallClock
) -> None:
    setup.store.set(make_tokens(access_in=2 * DAY))
    setup.server.mode = "503"
    manager = setup.manager()
    with trio.fail_after(5):
        assert await manager.access_token() == "acc-0000-secret"
        assert await manager.access_token() == "acc-0000-secret"
        assert len(setup.server.requests) == 1  # not once per call: it backs off
        wall_clock.advance(timedelta(minutes=5))
        setup.server.mode = "ok"
        assert await manager.access_token() == "acc-1"
    assert len(setup.server.requests) == 2


async def test_an_expired_token_and_a_network_failure_is_retryable_not_relink(
    autojump_clock: trio.testing.MockClock,
    setup: Setup,
) -> None:
    setup.store.set(make_tokens(access_in=timedelta(minutes=1)))
    setup.server.mode = "connect"
    manager = setup.manager()
    with trio.fail_after(5), pytest.raises(TransportError) as info:
        await manager.access_token()
    assert info.value.key == "auth.refresh_unreachable"
    assert info.value.retryable
    assert not manager.relink_needed
    loaded = _fresh_store(setup.store).load()
    assert loaded is not None and loaded[1] is False  # nothing persisted as relink


@pytest.mark.parametrize(
    ("mode", "key"),
    [
        ("503", "auth.refresh_server_error"),
        ("429", "auth.refresh_rate_limited"),
        ("garbage", "auth.refresh_bad_reply"),
        ("tls", "auth.refresh_tls"),
    ],
)
async def test_refresh_failures_are_transport_errors(
    autojump_clock: trio.testing.MockClock, setup: Setup, mode: str, key: str
) -> None:
    setup.store.set(make_tokens(access_in=timedelta(0)))
    setup.server.mode = mode
    with trio.fail_after(5), pytest.raises(TransportError) as info:
        await setup.manager().access_token()
    assert info.value.key == key
    assert "ref-0000-secret" not in str(info.value)


# ---- 401 from ingest -----------------------------------------------------------------------


async def test_after_unauthorized_refreshes_once_for_the_current_token(
    autojump_clock: trio.testing.MockClock, setup: Setup
) -> None:
    setup.store.set(make_tokens())
    manager = setup.manager()
    with trio.fail_after(5):
        token = await manager.access_token()
        assert await manager.after_unauthorized(token) == "acc-1"
        # The old token failing again (a request that was already out) costs nothing.
        assert await manager.after_unauthorized(token) == "acc-1"
        assert await manager.access_token() == "acc-1"
    assert len(setup.server.requests) == 1


async def test_after_unauthorized_picks_up_a_link_made_elsewhere(
    autojump_clock: trio.testing.MockClock, setup: Setup
) -> None:
    setup.store.set(make_tokens())
    manager = setup.manager()
    with trio.fail_after(5):
        token = await manager.access_token()
        # `aimcoach link` in another terminal replaced the tokens in the store.
        _fresh_store(setup.store).set(make_tokens(access="relinked-acc", refresh="relinked-ref"))
        assert await manager.after_unauthorized(token) == "relinked-acc"
    assert setup.server.requests == []


async def test_concurrent_401s_share_one_refresh(
    autojump_clock: trio.testing.MockClock, setup: Setup
) -> None:
    setup.store.set(make_tokens())
    manager = setup.manager()
    setup.server.hold = trio.Event()
    results: list[str] = []

    async def caller(token: str) -> None:
        results.append(await manager.after_unauthorized(token))

    with trio.fail_after(5):
        token = await manager.access_token()
        async with trio.open_nursery() as nursery:
            for _ in range(10):
                nursery.start_soon(caller, token)
            await setup.server.entered.wait()
            await trio.testing.wait_all_tasks_blocked()
            setup.server.hold.set()
    assert len(setup.server.requests) == 1
    assert results == ["acc-1"] * 10


async def test_concurrent_401s_share_a_failed_refresh_too(
    autojump_clock: trio.testing.MockClock, setup: Setup
) -> None:
    setup.store.set(make_tokens())
    manager = setup.manager()
    setup.server.hold = trio.Event()
    setup.server.mode = "503"
    errors: list[str] = []

    async def caller(token: str) -> None:
        try:
            await manager.after_unauthorized(token)
        except TransportError as exc:
            errors.append(exc.key)

    with trio.fail_after(5):
        token = await manager.access_token()
        async with trio.open_nursery() as nursery:
            for _ in range(10):
                nursery.start_soon(caller, token)
            await setup.server.entered.wait()
            await trio.testing.wait_all_tasks_blocked()
            setup.server.hold.set()
    assert len(setup.server.requests) == 1
    assert errors == ["auth.refresh_server_error"] * 10


# ---- rotation ------------------------------------------------------------------------------


async def test_the_rotated_refresh_token_is_stored_before_it_is_used(
    autojump_clock: trio.testing.MockClock, setup: Setup
) -> None:
    setup.store.set(make_tokens())
    manager = setup.manager()
    with trio.fail_after(5):
        first = await manager.after_unauthorized(await manager.access_token())
        # Before the new access token was handed out, the new pair was already in the store.
        stored = _fresh_store(setup.store).get()
        assert stored is not None and (stored.access_token, stored.refresh_token) == (
            first,
            "ref-1",
        )
        await manager.after_unauthorized(first)
    # Every refresh presented exactly the refresh token that was in the store at that moment.
    assert setup.server.bearers == ["ref-0000-secret", "ref-1"]
    assert setup.server.stored_refresh_at_request == setup.server.bearers


async def test_a_reply_without_a_refresh_token_keeps_the_old_one(
    autojump_clock: trio.testing.MockClock, setup: Setup
) -> None:
    setup.store.set(make_tokens())
    setup.server.mode = "no_refresh"
    manager = setup.manager()
    with trio.fail_after(5):
        await manager.after_unauthorized(await manager.access_token())
    stored = setup.store.get()
    assert stored is not None
    assert (stored.access_token, stored.refresh_token) == ("acc-1", "ref-0000-secret")
    assert stored.refresh_expires_at == make_tokens().refresh_expires_at


async def test_when_the_store_cannot_keep_the_new_tokens_they_are_not_used(
    autojump_clock: trio.testing.MockClock, setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup.store.set(make_tokens())
    manager = setup.manager()

    def broken(**kw: Any) -> Any:
        raise TokenStoreError("store.file_unwritable", path="x", reason="disk full")

    with trio.fail_after(5):
        token = await manager.access_token()
        monkeypatch.setattr(setup.store, "rotate", broken)
        with pytest.raises(TokenStoreError):
            await manager.after_unauthorized(token)
    assert manager.info() == make_tokens().info()  # acc-1 was never handed out


async def test_a_cancelled_caller_does_not_lose_the_rotated_tokens(
    autojump_clock: trio.testing.MockClock, setup: Setup
) -> None:
    setup.store.set(make_tokens())
    manager = setup.manager()
    setup.server.hold = trio.Event()
    with trio.fail_after(5):
        token = await manager.access_token()
        async with trio.open_nursery() as nursery:

            async def caller() -> None:
                await manager.after_unauthorized(token)

            nursery.start_soon(caller)
            await setup.server.entered.wait()
            nursery.cancel_scope.cancel()  # e.g. `ctl stop` while the refresh is out
            setup.server.hold.set()
    stored = _fresh_store(setup.store).get()
    assert stored is not None and stored.refresh_token == "ref-1"


# ---- relink --------------------------------------------------------------------------------


async def test_a_refused_refresh_persists_relink_needed(
    autojump_clock: trio.testing.MockClock, setup: Setup
) -> None:
    setup.store.set(make_tokens())
    setup.server.mode = "401"
    manager = setup.manager()
    with trio.fail_after(5):
        token = await manager.access_token()
        with pytest.raises(RelinkNeededError) as info:
            await manager.after_unauthorized(token)
        assert info.value.key == "auth.relink_needed"
        assert "aimcoach link --code" in str(info.value)
        assert manager.relink_needed
        # From now on: no network, the same answer.
        with pytest.raises(RelinkNeededError):
            await manager.access_token()
        with pytest.raises(RelinkNeededError):
            await manager.after_unauthorized(token)
    assert len(setup.server.requests) == 1
    # Persisted: a new process knows without asking the server.
    assert _fresh_store(setup.store).load() == (make_tokens(), True)
    with trio.fail_after(5), pytest.raises(RelinkNeededError):
        await Setup(_fresh_store(setup.store), setup.clock).manager().access_token()


async def test_a_new_link_ends_relink_needed(
    autojump_clock: trio.testing.MockClock, setup: Setup
) -> None:
    setup.store.set(make_tokens())
    setup.store.mark_relink_needed()
    manager = setup.manager()
    with trio.fail_after(5):
        with pytest.raises(RelinkNeededError):
            await manager.access_token()
        assert await manager.reload() is False
        async with trio.open_nursery() as nursery:
            nursery.start_soon(manager.wait_usable)
            await trio.testing.wait_all_tasks_blocked()
            _fresh_store(setup.store).set(make_tokens(access="new-acc", refresh="new-ref"))
            assert await manager.reload() is True
        assert await manager.access_token() == "new-acc"
    assert not manager.relink_needed


async def test_without_the_actor_calls_pick_up_a_new_link_within_30_seconds(
    autojump_clock: trio.testing.MockClock, setup: Setup, wall_clock: WallClock
) -> None:
    manager = setup.manager()
    with trio.fail_after(5):
        with pytest.raises(NotLinkedError):
            await manager.access_token()
        _fresh_store(setup.store).set(make_tokens(access="linked-later"))
        wall_clock.advance(timedelta(seconds=29))
        with pytest.raises(NotLinkedError):
            await manager.access_token()  # not re-read on every call
        wall_clock.advance(timedelta(seconds=1))
        assert await manager.access_token() == "linked-later"


async def test_not_linked_and_other_endpoint_need_a_link_and_send_nothing(
    autojump_clock: trio.testing.MockClock, setup: Setup
) -> None:
    with trio.fail_after(5), pytest.raises(NotLinkedError) as info:
        await setup.manager().access_token()
    assert "aimcoach link --code" in str(info.value)
    setup.store.set(make_tokens(access_in=timedelta(0), endpoint="https://other.example.test"))
    with trio.fail_after(5), pytest.raises(RelinkNeededError) as info2:
        await setup.manager().access_token()
    assert info2.value.key == "auth.endpoint_mismatch"
    assert "https://other.example.test" in str(info2.value)
    assert setup.server.requests == []


class _HeldRead:
    """A RunSync whose call (the store's read) waits until ``release`` is set; ``reading`` is
    set once it is waiting."""

    def __init__(self) -> None:
        self.reading = trio.Event()
        self.release = trio.Event()
        self.calls = 0

    async def __call__(self, fn: Callable[[], _T], /) -> _T:
        self.calls += 1
        self.reading.set()
        await self.release.wait()
        return fn()


async def test_open_reads_the_store_first_and_holds_every_caller_until_it_has(
    setup: Setup,
) -> None:
    """``open`` is started before the actors: the sender's first ``access_token()`` waits for
    the store's first read (here held in a worker thread) instead of starting its own."""
    setup.store.set(make_tokens(access="stored-access"))
    read = _HeldRead()
    manager = TokenManager(
        _fresh_store(setup.store),
        endpoint=ENDPOINT,
        client=setup.client,
        clock=setup.clock,
        run_sync=read,
    )
    handed: list[str] = []
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            await nursery.start(manager.open)
            await read.reading.wait()

            async def ask() -> None:
                handed.append(await manager.access_token())

            nursery.start_soon(ask)
            await trio.testing.wait_all_tasks_blocked()
            assert handed == []  # waiting for the lock, not reading the store itself
            read.release.set()
    assert handed == ["stored-access"]
    assert read.calls == 1


async def test_while_the_first_read_runs_info_is_the_public_info_it_was_given(
    setup: Setup,
) -> None:
    """``ctl status`` during the file store's key derivation: linked, not "not linked"."""
    stored = make_tokens(access="stored-access", access_in=timedelta(days=30))
    setup.store.set(stored)
    public = setup.store.info()
    assert public is not None
    read = _HeldRead()
    manager = TokenManager(
        _fresh_store(setup.store),
        endpoint=ENDPOINT,
        client=setup.client,
        clock=setup.clock,
        run_sync=read,
        linked=public,
    )
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            await nursery.start(manager.open)
            await read.reading.wait()
            assert manager.info() == public
            read.release.set()
    assert manager.info() == stored.info(relink_needed=False)

    # A link that is gone by the time of the read: the read's answer wins.
    setup.store.delete()
    gone = TokenManager(
        _fresh_store(setup.store),
        endpoint=ENDPOINT,
        client=setup.client,
        run_sync=inline,
        linked=public,
    )
    with trio.fail_after(5):
        await gone.open()
    assert gone.info() is None


async def test_open_raises_a_store_that_cannot_be_read_and_leaves_a_missing_link_to_callers(
    setup: Setup,
) -> None:
    setup.store.set(make_tokens())
    wrong = TokenManager(
        EncryptedFileStore(setup.store.path, lambda creating: "not it", kdf=FAST_KDF),
        endpoint=ENDPOINT,
        client=setup.client,
        run_sync=inline,
    )
    with trio.fail_after(5), pytest.raises(TokenStoreError) as info:
        await wrong.open()
    assert info.value.key == "store.file_wrong_passphrase"

    setup.store.delete()
    unlinked = setup.manager()
    with trio.fail_after(5):
        await unlinked.open()  # not linked is the sender's to report, as always
        with pytest.raises(NotLinkedError):
            await unlinked.access_token()
    assert setup.server.requests == []


# ---- --api-token ----------------------------------------------------------------------------


async def test_a_static_token_is_never_refreshed_and_a_401_says_so() -> None:
    source = StaticTokenSource("given-token-value")
    with trio.fail_after(5):
        assert await source.access_token() == "given-token-value"
        with pytest.raises(AuthError) as info:
            await source.after_unauthorized("given-token-value")
    assert info.value.key == "auth.api_token_refused"
    assert "--api-token" in str(info.value)
    assert "given-token-value" not in str(info.value) + repr(source)
