"""LazyClient: the run's httpx client is made at its first request, once, and closed with it."""

from __future__ import annotations

import httpx
import trio

from aimcoach.auth._http import new_client
from aimcoach.transport import LazyClient


class Maker:
    def __init__(self) -> None:
        self.made: list[httpx.AsyncClient] = []
        self.seen: list[tuple[str, bytes, str | None]] = []

    def _reply(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((str(request.url), request.content, request.headers.get("x-test")))
        return httpx.Response(200, json={"ok": True})

    def __call__(self) -> httpx.AsyncClient:
        client = new_client(httpx.MockTransport(self._reply))
        self.made.append(client)
        return client


async def test_nothing_is_made_until_the_first_request_and_then_once() -> None:
    maker = Maker()
    async with LazyClient(maker) as http:
        assert maker.made == []
        assert not http.made
        first = await http.post("http://127.0.0.1:9/a", content=b"[1]", headers={"X-Test": "1"})
        second = await http.post("http://127.0.0.1:9/b", json={})
        assert (first.status_code, second.json()) == (200, {"ok": True})
        assert len(maker.made) == 1
        assert maker.seen == [
            ("http://127.0.0.1:9/a", b"[1]", "1"),
            ("http://127.0.0.1:9/b", b"{}", None),
        ]
        client = maker.made[0]
    assert client.is_closed
    assert not http.made


async def test_a_run_that_sends_nothing_makes_and_closes_nothing() -> None:
    maker = Maker()
    async with LazyClient(maker):
        await trio.lowlevel.checkpoint()
    assert maker.made == []
