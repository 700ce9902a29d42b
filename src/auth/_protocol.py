"""What the sender needs from whoever owns the token (the token refresher)."""

from __future__ import annotations

from typing import Protocol

__all__ = ["TokenSource"]


class TokenSource(Protocol):
    """Hands out the current access token; never exposes the refresh token.

    ``access_token`` refreshes first when the token has 5 days or less left. ``after_unauthorized``
    is called with the token that got a 401: if no one has refreshed since, it refreshes (one
    refresh shared by all concurrent callers) and returns the new token. Both raise
    ``RelinkNeededError`` when the server refused the refresh token.
    """

    async def access_token(self) -> str: ...

    async def after_unauthorized(self, failed_token: str) -> str: ...
