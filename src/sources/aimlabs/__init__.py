"""Aim Lab: read finished runs from the game's ``klutch.bytes`` SQLite database.

:func:`read_new` returns the ``TaskData`` rows after a cursor as records (and problems for rows
that cannot become one); :func:`parse_row` is the pure row -> record step. This package never
logs, reads configuration or opens anything but the database it is given; policy (when to read,
where the file is, what to do with problems) belongs to the Aim Lab actor. Format notes:
shared/reference/aimlab-klutch-bytes.md.

What a record holds (for the server team)
=========================================

``provider`` "aimlabs"; ``task`` = ``taskName`` (the task id, e.g. ``gridshot`` or
``CsLevel.VT Empyrean.VT Waves.R8S37J``); ``mode`` = ``mode`` and ``map`` = ``aimlab_map`` as
strings (``"42"`` for custom tasks), absent when NULL; ``score`` = ``score`` as written (can be
negative); ``taken_at`` = ``createDate``, which the game writes in UTC (``2024-01-27 22:19:02``
-> ``2024-01-27T22:19:02Z``). A row whose ``createDate`` is NULL, unparseable or C#'s
``0001-01-01 00:00:00`` is a problem, not a record. ``startedAt`` / ``endedAt`` holding that
value or NULL just mean "unknown".

``metrics`` come from the JSON in ``performance``; which keys exist depends on
``performanceClass``. Only keys present in the row appear. Shared names mean what they mean for
KovaaK's.

=================  =================  ==========================================================
performance key    metric             notes
=================  =================  ==========================================================
shotsTotal         shots              every known class; in tracking tasks, samples (~100/s)
hitsTotal          hits               whole number (the game writes 77.0 or 77)
missesTotal        misses
killTotal          kills
targetsTotal       targets
accTotal           accuracy           0-1 ratio: the stored percentage / 100, never recomputed;
                                      left out when shots = 0 (the game writes 100 there)
headshots          headshots          CSTask
bodyshots          bodyshots          CSTask; counts hits, so it can exceed kills
damageTotal        damage_total       CSTask; Aim Lab's unit, not comparable to damage_done
timePerKill        time_per_kill_s    CSTask; left out when kills = 0 (the game writes 0)
avgDist            avg_distance       CSTask; unit unknown; left out when negative (-1 = none)
rtTotal            reaction_time_ms   SparData
killsPerSec        kills_per_s        SparData
accB0..accB7       accuracy_bin_0..7  SparData; 0-1 ratio; scalar keys win over the accB array
rtB0..rtB7         reaction_time_ms_  SparData; ``reaction_time_ms_bin_0..7``; the game writes
                   bin_0..7           the string "0" for an empty bin: it is read as 0
OTR                otr                TrackData (key list not confirmed by a real row)
avgTimeOn/Off      avg_time_on/off    TrackData; unit unknown
maxTimeOn/Off      max_time_on/off    TrackData; unit unknown
missUp, …          miss_up, …         TrackData: miss_up_left, miss_up_right, miss_left,
                                      miss_right, miss_down, miss_down_left, miss_down_right
(startedAt,        duration_s         endedAt - startedAt in seconds, when both are real times
 endedAt)
=================  =================  ==========================================================

Any other numeric top-level key (numbers, or numeric strings such as "0") becomes a metric under
its own name in snake_case (``killsPerMin`` -> ``kills_per_min``), unless a name above is taken.
For a ``performanceClass`` not listed (or NULL), every numeric top-level key is taken that way
and nothing is rescaled: ``accTotal`` -> ``acc_total``, still a percentage. Integers beyond
2**53 are not metrics (a JavaScript reader could not get them back exactly).

``raw_json`` is the whole row, every column by its declared name (``appId`` in 2025 builds,
``klutchId`` always present: one database can hold several accounts), with ``performance``
replaced by the parsed JSON object, so the original ``accTotal`` percentage stays there. It is
bounded: strings are cut at 512 characters, arrays at 64 items, objects at 128 keys, nesting at 6
levels and the whole at roughly 32 KB; ``"_truncated": true`` says something was cut.

A row becomes a :class:`RowProblem` (and the others keep flowing) when ``performance`` is not a
JSON object, anything in the row is NaN or ±Infinity, ``taskName`` is missing, ``createDate`` is
unusable, or a column holds a value of the wrong type.
"""

from __future__ import annotations

from aimcoach.sources.aimlabs._errors import AimlabsBusyError, AimlabsError, AimlabsRowError
from aimcoach.sources.aimlabs._parse import COLUMNS_2023, COLUMNS_2025, parse_row
from aimcoach.sources.aimlabs._reader import (
    SQLITE_HEADER,
    AimlabsBatch,
    AimlabsCursor,
    RowProblem,
    read_new,
)

__all__ = [
    "COLUMNS_2023",
    "COLUMNS_2025",
    "SQLITE_HEADER",
    "AimlabsBatch",
    "AimlabsBusyError",
    "AimlabsCursor",
    "AimlabsError",
    "AimlabsRowError",
    "RowProblem",
    "parse_row",
    "read_new",
]
