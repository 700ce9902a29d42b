"""The KovaaK's reader: the bytes of one ``… Stats.csv`` in, one :class:`Record` out.

Pure: it never opens files, logs, reads configuration, the clock or the system time zone. The
caller (the parser worker) reads the bytes, passes the player's time zone, and quarantines a
file on :class:`KovaaksParseError`, the only exception :func:`parse_stats_file` raises. The
format is described in shared/reference/kovaaks-stats-csv.md (four blank-line-separated blocks:
kill table, weapon table, summary, settings; game versions 1.0.8 to 3.9.x).

The record
----------
``provider``  ``"kovaaks"``.
``task``      the ``Scenario:`` value exactly as the game wrote it, after the first comma (it may
              contain commas, `` - ``, ``%``, ``+``, ``!``), line ending removed. A trailing space
              is kept: the game writes it in the file name too (``Pasu Voltaic Silver  - …``),
              so it is part of the scenario's name. If ``Scenario:`` is empty, the file name's
              scenario part.
``mode``      the part of the file name between the scenario and the timestamp (``Challenge``);
              absent for the mode-less form ``NVBatch02LatencyFrenzy - 2021.12.15-00.14.51
              Stats.csv``.
``taken_at``  the file-name timestamp (local wall clock at the END of the run) converted to UTC
              with the ``tz`` argument and that date's rules, as ``YYYY-MM-DDTHH:MM:SSZ``. A
              local time that happened twice (DST ends) or never (DST starts) is read with
              ``fold=0``: the first of the two; a skipped time uses the offset in force before
              the jump.
``score``     ``Score:`` as written, a float (its meaning depends on the scenario).

``metrics`` (only keys that can be computed from the file; counts are integers):

=====================  ======================================================================
``shots``, ``hits``    sums over the weapon table (kill rows miss shots after the last kill;
                       for tracking scenarios "shots" are damage ticks)
``accuracy``           hits / shots, 0–1; omitted when shots is 0
``damage_done``        sum of weapon ``Damage Done`` (units vary by scenario)
``damage_possible``    sum of weapon ``Damage Possible``
``efficiency``         damage_done / damage_possible; omitted when damage_possible is 0
``duration_s``         file-name time − ``Challenge Start:`` (time of day; + 24 h when the run
                       crossed midnight; less than a second "negative" counts as 0 because the
                       name has whole seconds). Omitted before 2.0.3 (no ``Challenge Start``)
``kills``              ``Kills:`` (not the kill-row count: rows can be numbered 0)
``deaths``             ``Deaths:``
``fight_time_s``       ``Fight Time:``: the sum of the kill rows' TTK, not the run length
``time_remaining_s``   ``Time Remaining:`` (3.x)
``avg_ttk_s``          ``Avg TTK:``; omitted when 0, since 2.0.3.x always writes 0 there and a
                       real average cannot be 0
``total_overshots``    ``Total Overshots:`` (3.x): shots at targets already dead
``damage_taken``       ``Damage Taken:``
``hit_count``          ``Hit Count:`` (3.x)
``miss_count``         ``Miss Count:`` (3.x)
``midairs``            ``Midairs:``
``midaired``           ``Midaired:``
``directs``            ``Directs:``
``directed``           ``Directed:``
``reloads``            ``Reloads:`` (3.x)
``distance_traveled``  ``Distance Traveled:`` (game units)
``mbs_points``         ``MBS Points:`` (3.x)
``pause_count``        ``Pause Count:`` (3.x)
``pause_duration_s``   ``Pause Duration:`` (3.x; 0 in every sample, so the unit is assumed)
``avg_target_scale``   ``Avg Target Scale:`` (3.9)
``avg_time_dilation``  ``Avg Time Dilation:`` (3.9)
=====================  ======================================================================

Summary keys not listed here (a future version's) are not metrics; like the settings block they
land in ``raw_json.settings``. Metric names are part of the digest: renaming or adding one makes
a re-read file look like a new run, so changes need a note to the server team.

``raw_json`` (audit, bounded to about 6 KB): ``file_name``, ``game_version``, ``hash``,
``challenge_start`` (when present), ``kill_rows`` (how many, never the rows), ``weapons`` (name,
shots, hits, damage_done, damage_possible per row, unused weapons included), ``settings`` (the
settings block and any unknown key, key without colon → string value), and ``truncated: true``
if the budget cut something off.

Refused files (:class:`KovaaksParseError`, ``key`` is the reason):
``kovaaks.bad_name`` not a stats file name; ``kovaaks.bad_name_time`` a timestamp that is no real
time; ``kovaaks.empty``; ``kovaaks.nul_bytes`` (a crash while saving);
``kovaaks.not_stats_content`` no kill table header first; ``kovaaks.truncated`` no ``Score:`` or
``Scenario:``; ``kovaaks.no_weapon_table``; ``kovaaks.bad_weapon_row``; ``kovaaks.bad_number``;
``kovaaks.non_finite``; ``kovaaks.bad_time`` (``Challenge Start``); ``kovaaks.unrepresentable``
(a number JSON cannot carry exactly).
"""

from __future__ import annotations

from aimcoach.sources.kovaaks._errors import KovaaksParseError
from aimcoach.sources.kovaaks._names import is_stats_file_name
from aimcoach.sources.kovaaks._parse import SUMMARY_METRICS, parse_stats_file

__all__ = ["SUMMARY_METRICS", "KovaaksParseError", "is_stats_file_name", "parse_stats_file"]
