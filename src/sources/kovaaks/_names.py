"""KovaaK's stats file names: recognising them, splitting them, and dating the run.

A name is ``<scenario> - <mode> - YYYY.MM.DD-HH.MM.SS Stats.csv`` (mode is ``Challenge`` in every
real file) or, rarely, ``<scenario> - YYYY.MM.DD-HH.MM.SS Stats.csv``. The scenario may itself
contain `` - ``, ``,``, ``%``, ``+``, ``!`` and end in a space, so the name is split from the
right with a regex anchored on the timestamp, never on the first `` - ``.

Pure: no I/O, no logging. Must not read the system time zone: the caller passes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from aimcoach.sources.kovaaks._errors import KovaaksParseError

__all__ = [
    "StatsName",
    "base_name",
    "is_stats_file_name",
    "parse_stats_name",
    "split_task_mode",
    "utc_taken_at",
]

_SUFFIX = " Stats.csv"
# Greedy stem + the anchored tail: the LAST " - <timestamp> Stats.csv" splits the name.
_NAME_RE = re.compile(
    r"(?P<stem>.+) - "
    r"(?P<stamp>(?P<Y>\d{4})\.(?P<M>\d\d)\.(?P<D>\d\d)-(?P<h>\d\d)\.(?P<m>\d\d)\.(?P<s>\d\d))"
    r" Stats\.csv",
    re.ASCII | re.DOTALL,
)
# The only mode seen in real names; used when the in-file scenario cannot delimit the stem.
_CHALLENGE = "Challenge"
_MODE_SEP = " - "


def base_name(name: str) -> str:
    """The last component of ``name``, whichever separator (``/`` or ``\\``) the caller used."""
    return name.rpartition("/")[2].rpartition("\\")[2]


def is_stats_file_name(name: str) -> bool:
    """True only for names ending in `` Stats.csv`` (after something): the files we read.

    Deliberately loose: a ``… Stats.csv`` whose timestamp is missing is still handed to
    :func:`parse_stats_name`, which quarantines it with a reason the player can act on, instead
    of ignoring it in silence. ``… Performance.perf`` and renamed copies (``bounceshot.csv``) are
    not stats names.
    """
    base = base_name(name)
    return len(base) > len(_SUFFIX) and base.endswith(_SUFFIX)


@dataclass(frozen=True, slots=True)
class StatsName:
    file_name: str  # the base name
    stem: str  # everything before " - <timestamp> Stats.csv": scenario, then " - <mode>" if any
    stamp: str  # the timestamp as written, e.g. "2020.06.28-12.53.46"
    local: datetime  # naive: the local wall-clock end of the run


def parse_stats_name(name: str) -> StatsName:
    """Split a stats file name; raises :class:`KovaaksParseError` if it is not one."""
    file_name = base_name(name)
    match = _NAME_RE.fullmatch(file_name)
    if match is None:
        raise KovaaksParseError("kovaaks.bad_name", file=file_name)
    stamp = match["stamp"]
    try:
        local = datetime(
            int(match["Y"]),
            int(match["M"]),
            int(match["D"]),
            int(match["h"]),
            int(match["m"]),
            int(match["s"]),
        )
    except ValueError as exc:  # 2021.02.30, 25.00.00 …
        raise KovaaksParseError("kovaaks.bad_name_time", file=file_name, stamp=stamp) from exc
    return StatsName(file_name=file_name, stem=match["stem"], stamp=stamp, local=local)


def split_task_mode(stem: str, scenario: str) -> tuple[str, str | None]:
    """(task, mode) from the name's stem and the in-file ``Scenario:`` value ("" if none).

    The in-file scenario is the task. When the stem starts with it, the rest of the stem is the
    mode, so a scenario containing `` - `` is never mistaken for a mode. When it does not (no
    ``Scenario:`` value, or a scenario whose characters the file system would not allow in a
    name), a trailing `` - Challenge`` is the mode and the rest of the stem is the task.
    """
    if scenario:
        if stem == scenario:
            return scenario, None
        if stem.startswith(scenario + _MODE_SEP) and len(stem) > len(scenario) + len(_MODE_SEP):
            return scenario, stem[len(scenario) + len(_MODE_SEP) :]
    tail = _MODE_SEP + _CHALLENGE
    if stem.endswith(tail) and len(stem) > len(tail):
        return scenario or stem[: -len(tail)], _CHALLENGE
    return scenario or stem, None


def utc_taken_at(parsed: StatsName, tz: tzinfo) -> str:
    """The name's local wall-clock time in ``tz`` as RFC 3339 UTC with ``Z``.

    Uses ``tz``'s rules for that date. A time the clock showed twice (DST ends) or never (DST
    starts) is read with ``fold=0``: the earlier of the two, or, for a skipped time, the offset
    in force before the jump (with zoneinfo, 02:30 on a spring-forward day reads as standard time).
    """
    try:
        utc = parsed.local.replace(tzinfo=tz, fold=0).astimezone(UTC)
    except (OverflowError, ValueError) as exc:  # year 1 or 9999 pushed out of range by the offset
        raise KovaaksParseError(
            "kovaaks.bad_name_time", file=parsed.file_name, stamp=parsed.stamp
        ) from exc
    # Formatted by hand: strftime("%Y") does not zero-pad years below 1000 on every platform.
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"
    )
