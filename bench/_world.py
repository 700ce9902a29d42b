"""A private world for the end-to-end benchmarks and the soak: the reference server on loopback,
a linked device, and ``aimcoach run`` as a child process whose time, CPU and memory we measure.

Everything lives in one temporary folder (state, tokens, config, the server's database); the
player's real settings and tokens are never read. The server runs as its own process, so its
CPU is not counted against ``run``. This module must not talk to anything but 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

REPO = Path(__file__).resolve().parents[1]
AIMCOACH = Path(os.environ.get("BENCH_AIMCOACH") or Path(sys.executable).with_name("aimcoach"))
_CLK_TCK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def machine() -> dict[str, str]:
    """What the figures were measured on: cores, CPU model, RAM, Python, kernel, date."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "ram": ram,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


_SUMMARY = (
    "files",
    "records",
    "new",
    "known",
    "accepted",
    "server_duplicates",
    "rejected",
    "quarantined",
    "pending",
)


@dataclass(frozen=True, slots=True)
class Finished:
    """A child process that ran to its end: wall time, exit code, CPU and peak RSS."""

    wall_s: float
    returncode: int
    cpu_s: float
    max_rss_mb: float
    stderr: str

    def summary(self) -> dict[str, int] | None:
        """The counts of ``run --once``'s closing line (catalog key run.summary, in English)."""
        for line in reversed(self.stderr.splitlines()):
            if line.startswith("Done: "):
                numbers = [int(n) for n in re.findall(r"\d+", line)]
                if len(numbers) == len(_SUMMARY):
                    return dict(zip(_SUMMARY, numbers, strict=True))
        return None

    def event(self, name: str) -> dict[str, Any] | None:
        """The last JSON log line with ``"event": name`` (``run`` logs JSON off a terminal)."""
        found = None
        for line in self.stderr.splitlines():
            if line.startswith("{") and f'"{name}"' in line:
                try:
                    doc = json.loads(line)
                except ValueError:
                    continue
                if doc.get("event") == name:
                    found = doc
        return found


def wait_measured(proc: subprocess.Popen[bytes], began: float, stderr_path: Path) -> Finished:
    """Reap ``proc`` with ``os.wait4`` so the rusage is this child's alone (not the maximum of
    every child reaped so far, which is what RUSAGE_CHILDREN would give)."""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - began
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Finished(
        wall_s=wall,
        returncode=proc.returncode,
        cpu_s=usage.ru_utime + usage.ru_stime,
        max_rss_mb=usage.ru_maxrss / 1024,  # Linux reports KiB
        stderr=stderr_path.read_text(errors="replace"),
    )


def proc_cpu_s(pid: int) -> float:
    """utime + stime of a live process, in seconds (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


def proc_rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a live process in MiB, from /proc/<pid>/status."""
    rss = hwm = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
        elif line.startswith("VmHWM:"):
            hwm = int(line.split()[1]) / 1024
    return rss, hwm


@dataclass
class Live:
    """A long-lived ``aimcoach run`` started by :meth:`World.start_run`."""

    proc: subprocess.Popen[bytes]
    began: float
    stderr_path: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self, timeout: float = 30.0) -> Finished:
        """SIGTERM (a graceful stop: drain, flush), then reap and measure."""
        self.proc.send_signal(signal.SIGTERM)
        return self._reap(timeout)

    def kill(self) -> Finished:
        """SIGKILL: no goodbye, as a power cut or a task manager would."""
        self.proc.send_signal(signal.SIGKILL)
        return self._reap(30.0)

    def _reap(self, timeout: float) -> Finished:
        deadline = time.monotonic() + timeout
        while _alive(self.pid):  # poll() would reap it and lose its rusage
            if time.monotonic() > deadline:
                self.proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.05)
        return wait_measured(self.proc, self.began, self.stderr_path)


