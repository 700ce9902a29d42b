"""Rate limiting, restarts with a file database, binding rules, and what the request log holds."""

from __future__ import annotations

import json
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import structlog
import trio

from aimcoach.devserver import DevServerOptions, mint_code, serve_devserver
from aimcoach.devserver.testing import FakeClock, RunningServer, running_devserver, sample_record
from aimcoach.errors import ConfigError

LIMIT = 20
StartServer = Callable[..., Awaitable[RunningServer]]


async def test_a_token_past_its_burst_gets_429_with_retry_after(
    start_server: StartServer, clock: FakeClock
) -> None:
    with trio.fail_after(LIMIT):
        server = await start_server(rate=0.5, burst=2)
        token = (await server.link())["access_token"]
        other = (await server.link())["access_token"]
        assert [(await server.ingest(token, [])).status_code for _ in range(2)] == [200, 200]
        limited = await server.ingest(token, [])
        assert limited.status_code == 429
        assert limited.json()["error"] == "rate_limited"
        # One token refills in 1 / 0.5 = 2 seconds.
        assert limited.headers["retry-after"] == "2"
        assert (await server.ingest(other, [])).status_code == 200  # buckets are per token
        clock.advance(1)
        assert (await server.ingest(token, [])).headers["retry-after"] == "1"
        clock.advance(1)
        assert (await server.ingest(token, [])).status_code == 200


async def test_retry_after_is_at_least_one_second(
    start_server: StartServer, clock: FakeClock
) -> None:
    with trio.fail_after(LIMIT):
        server = await start_server(rate=100, burst=1)
        token = (await server.link())["access_token"]
        assert (await server.ingest(token, [])).status_code == 200
        limited = await server.ingest(token, [])
        assert (limited.status_code, limited.headers["retry-after"]) == (429, "1")


async def test_a_file_database_survives_a_restart(tmp_path: Path, clock: FakeClock) -> None:
    db = tmp_path / "sub" / "devserver.sqlite3"
    with trio.fail_after(LIMIT):
        async with running_devserver(db_path=db, clock=clock) as server:
            tokens = await server.link()
            first = await server.ingest(
                tokens["access_token"], [sample_record(1), sample_record(2)], key="before"
            )
            before = await server.stats()
        async with running_devserver(db_path=db, clock=clock) as server:
            # Tokens, records, stored replies and counters all came back.
            replay = await server.ingest(
                tokens["access_token"], [sample_record(1), sample_record(2)], key="before"
            )
            assert replay.content == first.content
            assert replay.headers["idempotent-replayed"] == "true"
            again = (await server.ingest(tokens["access_token"], [sample_record(1)])).json()
            assert again["errors"][0]["code"] == "duplicate"
            after = (await server.stats())["users"]["player"]
            assert after["accepted"] == before["users"]["player"]["accepted"] == 2
            assert after["distinct_digests"] == 2
            refreshed = await server.client.post(
                "/token/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"}
            )
            assert refreshed.status_code == 200


async def test_mint_code_writes_a_code_a_running_server_accepts(
    tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "devserver.sqlite3"
    with trio.fail_after(LIMIT):
        async with running_devserver(db_path=db, clock=clock) as server:
            code = await trio.to_thread.run_sync(lambda: mint_code(db, "carol", clock=clock))
            assert len(code) == 6 and code.isdigit()
            response = await server.client.post("/link/complete", json={"code": code})
            assert response.status_code == 200
            token = response.json()["access_token"]
            await server.ingest(token, [sample_record()])
            assert "carol" in (await server.stats())["users"]


def test_mint_code_refuses_an_in_memory_database_and_a_bad_user(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as memory:
        mint_code(":memory:")
    assert memory.value.key == "devserver.mint_memory_db"
    with pytest.raises(ConfigError) as user:
        mint_code(tmp_path / "db.sqlite3", "")
    assert user.value.key == "devserver.bad_user"


def test_an_unusable_database_is_a_config_error(tmp_path: Path) -> None:
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("not sqlite, " * 100, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        mint_code(not_a_db)
    assert err.value.key == "devserver.db_failed"


async def test_the_real_port_is_reported_when_port_0_is_asked(nursery: trio.Nursery) -> None:
    with trio.fail_after(LIMIT):
        url = await nursery.start(serve_devserver, DevServerOptions(port=0))
        host, port = url.removeprefix("http://").rsplit(":", 1)
        assert host == "127.0.0.1"
        assert int(port) > 0


async def test_a_port_in_use_is_a_config_error() -> None:
    with trio.fail_after(LIMIT), socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with trio.open_nursery() as nursery:
            with pytest.raises(ConfigError) as err:
                await nursery.start(serve_devserver, DevServerOptions(port=port))
        assert err.value.key == "devserver.bind_failed"
        assert err.value.params["port"] == port


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_a_non_loopback_host_needs_allow_remote(host: str) -> None:
    with pytest.raises(ConfigError) as err:
        DevServerOptions(host=host)
    assert err.value.key == "devserver.remote_refused"
    assert DevServerOptions(host=host, allow_remote=True).host == host


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_loopback_hosts_are_allowed(host: str) -> None:
    assert DevServerOptions(host=host).host == host


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("port", 70000, "devserver.bad_port"),
        ("port", -1, "devserver.bad_port"),
        ("access_ttl", 0, "devserver.bad_number"),
        ("refresh_ttl", -5, "devserver.bad_number"),
        ("rate", float("nan"), "devserver.bad_number"),
        ("burst", 0, "devserver.bad_number"),
        ("admin_secret", "", "devserver.empty_admin_secret"),
    ],
)
def test_bad_options_are_config_errors(field: str, value: object, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        DevServerOptions(**{field: value})  # type: ignore[arg-type]
    assert err.value.key == key


async def test_each_request_is_logged_without_any_token(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        with structlog.testing.capture_logs() as logs:
            tokens = await server.link()
            records = [sample_record(1), sample_record(2)]
            await server.ingest(tokens["access_token"], records, key="log-key")
            await server.client.post(
                "/token/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"}
            )
        requests = [entry for entry in logs if entry["event"] == "request"]
        assert [entry["path"] for entry in requests] == [
            "/admin/mint-code",
            "/link/complete",
            "/ingest/kovaaks",
            "/token/refresh",
        ]
        ingest = requests[2]
        assert ingest["method"] == "POST"
        assert ingest["status"] == 200
        assert ingest["idempotency_key"] == "log-key"
        assert ingest["digests"] == [r["digest"][:8] for r in records]
        assert ingest["user"] == "player"
        assert len({entry["request_id"] for entry in requests}) == 4
        text = json.dumps(logs, default=str)
        for secret in (tokens["access_token"], tokens["refresh_token"], "Bearer"):
            assert secret not in text
        assert server.options.admin_secret is not None
        assert server.options.admin_secret not in text
