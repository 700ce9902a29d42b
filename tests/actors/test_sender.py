"""The sender against an in-memory ingest API (httpx.MockTransport) on trio's virtual clock.

The state database is real SQLite in tmp_path. It runs with ``in_thread=False``: on the
autojump clock a worker thread makes the loop look idle, and the clock would jump to the next
deadline in the middle of a database call (see ``AsyncState``).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
import trio
import trio.testing

from aimcoach.actors.sender import DeliveryIncomplete, SenderConfig, SenderStats, sender
from aimcoach.errors import ConfigError, RelinkNeededError, TransportError
from aimcoach.messages import FileParsed, Provider, Record, make_record
from aimcoach.state import AsyncState, StateDB, encode_record, join_batch
from aimcoach.transport import IngestClient

TOKEN = "tok-FIRST-secret-value-0001"
TOKEN2 = "tok-SECOND-secret-value-0002"
CEILING = 3600  # virtual seconds: backoff waits are long, but free


def rec(i: int, provider: Provider = "kovaaks", *, pad: int = 0) -> Record:
    return make_record(
        provider=provider,
        task=f"Task {i}",
        taken_at="2024-05-01T12:00:00Z",
        metrics={"shots": i, "accuracy": 0.5},
        raw_json={"pad": "x" * pad} if pad else None,
    )


def config(**changes: Any) -> SenderConfig:
    base: dict[str, Any] = {
        "rate_per_s": 1000.0,
        "rate_burst": 1000,
        "backoff_jitter": 0.0,
        "linger_s": 0.5,
    }
    return SenderConfig(**{**base, **changes})


# ---- the fake API ---------------------------------------------------------------------------


@dataclass
class Sent:
    path: str
    key: str
    body: bytes
    token: str
    at: float

    @property
    def digests(self) -> list[str]:
        return [r["digest"] for r in json.loads(self.body)]


Step = Callable[[httpx.Request], "httpx.Response | Awaitable[httpx.Response | None] | None"]


@dataclass
class FakeAPI:
    """Stores records by digest, honours Idempotency-Key, and plays scripted steps first.

    Each request takes the next step of ``script`` (a step returning None falls through to
    the normal behaviour); ``refuse`` maps a digest to the (code, message) it is rejected with.
    """

    script: list[Step] = field(default_factory=list)
    refuse: dict[str, tuple[str, str]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    stored: list[str] = field(default_factory=list)
    replies: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        auth = request.headers["authorization"].removeprefix("Bearer ")
        self.sent.append(
            Sent(
                request.url.path,
                request.headers["idempotency-key"],
                request.content,
                auth,
                trio.current_time(),
            )
        )
        if self.script:
            result = self.script.pop(0)(request)
            if inspect.isawaitable(result):
                result = await result
            if result is not None:
                return result
        return self.ingest(request)

    def ingest(self, request: httpx.Request) -> httpx.Response:
        key = request.headers["idempotency-key"]
        if key in self.replies:
            first, content = self.replies[key]
            if first != request.content:
                return httpx.Response(422, json={"error": "idempotency_key_reused"})
            return httpx.Response(200, content=content, headers={"Idempotent-Replayed": "true"})
        errors: list[dict[str, Any]] = []
        accepted = 0
        for index, record in enumerate(json.loads(request.content)):
            digest = record["digest"]
            if digest in self.stored:
                errors.append({"index": index, "code": "duplicate", "message": "have it"})
            elif digest in self.refuse:
                code, message = self.refuse[digest]
                errors.append({"index": index, "code": code, "message": message})
            else:
                self.stored.append(digest)
                accepted += 1
        verdict = {"accepted": accepted, "rejected": len(errors), "errors": errors}
        content = json.dumps(verdict).encode()
        self.replies[key] = (request.content, content)
        return httpx.Response(200, content=content)


def status(code: int, **kw: Any) -> Step:
    return lambda request: httpx.Response(code, **kw)


class FakeTokens:
    """A TokenSource: hands out ``current``; a refresh moves to TOKEN2; can demand a relink."""

    def __init__(self) -> None:
        self.current = TOKEN
        self.refreshed_from: list[str] = []
        self.relink = False

    async def access_token(self) -> str:
        await trio.lowlevel.checkpoint()
        if self.relink:
            raise RelinkNeededError("auth.relink_needed")
        return self.current

    async def after_unauthorized(self, failed_token: str) -> str:
        await trio.lowlevel.checkpoint()
        self.refreshed_from.append(failed_token)
        if self.relink:
            raise RelinkNeededError("auth.relink_needed")
        self.current = TOKEN2
        return self.current


# ---- harness --------------------------------------------------------------------------------


@pytest.fixture
async def state(tmp_path: Path) -> AsyncIterator[AsyncState]:
    async with await AsyncState.open(tmp_path / "state", in_thread=False) as opened:
        yield opened


async def commit(state: AsyncState, *records: Record, path: str = "/s/a.csv") -> None:
    await state.commit_file(FileParsed(path, 1, 1, "ok", records=records))


async def run_sender(
    state: AsyncState,
    api: FakeAPI,
    records: tuple[Record, ...] = (),
    *,
    tokens: FakeTokens | None = None,
    stats: SenderStats | None = None,
    **changes: Any,
) -> SenderStats:
    """Commit ``records``, hand them to a sender through a closed channel, run it to the end."""
    stats = SenderStats() if stats is None else stats
    if records:
        await commit(state, *records)
    send, receive = trio.open_memory_channel[Record](len(records) + 1)
    async with send:
        for record in records:
            send.send_nowait(record)
    async with httpx.AsyncClient(transport=httpx.MockTransport(api)) as http:
        client = IngestClient("https://api.test", client=http)
        await sender(
            receive,
            state,
            client,
            tokens or FakeTokens(),
            config=config(**changes),
            stats=stats,
        )
    return stats


# ---- batching -------------------------------------------------------------------------------


async def test_batches_are_cut_by_record_count(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    api = FakeAPI()
    records = tuple(rec(i) for i in range(7))
    with trio.fail_after(CEILING):
        stats = await run_sender(state, api, records, batch_max_records=3)
    assert [len(s.digests) for s in api.sent] == [3, 3, 1]
    assert [d for s in api.sent for d in s.digests] == [r.digest for r in records]
    assert (stats.batches_sent, stats.records_sent, stats.accepted) == (3, 7, 7)
    assert len({s.key for s in api.sent}) == 3
    assert (await state.counts()).delivered == 7


async def test_batches_are_cut_by_bytes(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    api = FakeAPI()
    records = tuple(rec(i, pad=400) for i in range(5))
    size = len(encode_record(records[0]))
    limit = 2 * size + 3  # two records, the brackets and a comma: exactly full
    with trio.fail_after(CEILING):
        await run_sender(state, api, records, batch_max_bytes=max(limit, 1024))
    assert limit >= 1024
    assert [len(s.digests) for s in api.sent] == [2, 2, 1]
    assert all(len(s.body) <= limit for s in api.sent)
    assert len(api.sent[0].body) == limit


async def test_providers_go_to_their_own_endpoint(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    api = FakeAPI()
    records = (rec(1), rec(2, "aimlabs"), rec(3), rec(4, "aimlabs"))
    with trio.fail_after(CEILING):
        await run_sender(state, api, records)
    by_path = {s.path: s.digests for s in api.sent}
    assert by_path == {
        "/ingest/kovaaks": [rec(1).digest, rec(3).digest],
        "/ingest/aimlabs": [rec(2, "aimlabs").digest, rec(4, "aimlabs").digest],
    }


async def test_a_partial_batch_goes_out_after_the_linger_time(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    api = FakeAPI()
    stats = SenderStats()
    send, receive = trio.open_memory_channel[Record](10)
    with trio.fail_after(CEILING):
        async with httpx.AsyncClient(transport=httpx.MockTransport(api)) as http:
            client = IngestClient("https://api.test", client=http)
            async with trio.open_nursery() as nursery:
                nursery.start_soon(
                    partial(
                        sender,
                        receive,
                        state,
                        client,
                        FakeTokens(),
                        config=config(linger_s=2.0),
                        stats=stats,
                    )
                )
                await trio.testing.wait_all_tasks_blocked()  # recovery found nothing
                start = trio.current_time()
                await commit(state, rec(1))
                await send.send(rec(1))
                await trio.sleep(1.0)
                await commit(state, rec(2), path="/s/b.csv")
                await send.send(rec(2))
                await trio.testing.wait_all_tasks_blocked()
                assert stats.waiting == 2
                await trio.sleep(5.0)
                # The linger runs from the first record of the batch, not the last.
                assert [(s.at - start, len(s.digests)) for s in api.sent] == [(2.0, 2)]
                assert stats.waiting == 0
                await send.aclose()


# ---- durability -----------------------------------------------------------------------------


async def test_a_batch_is_persisted_before_its_first_attempt(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    api = FakeAPI()
    seen_in_db: list[tuple[str, bytes]] = []

    def check_db(request: httpx.Request) -> None:
        # Another connection, as a process that crashed right now would leave the file.
        with StateDB.open(state.db.path.parent, exclusive=False) as other:
            seen_in_db.extend((b.key, b.body) for b in other.pending_batches())

    api.script.append(check_db)
    with trio.fail_after(CEILING):
        await run_sender(state, api, (rec(1), rec(2)))
    (sent,) = api.sent
    assert seen_in_db == [(sent.key, sent.body)]


async def test_after_a_crash_the_same_key_and_bytes_are_sent_again(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    api = FakeAPI()
    accepted = trio.Event()

    async def accept_then_hang(request: httpx.Request) -> httpx.Response:
        api.ingest(request)  # the server stores the records ...
        accepted.set()
        await trio.sleep_forever()  # ... and the agent dies before it reads the reply
        raise AssertionError("unreachable")

    api.script.append(accept_then_hang)
    records = (rec(1), rec(2), rec(3))
    with trio.fail_after(CEILING):
        await commit(state, *records)
        send, receive = trio.open_memory_channel[Record](0)
        async with httpx.AsyncClient(transport=httpx.MockTransport(api)) as http:
            client = IngestClient("https://api.test", client=http)
            async with trio.open_nursery() as nursery:
                nursery.start_soon(
                    partial(
                        sender,
                        receive,
                        state,
                        client,
                        FakeTokens(),
                        config=config(),
                        stats=SenderStats(),
                    )
                )
                await accepted.wait()
                nursery.cancel_scope.cancel()
        send.close()
        assert (await state.counts()).pending_batches == 1

        stats = await run_sender(state, api)

    first, again = api.sent
    assert (again.key, again.body) == (first.key, first.body)
    assert api.stored == [r.digest for r in records]  # each stored once
    assert (stats.accepted, stats.duplicates) == (3, 0)  # the first reply, replayed
    counts = await state.counts()
    assert (counts.delivered, counts.pending_batches) == (3, 0)


async def test_outbox_records_in_no_batch_are_sent_on_start(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    api = FakeAPI()
    # Committed by the deduper, never handed over (the sender was down).
    await commit(state, rec(1), rec(2), rec(3, "aimlabs"))
    with trio.fail_after(CEILING):
        stats = await run_sender(state, api)
    assert sorted(d for s in api.sent for d in s.digests) == sorted(
        r.digest for r in (rec(1), rec(2), rec(3, "aimlabs"))
    )
    assert stats.accepted == 3


async def test_pending_batches_go_before_new_records_and_nothing_is_sent_twice(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    api = FakeAPI()
    await commit(state, rec(1))
    old = await state.create_batch("kovaaks", "old-key", [rec(1).digest])
    assert old is not None
    # rec(2) arrives on the channel *and* sits unbatched in the outbox.
    with trio.fail_after(CEILING):
        await run_sender(state, api, (rec(2),))
    assert api.sent[0].key == "old-key"
    assert api.sent[0].body == old.body == join_batch([encode_record(rec(1))])
    assert [d for s in api.sent for d in s.digests] == [rec(1).digest, rec(2).digest]


# ---- retries --------------------------------------------------------------------------------


async def test_503_is_retried_with_doubling_delays_until_it_succeeds(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    api = FakeAPI(script=[status(503), status(503), status(503)])
    start = trio.current_time()
    with trio.fail_after(CEILING):
        stats = await run_sender(state, api, (rec(1),))
    assert [s.at - start for s in api.sent] == [0.0, 2.0, 6.0, 14.0]
    assert len({(s.key, s.body) for s in api.sent}) == 1
    assert stats.retries == 3
    assert stats.last_error is not None and "HTTP 503" in stats.last_error
    assert stats.accepted == 1


async def test_jitter_spreads_the_delays(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    api = FakeAPI(script=[status(503), status(503)])
    start = trio.current_time()
    with trio.fail_after(CEILING):
        await run_sender(state, api, (rec(1),), backoff_jitter=0.1)
    first, second = (b.at - a.at for a, b in zip(api.sent, api.sent[1:], strict=False))
    assert 1.8 <= first <= 2.2
    assert 3.6 <= second <= 4.4
    assert api.sent[0].at == start


async def test_429_retry_after_is_honoured(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    api = FakeAPI(script=[status(429, headers={"Retry-After": "30"})])
    start = trio.current_time()
    with trio.fail_after(CEILING):
        await run_sender(state, api, (rec(1),))
    assert [s.at - start for s in api.sent] == [0.0, 30.0]


@pytest.mark.parametrize(
    "step",
    [
        pytest.param(status(200, content=b"<html>oops</html>"), id="garbage-200"),
        pytest.param(status(200, json={"accepted": 5, "rejected": 0}), id="wrong-count"),
        pytest.param(status(404, json={"error": "not_found"}), id="404"),
    ],
)
async def test_replies_that_prove_nothing_are_retried(
    state: AsyncState, autojump_clock: trio.testing.MockClock, step: Step
) -> None:
    api = FakeAPI(script=[step])
    with trio.fail_after(CEILING):
        stats = await run_sender(state, api, (rec(1),))
    assert len(api.sent) == 2
    assert api.sent[0].key == api.sent[1].key
    assert stats.retries == 1
    assert (await state.counts()).delivered == 1


async def test_network_errors_are_retried(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    def drop(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    api = FakeAPI(script=[drop, drop])
    start = trio.current_time()
    with trio.fail_after(CEILING):
        stats = await run_sender(state, api, (rec(1),))
    assert [s.at - start for s in api.sent] == [0.0, 2.0, 6.0]
    assert stats.accepted == 1


async def test_requests_are_paced_by_the_token_bucket(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    api = FakeAPI()
    start = trio.current_time()
    with trio.fail_after(CEILING):
        await run_sender(
            state,
            api,
            tuple(rec(i) for i in range(4)),
            batch_max_records=1,
            rate_per_s=0.5,
            rate_burst=1,
        )
    assert [s.at - start for s in api.sent] == [0.0, 2.0, 4.0, 6.0]


# ---- tokens ---------------------------------------------------------------------------------


async def test_401_refreshes_once_and_resends_at_once(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    api = FakeAPI(script=[status(401)])
    tokens = FakeTokens()
    with trio.fail_after(CEILING):
        stats = await run_sender(state, api, (rec(1),), tokens=tokens)
    assert tokens.refreshed_from == [TOKEN]
    assert [(s.token, s.at) for s in api.sent] == [(TOKEN, 0.0), (TOKEN2, 0.0)]
    assert api.sent[0].key == api.sent[1].key
    assert (stats.retries, stats.accepted) == (0, 1)


async def test_a_second_401_backs_off_and_keeps_the_batch(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    api = FakeAPI(script=[status(401), status(401), status(401), status(401)])
    tokens = FakeTokens()
    start = trio.current_time()
    with trio.fail_after(CEILING):
        stats = await run_sender(state, api, (rec(1),), tokens=tokens)
    # 401, refresh, 401 → back off 2 s; 401, refresh, 401 → back off 4 s; then accepted.
    assert [s.at - start for s in api.sent] == [0.0, 0.0, 2.0, 2.0, 6.0]
    assert len(tokens.refreshed_from) == 2
    assert stats.retries == 2
    assert stats.last_error == str(TransportError("sender.unauthorized_after_refresh"))
    assert stats.accepted == 1


async def test_relink_needed_pauses_sending_until_a_new_link(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    api = FakeAPI()
    tokens = FakeTokens()
    tokens.relink = True
    stats = SenderStats()
    await commit(state, rec(1))
    with trio.fail_after(CEILING):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(partial(run_sender, state, api, tokens=tokens, stats=stats))
            await trio.sleep(60)
            assert stats.relink_needed
            assert api.sent == []
            assert (await state.counts()).pending_batches == 1
            tokens.relink = False  # the player ran `aimcoach link`
            relinked_at = trio.current_time()
    assert not stats.relink_needed
    (sent,) = api.sent
    assert sent.at - relinked_at <= config().relink_poll_s
    assert (await state.counts()).delivered == 1


async def test_relink_needed_after_a_401_also_pauses(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    api = FakeAPI(script=[status(401)])
    tokens = FakeTokens()
    tokens.relink = False
    stats = SenderStats()

    async def refused(failed_token: str) -> str:
        tokens.refreshed_from.append(failed_token)
        tokens.relink = True
        raise RelinkNeededError("auth.relink_needed")

    tokens.after_unauthorized = refused  # type: ignore[method-assign]
    await commit(state, rec(1))
    with trio.fail_after(CEILING):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(partial(run_sender, state, api, tokens=tokens, stats=stats))
            await trio.sleep(60)
            assert stats.relink_needed
            assert len(api.sent) == 1
            tokens.relink = False
    assert [s.key for s in api.sent] == [api.sent[0].key] * 2
    assert stats.accepted == 1


# ---- verdicts -------------------------------------------------------------------------------


async def test_duplicates_count_as_delivered(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    api = FakeAPI(stored=[rec(2).digest])
    with trio.fail_after(CEILING):
        stats = await run_sender(state, api, (rec(1), rec(2), rec(3)))
    assert (stats.accepted, stats.duplicates, stats.rejected) == (2, 1, 0)
    counts = await state.counts()
    assert (counts.delivered, counts.rejected) == (3, 0)


async def test_a_rejected_record_keeps_its_reason_and_is_never_sent_again(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    api = FakeAPI(refuse={rec(2).digest: ("invalid_metrics", "accuracy must be 0-1")})
    with trio.fail_after(CEILING):
        stats = await run_sender(state, api, (rec(1), rec(2)))
        assert stats.rejected == 1
        (rejected,) = await state.rejected_records()
        assert (rejected.digest, rejected.reason) == (
            rec(2).digest,
            "invalid_metrics: accuracy must be 0-1",
        )
        # Read again from its file and restarted: nothing goes out.
        await commit(state, rec(1), rec(2), path="/s/again.csv")
        await run_sender(state, api)
    assert len(api.sent) == 1


async def test_a_refused_batch_is_split_down_to_the_record_at_fault(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    records = tuple(rec(i) for i in range(4))
    poison = records[2].digest

    def refuse_poison(request: httpx.Request) -> httpx.Response | None:
        digests = [r["digest"] for r in json.loads(request.content)]
        if poison not in digests:
            return None
        if len(digests) > 1:
            return httpx.Response(413, json={"error": "request_too_large", "message": "less"})
        return httpx.Response(422, json={"error": "invalid_record", "message": "bad field"})

    api = FakeAPI(script=[refuse_poison] * 10)
    with trio.fail_after(CEILING):
        stats = await run_sender(state, api, records)
    assert [len(s.digests) for s in api.sent] == [4, 2, 2, 1, 1]
    assert len({s.key for s in api.sent}) == 5  # a split batch goes out under new keys
    assert sorted(api.stored) == sorted(r.digest for r in records if r.digest != poison)
    assert (stats.splits, stats.rejected, stats.accepted) == (2, 1, 3)
    (rejected,) = await state.rejected_records()
    assert (rejected.digest, rejected.reason) == (poison, "invalid_record: bad field")
    counts = await state.counts()
    assert (counts.delivered, counts.rejected, counts.pending_batches) == (3, 1, 0)


# ---- giving up (run --once) -----------------------------------------------------------------


@pytest.mark.parametrize("in_flight", [1, 2])
async def test_exhausted_retries_leave_everything_pending_and_report(
    state: AsyncState, autojump_clock: trio.testing.MockClock, in_flight: int
) -> None:
    api = FakeAPI(script=[status(503)] * 100)
    stats = SenderStats()
    start = trio.current_time()
    with trio.fail_after(CEILING), pytest.raises(DeliveryIncomplete) as info:
        await run_sender(
            state,
            api,
            tuple(rec(i) for i in range(5)),
            stats=stats,
            max_retries=2,
            batch_max_records=2,
            in_flight=in_flight,
        )
    # `in_flight` batches of 2, each tried 1 + 2 times; the other records were drained but not
    # sent, and stay in the outbox with the batches.
    assert [s.at - start for s in api.sent] == [
        t for t in (0.0, 2.0, 6.0) for _ in range(in_flight)
    ]
    assert len({s.key for s in api.sent}) == in_flight
    assert stats.gave_up
    assert info.value.params["pending"] == 5
    assert "5 records could not be delivered" in str(info.value)
    counts = await state.counts()
    batched = 2 * in_flight
    assert (counts.pending, counts.batched, counts.pending_batches) == (
        5 - batched,
        batched,
        in_flight,
    )


async def test_two_batches_are_on_their_way_at_once_and_each_keeps_its_key_and_bytes(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    # The server takes 1 s per request: with two in flight, six batches take 3 s, not 6 s,
    # and a batch retried after a 503 is resent with the key and bytes of its first attempt.
    async def slow(request: httpx.Request) -> None:
        await trio.sleep(1.0)

    api = FakeAPI(script=[slow, status(503), *[slow] * 10])
    start = trio.current_time()
    with trio.fail_after(CEILING):
        stats = await run_sender(
            state, api, tuple(rec(i) for i in range(12)), batch_max_records=2, in_flight=2
        )
    assert sorted(api.stored) == sorted(rec(i).digest for i in range(12))
    assert stats.accepted == 12 and stats.batches_sent == 6 and stats.retries == 1
    by_key: dict[str, set[bytes]] = {}
    for sent in api.sent:
        by_key.setdefault(sent.key, set()).add(sent.body)
    assert len(by_key) == 6 and all(len(bodies) == 1 for bodies in by_key.values())
    starts = [s.at for s in api.sent]
    busiest = max(sum(1 for s in api.sent if s.at <= t < s.at + 1.0) for t in starts)
    assert busiest == 2  # never more than two requests at once
    assert trio.current_time() - start < 6.0


async def test_a_one_shot_run_does_not_wait_out_an_hour_long_retry_after(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    api = FakeAPI(script=[status(429, headers={"Retry-After": "3600"})])
    start = trio.current_time()
    with trio.fail_after(CEILING), pytest.raises(DeliveryIncomplete) as info:
        await run_sender(state, api, (rec(1),), max_retries=3, max_wait_s=60.0)
    assert trio.current_time() - start < 60  # virtual time: it gave up instead of sleeping
    assert len(api.sent) == 1
    assert "3600 seconds" in str(info.value)
    assert (await state.counts()).batched == 1  # kept, with its key, for the next run


async def test_relink_needed_in_a_one_shot_run_stops_at_once(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    api = FakeAPI()
    tokens = FakeTokens()
    tokens.relink = True
    with trio.fail_after(CEILING), pytest.raises(DeliveryIncomplete) as info:
        await run_sender(state, api, (rec(1),), tokens=tokens, max_retries=3)
    assert api.sent == []
    assert "aimcoach link" in str(info.value)


# ---- secrets and settings -------------------------------------------------------------------


async def test_the_token_appears_in_no_log_stat_or_error(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    def echo_token(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(request.headers["authorization"])

    api = FakeAPI(
        script=[
            status(401, json={"error": "bad", "message": TOKEN}),
            status(401),
            echo_token,
            status(200, content=TOKEN.encode()),
        ]
        + [status(503)] * 10
    )
    tokens = FakeTokens()
    stats = SenderStats()
    with (
        structlog.testing.capture_logs() as logs,
        trio.fail_after(CEILING),
        pytest.raises(DeliveryIncomplete) as info,
    ):
        await run_sender(state, api, (rec(1),), tokens=tokens, stats=stats, max_retries=4)
    assert len(logs) > 3
    text = repr(logs) + repr(stats) + str(info.value) + repr(info.value.params)
    for secret in (TOKEN, TOKEN2):
        assert secret not in text
    pending = state.db.pending_batches()
    assert all(TOKEN not in repr(b) for b in pending)


@pytest.mark.parametrize(
    "changes",
    [
        {"batch_max_records": 0},
        {"batch_max_records": 10_000},
        {"batch_max_bytes": 10},
        {"linger_s": -1.0},
        {"rate_per_s": 0.0},
        {"backoff_cap_s": 1.0},
        {"max_retries": -1},
        {"key_prefix": "has space-"},
        {"key_prefix": "x" * 201},
    ],
)
def test_bad_settings_are_config_errors(changes: dict[str, Any]) -> None:
    with pytest.raises(ConfigError) as info:
        SenderConfig(**changes)
    assert info.value.key == "sender.bad_setting"
    assert next(iter(changes)) in str(info.value)


async def test_the_key_prefix_starts_every_key(
    state: AsyncState, autojump_clock: trio.testing.MockClock
) -> None:
    api = FakeAPI()
    with trio.fail_after(CEILING):
        await run_sender(state, api, (rec(1), rec(2)), key_prefix="ci-run-7-", batch_max_records=1)
    assert [s.key[:9] for s in api.sent] == ["ci-run-7-"] * 2
    assert len({s.key for s in api.sent}) == 2
