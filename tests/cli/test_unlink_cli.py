"""``aimcoach unlink`` through ``main(argv)``, against the real reference server on loopback.

``main`` runs its own ``trio.run``, so it runs in a worker thread while the server runs in the
test's trio loop. The root conftest gives every test a private data folder and the encrypted
file store with a test passphrase.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from functools import partial
from pathlib import Path

import pytest
import trio

from aimcoach.auth._status import format_local
from aimcoach.cli import main
from aimcoach.devserver.testing import RunningServer, running_devserver, sample_record


def _token_file() -> Path:
    return Path(os.environ["AIMCOACH_DATA_DIR"]) / "tokens.enc"


async def _main(*argv: str) -> int:
    return await trio.to_thread.run_sync(partial(main, list(argv)))


async def _link(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMCOACH_API_ENDPOINT", server.url)
    assert await _main("link", "--code", await server.mint()) == 0


def _access_token() -> str:
    from aimcoach.auth import open_store
    from aimcoach.config import load_settings

    tokens = open_store("file", load_settings()).get()
    assert tokens is not None
    return tokens.access_token


async def test_unlink_revokes_on_the_server_then_forgets_and_twice_is_harmless(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with trio.fail_after(60):
        async with running_devserver() as server:
            await _link(server, monkeypatch)
            token = await trio.to_thread.run_sync(_access_token)
            capsys.readouterr()
            assert await _main("unlink") == 0
            out, _ = capsys.readouterr()
            assert f"This PC is unlinked: {server.url} no longer accepts its sign-in" in out
            assert (await server.ingest(token, [sample_record()])).status_code == 401
            assert not _token_file().exists()
            assert await _main("unlink") == 0
            out, _ = capsys.readouterr()
            assert out.strip() == "This PC is not linked; there is nothing to unlink."


async def test_unreachable_server_deletes_locally_and_says_until_when_it_stays_valid(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with trio.fail_after(60):
        async with running_devserver() as server:
            await _link(server, monkeypatch)
        # The server is gone now.
        info = json.loads(_token_file().read_text(encoding="utf-8"))["info"]
        capsys.readouterr()
        assert await _main("unlink") == 1
    _, err = capsys.readouterr()
    assert f"{server.url} could not be reached" in err
    # The dates are the stored expiry times, in this PC's local time.
    access_until = format_local(datetime.fromisoformat(info["access_expires_at"]))
    refresh_until = format_local(datetime.fromisoformat(info["refresh_expires_at"]))
    assert f"stays valid until {access_until} and its renewal until {refresh_until}" in err
    assert not _token_file().exists()


async def test_a_server_error_still_deletes_locally(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with trio.fail_after(60):
        async with running_devserver() as server:
            await _link(server, monkeypatch)
            await server.fault(path="/unlink", action="status", status=503)
            capsys.readouterr()
            assert await _main("unlink") == 1
    _, err = capsys.readouterr()
    assert "HTTP 503" in err and "remove the device on the AimCoach site" in err
    assert not _token_file().exists()


async def test_a_device_the_server_already_revoked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with trio.fail_after(60):
        async with running_devserver() as server:
            await _link(server, monkeypatch)
            response = await server.client.post(
                "/admin/revoke", json={"user": "player"}, headers=server.admin_headers
            )
            assert response.status_code == 200
            capsys.readouterr()
            assert await _main("unlink") == 0
    out, _ = capsys.readouterr()
    assert "had already stopped accepting" in out
    assert not _token_file().exists()


async def test_relink_needed_skips_the_server(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from aimcoach.auth import open_store
    from aimcoach.config import load_settings

    with trio.fail_after(60):
        async with running_devserver() as server:
            await _link(server, monkeypatch)
            token = await trio.to_thread.run_sync(_access_token)
            await trio.to_thread.run_sync(
                lambda: open_store("file", load_settings()).mark_relink_needed()
            )
            capsys.readouterr()
            assert await _main("unlink") == 0
            # The server was not asked: the (still valid) token was not revoked by us.
            assert (await server.ingest(token, [sample_record()])).status_code == 200
    out, _ = capsys.readouterr()
    assert "had already stopped accepting" in out
    assert not _token_file().exists()


def test_an_unreadable_store_is_deleted_with_a_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _token_file().parent.mkdir(parents=True, exist_ok=True)
    _token_file().write_bytes(b"damaged beyond repair")
    assert main(["unlink"]) == 1
    _, err = capsys.readouterr()
    assert "could not be read" in err and "damaged or was changed" in err
    assert not _token_file().exists()
    assert main(["unlink"]) == 0
