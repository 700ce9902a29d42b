"""Realistic KovaaK's ``Stats.csv`` files and Aim Lab ``klutch.bytes`` databases, made by us.

The shapes follow ../shared/reference (the formats of game versions 2.0.3 and 3.5–3.9, the
2023–24 TaskData schema); every value is generated from a seeded ``random.Random``, so the same
seed always writes the same bytes. Used by ``bin/demo`` (examples/), the benchmarks and the soak
test. Not used by the agent itself.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

__all__ = [
    "AIMLAB_DDL",
    "KovaaksRun",
    "kovaaks_bytes",
    "make_aimlab_db",
    "random_kovaaks_run",
    "write_kovaaks_files",
]

_SCENARIOS = [
    ("1wall 6targets small", "clicking"),
    ("Tile Frenzy - Standard - 01", "clicking"),
    ("VT Pasu Intermediate S5", "clicking"),
    ("Close Long Strafes Invincible", "tracking"),
    ("Air Angelic 4 Voltaic Easy", "tracking"),
    ("Smoothbot Goated 50% Smaller", "tracking"),
    ("reflex micro++ flick", "clicking"),
    ("B180 30% Smaller 3-Click", "clicking"),
    ("Controlsphere Far, Far Larger 90%", "tracking"),
    ("Happy Easter!", "clicking"),
]
_VERSIONS = [
    "2.0.3.2",
    "3.5.4.2024-05-24-14-41-42-7f44301bd0",
    "3.9.9.2026-09-08-13-49-08-01c79144c86c",
]


@dataclass(frozen=True, slots=True)
class KovaaksRun:
    file_name: str
    scenario: str
    end: datetime
    version: str
    kills: int
    shots: int
    hits: int


def kovaaks_bytes(
    rng: random.Random, end: datetime, scenario: str, kind: str, version: str, kills: int
) -> tuple[bytes, KovaaksRun]:
    """One Stats.csv in the layout of ``version`` (CRLF tables; 3.x uses LF key blocks)."""
    v3 = not version.startswith("2.")
    tracking = kind == "tracking"
    weapon = "Track Master 100" if tracking else "pistol"
    duration = rng.uniform(58.0, 62.0)
    start = end - timedelta(seconds=duration)
    per_kill_shots = [rng.randint(30, 120) if tracking else rng.randint(1, 3) for _ in range(kills)]
    extra = rng.randint(0, 400 if tracking else 5)
    shots = (
        sum(per_kill_shots) + extra + (rng.randint(3000, 6000) if tracking and kills == 0 else 0)
    )
    hits = kills if not tracking else int(shots * rng.uniform(0.3, 0.8))
    dmg_hit, dmg_shot = (1.0, 1.0) if tracking else (25.0, 50.0)

    def fmt(x: float) -> str:
        return f"{x:.6f}" if v3 else f"{x:g}"

    kill_header = (
        "Kill #,Timestamp,Bot,Weapon,TTK,Shots,Hits,Accuracy,Damage Done,"
        "Damage Possible,Efficiency,Cheated" + (",OverShots" if v3 else "")
    )
    table = [kill_header]
    t = start
    for i, ks in enumerate(per_kill_shots, 1):
        t += timedelta(seconds=duration / (kills + 1))
        kh = 1 if not tracking else max(1, int(ks * 0.6))
        row = [
            str(i),
            t.strftime("%H:%M:%S.") + f"{t.microsecond // 1000:03d}",
            "Bot 1",
            weapon,
            fmt(rng.uniform(0, 2)) + "s",
            str(ks),
            str(kh),
            fmt(kh / ks),
            fmt(kh * dmg_hit),
            fmt(ks * dmg_shot),
            fmt(kh * dmg_hit / (ks * dmg_shot)),
            "0" if v3 else "false",
        ]
        if v3:
            row.append("0")
        table.append(",".join(row))
    table.append("")
    whead = (
        "Weapon,Shots,Hits,Damage Done,Damage Possible,,Sens Scale,Horiz Sens,Vert Sens,FOV,"
        "Hide Gun,Crosshair,Crosshair Scale,Crosshair Color,ADS Sens,ADS Zoom Scale"
    )
    if version.startswith("3.9"):
        whead += ",Avg Target Scale,Avg Time Dilation"
    table += [whead, f"{weapon},{shots},{hits},{hits * dmg_hit:.1f},{shots * dmg_shot:.1f},", ""]
    score = float(hits) if tracking else kills * 1.0 + rng.random()
    summary = [f"Kills:,{kills}", "Deaths:,0", f"Fight Time:,{rng.uniform(10, 60):.6f}"]
    if v3:
        summary.append("Time Remaining:,0.0")
    summary += [
        f"Avg TTK:,{0 if not v3 else duration / max(kills, 1):.6f}",
        f"Damage Done:,{hits * dmg_hit:.1f}",
    ]
    if v3:
        summary += ["Total Overshots:,0"]
    summary += ["Damage Taken:,0.0"]
    if v3:
        summary += [f"Hit Count:,{hits}", f"Miss Count:,{shots - hits}"]
    summary += ["Midairs:,0", "Midaired:,0", "Directs:,0", "Directed:,0"]
    if v3:
        summary += ["Reloads:,0"]
    summary += ["Distance Traveled:,0.0"]
    if v3:
        summary += ["MBS Points:,0.0"]
    summary += [
        f"Score:,{score:.6f}",
        f"Scenario:,{scenario}",
        f"Hash:,{rng.getrandbits(128):032x}",
        f"Game Version:,{version}",
        "Challenge Start:," + start.strftime("%H:%M:%S.") + f"{start.microsecond // 1000:03d}",
    ]
    if v3:
        summary += ["Pause Count:,0", "Pause Duration:,0"]
    if version.startswith("3.9"):
        summary += ["Avg Target Scale:,1.0", "Avg Time Dilation:,1.0"]
    summary.append("")
    settings = [
        "Input Lag:,0",
        "Max FPS (config):,240.0",
        "Sens Scale:,Valorant",
        "Horiz Sens:,0.35",
        "Vert Sens:,0.35",
        "FOV:,103.0",
        "Hide Gun:,false",
        "Crosshair:,dot.png",
        "Crosshair Scale:,1.0",
        "Crosshair Color:," + ("000000FF" if v3 else "FFFFFF"),
    ]
    res = (
        ["Resolution:,1920x1080", "Avg FPS:,239.5", "Resolution Scale:,100.0"]
        if v3
        else ["Resolution,1920x1080", "Avg FPS,239.5", "Resolution Scale,100.0"]
    )
    settings += res
    if v3:
        text = "\r\n".join(table) + "\r\n" + "\n".join(summary) + "\n" + "\n".join(settings) + "\n"
    else:
        text = "\r\n".join(table + summary + settings) + "\r\n"
    name = f"{scenario} - Challenge - {end.strftime('%Y.%m.%d-%H.%M.%S')} Stats.csv"
    return text.encode("utf-8"), KovaaksRun(name, scenario, end, version, kills, shots, hits)


def random_kovaaks_run(rng: random.Random, end: datetime) -> tuple[bytes, KovaaksRun]:
    """One stats file of a run that ended at ``end``: a scenario (tracking or clicking), a game
    version (2.0 to 3.9) and 0-200 kills drawn from ``rng``."""
    scenario, kind = rng.choice(_SCENARIOS)
    kills = 0 if (kind == "tracking" and rng.random() < 0.5) else rng.randint(1, 200)
    return kovaaks_bytes(rng, end, scenario, kind, rng.choice(_VERSIONS), kills)


def write_kovaaks_files(
    folder: Path,
    n: int,
    *,
    seed: int = 1,
    start: datetime = datetime(2025, 1, 1, 12, 0, 0),
    mtime: Literal["end", "now"] = "end",
) -> list[KovaaksRun]:
    """Write ``n`` stats files into ``folder`` (one run ends every 70-600 s of play time).

    ``mtime="end"`` dates each file at the end of its run (a folder of old runs, as after an
    install); ``"now"`` leaves the time of writing, as the game does when a run ends (live
    tests and benchmarks).
    """
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    runs = []
    end = start
    for _ in range(n):
        end += timedelta(seconds=rng.randint(70, 600))
        data, run = random_kovaaks_run(rng, end)
        path = folder / run.file_name
        with open(path, "wb") as f:
            f.write(data)
        if mtime == "end":
            ts = end.timestamp()
            os.utime(path, (ts, ts))
        runs.append(run)
    return runs


AIMLAB_DDL = """CREATE TABLE "TaskData"(
"taskId" integer primary key autoincrement not null , "klutchId" varchar(140) ,
"createDate" datetime , "taskName" varchar(140) , "score" integer , "mode" integer ,
"aimlab_map" integer , "aimlab_version" varchar(140) , "weaponType" varchar(140) ,
"weaponName" varchar(140) , "performanceClass" varchar(140) , "workshopId" varchar(140) ,
"performance" varchar(140) , "playId" varchar(140) , "startedAt" datetime ,
"endedAt" datetime , "hasReplay" integer , "weaponSkin" varchar(140) )"""

_AIMLAB_TASKS = [
    "gridshot",
    "spidershot",
    "sixshot",
    "microshot",
    "CsLevel.VT Empyrean.VT Pasu.R2X8QK",
    "CsLevel.aimlab.staticcl.RLI9D7",
]


def _performance(rng: random.Random, cls: str) -> dict[str, object]:
    shots = rng.randint(60, 250)
    hits = rng.randint(shots // 2, shots)
    if cls == "SparData":
        acc = [float(rng.randint(40, 100)) for _ in range(8)]
        rt: list[object] = [rng.uniform(250, 650) for _ in range(6)] + ["0", "0"]
        return {
            "accB": acc,
            "rtB": rt,
            "accTotal": round(100 * hits / shots, 5),
            "rtTotal": rng.uniform(300, 500),
            "targetsTotal": shots,
            "shotsTotal": shots,
            "killsPerSec": rng.uniform(0.5, 3),
            "killTotal": hits,
        }
    return {
        "shotsTotal": shots,
        "hitsTotal": float(hits),
        "missesTotal": float(shots - hits),
        "avgDist": rng.uniform(10, 30),
        "damageTotal": float(hits),
        "timePerKill": rng.uniform(0.4, 1.2),
        "accTotal": round(100 * hits / shots, 5),
        "killTotal": hits,
        "headshots": 0,
        "bodyshots": hits,
        "targetsTotal": hits + 1,
    }


def make_aimlab_db(
    path: Path,
    rows: int,
    *,
    seed: int = 1,
    first_id: int = 1,
    start: datetime = datetime(2025, 1, 1, 12, 0, 0),
) -> None:
    """Create (or extend) a klutch.bytes-shaped SQLite database with ``rows`` TaskData rows."""
    rng = random.Random(seed * 7919 + first_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    try:
        con.execute(
            AIMLAB_DDL.replace('CREATE TABLE "TaskData"', 'CREATE TABLE IF NOT EXISTS "TaskData"')
        )
        batch = []
        when = start + timedelta(minutes=first_id)
        for i in range(rows):
            when += timedelta(seconds=rng.randint(60, 300))
            cls = "SparData" if rng.random() < 0.3 else "CSTask"
            perf = _performance(rng, cls)
            ended = when.strftime("%Y-%m-%d %H:%M:%S")
            started = (when - timedelta(seconds=60)).strftime("%Y-%m-%d %H:%M:%S")
            batch.append(
                (
                    first_id + i,
                    "AAAAAAAAAAAAAAAA",
                    ended,
                    rng.choice(_AIMLAB_TASKS),
                    rng.randint(1000, 120000),
                    1,
                    42,
                    "v1.13.2",
                    "Pistol",
                    "9mm",
                    cls,
                    None,
                    json.dumps(perf),
                    str(uuid.UUID(int=rng.getrandbits(128))),
                    started,
                    ended,
                    1,
                    "Default",
                )
            )
        con.executemany("INSERT INTO TaskData VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", batch)
        con.commit()
    finally:
        con.close()
