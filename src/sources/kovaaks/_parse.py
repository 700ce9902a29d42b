"""Turn the bytes of one KovaaK's ``Stats.csv`` into a :class:`~aimcoach.messages.Record`.

The file is four blocks separated by blank lines (kill table, weapon table, summary, settings);
it is not one CSV table, values are never quoted and may contain commas. The reader goes
through the file once with ``str`` methods and a few small regexes (no ``csv`` module): the
kill rows are only counted, never split, the weapon rows are summed, and every ``Key:,value``
or ``Key,value`` line is split at its first comma. See the package docstring for the record it
builds and the reasons it refuses.

Pure: bytes in, a record or :class:`KovaaksParseError` out. No I/O, no logging, no config, no
clock, no system time zone.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import tzinfo
from functools import partial
from typing import Any

from aimcoach.errors import DigestError
from aimcoach.messages import Number, Record, make_record
from aimcoach.sources.kovaaks._errors import KovaaksParseError
from aimcoach.sources.kovaaks._names import (
    parse_stats_name,
    split_task_mode,
    utc_taken_at,
)

__all__ = ["RAW_JSON_BUDGET", "SUMMARY_METRICS", "parse_stats_file"]

_KILL_HEADER = "Kill #,"
_WEAPON_HEADER = "Weapon,Shots,Hits,Damage Done,Damage Possible"

# Summary key (colon removed) -> metric name. The server team reads these names: change them
# only with a note to them, since the names are part of the digest.
SUMMARY_METRICS: Mapping[str, str] = {
    "Kills": "kills",
    "Deaths": "deaths",
    "Fight Time": "fight_time_s",
    "Time Remaining": "time_remaining_s",
    "Avg TTK": "avg_ttk_s",
    "Total Overshots": "total_overshots",
    "Damage Taken": "damage_taken",
    "Hit Count": "hit_count",
    "Miss Count": "miss_count",
    "Midairs": "midairs",
    "Midaired": "midaired",
    "Directs": "directs",
    "Directed": "directed",
    "Reloads": "reloads",
    "Distance Traveled": "distance_traveled",
    "MBS Points": "mbs_points",
    "Pause Count": "pause_count",
    "Pause Duration": "pause_duration_s",
    "Avg Target Scale": "avg_target_scale",
    "Avg Time Dilation": "avg_time_dilation",
}
# Summary keys read as numbers but not turned into metrics: the score has its own field, and the
# weapon table already gives damage done (the summary line repeats its sum).
_SUMMARY_NUMBERS = ("Score", "Damage Done")
_SUMMARY_TEXT = ("Scenario", "Hash", "Game Version", "Challenge Start")
_SUMMARY_KEYS = frozenset((*SUMMARY_METRICS, *_SUMMARY_NUMBERS, *_SUMMARY_TEXT))

# raw_json is for audit, not analysis: keep it small whatever the file holds. The budget is in
# characters of json.dumps output (ASCII-escaped, the worst case); strings are clipped too.
RAW_JSON_BUDGET = 6000
_MAX_TEXT = 255
_WEAPON_KEYS_COST = 71  # keys and punctuation of one weapon entry, numbers and name aside

_FLOAT_RE = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", re.ASCII)
_INT_RE = re.compile(r"[-+]?\d+", re.ASCII)
_NON_FINITE = frozenset({"nan", "inf", "infinity"})
_MAX_SAFE_INT = 2**53  # beyond it a JSON number loses precision in the server's JavaScript
_MAX_INT_DIGITS = 4000  # below Python's int-from-str limit, far above any real count
_TIME_RE = re.compile(r"(\d{1,2}):(\d\d):(\d\d)(?:\.(\d{1,6}))?", re.ASCII)
_DAY_US = 86_400_000_000
_SHOWN = 40  # how much of a bad value an error message repeats


@dataclass(frozen=True, slots=True)
class _Weapon:
    name: str
    shots: Number
    hits: Number
    damage_done: Number
    damage_possible: Number


@dataclass(slots=True)
class _Content:
    kill_rows: int
    weapons: list[_Weapon] | None  # None: no weapon table header at all
    summary: dict[str, str]  # key without colon -> value
    other: dict[str, str]  # settings block and unknown keys, in file order, first wins
    key_values: str = ""  # the text of the key/value blocks, LF line ends
    first_line: int = 0  # 0-based line index of its first line in the file

    def line(self, key: str) -> int:
        """The 1-based line of ``key``'s first key/value line (for error messages only)."""
        for index, line in enumerate(self.key_values.split("\n")):
            if _key_value(line)[0] == key:
                return self.first_line + index + 1
        return 0


