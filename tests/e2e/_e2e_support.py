"""The end-to-end harness: a private world in which real ``aimcoach`` child processes run.

A :class:`World` is one player's PC in a temporary folder: its own state, data and runtime
folders, an empty config file, the encrypted-file token store, the game folders, and the
reference server (in this test's trio loop, on loopback) as the API endpoint. Commands run as
``sys.executable -m aimcoach …`` with that world's environment; their output goes to log files
in the world, quoted in assertion messages. ``ServerLog`` keeps the reference server's own
request log (with a monotonic time per line) for assertions about what reached the server.

Every wait here has a ceiling and polls a condition: nothing sleeps to synchronise. This module
must not reach outside its world (no real home, keystore, game folder or network).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import structlog
import trio

from aimcoach.actors._runtime import RUNTIME_FILE_NAME
from aimcoach.cli._ctl import CtlError, NoRunningAgent, ctl_request
from aimcoach.devserver.testing import RunningServer
from aimcoach.state import STATE_FILENAME, AsyncState, StateCounts

__all__ = [
    "PASSPHRASE",
    "SHARED_SAMPLES",
    "ServerLog",
    "World",
    "eventually",
    "server_digests",
]

REPO = Path(__file__).resolve().parents[2]
#: The real files other teams collected (design brief: ../shared/samples); may be absent.
SHARED_SAMPLES = REPO.parent / "shared" / "samples"
PASSPHRASE = "e2e-passphrase-not-a-secret"
#: A single `aimcoach` command (link, run --once, ctl) never takes this long on a sane machine.
COMMAND_CEILING_S = 90.0

_T = TypeVar("_T")


async def eventually(
    check: Callable[[], Awaitable[_T | None]],
    *,
    what: str,
    timeout: float = 30.0,  # noqa: ASYNC109 - a ceiling that names the condition, not a sleep
    interval: float = 0.1,
    alive: trio.Process | None = None,
    log: Path | None = None,
) -> _T:
    """Poll ``check()`` until it returns something truthy; fail after ``timeout`` seconds.

    With ``alive``, a process that exits meanwhile fails the wait at once (with its log).
    """
    last: object = None
    with trio.move_on_after(timeout):
        while True:
            value = await check()
            if value:
                return value
            last = value
            if alive is not None and alive.returncode is not None:
                raise AssertionError(
                    f"while waiting for {what}, the process exited with {alive.returncode}"
                    + _tail(log)
                )
            await trio.sleep(interval)
    raise AssertionError(
        f"timed out after {timeout:g} s waiting for {what} (last: {last!r})" + _tail(log)
    )


def _tail(log: Path | None, lines: int = 40) -> str:
    if log is None or not log.exists():
        return ""
    text = log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    return f"\n--- {log.name} (last {lines} lines) ---\n" + "\n".join(text)


class ServerLog:
    """A structlog processor that keeps every event logged in this process, with its time.

    Installed while the reference server runs in the test's trio loop, it holds the server's
    request log: one ``request`` event per request, logged just before the answer goes out.
    """

    def __init__(self) -> None:
        self.events: list[tuple[float, dict[str, Any]]] = []

    def __call__(
        self, logger: object, method: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        self.events.append((time.monotonic(), dict(event_dict)))
        raise structlog.DropEvent

    def requests(self, path: str | None = None) -> list[tuple[float, dict[str, Any]]]:
        return [
            (at, ev)
            for at, ev in self.events
            if ev.get("event") == "request" and (path is None or ev.get("path") == path)
        ]

    def install(self) -> None:
        structlog.configure(processors=[self], cache_logger_on_first_use=False)


def server_digests(db_path: Path) -> list[str]:
    """Every digest the reference server stored (read from its own SQLite file, read-only)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return [row[0] for row in conn.execute("SELECT digest FROM records")]
    finally:
        conn.close()


