"""Token stores, linking, refresh."""

from __future__ import annotations

from aimcoach.auth._protocol import TokenSource

__all__ = ["TokenSource"]