def _shown(value: str) -> str:
    """A bad value as an error message may repeat it: short, printable."""
    clipped = value[:_SHOWN] + ("…" if len(value) > _SHOWN else "")
    return "".join(c if c.isprintable() else "?" for c in clipped)


Line = int | Callable[[], int]
"""A 1-based line number, or how to find it: looked up only for an error message."""


def _lineno(line: Line) -> int:
    return line if isinstance(line, int) else line()


def _number(value: str, field: str, line: Line, file: str) -> Number:
    """A number exactly as KovaaK's writes them: ASCII digits, optional sign, point, exponent."""
    if value.isdigit() and value.isascii() and len(value) < 16:  # most counts: no regex needed
        return int(value)
    if _INT_RE.fullmatch(value):
        if len(value) <= _MAX_INT_DIGITS:
            n = int(value)
            if -_MAX_SAFE_INT <= n <= _MAX_SAFE_INT:
                return n
        raise KovaaksParseError("kovaaks.unrepresentable", file=file, field=field)
    if _FLOAT_RE.fullmatch(value):
        f = float(value)
        if math.isfinite(f):
            return f
        raise KovaaksParseError(
            "kovaaks.non_finite", file=file, line=_lineno(line), field=field, value=_shown(value)
        )
    if value.lower().lstrip("+-") in _NON_FINITE:
        raise KovaaksParseError(
            "kovaaks.non_finite", file=file, line=_lineno(line), field=field, value=_shown(value)
        )
    raise KovaaksParseError(
        "kovaaks.bad_number", file=file, line=_lineno(line), field=field, value=_shown(value)
    )


def _time_of_day_us(value: str, field: str, line: Line, file: str) -> int:
    """``HH:MM:SS.mmm`` -> microseconds since midnight."""
    match = _TIME_RE.fullmatch(value)
    if match is not None:
        h, m, s = int(match[1]), int(match[2]), int(match[3])
        if h < 24 and m < 60 and s < 60:
            frac = int((match[4] or "").ljust(6, "0"))
            return ((h * 60 + m) * 60 + s) * 1_000_000 + frac
    raise KovaaksParseError(
        "kovaaks.bad_time", file=file, line=_lineno(line), field=field, value=_shown(value)
    )


def _weapon(line: str, lineno: int, file: str) -> _Weapon:
    """``<name>,<shots>,<hits>,<done>,<possible>,`` + never-filled columns.

    The four numbers are the ones just before the first empty column (the header's blank
    column): a weapon name with an unquoted comma still reads right.
    """
    fields = line.split(",")
    if len(fields) < 5:
        raise KovaaksParseError("kovaaks.bad_weapon_row", file=file, line=lineno)
    try:
        cut = fields.index("", 5)
    except ValueError:
        cut = 5
    shots, hits, done, possible = fields[cut - 4 : cut]
    return _Weapon(
        name=",".join(fields[: cut - 4]),
        shots=_number(shots, "Shots", lineno, file),
        hits=_number(hits, "Hits", lineno, file),
        damage_done=_number(done, "Damage Done", lineno, file),
        damage_possible=_number(possible, "Damage Possible", lineno, file),
    )


# Blank lines ("blank": empty or whitespace only, as str.isspace says; re's \s is the same
# class), at the start of the file or between two blocks.
_LEADING_BLANKS = re.compile(r"(?:[^\S\n]*\n)*")
# The line that ends the kill table: a blank line, or the weapon header. Matched at the "\n"
# before it; CRLF needs no care here ("\r" is whitespace, and a header starts after "\n").
_KILLS_END = re.compile(r"\n(?:[^\S\n]*(?:\n|\Z)|" + re.escape(_WEAPON_HEADER) + ")")
# The blank line that ends the weapon table, matched at the "\n" before it.
_BLANK_LINE = re.compile(r"\n[^\S\n]*(?:\n|\Z)")


def _key_value(line: str) -> tuple[str | None, str]:
    """A key/value line: ``Key:,value`` or ``Key,value``, split at its first comma, one trailing
    colon dropped from the key (2.0.3/2.0.4 write Resolution, Avg FPS, ... without it). A line
    without a comma is none (key None): a blank line, or a line cut short by a crash (the
    Score/Scenario checks catch the rest)."""
    key, sep, value = line.partition(",")
    if not sep:
        return None, ""
    return (key[:-1] if key.endswith(":") else key), value


