"""``aimcoach run`` / ``run --once`` / ``export``: open the state, the token and the API client,
run the pipeline, and tell the player how it went.

Exit codes: 0 everything delivered (or a graceful stop of ``run``); 1 something is left pending,
was set aside, or was refused by the server (a summary says what and what to do); 2 usage or
configuration. ``--dry-run`` goes to :mod:`aimcoach.cli._export` instead: no network, no state.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TextIO

import structlog
import trio

from aimcoach._logging import redact
from aimcoach.actors._fsevents import WatchConfig
from aimcoach.actors.pipeline import PipelineConfig, PipelineStats, run_pipeline
from aimcoach.actors.record_filter import RecordFilter
from aimcoach.actors.sender import DeliveryIncomplete, SenderConfig
from aimcoach.auth import (
    LinkInfo,
    StaticTokenSource,
    TokenManager,
    TokenSource,
    TokenStore,
    open_store,
)
from aimcoach.auth._http import new_client
from aimcoach.cli._ctl import runtime_dir
from aimcoach.cli._export import dry_run, parse_since, wants
from aimcoach.config import Settings
from aimcoach.config._timezone import resolve_timezone
from aimcoach.errors import ConfigError, StateError
from aimcoach.i18n import printable, t
from aimcoach.state import AsyncState
from aimcoach.state._lock import StateLock
from aimcoach.transport import IngestClient, LazyClient

__all__ = ["ONCE_MAX_RETRIES", "ONCE_MAX_WAIT_S", "pipeline_config", "run_command"]

ONCE_MAX_RETRIES = 3
SIGN_IN_LOCK = "agent.lock"  # in the data folder, beside the token file
# Longer than the backoff's third pause (8 s ± jitter), short enough for a person to wait.
ONCE_MAX_WAIT_S = 60.0
_LOG_EVERY_S = 10.0

_log = structlog.get_logger("aimcoach.run")


def pipeline_config(args: argparse.Namespace, settings: Settings, *, once: bool) -> PipelineConfig:
    kovaaks = settings.kovaaks_csv_dir if wants(settings, "kovaaks") else None
    aimlabs = settings.aimlabs_sqlite if wants(settings, "aimlabs") else None
    if kovaaks is None and aimlabs is None:
        raise ConfigError("export.nothing_to_read")
    if kovaaks is not None:
        # `run` waits for a folder that does not exist yet (KovaaK's makes it on its first
        # run); a one-shot command has nothing to wait for, and a file is never a folder.
        if kovaaks.exists() and not kovaaks.is_dir():
            raise ConfigError("run.not_a_folder", path=str(kovaaks))
        if once and not kovaaks.exists():
            raise ConfigError("run.folder_missing", path=str(kovaaks))
    since = parse_since(args.since)
    rule = (
        RecordFilter(since=since, max_records=args.max_records)
        if since is not None or args.max_records is not None
        else None
    )
    return PipelineConfig(
        once=once,
        kovaaks_dir=kovaaks,
        aimlabs_db=aimlabs,
        tz=resolve_timezone(settings.timezone),
        workers=settings.workers,
        watch=WatchConfig(
            quiet_period_s=max(settings.quiet_period_s, 0.001),
            poll_interval_s=settings.poll_interval_s,
            force_polling=settings.force_polling,
        ),
        sender=SenderConfig(
            batch_max_records=settings.batch_max_records,
            linger_s=settings.linger_s,
            rate_per_s=settings.rate_per_s,
            rate_burst=settings.rate_burst,
            max_retries=ONCE_MAX_RETRIES if once else None,
            max_wait_s=ONCE_MAX_WAIT_S if once else None,
            key_prefix=args.idempotency_key or "",
        ),
        filter=rule,
        grace_period_s=settings.grace_period_s,
        runtime_dir=runtime_dir(settings),
    )


class _Progress:
    """A one-line progress display on a terminal; a log line every few seconds otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._tty = bool(getattr(stream, "isatty", lambda: False)())
        self._last_log = time.monotonic()
        self._shown = False

    def __call__(self, stats: PipelineStats) -> None:
        c = stats.counters()
        if self._tty:
            line = t(
                "run.progress",
                files=c["files_seen"],
                records=c["records_parsed"],
                sent=c["sent"],
                pending=c.get("pending", 0),
            )
            self._stream.write("\r" + line + "\033[K")
            self._stream.flush()
            self._shown = True
        elif time.monotonic() - self._last_log >= _LOG_EVERY_S:
            self._last_log = time.monotonic()
            _log.info("progress", **c)

    def finish(self) -> None:
        if self._shown:
            self._shown = False
            self._stream.write("\n")
            self._stream.flush()


