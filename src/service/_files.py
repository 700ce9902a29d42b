"""Writing and removing the service definitions, with OS errors turned into catalog messages.

A definition is written to a temporary file beside it and renamed into place, so a service
manager never reads half a file. This module must not touch anything but the paths it is given.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from aimcoach.service._model import ServiceError

__all__ = ["prune_empty_dirs", "remove_file", "write_bytes_atomic", "write_text_atomic"]


def write_bytes_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise ServiceError("service.write_failed", path=str(path), error=str(exc)) from exc


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def remove_file(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise ServiceError("service.remove_failed", path=str(path), error=str(exc)) from exc


def prune_empty_dirs(directory: Path, *, stop: Path) -> None:
    """Remove ``directory`` and its parents while they are empty, up to (not including) ``stop``.

    ``install`` may have created them; an empty folder left behind would be the only trace.
    """
    current = directory
    while current != stop and stop in current.parents:
        if current.exists():
            try:
                current.rmdir()
            except OSError:  # not empty, or not ours to remove: stop here
                return
        current = current.parent