def _scan(text: str, file: str) -> _Content:
    """The four blocks, in file order, each read with as few Python steps as it allows.

    Blank lines may come first. The kill table, most of a clicking run's lines, is only
    counted: one regex search finds its end (a blank line or the weapon header) and
    ``str.count`` its rows. The weapon rows, a handful, are read one by one. What follows is
    key/value lines: the summary and the settings, told apart by key, not by position, so a
    missing blank line between them loses nothing; each is split at its first comma.
    """
    leading = _LEADING_BLANKS.match(text)  # always a match, if only an empty one
    start = leading.end() if leading else 0
    if not text.startswith(_KILL_HEADER, start):
        raise KovaaksParseError("kovaaks.not_stats_content", file=file)
    header_end = text.find("\n", start)
    end = _KILLS_END.search(text, header_end) if header_end >= 0 else None
    if end is None:  # kill rows to the last line: a file cut short (the caller says so)
        to_end = text.count("\n", header_end) if header_end >= 0 else 0
        return _Content(kill_rows=to_end, weapons=None, summary={}, other={})
    kill_rows = text.count("\n", header_end, end.start())
    first = end.start() + 1
    first_line = text.count("\n", 0, first)
    # CRLF, LF and the mixed endings of 3.8+ (CRLF tables, LF key/value blocks) all become LF
    # here, so no value keeps a trailing "\r" and both forms of a file give one digest.
    rest = text[first:].replace("\r\n", "\n")
    at = 0
    if not rest.startswith(_WEAPON_HEADER):  # the kill table ended with a blank line
        blanks = _LEADING_BLANKS.match(rest)
        at = blanks.end() if blanks else 0
    weapons: list[_Weapon] | None = None
    if rest.startswith(_WEAPON_HEADER, at):
        table_end = _BLANK_LINE.search(rest, at)
        stop = table_end.start() if table_end else len(rest)
        header_line = first_line + rest.count("\n", 0, at)
        rows = rest[at:stop].split("\n")[1:]
        weapons = [_weapon(row, header_line + i, file) for i, row in enumerate(rows, 2)]
        at = stop + 1
    key_values = rest[at:]
    summary: dict[str, str] = {}
    other: dict[str, str] = {}
    for line in key_values.split("\n"):  # _key_value, inlined: this is the hot loop
        key, sep, value = line.partition(",")
        if not sep:
            continue
        if key.endswith(":"):
            key = key[:-1]
        target = summary if key in _SUMMARY_KEYS else other
        if key not in target:  # a key written twice: its first value wins
            target[key] = value
    return _Content(
        kill_rows=kill_rows,
        weapons=weapons,
        summary=summary,
        other=other,
        key_values=key_values,
        first_line=first_line + rest.count("\n", 0, at),
    )


def _cost(text: str) -> int:
    if text.isascii() and text.isprintable():
        return len(text) + 2
    return len(json.dumps(text))


def _fits_whole(other: Mapping[str, str], budget: int) -> bool:
    """True when every setting goes into raw_json as it is, by the rules of the loop in
    :func:`_raw_json` (no clipping, the sum of the :func:`_cost` of each key and value, plus 4,
    within the budget), worked out without a call per string: the common case."""
    text = "".join(other) + "".join(other.values())
    return (
        text.isascii()
        and text.isprintable()
        and len(text) + 8 * len(other) <= budget
        and max(map(len, other), default=0) <= _MAX_TEXT
        and max(map(len, other.values()), default=0) <= _MAX_TEXT
    )


def _raw_json(file: str, content: _Content, summary_text: Mapping[str, str]) -> dict[str, Any]:
    raw: dict[str, Any] = {"file_name": file[:_MAX_TEXT]}
    for key, name in (
        ("Game Version", "game_version"),
        ("Hash", "hash"),
        ("Challenge Start", "challenge_start"),
    ):
        if key in summary_text:
            raw[name] = summary_text[key][:_MAX_TEXT]
    raw["kill_rows"] = content.kill_rows
    budget = RAW_JSON_BUDGET - sum(_cost(v) + 24 for v in raw.values() if isinstance(v, str))
    truncated = False
    weapons: list[dict[str, Any]] = []
    for w in content.weapons or ():
        name = w.name[:_MAX_TEXT]
        numbers = (w.shots, w.hits, w.damage_done, w.damage_possible)
        budget -= _WEAPON_KEYS_COST + _cost(name) + sum(len(repr(n)) for n in numbers)
        if budget < 0:
            truncated = True
            break
        weapons.append(
            {
                "name": name,
                "shots": w.shots,
                "hits": w.hits,
                "damage_done": w.damage_done,
                "damage_possible": w.damage_possible,
            }
        )
    raw["weapons"] = weapons
    settings: dict[str, str] = {}
    other = content.other
    if not truncated and _fits_whole(other, budget):
        settings = dict(other)
    elif not truncated:
        for key, value in other.items():
            k, v = key[:_MAX_TEXT], value[:_MAX_TEXT]
            budget -= _cost(k) + _cost(v) + 4
            if budget < 0:
                truncated = True
                break
            settings[k] = v
    raw["settings"] = settings
    if truncated:
        raw["truncated"] = True
    return raw


