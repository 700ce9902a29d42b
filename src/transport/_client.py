"""POST a batch to the ingest API and say, as a typed outcome, what the reply means.

The client never decides what to do next (retry, refresh, split): it only classifies. It never
raises for anything the network or the server does; every such case is an outcome. It never
keeps the token: the token is a parameter of each call, goes into one header, and appears in no
outcome, error, log line or repr.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard

import httpx

import aimcoach
from aimcoach.errors import TransportError
from aimcoach.messages import Provider
from aimcoach.transport._backoff import parse_retry_after
from aimcoach.transport._endpoint import check_endpoint
from aimcoach.transport._http import Poster

__all__ = [
    "BadBatch",
    "Delivered",
    "IngestClient",
    "IngestOutcome",
    "ItemOutcome",
    "RetryLater",
    "Unauthorized",
]

# The statuses after which the server accepted none of the batch, and the same bytes would be
# refused again: only splitting (or rejecting a single record) can make progress.
_BAD_BATCH = frozenset({400, 413, 422})
DUPLICATE = "duplicate"


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    """The server's verdict on one record of a delivered batch."""

    status: Literal["accepted", "duplicate", "rejected"]
    code: str | None = None
    message: str | None = None

    @property
    def reason(self) -> str:
        """``code: message`` as the server gave it (kept with a rejected record)."""
        return f"{self.code}: {self.message}" if self.message else str(self.code)


@dataclass(frozen=True, slots=True)
class Delivered:
    """200: the server judged every record; ``per_index[i]`` is record ``i`` of the body."""

    per_index: tuple[ItemOutcome, ...]
    replayed: bool = False  # the server answered from its Idempotency-Key store

    def count(self, status: Literal["accepted", "duplicate", "rejected"]) -> int:
        return sum(1 for o in self.per_index if o.status == status)


@dataclass(frozen=True, slots=True)
class RetryLater:
    """Nothing is known to be stored: send the same bytes with the same key again later."""

    error: TransportError
    retry_after: float | None = None

    @property
    def reason(self) -> str:
        return str(self.error)


@dataclass(frozen=True, slots=True)
class Unauthorized:
    """401: the access token was refused."""


@dataclass(frozen=True, slots=True)
class BadBatch:
    """400/413/422: the server refused the batch as a whole and stored none of it."""

    status: int
    code: str
    message: str

    @property
    def reason(self) -> str:
        return f"{self.code}: {self.message}" if self.message else self.code


IngestOutcome = Delivered | RetryLater | Unauthorized | BadBatch


class IngestClient:
    """Posts batches to ``{endpoint}/ingest/{provider}``.

    ``client`` is owned by the caller (it is shared with the token refresher and closed by
    whoever opened it). ``source_label`` is sent as ``X-Aimcoach-Source`` when set.
    """

    def __init__(self, endpoint: str, *, client: Poster, source_label: str | None = None) -> None:
        self.endpoint = check_endpoint(endpoint).rstrip("/")
        self._client = client
        self._headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"aimcoach/{aimcoach.__version__}",
        }
        if source_label:
            self._headers["X-Aimcoach-Source"] = source_label

    def __repr__(self) -> str:
        return f"<IngestClient endpoint={self.endpoint!r}>"

    async def post_batch(
        self,
        provider: Provider,
        body: bytes,
        *,
        idempotency_key: str,
        token: str,
        count: int,
    ) -> IngestOutcome:
        """Send ``body`` (a JSON array of ``count`` records) once and classify the reply."""
        headers = {
            **self._headers,
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": idempotency_key,
        }
        try:
            response = await self._client.post(
                f"{self.endpoint}/ingest/{provider}", content=body, headers=headers
            )
        except httpx.TimeoutException:
            return RetryLater(TransportError("transport.timeout", endpoint=self.endpoint))
        except httpx.HTTPError as exc:
            # Only the exception's type: its text may quote the request, and we want no
            # chance of a header value reaching a message.
            return RetryLater(
                TransportError(
                    "transport.network", endpoint=self.endpoint, detail=type(exc).__name__
                )
            )
        return _classify(response, count)


def _classify(response: httpx.Response, count: int) -> IngestOutcome:
    status = response.status_code
    if 200 <= status < 300:
        try:
            per_index = _parse_verdicts(response.content, count)
        except _BadReply as bad:
            return RetryLater(
                TransportError("transport.bad_reply", status=status, detail=bad.field)
            )
        replayed = response.headers.get("idempotent-replayed", "").lower() == "true"
        return Delivered(per_index, replayed=replayed)
    if status == 401:
        return Unauthorized()
    if status in _BAD_BATCH:
        code, message = _error_body(response)
        return BadBatch(status, code or f"http_{status}", message)
    retry_after = parse_retry_after(
        response.headers.get("retry-after"), date_header=response.headers.get("date")
    )
    if status == 429:
        return RetryLater(TransportError("transport.rate_limited"), retry_after)
    if status >= 500:
        return RetryLater(TransportError("transport.server_error", status=status), retry_after)
    # 403, 404, 409 (key in flight), 3xx …: nothing says the records are at fault, so nothing
    # may be split or rejected; keep them, retry, and let status show what the server said.
    code, _ = _error_body(response)
    return RetryLater(
        TransportError("transport.unexpected_status", status=status, code=code or "-"),
        retry_after,
    )


class _BadReply(Exception):
    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def _parse_verdicts(content: bytes, count: int) -> tuple[ItemOutcome, ...]:
    """``{"accepted": n, "rejected": m, "errors": [{"index", "code", "message"}]}``, checked.

    Every record must be accounted for exactly once (accepted + rejected == count, one error
    per rejected index); anything else is a reply we cannot trust to mark records delivered.
    """
    try:
        obj: Any = json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _BadReply("json") from exc
    if not isinstance(obj, dict):
        raise _BadReply("object")
    accepted, rejected, errors = obj.get("accepted"), obj.get("rejected"), obj.get("errors", [])
    if not _is_count(accepted):
        raise _BadReply("accepted")
    if not _is_count(rejected):
        raise _BadReply("rejected")
    if not isinstance(errors, list) or len(errors) != rejected:
        raise _BadReply("errors")
    if accepted + rejected != count:
        raise _BadReply("accepted+rejected")
    verdicts = [ItemOutcome("accepted")] * count
    seen: set[int] = set()
    for i, error in enumerate(errors):
        if not isinstance(error, dict):
            raise _BadReply(f"errors[{i}]")
        index, code, message = error.get("index"), error.get("code"), error.get("message")
        if not _is_count(index) or index >= count or index in seen:
            raise _BadReply(f"errors[{i}].index")
        if not isinstance(code, str) or not code:
            raise _BadReply(f"errors[{i}].code")
        if message is not None and not isinstance(message, str):
            raise _BadReply(f"errors[{i}].message")
        seen.add(index)
        status: Literal["duplicate", "rejected"] = "duplicate" if code == DUPLICATE else "rejected"
        verdicts[index] = ItemOutcome(status, code, message)
    return tuple(verdicts)


def _is_count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _error_body(response: httpx.Response) -> tuple[str | None, str]:
    """``(error, message)`` of a ``{"error", "message"}`` body, tolerating anything else."""
    try:
        obj = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None, ""
    if not isinstance(obj, dict):
        return None, ""
    code, message = obj.get("error"), obj.get("message")
    return (
        code if isinstance(code, str) and code else None,
        message if isinstance(message, str) else "",
    )
