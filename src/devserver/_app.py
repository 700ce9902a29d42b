"""The reference ingest server as an ASGI application: routing, auth, idempotency, faults.

Endpoints and error codes are the contract in docs/api.md (design.md §6). Every request is
logged once, with its request id, method, path, status, Idempotency-Key and the first eight
characters of each digest it carried. This module must never log a token, not even hashed, and
never touches the database except through :class:`~aimcoach.devserver._store.Store`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import traceback
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import structlog
import trio

from aimcoach.devserver import _store
from aimcoach.devserver._faults import FaultPlan
from aimcoach.devserver._http import (
    DROP,
    HttpError,
    Receive,
    Request,
    Response,
    Send,
    json_body,
    json_response,
    read_body,
)
from aimcoach.devserver._options import (
    CODE_TTL_S,
    IDEMPOTENCY_TTL_S,
    MAX_BODY_BYTES,
    DevServerOptions,
    is_valid_user,
)
from aimcoach.devserver._ratelimit import RateLimiter
from aimcoach.devserver._records import CheckedRecord, check_batch

__all__ = ["DevServerApp"]

_log = structlog.get_logger("devserver")

Handler = Callable[[Request], Awaitable[Response]]

_JSON = (b"content-type", b"application/json")
_REPLAYED = (b"idempotent-replayed", b"true")
_LINK_CODE = re.compile(r"\d{6}")
# Printable ASCII without spaces, like the keys clients derive from UUIDs or hashes.
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")
_MAX_DEVICE_NAME = 200


def _unauthorized(code: str, message: str) -> HttpError:
    challenge = f'Bearer error="{code}"'.encode()
    return HttpError(401, code, message, ((b"www-authenticate", challenge),))


_AUTH_MESSAGES = {
    "invalid_token": "The token is not known to this server. Link the device again.",
    "token_expired": "The token has expired. Refresh it, or link the device again.",
    "token_revoked": "The device was unlinked or revoked. Link the device again.",
    "refresh_reused": (
        "This refresh token was already replaced; the device has been revoked. "
        "Link the device again."
    ),
}
_LINK_MESSAGES = {
    "invalid_code": "No link code matches. Check the code, or mint a new one.",
    "code_expired": "The link code has expired. Mint a new one.",
    "code_used": "The link code has already been used. Mint a new one.",
    "code_invalidated": (
        "The link code was invalidated after too many wrong attempts. Mint a new one."
    ),
}


class DevServerApp:
    """One server's state: the store, the rate limiter, the faults and the keys in flight."""

    def __init__(self, options: DevServerOptions, store: _store.Store) -> None:
        self._options = options
        self._store = store
        self._clock = options.clock
        self._faults = FaultPlan()
        self._limiter = RateLimiter(options.rate, options.burst, options.clock)
        # (user, Idempotency-Key) -> (path, body SHA-256) of the request now being handled.
        self._in_flight: dict[tuple[str, str], tuple[str, str]] = {}
        self._routes: dict[str, dict[str, Handler]] = {
            "/healthz": {"GET": self._healthz},
            "/link/complete": {"POST": self._link_complete},
            "/token/refresh": {"POST": self._token_refresh},
            "/unlink": {"POST": self._unlink},
            "/ingest/kovaaks": {"POST": self._ingest_kovaaks},
            "/ingest/aimlabs": {"POST": self._ingest_aimlabs},
        }
        self._admin_routes: dict[str, dict[str, Handler]] = {
            "/admin/faults": {"POST": self._admin_add_fault, "DELETE": self._admin_clear_faults},
            "/admin/random-faults": {"POST": self._admin_random_faults},
            "/admin/stats": {"GET": self._admin_stats},
            "/admin/revoke": {"POST": self._admin_revoke},
            "/admin/mint-code": {"POST": self._admin_mint_code},
        }

    # ---- ASGI -------------------------------------------------------------------------------

    async def __call__(self, scope: Mapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        # Anything else (websocket) is refused by returning without accepting it.

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Mapping[str, Any], receive: Receive, send: Send) -> None:
        request = Request.from_scope(scope, secrets.token_hex(6))
        started = trio.current_time()
        try:
            response = await self._respond(request, receive)
        except HttpError as err:
            response = err.response()
        except Exception as exc:
            _log.error(
                "internal_error",
                request_id=request.request_id,
                error=f"{type(exc).__name__}: {exc}",
                # Formatted here, without local variables: a frame may hold a fresh token.
                traceback="".join(traceback.format_exception(exc)),
            )
            response = HttpError(
                500, "internal_error", f"The server failed; request id {request.request_id}."
            ).response()
        # Logged before the answer goes out, so the line exists once the client has it.
        _log.info(
            "request",
            request_id=request.request_id,
            method=request.method,
            path=request.path,
            status=None if response is DROP else response.status,
            duration_ms=round((trio.current_time() - started) * 1000, 1),
            **request.log,
        )
        if response is DROP:
            # ASGI cannot abort a connection. An interim 100 (which HTTP clients skip) followed
            # by the end of the app makes Hypercorn close the connection with no final answer.
            await send({"type": "http.response.start", "status": 100, "headers": []})
        else:
            extra = (
                (b"x-request-id", request.request_id.encode()),
                (b"cache-control", b"no-store"),
            )
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status,
                    "headers": response.asgi_headers(extra),
                }
            )
            await send({"type": "http.response.body", "body": response.body})

    async def _respond(self, request: Request, receive: Receive) -> Response:
        admin = self._options.admin_secret is not None and request.path.startswith("/admin/")
        if admin:
            self._check_admin(request)
        methods = (self._admin_routes if admin else self._routes).get(request.path)
        if methods is None:
            raise HttpError(404, "not_found", f"There is no endpoint {request.path}.")
        handler = methods.get(request.method)
        if handler is None:
            allow = ", ".join(sorted(methods)).encode()
            raise HttpError(
                405,
                "method_not_allowed",
                f"{request.path} does not take {request.method}.",
                ((b"allow", allow),),
            )
        declared = request.headers.get("content-length")
        request.body = await read_body(receive, declared, MAX_BODY_BYTES)
        fault = None if admin else self._faults.take(request.path)
        if fault is not None:
            request.log["fault"] = fault.describe()
            if fault.action == "status":
                retry = (
                    ()
                    if fault.retry_after is None
                    else ((b"retry-after", b"%d" % fault.retry_after),)
                )
                assert fault.error is not None
                raise HttpError(fault.status, fault.error, "Injected fault.", retry)
            if fault.action == "unauthorized":
                raise _unauthorized("invalid_token", _AUTH_MESSAGES["invalid_token"])
            if fault.action == "drop" and not fault.after:
                return DROP
            if fault.action == "delay":
                request.delay = fault.seconds
        try:
            response = await handler(request)
        except HttpError as err:
            response = err.response()
        await self._hold(request)
        if fault is not None and fault.action == "drop":
            return DROP
        return response

    @staticmethod
    async def _hold(request: Request) -> None:
        """Serve a `delay` fault (once per request, wherever the handler chose to)."""
        delay, request.delay = request.delay, 0.0
        if delay:
            await trio.sleep(delay)

    def _check_admin(self, request: Request) -> None:
        secret = self._options.admin_secret
        assert secret is not None
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "admin" or not hmac.compare_digest(
            given.strip().encode(), secret.encode()
        ):
            raise HttpError(
                403, "forbidden", "The admin API needs 'Authorization: Admin <secret>'."
            )

    # ---- auth -------------------------------------------------------------------------------

    def _bearer(self, request: Request) -> str:
        """The SHA-256 of the presented bearer token; 401 if there is none, 429 if it is spent."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise _unauthorized("invalid_token", "Send 'Authorization: Bearer <token>'.")
        token_hash = _store.hash_token(token)
        # Limited per presented token, before it is checked: guessing tokens costs the same.
        wait = self._limiter.take(token_hash)
        if wait is not None:
            raise HttpError(
                429,
                "rate_limited",
                f"Too many requests with this token; retry after {wait} s.",
                ((b"retry-after", str(wait).encode()),),
            )
        return token_hash

    async def _device(self, request: Request) -> _store.Device:
        """The device whose access token the request carries; 401 or 429 otherwise."""
        token_hash = self._bearer(request)
        found = await self._store.call(_store.verify_token, token_hash, "access", self._clock())
        if isinstance(found, _store.AuthFailure):
            raise _unauthorized(found.code, _AUTH_MESSAGES[found.code])
        request.log["user"] = found.user
        return found

    # ---- API endpoints ----------------------------------------------------------------------

    async def _healthz(self, request: Request) -> Response:
        return json_response(200, {"status": "ok"})

    async def _link_complete(self, request: Request) -> Response:
        body = request.json_object()
        code = body.get("code")
        if not isinstance(code, str) or not _LINK_CODE.fullmatch(code):
            raise HttpError(400, "bad_request", "code must be a string of 6 digits.")
        device = body.get("device", {})
        name = device.get("name", "unnamed device") if isinstance(device, dict) else None
        # isprintable() also refuses lone surrogates, which SQLite cannot store.
        if (
            not isinstance(name, str)
            or not 0 < len(name) <= _MAX_DEVICE_NAME
            or not name.isprintable()
        ):
            raise HttpError(
                400,
                "bad_request",
                f'device must be {{"name": "<1 to {_MAX_DEVICE_NAME} printable characters>"}}.',
            )
        result = await self._store.call(
            _store.complete_link,
            code,
            name,
            self._clock(),
            self._options.access_ttl,
            self._options.refresh_ttl,
        )
        if isinstance(result, _store.AuthFailure):
            raise HttpError(400, result.code, _LINK_MESSAGES[result.code])
        return json_response(200, result.json())

    async def _token_refresh(self, request: Request) -> Response:
        token_hash = self._bearer(request)  # the body is `{}` and ignored
        result = await self._store.call(
            _store.refresh,
            token_hash,
            self._clock(),
            self._options.access_ttl,
            self._options.refresh_ttl,
        )
        if isinstance(result, _store.AuthFailure):
            raise _unauthorized(result.code, _AUTH_MESSAGES[result.code])
        return json_response(200, result.json())

    async def _unlink(self, request: Request) -> Response:
        device = await self._device(request)
        await self._store.call(_store.revoke_device, device.device_id, self._clock())
        return Response(204)

    async def _ingest_kovaaks(self, request: Request) -> Response:
        return await self._ingest(request, "kovaaks")

    async def _ingest_aimlabs(self, request: Request) -> Response:
        return await self._ingest(request, "aimlabs")

    async def _ingest(self, request: Request, provider: str) -> Response:
        user = (await self._device(request)).user
        await self._store.call(_store.bump_requests, user)
        key = request.headers.get("idempotency-key")
        if key is None:
            return await self._ingest_new(request, user, provider, None)
        if not _IDEMPOTENCY_KEY.fullmatch(key):
            raise HttpError(
                400, "bad_request", "Idempotency-Key must be 1 to 255 printable ASCII characters."
            )
        request.log["idempotency_key"] = key
        fingerprint = (request.path, hashlib.sha256(request.body).hexdigest())
        slot = (user, key)
        held = self._in_flight.get(slot)
        if held is not None:
            if held != fingerprint:
                raise _key_reused()
            raise HttpError(
                409,
                "idempotency_in_flight",
                "A request with this Idempotency-Key is still being handled; retry shortly.",
            )
        self._in_flight[slot] = fingerprint
        try:
            stored = await self._store.call(
                _store.lookup_reply, user, key, self._clock(), IDEMPOTENCY_TTL_S
            )
            if stored is not None:
                if (stored.path, stored.body_sha256) != fingerprint:
                    raise _key_reused()
                await self._store.call(_store.count_replay, user)
                request.log["replayed"] = True
                return Response(stored.status, stored.body, (_JSON, _REPLAYED))
            reply = _store.ReplyKey(user, key, *fingerprint)
            response = await self._ingest_new(request, user, provider, reply)
            # A delay fault holds the key in flight, as a slow server would.
            await self._hold(request)
            return response
        finally:
            del self._in_flight[slot]

    async def _ingest_new(
        self, request: Request, user: str, provider: str, reply: _store.ReplyKey | None
    ) -> Response:
        try:
            checked = await trio.to_thread.run_sync(check_batch, request, provider)
        except HttpError as err:
            # A malformed body gets the same answer on every retry: keep it with the key.
            if reply is not None:
                body = err.response().body
                await self._store.call(_store.store_reply, reply, err.status, body, self._clock())
            raise
        request.log["digests"] = [c.digest[:8] for c in checked if c.digest is not None]
        valid = [
            (c.index, c.digest, c.stored)
            for c in checked
            if c.stored is not None and c.digest is not None
        ]
        invalid = [c for c in checked if c.stored is None]

        def render(outcome: _store.IngestOutcome) -> bytes:
            errors = invalid + [
                CheckedRecord(
                    index,
                    None,
                    code="duplicate",
                    message="This user already has a record with this digest.",
                )
                for index in sorted(outcome.duplicates)
            ]
            errors.sort(key=lambda c: c.index)
            return json_body(
                {
                    "accepted": outcome.accepted,
                    "rejected": len(errors),
                    "errors": [
                        {"index": c.index, "code": c.code, "message": c.message} for c in errors
                    ],
                }
            )

        body = await self._store.call(
            _store.ingest, user, provider, valid, len(invalid), self._clock(), reply, render
        )
        return Response(200, body, (_JSON,))

    # ---- admin ------------------------------------------------------------------------------

    async def _admin_add_fault(self, request: Request) -> Response:
        self._faults.add(request.json())
        return Response(204)

    async def _admin_clear_faults(self, request: Request) -> Response:
        self._faults.clear()
        return Response(204)

    async def _admin_random_faults(self, request: Request) -> Response:
        self._faults.set_random(request.json())
        return Response(204)

    async def _admin_stats(self, request: Request) -> Response:
        users = await self._store.call(_store.stats)
        totals = {name: sum(u[name] for u in users.values()) for name in _store.STAT_NAMES}
        totals["in_flight"] = len(self._in_flight)
        totals["faults_injected"] = self._faults.injected
        return json_response(200, {"users": users, "totals": totals})

    def _user(self, request: Request) -> str:
        user = request.json_object().get("user", "player")
        if not isinstance(user, str) or not is_valid_user(user):
            raise HttpError(400, "bad_request", "user must be 1 to 64 printable characters.")
        return user

    async def _admin_revoke(self, request: Request) -> Response:
        revoked = await self._store.call(_store.revoke_user, self._user(request), self._clock())
        return json_response(200, {"revoked_devices": revoked})

    async def _admin_mint_code(self, request: Request) -> Response:
        code = await self._store.call(_store.insert_code, self._user(request), self._clock())
        return json_response(200, {"code": code, "expires_in": CODE_TTL_S})


def _key_reused() -> HttpError:
    return HttpError(
        422,
        "idempotency_key_reused",
        "This Idempotency-Key was used for a different request; use a new key for new content.",
    )
