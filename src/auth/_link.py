"""Linking this PC: trade the 6-digit code from the AimCoach site for the device's tokens.

``link`` checks the code locally, calls ``POST /link/complete``, and stores both tokens with
absolute expiry times. Every failure becomes one error whose message says what to do next;
nothing is stored unless the whole exchange succeeded, and a successful link replaces whatever
was stored before. TLS certificates are always verified (the caller's ``httpx.AsyncClient``
must not be built with ``verify=False``; nothing here turns it off).

This module must not log or print; tokens never appear in the errors it raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
import trio

from aimcoach.auth._http import error_code, join, network_error, parse_token_reply
from aimcoach.auth._store import TokenStore
from aimcoach.auth._tokens import DEFAULT_REFRESH_LIFETIME, TokenSet, utc_now
from aimcoach.errors import AuthError, ConfigError, TransportError
from aimcoach.transport._endpoint import check_endpoint

__all__ = ["CODE_ERRORS", "MAX_DEVICE_NAME", "check_code", "check_device_name", "link"]

_CODE = re.compile(r"[0-9]{6}")
MAX_DEVICE_NAME = 100

#: The server's error codes for a refused link code, and the message each gets.
CODE_ERRORS: dict[str, str] = {
    "invalid_code": "link.invalid_code",
    "code_expired": "link.code_expired",
    "code_used": "link.code_used",
    "code_invalidated": "link.code_invalidated",
}


def check_code(code: str) -> str:
    """The code if it is exactly 6 ASCII digits (surrounding spaces dropped), else ConfigError."""
    stripped = code.strip()
    if not _CODE.fullmatch(stripped):
        # The text the player typed is not echoed: it may be a pasted token by mistake.
        raise ConfigError("link.code_format")
    return stripped


def check_device_name(name: str) -> str:
    stripped = name.strip()
    if not stripped or not stripped.isprintable():
        raise ConfigError("link.device_bad")
    if len(stripped) > MAX_DEVICE_NAME:
        raise ConfigError("link.device_too_long", limit=MAX_DEVICE_NAME)
    return stripped


def _network_error(exc: httpx.HTTPError, endpoint: str) -> TransportError:
    key, params = network_error("link.", exc, endpoint)
    return TransportError(key, **params)


async def link(
    endpoint: str,
    code: str,
    device_name: str,
    store: TokenStore,
    *,
    client: httpx.AsyncClient,
    clock: Callable[[], datetime] = utc_now,
    default_refresh_lifetime: timedelta = DEFAULT_REFRESH_LIFETIME,
) -> TokenSet:
    """Link this device with ``code`` and store its tokens; returns what was stored.

    Raises ConfigError (bad code or device name, exit 2), AuthError (the server refused the
    code), TransportError (unreachable, TLS, timeout, 5xx, garbage reply) or TokenStoreError.
    """
    code = check_code(code)
    device_name = check_device_name(device_name)
    check_endpoint(endpoint)
    endpoint = endpoint.rstrip("/")
    try:
        response = await client.post(
            join(endpoint, "/link/complete"),
            json={"code": code, "device": {"name": device_name}},
        )
    except httpx.HTTPError as exc:
        raise _network_error(exc, endpoint) from exc

    status = response.status_code
    if 200 <= status < 300:
        reply = parse_token_reply(
            response,
            now=clock(),
            require_refresh=True,
            default_refresh_lifetime=default_refresh_lifetime,
        )
        if reply is None or reply.refresh_token is None or reply.refresh_expires_at is None:
            raise TransportError("link.bad_reply", endpoint=endpoint, status=status)
        tokens = TokenSet(
            access_token=reply.access_token,
            refresh_token=reply.refresh_token,
            access_expires_at=reply.access_expires_at,
            refresh_expires_at=reply.refresh_expires_at,
            device_name=device_name,
            linked_at=clock(),
            endpoint=endpoint,
        )
        await trio.to_thread.run_sync(store.set, tokens)
        return tokens

    code_name = error_code(response)
    if code_name in CODE_ERRORS:
        raise AuthError(CODE_ERRORS[code_name])
    if status == 429:
        raise TransportError("link.rate_limited", endpoint=endpoint)
    if status >= 500:
        raise TransportError("link.server_error", endpoint=endpoint, status=status)
    if 400 <= status < 500:
        raise AuthError("link.refused", endpoint=endpoint, status=status, code=code_name or "-")
    raise TransportError("link.bad_reply", endpoint=endpoint, status=status)
