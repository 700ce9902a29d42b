"""The owner of the device token at run time: hands out access tokens and refreshes them.

:class:`TokenManager` implements :class:`~aimcoach.auth.TokenSource` for the sender and is
driven by the token refresher actor. Rules (design.md §2, §6):

* An access token is refreshed when it has 5 days or less left. Expiry is judged with a clock
  skew margin: a token is treated as expiring ``skew_margin`` (5 minutes) early.
* On a 401 from ingest the sender calls ``after_unauthorized(failed)``; if no one refreshed since
  that token was handed out, one refresh runs. Concurrent callers share it: a ``trio.Lock`` plus
  a re-check, and an attempt counter so that callers who waited on a failed attempt get its
  error instead of starting one POST each.
* A refresh reply is written to the store (``rotate``) before the new tokens are used or
  returned, under a cancel shield: once the server has rotated the refresh token, the only
  copy of the new one must not be lost to a cancellation.
* 401 from ``/token/refresh`` → the relink flag is persisted and ``RelinkNeededError`` raised
  (later calls raise it without network) until a fresh link is found in the store: by
  :meth:`reload` (the refresher actor), or by a call at most every 30 seconds.
  Network failures, timeouts, 429 and 5xx are ``TransportError`` (retryable), never relink.
* Tokens are only ever sent to the endpoint they were issued by: a stored link for another
  endpoint is refused (relink needed), never tried.

:class:`StaticTokenSource` serves ``--api-token`` / ``AIMCOACH_API_TOKEN``: it never refreshes.

This module must not log or print, and no error it raises carries a token.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

import httpx
import trio

from aimcoach._logging import register_secret
from aimcoach.auth._http import join, network_error, parse_token_reply
from aimcoach.auth._store import TokenStore
from aimcoach.auth._tokens import DEFAULT_REFRESH_LIFETIME, LinkInfo, TokenSet, utc_now
from aimcoach.errors import (
    AimcoachError,
    AuthError,
    RelinkNeededError,
    TokenStoreError,
    TransportError,
)
from aimcoach.transport._http import Poster

__all__ = [
    "REFRESH_BEFORE",
    "SKEW_MARGIN",
    "NotLinkedError",
    "RunSync",
    "StaticTokenSource",
    "TokenManager",
]

#: Refresh when the access token has this much time left, or less.
REFRESH_BEFORE = timedelta(days=5)
#: Clocks of this PC and the server may disagree by this much: expiry is judged this early.
SKEW_MARGIN = timedelta(minutes=5)
#: After a proactive refresh (failed or not), ``access_token()`` keeps handing out the
#: still-valid token and tries again only after this long (the refresher actor keeps its own
#: schedule; an expired token is always refreshed).
RETRY_AFTER_FAILURE = timedelta(minutes=5)
#: While relink is needed, a call re-reads the store at most this often (a link made in another
#: terminal is picked up even without the refresher actor).
RELINK_RECHECK = timedelta(seconds=30)
#: A refresh (request + storing the reply) runs shielded from cancellation, but not forever.
REFRESH_TIMEOUT_S = 60.0


_T = TypeVar("_T")


class RunSync(Protocol):
    """How blocking store calls are run: ``trio.to_thread.run_sync`` by default. Tests that use
    trio's virtual clock pass an inline runner, since the autojump clock may jump ahead while a
    worker thread runs."""

    async def __call__(self, fn: Callable[[], _T], /) -> _T: ...


class NotLinkedError(RelinkNeededError):
    """No tokens are stored: the player has to run ``aimcoach link`` first."""


def _copy(err: AimcoachError) -> AimcoachError:
    """A fresh error with the same message, so each waiting task raises its own object."""
    return type(err)(err.key, **err.params)


class TokenManager:
    """Hands out the device's access token, refreshing it as needed (see the module doc).

    ``client`` is an ``httpx.AsyncClient`` (TLS verification on) or a ``LazyClient`` of one;
    ``clock`` returns an aware UTC datetime (tests pass one that follows trio's virtual clock).
    ``linked`` is the store's public info (``TokenStore.info()``) when the caller has read it:
    :meth:`info` answers with it until the first read of the tokens has ended.
    """

    def __init__(
        self,
        store: TokenStore,
        *,
        endpoint: str,
        client: Poster,
        clock: Callable[[], datetime] = utc_now,
        refresh_before: timedelta = REFRESH_BEFORE,
        skew_margin: timedelta = SKEW_MARGIN,
        retry_after_failure: timedelta = RETRY_AFTER_FAILURE,
        refresh_timeout_s: float = REFRESH_TIMEOUT_S,
        default_refresh_lifetime: timedelta = DEFAULT_REFRESH_LIFETIME,
        relink_recheck: timedelta = RELINK_RECHECK,
        run_sync: RunSync = trio.to_thread.run_sync,
        linked: LinkInfo | None = None,
    ) -> None:
        self._store = store
        self._linked = linked
        self._run_sync = run_sync
        self._endpoint = endpoint.rstrip("/")
        self._client = client
        self._clock = clock
        self._refresh_before = refresh_before
        self._skew = skew_margin
        self._retry_after_failure = retry_after_failure
        self._refresh_timeout_s = refresh_timeout_s
        self._default_refresh_lifetime = default_refresh_lifetime
        self._relink_recheck = relink_recheck
        self._last_load_at: datetime | None = None

        self._lock = trio.Lock()
        self._tokens: TokenSet | None = None
        self._blocked: RelinkNeededError | None = None  # why no token can be handed out
        self._loaded = False
        self._attempts = 0
        self._last_failure: AimcoachError | None = None
        self._no_proactive_until: datetime | None = None
        self._last_refresh_at: datetime | None = None
        self._usable = trio.Event()
        self._changed = trio.Event()

    def __repr__(self) -> str:
        return f"<TokenManager endpoint={self._endpoint!r} relink_needed={self.relink_needed}>"

    # ---- what the refresher, status and the sender may look at ------------------------------

    @property
    def store(self) -> TokenStore:
        return self._store

    @property
    def endpoint(self) -> str:
        return self._endpoint

    @property
    def relink_needed(self) -> bool:
        return self._blocked is not None

    @property
    def blocked_reason(self) -> RelinkNeededError | None:
        """The error every call raises right now (not linked, refused, other endpoint)."""
        return self._blocked

    @property
    def last_refresh_at(self) -> datetime | None:
        return self._last_refresh_at

    def info(self) -> LinkInfo | None:
        """Expiry times and device of the token in memory; before the first read has ended,
        the ``linked`` info the manager was made with (the file store's first read takes its
        key derivation, ~0.1 s, longer with stronger settings)."""
        tokens = self._tokens
        if tokens is None:
            return None if self._loaded else self._linked
        return tokens.info(relink_needed=self.relink_needed)

    def now(self) -> datetime:
        return self._clock()

    def due_at(self) -> datetime | None:
        """When the current access token becomes due for a refresh (None if none is loaded)."""
        tokens = self._tokens
        if tokens is None:
            return None
        return tokens.access_expires_at - self._skew - self._refresh_before

    async def wait_usable(self) -> None:
        """Return once a token can be handed out (immediately unless relink is needed)."""
        await self._usable.wait()

    async def wait_changed(self) -> None:
        """Return at the next change: a refresh, a relink needed, a relink picked up."""
        await self._changed.wait()

    # ---- TokenSource ------------------------------------------------------------------------

    async def access_token(self) -> str:
        async with self._lock:
            tokens = await self._current()
            now = self._clock()
            if self._is_due(tokens, now):
                backing_off = (
                    self._no_proactive_until is not None and now < self._no_proactive_until
                )
                if backing_off and not self._is_expired(tokens, now):
                    return tokens.access_token
                if backing_off and self._last_failure is not None:
                    raise _copy(self._last_failure)
                try:
                    tokens = await self._refresh(tokens)
                except TransportError:
                    if self._is_expired(tokens, self._clock()):
                        raise
                    # Still valid for a while: keep working, the refresher will try again.
            return tokens.access_token

    async def after_unauthorized(self, failed_token: str) -> str:
        attempts_seen = self._attempts
        async with self._lock:
            tokens = await self._current()
            if tokens.access_token != failed_token:
                return tokens.access_token  # someone refreshed while this request was out
            # `aimcoach link` in another terminal may have replaced the tokens meanwhile.
            tokens = await self._load_from_store()
            if tokens.access_token != failed_token:
                return tokens.access_token
            if self._attempts != attempts_seen and self._last_failure is not None:
                # A refresh for this very token failed while we waited: share its outcome.
                raise _copy(self._last_failure)
            return (await self._refresh(tokens)).access_token

    # ---- for the refresher actor ------------------------------------------------------------

    async def refresh_if_due(self) -> datetime:
        """Refresh if the access token is due; returns when it will next be due."""
        async with self._lock:
            tokens = await self._current()
            if self._is_due(tokens, self._clock()):
                tokens = await self._refresh(tokens)
            return tokens.access_expires_at - self._skew - self._refresh_before

    async def open(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Read the store now, in a worker thread, so that the run can start meanwhile.

        ``task_status.started()`` comes once the lock is held: started with ``nursery.start``,
        no token is handed out and no refresh begins before this first read has ended. Not
        linked and relink needed are left to the sender (they block it, as they always do);
        a store that cannot be read raises :class:`TokenStoreError`.
        """
        async with self._lock:
            task_status.started()
            if not self._loaded:
                with contextlib.suppress(RelinkNeededError):
                    await self._load_from_store()

    async def reload(self) -> bool:
        """Re-read the store (a link done elsewhere); True once a token can be handed out."""
        async with self._lock:
            try:
                await self._load_from_store()
            except RelinkNeededError:
                return False
            return True

    # ---- internals (called with the lock held) ----------------------------------------------

    def _is_expired(self, tokens: TokenSet, now: datetime) -> bool:
        return tokens.access_expires_at - self._skew <= now

    def _is_due(self, tokens: TokenSet, now: datetime) -> bool:
        return tokens.access_expires_at - self._skew - now <= self._refresh_before

    def _notify(self) -> None:
        self._changed.set()
        self._changed = trio.Event()

    def _block(self, err: RelinkNeededError) -> RelinkNeededError:
        was_blocked = self._blocked is not None
        self._blocked = err
        if self._usable.is_set():
            self._usable = trio.Event()
        if not was_blocked:
            self._notify()
        return err

    def _unblock(self, tokens: TokenSet) -> TokenSet:
        register_secret(tokens.access_token)
        register_secret(tokens.refresh_token)
        was_blocked = self._blocked is not None
        self._tokens = tokens
        self._blocked = None
        self._usable.set()
        if was_blocked:
            self._notify()
        return tokens

    async def _current(self) -> TokenSet:
        if not self._loaded:
            await self._load_from_store()
        elif self._blocked is not None and (
            self._last_load_at is None or self._clock() - self._last_load_at >= self._relink_recheck
        ):
            with contextlib.suppress(RelinkNeededError):
                await self._load_from_store()  # a link made elsewhere since?
        if self._blocked is not None:
            raise _copy(self._blocked)
        assert self._tokens is not None
        return self._tokens

    async def _load_from_store(self) -> TokenSet:
        loaded = await self._run_sync(self._store.load)
        self._loaded = True
        self._last_load_at = self._clock()
        if loaded is None:
            self._tokens = None
            raise _copy(self._block(NotLinkedError("auth.not_linked")))
        tokens, flagged = loaded
        self._tokens = tokens
        if flagged:
            raise _copy(self._block(RelinkNeededError("auth.relink_needed")))
        if tokens.endpoint.rstrip("/") != self._endpoint:
            err = RelinkNeededError(
                "auth.endpoint_mismatch", linked=tokens.endpoint, endpoint=self._endpoint
            )
            raise _copy(self._block(err))
        return self._unblock(tokens)

    async def _refresh(self, tokens: TokenSet) -> TokenSet:
        self._attempts += 1
        try:
            # Shielded: once the server has rotated the refresh token, its reply must reach the
            # store even if our caller is being cancelled (the old token is now worthless, and
            # presenting it again would revoke the device).
            with trio.CancelScope(shield=True):
                with trio.move_on_after(self._refresh_timeout_s) as scope:
                    new = await self._refresh_unshielded(tokens)
                if scope.cancelled_caught:
                    raise TransportError("auth.refresh_timeout", endpoint=self._endpoint)
        except AimcoachError as exc:
            self._last_failure = exc
            self._no_proactive_until = self._clock() + self._retry_after_failure
            raise
        self._last_failure = None
        # Even after a success: a server that hands out lifetimes shorter than the 5-day window
        # would otherwise be asked again on every call. The refresher actor keeps the schedule.
        self._no_proactive_until = self._clock() + self._retry_after_failure
        self._last_refresh_at = self._clock()
        self._notify()
        return new

    async def _refresh_unshielded(self, tokens: TokenSet) -> TokenSet:
        try:
            response = await self._client.post(
                join(self._endpoint, "/token/refresh"),
                json={},
                headers={"Authorization": f"Bearer {tokens.refresh_token}"},
            )
        except httpx.HTTPError as exc:
            key, params = network_error("auth.refresh_", exc, self._endpoint)
            raise TransportError(key, **params) from exc

        status = response.status_code
        if status == 401:
            # The refresh token was refused: only a new link helps. Persist it so `status` and
            # the next start say so without asking the server again.
            err = self._block(RelinkNeededError("auth.relink_needed"))
            # The flag is a courtesy for `status`; the relink error is what matters.
            with contextlib.suppress(TokenStoreError):
                await self._run_sync(self._store.mark_relink_needed)
            raise _copy(err)
        if 200 <= status < 300:
            reply = parse_token_reply(
                response,
                now=self._clock(),
                require_refresh=False,
                default_refresh_lifetime=self._default_refresh_lifetime,
            )
            if reply is None:
                raise TransportError("auth.refresh_bad_reply", endpoint=self._endpoint)
            # Stored first, used after: the rotated refresh token exists only in this reply.
            new = await self._run_sync(
                lambda: self._store.rotate(
                    access_token=reply.access_token,
                    access_expires_at=reply.access_expires_at,
                    refresh_token=reply.refresh_token,
                    refresh_expires_at=reply.refresh_expires_at,
                )
            )
            return self._unblock(new)
        if status == 429:
            raise TransportError("auth.refresh_rate_limited", endpoint=self._endpoint)
        if status >= 500:
            raise TransportError(
                "auth.refresh_server_error", endpoint=self._endpoint, status=status
            )
        raise TransportError("auth.refresh_unexpected", endpoint=self._endpoint, status=status)


class StaticTokenSource:
    """The ``--api-token`` override: hands out the given token and never refreshes it."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("StaticTokenSource needs a token")
        self._token = token
        register_secret(token)

    def __repr__(self) -> str:
        return "<StaticTokenSource>"

    async def access_token(self) -> str:
        return self._token

    async def after_unauthorized(self, failed_token: str) -> str:
        raise AuthError("auth.api_token_refused")
