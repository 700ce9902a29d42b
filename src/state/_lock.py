"""An exclusive advisory lock on ``state.lock`` in the state directory.

Two processes that both send from the same outbox could each claim the same records into
different batches with different Idempotency-Keys, and the server would see both. So every
process that sends (``run``, ``run --once``, ``export``) holds this lock for its lifetime; a
second one gets a clear :class:`StateError`. ``status`` only reads and does not take it.

``flock`` (not ``lockf``) on POSIX, because its locks belong to the open file, so a second
open in the same process is refused too; ``msvcrt.locking`` on Windows. The OS drops either
lock when the process dies, so a crash never leaves a stale lock behind. The file keeps the
holder's PID for people looking at the directory; nothing reads it back.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from aimcoach.errors import StateError

__all__ = ["LOCK_FILENAME", "StateLock"]

LOCK_FILENAME = "state.lock"


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


class StateLock:
    """Holds the lock from construction until :meth:`release`."""

    def __init__(
        self, directory: Path, *, filename: str = LOCK_FILENAME, held_key: str = "state.locked"
    ) -> None:
        """``filename`` and ``held_key`` (the message when another process holds it) let the
        same lock guard other shared things, such as the sign-in in the data folder."""
        self.path = directory / filename
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StateError(
                "state.dir_unusable", directory=str(directory), detail=exc.strerror or str(exc)
            ) from exc
        try:
            locked = _try_lock(fd)
            if locked:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        except OSError as exc:
            os.close(fd)
            raise StateError(
                "state.dir_unusable", directory=str(directory), detail=exc.strerror or str(exc)
            ) from exc
        if not locked:
            os.close(fd)
            raise StateError(held_key, directory=str(directory))
        self._fd: int | None = fd

    def release(self) -> None:
        """Idempotent; the file itself stays (deleting it would race a new holder)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            _unlock(fd)
        finally:
            os.close(fd)
