"""The sender actor: batches outbox records and delivers each batch exactly once.

The rules that make delivery exactly-once (see also aimcoach.state):

1. On start, every batch left pending by an earlier run is resent first, unchanged: the same
   Idempotency-Key and the same bytes, so a batch the server stored but whose reply was lost
   is answered from the server's idempotency store, not stored again.
2. Then the outbox records that are in no batch (committed by the deduper but never batched,
   e.g. a crash in between) are batched, then the records arriving on the channel.
3. A batch (key = ``key_prefix`` + a fresh uuid4, members, exact bytes) is persisted *before*
   its first attempt and resent unchanged until the server gives a verdict on every member.
4. Up to ``in_flight`` batches (2) are on their way at once, so that during a backfill the next
   batch is built and persisted while the server checks the current one. A batch is made only
   when it can go at once, and each is sent unchanged until its own verdict, as above.
5. Only a 400/413/422 (the server stored none of it) lets a batch change: it is split in
   halves under new keys, down to single records; a single record still refused is marked
   rejected with the server's reason. It is never retried forever.

Everything else is a retry of the same request: 429/5xx/network/timeouts/garbage replies back
off (2 s, 4 s, 8 s … capped, with jitter; Retry-After wins when longer); a 401 refreshes the
token once and resends at once, a second 401 backs off; "relink needed" pauses all sending
until a new link. With ``max_retries`` set (``run --once``, ``export``), the first batch to
exhaust its retries (or a relink needed) stops sending: the rest of the input is still drained
(it is in the outbox already), and the sender ends with :class:`DeliveryIncomplete`.

The sender never touches source files and never sees a refresh token; the access token it
holds for one request appears in no stat, log line or error.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import NoReturn

import structlog
import trio

from aimcoach.auth import TokenSource
from aimcoach.errors import ConfigError, RelinkNeededError, TransportError
from aimcoach.i18n import t
from aimcoach.messages import Provider, Record
from aimcoach.state import AsyncState, PendingBatch
from aimcoach.transport import (
    Backoff,
    BadBatch,
    Delivered,
    IngestClient,
    IngestOutcome,
    RetryLater,
    TokenBucket,
    Unauthorized,
)

__all__ = [
    "MAX_BATCH_RECORDS",
    "DeliveryIncomplete",
    "SenderConfig",
    "SenderStats",
    "sender",
]

_log = structlog.get_logger("aimcoach.sender")

PROVIDERS: tuple[Provider, ...] = ("kovaaks", "aimlabs")
#: The API takes fewer than 10,000 records per request (design.md §6).
MAX_BATCH_RECORDS = 9_999
#: Printable ASCII, and room for a uuid4 within the server's 255-character key limit.
_MAX_PREFIX = 200


class DeliveryIncomplete(TransportError):
    """``run --once`` / ``export`` could not deliver everything; the rest stays in the outbox."""


@dataclass(frozen=True, slots=True)
class SenderConfig:
    """How the sender batches, paces and retries. ``max_retries=None`` retries forever."""

    batch_max_records: int = 500
    batch_max_bytes: int = 5_000_000
    linger_s: float = 0.5
    rate_per_s: float = 5.0
    rate_burst: int = 10
    backoff_base_s: float = 2.0
    backoff_factor: float = 2.0
    backoff_cap_s: float = 300.0
    backoff_jitter: float = 0.1
    max_retries: int | None = None  # failed attempts after the first, per batch
    key_prefix: str = ""
    relink_poll_s: float = 5.0
    # A one-shot command gives up (everything kept) rather than wait longer than this for one
    # retry, e.g. a Retry-After of an hour; None: wait as long as the server asks (``run``).
    max_wait_s: float | None = None
    # Batches on their way at once: while the server checks one, the next is built and
    # persisted (a backfill); each still keeps its own key and bytes until its verdict.
    in_flight: int = 2

    def __post_init__(self) -> None:
        checks: tuple[tuple[str, object, bool, str], ...] = (
            (
                "batch_max_records",
                self.batch_max_records,
                1 <= self.batch_max_records <= MAX_BATCH_RECORDS,
                f"1 to {MAX_BATCH_RECORDS}",
            ),
            ("batch_max_bytes", self.batch_max_bytes, self.batch_max_bytes >= 1024, ">= 1024"),
            ("linger_s", self.linger_s, self.linger_s >= 0, ">= 0"),
            ("rate_per_s", self.rate_per_s, self.rate_per_s > 0, "> 0"),
            ("rate_burst", self.rate_burst, self.rate_burst >= 1, ">= 1"),
            ("backoff_base_s", self.backoff_base_s, self.backoff_base_s > 0, "> 0"),
            ("backoff_factor", self.backoff_factor, self.backoff_factor >= 1, ">= 1"),
            (
                "backoff_cap_s",
                self.backoff_cap_s,
                self.backoff_cap_s >= self.backoff_base_s,
                ">= backoff_base_s",
            ),
            ("backoff_jitter", self.backoff_jitter, 0 <= self.backoff_jitter < 1, "0 to < 1"),
            (
                "max_retries",
                self.max_retries,
                self.max_retries is None or self.max_retries >= 0,
                ">= 0, or unset to retry forever",
            ),
            (
                "key_prefix",
                self.key_prefix,
                len(self.key_prefix) <= _MAX_PREFIX
                and all(" " < c <= "~" for c in self.key_prefix),
                f"at most {_MAX_PREFIX} printable ASCII characters, no spaces",
            ),
            ("relink_poll_s", self.relink_poll_s, self.relink_poll_s > 0, "> 0"),
            ("in_flight", self.in_flight, 1 <= self.in_flight <= 8, "1 to 8"),
        )
        for name, value, ok, expected in checks:
            if not ok:
                raise ConfigError("sender.bad_setting", name=name, value=value, expected=expected)


@dataclass(slots=True)
class SenderStats:
    """Counters the status server reads; only the sender writes them."""

    requests: int = 0  # HTTP requests made
    batches_sent: int = 0  # batches with a verdict on every member
    records_sent: int = 0  # members of those batches
    accepted: int = 0
    duplicates: int = 0  # the server already had them: counted as delivered
    rejected: int = 0
    retries: int = 0  # failed attempts that will be (or would have been) retried
    splits: int = 0
    waiting: int = 0  # records in open batches, not yet persisted as a batch
    last_error: str | None = None  # a rendered message, never a token
    last_success_at: float | None = None  # wall-clock seconds (time.time())
    relink_needed: bool = False
    gave_up: bool = False  # max_retries ran out: nothing more is sent this run


@dataclass(slots=True)
class _Open:
    """Records gathered for the next batch of one provider (by digest; they are in the outbox)."""

    deadline: float
    digests: list[str] = field(default_factory=list)
    size: int = 2  # bytes of the body so far: the brackets, the items, the commas


class _GaveUp(Exception):
    """Internal: stop sending for the rest of this run (only with max_retries set)."""


class _Sender:
    def __init__(
        self,
        state: AsyncState,
        client: IngestClient,
        tokens: TokenSource,
        config: SenderConfig,
        stats: SenderStats,
        deliveries: trio.Nursery,
    ) -> None:
        self._state = state
        self._client = client
        self._tokens = tokens
        self._config = config
        self._stats = stats
        self._bucket = TokenBucket(config.rate_per_s, config.rate_burst)
        self._backoff = Backoff(
            base=config.backoff_base_s,
            factor=config.backoff_factor,
            cap=config.backoff_cap_s,
            jitter=config.backoff_jitter,
        )
        self._open: dict[Provider, _Open] = {}
        self._deliveries = deliveries
        self._slots = trio.Semaphore(config.in_flight)  # one per batch on its way
        self.gave_up: str | None = None  # why sending stopped (a rendered message)

    # ---- feeding ----------------------------------------------------------------------------

    async def recover(self) -> None:
        """Resend pending batches unchanged, then batch what the outbox holds unbatched."""
        for batch in await self._state.pending_batches():
            if not await self._slot():
                return
            _log.info("batch_resumed", key=batch.key, records=len(batch.digests))
            self._start(batch)
        for provider in PROVIDERS:
            while self.gave_up is None:
                records = await self._state.unbatched(provider, self._config.batch_max_records)
                if not records:
                    break
                for record in records:
                    await self._add(record)
                await self._flush(provider)

    async def pump(self, receive: trio.abc.ReceiveChannel[Record]) -> None:
        """Batch the channel's records until it closes, then flush without lingering."""
        while True:
            deadline = min((o.deadline for o in self._open.values()), default=float("inf"))
            record: Record | None = None
            # Only the receive is under the deadline: a delivery must never be cancelled by
            # another batch's linger timer.
            with trio.move_on_at(deadline):
                try:
                    record = await receive.receive()
                except trio.EndOfChannel:
                    break
            if record is not None:
                if self.gave_up is None:
                    await self._add(record)
                continue
            now = trio.current_time()
            for provider in [p for p, o in self._open.items() if o.deadline <= now]:
                await self._flush(provider)
        for provider in list(self._open):
            await self._flush(provider)

    async def _add(self, record: Record) -> None:
        config = self._config
        size = self._state.encoded_size(record)
        provider = record.provider
        current = self._open.get(provider)
        if current is not None and current.size + 1 + size > config.batch_max_bytes:
            await self._flush(provider)
            current = None
        if current is None:
            current = _Open(deadline=trio.current_time() + config.linger_s)
            self._open[provider] = current
        current.size += size + (1 if current.digests else 0)
        current.digests.append(record.digest)
        self._stats.waiting += 1
        if len(current.digests) >= config.batch_max_records or (
            current.size >= config.batch_max_bytes
        ):
            await self._flush(provider)

    async def _flush(self, provider: Provider) -> None:
        current = self._open.pop(provider, None)
        if current is None:
            return
        self._stats.waiting -= len(current.digests)
        # A batch is made only when it can go at once: no batch waits, persisted, for a slot.
        if not await self._slot():
            return  # the records stay in the outbox for the next run
        try:
            batch = await self._state.create_batch(provider, self._new_key(), current.digests)
        except BaseException:
            self._slots.release()
            raise
        if batch is None:
            self._slots.release()
            return
        self._start(batch)

    def _new_key(self) -> str:
        return f"{self._config.key_prefix}{uuid.uuid4().hex}"

    # ---- delivering -------------------------------------------------------------------------

    async def _slot(self) -> bool:
        """Wait until fewer than ``in_flight`` batches are on their way and take a slot; False
        (and no slot) if sending stopped for this run meanwhile."""
        await self._slots.acquire()
        if self.gave_up is not None:
            self._slots.release()
            return False
        return True

    def _start(self, batch: PendingBatch) -> None:
        """Deliver ``batch`` beside the others on their way; it holds the slot taken for it."""
        self._deliveries.start_soon(self._deliver, batch)

    async def _deliver(self, batch: PendingBatch) -> None:
        """Send ``batch`` until it has a verdict, or until sending stops for this run (it stays
        pending for the next); then give its slot back."""
        try:
            await self._send_until_verdict(batch)
        except _GaveUp:
            return  # self.gave_up says why; the caller of sender() reports it
        finally:
            self._slots.release()

    async def _send_until_verdict(self, batch: PendingBatch) -> None:
        failures = 0
        refreshed = False
        token: str | None = None  # set by a refresh: the resend uses exactly that token
        while True:
            outcome: IngestOutcome
            try:
                if token is None:
                    token = await self._tokens.access_token()
                self._relink_cleared()
                await self._bucket.acquire()
                self._stats.requests += 1
                outcome = await self._client.post_batch(
                    batch.provider,
                    batch.body,
                    idempotency_key=batch.key,
                    token=token,
                    count=len(batch.digests),
                )
            except RelinkNeededError as err:
                token, refreshed = None, False  # a new link deserves its own refresh
                await self._wait_for_relink(err)
                continue
            except TransportError as err:  # the token source could not reach the server
                outcome = RetryLater(err)
            if isinstance(outcome, Delivered):
                await self._complete(batch, outcome)
                return
            if isinstance(outcome, BadBatch):
                await self._refused(batch, outcome)
                return
            if isinstance(outcome, Unauthorized):
                if refreshed:
                    outcome = RetryLater(TransportError("sender.unauthorized_after_refresh"))
                else:
                    refreshed = True
                    assert token is not None  # it was just sent with
                    failed, token = token, None
                    try:
                        token = await self._tokens.after_unauthorized(failed)
                    except RelinkNeededError as err:
                        refreshed = False
                        await self._wait_for_relink(err)
                        continue
                    except TransportError as err:
                        outcome = RetryLater(err)
                    else:
                        continue  # resend at once with the refreshed token
            # A failed attempt: same key, same bytes, after a pause.
            token = None
            failures += 1
            self._stats.retries += 1
            self._stats.last_error = outcome.reason
            await self._state.note_attempt(batch.key, outcome.reason)
            if self.gave_up is not None:  # another batch on its way stopped this run's sending
                raise _GaveUp
            limit = self._config.max_retries
            if limit is not None and failures > limit:
                self._give_up(outcome.reason)
            delay = self._backoff.delay(failures - 1, outcome.retry_after)
            if self._config.max_wait_s is not None and delay > self._config.max_wait_s:
                self._give_up(
                    t("sender.wait_too_long", seconds=round(delay), reason=outcome.reason)
                )
            _log.warning(
                "batch_retry",
                key=batch.key,
                attempt=failures,
                delay_s=round(delay, 3),
                error=outcome.error.key,
            )
            await trio.sleep(delay)
            refreshed = False

    async def _complete(self, batch: PendingBatch, outcome: Delivered) -> None:
        delivered: list[str] = []
        rejected: list[tuple[str, str]] = []
        for digest, verdict in zip(batch.digests, outcome.per_index, strict=True):
            if verdict.status == "rejected":
                rejected.append((digest, verdict.reason))
            else:
                delivered.append(digest)
        await self._state.complete_batch(batch.key, delivered, rejected)
        stats = self._stats
        accepted, duplicates = outcome.count("accepted"), outcome.count("duplicate")
        stats.batches_sent += 1
        stats.records_sent += len(batch.digests)
        stats.accepted += accepted
        stats.duplicates += duplicates
        stats.rejected += len(rejected)
        stats.last_success_at = time.time()
        _log.info(
            "batch_delivered",
            key=batch.key,
            provider=batch.provider,
            accepted=accepted,
            duplicates=duplicates,
            rejected=len(rejected),
            replayed=outcome.replayed,
        )
        for digest, reason in rejected:
            _log.warning("record_rejected", digest=digest, reason=reason)

    async def _refused(self, batch: PendingBatch, outcome: BadBatch) -> None:
        if len(batch.digests) == 1:
            (digest,) = batch.digests
            await self._state.complete_batch(batch.key, [], [(digest, outcome.reason)])
            self._stats.batches_sent += 1
            self._stats.records_sent += 1
            self._stats.rejected += 1
            _log.warning(
                "record_rejected", digest=digest, status=outcome.status, reason=outcome.reason
            )
            return
        mid = len(batch.digests) // 2
        halves = await self._state.split_batch(
            batch.key,
            [(self._new_key(), batch.digests[:mid]), (self._new_key(), batch.digests[mid:])],
        )
        self._stats.splits += 1
        _log.warning(
            "batch_split", key=batch.key, status=outcome.status, records=len(batch.digests)
        )
        for half in halves:
            await self._send_until_verdict(half)

    # ---- pausing ----------------------------------------------------------------------------

    async def _wait_for_relink(self, err: RelinkNeededError) -> None:
        stats = self._stats
        stats.last_error = str(err)
        if not stats.relink_needed:
            stats.relink_needed = True
            _log.warning("sending_paused_relink_needed")
        if self._config.max_retries is not None:
            self._give_up(str(err))  # a one-shot command does not wait for a person
        await trio.sleep(self._config.relink_poll_s)

    def _relink_cleared(self) -> None:
        if self._stats.relink_needed:
            self._stats.relink_needed = False
            _log.info("sending_resumed")

    def _give_up(self, reason: str) -> NoReturn:
        self.gave_up = reason
        self._stats.gave_up = True
        _log.info("sending_stopped", reason=reason)  # the caller reports why
        raise _GaveUp


async def sender(
    receive: trio.abc.ReceiveChannel[Record],
    state: AsyncState,
    client: IngestClient,
    tokens: TokenSource,
    *,
    config: SenderConfig,
    stats: SenderStats,
) -> None:
    """Deliver the outbox, then ``receive``'s records, until ``receive`` is closed and drained.

    Returns when everything it was given has a verdict (delivered or rejected). Raises
    :class:`DeliveryIncomplete` (with ``max_retries`` set) when some records are still
    undelivered; they stay in the outbox. Cancellation at any point loses nothing: a batch
    in flight stays pending and is resent, unchanged, on the next start.
    """
    async with receive, trio.open_nursery() as deliveries:
        run = _Sender(state, client, tokens, config, stats, deliveries)
        await run.recover()
        await run.pump(receive)
    if run.gave_up is not None:
        counts = await state.counts()
        raise DeliveryIncomplete(
            "sender.delivery_incomplete",
            pending=counts.pending + counts.batched,
            reason=run.gave_up,
        )
