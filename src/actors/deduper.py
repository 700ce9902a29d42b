"""The deduper actor: commits each parse result to the state database, forwards what is new.

A parse result (a file's records and checkpoint, or Aim Lab rows and their cursor) is committed
in one transaction before anything is forwarded, so once a record reaches the sender it is
already durable in the outbox; if the sender never gets it (a crash, a full channel at
shutdown), the sender finds it there on its next start. Records the outbox already had are
counted and dropped.

It must not send anything over the network, and it never decides about delivery.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
import trio

from aimcoach.messages import FileParsed, ParseResult, Record
from aimcoach.state import AsyncState

__all__ = ["DeduperStats", "deduper"]

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

    A :class:`~aimcoach.errors.StateError` propagates (the supervisor decides): the result in
    hand was not committed, so its file is not checkpointed and will be offered again.
    """
    async with receive, send:
        async for result in receive:
            new = await state.commit(result)
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
            for record in new:
                await send.send(record)
