"""Link codes, token refresh with rotation, unlink and every token error, on a real server."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import trio

from aimcoach.devserver import CODE_MAX_FAILURES, CODE_TTL_S
from aimcoach.devserver.testing import FakeClock, RunningServer, sample_record

Server = RunningServer
StartServer = Callable[..., Awaitable[RunningServer]]

LIMIT = 10


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _complete(server: Server, code: str, **body: Any) -> httpx.Response:
    return await server.client.post("/link/complete", json={"code": code, **body})


def _wrong(code: str) -> str:
    """A 6-digit code that is not ``code``."""
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def test_link_complete_returns_a_token_pair(server: Server) -> None:
    with trio.fail_after(LIMIT):
        code = await server.mint()
        assert len(code) == 6 and code.isdigit()
        response = await _complete(server, code, device={"name": "Gaming PC"})
        assert response.status_code == 200
        body = response.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 30 * 24 * 3600
        assert body["refresh_expires_in"] == 90 * 24 * 3600
        assert body["access_token"] != body["refresh_token"]
        assert response.headers["cache-control"] == "no-store"
        ingest = await server.ingest(body["access_token"], [sample_record()])
        assert ingest.status_code == 200


async def test_device_is_optional_but_must_be_an_object_with_a_name(server: Server) -> None:
    with trio.fail_after(LIMIT):
        assert (await _complete(server, await server.mint())).status_code == 200
        for device in ("pc", {"name": ""}, {"name": 7}, {"name": "x" * 201}, {"name": "\ud800"}):
            body = json.dumps({"code": await server.mint(), "device": device})  # escapes \ud800
            response = await server.client.post("/link/complete", content=body)
            assert response.status_code == 400
            assert response.json()["error"] == "bad_request"


async def test_a_code_is_single_use(server: Server) -> None:
    with trio.fail_after(LIMIT):
        code = await server.mint()
        assert (await _complete(server, code)).status_code == 200
        again = await _complete(server, code)
        assert again.status_code == 400
        assert again.json()["error"] == "code_used"


async def test_a_code_expires_after_ten_minutes(server: Server, clock: FakeClock) -> None:
    with trio.fail_after(LIMIT):
        early, late = await server.mint(), await server.mint()
        clock.advance(CODE_TTL_S - 1)
        assert (await _complete(server, early)).status_code == 200
        clock.advance(1)
        expired = await _complete(server, late)
        assert expired.status_code == 400
        assert expired.json()["error"] == "code_expired"


async def test_five_wrong_attempts_invalidate_the_code(server: Server) -> None:
    with trio.fail_after(LIMIT):
        code = await server.mint()
        for _ in range(CODE_MAX_FAILURES):
            wrong = await _complete(server, _wrong(code))
            assert wrong.status_code == 400
            assert wrong.json()["error"] == "invalid_code"
        refused = await _complete(server, code)
        assert refused.status_code == 400
        assert refused.json()["error"] == "code_invalidated"
        # A code minted afterwards starts with no failures.
        assert (await _complete(server, await server.mint())).status_code == 200


async def test_four_wrong_attempts_leave_the_code_usable(server: Server) -> None:
    with trio.fail_after(LIMIT):
        code = await server.mint()
        for _ in range(CODE_MAX_FAILURES - 1):
            assert (await _complete(server, _wrong(code))).json()["error"] == "invalid_code"
        assert (await _complete(server, code)).status_code == 200


async def test_a_wrong_attempt_counts_against_every_live_code(server: Server) -> None:
    with trio.fail_after(LIMIT):
        first, second = await server.mint("alice"), await server.mint("bob")
        unused = next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in (first, second))
        for _ in range(CODE_MAX_FAILURES):
            await _complete(server, unused)
        for code in (first, second):
            assert (await _complete(server, code)).json()["error"] == "code_invalidated"


@pytest.mark.parametrize(
    "body",
    [
        {"code": "12345"},
        {"code": "1234567"},
        {"code": 123456},
        {"code": "12a456"},
        {},
        [],
    ],
)
async def test_a_malformed_link_request_is_bad_request(server: Server, body: Any) -> None:
    with trio.fail_after(LIMIT):
        response = await server.client.post("/link/complete", json=body)
        assert response.status_code == 400
        assert response.json()["error"] == "bad_request"


async def test_a_body_that_is_not_json_is_bad_request(server: Server) -> None:
    with trio.fail_after(LIMIT):
        response = await server.client.post("/link/complete", content=b"{code: 1")
        assert response.status_code == 400
        assert response.json()["error"] == "bad_request"


async def test_refresh_rotates_the_refresh_token(server: Server) -> None:
    with trio.fail_after(LIMIT):
        first = await server.link()
        response = await server.client.post(
            "/token/refresh", json={}, headers=_bearer(first["refresh_token"])
        )
        assert response.status_code == 200
        second = response.json()
        assert second["refresh_token"] != first["refresh_token"]
        assert second["access_token"] != first["access_token"]
        assert second["expires_in"] == 30 * 24 * 3600
        # The new pair works, and so does the next rotation.
        assert (await server.ingest(second["access_token"], [sample_record()])).status_code == 200
        third = await server.client.post(
            "/token/refresh", json={}, headers=_bearer(second["refresh_token"])
        )
        assert third.status_code == 200


async def test_reusing_a_replaced_refresh_token_revokes_the_device(server: Server) -> None:
    with trio.fail_after(LIMIT):
        first = await server.link()
        rotated = (
            await server.client.post(
                "/token/refresh", json={}, headers=_bearer(first["refresh_token"])
            )
        ).json()
        reused = await server.client.post(
            "/token/refresh", json={}, headers=_bearer(first["refresh_token"])
        )
        assert reused.status_code == 401
        assert reused.json()["error"] == "refresh_reused"
        assert reused.headers["www-authenticate"] == 'Bearer error="refresh_reused"'
        # Every token of the device is dead now, the fresh ones included.
        ingest = await server.ingest(rotated["access_token"], [sample_record()])
        assert (ingest.status_code, ingest.json()["error"]) == (401, "token_revoked")
        refresh = await server.client.post(
            "/token/refresh", json={}, headers=_bearer(rotated["refresh_token"])
        )
        assert (refresh.status_code, refresh.json()["error"]) == (401, "token_revoked")


async def test_revoking_one_device_leaves_the_users_other_devices(server: Server) -> None:
    with trio.fail_after(LIMIT):
        laptop, desktop = await server.link(), await server.link()
        unlinked = await server.client.post("/unlink", headers=_bearer(laptop["access_token"]))
        assert unlinked.status_code == 204
        assert (await server.ingest(desktop["access_token"], [sample_record()])).status_code == 200


async def test_tokens_expire(start_server: StartServer, clock: FakeClock) -> None:
    with trio.fail_after(LIMIT):
        server = await start_server(access_ttl=60, refresh_ttl=120)
        tokens = await server.link()
        assert tokens["expires_in"] == 60
        clock.advance(59)
        assert (await server.ingest(tokens["access_token"], [sample_record(1)])).status_code == 200
        clock.advance(1)
        expired = await server.ingest(tokens["access_token"], [sample_record(2)])
        assert (expired.status_code, expired.json()["error"]) == (401, "token_expired")
        clock.advance(60)
        refresh = await server.client.post(
            "/token/refresh", json={}, headers=_bearer(tokens["refresh_token"])
        )
        assert (refresh.status_code, refresh.json()["error"]) == (401, "token_expired")


async def test_refresh_just_before_expiry_gives_a_working_pair(
    start_server: StartServer, clock: FakeClock
) -> None:
    with trio.fail_after(LIMIT):
        server = await start_server(access_ttl=60, refresh_ttl=120)
        tokens = await server.link()
        clock.advance(119)
        response = await server.client.post(
            "/token/refresh", json={}, headers=_bearer(tokens["refresh_token"])
        )
        assert response.status_code == 200
        assert (
            await server.ingest(response.json()["access_token"], [sample_record()])
        ).status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer", "Basic abc", "Bearer nope"])
async def test_a_missing_or_unknown_token_is_invalid_token(
    server: Server, header: str | None
) -> None:
    with trio.fail_after(LIMIT):
        headers = {} if header is None else {"Authorization": header}
        for path in ("/ingest/kovaaks", "/token/refresh", "/unlink"):
            response = await server.client.post(path, json=[], headers=headers)
            assert response.status_code == 401, path
            assert response.json()["error"] == "invalid_token"


async def test_a_token_of_the_wrong_kind_is_invalid_token(server: Server) -> None:
    with trio.fail_after(LIMIT):
        tokens = await server.link()
        ingest = await server.ingest(tokens["refresh_token"], [sample_record()])
        assert (ingest.status_code, ingest.json()["error"]) == (401, "invalid_token")
        refresh = await server.client.post(
            "/token/refresh", json={}, headers=_bearer(tokens["access_token"])
        )
        assert (refresh.status_code, refresh.json()["error"]) == (401, "invalid_token")


async def test_refresh_ignores_the_body(server: Server) -> None:
    with trio.fail_after(LIMIT):
        tokens = await server.link()
        empty = await server.client.post("/token/refresh", headers=_bearer(tokens["refresh_token"]))
        assert empty.status_code == 200


async def test_unlink_revokes_the_device_at_once(server: Server) -> None:
    with trio.fail_after(LIMIT):
        tokens = await server.link()
        response = await server.client.post("/unlink", headers=_bearer(tokens["access_token"]))
        assert response.status_code == 204
        assert response.content == b""
        ingest = await server.ingest(tokens["access_token"], [sample_record()])
        assert (ingest.status_code, ingest.json()["error"]) == (401, "token_revoked")
        refresh = await server.client.post(
            "/token/refresh", json={}, headers=_bearer(tokens["refresh_token"])
        )
        assert (refresh.status_code, refresh.json()["error"]) == (401, "token_revoked")
        again = await server.client.post("/unlink", headers=_bearer(tokens["access_token"]))
        assert (again.status_code, again.json()["error"]) == (401, "token_revoked")


async def test_admin_revoke_ends_every_device_of_the_user(server: Server) -> None:
    with trio.fail_after(LIMIT):
        one, two, other = await server.link(), await server.link(), await server.link("bob")
        response = await server.client.post(
            "/admin/revoke", json={"user": "player"}, headers=server.admin_headers
        )
        assert response.json() == {"revoked_devices": 2}
        for tokens in (one, two):
            ingest = await server.ingest(tokens["access_token"], [sample_record()])
            assert ingest.json()["error"] == "token_revoked"
        assert (await server.ingest(other["access_token"], [sample_record()])).status_code == 200
