"""The server's parts on their own: the body limit, the rate limiter, and the ASGI app directly."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import pytest
import structlog
import trio

from aimcoach.devserver import DevServerOptions
from aimcoach.devserver._app import DevServerApp
from aimcoach.devserver._http import HttpError, read_body
from aimcoach.devserver._ratelimit import RateLimiter
from aimcoach.devserver._store import Store, open_connection
from aimcoach.devserver.testing import FakeClock, RunningServer, sample_record

LIMIT = 10


def _receiver(*chunks: bytes) -> Any:
    messages = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]

    async def receive() -> Mapping[str, Any]:
        return messages.pop(0)

    return receive


async def test_read_body_joins_chunks_up_to_the_limit() -> None:
    with trio.fail_after(LIMIT):
        assert await read_body(_receiver(b"ab", b"cd"), None, 4) == b"abcd"


@pytest.mark.parametrize("declared", [None, "5", "3"])
async def test_read_body_refuses_more_than_the_limit(declared: str | None) -> None:
    with trio.fail_after(LIMIT):
        with pytest.raises(HttpError) as err:
            await read_body(_receiver(b"abc", b"de"), declared, 4)
        assert (err.value.status, err.value.code) == (413, "request_too_large")


async def test_an_oversized_body_is_413_over_http(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("aimcoach.devserver._app.MAX_BODY_BYTES", 1000)
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        declared = await server.client.post(
            "/ingest/kovaaks", content=b"[" + b" " * 1000 + b"]", headers=headers
        )
        assert (declared.status_code, declared.json()["error"]) == (413, "request_too_large")

        async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
            for _ in range(3):
                yield b" " * 400

        streamed = await server.client.post("/ingest/kovaaks", content=chunked(), headers=headers)
        assert (streamed.status_code, streamed.json()["error"]) == (413, "request_too_large")


def test_the_rate_limiter_refills_at_its_rate_and_caps_at_its_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate=2, burst=3, clock=clock)
    assert [limiter.take("a") for _ in range(4)] == [None, None, None, 1]
    clock.advance(0.5)  # one token back
    assert limiter.take("a") is None
    assert limiter.take("a") == 1
    clock.advance(3600)  # refills to the burst, not beyond
    assert [limiter.take("a") for _ in range(4)] == [None, None, None, 1]


def test_a_clock_stepping_back_does_not_drain_the_bucket() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate=1, burst=2, clock=clock)
    assert limiter.take("a") is None
    clock.advance(-100)
    assert limiter.take("a") is None


async def _call(app: DevServerApp, method: str, path: str, body: bytes = b"") -> dict[str, Any]:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": [], "client": ("x", 1)}
    await app(scope, _receiver(body), send)
    start, end = sent
    return {"status": start["status"], "headers": dict(start["headers"]), "body": end["body"]}


@pytest.fixture
def app() -> Iterator[DevServerApp]:
    conn = open_connection(":memory:")
    yield DevServerApp(DevServerOptions(), Store(conn))
    conn.close()


async def test_the_app_answers_lifespan_events(app: DevServerApp) -> None:
    with trio.fail_after(LIMIT):
        inbox = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
        sent: list[dict[str, Any]] = []

        async def receive() -> Mapping[str, Any]:
            return inbox.pop(0)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app({"type": "lifespan"}, receive, send)
        assert [m["type"] for m in sent] == [
            "lifespan.startup.complete",
            "lifespan.shutdown.complete",
        ]


async def test_an_unexpected_failure_is_500_and_logged_without_locals() -> None:
    with trio.fail_after(LIMIT):
        conn = open_connection(":memory:")
        app = DevServerApp(DevServerOptions(), Store(conn))
        conn.close()  # every database call now raises sqlite3.ProgrammingError
        body = json.dumps({"code": "123456"}).encode()
        with structlog.testing.capture_logs() as logs:
            answer = await _call(app, "POST", "/link/complete", body)
        assert answer["status"] == 500
        error = json.loads(answer["body"])
        assert error["error"] == "internal_error"
        [failure] = [entry for entry in logs if entry["event"] == "internal_error"]
        assert failure["error"].startswith(sqlite3.ProgrammingError.__name__)
        assert "Traceback" in failure["traceback"]
        assert failure["request_id"] in error["message"]


async def test_the_app_answers_healthz_directly(app: DevServerApp) -> None:
    with trio.fail_after(LIMIT):
        answer = await _call(app, "GET", "/healthz")
        assert answer["status"] == 200
        assert answer["headers"][b"content-type"] == b"application/json"
        assert answer["headers"][b"content-length"] == str(len(answer["body"])).encode()
        assert json.loads(answer["body"]) == {"status": "ok"}


def test_sample_records_carry_their_own_digest() -> None:
    from aimcoach.digest import compute_digest

    for provider in ("kovaaks", "aimlabs"):
        rec = sample_record(3, provider)
        assert rec["provider"] == provider
        assert compute_digest(rec) == rec["digest"]
