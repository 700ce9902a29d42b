"""The HTTP client of a run, made when its first request goes out.

A run with nothing to send (``run --once`` over folders it has read before, the most common run
of a scheduled task) makes no request at all, and building an ``httpx.AsyncClient`` is a real
part of its start-up: httpx imports httpcore (and h2) then, and loads the TLS trust store
(~60 ms here, docs/benchmarks.md). :class:`LazyClient` builds it at the first request instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Protocol

import httpx

__all__ = ["LazyClient", "Poster"]


class Poster(Protocol):
    """What the ingest client and the token manager need of an HTTP client: one ``post``.
    ``httpx.AsyncClient`` is one."""

    async def post(
        self,
        url: str,
        *,
        content: bytes | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response: ...


class LazyClient:
    """``make()``'s client, made at the first :meth:`post`; closed with this object."""

    def __init__(self, make: Callable[[], httpx.AsyncClient]) -> None:
        self._make = make
        self._client: httpx.AsyncClient | None = None

    @property
    def made(self) -> bool:
        return self._client is not None

    async def post(
        self,
        url: str,
        *,
        content: bytes | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        if self._client is None:
            self._client = self._make()
        return await self._client.post(url, content=content, json=json, headers=headers)

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def __aenter__(self) -> LazyClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
