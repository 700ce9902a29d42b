"""No token value ever reaches output, logs, exception texts or files outside the store.

A whole life runs against the real reference server — link (CLI), refresh, the 401 path, a
revoked device, status in both languages, relink, unlink (CLI), and a handful of failures —
while a transport wrapper notes every token the server hands out. Then everything a person or
a log could see is searched for those values: stdout, stderr, stdlib and structlog logs at
debug level, the text, repr and traceback of every error, the status JSON, and every file in
the data folder except that its bytes must not contain a token in the clear either.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import traceback
from datetime import UTC, datetime
from functools import partial
from types import ModuleType

import httpx
import pytest
import structlog
import trio

from aimcoach.auth import (
    StaticTokenSource,
    TokenManager,
    link,
    link_status,
    open_store,
    render_link_status,
)
from aimcoach.cli import _link, _unlink
from aimcoach.config import load_settings
from aimcoach.devserver.testing import FakeClock, running_devserver, sample_record
from aimcoach.errors import AimcoachError
from aimcoach.i18n import set_language


class RecordingTransport(httpx.AsyncBaseTransport):
    """The real transport, noting every token value in the server's replies."""

    def __init__(self, issued: set[str]) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.issued = issued

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        try:
            obj = json.loads(body)
        except ValueError:
            return response
        if isinstance(obj, dict):
            for key in ("access_token", "refresh_token"):
                if isinstance(obj.get(key), str):
                    self.issued.add(obj[key])
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_no_token_in_any_output_log_error_or_file(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    issued: set[str] = set()
    errors: list[BaseException] = []
    texts: list[str] = []
    fake = FakeClock()

    def wall() -> datetime:
        return datetime.fromtimestamp(fake.now, UTC)

    def keep(exc: BaseException) -> None:
        errors.append(exc)

    with structlog.testing.capture_logs() as logs, trio.fail_after(120):
        async with running_devserver(clock=fake, access_ttl=3600) as server:
            monkeypatch.setenv("AIMCOACH_API_ENDPOINT", server.url)
            monkeypatch.setenv("AIMCOACH_LOG_LEVEL", "debug")
            settings = load_settings()
            data_dir = settings.data_dir

            def cli(module: ModuleType, **kw: object) -> int:
                args = argparse.Namespace(**kw)
                transport = RecordingTransport(issued)
                return int(module.run(args, settings, transport=transport, clock=wall))

            # link, as the CLI does it
            code = await server.mint()
            assert await trio.to_thread.run_sync(partial(cli, _link, code=code, device=None)) == 0
            store = open_store(settings.token_store, settings)

            async with httpx.AsyncClient(transport=RecordingTransport(issued)) as client:
                manager = TokenManager(store, endpoint=server.url, client=client, clock=wall)
                texts.append(repr(manager))
                texts.append(repr(store))
                token = await manager.access_token()  # 1-hour token: renewed at once
                texts.append(repr(store.get()))
                fake.advance(3700)
                assert (await server.ingest(token, [sample_record()])).status_code == 401
                token = await manager.after_unauthorized(token)
                for lang in ("en", "ja"):
                    set_language("en" if lang == "en" else "ja")
                    info = link_status(settings, clock=wall)
                    texts.append(json.dumps(info))
                    texts.extend(render_link_status(info))
                set_language("en")

                # failures: a refused code, a revoked device, an unreachable server, --api-token
                try:
                    await link(server.url, "000000", "PC", store, client=client)
                except AimcoachError as exc:
                    keep(exc)
                await server.client.post(
                    "/admin/revoke", json={"user": "player"}, headers=server.admin_headers
                )
                try:
                    await manager.after_unauthorized(token)
                except AimcoachError as exc:
                    keep(exc)
                try:
                    await manager.access_token()
                except AimcoachError as exc:
                    keep(exc)
                texts.append(json.dumps(link_status(settings, clock=wall)))
                static = StaticTokenSource(token)
                texts.append(repr(static))
                try:
                    await static.after_unauthorized(token)
                except AimcoachError as exc:
                    keep(exc)
                dead = TokenManager(store, endpoint="http://127.0.0.1:9", client=client, clock=wall)
                try:
                    await dead.access_token()
                except AimcoachError as exc:
                    keep(exc)

            # relink, then unlink as the CLI does it (the server is told)
            code = await server.mint()
            assert await trio.to_thread.run_sync(partial(cli, _link, code=code, device="PC 2")) == 0
            assert await trio.to_thread.run_sync(partial(cli, _unlink)) == 0
            assert await trio.to_thread.run_sync(partial(cli, _unlink)) == 0

        # the server is gone: unlink of a fresh link cannot tell it
        async with running_devserver(clock=fake) as server2:
            monkeypatch.setenv("AIMCOACH_API_ENDPOINT", server2.url)
            settings = load_settings()
            code = await server2.mint()
            assert await trio.to_thread.run_sync(partial(cli, _link, code=code, device=None)) == 0
            snapshot = {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}
        assert await trio.to_thread.run_sync(partial(cli, _unlink)) == 1

    out, err = capsys.readouterr()
    assert len(issued) >= 8  # 4 links/refreshes at least, two tokens each: the scan can fail
    assert len(errors) == 5
    for error in errors:
        texts.append(str(error))
        texts.append(repr(error))
        texts.append("".join(traceback.format_exception(error)))
    haystack = "\n".join([out, err, caplog.text, json.dumps(logs, default=str), *texts])
    files = {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()} | snapshot
    assert files, "the encrypted token file should have been seen"
    for value in issued:
        assert value not in haystack
        for path, data in files.items():
            assert value.encode() not in data, f"{value[:4]}… in {path}"
    assert os.environ.get("AIMCOACH_TOKEN_PASSPHRASE", "") not in haystack
    # No Authorization header value either (the server's WWW-Authenticate challenge is fine).
    assert re.search(r"Bearer [A-Za-z0-9\-_.~+/]{20,}", haystack) is None
