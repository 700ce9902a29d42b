"""The time zone of KovaaK's file-name times: an IANA zone with the DST rules of each date.

``--timezone`` names it; otherwise the OS zone (tzlocal maps Windows zone names to IANA ones;
zoneinfo reads the ``tzdata`` package where the OS has no database, as on Windows).
"""

from __future__ import annotations

import zoneinfo
from datetime import tzinfo

from aimcoach.errors import ConfigError

__all__ = ["resolve_timezone"]


def resolve_timezone(name: str | None) -> tzinfo:
    if name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ConfigError("config.bad_timezone", name=name) from None
    import tzlocal

    try:
        return tzlocal.get_localzone()
    except (zoneinfo.ZoneInfoNotFoundError, LookupError, ValueError):
        # An OS zone tzlocal cannot name: UTC is the only honest default; status shows it.
        return zoneinfo.ZoneInfo("UTC")
