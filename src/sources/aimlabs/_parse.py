"""Turn one Aim Lab ``TaskData`` row into a :class:`~aimcoach.messages.Record`.

Pure: a mapping of column name to SQLite value goes in, a record comes out or an
:class:`AimlabsRowError` is raised (never any other exception, whatever the row holds). No I/O,
no logging, no configuration. The metric mapping is documented in the package docstring
(``aimcoach.sources.aimlabs``); keep the two in step, because the mapping is part of the digest:
changing it makes runs that were already delivered look new.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final, Literal

from aimcoach.errors import DigestError
from aimcoach.messages import Record, make_record
from aimcoach.sources.aimlabs._errors import AimlabsRowError

__all__ = [
    "COLUMNS_2023",
    "COLUMNS_2025",
    "fingerprint",
    "parse_row",
    "source_key",
]

# Column names exactly as the game declares them (reference note §3.1): 18 columns in the
# 2023–24 builds, ``appId`` appended in 2025 builds.
COLUMNS_2023: Final[tuple[str, ...]] = (
    "taskId",
    "klutchId",
    "createDate",
    "taskName",
    "score",
    "mode",
    "aimlab_map",
    "aimlab_version",
    "weaponType",
    "weaponName",
    "performanceClass",
    "workshopId",
    "performance",
    "playId",
    "startedAt",
    "endedAt",
    "hasReplay",
    "weaponSkin",
)
COLUMNS_2025: Final[tuple[str, ...]] = (*COLUMNS_2023, "appId")

Number = int | float
_Kind = Literal["count", "percent", "value"]

# performance key -> (metric name, kind). "count" values are whole numbers the game sometimes
# writes as 77.0; "percent" values are 0-100 and become a 0-1 ratio.
_COMMON: Final[dict[str, tuple[str, _Kind]]] = {
    "shotsTotal": ("shots", "count"),
    "hitsTotal": ("hits", "count"),
    "missesTotal": ("misses", "count"),
    "killTotal": ("kills", "count"),
    "targetsTotal": ("targets", "count"),
    "accTotal": ("accuracy", "percent"),
}
_CLASSES: Final[dict[str, dict[str, tuple[str, _Kind]]]] = {
    "CSTask": {
        **_COMMON,
        "headshots": ("headshots", "count"),
        "bodyshots": ("bodyshots", "count"),
        # Aim Lab's own damage unit (6.0 for 77 kills): not KovaaK's damage_done, so its own name.
        "damageTotal": ("damage_total", "value"),
        "timePerKill": ("time_per_kill_s", "value"),
        "avgDist": ("avg_distance", "value"),
    },
    "SparData": {
        **_COMMON,
        "rtTotal": ("reaction_time_ms", "value"),
        "killsPerSec": ("kills_per_s", "value"),
    },
    # The TrackData keys come from one unattributed script and the legacy CircleTrackData
    # columns (reference note §5.3); units are unknown, so the names claim none.
    "TrackData": {
        **_COMMON,
        "OTR": ("otr", "value"),
        "avgTimeOn": ("avg_time_on", "value"),
        "avgTimeOff": ("avg_time_off", "value"),
        "maxTimeOn": ("max_time_on", "value"),
        "maxTimeOff": ("max_time_off", "value"),
        "missUp": ("miss_up", "count"),
        "missUpLeft": ("miss_up_left", "count"),
        "missUpRight": ("miss_up_right", "count"),
        "missLeft": ("miss_left", "count"),
        "missRight": ("miss_right", "count"),
        "missDown": ("miss_down", "count"),
        "missDownLeft": ("miss_down_left", "count"),
        "missDownRight": ("miss_down_right", "count"),
    },
}
# SparData per-bin values: scalar keys accB0..accB7 / rtB0..rtB7 and the arrays accB / rtB.
_BINS: Final[dict[str, tuple[str, _Kind]]] = {
    "accB": ("accuracy_bin_", "percent"),
    "rtB": ("reaction_time_ms_bin_", "value"),
}
_BIN_KEY = re.compile(r"(accB|rtB)(\d{1,2})")
_MAX_BINS = 16
_MAX_EXTRA_METRICS = 64
_MAX_METRIC_NAME = 64

# Limits on text that goes into the digest and on raw_json (the API takes <= 500 KB a record).
_MAX_TASK_CHARS = 512
_MAX_LABEL_CHARS = 64
_RAW_MAX_DEPTH = 6
_RAW_MAX_ITEMS = 64
_RAW_MAX_KEYS = 128
_RAW_MAX_STR = 512
_RAW_BUDGET = 32_768  # about this many characters of JSON in raw_json
_TRUNCATED_FLAG = "_truncated"
# In JSON text without escapes: more characters in a row than a raw_json string may keep.
_LONG_RUN = re.compile(f'[^"]{{{_RAW_MAX_STR + 1}}}')

_MAX_EXACT_INT = 2**53
_NUMERIC_TEXT = re.compile(r"\s*-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*")
_INT_TEXT = re.compile(r"\s*-?\d+\s*")
_DATE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(?:Z|[+-]00:?00)?"
)


def parse_row(row: Mapping[str, Any]) -> Record:
    """The record for one ``TaskData`` row (keys: the column names, see :data:`COLUMNS_2025`).

    Raises :class:`AimlabsRowError` (with a catalog message) for a row that cannot become a
    record: performance that is not a JSON object, a NaN or ±Infinity anywhere in the row, no
    ``taskName``, an unusable ``createDate``, a value of the wrong type.
    """
    run = _run_ref(row)
    task = _text(row, "taskName", run)
    if task is None or not task.strip():
        raise AimlabsRowError("aimlabs.row.missing_task", run=run)
    if len(task) > _MAX_TASK_CHARS:
        raise AimlabsRowError(
            "aimlabs.row.bad_value", run=run, column="taskName", value=_show(task)
        )
    taken = _time(row, "createDate", run)
    if taken is None:
        raise AimlabsRowError("aimlabs.row.bad_date", run=run, value=_show(row.get("createDate")))
    performance, performance_text = _performance(row, run)
    perf_class = _text(row, "performanceClass", run)
    metrics = _metrics(performance or {}, perf_class)
    duration = _duration(row, run)
    if duration is not None:
        metrics["duration_s"] = duration
    raw = _raw_json(row, performance, performance_text, run)
    try:
        return make_record(
            provider="aimlabs",
            task=task,
            taken_at=_rfc3339(taken),
            metrics=metrics,
            mode=_label(row, "mode", run),
            map=_label(row, "aimlab_map", run),
            score=_score(row, run),
            raw_json=raw,
            source_key=source_key(row),
        )
    except DigestError as exc:  # e.g. an integer beyond 2**53
        raise AimlabsRowError(
            "aimlabs.row.unrepresentable", run=run, field=str(exc.params.get("field", "?"))
        ) from exc


def source_key(row: Mapping[str, Any]) -> str:
    """``aimlabs:<klutchId>:<playId>`` or ``aimlabs:<klutchId>:task-<taskId>``; never raises.

    Identifies the run inside its database for quarantine and status; it is never sent.
    """
    klutch = _loose_text(row.get("klutchId")) or ""
    play = _loose_text(row.get("playId"))
    ident = play if play else f"task-{_loose_text(row.get('taskId')) or '?'}"
    return f"aimlabs:{klutch}:{ident}"


def fingerprint(row: Mapping[str, Any]) -> str:
    """16 hex characters naming a row's content, to notice a replaced database; never raises.

    Only columns the game never rewrites (account, date, task, play id) take part, so a later
    update of ``hasReplay`` does not look like a different file.
    """
    parts = [row.get(c) for c in ("klutchId", "createDate", "taskName", "playId")]
    return hashlib.sha256(repr(parts).encode("utf-8", "backslashreplace")).hexdigest()[:16]


# ---- row values --------------------------------------------------------------------------


def _run_ref(row: Mapping[str, Any]) -> str:
    task_id = row.get("taskId")
    if isinstance(task_id, int) and not isinstance(task_id, bool):
        return str(task_id)
    return "?"


def _show(value: Any) -> str:
    """A short, printable form of a bad value for a message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _loose_text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        return value[:_MAX_LABEL_CHARS].encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _text(row: Mapping[str, Any], column: str, run: str) -> str | None:
    """A text column as ``str`` (``None`` when NULL); SQLite hands back invalid UTF-8 as bytes."""
    value = row.get(column)
    if value is None:
        return None
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise AimlabsRowError("aimlabs.row.bad_text", run=run, column=column) from exc
    if isinstance(value, str):
        try:
            value.encode("utf-8")  # a lone surrogate could not be sent
        except UnicodeEncodeError as exc:
            raise AimlabsRowError("aimlabs.row.bad_text", run=run, column=column) from exc
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise AimlabsRowError("aimlabs.row.bad_value", run=run, column=column, value=_show(value))


