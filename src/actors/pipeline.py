"""The assembly: every channel of a run is created here, and every actor is wired here.

::

    kovaaks_watcher ─┐ StatsFileReady                          (run --once / export:
    aimlabs_watcher ─┤ AimlabsChanged                            kovaaks_scan_once, aimlabs_once)
                     ▼  intake (INTAKE_BUFFER)
              parser_worker × N ──ParseResult──▶ [record_filter] ──▶ deduper ──Record──▶ sender
                                  (PARSED_BUFFER)                             (RECORD_BUFFER)
    token_refresher (daemon) ── owns the token the sender asks for
    the token store is read once at the start, beside the actors (its key derivation need not
    hold up the scan), and a run never ends before that read has
    status_server ── outside the supervisor: answers ctl while the run lives

The supervisor holds the original channel ends and gives each actor clones, so a restarted
actor finds its channels open; closing the intake (watchers cancelled on stop, or one-shot
intake finished) drains the pipeline stage by stage down to the sender's final flush.
Buffers are small on purpose: a 100,000-file backfill holds a few dozen items in flight.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from functools import partial
from pathlib import Path
from typing import Any

import structlog
import trio

from aimcoach.actors._fsevents import WatchConfig, WatcherStats
from aimcoach.actors.aimlabs_watcher import aimlabs_watcher
from aimcoach.actors.deduper import DeduperStats, deduper
from aimcoach.actors.kovaaks_watcher import kovaaks_watcher
from aimcoach.actors.oneshot import aimlabs_once, kovaaks_scan_once
from aimcoach.actors.parser_worker import (
    AimlabsReadGate,
    WorkerConfig,
    WorkerStats,
    parser_worker,
)
from aimcoach.actors.record_filter import FilterStats, RecordFilter, record_filter
from aimcoach.actors.sender import DeliveryIncomplete, SenderConfig, SenderStats, sender
from aimcoach.actors.status_server import StatusSnapshot, TokenStatus, status_server
from aimcoach.actors.supervisor import ActorSpec, Supervisor
from aimcoach.actors.token_refresher import TokenRefresherStats, token_refresher
from aimcoach.auth import TokenManager, TokenSource
from aimcoach.errors import AimcoachError, AuthError, StateError
from aimcoach.messages import AimlabsChanged, ParseResult, Quarantined, Record, StatsFileReady
from aimcoach.state import AsyncState, StateCounts
from aimcoach.transport import IngestClient

__all__ = [
    "INTAKE_BUFFER",
    "PARSED_BUFFER",
    "RECORD_BUFFER",
    "PipelineConfig",
    "PipelineStats",
    "run_pipeline",
]

INTAKE_BUFFER = 32
PARSED_BUFFER = 32
RECORD_BUFFER = 256
_COUNTS_EVERY_S = 2.0

_log = structlog.get_logger("aimcoach.pipeline")


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    once: bool
    kovaaks_dir: Path | None
    aimlabs_db: Path | None
    tz: tzinfo
    workers: int = 2
    watch: WatchConfig = field(default_factory=WatchConfig)
    sender: SenderConfig = field(default_factory=SenderConfig)
    filter: RecordFilter | None = None
    grace_period_s: float = 10.0
    runtime_dir: Path | None = None  # where the status server's runtime file goes; None: none
    handle_signals: bool = True


@dataclass(slots=True)
class PipelineStats:
    """Every actor's counters, read by the status server and the progress display."""

    kovaaks: WatcherStats = field(default_factory=WatcherStats)
    aimlabs: WatcherStats = field(default_factory=WatcherStats)
    workers: WorkerStats = field(default_factory=WorkerStats)
    filter: FilterStats = field(default_factory=FilterStats)
    deduper: DeduperStats = field(default_factory=DeduperStats)
    sender: SenderStats = field(default_factory=SenderStats)
    refresher: TokenRefresherStats = field(default_factory=TokenRefresherStats)
    counts: StateCounts | None = None
    # the newest inputs set aside during this run, with their reasons (filled at the end)
    problems: list[Quarantined] = field(default_factory=list)
    intake: int = 0  # messages handed to the workers by one-shot intake

    def count_intake(self) -> None:
        self.intake += 1

    def counters(self) -> dict[str, int]:
        files_seen = self.kovaaks.handed_on + self.intake
        out = {
            "files_seen": files_seen,
            "records_parsed": self.workers.records,
            "quarantined": self.deduper.quarantined,
            "duplicates_skipped": self.deduper.duplicates,
            "sent": self.sender.records_sent,
            "accepted": self.sender.accepted,
            "server_duplicates": self.sender.duplicates,
            "rejected": self.sender.rejected,
            "retries": self.sender.retries,
        }
        if self.counts is not None:
            out["pending"] = self.counts.pending + self.counts.batched
        return out

    def last_delivery(self) -> str | None:
        at = self.sender.last_success_at
        if at is None:
            return None
        return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _specs(
    config: PipelineConfig,
    stats: PipelineStats,
    state: AsyncState,
    client: IngestClient,
    tokens: TokenSource,
    manager: TokenManager | None,
) -> tuple[list[ActorSpec], dict[str, Any]]:
    intake_send, intake_recv = trio.open_memory_channel[StatsFileReady | AimlabsChanged](
        INTAKE_BUFFER
    )
    parsed_send, parsed_recv = trio.open_memory_channel[ParseResult](PARSED_BUFFER)
    records_send, records_recv = trio.open_memory_channel[Record](RECORD_BUFFER)
    channels: dict[str, Any] = {
        "intake": intake_recv,
        "parsed": parsed_recv,
        "records": records_recv,
    }

    async def is_done(path: str, size: int, mtime_ns: int) -> bool:
        cp = await state.checkpoint(path)
        return cp is not None and cp.size == size and cp.mtime_ns == mtime_ns

    specs: list[ActorSpec] = []
    if config.kovaaks_dir is not None:
        if config.once:

            async def scan(send: trio.abc.SendChannel[StatsFileReady]) -> None:
                assert config.kovaaks_dir is not None
                await kovaaks_scan_once(
                    config.kovaaks_dir,
                    send,
                    checkpoints_for=state.checkpoints_for,
                    quiet_period_s=config.watch.quiet_period_s,
                    on_handed_on=stats.count_intake,
                )

            specs.append(ActorSpec("kovaaks_scan", scan, channels={"send": intake_send}, phase=0))
        else:
            specs.append(
                ActorSpec(
                    "kovaaks_watcher",
                    kovaaks_watcher,
                    kwargs={
                        "directory": config.kovaaks_dir,
                        "is_done": is_done,
                        "config": config.watch,
                        "stats": stats.kovaaks,
                    },
                    channels={"send": intake_send},
                    phase=0,
                    on_stop="cancel",
                    restart="permanent",
                )
            )
    if config.aimlabs_db is not None:
        if config.once:

            async def once(send: trio.abc.SendChannel[AimlabsChanged]) -> None:
                assert config.aimlabs_db is not None
                await aimlabs_once(config.aimlabs_db, send)

            specs.append(ActorSpec("aimlabs_read", once, channels={"send": intake_send}, phase=0))
        else:
            specs.append(
                ActorSpec(
                    "aimlabs_watcher",
                    aimlabs_watcher,
                    kwargs={
                        "db_path": config.aimlabs_db,
                        "config": config.watch,
                        "stats": stats.aimlabs,
                    },
                    channels={"send": intake_send},
                    phase=0,
                    on_stop="cancel",
                    restart="permanent",
                )
            )

    gate = AimlabsReadGate()
    # A locked Aim Lab database: `run` keeps trying (the game may not write again for a long
    # time); a one-shot command gives up after a few tries and says so in its summary.
    worker_config = WorkerConfig() if config.once else WorkerConfig(busy_attempts=None)
    limiter = trio.CapacityLimiter(max(1, config.workers))
    for i in range(config.workers):
        specs.append(
            ActorSpec(
                f"parser_worker_{i + 1}",
                parser_worker,
                kwargs={
                    "tz": config.tz,
                    "get_cursor": state.get_cursor,
                    "stats": stats.workers,
                    "aimlabs_gate": gate,
                    "limiter": limiter,
                    "config": worker_config,
                },
                channels={"receive": intake_recv, "send": parsed_send},
                phase=1,
            )
        )

    dedupe_input = parsed_recv
    if config.filter is not None:
        filtered_send, filtered_recv = trio.open_memory_channel[ParseResult](PARSED_BUFFER)
        channels["filtered"] = filtered_recv
        specs.append(
            ActorSpec(
                "record_filter",
                record_filter,
                kwargs={
                    "rule": config.filter,
                    "get_cursor": state.get_cursor,
                    "stats": stats.filter,
                },
                channels={"receive": parsed_recv, "send": filtered_send},
                phase=1,
            )
        )
        dedupe_input = filtered_recv
    specs.append(
        ActorSpec(
            "deduper",
            deduper,
            kwargs={"state": state, "stats": stats.deduper},
            channels={"receive": dedupe_input, "send": records_send},
            phase=1,
        )
    )
    specs.append(
        ActorSpec(
            "sender",
            sender,
            kwargs={
                "state": state,
                "client": client,
                "tokens": tokens,
                "config": config.sender,
                "stats": stats.sender,
            },
            channels={"receive": records_recv},
            phase=1,
            # --once gives up on a batch after its retries, and a refused --api-token stays
            # refused: both end the run with their own message, not a round of restarts.
            fatal=(DeliveryIncomplete, AuthError),
        )
    )
    if manager is not None:
        specs.append(
            ActorSpec(
                "token_refresher",
                token_refresher,
                kwargs={"manager": manager, "stats": stats.refresher},
                phase=2,
                on_stop="cancel",
                daemon=True,
                restart="permanent",
            )
        )
    return specs, channels


