"""The async face of the state database: every call runs in a worker thread, one at a time.

Actors use this, never :class:`StateDB` directly, so SQLite's blocking I/O (and its fsyncs)
never stalls the event loop. A ``CapacityLimiter(1)`` serializes the calls: one connection,
one thread at a time. The calls are not abandoned on cancellation: a transaction that has
started finishes (commit or rollback) before the cancelled task sees ``Cancelled``, so what
the database says is always what happened.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from os import PathLike
from types import TracebackType
from typing import ParamSpec, TypeVar

import trio

from aimcoach.messages import AimlabsRead, FileParsed, ParseResult, Provider, Quarantined, Record
from aimcoach.state._db import Checkpoint, PendingBatch, RejectedRecord, StateCounts, StateDB

__all__ = ["AsyncState"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


class AsyncState:
    """Mirrors :class:`StateDB`; see there for what each operation means.

    ``in_thread=False`` runs each call on the event loop itself, blocking it for the length of
    the transaction. It exists for tests on ``trio.testing.MockClock(autojump_threshold=0)``:
    while a worker thread runs, the loop looks idle and the clock would jump to the next
    deadline in the middle of a database call. Production code keeps the default.
    """

    def __init__(self, db: StateDB, *, in_thread: bool = True) -> None:
        self.db = db
        self._in_thread = in_thread
        self._limiter = trio.CapacityLimiter(1)

    @classmethod
    async def open(
        cls, directory: str | PathLike[str], *, exclusive: bool = True, in_thread: bool = True
    ) -> AsyncState:
        opener = functools.partial(StateDB.open, directory, exclusive=exclusive)
        if in_thread:
            return cls(await trio.to_thread.run_sync(opener), in_thread=True)
        await trio.lowlevel.checkpoint()
        return cls(opener(), in_thread=False)

    async def aclose(self) -> None:
        await self._run(self.db.close)

    async def __aenter__(self) -> AsyncState:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _run(self, fn: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        if self._in_thread:
            return await trio.to_thread.run_sync(
                functools.partial(fn, *args, **kwargs), limiter=self._limiter
            )
        # The same cancellation semantics as the thread: cancellable before it starts, never
        # interrupted once started.
        await trio.lowlevel.checkpoint_if_cancelled()
        result = fn(*args, **kwargs)
        await trio.lowlevel.cancel_shielded_checkpoint()
        return result

    async def commit(self, result: ParseResult) -> list[Record]:
        return await self._run(self.db.commit, result)

    async def commit_many(self, results: Sequence[ParseResult]) -> list[list[Record]]:
        return await self._run(self.db.commit_many, list(results))

    def encoded_size(self, record: Record) -> int:
        """In memory, on the calling thread: see :meth:`StateDB.encoded_size`."""
        return self.db.encoded_size(record)

    async def commit_file(self, parsed: FileParsed) -> list[Record]:
        return await self._run(self.db.commit_file, parsed)

    async def commit_aimlabs(self, read: AimlabsRead) -> list[Record]:
        return await self._run(self.db.commit_aimlabs, read)

    async def checkpoint(self, path: str) -> Checkpoint | None:
        return await self._run(self.db.checkpoint, path)

    async def checkpoints_for(self, paths: Iterable[str]) -> dict[str, Checkpoint]:
        return await self._run(self.db.checkpoints_for, list(paths))

    async def get_cursor(self, name: str) -> str | None:
        return await self._run(self.db.get_cursor, name)

    async def unbatched(self, provider: Provider, limit: int) -> list[Record]:
        return await self._run(self.db.unbatched, provider, limit)

    async def create_batch(
        self, provider: Provider, key: str, digests: Sequence[str]
    ) -> PendingBatch | None:
        return await self._run(self.db.create_batch, provider, key, list(digests))

    async def pending_batches(self) -> list[PendingBatch]:
        return await self._run(self.db.pending_batches)

    async def note_attempt(self, key: str, error: str) -> None:
        await self._run(self.db.note_attempt, key, error)

    async def complete_batch(
        self, key: str, delivered: Sequence[str], rejected: Sequence[tuple[str, str]]
    ) -> None:
        await self._run(self.db.complete_batch, key, list(delivered), list(rejected))

    async def split_batch(
        self, key: str, parts: Sequence[tuple[str, Sequence[str]]]
    ) -> list[PendingBatch]:
        return await self._run(self.db.split_batch, key, [(k, list(ds)) for k, ds in parts])

    async def counts(self) -> StateCounts:
        return await self._run(self.db.counts)

    async def rejected_records(self, limit: int = 100) -> list[RejectedRecord]:
        return await self._run(self.db.rejected_records, limit)

    async def quarantined(self, limit: int = 100) -> list[Quarantined]:
        return await self._run(self.db.quarantined, limit)
