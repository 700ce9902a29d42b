"""Helpers for tests that talk to the reference server: ours, and every end-to-end test.

``running_devserver`` starts a real server on 127.0.0.1 port 0 inside a nursery and gives a
:class:`RunningServer` with an httpx client and the admin calls (mint a code, link a device,
read stats, script faults). ``FakeClock`` is the wall clock a test moves by hand, so expiry and
rate limits are tested without sleeping. Not used by the agent or the server themselves.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import trio

from aimcoach.devserver._options import DevServerOptions
from aimcoach.devserver._server import serve_devserver
from aimcoach.messages import make_record

__all__ = ["FakeClock", "RunningServer", "running_devserver", "sample_record"]


class FakeClock:
    """Wall-clock seconds (for ``DevServerOptions(clock=...)``) that move only when told."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def sample_record(n: int = 0, provider: str = "kovaaks", **changes: Any) -> dict[str, Any]:
    """A valid record's JSON, distinct for each ``n``; ``changes`` are applied after the digest
    (so changing an identity field makes a `digest_mismatch`)."""
    rec = make_record(
        provider="aimlabs" if provider == "aimlabs" else "kovaaks",
        task=f"Task {n}",
        taken_at="2024-05-01T12:00:00Z",
        metrics={"shots": 100 + n, "hits": 50, "accuracy": 0.5},
        score=1000.5 + n,
    ).to_json()
    rec.update(changes)
    return rec


@dataclass
class RunningServer:
    """A running reference server, a client for it, and its admin calls."""

    url: str
    client: httpx.AsyncClient
    options: DevServerOptions
    admin_headers: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.admin_headers = {"Authorization": f"Admin {self.options.admin_secret}"}

    async def _admin(self, method: str, path: str, body: Any = None) -> httpx.Response:
        response = await self.client.request(method, path, json=body, headers=self.admin_headers)
        if response.status_code >= 300:
            raise AssertionError(f"{method} {path}: {response.status_code} {response.text}")
        return response

    async def mint(self, user: str = "player") -> str:
        code: str = (await self._admin("POST", "/admin/mint-code", {"user": user})).json()["code"]
        return code

    async def link(self, user: str = "player", device: str = "test device") -> dict[str, Any]:
        """Link a new device of ``user``: the ``/link/complete`` answer (the token pair)."""
        code = await self.mint(user)
        body = {"code": code, "device": {"name": device}}
        response = await self.client.post("/link/complete", json=body)
        if response.status_code != 200:
            raise AssertionError(f"/link/complete: {response.status_code} {response.text}")
        tokens: dict[str, Any] = response.json()
        return tokens

    async def stats(self) -> dict[str, Any]:
        body: dict[str, Any] = (await self._admin("GET", "/admin/stats")).json()
        return body

    async def fault(self, **spec: Any) -> None:
        """Queue a fault, e.g. ``fault(path="/ingest/kovaaks", action="status", status=503)``."""
        await self._admin("POST", "/admin/faults", spec)

    async def clear_faults(self) -> None:
        await self._admin("DELETE", "/admin/faults")

    async def ingest(
        self, token: str, records: Any, *, key: str | None = None, provider: str = "kovaaks"
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return await self.client.post(f"/ingest/{provider}", json=records, headers=headers)


@contextlib.asynccontextmanager
async def running_devserver(
    options: DevServerOptions | None = None, **overrides: Any
) -> AsyncIterator[RunningServer]:
    """A server on a free loopback port with an admin secret; stopped on exit.

    ``overrides`` are :class:`DevServerOptions` fields (``clock=FakeClock()``, ``rate=1``, …).
    """
    settings: dict[str, Any] = {"port": 0, "admin_secret": "test-admin-secret"} | overrides
    options = options if options is not None else DevServerOptions(**settings)
    async with trio.open_nursery() as nursery:
        url = await nursery.start(serve_devserver, options)
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            yield RunningServer(url, client, options)
        nursery.cancel_scope.cancel()