def _token_status(stats: PipelineStats, manager: TokenManager | None) -> TokenStatus | None:
    if manager is None:
        return TokenStatus(expires_at=None, relink_needed=stats.sender.relink_needed)
    info = manager.info()
    if info is None and not manager.relink_needed:
        return None
    expires = (
        info.access_expires_at.isoformat(timespec="seconds").replace("+00:00", "Z")
        if info is not None
        else None
    )
    flagged = info is not None and info.relink_needed
    return TokenStatus(
        expires_at=expires,
        relink_needed=manager.relink_needed or flagged or stats.sender.relink_needed,
    )


async def _refresh_counts(state: AsyncState, stats: PipelineStats) -> None:
    """Keep the outbox counts fresh for status; a failed read only leaves them stale (the
    actors that own the data report the state database's problems themselves)."""
    while True:
        try:
            stats.counts = await state.counts()
        except StateError as exc:
            _log.warning("state_counts_failed", error=str(exc))
        await trio.sleep(_COUNTS_EVERY_S)


async def run_pipeline(
    config: PipelineConfig,
    *,
    state: AsyncState,
    client: IngestClient,
    tokens: TokenSource,
    manager: TokenManager | None,
    stats: PipelineStats,
    on_tick: Callable[[PipelineStats], None] | None = None,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run the actors until intake ends (``once``) or a stop is requested.

    Raises what the supervisor raises: ``SupervisorGaveUp``, a ``ConfigError``, or
    ``DeliveryIncomplete`` when ``--once`` retries ran out (everything stays pending); and a
    ``TokenStoreError`` when ``manager``'s store cannot be read (what was committed stays).
    """
    specs, channels = _specs(config, stats, state, client, tokens, manager)
    supervisor = Supervisor(
        specs, grace_period=config.grace_period_s, handle_signals=config.handle_signals
    )

    def snapshot() -> dict[str, Any]:
        return StatusSnapshot.of(
            supervisor,
            channels=channels,
            counters=stats.counters(),
            token=_token_status(stats, manager),
            last_delivery=stats.last_delivery(),
        ).to_json()

    started = time.monotonic()
    try:
        async with trio.open_nursery() as nursery:
            store_read = trio.Event()
            if manager is not None:
                await nursery.start(_open_store, manager, store_read)
            else:
                store_read.set()
            stats.counts = await state.counts()
            nursery.start_soon(_refresh_counts, state, stats)
            if config.runtime_dir is not None:
                await nursery.start(
                    partial(
                        status_server,
                        snapshot,
                        supervisor.request_stop,
                        runtime_dir=config.runtime_dir,
                    )
                )
            if on_tick is not None:
                nursery.start_soon(_ticker, on_tick, stats)
            try:
                await supervisor.run(task_status=task_status)
                # A store that cannot be opened (a wrong passphrase) fails even a run that had
                # nothing to send.
                await store_read.wait()
            finally:
                nursery.cancel_scope.cancel()
    except BaseExceptionGroup as group:
        # One actor's error (a ConfigError, SupervisorGaveUp, DeliveryIncomplete) is what the
        # caller reports; anything else stays a group.
        leaves = _leaves(group)
        if len(leaves) == 1 and isinstance(leaves[0], AimcoachError):
            with trio.CancelScope(shield=True), contextlib.suppress(StateError):
                stats.counts = await state.counts()  # the summary shows what is left
            raise leaves[0] from group
        raise
    stats.counts = await state.counts()
    if stats.deduper.quarantined:
        stats.problems = await state.quarantined(limit=min(stats.deduper.quarantined, 20))
    if on_tick is not None:
        on_tick(stats)
    _log.debug("pipeline_done", seconds=round(time.monotonic() - started, 3), **stats.counters())


async def _open_store(
    manager: TokenManager,
    done: trio.Event,
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """The store's first read (the file store's Argon2id: ~0.1 s in C, outside the GIL) runs
    while the scan does; the manager's lock keeps the sender and the refresher waiting for it."""
    try:
        await manager.open(task_status=task_status)
    finally:
        done.set()


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for sub in exc.exceptions for leaf in _leaves(sub)]
    return [exc]


async def _ticker(on_tick: Callable[[PipelineStats], None], stats: PipelineStats) -> None:
    while True:
        await trio.sleep(0.5)
        on_tick(stats)