def _label(row: Mapping[str, Any], column: str, run: str) -> str | None:
    """``mode`` / ``aimlab_map``: integers in every real row, sent as strings."""
    value = row.get(column)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    text = _text(row, column, run) if not isinstance(value, int) else str(value)
    if text is None or not text.strip():
        return None
    if len(text) > _MAX_LABEL_CHARS:
        raise AimlabsRowError("aimlabs.row.bad_value", run=run, column=column, value=_show(text))
    return text


def _score(row: Mapping[str, Any], run: str) -> Number | None:
    value = row.get("score")
    if value is None:
        return None
    number = _number(value)
    if number is None:
        raise AimlabsRowError("aimlabs.row.bad_value", run=run, column="score", value=_show(value))
    return number


def _number(value: Any) -> Number | None:
    """A finite number from a JSON/SQLite value (numeric strings such as "0" included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        # Beyond 2**53 a JavaScript server would not read back the same number.
        return value if -_MAX_EXACT_INT <= value <= _MAX_EXACT_INT else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str) and len(value) <= 64 and _NUMERIC_TEXT.fullmatch(value):
        if _INT_TEXT.fullmatch(value):
            return _number(int(value))
        number = float(value)
        return number if math.isfinite(number) else None
    return None


# ---- dates -------------------------------------------------------------------------------


def _time(row: Mapping[str, Any], column: str, run: str) -> datetime | None:
    """A ``YYYY-MM-DD HH:MM:SS`` UTC column; ``None`` when NULL, unparseable or year 1.

    Year 1 is C#'s ``DateTime.MinValue``, which the game writes when it has no time.
    """
    value = row.get(column)
    if not isinstance(value, str | bytes):
        return None
    text = _text(row, column, run)
    text = text.strip() if text is not None else None
    match = _DATE.fullmatch(text) if text is not None else None
    if match is None:
        return None
    if len(match[0]) == 19 and match[0].isascii():  # as the game writes it: the same fields
        try:
            when = datetime.fromisoformat(match[0]).replace(tzinfo=UTC)
        except ValueError:
            return None
        return None if when.year == 1 else when
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction = (match.group(7) or "").ljust(6, "0")[:6]
    try:
        when = datetime(year, month, day, hour, minute, second, int(fraction), tzinfo=UTC)
    except ValueError:
        return None
    return None if when.year == 1 else when


def _rfc3339(when: datetime) -> str:
    base = when.strftime("%Y-%m-%dT%H:%M:%S")
    if when.microsecond:
        base += f".{when.microsecond:06d}".rstrip("0")
    return base + "Z"


def _duration(row: Mapping[str, Any], run: str) -> Number | None:
    started = _time(row, "startedAt", run)
    ended = _time(row, "endedAt", run)
    if started is None or ended is None or ended < started:
        return None
    seconds = (ended - started).total_seconds()
    return int(seconds) if seconds.is_integer() else seconds


# ---- performance -------------------------------------------------------------------------


def _performance(row: Mapping[str, Any], run: str) -> tuple[dict[str, Any] | None, str | None]:
    """The performance column parsed, and its JSON text."""
    text = _text(row, "performance", run)
    if text is None:
        return None, None
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AimlabsRowError("aimlabs.row.bad_json", run=run, position=exc.pos) from exc
    except (ValueError, RecursionError) as exc:  # a 5,000-digit number, 100,000 nested arrays
        raise AimlabsRowError("aimlabs.row.performance_unreadable", run=run) from exc
    if not isinstance(parsed, dict):
        raise AimlabsRowError("aimlabs.row.performance_not_object", run=run)
    _refuse_non_finite(parsed, run)
    return parsed, text


def _refuse_non_finite(value: Any, run: str) -> None:
    """NaN/±Infinity anywhere (json accepts them, and 1e999) makes the row unsendable."""
    stack: list[Any] = [value]
    while stack:  # iterative: json.loads accepts nesting deeper than our recursion limit
        item = stack.pop()
        if isinstance(item, float):
            if not math.isfinite(item):
                _name_non_finite(value, run)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _name_non_finite(value: Any, run: str) -> None:
    """Raise for the first non-finite number in ``value``, named by its path (the walk above
    does not build the paths: they are needed only here)."""
    stack: list[tuple[str, Any]] = [("performance", value)]
    while stack:  # iterative: json.loads accepts nesting deeper than our recursion limit
        where, item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise AimlabsRowError("aimlabs.row.non_finite", run=run, field=where[:80], value=item)
        if isinstance(item, dict):
            stack.extend((f"{where}.{k}", v) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", v) for i, v in enumerate(item))


def _metrics(perf: Mapping[str, Any], perf_class: str | None) -> dict[str, Number]:
    table = _CLASSES.get(perf_class or "")
    metrics: dict[str, Number] = {}
    used: set[str] = set()
    if table is not None:
        for key, (name, kind) in table.items():
            number = _number(perf.get(key))
            if number is not None:
                metrics[name] = _scaled(number, kind)
                used.add(key)
        if perf_class == "SparData":
            used |= _bins(perf, metrics)
        _drop_empty_play_values(metrics)
    _extra_metrics(perf, used, metrics)
    return metrics


def _scaled(number: Number, kind: _Kind) -> Number:
    if kind == "percent":
        return number / 100
    if kind == "count" and isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def _bins(perf: Mapping[str, Any], metrics: dict[str, Number]) -> set[str]:
    """SparData's eight bins; a scalar ``accB3`` wins over ``accB[3]`` (they agree in practice)."""
    used: set[str] = set()
    for array_key, (prefix, kind) in _BINS.items():
        values = perf.get(array_key)
        if isinstance(values, list):
            used.add(array_key)
            for i, item in enumerate(values[:_MAX_BINS]):
                number = _number(item)
                if number is not None:
                    metrics[f"{prefix}{i}"] = _scaled(number, kind)
    for key, item in perf.items():
        match = _BIN_KEY.fullmatch(key) if isinstance(key, str) else None
        if match is None or int(match.group(2)) >= _MAX_BINS:
            continue
        used.add(key)
        prefix, kind = _BINS[match.group(1)]
        number = _number(item)
        if number is not None:
            metrics[f"{prefix}{int(match.group(2))}"] = _scaled(number, kind)
    return used


