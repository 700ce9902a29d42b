"""End to end against the real reference server on loopback.

link → status → refresh (short lifetimes) → unlink → status, and a revoked device ending in
"relink needed". Both sides read one hand-moved clock (``FakeClock``): the server for expiry,
the client for its absolute expiry times. The client parts are the real ones (real httpx
client, real encrypted file store); ``aimcoach unlink`` runs as the CLI does, in a thread.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
import trio
from _auth_support import FAST_KDF, FakeSettings

from aimcoach.auth import TokenManager, link, link_status, open_store
from aimcoach.auth._http import new_client
from aimcoach.cli import _unlink
from aimcoach.devserver.testing import FakeClock, running_devserver, sample_record
from aimcoach.errors import RelinkNeededError


def _wall(clock: FakeClock) -> datetime:
    return datetime.fromtimestamp(clock.now, UTC)


async def test_link_status_refresh_unlink_status(settings: FakeSettings) -> None:
    fake = FakeClock()
    wall = partial(_wall, fake)
    with trio.fail_after(60):
        async with running_devserver(clock=fake, access_ttl=3600, refresh_ttl=7200) as server:
            settings = replace(settings, api_endpoint=server.url)
            store = open_store("file", settings, kdf=FAST_KDF)
            async with new_client() as client:
                # link
                tokens = await link(
                    server.url, await server.mint(), "E2E PC", store, client=client, clock=wall
                )
                assert tokens.access_expires_at == wall() + timedelta(seconds=3600)
                assert tokens.refresh_expires_at == wall() + timedelta(seconds=7200)
                assert (
                    await server.ingest(tokens.access_token, [sample_record(1)])
                ).status_code == 200

                # status
                info = link_status(settings, clock=wall, store=store)
                assert info["linked"] and info["device"] == "E2E PC"
                assert info["endpoint"] == server.url and info["endpoint_matches"]
                assert info["access_days_left"] == 0 and not info["relink_needed"]

                # refresh: a 1-hour token is inside the 5-day window, so it is renewed at once
                manager = TokenManager(
                    store,
                    endpoint=server.url,
                    client=client,
                    clock=wall,
                    skew_margin=timedelta(seconds=30),
                )
                renewed = await manager.access_token()
                assert renewed != tokens.access_token
                stored = store.get()
                assert stored is not None and stored.refresh_token != tokens.refresh_token
                assert (await server.ingest(renewed, [sample_record(2)])).status_code == 200

                # the token expires on the server; the 401 path renews it once
                fake.advance(3700)
                assert (await server.ingest(renewed, [sample_record(3)])).status_code == 401
                again = await manager.after_unauthorized(renewed)
                assert (await server.ingest(again, [sample_record(3)])).status_code == 200

            # unlink, as the CLI runs it (its own trio.run, in a worker thread here)
            args = argparse.Namespace()
            code = await trio.to_thread.run_sync(partial(_unlink.run, args, settings, clock=wall))
            assert code == 0
            assert (await server.ingest(again, [sample_record(4)])).status_code == 401

            # status
            after = link_status(settings, clock=wall, store=store)
            assert after["linked"] is False and after["store_error"] is None
            assert await trio.to_thread.run_sync(partial(_unlink.run, args, settings)) == 0


async def test_a_revoked_device_needs_a_new_link(settings: FakeSettings) -> None:
    fake = FakeClock()
    wall = partial(_wall, fake)
    with trio.fail_after(60):
        async with running_devserver(clock=fake) as server:
            settings = replace(settings, api_endpoint=server.url)
            store = open_store("file", settings, kdf=FAST_KDF)
            async with new_client() as client:
                await link(server.url, await server.mint(), "PC", store, client=client, clock=wall)
                manager = TokenManager(store, endpoint=server.url, client=client, clock=wall)
                token = await manager.access_token()
                revoked = await server.client.post(
                    "/admin/revoke", json={"user": "player"}, headers=server.admin_headers
                )
                assert revoked.status_code == 200
                assert (await server.ingest(token, [sample_record(1)])).status_code == 401
                with pytest.raises(RelinkNeededError) as info:
                    await manager.after_unauthorized(token)
                assert "aimcoach link --code" in str(info.value)
            assert link_status(settings, clock=wall, store=store)["relink_needed"] is True

            # A new code fixes it.
            async with new_client() as client:
                await link(server.url, await server.mint(), "PC", store, client=client, clock=wall)
                assert await manager.reload() is True
                fresh = await manager.access_token()
            assert (await server.ingest(fresh, [sample_record(2)])).status_code == 200
            assert link_status(settings, clock=wall, store=store)["relink_needed"] is False


@pytest.mark.parametrize(
    ("prepare", "key"),
    [("wrong", "link.invalid_code"), ("used", "link.code_used"), ("expired", "link.code_expired")],
)
async def test_the_servers_code_errors_get_their_messages(
    settings: FakeSettings, prepare: str, key: str
) -> None:
    from aimcoach.errors import AuthError

    fake = FakeClock()
    with trio.fail_after(60):
        async with running_devserver(clock=fake) as server:
            store = open_store("file", settings, kdf=FAST_KDF)
            code = await server.mint()
            async with new_client() as client:
                if prepare == "wrong":
                    code = "000000" if code != "000000" else "111111"
                elif prepare == "used":
                    await link(server.url, code, "PC", store, client=client)
                    store.delete()
                else:
                    fake.advance(11 * 60)
                with pytest.raises(AuthError) as info:
                    await link(server.url, code, "PC", store, client=client)
    assert info.value.key == key
    assert store.get() is None


async def test_five_wrong_codes_invalidate_the_code(settings: FakeSettings) -> None:
    from aimcoach.errors import AuthError

    with trio.fail_after(60):
        async with running_devserver() as server:
            store = open_store("file", settings, kdf=FAST_KDF)
            code = await server.mint()
            wrong = f"{(int(code) + 1) % 1_000_000:06d}"
            async with new_client() as client:
                for _ in range(5):
                    with pytest.raises(AuthError) as info:
                        await link(server.url, wrong, "PC", store, client=client)
                    assert info.value.key == "link.invalid_code"
                with pytest.raises(AuthError) as info:
                    await link(server.url, code, "PC", store, client=client)
    assert info.value.key == "link.code_invalidated"
