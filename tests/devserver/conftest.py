"""Fixtures for the reference server tests: a hand-moved clock and real servers on loopback.

Servers run on 127.0.0.1 port 0 and are reached with httpx (see aimcoach.devserver.testing).
Time the server reads (expiry, idempotency age, the rate limiter) comes from ``clock``, moved
by hand; nothing here sleeps.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import trio

from aimcoach.devserver import DevServerOptions, serve_devserver
from aimcoach.devserver.testing import FakeClock, RunningServer


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def start_server(
    nursery: trio.Nursery, clock: FakeClock
) -> AsyncIterator[Callable[..., Awaitable[RunningServer]]]:
    """``await start_server(**option_overrides)``: another running server, on ``clock``.

    The servers run in pytest-trio's ``nursery`` (a fixture's nursery must not be entered in one
    task and left in another), and are cancelled with it after the test.
    """
    async with contextlib.AsyncExitStack() as stack:

        async def start(**overrides: Any) -> RunningServer:
            settings: dict[str, Any] = {"port": 0, "admin_secret": "admin-secret", "clock": clock}
            options = DevServerOptions(**(settings | overrides))
            url = await nursery.start(serve_devserver, options)
            client = await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=30))
            return RunningServer(url, client, options)

        yield start


@pytest.fixture
async def server(start_server: Callable[..., Awaitable[RunningServer]]) -> RunningServer:
    return await start_server()
