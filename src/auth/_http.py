"""Small shared pieces of the auth HTTP calls: URL joining, reply parsing, failure kinds.

Pure: no I/O and no logging. A token never enters an error built here: only the endpoint, the
HTTP status, the server's error *code* and exception type names do.
"""

from __future__ import annotations

import json
import math
import ssl
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx

__all__ = [
    "TIMEOUT",
    "FailureKind",
    "TokenReply",
    "classify_network_error",
    "error_code",
    "join",
    "network_error",
    "new_client",
    "parse_token_reply",
]

FailureKind = Literal["tls", "unreachable", "timeout", "network"]

#: Link, refresh and unlink are small requests: fail in tens of seconds, not minutes.
TIMEOUT = httpx.Timeout(30.0, connect=15.0)


def new_client(transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """The client for the auth calls: TLS verified (httpx's default, never turned off), no
    redirects (a token must not follow one to another host)."""
    return httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False, transport=transport)


def join(endpoint: str, path: str) -> str:
    """``endpoint`` + ``path``, keeping any path prefix of the endpoint (``…/v1/link/complete``)."""
    return endpoint.rstrip("/") + path


def classify_network_error(exc: httpx.HTTPError) -> FailureKind:
    """What kind of network failure ``exc`` is; TLS is found anywhere in the cause chain.

    httpx wraps httpcore, which wraps trio's ``BrokenResourceError``, which wraps the
    ``ssl.SSLError`` — so the chain is walked, not just the outer type.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError | ssl.CertificateError):
            return "tls"
        current = current.__cause__ or current.__context__
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        return "unreachable"
    return "network"


def network_error(prefix: str, exc: httpx.HTTPError, endpoint: str) -> tuple[str, dict[str, str]]:
    """The catalog key for a request that failed on the network — ``prefix`` followed by the
    kind of failure (``tls``, ``unreachable``, ``timeout``, ``network``) — and its parameters."""
    kind = classify_network_error(exc)
    params = {"endpoint": endpoint}
    if kind == "network":
        params["reason"] = type(exc).__name__
    return prefix + kind, params


def error_code(response: httpx.Response) -> str | None:
    """The ``error`` code of a JSON error body, if it has one."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return None
    code = body.get("error") if isinstance(body, dict) else None
    return code if isinstance(code, str) and code.isprintable() and len(code) <= 64 else None


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value <= 0:
        return None
    return float(value)


class TokenReply:
    """A parsed token reply: the tokens and absolute expiry times computed from ``now``."""

    __slots__ = ("access_expires_at", "access_token", "refresh_expires_at", "refresh_token")

    def __init__(
        self,
        access_token: str,
        access_expires_at: datetime,
        refresh_token: str | None,
        refresh_expires_at: datetime | None,
    ) -> None:
        self.access_token = access_token
        self.access_expires_at = access_expires_at
        self.refresh_token = refresh_token
        self.refresh_expires_at = refresh_expires_at

    def __repr__(self) -> str:
        return f"<TokenReply access_expires_at={self.access_expires_at.isoformat()}>"


def _token(value: Any) -> str | None:
    # Tokens go into an Authorization header: printable ASCII without spaces, sane length.
    if not isinstance(value, str) or not 0 < len(value) <= 8192:
        return None
    if not value.isascii() or not value.isprintable() or " " in value:
        return None
    return value


def parse_token_reply(
    response: httpx.Response,
    *,
    now: datetime,
    require_refresh: bool,
    default_refresh_lifetime: timedelta,
) -> TokenReply | None:
    """Parse ``{"access_token", "refresh_token"?, "expires_in", "refresh_expires_in"?}``.

    Returns None for anything that is not exactly that (garbage, wrong types, missing fields).
    A new refresh token without ``refresh_expires_in`` is assumed to live
    ``default_refresh_lifetime`` (90 days, the contract's figure).
    """
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(body, dict):
        return None
    access = _token(body.get("access_token"))
    expires_in = _seconds(body.get("expires_in"))
    if access is None or expires_in is None:
        return None
    refresh: str | None = None
    refresh_lifetime: timedelta | None = None
    if body.get("refresh_token") is not None or require_refresh:
        refresh = _token(body.get("refresh_token"))
        if refresh is None:
            return None
        refresh_in = body.get("refresh_expires_in")
        if refresh_in is None:
            refresh_lifetime = default_refresh_lifetime
        else:
            seconds = _seconds(refresh_in)
            if seconds is None:
                return None
            refresh_lifetime = timedelta(seconds=seconds)
    try:
        access_expires_at = now + timedelta(seconds=expires_in)
        refresh_expires_at = None if refresh_lifetime is None else now + refresh_lifetime
    except OverflowError:  # an absurd lifetime is garbage, not a date
        return None
    return TokenReply(access, access_expires_at, refresh, refresh_expires_at)
