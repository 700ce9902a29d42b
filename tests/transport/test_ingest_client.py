"""IngestClient against httpx.MockTransport: the request it makes and how replies are read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import trio

from aimcoach import __version__
from aimcoach.errors import ConfigError
from aimcoach.transport import (
    BadBatch,
    Delivered,
    IngestClient,
    IngestOutcome,
    ItemOutcome,
    RetryLater,
    Unauthorized,
)

TOKEN = "tok-SECRET-1234567890"
BODY = b'[{"a":1},{"b":2},{"c":3}]'

Handler = Callable[[httpx.Request], httpx.Response]


async def post(handler: Handler, *, count: int = 3, **client_kw: Any) -> IngestOutcome:
    with trio.fail_after(10):
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            client = IngestClient("https://api.test/v1/", client=http, **client_kw)
            return await client.post_batch(
                "kovaaks", BODY, idempotency_key="key-1", token=TOKEN, count=count
            )


def reply(status: int, obj: Any = None, **kw: Any) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        if obj is None:
            return httpx.Response(status, **kw)
        return httpx.Response(status, json=obj, **kw)

    return handler


async def test_the_request_carries_the_contract_headers_and_the_exact_bytes() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"accepted": 3, "rejected": 0, "errors": []})

    outcome = await post(handler, source_label="desk-pc")
    (request,) = seen
    assert request.method == "POST"
    assert str(request.url) == "https://api.test/v1/ingest/kovaaks"
    assert request.content == BODY
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["idempotency-key"] == "key-1"
    assert request.headers["user-agent"] == f"aimcoach/{__version__}"
    assert request.headers["x-aimcoach-source"] == "desk-pc"
    assert outcome == Delivered((ItemOutcome("accepted"),) * 3)


async def test_no_source_header_without_a_label() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"accepted": 3, "rejected": 0, "errors": []})

    await post(handler)
    assert "x-aimcoach-source" not in seen[0].headers


async def test_per_record_verdicts_are_read_by_index() -> None:
    outcome = await post(
        reply(
            200,
            {
                "accepted": 1,
                "rejected": 2,
                "errors": [
                    {"index": 2, "code": "duplicate", "message": "already there"},
                    {"index": 0, "code": "invalid_metrics", "message": "accuracy > 1"},
                ],
            },
            headers={"Idempotent-Replayed": "true"},
        )
    )
    assert isinstance(outcome, Delivered)
    assert outcome.per_index == (
        ItemOutcome("rejected", "invalid_metrics", "accuracy > 1"),
        ItemOutcome("accepted"),
        ItemOutcome("duplicate", "duplicate", "already there"),
    )
    assert outcome.per_index[0].reason == "invalid_metrics: accuracy > 1"
    assert (outcome.count("accepted"), outcome.count("duplicate"), outcome.count("rejected")) == (
        1,
        1,
        1,
    )
    assert outcome.replayed


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (b"<html>502 Bad Gateway</html>", "json"),
        (b"[]", "object"),
        (b'{"accepted": "3", "rejected": 0, "errors": []}', "accepted"),
        (b'{"accepted": true, "rejected": 0, "errors": []}', "accepted"),
        (b'{"accepted": 3, "errors": []}', "rejected"),
        (b'{"accepted": 2, "rejected": 1, "errors": []}', "errors"),
        (b'{"accepted": 2, "rejected": 0, "errors": []}', "accepted+rejected"),
        (b'{"accepted": 2, "rejected": 1, "errors": [{"index": 3, "code": "x"}]}', "index"),
        (
            b'{"accepted": 1, "rejected": 2, "errors": [{"index": 1, "code": "x"},'
            b' {"index": 1, "code": "y"}]}',
            "index",
        ),
        (b'{"accepted": 2, "rejected": 1, "errors": [{"index": 0}]}', "code"),
        (b'{"accepted": 2, "rejected": 1, "errors": ["bad"]}', "errors[0]"),
    ],
)
async def test_a_garbage_success_reply_means_retry(content: bytes, where: str) -> None:
    outcome = await post(reply(200, content=content))
    assert isinstance(outcome, RetryLater)
    assert outcome.error.key == "transport.bad_reply"
    assert where in outcome.reason


async def test_401_is_unauthorized() -> None:
    assert await post(reply(401, {"error": "invalid_token", "message": "no"})) == Unauthorized()


@pytest.mark.parametrize("status", [400, 413, 422])
async def test_batch_level_refusals_are_bad_batches(status: int) -> None:
    outcome = await post(reply(status, {"error": "too_big", "message": "send less"}))
    assert outcome == BadBatch(status, "too_big", "send less")
    assert isinstance(outcome, BadBatch)
    assert outcome.reason == "too_big: send less"


async def test_a_bad_batch_without_a_json_body_still_has_a_reason() -> None:
    outcome = await post(reply(413, content=b"Request Entity Too Large"))
    assert outcome == BadBatch(413, "http_413", "")


async def test_429_carries_retry_after_seconds() -> None:
    outcome = await post(reply(429, {"error": "rate_limited"}, headers={"Retry-After": "7"}))
    assert isinstance(outcome, RetryLater)
    assert outcome.error.key == "transport.rate_limited"
    assert outcome.retry_after == 7.0


async def test_retry_after_as_a_date_is_measured_against_the_server_date() -> None:
    outcome = await post(
        reply(
            503,
            headers={
                "Retry-After": "Wed, 21 Oct 2015 07:28:30 GMT",
                "Date": "Wed, 21 Oct 2015 07:28:00 GMT",
            },
        )
    )
    assert isinstance(outcome, RetryLater)
    assert outcome.error.key == "transport.server_error"
    assert outcome.retry_after == 30.0


@pytest.mark.parametrize("status", [403, 404, 409, 302])
async def test_statuses_that_do_not_blame_the_records_are_retried(status: int) -> None:
    outcome = await post(reply(status, {"error": "idempotency_in_flight", "message": "wait"}))
    assert isinstance(outcome, RetryLater)
    assert outcome.error.key == "transport.unexpected_status"
    assert "idempotency_in_flight" in outcome.reason


@pytest.mark.parametrize(
    ("exc", "key"),
    [
        (httpx.ConnectError("connection refused"), "transport.network"),
        (httpx.RemoteProtocolError("server hung up"), "transport.network"),
        (httpx.ReadTimeout("slow"), "transport.timeout"),
    ],
)
async def test_network_failures_mean_retry(exc: httpx.HTTPError, key: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    outcome = await post(handler)
    assert isinstance(outcome, RetryLater)
    assert outcome.error.key == key
    assert outcome.retry_after is None
    assert "api.test" in outcome.reason


@pytest.mark.parametrize(
    "handler",
    [
        reply(200, {"accepted": 3, "rejected": 0, "errors": []}),
        reply(200, content=b"garbage " + TOKEN.encode()),
        reply(401, {"error": "bad", "message": TOKEN}),
        reply(400, {"error": "bad", "message": "x"}),
        reply(503),
    ],
)
async def test_no_outcome_shows_the_token(handler: Handler) -> None:
    outcome = await post(handler)
    rendered = repr(outcome) + str(outcome) + (getattr(outcome, "reason", "") or "")
    assert TOKEN not in rendered


async def test_a_network_error_that_quotes_the_token_does_not_leak_it() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"failed with {request.headers['authorization']}")

    outcome = await post(handler)
    assert isinstance(outcome, RetryLater)
    assert TOKEN not in repr(outcome) + outcome.reason + repr(outcome.error.params)


async def test_the_client_repr_and_the_endpoint_rule() -> None:
    async with httpx.AsyncClient() as http:
        client = IngestClient("http://127.0.0.1:8080", client=http)
        assert repr(client) == "<IngestClient endpoint='http://127.0.0.1:8080'>"
        with pytest.raises(ConfigError):
            IngestClient("http://api.example.com", client=http)
