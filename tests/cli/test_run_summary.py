"""The summary of `run --once` / `export`, and its exit code."""

from __future__ import annotations

import io

from aimcoach.actors.pipeline import PipelineStats
from aimcoach.cli._run import _summary
from aimcoach.i18n import t
from aimcoach.state import StateCounts


def _counts(pending: int = 0) -> StateCounts:
    return StateCounts(
        pending=pending,
        batched=0,
        delivered=5,
        rejected=0,
        quarantined=0,
        files=5,
        pending_batches=0,
    )


def test_everything_delivered_is_exit_0() -> None:
    stats = PipelineStats(counts=_counts())
    out = io.StringIO()
    assert _summary(stats, out) == 0
    assert t("run.pending_hint") not in out.getvalue()


def test_a_locked_aim_lab_database_is_exit_1_with_a_reason() -> None:
    stats = PipelineStats(counts=_counts())
    stats.workers.aimlabs_gave_up = 1
    out = io.StringIO()
    assert _summary(stats, out) == 1
    assert t("run.aimlabs_busy_hint") in out.getvalue()


def test_pending_records_are_exit_1() -> None:
    out = io.StringIO()
    assert _summary(PipelineStats(counts=_counts(pending=3)), out) == 1
    assert "3 still pending" in out.getvalue()
    assert t("run.pending_hint") in out.getvalue()


def test_inputs_set_aside_are_listed_with_their_reasons() -> None:
    from aimcoach.messages import Quarantined

    stats = PipelineStats(counts=_counts())
    stats.deduper.quarantined = 1
    stats.problems = [Quarantined("/stats/Broken\x1b[2J Stats.csv", "it is empty")]
    out = io.StringIO()
    assert _summary(stats, out) == 1
    text = out.getvalue()
    assert "/stats/Broken\\x1b[2J Stats.csv: it is empty" in text  # shown, never obeyed
    assert t("run.quarantined_hint") in text