def _drop_empty_play_values(metrics: dict[str, Number]) -> None:
    """An empty play (no shot) reports accTotal 100, avgDist -1 and timePerKill 0: not facts."""
    if metrics.get("shots") == 0:
        metrics.pop("accuracy", None)
    if metrics.get("kills") == 0:
        metrics.pop("time_per_kill_s", None)
    distance = metrics.get("avg_distance")
    if distance is not None and distance < 0:
        metrics.pop("avg_distance")


def _extra_metrics(perf: Mapping[str, Any], used: set[str], metrics: dict[str, Number]) -> None:
    """Numeric top-level keys no table names, in snake_case; sorted so collisions are stable."""
    added = 0
    for key in sorted(k for k in perf if isinstance(k, str) and k not in used):
        if added >= _MAX_EXTRA_METRICS:
            break
        name = _snake_case(key)
        number = _number(perf[key])
        if number is None or not name or len(name) > _MAX_METRIC_NAME or name in metrics:
            continue
        metrics[name] = number
        added += 1


def _snake_case(key: str) -> str:
    """``avgTimeOn`` -> ``avg_time_on``, ``OTR`` -> ``otr``, ``accB0`` -> ``acc_b0``."""
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", key)
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    return re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower()


# ---- raw_json ----------------------------------------------------------------------------


