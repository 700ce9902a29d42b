"""The admin API's guard, stats and faults (status, 429, delay, drop, unauthorized, random)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import trio

from aimcoach.devserver.testing import RunningServer, sample_record

LIMIT = 20
StartServer = Callable[..., Awaitable[RunningServer]]


async def test_without_a_secret_admin_paths_do_not_exist(start_server: StartServer) -> None:
    with trio.fail_after(LIMIT):
        server = await start_server(admin_secret=None)
        for method, path in [
            ("GET", "/admin/stats"),
            ("POST", "/admin/faults"),
            ("DELETE", "/admin/faults"),
            ("POST", "/admin/mint-code"),
        ]:
            response = await server.client.request(
                method, path, headers={"Authorization": "Admin anything"}, json={}
            )
            assert response.status_code == 404, path
            assert response.json()["error"] == "not_found"


@pytest.mark.parametrize(
    "authorization", [None, "Admin wrong", "Bearer admin-secret", "admin-secret", "Admin"]
)
async def test_a_wrong_or_missing_secret_is_403(
    server: RunningServer, authorization: str | None
) -> None:
    with trio.fail_after(LIMIT):
        headers = {} if authorization is None else {"Authorization": authorization}
        for path in ("/admin/stats", "/admin/no-such-thing"):
            response = await server.client.get(path, headers=headers)
            assert response.status_code == 403
            assert response.json()["error"] == "forbidden"


async def test_the_admin_scheme_is_case_insensitive(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        secret = server.options.admin_secret
        response = await server.client.get(
            "/admin/stats", headers={"Authorization": f"admin {secret}"}
        )
        assert response.status_code == 200


async def test_unknown_paths_are_404_and_wrong_methods_405(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        missing = await server.client.get("/ingest")
        assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
        wrong = await server.client.get("/ingest/kovaaks")
        assert (wrong.status_code, wrong.json()["error"]) == (405, "method_not_allowed")
        assert wrong.headers["allow"] == "POST"
        admin_wrong = await server.client.get("/admin/faults", headers=server.admin_headers)
        assert admin_wrong.status_code == 405
        assert admin_wrong.headers["allow"] == "DELETE, POST"


async def test_healthz_answers_ok(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        response = await server.client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        assert response.headers["x-request-id"]


async def test_admin_mint_code_takes_a_default_user_and_refuses_a_bad_one(
    server: RunningServer,
) -> None:
    with trio.fail_after(LIMIT):
        minted = await server.client.post("/admin/mint-code", headers=server.admin_headers)
        assert minted.status_code == 200
        assert minted.json()["expires_in"] == 600
        bad = await server.client.post(
            "/admin/mint-code", json={"user": ""}, headers=server.admin_headers
        )
        assert (bad.status_code, bad.json()["error"]) == (400, "bad_request")


async def test_a_status_fault_answers_count_requests_then_stops(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        await server.fault(path="/ingest/kovaaks", count=2, action="status", status=503)
        for _ in range(2):
            response = await server.ingest(token, [sample_record()])
            assert response.status_code == 503
            assert response.json()["error"] == "injected_fault"
        assert (await server.ingest(token, [sample_record()])).status_code == 200
        assert (await server.stats())["totals"]["faults_injected"] == 2


async def test_a_429_fault_carries_retry_after(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        await server.fault(action="status", status=429, retry_after=3)
        response = await server.ingest(token, [sample_record()])
        assert response.status_code == 429
        assert response.headers["retry-after"] == "3"
        assert response.json()["error"] == "rate_limited"


async def test_the_wildcard_matches_every_api_path_but_healthz(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        tokens = await server.link()
        await server.fault(path="*", count=3, action="status", status=500)
        assert (await server.client.get("/healthz")).status_code == 200
        assert (await server.ingest(tokens["access_token"], [])).status_code == 500
        assert (
            await server.ingest(tokens["access_token"], [], provider="aimlabs")
        ).status_code == 500
        refresh = await server.client.post(
            "/token/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"}
        )
        assert refresh.status_code == 500
        assert (await server.ingest(tokens["access_token"], [])).status_code == 200


async def test_faults_are_used_in_the_order_they_were_added(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        await server.fault(action="status", status=502)
        await server.fault(action="status", status=504)
        statuses = [(await server.ingest(token, [])).status_code for _ in range(3)]
        assert statuses == [502, 504, 200]


async def test_delete_clears_the_faults(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        await server.fault(count=5, action="status", status=503)
        await server.clear_faults()
        assert (await server.ingest(token, [])).status_code == 200


async def test_an_unauthorized_fault_refuses_a_good_token_once(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        await server.fault(path="/ingest/kovaaks", action="unauthorized")
        refused = await server.ingest(token, [sample_record()])
        assert (refused.status_code, refused.json()["error"]) == (401, "invalid_token")
        assert (await server.ingest(token, [sample_record()])).json()["accepted"] == 1


async def test_a_delay_fault_holds_the_response(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        await server.fault(path="/healthz", action="delay", seconds=0.3)
        started = trio.current_time()
        assert (await server.client.get("/healthz")).status_code == 200
        assert trio.current_time() - started >= 0.3


async def test_a_drop_fault_closes_the_connection_without_a_response(
    server: RunningServer,
) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        await server.fault(path="/ingest/kovaaks", action="drop")
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            await server.ingest(token, [sample_record()])
        # Dropped before it was handled: nothing was stored.
        assert (await server.ingest(token, [sample_record()])).json()["accepted"] == 1


async def test_a_drop_after_fault_stores_the_records_and_loses_the_reply(
    server: RunningServer,
) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        await server.fault(path="/ingest/kovaaks", action="drop", when="after")
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            await server.ingest(token, [sample_record()], key="lost-reply")
        # The retry with the same key gets the reply that was lost.
        retry = await server.ingest(token, [sample_record()], key="lost-reply")
        assert retry.headers["idempotent-replayed"] == "true"
        assert retry.json() == {"accepted": 1, "rejected": 0, "errors": []}


@pytest.mark.parametrize(
    "spec",
    [
        {"action": "explode"},
        {"action": "status", "status": 200},
        {"action": "status", "status": 503, "seconds": 1},
        {"action": "status", "retry_after": -1},
        {"action": "delay"},
        {"action": "delay", "seconds": 0},
        {"action": "delay", "seconds": 301},
        {"action": "drop", "when": "during"},
        {"action": "drop", "path": "/nowhere"},
        {"action": "drop", "path": "/admin/stats"},
        {"action": "drop", "count": 0},
        {"action": "drop", "count": True},
        [],
    ],
)
async def test_a_malformed_fault_is_bad_request(server: RunningServer, spec: Any) -> None:
    with trio.fail_after(LIMIT):
        response = await server.client.post(
            "/admin/faults", json=spec, headers=server.admin_headers
        )
        assert response.status_code == 400
        assert response.json()["error"] == "bad_request"


async def _statuses_under_random_faults(server: RunningServer, token: str, seed: int) -> list[int]:
    body = {
        "probability": 0.5,
        "seed": seed,
        "path": "/ingest/kovaaks",
        "actions": [{"action": "status", "status": 503}, {"action": "status", "status": 502}],
    }
    response = await server.client.post(
        "/admin/random-faults", json=body, headers=server.admin_headers
    )
    assert response.status_code == 204
    return [(await server.ingest(token, [])).status_code for _ in range(20)]


async def test_random_faults_are_reproducible_from_their_seed(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        first = await _statuses_under_random_faults(server, token, seed=7)
        again = await _statuses_under_random_faults(server, token, seed=7)
        other = await _statuses_under_random_faults(server, token, seed=8)
        assert first == again
        assert first != other
        assert {200, 502, 503} <= set(first)
        await server.clear_faults()
        assert (await server.ingest(token, [])).status_code == 200


async def test_random_faults_stop_at_their_limit(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        body = {"probability": 1, "seed": 1, "limit": 3, "actions": [{"action": "unauthorized"}]}
        response = await server.client.post(
            "/admin/random-faults", json=body, headers=server.admin_headers
        )
        assert response.status_code == 204
        statuses = [(await server.ingest(token, [])).status_code for _ in range(5)]
        assert statuses == [401, 401, 401, 200, 200]


@pytest.mark.parametrize(
    "body",
    [
        {"probability": 1.5, "seed": 1, "actions": [{"action": "drop"}]},
        {"probability": 0.5, "actions": [{"action": "drop"}]},
        {"probability": 0.5, "seed": 1, "actions": []},
        {"probability": 0.5, "seed": 1, "actions": [{"action": "drop", "count": 2}]},
        {"probability": 0.5, "seed": 1, "actions": [{"action": "drop"}], "limit": 0},
    ],
)
async def test_malformed_random_faults_are_bad_request(
    server: RunningServer, body: dict[str, Any]
) -> None:
    with trio.fail_after(LIMIT):
        response = await server.client.post(
            "/admin/random-faults", json=body, headers=server.admin_headers
        )
        assert response.status_code == 400


async def test_the_stats_of_a_fresh_server_are_all_zero(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        stats = await server.stats()
        assert stats["users"] == {}
        assert set(stats["totals"].values()) == {0}
        assert set(stats["totals"]) == {
            "accepted",
            "duplicates",
            "rejected",
            "distinct_digests",
            "requests",
            "replays",
            "in_flight",
            "faults_injected",
        }