def _token_store(settings: Settings) -> tuple[TokenStore | None, Settings, LinkInfo | None]:
    """Open the token store before trio starts, so a passphrase prompt (file store without
    AIMCOACH_TOKEN_PASSPHRASE) happens in the main thread; None with ``--api-token``.

    The tokens themselves are read once the run has started (``TokenManager.open``), so the
    file store's key derivation runs beside the scan. Also returns the settings with the linked
    endpoint when none was chosen, and the store's public info (None: not linked).
    """
    if settings.api_token:
        return None, settings, None
    store = open_store(settings.token_store, settings)
    if store.notice:
        print(store.notice, file=sys.stderr)
    store.prepare_read()
    # The public facts: no passphrase needed; errors are clear TokenStoreErrors.
    info = store.info()
    if info is None:
        print(t("run.not_linked"), file=sys.stderr)
        return store, settings, None
    return store, settings.with_linked_endpoint(info.endpoint), info


async def _run(
    config: PipelineConfig,
    settings: Settings,
    store: TokenStore | None,
    linked: LinkInfo | None,
    stats: PipelineStats,
    progress: _Progress,
) -> None:
    http = LazyClient(new_client)
    async with http, await AsyncState.open(settings.state_dir) as state:
        tokens: TokenSource
        manager: TokenManager | None = None
        if store is None:
            assert settings.api_token is not None
            tokens = StaticTokenSource(settings.api_token)
        else:
            manager = TokenManager(
                store, endpoint=settings.api_endpoint, client=http, linked=linked
            )
            tokens = manager
        client = IngestClient(settings.api_endpoint, client=http, source_label=settings.source)
        await run_pipeline(
            config,
            state=state,
            client=client,
            tokens=tokens,
            manager=manager,
            stats=stats,
            on_tick=progress,
        )


def _summary(stats: PipelineStats, out: TextIO) -> int:
    c = stats.counters()
    counts = stats.counts
    pending = 0 if counts is None else counts.pending + counts.batched
    print(
        t(
            "run.summary",
            files=c["files_seen"],
            records=c["records_parsed"],
            new=stats.deduper.records_new,
            known=c["duplicates_skipped"],
            accepted=c["accepted"],
            server_duplicates=c["server_duplicates"],
            rejected=c["rejected"],
            quarantined=c["quarantined"],
            pending=pending,
        ),
        file=out,
    )
    busy = stats.workers.aimlabs_gave_up
    problems = pending > 0 or c["quarantined"] > 0 or c["rejected"] > 0 or busy > 0
    if busy:
        print(t("run.aimlabs_busy_hint"), file=out)
    if c["quarantined"]:
        for problem in stats.problems:
            line = t("export.quarantined_line", source=problem.source, reason=problem.reason)
            print(printable(line), file=out)
        print(t("run.quarantined_hint"), file=out)
    if c["rejected"]:
        print(t("run.rejected_hint"), file=out)
    if pending:
        print(t("run.pending_hint"), file=out)
    return 1 if problems else 0


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    if args.dry_run:
        return dry_run(args, settings)
    once = args.command == "export" or bool(getattr(args, "once", False))
    config = pipeline_config(args, settings, once=once)
    # Two agents refreshing one sign-in would each rotate the refresh token and the server
    # would revoke the device (reuse of a replaced refresh token), so one sign-in, one agent,
    # even when the two use different state folders.
    sign_in = None
    if not settings.api_token:
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StateError(
                "state.dir_unusable", directory=str(settings.data_dir), detail=exc.strerror
            ) from exc
        sign_in = StateLock(settings.data_dir, filename=SIGN_IN_LOCK, held_key="run.sign_in_in_use")
    try:
        return _run_locked(args, settings, once=once, config=config)
    finally:
        if sign_in is not None:
            sign_in.release()


def _run_locked(
    args: argparse.Namespace, settings: Settings, *, once: bool, config: PipelineConfig
) -> int:
    store, settings, linked = _token_store(settings)
    stats = PipelineStats()
    progress = _Progress(sys.stderr)
    try:
        trio.run(_run, config, settings, store, linked, stats, progress)
    except DeliveryIncomplete as exc:
        # --once ran out of retries (or needs a relink): say what was done, then why not all.
        progress.finish()
        _summary(stats, sys.stderr)
        print(redact(f"aimcoach: {exc}"), file=sys.stderr)
        return 1
    finally:
        progress.finish()
    if once:
        return _summary(stats, sys.stderr)
    print(t("run.stopped"), file=sys.stderr)
    return 0
