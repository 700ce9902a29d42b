"""The runtime file: how ``aimcoach ctl`` finds a running ``aimcoach run`` and proves it is us.

A run's status server writes ``ctl.json`` (pid, port, a per-run secret, start time, version)
into the runtime folder, readable by the same user only (mode 0600, created that way and put in
place with an atomic rename), and removes it on exit. ``ctl`` reads it, connects to 127.0.0.1 on
that port and presents the secret.

The folder is the platform's per-user runtime folder (``platformdirs.user_runtime_dir``), or the
state folder where there is none. When the state folder was chosen explicitly (``--state-dir``,
``AIMCOACH_STATE_DIR`` or the config file) the file lives there instead: that run is a separate
instance (a demo, a test, a second profile) and must not take over, or remove, the control file
of the player's everyday agent; a ``ctl`` given the same state folder finds it.

This module only reads and writes that one small file; it must not open sockets or log.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from aimcoach.config import Settings

__all__ = [
    "RUNTIME_FILE_NAME",
    "RuntimeFileError",
    "RuntimeInfo",
    "default_runtime_dir",
    "pid_alive",
    "read_runtime_file",
    "remove_runtime_file",
    "write_runtime_file",
]

RUNTIME_FILE_NAME = "ctl.json"
_APP = "aimcoach"


@dataclass(frozen=True, slots=True)
class RuntimeInfo:
    pid: int
    port: int
    secret: str = field(repr=False)
    started_at: str
    version: str

    def to_json(self) -> dict[str, Any]:
        return {
            "pid": self.pid,
            "port": self.port,
            "secret": self.secret,
            "started_at": self.started_at,
            "version": self.version,
        }


class RuntimeFileError(Exception):
    """The runtime file exists but does not hold what a run writes (``reason`` says why)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def default_runtime_dir(settings: Settings) -> Path:
    """Where the runtime file of the run with these settings lives (see the module docstring)."""
    if settings.sources.get("state_dir", "default") not in ("default", "unset"):
        return settings.state_dir
    try:
        # platformdirs warns (an error under our test settings) and falls back to a temporary
        # folder when XDG_RUNTIME_DIR is missing or unsafe, and raises when even that is unsafe.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            path = Path(platformdirs.user_runtime_dir(_APP, appauthor=False))
    except OSError:
        return settings.state_dir
    # The per-user base must already exist; a run creates only its own folder inside it.
    return path if path.parent.is_dir() else settings.state_dir


def write_runtime_file(directory: Path, info: RuntimeInfo) -> Path:
    """Write ``ctl.json`` atomically, readable and writable by its owner only; returns its path."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    final = directory / RUNTIME_FILE_NAME
    tmp = directory / f".{RUNTIME_FILE_NAME}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()  # left by a crashed run that had our pid
    # O_EXCL: never write through a file (or link) someone else put at the temporary name.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(json.dumps(info.to_json()).encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return final


def read_runtime_file(directory: Path) -> RuntimeInfo | None:
    """The runtime file in ``directory``; ``None`` when there is none.

    Raises :class:`RuntimeFileError` when it cannot be read or is not what a run writes, and
    ``OSError`` only for unexpected failures to open it.
    """
    path = directory / RUNTIME_FILE_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RuntimeFileError(path, exc.strerror or type(exc).__name__) from exc
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise RuntimeFileError(path, "not JSON") from exc
    if not isinstance(data, dict):
        raise RuntimeFileError(path, "not a JSON object")
    pid, port, secret = data.get("pid"), data.get("port"), data.get("secret")
    if not (
        isinstance(pid, int)
        and isinstance(port, int)
        and 0 < port < 65536
        and isinstance(secret, str)
        and secret
    ):
        raise RuntimeFileError(path, "pid, port or secret missing")
    return RuntimeInfo(
        pid=pid,
        port=port,
        secret=secret,
        started_at=str(data.get("started_at", "")),
        version=str(data.get("version", "")),
    )


def remove_runtime_file(path: Path, secret: str) -> None:
    """Remove the runtime file if it is still ours (another run may have replaced it)."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return
    if isinstance(data, dict) and data.get("secret") == secret:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (on Windows: assumed, the connection decides)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        # os.kill(pid, 0) would *terminate* the process on Windows; a dead run is found out by
        # the refused connection instead.
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else (a reused pid): the connection decides
    return True