def _check_complete(content: _Content, file: str) -> None:
    """Refuse a file that stops before its end, so a half-written file never becomes a record
    (the finished file would be read again and give a second record of the same run).

    Every game version ends the file with the settings block and a newline: 1.0.8 and 2.0.1 end
    with ``Crosshair Color:``, 2.0.3 and later with ``Resolution Scale`` after ``Resolution``
    (all 16 real samples in shared/samples, checked by hand).
    """
    settings = content.other
    if "Crosshair Color" not in settings:
        raise KovaaksParseError("kovaaks.truncated", file=file, missing="Crosshair Color:")
    if "Resolution" in settings and "Resolution Scale" not in settings:
        raise KovaaksParseError("kovaaks.truncated", file=file, missing="Resolution Scale")


def parse_stats_file(data: bytes, name: str, tz: tzinfo, *, source_key: str = "") -> Record:
    """Parse one stats file; see the package docstring. Raises only :class:`KovaaksParseError`."""
    parsed = parse_stats_name(name)
    file = parsed.file_name
    if not data:
        raise KovaaksParseError("kovaaks.empty", file=file)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise KovaaksParseError("kovaaks.nul_bytes", file=file, offset=nul)
    # No sample holds a non-ASCII byte; names are user-authored, so read UTF-8 (a BOM is
    # dropped) and let a stray byte become U+FFFD rather than lose the run.
    text = data.decode("utf-8-sig", errors="replace")
    if not text or text.isspace():
        raise KovaaksParseError("kovaaks.empty", file=file)
    content = _scan(text, file)
    summary = content.summary
    if not text.endswith("\n"):
        raise KovaaksParseError("kovaaks.truncated_line", file=file)
    for required in ("Score", "Scenario", "Game Version"):
        if required not in summary:
            raise KovaaksParseError("kovaaks.truncated", file=file, missing=required + ":")
    _check_complete(content, file)
    if not content.weapons:
        raise KovaaksParseError("kovaaks.no_weapon_table", file=file)

    weapons = content.weapons
    shots: Number = sum(w.shots for w in weapons)
    hits: Number = sum(w.hits for w in weapons)
    done: Number = sum(w.damage_done for w in weapons)
    possible: Number = sum(w.damage_possible for w in weapons)
    metrics: dict[str, Number] = {"shots": shots, "hits": hits}
    if shots > 0:
        metrics["accuracy"] = hits / shots
    metrics["damage_done"] = done
    metrics["damage_possible"] = possible
    if possible > 0:
        metrics["efficiency"] = done / possible
    for key, metric in SUMMARY_METRICS.items():
        text_value = summary.get(key)
        if text_value is None:
            continue
        value = _number(text_value, key, partial(content.line, key), file)
        # 2.0.3.x writes a constant "Avg TTK:,0" (all 1268 files of one player); an average
        # time between kills cannot be 0, so 0 means "not measured" and is left out.
        if metric == "avg_ttk_s" and value == 0:
            continue
        metrics[metric] = value
    score = float(_number(summary["Score"], "Score", partial(content.line, "Score"), file))
    if "Damage Done" in summary:  # not a metric, but a broken one means a broken file
        _number(summary["Damage Done"], "Damage Done", partial(content.line, "Damage Done"), file)
    if "Challenge Start" in summary:
        start = _time_of_day_us(
            summary["Challenge Start"],
            "Challenge Start",
            partial(content.line, "Challenge Start"),
            file,
        )
        local = parsed.local
        end = ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000
        span = end - start
        if span < 0:
            # The name has whole seconds and Challenge Start has milliseconds: under a second
            # "before" the start is the same second; anything more crossed midnight.
            span = 0 if span > -1_000_000 else span + _DAY_US
        metrics["duration_s"] = span / 1_000_000

    summary_text = {key: summary[key] for key in _SUMMARY_TEXT if key in summary}
    task, mode = split_task_mode(parsed.stem, summary_text["Scenario"])
    try:
        return make_record(
            provider="kovaaks",
            task=task,
            mode=mode,
            taken_at=utc_taken_at(parsed, tz),
            metrics=metrics,
            score=score,
            raw_json=_raw_json(file, content, summary_text),
            source_key=source_key,
        )
    except DigestError as exc:  # e.g. weapon sums that overflow to infinity
        raise KovaaksParseError(
            "kovaaks.unrepresentable", file=file, field=str(exc.params.get("field", "?"))
        ) from exc
