"""The deduper actor: commits each parse result to the state database, forwards what is new.

A parse result (a file's records and checkpoint, or Aim Lab rows and their cursor) is committed
in one transaction before anything is forwarded, so once a record reaches the sender it is
already durable in the outbox; if the sender never gets it (a crash, a full channel at
shutdown), the sender finds it there on its next start. Records the outbox already had are
counted and dropped.

The results already waiting in the channel when one arrives are committed with it, in the same
transaction (up to ``GROUP_MAX_RESULTS`` results or ``GROUP_MAX_RECORDS`` records): during a
backfill that is one fsync per few dozen files instead of one per file; a lone result (a live
run) goes alone, at once, so grouping never delays anything.

It must not send anything over the network, and it never decides about delivery.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
import trio

from aimcoach.messages import FileParsed, ParseResult, Record
from aimcoach.state import AsyncState

__all__ = ["GROUP_MAX_RECORDS", "GROUP_MAX_RESULTS", "DeduperStats", "deduper"]

#: At most this many waiting results share a transaction...
GROUP_MAX_RESULTS = 64
#: ...and stop adding once the group holds this many records (an Aim Lab chunk is 1,000).
GROUP_MAX_RECORDS = 1000

_log = structlog.get_logger("aimcoach.deduper")


@dataclass(slots=True)
class DeduperStats:
    """Counters the status server reads; only the deduper writes them."""

    results: int = 0  # parse results committed
    records_new: int = 0  # forwarded to the sender
    duplicates: int = 0  # already in the outbox: dropped
    quarantined: int = 0  # files set aside, plus Aim Lab rows set aside


async def deduper(
    receive: trio.abc.ReceiveChannel[ParseResult],
    send: trio.abc.SendChannel[Record],
    state: AsyncState,
    *,
    stats: DeduperStats,
) -> None:
    """Run until ``receive`` is closed and drained; closes both ends on the way out.

    A :class:`~aimcoach.errors.StateError` propagates (the supervisor decides): the results in
    hand (one group) were not committed, so their files are not checkpointed and will be
    offered again.
    """
    async with receive, send:
        async for first in receive:
            group = [first]
            size = len(first.records)
            while len(group) < GROUP_MAX_RESULTS and size < GROUP_MAX_RECORDS:
                result = _waiting(receive)
                if result is None:
                    break
                group.append(result)
                size += len(result.records)
            committed = await state.commit_many(group)
            for result, new in zip(group, committed, strict=True):
                _count(stats, result, new)
                for record in new:
                    await send.send(record)


def _waiting(receive: trio.abc.ReceiveChannel[ParseResult]) -> ParseResult | None:
    """A result already in the channel, or None (none waiting, closed, or not a memory channel:
    then each result is committed on its own, as it comes)."""
    if not isinstance(receive, trio.MemoryReceiveChannel):
        return None
    try:
        result: ParseResult = receive.receive_nowait()
    except (trio.WouldBlock, trio.EndOfChannel):  # EndOfChannel: `async for` sees it and ends
        return None
    return result


def _count(stats: DeduperStats, result: ParseResult, new: list[Record]) -> None:
    stats.results += 1
    stats.records_new += len(new)
    stats.duplicates += len(result.records) - len(new)
    if isinstance(result, FileParsed):
        stats.quarantined += result.outcome == "quarantined"
        source = result.path
    else:
        stats.quarantined += len(result.problems)
        source = result.db_path
    _log.debug(
        "parse_result_committed",
        source=source,
        new=len(new),
        duplicates=len(result.records) - len(new),
    )
