"""The sender against the real reference server on loopback (real clock, real HTTP, threads)."""

from __future__ import annotations

from pathlib import Path

import httpx
import trio

from aimcoach.actors.sender import SenderConfig, SenderStats, sender
from aimcoach.devserver.testing import RunningServer, running_devserver, sample_record
from aimcoach.messages import FileParsed, Provider, Record, make_record
from aimcoach.state import AsyncState, record_from_json
from aimcoach.transport import IngestClient

FAST = SenderConfig(
    batch_max_records=10,
    linger_s=0.05,
    backoff_base_s=0.05,
    backoff_cap_s=0.2,
    backoff_jitter=0.0,
    max_retries=5,
    key_prefix="it-",
)


class LinkedToken:
    """The simplest TokenSource: the token from one /link/complete, never refreshed."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def access_token(self) -> str:
        await trio.lowlevel.checkpoint()
        return self._token

    async def after_unauthorized(self, failed_token: str) -> str:
        raise AssertionError("the reference server refused a fresh token")


def rec(i: int, provider: Provider = "kovaaks") -> Record:
    return make_record(
        provider=provider,
        task=f"Task {i}",
        taken_at="2024-05-01T12:00:00Z",
        metrics={"shots": 100 + i, "hits": 50, "accuracy": 0.5},
        score=1000.5 + i,
    )


async def run(state: AsyncState, server: RunningServer, token: str) -> SenderStats:
    stats = SenderStats()
    send, receive = trio.open_memory_channel[Record](0)
    send.close()  # everything to send is in the outbox already
    async with httpx.AsyncClient(timeout=10) as http:
        client = IngestClient(server.url, client=http, source_label="test-pc")
        await sender(receive, state, client, LinkedToken(token), config=FAST, stats=stats)
    return stats


async def test_batches_reach_the_reference_server_exactly_once(tmp_path: Path) -> None:
    kovaaks = [rec(i) for i in range(12)]
    aimlabs = [rec(i, "aimlabs") for i in range(5)]
    # Its digest no longer matches its fields: the server rejects it, with a reason.
    tampered = record_from_json(sample_record(99, task="edited after hashing"))
    with trio.fail_after(60):
        async with running_devserver() as server:
            token = (await server.link())["access_token"]
            # Already on the server (sent from another PC, say): comes back as a duplicate.
            assert (await server.ingest(token, [kovaaks[0].to_json()])).status_code == 200
            # The first request is stored but its reply is lost; the retry gets a 503.
            await server.fault(path="/ingest/kovaaks", action="drop", when="after", count=1)
            await server.fault(path="/ingest/kovaaks", action="status", status=503, count=1)

            async with await AsyncState.open(tmp_path / "state") as state:
                parsed = FileParsed("/s/a.csv", 1, 1, "ok", records=(*kovaaks, tampered))
                await state.commit_file(parsed)
                await state.commit_file(FileParsed("/s/b.csv", 1, 1, "ok", records=(*aimlabs,)))

                stats = await run(state, server, token)
                counts = await state.counts()
                (rejected,) = await state.rejected_records()
                before = (await server.stats())["totals"]

                # A restart with nothing new sends nothing.
                assert (await run(state, server, token)).requests == 0
                after = (await server.stats())["totals"]

    assert (stats.accepted, stats.duplicates, stats.rejected) == (16, 1, 1)
    assert stats.retries == 2
    assert (counts.delivered, counts.rejected, counts.pending, counts.pending_batches) == (
        17,
        1,
        0,
        0,
    )
    assert rejected.digest == tampered.digest
    assert rejected.reason.startswith("digest_mismatch: ")
    # 1 sent by hand + 16 by the sender; the lost reply was replayed, not stored again.
    assert before["distinct_digests"] == 17
    assert before["accepted"] == 17
    assert before["replays"] == 1
    assert after["requests"] == before["requests"]
