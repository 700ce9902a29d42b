"""Linking: the local code check, the request, storing, and every failure's message.

The HTTP seam is ``httpx.MockTransport``; two tests use real sockets on loopback (a closed
port, and a TLS server whose certificate nobody trusts) to prove the mapping of real failures.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import ssl
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
from _auth_support import ENDPOINT, T0, make_tokens
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from aimcoach.auth import DEFAULT_REFRESH_LIFETIME, link
from aimcoach.auth._file_store import EncryptedFileStore
from aimcoach.auth._http import new_client
from aimcoach.errors import AuthError, ConfigError, TransportError

REPLY = {
    "access_token": "acc-linked-secret",
    "refresh_token": "ref-linked-secret",
    "token_type": "Bearer",
    "expires_in": 30 * 86400,
    "refresh_expires_in": 90 * 86400,
}


class Recorder:
    """A MockTransport handler that answers with ``respond`` and keeps every request."""

    def __init__(self, respond: Callable[[httpx.Request], httpx.Response]) -> None:
        self.respond = respond
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.respond(request)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self))


def _reply(
    status: int, body: Any = None, *, raw: bytes | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    def respond(request: httpx.Request) -> httpx.Response:
        if raw is not None:
            return httpx.Response(status, content=raw)
        return httpx.Response(status, json=body)

    return respond


async def _link(
    recorder: Recorder, store: EncryptedFileStore, code: str = "123456", **kw: Any
) -> Any:
    async with recorder.client() as client:
        return await link(ENDPOINT, code, "Desk PC", store, client=client, clock=lambda: T0, **kw)


@pytest.mark.parametrize(
    "code", ["12345", "1234567", "12a456", "", "１２３４５６", "12 3456", "123456\n7", "٣٣٣٣٣٣"]
)
async def test_a_code_that_is_not_6_ascii_digits_is_refused_locally(
    file_store: EncryptedFileStore, code: str
) -> None:
    recorder = Recorder(_reply(200, REPLY))
    with trio.fail_after(5), pytest.raises(ConfigError) as info:
        await _link(recorder, file_store, code)
    assert info.value.key == "link.code_format"
    assert info.value.exit_code == 2
    assert recorder.requests == []
    assert file_store.get() is None


async def test_success_posts_the_contract_body_and_stores_absolute_expiries(
    file_store: EncryptedFileStore,
) -> None:
    recorder = Recorder(_reply(200, REPLY))
    with trio.fail_after(5):
        tokens = await _link(recorder, file_store, " 012345 ")
    (request,) = recorder.requests
    assert request.method == "POST"
    assert str(request.url) == ENDPOINT + "/link/complete"
    assert json.loads(request.content) == {"code": "012345", "device": {"name": "Desk PC"}}
    assert "authorization" not in request.headers
    assert tokens.access_expires_at == T0 + timedelta(days=30)
    assert tokens.refresh_expires_at == T0 + timedelta(days=90)
    assert (tokens.linked_at, tokens.endpoint, tokens.device_name) == (T0, ENDPOINT, "Desk PC")
    assert file_store.load() == (tokens, False)


async def test_refresh_expiry_defaults_to_90_days_when_the_server_does_not_say(
    file_store: EncryptedFileStore,
) -> None:
    body = {k: v for k, v in REPLY.items() if k != "refresh_expires_in"}
    recorder = Recorder(_reply(200, body))
    with trio.fail_after(5):
        tokens = await _link(recorder, file_store)
    assert tokens.refresh_expires_at == T0 + DEFAULT_REFRESH_LIFETIME == T0 + timedelta(days=90)


async def test_linking_again_replaces_the_old_tokens(file_store: EncryptedFileStore) -> None:
    file_store.set(make_tokens(access="old-access", refresh="old-refresh"))
    file_store.mark_relink_needed()
    with trio.fail_after(5):
        tokens = await _link(Recorder(_reply(200, REPLY)), file_store)
    assert file_store.load() == (tokens, False)


async def test_an_endpoint_path_prefix_is_kept(file_store: EncryptedFileStore) -> None:
    recorder = Recorder(_reply(200, REPLY))
    with trio.fail_after(5):
        async with recorder.client() as client:
            await link(ENDPOINT + "/v1/", "123456", "PC", file_store, client=client)
    assert str(recorder.requests[0].url) == ENDPOINT + "/v1/link/complete"


@pytest.mark.parametrize(
    ("status", "code", "key"),
    [
        (400, "invalid_code", "link.invalid_code"),
        (400, "code_expired", "link.code_expired"),
        (400, "code_used", "link.code_used"),
        (400, "code_invalidated", "link.code_invalidated"),
        (401, "invalid_code", "link.invalid_code"),
        (403, "device_limit", "link.refused"),
    ],
)
async def test_refused_codes_get_their_own_message_and_nothing_is_stored(
    file_store: EncryptedFileStore, status: int, code: str, key: str
) -> None:
    old = make_tokens()
    file_store.set(old)
    recorder = Recorder(_reply(status, {"error": code, "message": "server text"}))
    with trio.fail_after(5), pytest.raises(AuthError) as info:
        await _link(recorder, file_store)
    assert info.value.key == key
    assert file_store.load() == (old, False)  # a failed link leaves the old one alone


def test_code_messages_say_what_to_do_next() -> None:
    assert "5" in str(AuthError("link.invalid_code"))
    for key in ("link.code_expired", "link.code_used", "link.code_invalidated"):
        assert "aimcoach link --code" in str(AuthError(key))


@pytest.mark.parametrize(
    ("status", "body", "raw", "key"),
    [
        (429, {"error": "rate_limited"}, None, "link.rate_limited"),
        (500, None, b"<html>oops</html>", "link.server_error"),
        (503, {"error": "unavailable"}, None, "link.server_error"),
        (200, None, b"<html>captive portal</html>", "link.bad_reply"),
        (200, None, b"", "link.bad_reply"),
        (200, [REPLY], None, "link.bad_reply"),
        (200, {**REPLY, "refresh_token": None}, None, "link.bad_reply"),
        (200, {**REPLY, "expires_in": "2592000"}, None, "link.bad_reply"),
        (200, {**REPLY, "expires_in": -5}, None, "link.bad_reply"),
        (200, {**REPLY, "expires_in": True}, None, "link.bad_reply"),
        (200, {**REPLY, "expires_in": 1e300}, None, "link.bad_reply"),
        (200, {**REPLY, "access_token": "has space"}, None, "link.bad_reply"),
        (200, {**REPLY, "access_token": ""}, None, "link.bad_reply"),
        (302, None, b"", "link.bad_reply"),
    ],
)
async def test_server_trouble_and_garbage_are_retryable_errors_and_store_nothing(
    file_store: EncryptedFileStore, status: int, body: Any, raw: bytes | None, key: str
) -> None:
    recorder = Recorder(_reply(status, body, raw=raw))
    with trio.fail_after(5), pytest.raises(TransportError) as info:
        await _link(recorder, file_store)
    assert info.value.key == key
    assert info.value.retryable
    assert file_store.get() is None
    assert "acc-linked-secret" not in str(info.value)


def _raise(exc: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def respond(request: httpx.Request) -> httpx.Response:
        raise exc

    return respond


def _tls_error() -> httpx.ConnectError:
    # The shape httpx gives under trio: ConnectError <- BrokenResourceError <- SSLError.
    cert = ssl.SSLCertVerificationError(1, "certificate verify failed: self-signed certificate")
    broken = trio.BrokenResourceError()
    broken.__cause__ = cert
    err = httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED]")
    err.__cause__ = broken
    return err


@pytest.mark.parametrize(
    ("exc", "key"),
    [
        (httpx.ConnectError("Connection refused"), "link.unreachable"),
        (_tls_error(), "link.tls"),
        (httpx.ReadTimeout("timed out"), "link.timeout"),
        (httpx.ConnectTimeout("timed out"), "link.timeout"),
        (httpx.RemoteProtocolError("peer closed"), "link.network"),
    ],
)
async def test_network_failures_are_mapped(
    file_store: EncryptedFileStore, exc: Exception, key: str
) -> None:
    with trio.fail_after(5), pytest.raises(TransportError) as info:
        await _link(Recorder(_raise(exc)), file_store)
    assert info.value.key == key
    assert ENDPOINT in str(info.value)
    assert file_store.get() is None


async def test_a_closed_port_is_unreachable(file_store: EncryptedFileStore) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    endpoint = f"http://127.0.0.1:{port}"
    with trio.fail_after(20):
        async with new_client() as client:
            with pytest.raises(TransportError) as info:
                await link(endpoint, "123456", "PC", file_store, client=client)
    assert info.value.key == "link.unreachable"
    assert file_store.get() is None


def _self_signed(tmp_path: Path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return ctx


async def test_an_untrusted_certificate_is_a_tls_error_never_ignored(
    file_store: EncryptedFileStore, tmp_path: Path
) -> None:
    server_ctx = _self_signed(tmp_path)

    async def handle(stream: trio.SSLStream[trio.SocketStream]) -> None:
        try:
            await stream.do_handshake()
            await stream.receive_some(65536)
        except trio.BrokenResourceError:
            pass  # the client gave up on our certificate, as it must

    with trio.fail_after(20):
        async with trio.open_nursery() as nursery:
            listeners = await nursery.start(
                partial(trio.serve_ssl_over_tcp, handle, 0, server_ctx, host="127.0.0.1")
            )
            port = listeners[0].transport_listener.socket.getsockname()[1]
            async with new_client() as client:
                with pytest.raises(TransportError) as info:
                    await link(
                        f"https://127.0.0.1:{port}", "123456", "PC", file_store, client=client
                    )
            nursery.cancel_scope.cancel()
    assert info.value.key == "link.tls"
    assert file_store.get() is None


@pytest.mark.parametrize("endpoint", ["http://api.example.test", "ftp://127.0.0.1"])
async def test_tokens_are_never_requested_over_plain_http_off_loopback(
    file_store: EncryptedFileStore, endpoint: str
) -> None:
    recorder = Recorder(_reply(200, REPLY))
    with trio.fail_after(5), pytest.raises(ConfigError):
        async with recorder.client() as client:
            await link(endpoint, "123456", "PC", file_store, client=client)
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("name", "key"),
    [("   ", "link.device_bad"), ("x" * 101, "link.device_too_long"), ("a\tb", "link.device_bad")],
)
async def test_bad_device_names_are_refused_locally(
    file_store: EncryptedFileStore, name: str, key: str
) -> None:
    recorder = Recorder(_reply(200, REPLY))
    with trio.fail_after(5), pytest.raises(ConfigError) as info:
        async with recorder.client() as client:
            await link(ENDPOINT, "123456", name, file_store, client=client)
    assert info.value.key == key
    assert recorder.requests == []
