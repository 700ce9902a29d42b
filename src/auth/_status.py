"""The link part of ``aimcoach status``: facts as JSON-able data, and lines for people.

``link_status`` opens the configured store and reads only the non-secret part (expiry times,
device, endpoint, relink flag) — the file store answers that without its passphrase, so status
never prompts. ``render_link_status`` turns that dict into catalog lines. Neither ever touches a
token value; the ``--api-token`` override is reported as a yes/no only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, Protocol

from aimcoach.auth._factory import open_store
from aimcoach.auth._store import TokenStore
from aimcoach.auth._tokens import utc_now
from aimcoach.errors import AimcoachError
from aimcoach.i18n import t

__all__ = [
    "LinkSettings",
    "days_left",
    "format_expiry",
    "format_local",
    "link_status",
    "render_link_status",
]


class LinkSettings(Protocol):
    """The part of ``aimcoach.config.Settings`` that linking and status need."""

    @property
    def api_endpoint(self) -> str: ...

    @property
    def api_token(self) -> str | None: ...

    @property
    def token_store(self) -> str: ...

    @property
    def data_dir(self) -> Path: ...

    @property
    def device_name(self) -> str: ...


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def days_left(expires_at: datetime, now: datetime) -> int:
    """Days until ``expires_at``, to the nearest day (a 30-day token just issued shows 30, not
    29); 0 means less than half a day is left; negative once it has passed."""
    days = (expires_at - now).total_seconds() / 86400
    return math.floor(days + 0.5) if days > 0 else min(-1, math.floor(days))


def format_local(value: datetime, tz: tzinfo | None = None) -> str:
    """``2024-06-01 18:30 +09:00`` in ``tz`` (default: this PC's time zone)."""
    local = value.astimezone(tz) if tz is not None else value.astimezone()
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"


def format_expiry(value: datetime, days: int, tz: tzinfo | None = None) -> str:
    """``2024-06-01 18:30 +09:00 (in 29 days)`` — the absolute time and how far away it is."""
    if days < 0:
        when = t("link.expired")
    elif days == 0:
        when = t("link.within_a_day")
    elif days == 1:
        when = t("link.in_one_day")
    else:
        when = t("link.in_days", days=days)
    return t("link.time_and_distance", time=format_local(value, tz), distance=when)


def link_status(
    settings: LinkSettings,
    *,
    clock: Callable[[], datetime] = utc_now,
    store: TokenStore | None = None,
) -> dict[str, Any]:
    """The link state as a JSON-able dict (never a token value). Does not prompt or log."""
    now = clock()
    out: dict[str, Any] = {
        "linked": False,
        "device": None,
        "endpoint": None,
        "endpoint_matches": None,
        "linked_at": None,
        "access_expires_at": None,
        "access_days_left": None,
        "refresh_expires_at": None,
        "refresh_days_left": None,
        "store_kind": None,
        "store_location": None,
        "store_notice": None,
        "store_error": None,
        "relink_needed": False,
        "api_token_override": bool(settings.api_token),
    }
    try:
        if store is None:
            store = open_store(settings.token_store, settings)
        out["store_kind"], out["store_location"] = store.describe()
        out["store_notice"] = store.notice
        info = store.info()
    except AimcoachError as exc:
        out["store_error"] = str(exc)
        return out
    if info is None:
        return out
    out.update(
        linked=True,
        device=info.device_name,
        endpoint=info.endpoint,
        endpoint_matches=info.endpoint.rstrip("/") == settings.api_endpoint.rstrip("/"),
        linked_at=_iso(info.linked_at),
        access_expires_at=_iso(info.access_expires_at),
        access_days_left=days_left(info.access_expires_at, now),
        refresh_expires_at=_iso(info.refresh_expires_at),
        refresh_days_left=days_left(info.refresh_expires_at, now),
        relink_needed=info.relink_needed,
    )
    return out


def render_link_status(info: dict[str, Any], *, tz: tzinfo | None = None) -> list[str]:
    """Lines for people (current language) from :func:`link_status`'s dict."""
    lines: list[str] = []
    kind, location = info.get("store_kind"), info.get("store_location")
    if info.get("store_error"):
        lines.append(t("link.status_store_error", error=info["store_error"]))
    elif not info.get("linked"):
        lines.append(t("link.status_not_linked"))
        lines.append(t("link.status_store", kind=kind, location=location))
    else:
        lines.append(
            t(
                "link.status_linked",
                device=info["device"],
                endpoint=info["endpoint"],
                linked_at=format_local(datetime.fromisoformat(info["linked_at"]), tz),
            )
        )
        lines.append(t("link.status_store", kind=kind, location=location))
        for key, field in (("link.status_access", "access"), ("link.status_refresh", "refresh")):
            at = datetime.fromisoformat(info[f"{field}_expires_at"])
            days = int(info[f"{field}_days_left"])
            lines.append(t(key, when=format_expiry(at, days, tz)))
        if info.get("relink_needed"):
            lines.append(t("link.status_relink"))
        if info.get("endpoint_matches") is False:
            lines.append(t("link.status_endpoint_mismatch", linked=info["endpoint"]))
    if info.get("store_notice"):
        lines.append(str(info["store_notice"]))
    if info.get("api_token_override"):
        lines.append(t("link.status_override"))
    return lines
