"""The supervisor: runs every actor, restarts the ones that fail, and stops them in order.

The assembly (the lead's ``run`` wiring) describes each actor with an :class:`ActorSpec` and hands
the list to :class:`Supervisor`. The supervisor

* runs each actor in its own task and records its state, restarts, last error and start time
  (:meth:`Supervisor.actors_snapshot`, shown by ``aimcoach ctl status``);
* restarts a failed actor after an exponential backoff with jitter (:class:`Backoff`), within a
  restart-intensity limit per actor (:class:`Intensity`, default 5 restarts in 60 s). Past the
  limit, or on an error that restarting cannot fix (a :class:`~aimcoach.errors.ConfigError`, or a
  type listed in ``ActorSpec.fatal``), it cancels everything and :meth:`Supervisor.run` raises
  (:class:`SupervisorGaveUp`, or the configuration error itself so the CLI exits 2);
* on :meth:`Supervisor.request_stop` (SIGINT/SIGTERM, Windows SIGINT/SIGBREAK, or ``ctl stop``)
  walks the actors phase by phase: ``on_stop="cancel"`` actors (the intake: watchers) are
  cancelled, ``on_stop="drain"`` actors are left to finish the work already in their channels,
  all within one grace period on trio's clock; whatever is left after it is cancelled, and
  ``run`` returns normally.

Channels across restarts
------------------------
An actor closes its channel ends with ``async with`` when it ends, crash or not. If the actor held
the only end, the channel would close with it: a restarted worker would find its input gone and
the watchers' sends would raise ``BrokenResourceError``. So the assembly gives the supervisor the
*original* ends in ``ActorSpec.channels`` (keyword name -> end); each (re)start of the actor
receives fresh ``clone()``\\ s of them, and the supervisor keeps the originals open. Messages still
in a channel's buffer survive a crash of its reader; the restarted reader receives them. An
original is closed once every actor that holds it has ended for good (finished, stopped, or given
up). That is what drives a graceful stop: cancelling the watchers closes the watchers' send end,
the workers see the end of their input once its buffer is empty, finish, and so close theirs, and
so on down to the sender.

The supervisor must not know what its actors do: no channel is created here, no actor is
imported, and nothing here prints; people read its state through the status server.
"""

from __future__ import annotations

import inspect
import random
import signal
import sys
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypedDict

import structlog
import trio

from aimcoach._logging import redact
from aimcoach.errors import AimcoachError, ConfigError
from aimcoach.i18n import t

__all__ = [
    "DEFAULT_FATAL",
    "ActorSpec",
    "ActorState",
    "ActorStatus",
    "Backoff",
    "ChannelEnd",
    "Intensity",
    "OnStop",
    "Restart",
    "Supervisor",
    "SupervisorGaveUp",
    "render_error",
]

_log = structlog.get_logger("aimcoach.supervisor")

Restart = Literal["permanent", "transient", "temporary"]
OnStop = Literal["cancel", "drain"]
ActorState = Literal["starting", "running", "restarting", "stopped", "failed", "done"]
ChannelEnd = trio.MemorySendChannel[Any] | trio.MemoryReceiveChannel[Any]

#: Errors that restarting cannot fix: the actor is not restarted (see ``ActorSpec.fatal``).
DEFAULT_FATAL: tuple[type[BaseException], ...] = (ConfigError,)


class SupervisorGaveUp(AimcoachError):
    """An actor failed more often than its restart intensity allows, or cannot be restarted.

    ``actor`` names it; ``error`` is its last error as a person reads it (never a token).
    """

    exit_code = 1

    def __init__(self, key: str, /, *, actor: str, error: str, **params: Any) -> None:
        super().__init__(key, actor=actor, error=error, **params)
        self.actor = actor
        self.error = error


@dataclass(frozen=True, slots=True)
class Backoff:
    """Pause before a restart: ``initial · factorⁿ`` capped at ``cap``, each ± ``jitter``.

    ``n`` counts the actor's restarts inside the intensity window, from 0: with the defaults
    0.5 s, 1 s, 2 s, 4 s … 30 s. The jitter keeps actors that failed together (a shared disk, the
    network) from all coming back in the same instant.
    """

    initial: float = 0.5
    factor: float = 2.0
    cap: float = 30.0
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if self.initial <= 0 or self.factor < 1 or self.cap < self.initial:
            raise ValueError("Backoff needs initial > 0, factor >= 1 and cap >= initial")
        if not 0 <= self.jitter < 1:
            raise ValueError("Backoff needs 0 <= jitter < 1")

    def delay(self, n: int, rng: random.Random) -> float:
        plain = self.cap
        # Compare before multiplying: factor**n overflows long before an agent stops retrying.
        if self.factor == 1 or self.initial * self.factor ** min(n, 64) < self.cap:
            plain = min(self.cap, self.initial * self.factor**n)
        return plain * (1 + rng.uniform(-self.jitter, self.jitter)) if self.jitter else plain