@dataclass
class World:
    """One player's PC in ``root``, talking to ``server``."""

    root: Path
    server: RunningServer
    env_overrides: dict[str, str] = field(default_factory=dict)
    _count: int = 0

    def __post_init__(self) -> None:
        for sub in ("state", "data", "runtime", "logs", "kovaaks", "aimlab"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "runtime").chmod(0o700)
        self.config_file.write_text("", encoding="utf-8")

    # -- where things are ----------------------------------------------------------------------

    @property
    def state_dir(self) -> Path:
        return self.root / "state"

    @property
    def kovaaks_dir(self) -> Path:
        return self.root / "kovaaks"

    @property
    def aimlabs_db(self) -> Path:
        return self.root / "aimlab" / "klutch.bytes"

    @property
    def config_file(self) -> Path:
        return self.root / "config.toml"

    @property
    def runtime_file(self) -> Path:
        # AIMCOACH_STATE_DIR is set, so the run keeps its runtime file there (see _runtime).
        return self.state_dir / RUNTIME_FILE_NAME

    # -- the environment of every command ------------------------------------------------------

    def env(self, **overrides: str) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("AIMCOACH_")
            and k not in ("API_TOKEN", "API_ENDPOINT", "AIMLABS_SQLITE_PATH", "KOVAAKS_CSV_DIR")
        }
        env.update(
            {
                "AIMCOACH_CONFIG": str(self.config_file),
                "AIMCOACH_STATE_DIR": str(self.state_dir),
                "AIMCOACH_DATA_DIR": str(self.root / "data"),
                "AIMCOACH_TOKEN_STORE": "file",
                "AIMCOACH_TOKEN_PASSPHRASE": PASSPHRASE,
                "AIMCOACH_API_ENDPOINT": self.server.url,
                "XDG_RUNTIME_DIR": str(self.root / "runtime"),
                "AIMCOACH_LANG": "en",
                "AIMCOACH_LOG_FORMAT": "json",
                "AIMCOACH_TIMEZONE": "UTC",
                "AIMCOACH_KOVAAKS_CSV_DIR": str(self.kovaaks_dir),
                "AIMCOACH_QUIET_PERIOD_S": "0.2",
                "AIMCOACH_LINGER_S": "0.2",
                "AIMCOACH_POLL_INTERVAL_S": "1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.aimlabs_db.exists():
            env["AIMCOACH_AIMLABS_SQLITE"] = str(self.aimlabs_db)
        else:
            env["AIMCOACH_PROVIDER"] = "kovaaks"
        env.update(self.env_overrides)
        env.update(overrides)
        return env

    def _log_path(self, args: tuple[str, ...]) -> Path:
        self._count += 1
        name = "-".join(a.lstrip("-") for a in args[:2] if not a.startswith("/"))
        return self.root / "logs" / f"{self._count:02d}-{name}.log"

    # -- commands ------------------------------------------------------------------------------

    async def aimcoach(self, *args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
        """Run one command to its end; its output is captured (and kept in a log file)."""
        log = self._log_path(args)
        with trio.fail_after(COMMAND_CEILING_S):
            done = await trio.run_process(
                [sys.executable, "-m", "aimcoach", *args],
                env=self.env(**env),
                capture_stdout=True,
                capture_stderr=True,
                check=False,
            )
        log.write_bytes(done.stdout + b"\n--- stderr ---\n" + done.stderr)
        return done

    async def link(self) -> None:
        code = await self.server.mint()
        done = await self.aimcoach("link", "--code", code, "--device", "e2e PC")
        assert done.returncode == 0, done.stderr.decode()

    async def run_once(self, *args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
        return await self.aimcoach("run", "--once", *args, **env)

    @contextlib.asynccontextmanager
    async def running(self, *args: str, **env: str) -> AsyncIterator[Agent]:
        """A long-lived ``aimcoach run`` for the duration of the block (killed if still up)."""
        log = self._log_path(("run", *args))
        out = await trio.to_thread.run_sync(log.open, "wb")
        with out:
            proc = await trio.lowlevel.open_process(
                [sys.executable, "-m", "aimcoach", "run", *args],
                env=self.env(**env),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            try:
                yield Agent(self, proc, log)
            finally:
                if proc.returncode is None:
                    proc.kill()
                with trio.CancelScope(shield=True), trio.move_on_after(10):
                    await proc.wait()

    async def ctl_status_json(self) -> dict[str, Any]:
        """``aimcoach ctl status --json``, as a child process, parsed."""
        done = await self.aimcoach("ctl", "status", "--json")
        assert done.returncode == 0, done.stderr.decode()
        status: dict[str, Any] = json.loads(done.stdout)
        return status

    @contextlib.asynccontextmanager
    async def state(self) -> AsyncIterator[AsyncState]:
        """The state database, opened as aimcoach does (only while no run holds its lock)."""
        async with await AsyncState.open(self.state_dir) as state:
            yield state

    async def counts(self) -> StateCounts:
        async with self.state() as state:
            return await state.counts()

    def raw_state(self) -> sqlite3.Connection:
        """A plain SQLite connection to the state database, past aimcoach's own lock."""
        return sqlite3.connect(self.state_dir / STATE_FILENAME, isolation_level=None, timeout=2)


@dataclass
class Agent:
    """A running ``aimcoach run`` child process of a :class:`World`."""

    world: World
    proc: trio.Process
    log: Path

    async def snapshot(self) -> dict[str, Any] | None:
        """Its status over the real control socket (in-process client); None until it answers."""
        try:
            reply = await ctl_request("status", runtime_dir=self.world.state_dir, timeout=5)
        except (NoRunningAgent, CtlError):
            return None
        status = reply.get("status")
        return status if isinstance(status, dict) else None

    async def ready(self, timeout: float = 30.0) -> dict[str, Any]:  # noqa: ASYNC109
        """Wait until every actor is running (the first scans are done, the watches in place)."""

        async def check() -> dict[str, Any] | None:
            snap = await self.snapshot()
            if snap is None or not snap["actors"]:
                return None
            return snap if all(a["state"] == "running" for a in snap["actors"]) else None

        return await self.wait_for(check, what="every actor running", timeout=timeout)

    async def wait_for(
        self,
        check: Callable[[], Awaitable[_T | None]],
        *,
        what: str,
        timeout: float = 30.0,  # noqa: ASYNC109
    ) -> _T:
        return await eventually(check, what=what, timeout=timeout, alive=self.proc, log=self.log)

    async def exited(self, timeout: float = 60.0) -> int:  # noqa: ASYNC109
        with trio.move_on_after(timeout):
            return await self.proc.wait()
        raise AssertionError(f"aimcoach run did not exit within {timeout:g} s" + _tail(self.log))

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")
