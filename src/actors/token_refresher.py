"""The token refresher actor: keeps the device's access token fresh while ``run`` is up.

It owns the schedule, the :class:`~aimcoach.auth.TokenManager` owns the token. The actor
sleeps on trio's clock until the access token is due (5 days before expiry, skew included) or
``check_interval_s`` has passed, whichever is sooner, and then refreshes. A refresh that fails
on the network is retried with a growing pause (never a busy loop). When the server refuses
the refresh token, the manager persists "relink needed"; the actor records it in its stats and
re-reads the store every ``relink_recheck_s`` seconds, so that ``aimcoach link`` run in another
terminal is picked up: the manager's ``wait_usable()`` then returns and the sender resumes.
The actor also wakes up when the sender's 401 handling changes the manager's state.

This actor must not log or expose a token; its stats hold times, counts and rendered messages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import trio

from aimcoach.auth import TokenManager
from aimcoach.errors import RelinkNeededError, TokenStoreError, TransportError

__all__ = [
    "CHECK_INTERVAL_S",
    "RELINK_RECHECK_S",
    "RETRY_MAX_S",
    "RETRY_MIN_S",
    "TokenRefresherStats",
    "token_refresher",
]

CHECK_INTERVAL_S = 3600.0
#: While relink is needed, how often the store is re-read for a link made elsewhere.
RELINK_RECHECK_S = 60.0
#: Pauses after a failed refresh: doubling from RETRY_MIN_S up to RETRY_MAX_S.
RETRY_MIN_S = 30.0
RETRY_MAX_S = 1800.0

RefresherState = Literal["starting", "ok", "retrying", "relink_needed", "store_error"]


@dataclass(slots=True)
class TokenRefresherStats:
    """What ``ctl status`` shows about the token. Times are aware UTC datetimes."""

    state: RefresherState = "starting"
    refreshes: int = 0
    failures: int = 0
    last_refresh_at: datetime | None = None
    next_check_at: datetime | None = None
    access_expires_at: datetime | None = None
    relink_needed: bool = False
    last_error: str | None = None  # a rendered catalog message, never a token


def _seconds_until(when: datetime, now: datetime) -> float:
    return max(0.0, (when - now).total_seconds())


async def _sleep_or_change(manager: TokenManager, seconds: float) -> None:
    """Sleep ``seconds`` on trio's clock, or less if the manager's state changes."""
    with trio.move_on_after(seconds):
        await manager.wait_changed()


async def token_refresher(
    manager: TokenManager,
    *,
    stats: TokenRefresherStats,
    check_interval_s: float = CHECK_INTERVAL_S,
    relink_recheck_s: float = RELINK_RECHECK_S,
    retry_min_s: float = RETRY_MIN_S,
    retry_max_s: float = RETRY_MAX_S,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run until cancelled. Raises only :class:`TokenStoreError` (the store cannot be used)."""
    task_status.started()
    retry_s = retry_min_s
    while True:
        refreshes_before = manager.last_refresh_at
        try:
            due_at = await manager.refresh_if_due()
        except RelinkNeededError as exc:
            stats.state = "relink_needed"
            stats.relink_needed = True
            stats.last_error = str(exc)
            # Re-read the store until a new link appears; the sender waits on wait_usable().
            while not await manager.reload():
                # Wakes early when the sender's own re-read already found the new link.
                with trio.move_on_after(relink_recheck_s):
                    await manager.wait_usable()
            stats.state = "ok"
            stats.relink_needed = False
            stats.last_error = None
            continue
        except TransportError as exc:
            stats.state = "retrying"
            stats.failures += 1
            stats.last_error = str(exc)
            stats.next_check_at = manager.now() + _timedelta(retry_s)
            await _sleep_or_change(manager, retry_s)
            retry_s = min(retry_max_s, retry_s * 2)
            continue
        except TokenStoreError as exc:
            stats.state = "store_error"
            stats.failures += 1
            stats.last_error = str(exc)
            raise
        retry_s = retry_min_s
        if manager.last_refresh_at is not None and manager.last_refresh_at != refreshes_before:
            stats.refreshes += 1
            stats.last_refresh_at = manager.last_refresh_at
        info = manager.info()
        stats.access_expires_at = info.access_expires_at if info is not None else None
        stats.state = "ok"
        stats.relink_needed = False
        stats.last_error = None
        now = manager.now()
        delay = _seconds_until(due_at, now)
        if delay <= 0 and info is not None:
            # Due again right after a refresh: the server hands out lifetimes shorter than the
            # 5-day window. Refresh at half the remaining life instead of in a tight loop.
            delay = _seconds_until(info.access_expires_at, now) / 2
        delay = max(min(check_interval_s, delay), min(retry_min_s, check_interval_s))
        stats.next_check_at = now + _timedelta(delay)
        await _sleep_or_change(manager, delay)


def _timedelta(seconds: float) -> timedelta:
    return timedelta(seconds=seconds if math.isfinite(seconds) else 0)