@dataclass(frozen=True, slots=True)
class Intensity:
    """At most ``max_restarts`` restarts of one actor within ``window_s`` seconds."""

    max_restarts: int = 5
    window_s: float = 60.0

    def __post_init__(self) -> None:
        if self.max_restarts < 0 or self.window_s <= 0:
            raise ValueError("Intensity needs max_restarts >= 0 and window_s > 0")


@dataclass(frozen=True, slots=True)
class ActorSpec:
    """How to run one actor.

    ``fn(**kwargs, **clones_of_channels)`` is awaited for each start; a ``functools.partial`` is
    fine. If ``fn`` takes a ``task_status`` parameter it is passed one, and the actor counts as
    ``starting`` until it calls ``task_status.started()`` (like ``nursery.start``).

    ``channels`` maps a keyword of ``fn`` to an *original* memory-channel end; every start gets a
    fresh ``clone()`` under that keyword (see the module docstring). The supervisor closes the
    original once every actor holding it has ended for good.

    ``restart`` (as in Erlang/OTP): ``permanent`` restarts after a failure and after a return
    (an actor that should run until stopped); ``transient`` restarts only after a failure (a
    return means its work is done); ``temporary`` is never restarted.

    ``phase`` and ``on_stop`` order a graceful stop: phases are stopped in ascending order, each
    once the previous one has ended; an ``on_stop="cancel"`` actor is cancelled when its phase
    stops (the intake: watchers; services such as the token refresher), an ``on_stop="drain"``
    actor is left to finish (workers, deduper, sender: they end when their input channel ends).

    ``critical``: when a critical actor fails for good, everything stops and ``run`` raises;
    a non-critical one is marked ``failed`` and the rest keeps running.

    ``daemon``: the run does not wait for it. Once every non-daemon actor has ended (``run
    --once``: the watchers' single scan has flowed through), the supervisor stops by itself.

    ``fatal`` adds exception types that are never restarted to :data:`DEFAULT_FATAL`;
    ``intensity`` and ``backoff`` override the supervisor's defaults for this actor.
    """

    name: str
    fn: Callable[..., Awaitable[None]]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    channels: Mapping[str, ChannelEnd] = field(default_factory=dict)
    restart: Restart = "transient"
    phase: int = 0
    on_stop: OnStop = "drain"
    critical: bool = True
    daemon: bool = False
    fatal: tuple[type[BaseException], ...] = ()
    intensity: Intensity | None = None
    backoff: Backoff | None = None


class ActorStatus(TypedDict):
    """One actor in :meth:`Supervisor.actors_snapshot` (JSON-able)."""

    name: str
    state: ActorState
    restarts: int
    last_error: str | None
    started_at: str | None  # RFC 3339 UTC: when the current (or last) attempt started


def _now_rfc3339() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for sub in exc.exceptions for leaf in _leaves(sub)]
    return [exc]


def render_error(exc: BaseException) -> str:
    """An error as a person reads it: the catalog text of ours, ``Type: text`` of others.

    Groups list their leaves. Anything that looks like a token is scrubbed.
    """
    parts: list[str] = []
    for leaf in _leaves(exc):
        if isinstance(leaf, AimcoachError):
            parts.append(str(leaf))
        else:
            text = str(leaf)
            parts.append(f"{type(leaf).__name__}: {text}" if text else type(leaf).__name__)
    rendered = redact("; ".join(parts))
    return rendered if isinstance(rendered, str) else str(rendered)


def _takes_task_status(fn: Callable[..., Any]) -> bool:
    try:
        return "task_status" in inspect.signature(fn).parameters
    except (TypeError, ValueError):  # builtins and some C callables have no signature
        return False


def _stop_signals() -> tuple[int, ...]:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        # SIGTERM is never delivered on Windows; Ctrl+Break and closing the console are SIGBREAK.
        return (signal.SIGINT, *((signal.SIGBREAK,) if hasattr(signal, "SIGBREAK") else ()))
    return (signal.SIGINT, signal.SIGTERM)