def _raw_json(
    row: Mapping[str, Any],
    performance: dict[str, Any] | None,
    performance_text: str | None,
    run: str,
) -> dict[str, Any]:
    """The row for audit: performance parsed, sizes bounded, ``klutchId`` always present."""
    bounder = _Bounder()
    raw: dict[str, Any] = {}
    for column, value in row.items():
        name = str(column)
        if name == "performance":
            raw[name] = None  # filled in last, keeping the column order
            continue
        if isinstance(value, float) and not math.isfinite(value):
            raise AimlabsRowError("aimlabs.row.non_finite", run=run, field=name, value=value)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        elif value is not None and not isinstance(value, str | int | float):
            raise AimlabsRowError("aimlabs.row.bad_value", run=run, column=name, value=_show(value))
        raw[name] = bounder.bound(value, 1)
    raw.setdefault("klutchId", None)
    if "performance" in raw:
        # Last, so a huge JSON text cannot starve the identity columns of budget.
        if _fits_whole(performance, performance_text, bounder.budget):
            raw["performance"] = performance
        else:
            raw["performance"] = bounder.bound(performance, 1)
    if bounder.truncated:
        raw[_TRUNCATED_FLAG] = True
    return raw


def _fits_whole(value: dict[str, Any] | None, text: str | None, budget: int) -> bool:
    """Whether ``_Bounder.bound(value, 1)``, with ``budget`` left, would return an equal copy
    and cut nothing: then ``value`` itself can go into raw_json (every real row: a few hundred
    characters of flat JSON). Decided from the JSON ``text`` it was parsed from:

    * each unit the bounder charges stands for at least one character of the text (a string
      its characters and quotes, a number or a literal at least one character for at most 25,
      a container its two brackets for 2), so 25 per character cannot run out the budget;
    * text without a backslash has no escapes, so every string is a run of characters
      between two quotes: no run longer than ``_RAW_MAX_STR``, no string longer either;
    * nor a lone surrogate to replace: only an escape can make one (the text itself is valid
      UTF-8, see ``_text``);
    * what the text cannot bound, the containers' sizes and depth, is checked on the value.
    """
    if value is None or text is None or 25 * len(text) >= budget:
        return False
    if "\\" in text or _LONG_RUN.search(text) is not None:
        return False
    return _containers_fit(value, 1)


