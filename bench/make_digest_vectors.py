"""Write tests/vectors/digest.json: record -> canonical bytes -> digest.

Run from the repository root: ``.venv/bin/python bench/make_digest_vectors.py``. The test
tests/test_digest_vectors.py checks the file against the code, so the published vectors and
the implementation cannot drift apart.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aimcoach.digest import canonical_bytes, compute_digest

CASES: list[tuple[str, dict[str, Any]]] = [
    (
        "minimal kovaaks record",
        {
            "provider": "kovaaks",
            "task": "Tile Frenzy",
            "taken_at": "2020-06-28T12:53:46Z",
            "metrics": {"shots": 93, "hits": 82, "kills": 82},
        },
    ),
    (
        "optional fields present, raw_json and digest ignored",
        {
            "provider": "kovaaks",
            "task": "Pasu Voltaic Easy",
            "mode": "Challenge",
            "taken_at": "2021-01-07T16:09:04Z",
            "metrics": {
                "shots": 52,
                "hits": 8,
                "accuracy": 0.15384615384615385,
                "damage_done": 8000.0,
                "damage_possible": 104000.0,
            },
            "score": 8.0,
            "raw_json": {"game_version": "2.0.3.1"},
            "digest": "ignored",
        },
    ),
    (
        "floats rounded to 6 places; integral floats print as integers",
        {
            "provider": "kovaaks",
            "task": "Happy Easter!",
            "mode": "Challenge",
            "taken_at": "2026-04-06T16:13:05Z",
            "metrics": {
                "accuracy": 0.36879432624113473,
                "damage_done": 10.400003,
                "damage_possible": 28.200071,
                "score_like": 104.000031,
                "tiny": 4e-07,
            },
            "score": 104.000031,
        },
    ),
    (
        "aimlabs record with map and negative score",
        {
            "provider": "aimlabs",
            "task": "CsLevel.PLAYERHANDLE.custom.ABC123",
            "mode": "42",
            "map": "42",
            "taken_at": "2023-12-01T20:15:00Z",
            "metrics": {"shots": 101, "hits": 93, "accuracy": 0.9207921, "kills": 93},
            "score": -295,
        },
    ),
    (
        "non-ASCII and escapes in names; key order does not matter",
        {
            "taken_at": "2024-01-01T00:00:00Z",
            "task": 'エイム "練習" \\ 1',
            "provider": "kovaaks",
            "metrics": {"z": 1, "a": -0.0, "m": 1e21},
        },
    ),
    (
        "a rounding tie: exact binary fractions round half to even",
        {
            "provider": "aimlabs",
            "task": "gridshot",
            "taken_at": "2024-01-01T00:00:00Z",
            "metrics": {"tie_down": 0.0078125, "tie_up": 0.0234375, "big": 123456.7890125},
        },
    ),
]


def main() -> None:
    vectors = []
    for name, record in CASES:
        data = canonical_bytes(record)
        vectors.append(
            {
                "name": name,
                "record": record,
                "canonical": data.decode("utf-8"),
                "sha256": compute_digest(record),
            }
        )
    out = Path("tests/vectors/digest.json")
    out.write_text(json.dumps(vectors, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(vectors)} vectors to {out}")


if __name__ == "__main__":
    main()