class _Started:
    """The ``task_status`` an actor receives: trio's TaskStatus protocol, without a nursery.

    Running the actor directly in the supervising task (rather than ``nursery.start``) keeps its
    exceptions unwrapped and its cancel scope ours.
    """

    def __init__(self, slot: _Slot) -> None:
        self._slot = slot
        self._called = False

    def started(self, value: object = None) -> None:
        if self._called:
            raise RuntimeError("called 'started' twice on the same task status")
        self._called = True
        self._slot.state = "running"
        self._slot.ready.set()


@dataclass(eq=False)
class _Slot:
    spec: ActorSpec
    intensity: Intensity
    backoff: Backoff
    takes_status: bool
    state: ActorState = "starting"
    restarts: int = 0
    last_error: str | None = None
    started_at: str | None = None
    recent: deque[float] = field(default_factory=deque)  # restart times inside the window
    scope: trio.CancelScope | None = None
    stopping: bool = False  # its phase is stopping: a return is the end, not a reason to restart
    cancelled: bool = False  # the supervisor cancelled it on purpose
    ready: trio.Event = field(default_factory=trio.Event)
    finished: trio.Event = field(default_factory=trio.Event)


@dataclass(frozen=True, slots=True)
class _Failure:
    error: BaseException
    fatal: bool


