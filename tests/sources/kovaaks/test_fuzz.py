"""Whatever the bytes or the name, the reader returns a Record or raises KovaaksParseError.

Seeds are our fixtures, plus the real samples when ../shared is there; mutations are the damage
real files suffer (truncation by a crash, NUL runs, lost lines) and random edits.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aimcoach.digest import compute_digest
from aimcoach.sources.kovaaks import KovaaksParseError, parse_stats_file

_HERE = Path(__file__).resolve().parent
_SAMPLES = _HERE.parents[2].parent / "shared" / "samples" / "kovaaks"
_SEEDS: list[bytes] = [p.read_bytes() for p in sorted((_HERE / "fixtures").glob("*.csv"))]
if _SAMPLES.is_dir():
    _SEEDS += [p.read_bytes() for p in sorted(_SAMPLES.glob("*.csv"))]

_NAME = "Fuzz Scenario - Challenge - 2021.03.14-02.30.00 Stats.csv"
_ZONES: list[tzinfo] = [UTC, ZoneInfo("America/New_York"), ZoneInfo("Europe/Berlin")]
_FUZZ = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _check(data: bytes, name: str = _NAME, tz: tzinfo = UTC) -> None:
    try:
        rec = parse_stats_file(data, name, tz)
    except KovaaksParseError as err:
        assert err.key.startswith("kovaaks.")
        str(err)  # the message renders with the parameters it carries
        return
    assert rec.provider == "kovaaks"
    assert rec.taken_at.endswith("Z")
    assert rec.digest == compute_digest(rec.to_json())
    assert all(math.isfinite(v) for v in rec.metrics.values())
    assert len(json.dumps(rec.raw_json).encode()) < 8 * 1024


@_FUZZ
@given(st.binary(max_size=4096))
def test_arbitrary_bytes(data: bytes) -> None:
    _check(data)


@_FUZZ
@given(st.text(max_size=200), st.sampled_from(_SEEDS), st.sampled_from(_ZONES))
def test_arbitrary_names(name: str, data: bytes, tz: tzinfo) -> None:
    _check(data, name, tz)


_NOISE = st.sampled_from(
    [b"\x00", b",", b"\r", b"\n", b"\n\n", b":", b"-", b".", b"e", b"nan", b"\xff", b" ", b"9" * 30]
)


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    data = draw(st.sampled_from(_SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["truncate", "insert", "replace", "delete_line", "dup_line"]))
        at = draw(st.integers(0, len(data)))
        if op == "truncate":
            data = data[:at]
        elif op == "insert":
            data = data[:at] + draw(_NOISE | st.binary(min_size=1, max_size=8)) + data[at:]
        elif op == "replace":
            data = data[:at] + draw(_NOISE) + data[at + 1 :]
        else:
            lines = data.split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            if op == "delete_line":
                del lines[i]
            else:
                lines.insert(i, lines[i])
            data = b"\n".join(lines)
    return data


@_FUZZ
@given(_mutated(), st.sampled_from(_ZONES))
def test_mutated_files(data: bytes, tz: tzinfo) -> None:
    _check(data, tz=tz)
