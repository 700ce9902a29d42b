"""Export's filter between the parser workers and the deduper: ``--since`` and ``--max-records``.

What the filter holds back must stay unread in the state database, so that a later ``run``
still delivers it: a stats file none of whose records pass is not committed at all (no
checkpoint), and an Aim Lab chunk is committed with its passing records but with the cursor
the database already had, so those rows are read again next time (the deduper skips the ones
already in the outbox). Nothing is lost by exporting a slice.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime

import structlog
import trio

from aimcoach.messages import AimlabsRead, FileParsed, ParseResult, Record
from aimcoach.sources.aimlabs import AimlabsCursor
from aimcoach.state import aimlabs_cursor_name

__all__ = ["FilterStats", "RecordFilter", "record_filter"]


@dataclass(slots=True)
class FilterStats:
    passed: int = 0
    held_back: int = 0


@dataclass(frozen=True, slots=True)
class RecordFilter:
    since: datetime | None = None
    max_records: int | None = None

    def wants(self, record: Record) -> bool:
        if self.since is None:
            return True
        taken = datetime.fromisoformat(record.taken_at.replace("Z", "+00:00"))
        return taken >= self.since


async def record_filter(
    receive: trio.abc.ReceiveChannel[ParseResult],
    send: trio.abc.SendChannel[ParseResult],
    *,
    rule: RecordFilter,
    get_cursor: Callable[[str], Awaitable[str | None]],
    stats: FilterStats,
) -> None:
    with structlog.contextvars.bound_contextvars(actor="record_filter"):
        async with receive, send:
            async for result in receive:
                room = None if rule.max_records is None else max(0, rule.max_records - stats.passed)
                kept = [r for r in result.records if rule.wants(r)]
                if room is not None:
                    kept = kept[:room]
                stats.passed += len(kept)
                stats.held_back += len(result.records) - len(kept)
                if isinstance(result, FileParsed):
                    if result.records and not kept:
                        continue  # leave the file unread for a later run
                    await send.send(replace(result, records=tuple(kept)))
                    continue
                assert isinstance(result, AimlabsRead)
                if len(kept) == len(result.records):
                    await send.send(result)
                    continue
                stored = await get_cursor(aimlabs_cursor_name(result.db_path))
                if stored is None:
                    stored = json.dumps(AimlabsCursor().to_json())
                await send.send(replace(result, records=tuple(kept), cursor_json=stored))