def _alive(pid: int) -> bool:
    """True while ``pid`` has not exited (a zombie counts as exited; it is not reaped here)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class World:
    """Temp folder + reference server + linked device. Use as a context manager."""

    server_args: Sequence[str] = ()
    keep: bool = False
    root: Path = field(init=False)
    port: int = field(init=False)
    secret: str = field(init=False)
    env: dict[str, str] = field(init=False)
    _server: subprocess.Popen[bytes] | None = field(init=False, default=None)
    _runs: int = field(init=False, default=0)

    def __enter__(self) -> Self:
        self.root = Path(tempfile.mkdtemp(prefix="aimcoach-bench-"))
        self.port = free_port()
        self.secret = "bench-" + secrets.token_hex(8)
        (self.root / "config.toml").touch()
        runtime = self.root / "runtime"
        runtime.mkdir(mode=0o700)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIMCOACH_", "API_"))}
        env.pop("KOVAAKS_CSV_DIR", None)
        env.pop("AIMLABS_SQLITE_PATH", None)
        env.update(
            AIMCOACH_CONFIG=str(self.root / "config.toml"),
            AIMCOACH_STATE_DIR=str(self.root / "state"),
            AIMCOACH_DATA_DIR=str(self.root / "data"),
            AIMCOACH_TOKEN_STORE="file",
            AIMCOACH_TOKEN_PASSPHRASE="bench-passphrase",
            AIMCOACH_API_ENDPOINT=f"http://127.0.0.1:{self.port}",
            AIMCOACH_LOG_FORMAT="json",
            AIMCOACH_LOG_LEVEL="info",
            AIMCOACH_TIMEZONE="UTC",
            AIMCOACH_LANG="en",
            XDG_RUNTIME_DIR=str(runtime),
        )
        self.env = env
        self.start_server()
        self._link()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_server()
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    # ---- the reference server ---------------------------------------------------------------

    @property
    def server_db(self) -> Path:
        return self.root / "devserver.sqlite3"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_server(self) -> None:
        env = dict(self.env, AIMCOACH_DEVSERVER_ADMIN_SECRET=self.secret)
        log = open(self.root / "devserver.log", "ab")  # noqa: SIM115 - the child keeps it
        self._server = subprocess.Popen(
            [str(AIMCOACH), "devserver", "--port", str(self.port), "--db", str(self.server_db),
             "--log-level", "warn", *self.server_args],
            env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._server.poll() is not None:
                raise RuntimeError(f"the reference server exited: see {self.root}/devserver.log")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the reference server did not start within 30 s")

    def stop_server(self) -> None:
        if self._server is not None and self._server.poll() is None:
            self._server.send_signal(signal.SIGTERM)
            try:
                self._server.wait(15)
            except subprocess.TimeoutExpired:
                self._server.kill()
                self._server.wait()
        self._server = None

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(
            method,
            f"{self.url}{path}",
            json=body,
            headers={"Authorization": f"Admin {self.secret}"},
            timeout=30,
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def totals(self) -> dict[str, int]:
        totals: dict[str, int] = self.admin("GET", "/admin/stats")["totals"]
        return totals

    def accepted_at(self) -> dict[str, float]:
        """KovaaK's file name → the server's ``received_at`` (its wall clock when it stored the
        record), read from the server's own database, read-only."""
        uri = f"file:{self.server_db}?mode=ro"
        con = sqlite3.connect(uri, uri=True, timeout=30)
        try:
            rows = con.execute(
                "SELECT json_extract(record, '$.raw_json.file_name'), received_at FROM records"
                " WHERE provider = 'kovaaks'"
            ).fetchall()
        finally:
            con.close()
        return {name: at for name, at in rows if name is not None}

    def _link(self) -> None:
        code = self.admin("POST", "/admin/mint-code", {"user": "player"})["code"]
        done = subprocess.run(
            [str(AIMCOACH), "link", "--code", code, "--device", "bench PC"],
            env=self.env, stdin=subprocess.DEVNULL, capture_output=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"link failed: {done.stderr.decode(errors='replace')}")

    # ---- aimcoach run -----------------------------------------------------------------------

    def _spawn(
        self, args: Sequence[str], env: Mapping[str, str] | None
    ) -> tuple[subprocess.Popen[bytes], float, Path]:
        self._runs += 1
        stderr_path = self.root / f"run-{self._runs}.log"
        with open(stderr_path, "wb") as err:
            began = time.perf_counter()
            proc = subprocess.Popen(
                [str(AIMCOACH), "run", *args],
                env=dict(self.env, **(env or {})),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        return proc, began, stderr_path

    def run_once(self, args: Sequence[str], env: Mapping[str, str] | None = None) -> Finished:
        proc, began, stderr_path = self._spawn(["--once", *args], env)
        return wait_measured(proc, began, stderr_path)

    def start_run(self, args: Sequence[str], env: Mapping[str, str] | None = None) -> Live:
        proc, began, stderr_path = self._spawn(args, env)
        return Live(proc, began, stderr_path)
