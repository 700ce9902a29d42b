"""The reference server's settings and the limits of the API contract (docs/api.md).

The limits are module constants, not options: they are the contract the client and the real
server team build against. Options are what a test or a developer may change. This module must
not do I/O.
"""

from __future__ import annotations

import ipaddress
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aimcoach.errors import ConfigError

__all__ = [
    "CODE_MAX_FAILURES",
    "CODE_TTL_S",
    "IDEMPOTENCY_TTL_S",
    "MAX_BODY_BYTES",
    "MAX_RECORDS",
    "MAX_RECORD_BYTES",
    "DevServerOptions",
    "is_loopback",
    "is_valid_user",
]

#: A request may carry at most this many records (the contract says "< 10,000"); more is 413.
MAX_RECORDS = 9_999
#: One record's compact UTF-8 JSON may be at most this many bytes (500 KiB); more is `too_large`.
MAX_RECORD_BYTES = 500 * 1024
#: A request body may be at most this many bytes (64 MiB); more is 413 `request_too_large`.
MAX_BODY_BYTES = 64 * 1024 * 1024
#: A link code lives this long after it is minted.
CODE_TTL_S = 10 * 60
#: This many wrong attempts invalidate every live link code (see docs/api.md, "Link codes").
CODE_MAX_FAILURES = 5
#: A stored Idempotency-Key response is replayed for this long.
IDEMPOTENCY_TTL_S = 24 * 60 * 60

_DAY_S = 24 * 60 * 60


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and every loopback address (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name other than localhost: it may resolve anywhere
        return False


def is_valid_user(user: str) -> bool:
    """A user name: 1 to 64 printable characters (it appears in stats and in log lines)."""
    return 0 < len(user) <= 64 and user.isprintable()


def _positive(flag: str, value: float) -> None:
    if isinstance(value, bool) or not math.isfinite(value) or value <= 0:
        raise ConfigError("devserver.bad_number", flag=flag, value=value)


@dataclass(frozen=True, slots=True, kw_only=True)
class DevServerOptions:
    """How one reference server runs.

    ``clock`` returns wall-clock seconds since the epoch; every expiry (link codes, tokens,
    idempotency keys) and the rate limiter read it, so tests move time by hand instead of
    sleeping. ``db_path`` is a file (kept across restarts) or ``":memory:"``.
    """

    host: str = "127.0.0.1"
    port: int = 8787
    db_path: str | os.PathLike[str] = ":memory:"
    allow_remote: bool = False
    admin_secret: str | None = field(default=None, repr=False)
    access_ttl: int = 30 * _DAY_S
    refresh_ttl: int = 90 * _DAY_S
    rate: float = 20.0
    burst: int = 40
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        if isinstance(self.port, bool) or not 0 <= self.port <= 65535:
            raise ConfigError("devserver.bad_port", value=self.port)
        _positive("--access-ttl", self.access_ttl)
        _positive("--refresh-ttl", self.refresh_ttl)
        _positive("--rate", self.rate)
        _positive("--burst", self.burst)
        if self.admin_secret == "":
            raise ConfigError("devserver.empty_admin_secret")
        if not self.allow_remote and not is_loopback(self.host):
            raise ConfigError("devserver.remote_refused", host=self.host)
