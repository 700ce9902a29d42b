"""``aimcoach unlink``: revoke this PC's tokens on the server, then forget them here.

The server is asked first (``POST /unlink`` with the access token, at the endpoint the tokens
were issued by — never another one). Whatever it answers, the tokens are then deleted locally.
If the server could not be told, a warning gives the dates until which the server-side tokens
stay valid, and the exit code is 1. Unlinking when nothing is stored prints "not linked" and
exits 0, so running it twice is harmless. A stored sign-in that cannot be read (wrong
passphrase, damaged file) is deleted too: ``unlink`` is what the store's own errors recommend.

This module must not print or log a token.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

import httpx
import trio

from aimcoach.auth import TokenManager, TokenSet, TokenStore, open_store
from aimcoach.auth._http import join, network_error, new_client
from aimcoach.auth._status import LinkSettings, format_local
from aimcoach.auth._tokens import utc_now
from aimcoach.errors import RelinkNeededError, TokenStoreError, TransportError
from aimcoach.i18n import t

if TYPE_CHECKING:
    from aimcoach.config import Settings

__all__ = ["register", "run"]


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "unlink", parents=[common], help=t("unlink.help"), description=t("unlink.description")
    )
    p.set_defaults(handler=run)


@dataclass(frozen=True, slots=True)
class _Outcome:
    result: Literal["revoked", "already_revoked", "not_told"]
    tokens: TokenSet  # the latest tokens (a refresh may have rotated them on the way)
    reason: str = ""


def _network_reason(exc: httpx.HTTPError, endpoint: str) -> str:
    key, params = network_error("unlink.reason_", exc, endpoint)
    return t(key, **params)


async def _tell_server(
    store: TokenStore,
    tokens: TokenSet,
    *,
    client: httpx.AsyncClient,
    clock: Callable[[], datetime],
) -> _Outcome:
    endpoint = tokens.endpoint
    manager = TokenManager(store, endpoint=endpoint, client=client, clock=clock)

    def latest() -> TokenSet:
        return store.get() or tokens

    try:
        token = await manager.access_token()  # refreshes first if the token is (nearly) expired
        for attempt in range(2):
            try:
                response = await client.post(
                    join(endpoint, "/unlink"), headers={"Authorization": f"Bearer {token}"}
                )
            except httpx.HTTPError as exc:
                reason = _network_reason(exc, endpoint)
                return _Outcome("not_told", await trio.to_thread.run_sync(latest), reason)
            if response.status_code == 401 and attempt == 0:
                token = await manager.after_unauthorized(token)
                continue
            break
    except RelinkNeededError:
        return _Outcome("already_revoked", tokens)
    except TransportError as exc:
        return _Outcome("not_told", await trio.to_thread.run_sync(latest), str(exc))
    current = await trio.to_thread.run_sync(latest)
    if 200 <= response.status_code < 300:
        return _Outcome("revoked", current)
    if response.status_code == 401:
        return _Outcome("already_revoked", current)
    reason = t("unlink.server_error", endpoint=endpoint, status=response.status_code)
    return _Outcome("not_told", current, reason)


def run(
    args: argparse.Namespace,
    settings: Settings | LinkSettings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> int:
    store = open_store(settings.token_store, settings)
    kind, location = store.describe()
    try:
        loaded = store.load()
    except TokenStoreError as exc:
        if not store.delete():
            raise
        print(
            t("unlink.unreadable_deleted", error=str(exc), kind=kind, location=location),
            file=sys.stderr,
        )
        return 1
    if loaded is None:
        print(t("unlink.not_linked"))
        return 0
    tokens, relink_needed = loaded
    if relink_needed:
        # The server already refused this device's refresh token: nothing left to revoke.
        outcome = _Outcome("already_revoked", tokens)
    else:

        async def go() -> _Outcome:
            async with new_client(transport) as client:
                return await _tell_server(store, tokens, client=client, clock=clock)

        outcome = trio.run(go)
    store.delete()
    if outcome.result == "revoked":
        print(t("unlink.done", endpoint=tokens.endpoint, kind=kind, location=location))
        return 0
    if outcome.result == "already_revoked":
        print(t("unlink.already_revoked", kind=kind, location=location))
        return 0
    print(
        t("unlink.deleted_locally", kind=kind, location=location, reason=outcome.reason),
        file=sys.stderr,
    )
    print(
        t(
            "unlink.server_still_valid",
            access_until=format_local(outcome.tokens.access_expires_at),
            refresh_until=format_local(outcome.tokens.refresh_expires_at),
        ),
        file=sys.stderr,
    )
    return 1