class Supervisor:
    """Runs the actors of one ``aimcoach run``; see the module docstring.

    ``grace_period`` bounds a graceful stop (seconds, trio's clock). ``intensity`` and
    ``backoff`` are the defaults for actors whose spec sets none. ``rng`` makes the jitter
    reproducible in tests. ``handle_signals`` makes :meth:`run` listen for SIGINT/SIGTERM
    (Windows: SIGINT/SIGBREAK): the first one requests a graceful stop, a second one cancels
    everything at once. It needs the main thread (a trio rule).

    A supervisor runs once.
    """

    def __init__(
        self,
        specs: Sequence[ActorSpec],
        *,
        grace_period: float = 10.0,
        intensity: Intensity | None = None,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        handle_signals: bool = False,
    ) -> None:
        names = [s.name for s in specs]
        if len(set(names)) != len(names):
            raise ValueError(f"actor names must be unique: {names}")
        for spec in specs:
            clash = set(spec.kwargs) & set(spec.channels)
            if clash:
                raise ValueError(f"{spec.name}: {sorted(clash)} given as kwargs and channels")
        if grace_period < 0:
            raise ValueError("grace_period must be >= 0")
        default_intensity = intensity or Intensity()
        default_backoff = backoff or Backoff()
        self._slots = [
            _Slot(
                spec=spec,
                intensity=spec.intensity or default_intensity,
                backoff=spec.backoff or default_backoff,
                takes_status=_takes_task_status(spec.fn),
            )
            for spec in specs
        ]
        self._grace = grace_period
        self._rng = rng if rng is not None else random.Random()
        self._handle_signals = handle_signals
        # original channel end -> the actors that still hold it (by identity: ends are not
        # hashable by value, and the same end may be shared by several specs)
        self._holders: dict[int, tuple[ChannelEnd, set[str]]] = {}
        for spec in specs:
            for end in spec.channels.values():
                self._holders.setdefault(id(end), (end, set()))[1].add(spec.name)
        self._stop_requested = trio.Event()
        self._force = False
        self._grace_scope: trio.CancelScope | None = None
        self._actors_scope: trio.CancelScope | None = None
        self._failure: BaseException | None = None
        self._ran = False
        self._t0: float | None = None
        self.started_at: str | None = None

    # -- what the status server shows -------------------------------------------------------

    def actors_snapshot(self) -> list[ActorStatus]:
        return [
            ActorStatus(
                name=s.spec.name,
                state=s.state,
                restarts=s.restarts,
                last_error=s.last_error,
                started_at=s.started_at,
            )
            for s in self._slots
        ]

    def uptime_s(self) -> float:
        """Seconds since :meth:`run` started, on trio's clock (0 before; call inside trio)."""
        return 0.0 if self._t0 is None else trio.current_time() - self._t0

    @property
    def stopping(self) -> bool:
        return self._stop_requested.is_set()

    # -- control ----------------------------------------------------------------------------

    def request_stop(self, *, force: bool = False) -> None:
        """Stop gracefully (idempotent); ``force`` ends the grace period now.

        Safe to call from any task of the run, before or during :meth:`run`.
        """
        if force:
            self._force = True
            if self._grace_scope is not None:
                self._grace_scope.cancel()
        self._stop_requested.set()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Run until every actor has ended; see the class and module docstrings.

        ``task_status.started()`` is called once every actor is running (or has ended).
        Raises :class:`SupervisorGaveUp`, or the fatal :class:`AimcoachError` of a critical actor.
        """
        if self._ran:
            raise RuntimeError("a Supervisor runs once")
        self._ran = True
        self._t0 = trio.current_time()
        self.started_at = _now_rfc3339()
        try:
            async with trio.open_nursery() as helpers:
                helpers.start_soon(self._stopper)
                if self._handle_signals:
                    helpers.start_soon(self._watch_signals)
                try:
                    async with trio.open_nursery() as actors:
                        self._actors_scope = actors.cancel_scope
                        for slot in self._slots:
                            actors.start_soon(self._supervise, slot)
                        for slot in self._slots:
                            await slot.ready.wait()
                        task_status.started()
                finally:
                    helpers.cancel_scope.cancel()
        finally:
            for end, _ in self._holders.values():
                end.close()
        if self._failure is not None:
            raise self._failure

    # -- internals --------------------------------------------------------------------------

    async def _watch_signals(self) -> None:
        with trio.open_signal_receiver(*_stop_signals()) as received:
            async for signum in received:
                again = self.stopping
                _log.info("signal received", signal=signal.Signals(signum).name, force=again)
                self.request_stop(force=again)

    async def _stopper(self) -> None:
        await self._stop_requested.wait()
        _log.debug("stopping", grace_period_s=self._grace)
        with trio.move_on_after(self._grace) as grace:
            self._grace_scope = grace
            if self._force:
                grace.cancel()
            for phase in sorted({s.spec.phase for s in self._slots}):
                members = [s for s in self._slots if s.spec.phase == phase]
                for slot in members:
                    slot.stopping = True
                    if slot.spec.on_stop == "cancel":
                        self._cancel(slot)
                for slot in members:
                    await slot.finished.wait()
        left = [s for s in self._slots if not s.finished.is_set()]
        if left:
            _log.warning(
                "grace period over, cancelling",
                actors=[s.spec.name for s in left],
                grace_period_s=self._grace,
            )
            for slot in left:
                slot.stopping = True
                self._cancel(slot)

    def _cancel(self, slot: _Slot) -> None:
        slot.cancelled = True
        if slot.scope is not None:
            slot.scope.cancel()

    def _give_up(self, error: BaseException) -> None:
        if self._failure is None:
            self._failure = error
        if self._actors_scope is not None:
            self._actors_scope.cancel()

    async def _supervise(self, slot: _Slot) -> None:
        spec = slot.spec
        try:
            with structlog.contextvars.bound_contextvars(actor=spec.name):
                while True:
                    failure = await self._attempt(slot)
                    delay = self._after(slot, failure)
                    if delay is None:
                        break
                    slot.state = "restarting"
                    with trio.CancelScope() as scope:
                        slot.scope = scope
                        if slot.cancelled:
                            scope.cancel()
                        await trio.sleep(delay)
                    if scope.cancelled_caught:
                        slot.state = "stopped"
                        break
        finally:
            if slot.state in ("starting", "running", "restarting"):
                slot.state = "stopped"  # cancelled from outside (a give-up, or the caller)
            slot.scope = None
            slot.ready.set()
            slot.finished.set()
            self._release(slot)
            self._maybe_complete()

    async def _attempt(self, slot: _Slot) -> _Failure | None:
        """Run the actor once. ``None``: it returned or was cancelled by us."""
        spec = slot.spec
        slot.state = "starting" if slot.takes_status else "running"
        slot.started_at = _now_rfc3339()
        if not slot.takes_status:
            slot.ready.set()
        clones: list[ChannelEnd] = []
        error: BaseException | None = None
        with trio.CancelScope() as scope:
            slot.scope = scope
            if slot.cancelled:
                scope.cancel()
            try:
                try:
                    kwargs = dict(spec.kwargs)
                    for name, end in spec.channels.items():
                        clone = end.clone()
                        clones.append(clone)
                        kwargs[name] = clone
                    if slot.takes_status:
                        kwargs["task_status"] = _Started(slot)
                    await spec.fn(**kwargs)
                finally:
                    # The actor should have closed its clones; closing again is harmless, and an
                    # actor that forgot must not keep a channel open forever.
                    for clone in clones:
                        clone.close()
            # Cancelled (and KeyboardInterrupt, SystemExit) pass through untouched: a bare
            # Cancelled is not matched, and from a group only the Exception part is taken.
            except* Exception as group:
                only = group.exceptions[0] if len(group.exceptions) == 1 else group
                error = only
        slot.scope = None
        if error is not None and scope.cancelled_caught and slot.cancelled:
            # An error while being cancelled on purpose (cleanup code that failed): record it,
            # but the actor is stopping, not failing.
            slot.last_error = render_error(error)
            _log.warning("actor failed while stopping", error=slot.last_error)
            return None
        if error is None:
            return None
        fatal_types = DEFAULT_FATAL + spec.fatal
        fatal = any(isinstance(leaf, fatal_types) for leaf in _leaves(error))
        return _Failure(error, fatal)

    def _after(self, slot: _Slot, failure: _Failure | None) -> float | None:
        """Decide what follows an attempt: a restart delay, or ``None`` for the end."""
        spec = slot.spec
        if slot.cancelled and failure is not None:
            # It failed just as the stop reached it: the stop wins, nothing is restarted.
            slot.last_error = render_error(failure.error)
            slot.state = "stopped"
            _log.warning("actor failed while stopping", error=slot.last_error)
            return None
        if failure is None:
            if slot.cancelled:
                slot.state = "stopped"
                _log.debug("actor stopped")
                return None
            if spec.restart != "permanent" or slot.stopping:
                slot.state = "done"
                _log.debug("actor finished")
                return None
            # A permanent actor returned on its own: something upstream ended unexpectedly.
            slot.last_error = t("supervisor.returned", actor=spec.name)
            _log.warning("actor returned unexpectedly")
            error: BaseException | None = None
        else:
            error = failure.error
            slot.last_error = render_error(error)
            expected = all(isinstance(leaf, AimcoachError) for leaf in _leaves(error))
            if failure.fatal or spec.restart == "temporary":
                slot.state = "failed"
                # An expected error of a critical actor is raised to the caller, which tells the
                # person; logging it as an error too would say the same thing twice.
                reported = expected and spec.critical and failure.fatal
                (_log.info if reported else _log.error)(
                    "actor failed, not restarting",
                    error=slot.last_error,
                    exc_info=None if expected else error,
                )
                if spec.critical:
                    leaves = _leaves(error)
                    if failure.fatal and len(leaves) == 1 and isinstance(leaves[0], AimcoachError):
                        # A bad setting: its own message says what to fix, and its exit code (2)
                        # tells scripts it is a configuration problem.
                        self._give_up(leaves[0])
                    else:
                        gave_up = SupervisorGaveUp(
                            "supervisor.not_restarted", actor=spec.name, error=slot.last_error
                        )
                        gave_up.__cause__ = error
                        self._give_up(gave_up)
                return None
            if expected:
                _log.warning("actor failed", error=slot.last_error)
            else:
                _log.error("actor failed unexpectedly", error=slot.last_error, exc_info=error)

        now = trio.current_time()
        window = slot.intensity.window_s
        while slot.recent and slot.recent[0] <= now - window:
            slot.recent.popleft()
        if len(slot.recent) >= slot.intensity.max_restarts:
            slot.state = "failed"
            last = slot.last_error or ""
            _log.error(
                "actor restarted too often, giving up",
                restarts=len(slot.recent),
                window_s=window,
                error=last,
            )
            if spec.critical:
                gave_up = SupervisorGaveUp(
                    "supervisor.gave_up",
                    actor=spec.name,
                    error=last,
                    count=len(slot.recent) + 1,
                    window=f"{window:g}",
                )
                gave_up.__cause__ = error
                self._give_up(gave_up)
            return None
        delay = slot.backoff.delay(len(slot.recent), self._rng)
        slot.recent.append(now)
        slot.restarts += 1
        _log.info("restarting actor", delay_s=round(delay, 3), restarts=slot.restarts)
        return delay

    def _release(self, slot: _Slot) -> None:
        for end in slot.spec.channels.values():
            entry = self._holders.get(id(end))
            if entry is None:
                continue
            entry[1].discard(slot.spec.name)
            if not entry[1]:
                end.close()

    def _maybe_complete(self) -> None:
        workers = [s for s in self._slots if not s.spec.daemon]
        if self._failure is not None or self.stopping:
            return
        # "done"/"failed": ended on their own; a task cancelled from outside is not completion
        if workers and all(s.finished.is_set() and s.state in ("done", "failed") for s in workers):
            _log.debug("every actor has finished, stopping the rest")
            self.request_stop()
