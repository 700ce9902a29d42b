"""Idempotency-Key: byte-for-byte replay, reuse with another body, in flight, scope, 24 h."""

from __future__ import annotations

import httpx
import pytest
import trio

from aimcoach.devserver import IDEMPOTENCY_TTL_S
from aimcoach.devserver.testing import FakeClock, RunningServer, sample_record

LIMIT = 20


async def test_the_same_key_and_body_replays_the_first_response_byte_for_byte(
    server: RunningServer,
) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        batch = [sample_record(1), {"broken": True}, sample_record(1)]
        first = await server.ingest(token, batch, key="batch-1")
        assert first.status_code == 200
        assert "idempotent-replayed" not in first.headers
        second = await server.ingest(token, batch, key="batch-1")
        assert second.status_code == first.status_code
        assert second.content == first.content
        assert second.headers["idempotent-replayed"] == "true"
        assert second.headers["content-type"] == first.headers["content-type"]
        # Without the key, the same body is handled anew: everything is a duplicate now.
        fresh = (await server.ingest(token, batch)).json()
        assert fresh["accepted"] == 0
        stats = (await server.stats())["users"]["player"]
        assert (stats["accepted"], stats["replays"], stats["requests"]) == (1, 1, 3)


async def test_the_same_key_with_another_body_is_422(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        await server.ingest(token, [sample_record(1)], key="k")
        response = await server.ingest(token, [sample_record(2)], key="k")
        assert response.status_code == 422
        assert response.json()["error"] == "idempotency_key_reused"
        other_path = await server.ingest(token, [sample_record(1)], key="k", provider="aimlabs")
        assert other_path.status_code == 422


async def test_a_replayed_error_response_keeps_its_status(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "bad-body"}
        first = await server.client.post("/ingest/kovaaks", content=b"{}", headers=headers)
        second = await server.client.post("/ingest/kovaaks", content=b"{}", headers=headers)
        assert first.status_code == second.status_code == 400
        assert second.content == first.content
        assert second.headers["idempotent-replayed"] == "true"


async def test_keys_are_scoped_per_user(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        alice = (await server.link("alice"))["access_token"]
        bob = (await server.link("bob"))["access_token"]
        await server.ingest(alice, [sample_record(1)], key="shared")
        response = await server.ingest(bob, [sample_record(2)], key="shared")
        assert response.status_code == 200
        assert "idempotent-replayed" not in response.headers
        # Two devices of one user share the user's keys.
        alice_laptop = (await server.link("alice"))["access_token"]
        replay = await server.ingest(alice_laptop, [sample_record(1)], key="shared")
        assert replay.headers["idempotent-replayed"] == "true"


async def test_a_key_is_forgotten_after_24_hours(server: RunningServer, clock: FakeClock) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        first = await server.ingest(token, [sample_record(1)], key="day")
        clock.advance(IDEMPOTENCY_TTL_S - 1)
        assert (await server.ingest(token, [sample_record(1)], key="day")).content == first.content
        clock.advance(1)
        late = await server.ingest(token, [sample_record(1)], key="day")
        assert "idempotent-replayed" not in late.headers
        assert late.json()["errors"][0]["code"] == "duplicate"
        # And a new body under the old key is now allowed.
        assert (await server.ingest(token, [sample_record(2)], key="old")).status_code == 200


async def test_a_second_request_while_the_first_is_in_flight_is_409(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        batch = [sample_record(1)]
        # The delay fault holds the first request (and its key) for a second of real time.
        await server.fault(path="/ingest/kovaaks", action="delay", seconds=1)
        first: list[httpx.Response] = []

        async def send_first() -> None:
            first.append(await server.ingest(token, batch, key="slow"))

        async with trio.open_nursery() as nursery:
            nursery.start_soon(send_first)
            while (await server.stats())["totals"]["in_flight"] == 0:
                pass  # each stats call is a round trip to the server; no sleep needed
            same = await server.ingest(token, batch, key="slow")
            assert (same.status_code, same.json()["error"]) == (409, "idempotency_in_flight")
            other = await server.ingest(token, [sample_record(2)], key="slow")
            assert (other.status_code, other.json()["error"]) == (422, "idempotency_key_reused")
        assert first[0].json() == {"accepted": 1, "rejected": 0, "errors": []}
        replay = await server.ingest(token, batch, key="slow")
        assert replay.content == first[0].content
        assert replay.headers["idempotent-replayed"] == "true"
        assert (await server.stats())["totals"]["in_flight"] == 0


@pytest.mark.parametrize("key", ["", "has space", "ü", "x" * 256])
async def test_a_malformed_key_is_bad_request(server: RunningServer, key: str) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        # Bytes, so that httpx sends a non-ASCII key as it is instead of refusing it.
        headers = [
            (b"Authorization", f"Bearer {token}".encode()),
            (b"Idempotency-Key", key.encode()),
        ]
        response = await server.client.post("/ingest/kovaaks", content=b"[]", headers=headers)
        assert response.status_code == 400
        assert response.json()["error"] == "bad_request"


async def test_a_key_of_255_printable_characters_is_accepted(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        response = await server.ingest(token, [], key="~" * 255)
        assert response.status_code == 200
