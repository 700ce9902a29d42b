"""The public surface of aimcoach.state: what the supervisor, CLI and actors may use."""

from __future__ import annotations

import aimcoach.state


def test_all_is_locked_and_importable() -> None:
    assert set(aimcoach.state.__all__) == {
        "LOCK_FILENAME",
        "SCHEMA_VERSION",
        "STATE_FILENAME",
        "AsyncState",
        "Checkpoint",
        "PendingBatch",
        "RejectedRecord",
        "StateCounts",
        "StateDB",
        "aimlabs_cursor_name",
        "encode_record",
        "join_batch",
        "record_from_json",
    }
    for name in aimcoach.state.__all__:
        assert getattr(aimcoach.state, name) is not None
