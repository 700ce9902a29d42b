"""The one exception the KovaaK's reader raises. Pure: no I/O, no logging."""

from __future__ import annotations

from aimcoach.errors import SourceError

__all__ = ["KovaaksParseError"]


class KovaaksParseError(SourceError):
    """A stats file that cannot become a record; ``key`` names the reason (``kovaaks.*``).

    Not retryable: the same bytes always fail the same way. The caller quarantines the file and
    re-reads it only if it changes (a truncated file that KovaaK's is still writing).
    """
