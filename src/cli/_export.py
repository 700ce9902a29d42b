"""``aimcoach export --dry-run``: every record as NDJSON on stdout, a summary on stderr.

No network and no state: it reads the game files and prints. The order is stable (KovaaK's
files by name, then Aim Lab rows by taskId), so two runs print the same bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TextIO

from aimcoach.actors.parser_worker import WorkerConfig
from aimcoach.config import Settings
from aimcoach.config._timezone import resolve_timezone
from aimcoach.errors import ConfigError
from aimcoach.i18n import printable, t
from aimcoach.messages import Record
from aimcoach.sources.aimlabs import AimlabsCursor, AimlabsError, read_new
from aimcoach.sources.kovaaks import KovaaksParseError, is_stats_file_name, parse_stats_file

__all__ = ["DryRunSummary", "dry_run", "parse_since", "wants"]


@dataclass
class DryRunSummary:
    files_read: int = 0
    ignored: int = 0
    records: int = 0
    skipped_since: int = 0
    quarantined: list[tuple[str, str]] = field(default_factory=list)


def parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ConfigError("config.bad_since", value=value) from None
    if when.tzinfo is None:
        raise ConfigError("config.bad_since", value=value)
    return when.astimezone(UTC)


def wants(settings: Settings, provider: str) -> bool:
    return settings.provider in ("all", provider)


def _taken_at(record: Record) -> datetime:
    return datetime.fromisoformat(record.taken_at.replace("Z", "+00:00"))


def _list_files(folder: Path) -> list[str]:
    """Names of the regular files in ``folder``, sorted; an odd entry (a symlink loop, a
    vanished file) is skipped, as the watcher skips it. Raises OSError for the folder."""
    names: list[str] = []
    with os.scandir(folder) as it:
        for entry in it:
            try:
                if entry.is_file():
                    names.append(entry.name)
            except OSError:
                continue
    return sorted(names)


def _kovaaks_records(folder: Path, tz: tzinfo, summary: DryRunSummary) -> Iterator[Record]:
    limit = WorkerConfig().max_file_bytes  # the same limit the parser workers apply
    try:
        names = _list_files(folder)
    except OSError as exc:
        summary.quarantined.append(
            (str(folder), t("export.folder_unreadable", error=exc.strerror or type(exc).__name__))
        )
        return
    for name in names:
        if not is_stats_file_name(name):
            summary.ignored += 1
            continue
        path = folder / name
        try:
            size = path.stat().st_size
            if size > limit:
                summary.quarantined.append(
                    (str(path), t("worker.too_large", path=str(path), size=size, limit=limit))
                )
                continue
            data = path.read_bytes()
        except OSError as exc:
            summary.quarantined.append(
                (str(path), t("export.file_unreadable", error=exc.strerror or type(exc).__name__))
            )
            continue
        summary.files_read += 1
        try:
            yield parse_stats_file(data, name, tz, source_key=str(path))
        except KovaaksParseError as exc:
            summary.quarantined.append((str(path), str(exc)))


def _aimlabs_records(db: Path, summary: DryRunSummary) -> Iterator[Record]:
    cursor = AimlabsCursor()
    while True:
        try:
            batch = read_new(db, cursor, limit=1000)
        except AimlabsError as exc:
            summary.quarantined.append((str(db), str(exc)))
            return
        if not batch.records and not batch.problems:
            return
        summary.quarantined += [(p.source_key, p.reason) for p in batch.problems]
        yield from batch.records
        cursor = batch.cursor


def dry_run(args: argparse.Namespace, settings: Settings, out: TextIO | None = None) -> int:
    out = sys.stdout if out is None else out
    since = parse_since(args.since)
    limit: int | None = args.max_records
    summary = DryRunSummary()
    sources: list[Iterator[Record]] = []
    if wants(settings, "kovaaks") and settings.kovaaks_csv_dir is not None:
        tz = resolve_timezone(settings.timezone)
        sources.append(_kovaaks_records(settings.kovaaks_csv_dir, tz, summary))
    if wants(settings, "aimlabs") and settings.aimlabs_sqlite is not None:
        sources.append(_aimlabs_records(settings.aimlabs_sqlite, summary))
    if not sources:
        raise ConfigError("export.nothing_to_read")
    done = False
    for records in sources:
        for record in records:
            if since is not None and _taken_at(record) < since:
                summary.skipped_since += 1
                continue
            out.write(json.dumps(record.to_json(), ensure_ascii=False, separators=(",", ":")))
            out.write("\n")
            summary.records += 1
            if limit is not None and summary.records >= limit:
                done = True
                break
        if done:
            break
    out.flush()
    print(
        t(
            "export.dry_run_summary",
            files=summary.files_read,
            records=summary.records,
            quarantined=len(summary.quarantined),
            ignored=summary.ignored,
            skipped=summary.skipped_since,
        ),
        file=sys.stderr,
    )
    for source, reason in summary.quarantined:
        line = t("export.quarantined_line", source=source, reason=reason)
        print(printable(line), file=sys.stderr)
    return 1 if summary.quarantined else 0
