"""The endpoint rule: HTTPS only, except loopback hosts, which may use plain HTTP.

Pure: parses a URL and raises :class:`ConfigError`; no I/O.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from aimcoach.errors import ConfigError

__all__ = ["check_endpoint", "is_loopback_host"]


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(url: str, *, origin: str = "--api-endpoint") -> str:
    """Return ``url`` if it is acceptable as the API endpoint, else raise ConfigError."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port  # a bad port raises ValueError
    except ValueError:
        raise ConfigError("config.endpoint_malformed", url=url, origin=origin) from None
    if parts.scheme not in ("http", "https") or not host or parts.query or parts.fragment:
        raise ConfigError("config.endpoint_malformed", url=url, origin=origin)
    if parts.username or parts.password:
        raise ConfigError("config.endpoint_credentials", origin=origin)
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ConfigError("config.endpoint_not_https", url=url, origin=origin)
    return url
