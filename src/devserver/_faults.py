"""Scripted and seeded-random faults for the reference server (the admin API sets them).

A fault is chosen when a request to an API endpoint has been read and before it is handled.
Scripted faults come first, in the order they were added; the random injector is consulted
only when no scripted fault matched. Pure state, no I/O: the app performs the action.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Literal

from aimcoach.devserver._http import HttpError

__all__ = ["API_PATHS", "Fault", "FaultPlan", "parse_fault"]

API_PATHS = (
    "/link/complete",
    "/token/refresh",
    "/unlink",
    "/ingest/kovaaks",
    "/ingest/aimlabs",
    "/healthz",
)
#: "*" matches every API path but /healthz, so a soak test's health checks stay truthful.
_WILDCARD_PATHS = frozenset(API_PATHS) - {"/healthz"}
_MAX_DELAY_S = 300.0
_MAX_RETRY_AFTER_S = 3600

Action = Literal["status", "delay", "drop", "unauthorized"]


@dataclass(frozen=True, slots=True)
class Fault:
    action: Action
    status: int = 503
    retry_after: int | None = None
    error: str | None = None
    seconds: float = 0.0
    after: bool = False  # drop: handle the request first, then drop the reply

    def describe(self) -> str:
        if self.action == "status":
            return f"status:{self.status}"
        if self.action == "delay":
            return f"delay:{self.seconds}"
        if self.action == "drop":
            return "drop:after" if self.after else "drop:before"
        return "unauthorized"


def _bad(message: str) -> HttpError:
    return HttpError(400, "bad_request", message)


def _int(obj: dict[str, Any], name: str, low: int, high: int, default: int | None) -> int | None:
    value = obj.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(f"{name} must be an integer from {low} to {high}.")
    return value


def parse_fault(obj: Any, extra_keys: frozenset[str] = frozenset()) -> Fault:
    """A :class:`Fault` from its JSON form (docs/api.md, "Admin API"); 400 if malformed."""
    if not isinstance(obj, dict):
        raise _bad("A fault must be a JSON object.")
    allowed = {
        "status": {"status", "retry_after", "error"},
        "delay": {"seconds"},
        "drop": {"when"},
        "unauthorized": set(),
    }
    action = obj.get("action")
    if action not in allowed:
        raise _bad(f"action must be one of {sorted(allowed)}.")
    unknown = set(obj) - allowed[action] - extra_keys - {"action"}
    if unknown:
        raise _bad(f"Unknown key {sorted(unknown)[0]!r} for action {action!r}.")
    if action == "status":
        status = _int(obj, "status", 400, 599, 503)
        assert status is not None
        error = obj.get("error", "rate_limited" if status == 429 else "injected_fault")
        if not isinstance(error, str) or not error:
            raise _bad("error must be a non-empty string.")
        retry_after = _int(obj, "retry_after", 0, _MAX_RETRY_AFTER_S, None)
        return Fault("status", status=status, retry_after=retry_after, error=error)
    if action == "delay":
        seconds = obj.get("seconds")
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not 0 < seconds <= _MAX_DELAY_S
        ):
            raise _bad(f"seconds must be a number above 0 and at most {_MAX_DELAY_S:g}.")
        return Fault("delay", seconds=float(seconds))
    if action == "drop":
        when = obj.get("when", "before")
        if when not in ("before", "after"):
            raise _bad("when must be 'before' or 'after'.")
        return Fault("drop", after=when == "after")
    return Fault("unauthorized")


def _check_path(obj: dict[str, Any]) -> str:
    path = obj.get("path", "*")
    if path != "*" and path not in API_PATHS:
        raise _bad(f"path must be '*' or one of {list(API_PATHS)}.")
    return str(path)


def _matches(pattern: str, path: str) -> bool:
    return path in _WILDCARD_PATHS if pattern == "*" else pattern == path


@dataclass(slots=True)
class _Scripted:
    path: str
    remaining: int
    fault: Fault


@dataclass(slots=True)
class _Random:
    path: str
    probability: float
    actions: tuple[Fault, ...]
    remaining: int
    rng: random.Random


class FaultPlan:
    """The faults the admin API has set, consumed one per matching request."""

    def __init__(self) -> None:
        self._scripted: list[_Scripted] = []
        self._random: _Random | None = None
        self.injected = 0

    def add(self, obj: Any) -> Fault:
        """Queue ``{"path", "count", "action", …}``; returns the parsed fault."""
        fault = parse_fault(obj, extra_keys=frozenset({"path", "count"}))
        path = _check_path(obj)
        count = _int(obj, "count", 1, 1_000_000, 1)
        assert count is not None
        self._scripted.append(_Scripted(path, count, fault))
        return fault

    def set_random(self, obj: Any) -> None:
        """Install (or, with probability 0, remove) the seeded random injector."""
        if not isinstance(obj, dict):
            raise _bad("The body must be a JSON object.")
        unknown = set(obj) - {"probability", "actions", "seed", "path", "limit"}
        if unknown:
            raise _bad(f"Unknown key {sorted(unknown)[0]!r}.")
        probability = obj.get("probability")
        if (
            isinstance(probability, bool)
            or not isinstance(probability, int | float)
            or not 0 <= probability <= 1
        ):
            raise _bad("probability must be a number from 0 to 1.")
        actions = obj.get("actions")
        if not isinstance(actions, list) or not actions:
            raise _bad("actions must be a non-empty array of faults.")
        parsed = tuple(parse_fault(action) for action in actions)
        seed = _int(obj, "seed", -(2**63), 2**63 - 1, None)
        if seed is None:
            raise _bad("seed is required, so that a failing soak run can be replayed.")
        limit = _int(obj, "limit", 1, 1_000_000, 1000)
        assert limit is not None
        path = _check_path(obj)
        self._random = (
            _Random(path, float(probability), parsed, limit, random.Random(seed))
            if probability > 0
            else None
        )

    def clear(self) -> None:
        self._scripted.clear()
        self._random = None

    def take(self, path: str) -> Fault | None:
        """The fault for this request, if any (and count it as used)."""
        for entry in self._scripted:
            if _matches(entry.path, path):
                entry.remaining -= 1
                if entry.remaining == 0:
                    self._scripted.remove(entry)
                self.injected += 1
                return entry.fault
        rand = self._random
        if rand is None or not _matches(rand.path, path):
            return None
        # Draw for every matching request, hit or not, so a seed always yields one sequence.
        hit = rand.rng.random() < rand.probability
        fault = rand.rng.choice(rand.actions)
        if not hit:
            return None
        rand.remaining -= 1
        if rand.remaining == 0:
            self._random = None
        self.injected += 1
        return fault
