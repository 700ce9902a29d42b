"""``aimcoach link`` through ``main(argv)``, against the real reference server on loopback.

``main`` runs its own ``trio.run``, so it runs in a worker thread while the server runs in the
test's trio loop. Settings come from the environment the root conftest prepares (encrypted-file
token store with a test passphrase, a private data folder).
"""

from __future__ import annotations

import json
import os
from functools import partial
from pathlib import Path

import pytest
import trio

from aimcoach.cli import main
from aimcoach.devserver.testing import running_devserver

DATA_DIR_ENV = "AIMCOACH_DATA_DIR"


async def _main(*argv: str) -> int:
    return await trio.to_thread.run_sync(partial(main, list(argv)))


def _stored(path: Path) -> dict[str, object]:
    return json.loads(path.read_text(encoding="utf-8"))["info"]  # type: ignore[no-any-return]


async def test_link_prints_where_and_until_when(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with trio.fail_after(60):
        async with running_devserver() as server:
            monkeypatch.setenv("AIMCOACH_API_ENDPOINT", server.url)
            code = await _main("link", "--code", await server.mint(), "--device", "Living room")
    out, err = capsys.readouterr()
    token_file = Path(os.environ[DATA_DIR_ENV]) / "tokens.enc"
    assert code == 0, err
    assert 'Linked this PC as "Living room"' in out
    assert f"Sign-in stored in: file ({token_file})" in out
    assert "Access token valid until " in out and "(in 30 days)" in out
    assert "Renewal possible until " in out and "(in 90 days)" in out
    info = _stored(token_file)
    assert info["device_name"] == "Living room" and info["endpoint"] == server.url


async def test_link_defaults_to_the_device_name_setting_and_speaks_japanese(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with trio.fail_after(60):
        async with running_devserver() as server:
            monkeypatch.setenv("AIMCOACH_API_ENDPOINT", server.url)
            monkeypatch.setenv("AIMCOACH_DEVICE_NAME", "ゲーミングPC")
            code = await _main("--lang", "ja", "link", "--code", await server.mint())
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "この PC を「ゲーミングPC」として" in out
    assert "あと 30 日" in out
    assert _stored(Path(os.environ[DATA_DIR_ENV]) / "tokens.enc")["device_name"] == "ゲーミングPC"


@pytest.mark.parametrize("code", ["12345", "abcdef", "1234567"])
def test_a_malformed_code_exits_2_before_any_request(
    code: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing listens on this endpoint: a request would fail differently (exit 1).
    monkeypatch.setenv("AIMCOACH_API_ENDPOINT", "http://127.0.0.1:9")
    assert main(["link", "--code", code]) == 2
    _, err = capsys.readouterr()
    assert "exactly 6 digits" in err
    assert not (Path(os.environ[DATA_DIR_ENV]) / "tokens.enc").exists()


async def test_a_refused_code_exits_1_and_stores_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with trio.fail_after(60):
        async with running_devserver() as server:
            monkeypatch.setenv("AIMCOACH_API_ENDPOINT", server.url)
            minted = await server.mint()
            wrong = f"{(int(minted) + 1) % 1_000_000:06d}"
            code = await _main("link", "--code", wrong)
    _, err = capsys.readouterr()
    assert code == 1
    assert "did not accept this code" in err
    assert not (Path(os.environ[DATA_DIR_ENV]) / "tokens.enc").exists()


def test_an_unreachable_server_exits_1_with_what_to_do(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    monkeypatch.setenv("AIMCOACH_API_ENDPOINT", f"http://127.0.0.1:{port}")
    assert main(["link", "--code", "123456"]) == 1
    _, err = capsys.readouterr()
    assert f"Could not connect to http://127.0.0.1:{port}" in err
    assert "Nothing was stored" in err


def test_an_unsupported_store_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The config table already refuses it; the message still names the supported kinds.
    monkeypatch.setenv("AIMCOACH_TOKEN_STORE", "kms")
    assert main(["link", "--code", "123456"]) == 2
    _, err = capsys.readouterr()
    assert "kms" in err and "secret-service" in err
