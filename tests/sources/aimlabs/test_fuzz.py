"""Property tests: whatever a row or a file holds, the reader fails only with its own errors."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aimcoach.digest import compute_digest
from aimcoach.sources.aimlabs import (
    COLUMNS_2025,
    AimlabsBatch,
    AimlabsBusyError,
    AimlabsCursor,
    AimlabsError,
    AimlabsRowError,
    parse_row,
    read_new,
)

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE_ROWS: list[dict[str, Any]] = json.loads(
    (FIXTURES / "taskdata_rows.json").read_text(encoding="utf-8")
)["rows"]
SAMPLE_TEXTS = [str(r["performance"]) for r in SAMPLE_ROWS]

sqlite_values = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(),
    st.text(max_size=40),
    st.binary(max_size=40),
)
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(max_size=20),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=8),
        st.dictionaries(st.text(max_size=12), children, max_size=8),
    ),
    max_leaves=30,
)


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    """A real performance text with a few characters replaced, deleted or inserted."""
    text = draw(st.sampled_from(SAMPLE_TEXTS))
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        at = draw(st.integers(min_value=0, max_value=len(text)))
        piece = draw(st.sampled_from(['"0"', "NaN", "-", ".", ",", "}", "[", "1e999", "", "x"]))
        cut = draw(st.integers(min_value=0, max_value=3))
        text = text[:at] + piece + text[at + cut :]
    return text


performance_texts = st.one_of(
    st.text(max_size=200),
    mutated_text(),
    json_values.map(json.dumps),
    st.dictionaries(
        st.sampled_from(["shotsTotal", "accTotal", "rtB", "accB3", "OTR"]), json_values
    ).map(json.dumps),
)


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    base = dict(draw(st.sampled_from(SAMPLE_ROWS)))
    for column in draw(st.lists(st.sampled_from(COLUMNS_2025), max_size=6)):
        base[column] = draw(sqlite_values)
    for column in draw(st.lists(st.sampled_from(COLUMNS_2025), max_size=2)):
        base.pop(column, None)
    if draw(st.booleans()):
        base["performance"] = draw(performance_texts)
    if draw(st.booleans()):
        base["performanceClass"] = draw(
            st.sampled_from(["CSTask", "SparData", "TrackData", "Other", None])
        )
    if draw(st.booleans()):
        base["createDate"] = draw(
            st.one_of(st.text(max_size=25), st.from_regex(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d"))
        )
    return base


@settings(max_examples=400, deadline=None)
@given(rows())
def test_parse_row_raises_nothing_but_its_row_error(row: dict[str, Any]) -> None:
    try:
        record = parse_row(row)
    except AimlabsRowError as exc:
        assert str(exc)  # renders a catalog message with every parameter it needs
        return
    body = json.dumps(record.to_json(), allow_nan=False, ensure_ascii=False).encode("utf-8")
    assert len(body) < 500_000
    assert record.digest == compute_digest(record.to_json())
    assert record.taken_at.endswith("Z")
    assert all(math.isfinite(v) for v in record.metrics.values())


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    mutations=st.lists(
        st.tuples(st.integers(0, 2**16), st.integers(min_value=0, max_value=255)),
        min_size=1,
        max_size=12,
    ),
    cut=st.one_of(st.none(), st.integers(0, 2**16)),
)
def test_read_new_on_a_damaged_file_raises_only_reader_errors(
    small_db_bytes: bytes, mutations: list[tuple[int, int]], cut: int | None
) -> None:
    data = bytearray(small_db_bytes)
    for offset, value in mutations:
        # Half the mutations hit the header and the first pages, where the structure is.
        data[offset % (len(data) if offset % 2 else 1024)] = value
    if cut is not None:
        del data[cut % len(data) :]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "klutch.bytes"
        path.write_bytes(bytes(data))
        cursor = AimlabsCursor()
        for _ in range(20):  # 10 rows at 4 a call: a healthy file is done in 4 calls
            try:
                batch = read_new(path, cursor, limit=4, busy_timeout_s=0, retries=1, sleep=no_sleep)
            except (AimlabsError, AimlabsBusyError) as exc:
                assert str(exc)
                return
            assert isinstance(batch, AimlabsBatch)
            if not batch.records and not batch.problems:
                return
            assert batch.cursor.last_task_id > cursor.last_task_id or batch.rescanned
            cursor = batch.cursor
        raise AssertionError("the reader never caught up with a 10-row file")


def no_sleep(_: float) -> None:
    """Nothing else holds these files, so a busy retry sleeps for nothing."""
