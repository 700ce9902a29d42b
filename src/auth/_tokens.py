"""The linked device's tokens, and how a store turns them into bytes and back.

``TokenSet`` is what every store keeps; ``LinkInfo`` is the part of it that is not secret
(expiry times, device, endpoint, the relink flag) and may be shown by ``status``. The record
format is a small versioned JSON object. This module must not do I/O, and nothing it renders
(``repr``, ``str``, exception texts) may contain a token value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aimcoach.errors import TokenStoreError

__all__ = [
    "DEFAULT_REFRESH_LIFETIME",
    "LinkInfo",
    "TokenSet",
    "decode_record",
    "encode_record",
    "utc_now",
]

#: When the server does not say how long a refresh token lives (``refresh_expires_in``), we
#: assume the contract's "about 90 days" (design.md §6). It only drives what ``status`` shows
#: and when the refresher warns; the server stays the judge (a refused refresh means relink).
DEFAULT_REFRESH_LIFETIME = timedelta(days=90)

_RECORD_VERSION = 1


def utc_now() -> datetime:
    return datetime.now(UTC)


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        # A programming error, not a user-facing one: the message names a field, never a value.
        raise ValueError(f"{name} must be a timezone-aware datetime")


@dataclass(frozen=True, slots=True)
class TokenSet:
    """The device's access and refresh tokens and what we know about them.

    The two token fields are left out of ``repr`` (and so of ``str``), so a TokenSet that ends up
    in a log line or a traceback shows expiry times and the device, never a secret.
    """

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_expires_at: datetime
    refresh_expires_at: datetime
    device_name: str
    linked_at: datetime
    endpoint: str

    def __post_init__(self) -> None:
        for name in ("access_expires_at", "refresh_expires_at", "linked_at"):
            _require_aware(name, getattr(self, name))
        if not self.access_token or not self.refresh_token:
            raise ValueError("a TokenSet needs both tokens")

    def info(self, *, relink_needed: bool = False) -> LinkInfo:
        return LinkInfo(
            access_expires_at=self.access_expires_at,
            refresh_expires_at=self.refresh_expires_at,
            device_name=self.device_name,
            linked_at=self.linked_at,
            endpoint=self.endpoint,
            relink_needed=relink_needed,
        )


@dataclass(frozen=True, slots=True)
class LinkInfo:
    """The non-secret part of a stored link: safe for ``status`` and logs."""

    access_expires_at: datetime
    refresh_expires_at: datetime
    device_name: str
    linked_at: datetime
    endpoint: str
    relink_needed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "access_expires_at": _iso(self.access_expires_at),
            "refresh_expires_at": _iso(self.refresh_expires_at),
            "device_name": self.device_name,
            "linked_at": _iso(self.linked_at),
            "endpoint": self.endpoint,
            "relink_needed": self.relink_needed,
        }

    @classmethod
    def from_json(cls, obj: Any, *, location: str) -> LinkInfo:
        try:
            return cls(
                access_expires_at=_parse_iso(obj["access_expires_at"]),
                refresh_expires_at=_parse_iso(obj["refresh_expires_at"]),
                device_name=_str(obj["device_name"]),
                linked_at=_parse_iso(obj["linked_at"]),
                endpoint=_str(obj["endpoint"]),
                relink_needed=_bool(obj.get("relink_needed", False)),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise TokenStoreError("store.corrupt", location=location) from None


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_iso(value: Any) -> datetime:
    parsed = datetime.fromisoformat(_str(value))
    if parsed.tzinfo is None:
        raise ValueError("naive time in the token record")
    return parsed.astimezone(UTC)


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected text")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("expected a boolean")
    return value


def encode_record(tokens: TokenSet, *, relink_needed: bool) -> bytes:
    """The bytes a store protects: tokens, link facts and the relink flag, as JSON."""
    obj = tokens.info(relink_needed=relink_needed).to_json()
    obj["v"] = _RECORD_VERSION
    obj["access_token"] = tokens.access_token
    obj["refresh_token"] = tokens.refresh_token
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode("utf-8")


def decode_record(data: bytes, *, location: str) -> tuple[TokenSet, bool]:
    """Inverse of :func:`encode_record`; anything malformed is ``store.corrupt``."""
    try:
        obj = json.loads(data.decode("utf-8"))
        if not isinstance(obj, dict) or obj.get("v") != _RECORD_VERSION:
            raise ValueError("unknown record version")
        info = LinkInfo.from_json(obj, location=location)
        tokens = TokenSet(
            access_token=_str(obj["access_token"]),
            refresh_token=_str(obj["refresh_token"]),
            access_expires_at=info.access_expires_at,
            refresh_expires_at=info.refresh_expires_at,
            device_name=info.device_name,
            linked_at=info.linked_at,
            endpoint=info.endpoint,
        )
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        # ``from None``: the JSON decoder's message could quote part of the record.
        raise TokenStoreError("store.corrupt", location=location) from None
    return tokens, info.relink_needed
