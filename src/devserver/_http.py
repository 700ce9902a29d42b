"""The small HTTP layer of the reference server: requests, responses and the ASGI plumbing.

A router over raw ASGI is enough for seven endpoints and an admin API, and it keeps the byte
layout of every response under our control (idempotent replays must be byte for byte). This
module knows nothing about tokens, records or the database.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DROP",
    "HttpError",
    "Receive",
    "Request",
    "Response",
    "Send",
    "error_body",
    "json_body",
    "json_response",
    "read_body",
]

Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

_JSON = (b"content-type", b"application/json")


def json_body(obj: Any) -> bytes:
    """Compact UTF-8 JSON: the one serialization every response body uses."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def error_body(code: str, message: str) -> bytes:
    return json_body({"error": code, "message": message})


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes = b""
    headers: tuple[tuple[bytes, bytes], ...] = ()

    def asgi_headers(
        self, extra: tuple[tuple[bytes, bytes], ...] = ()
    ) -> list[tuple[bytes, bytes]]:
        out = list(self.headers) + list(extra)
        if self.status != 204:
            out.append((b"content-length", str(len(self.body)).encode()))
        return out


#: Sentinel response: close the connection without answering (the `drop` fault).
DROP = Response(status=0)


def json_response(status: int, obj: Any, headers: tuple[tuple[bytes, bytes], ...] = ()) -> Response:
    return Response(status, json_body(obj), (_JSON, *headers))


class HttpError(Exception):
    """An error answer: raised anywhere in a handler, turned into a response by the app."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: tuple[tuple[bytes, bytes], ...] = (),
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers

    def response(self) -> Response:
        return Response(self.status, error_body(self.code, self.message), (_JSON, *self.headers))


@dataclass(slots=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    client: str
    request_id: str
    body: bytes = b""
    # Seconds a `delay` fault holds the response back (see DevServerApp._hold).
    delay: float = 0.0
    # Filled in by handlers for the request log line; never a token.
    log: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_scope(cls, scope: Mapping[str, Any], request_id: str) -> Request:
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers", ()):
            name = bytes(raw_name).decode("latin-1").lower()
            value = bytes(raw_value).decode("latin-1")
            # Repeated headers are joined as RFC 9110 allows; none of ours may repeat anyway.
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        client = scope.get("client")
        return cls(
            method=str(scope["method"]).upper(),
            path=str(scope["path"]),
            headers=headers,
            client=str(client[0]) if client else "",
            request_id=request_id,
        )

    def json(self) -> Any:
        """The body as JSON; 400 ``bad_request`` if it is not (NaN/Infinity literals refused)."""
        try:
            return json.loads(self.body.decode("utf-8"), parse_constant=_refuse_constant)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise HttpError(400, "bad_request", f"The body is not valid JSON: {exc}") from exc

    def json_object(self) -> dict[str, Any]:
        obj = self.json() if self.body.strip() else {}
        if not isinstance(obj, dict):
            raise HttpError(400, "bad_request", "The body must be a JSON object.")
        return obj


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


async def read_body(receive: Receive, declared: str | None, limit: int) -> bytes:
    """The whole request body, or 413 ``request_too_large`` once it passes ``limit`` bytes."""
    too_large = HttpError(
        413, "request_too_large", f"The request body is larger than {limit} bytes; send less."
    )
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = bytes(message.get("body", b""))
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
