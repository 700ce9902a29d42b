"""POST /ingest/{provider}: partial acceptance, every record error code, duplicates, limits."""

from __future__ import annotations

import json
from typing import Any

import pytest
import trio

from aimcoach.devserver import MAX_RECORD_BYTES, MAX_RECORDS
from aimcoach.devserver.testing import RunningServer, sample_record

LIMIT = 20


async def test_valid_records_are_all_accepted(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        response = await server.ingest(token, [sample_record(n) for n in range(3)])
        assert response.status_code == 200
        assert response.json() == {"accepted": 3, "rejected": 0, "errors": []}
        aimlabs = await server.ingest(token, [sample_record(9, "aimlabs")], provider="aimlabs")
        assert aimlabs.json() == {"accepted": 1, "rejected": 0, "errors": []}


async def test_optional_fields_may_be_null(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        # null is absent for the digest too (docs/digest.md), so it still matches.
        rec = sample_record(mode=None, map=None, raw_json=None)
        assert (await server.ingest(token, [rec])).json()["accepted"] == 1


async def test_an_empty_array_accepts_nothing(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        response = await server.ingest(token, [])
        assert response.json() == {"accepted": 0, "rejected": 0, "errors": []}


def _without(field: str) -> dict[str, Any]:
    rec = sample_record()
    del rec[field]
    return rec


# Each case: a record that is wrong in exactly one way, and the code it must get.
_BAD_RECORDS: list[tuple[str, Any, str]] = [
    ("not an object", ["a record"], "invalid_record"),
    ("missing provider", _without("provider"), "missing_field"),
    ("missing task", _without("task"), "missing_field"),
    ("missing taken_at", _without("taken_at"), "missing_field"),
    ("missing metrics", _without("metrics"), "missing_field"),
    ("missing digest", _without("digest"), "missing_field"),
    ("unknown field", sample_record(player="me"), "unknown_field"),
    ("other provider", sample_record(0, "aimlabs"), "provider_mismatch"),
    ("unknown provider", sample_record(provider="kovaaks") | {"provider": "osu"}, "invalid_field"),
    ("empty task", sample_record(task=""), "invalid_field"),
    ("numeric mode", sample_record(mode=3), "invalid_field"),
    ("bool metric", sample_record(metrics={"shots": True}), "invalid_field"),
    ("string metric", sample_record(metrics={"shots": "10"}), "invalid_field"),
    ("camelCase metric", sample_record(metrics={"damageDone": 1}), "invalid_field"),
    ("metrics array", sample_record(metrics=[1, 2]), "invalid_field"),
    ("huge integer", sample_record(metrics={"shots": 2**53 + 1}), "invalid_field"),
    ("bool score", sample_record(score=False), "invalid_field"),
    ("raw_json string", sample_record(raw_json="x"), "invalid_field"),
    ("short digest", sample_record(digest="ab" * 10), "invalid_field"),
    (
        "uppercase digest",
        sample_record() | {"digest": sample_record()["digest"].upper()},
        "invalid_field",
    ),
    ("no Z", sample_record(taken_at="2024-05-01T12:00:00"), "invalid_taken_at"),
    ("offset", sample_record(taken_at="2024-05-01T12:00:00+09:00"), "invalid_taken_at"),
    ("space", sample_record(taken_at="2024-05-01 12:00:00Z"), "invalid_taken_at"),
    ("no such day", sample_record(taken_at="2024-02-30T12:00:00Z"), "invalid_taken_at"),
    ("epoch number", sample_record(taken_at=1714564800), "invalid_taken_at"),
    ("changed task", sample_record(task="Another task"), "digest_mismatch"),
    ("changed metric", sample_record(metrics={"shots": 1}), "digest_mismatch"),
    ("dropped score", _without("score"), "digest_mismatch"),
    (
        "too large",
        sample_record(raw_json={"blob": "x" * MAX_RECORD_BYTES}),
        "too_large",
    ),
]


@pytest.mark.parametrize(
    ("bad", "code"),
    [(bad, code) for _, bad, code in _BAD_RECORDS],
    ids=[c[0] for c in _BAD_RECORDS],
)
async def test_a_bad_record_is_rejected_with_its_code_and_the_rest_accepted(
    server: RunningServer, bad: Any, code: str
) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        bad_record = bad[0] if isinstance(bad, list) else bad
        response = await server.ingest(token, [sample_record(1), bad_record, sample_record(2)])
        assert response.status_code == 200
        body = response.json()
        assert (body["accepted"], body["rejected"]) == (2, 1)
        [error] = body["errors"]
        assert (error["index"], error["code"]) == (1, code)
        assert isinstance(error["message"], str) and error["message"]


async def test_a_non_finite_number_in_raw_json_is_invalid_field(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        # 1e999 is valid JSON syntax that parses to infinity.
        body = json.dumps([sample_record(raw_json={"x": 0})]).replace('"x": 0', '"x": 1e999')
        response = await server.client.post(
            "/ingest/kovaaks", content=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.json()["errors"][0]["code"] == "invalid_field"


@pytest.mark.parametrize("field", ["task", "raw_json"])
async def test_a_lone_surrogate_is_invalid_field(server: RunningServer, field: str) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        value: Any = "\ud800" if field == "task" else {"note": "\ud800"}
        # json.dumps escapes it as \\ud800: valid JSON syntax, but not a Unicode string.
        body = json.dumps([sample_record(**{field: value}), sample_record(1)])
        response = await server.client.post(
            "/ingest/kovaaks", content=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200
        assert response.json()["accepted"] == 1
        assert response.json()["errors"][0]["code"] == "invalid_field"


async def test_a_record_of_exactly_the_size_limit_is_accepted(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        base = sample_record(raw_json={"blob": ""})
        compact = json.dumps(base, ensure_ascii=False, separators=(",", ":")).encode()
        fitting = sample_record(raw_json={"blob": "x" * (MAX_RECORD_BYTES - len(compact))})
        over = sample_record(1, raw_json={"blob": "x" * (MAX_RECORD_BYTES - len(compact) + 1)})
        body = (await server.ingest(token, [fitting, over])).json()
        assert body["accepted"] == 1
        assert body["errors"] == [
            {"index": 1, "code": "too_large", "message": body["errors"][0]["message"]}
        ]


async def test_a_digest_the_user_already_has_is_a_duplicate(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        assert (await server.ingest(token, [sample_record(1)])).json()["accepted"] == 1
        body = (await server.ingest(token, [sample_record(1), sample_record(2)])).json()
        assert (body["accepted"], body["rejected"]) == (1, 1)
        assert [(e["index"], e["code"]) for e in body["errors"]] == [(0, "duplicate")]


async def test_a_digest_twice_in_one_request_is_a_duplicate_the_second_time(
    server: RunningServer,
) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        body = (await server.ingest(token, [sample_record(1), sample_record(1)])).json()
        assert (body["accepted"], body["rejected"]) == (1, 1)
        assert [(e["index"], e["code"]) for e in body["errors"]] == [(1, "duplicate")]


async def test_duplicates_are_per_user(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        alice = (await server.link("alice"))["access_token"]
        bob = (await server.link("bob"))["access_token"]
        assert (await server.ingest(alice, [sample_record(1)])).json()["accepted"] == 1
        assert (await server.ingest(bob, [sample_record(1)])).json()["accepted"] == 1
        # A second device of the same user shares the user's records.
        alice_laptop = (await server.link("alice"))["access_token"]
        again = (await server.ingest(alice_laptop, [sample_record(1)])).json()
        assert again["errors"][0]["code"] == "duplicate"


async def test_errors_are_listed_in_index_order(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        await server.ingest(token, [sample_record(3)])
        records = [sample_record(1), {}, sample_record(3), sample_record(4, task="x"), 5]
        body = (await server.ingest(token, records)).json()
        assert (body["accepted"], body["rejected"]) == (1, 4)
        assert [(e["index"], e["code"]) for e in body["errors"]] == [
            (1, "missing_field"),
            (2, "duplicate"),
            (3, "digest_mismatch"),
            (4, "invalid_record"),
        ]


@pytest.mark.parametrize(
    "content",
    [b'{"records": []}', b"not json", b'[{"a": NaN}]', b"\xff\xfe", b"", b"null"],
)
async def test_a_body_that_is_not_a_json_array_is_400(
    server: RunningServer, content: bytes
) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        response = await server.client.post(
            "/ingest/kovaaks", content=content, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 400
        assert response.json()["error"] == "bad_request"


async def test_ten_thousand_records_are_413_and_one_fewer_is_not(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        # Empty objects keep the request small; each is a missing_field rejection.
        too_many = await server.ingest(token, [{}] * (MAX_RECORDS + 1))
        assert too_many.status_code == 413
        assert too_many.json()["error"] == "too_many_records"
        most = await server.ingest(token, [{}] * MAX_RECORDS)
        assert most.status_code == 200
        assert most.json()["rejected"] == MAX_RECORDS


async def test_stats_count_duplicates_apart_from_rejections(server: RunningServer) -> None:
    with trio.fail_after(LIMIT):
        token = (await server.link())["access_token"]
        await server.ingest(token, [sample_record(1), sample_record(2)])
        await server.ingest(token, [sample_record(1), sample_record(3), {"bad": 1}])
        await server.link("idle")  # linked, but never sent anything: not in the stats
        stats = await server.stats()
        assert stats["users"]["player"] == {
            "accepted": 3,
            "duplicates": 1,
            "rejected": 1,
            "distinct_digests": 3,
            "requests": 2,
            "replays": 0,
        }
        assert stats["totals"]["accepted"] == 3
        assert stats["totals"]["in_flight"] == 0
        assert "idle" not in stats["users"]