def _containers_fit(value: Any, depth: int) -> bool:
    """Every dict and list in ``value`` (at ``depth``) within the bounder's depth and sizes."""
    if isinstance(value, dict):
        if depth >= _RAW_MAX_DEPTH or len(value) > _RAW_MAX_KEYS:
            return False
        items: Any = value.values()
    elif isinstance(value, list):
        if depth >= _RAW_MAX_DEPTH or len(value) > _RAW_MAX_ITEMS:
            return False
        items = value
    else:
        return True
    return all(_containers_fit(v, depth + 1) for v in items if isinstance(v, dict | list))


class _Bounder:
    """Copies JSON values within depth, length and total-size limits; remembers if it cut."""

    def __init__(self) -> None:
        self.budget = _RAW_BUDGET
        self.truncated = False

    def bound(self, value: Any, depth: int) -> Any:
        if self.budget <= 0:
            self.truncated = True
            return None
        if isinstance(value, str):
            return self._text(value)
        if value is None or isinstance(value, bool):
            self.budget -= 5
            return value
        if isinstance(value, int):
            self.budget -= 20 if -(2**63) <= value < 2**63 else len(str(value))
            return value
        if isinstance(value, float):
            self.budget -= 25
            return value
        if depth >= _RAW_MAX_DEPTH:
            self.truncated = True
            return None
        if isinstance(value, list):
            if len(value) > _RAW_MAX_ITEMS:
                self.truncated = True
            self.budget -= 2
            return [self.bound(v, depth + 1) for v in value[:_RAW_MAX_ITEMS]]
        if isinstance(value, dict):
            if len(value) > _RAW_MAX_KEYS:
                self.truncated = True
            self.budget -= 2
            out: dict[str, Any] = {}
            for i, (k, v) in enumerate(value.items()):
                if i >= _RAW_MAX_KEYS:
                    break
                out[self._text(str(k))] = self.bound(v, depth + 1)
            return out
        self.truncated = True  # json.loads yields nothing else; keep the contract anyway
        return None

    def _text(self, value: str) -> str:
        if len(value) > _RAW_MAX_STR:
            self.truncated = True
            value = value[:_RAW_MAX_STR]
        self.budget -= len(value) + 2
        if value.isascii():
            return value
        # json.loads turns "\ud800" into a lone surrogate, which UTF-8 cannot carry.
        return value.encode("utf-8", "replace").decode("utf-8")
