"""The typed messages that flow between actors: frozen, small, and free of behaviour.

``Record`` is the provider-neutral run the API receives (design.md §4). The other messages are
what watchers, workers, the deduper and the sender hand each other. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from aimcoach.digest import digest_input, digest_of_input

__all__ = [
    "AimlabsChanged",
    "AimlabsRead",
    "FileOutcome",
    "FileParsed",
    "ParseResult",
    "Provider",
    "Quarantined",
    "Record",
    "StatsFileReady",
    "make_record",
]

Provider = Literal["kovaaks", "aimlabs"]
Number = int | float


@dataclass(frozen=True, slots=True)
class Record:
    """One finished run. ``source_key`` identifies it in its source and is never sent."""

    provider: Provider
    task: str
    taken_at: str  # RFC 3339 UTC with a trailing "Z"
    metrics: Mapping[str, Number]
    digest: str
    mode: str | None = None
    map: str | None = None
    score: Number | None = None
    raw_json: Mapping[str, Any] | None = None
    source_key: str = field(default="", compare=False)

    def to_json(self) -> dict[str, Any]:
        """The JSON object sent to the API: optional fields omitted when absent."""
        out: dict[str, Any] = {"provider": self.provider, "task": self.task}
        if self.mode is not None:
            out["mode"] = self.mode
        if self.map is not None:
            out["map"] = self.map
        out["taken_at"] = self.taken_at
        out["metrics"] = dict(self.metrics)
        if self.score is not None:
            out["score"] = self.score
        if self.raw_json is not None:
            out["raw_json"] = dict(self.raw_json)
        out["digest"] = self.digest
        return out


def make_record(
    *,
    provider: Provider,
    task: str,
    taken_at: str,
    metrics: Mapping[str, Number],
    mode: str | None = None,
    map: str | None = None,
    score: Number | None = None,
    raw_json: Mapping[str, Any] | None = None,
    source_key: str = "",
) -> Record:
    """Build a record and its digest; raises :class:`aimcoach.errors.DigestError`.

    Metrics and score are stored as the digest sees them (floats rounded to 6 places), so what
    the API receives is exactly what was hashed.
    """
    fields = {
        "provider": provider,
        "task": task,
        "mode": mode,
        "map": map,
        "taken_at": taken_at,
        "metrics": metrics,
        "score": score,
    }
    normalized = digest_input(fields)
    return Record(
        provider=provider,
        task=task,
        taken_at=taken_at,
        metrics=normalized["metrics"],
        digest=digest_of_input(normalized),
        mode=mode,
        map=map,
        score=normalized.get("score"),
        raw_json=raw_json,
        source_key=source_key,
    )


@dataclass(frozen=True, slots=True)
class StatsFileReady:
    """A KovaaK's stats file that has been stable for the quiet period."""

    path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class AimlabsChanged:
    """The Aim Lab database (or its journal/WAL) changed: read new TaskData rows."""

    db_path: str


@dataclass(frozen=True, slots=True)
class Quarantined:
    """An input that could not be turned into records, and why (a rendered message)."""

    source: str
    reason: str


FileOutcome = Literal["ok", "quarantined", "ignored"]


@dataclass(frozen=True, slots=True)
class FileParsed:
    """A parser worker's verdict on one stats file: its records, or why it was set aside.

    The deduper commits the records and the file's checkpoint (path, size, mtime, outcome) in one
    transaction, so a crash between the two can neither lose a run nor re-read a finished file.
    """

    path: str
    size: int
    mtime_ns: int
    outcome: FileOutcome
    records: tuple[Record, ...] = ()
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class AimlabsRead:
    """One chunk of new Aim Lab rows, and the cursor to store once they are committed."""

    db_path: str
    cursor_json: str
    records: tuple[Record, ...] = ()
    problems: tuple[Quarantined, ...] = ()


ParseResult = FileParsed | AimlabsRead
