"""Running the reference server under Hypercorn's trio worker, and minting link codes offline.

This module owns the process-facing edges: the database file, the listening socket and their
errors (translated to :class:`~aimcoach.errors.ConfigError`). It must not print: the CLI does.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import time
from collections.abc import Callable
from functools import partial
from typing import Any, cast

import hypercorn.trio
import trio
from hypercorn.config import Config

from aimcoach.devserver._app import DevServerApp
from aimcoach.devserver._options import DevServerOptions, is_valid_user
from aimcoach.devserver._store import Store, insert_code, open_connection
from aimcoach.errors import ConfigError

__all__ = ["mint_code", "serve_devserver"]

# Hypercorn's own messages ("Running on …" at INFO, app crashes at ERROR) go to a plain
# stdlib logger, so it never installs handlers of its own on "hypercorn.error".
_HYPERCORN_LOG = logging.getLogger("aimcoach.devserver.hypercorn")


def _listen(host: str, port: int) -> socket.socket:
    """A bound (not yet listening) TCP socket; :class:`ConfigError` if the address is taken."""
    host = host.strip("[]")
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        # Restart on the same port at once on POSIX; on Windows SO_REUSEADDR would let a
        # second server steal a port in use, so it is left off there.
        if os.name != "nt":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError("devserver.bind_failed", host=host, port=port, error=exc) from exc
    return sock


def _hypercorn_config(fd: int) -> Config:
    config = Config()
    # We bind the socket ourselves: a clean error when the port is taken, and no socket left
    # open behind it (Hypercorn's own bind leaks one on failure).
    config.bind = [f"fd://{fd}"]
    config.accesslog = None  # we log every request ourselves, without headers
    config.errorlog = _HYPERCORN_LOG
    return config


async def serve_devserver(
    options: DevServerOptions,
    *,
    task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve until cancelled; ``task_status.started(url)`` once listening (e.g.
    ``"http://127.0.0.1:40123"``, with the real port when ``options.port`` is 0).

    Raises :class:`ConfigError` (``devserver.db_failed``, ``devserver.bind_failed``) before it
    starts if the database cannot be opened or the address cannot be bound.
    """
    store = await Store.open(options.db_path)
    try:
        sock = _listen(options.host, options.port)
        # From here Hypercorn owns the socket (it wraps the descriptor and closes it).
        config = _hypercorn_config(sock.detach())
        # Hypercorn types its app as a union of TypedDict-based callables; ours takes plain
        # mappings and dicts, which is what Hypercorn actually passes.
        app = cast(Any, DevServerApp(options, store))
        async with trio.open_nursery() as nursery:
            binds: list[str] = await nursery.start(
                partial(hypercorn.trio.serve, app, config, mode="asgi")
            )
            task_status.started(binds[0])
    finally:
        await store.aclose()


def mint_code(
    db_path: str | os.PathLike[str],
    user: str = "player",
    *,
    clock: Callable[[], float] = time.time,
) -> str:
    """A fresh 6-digit link code for ``user`` in the database at ``db_path``.

    Works while a server runs on the same file (another process): the server reads codes from
    the database on every ``/link/complete``. Raises :class:`ConfigError`.
    """
    path = os.fspath(db_path)
    if path == ":memory:":
        raise ConfigError("devserver.mint_memory_db")
    if not is_valid_user(user):
        raise ConfigError("devserver.bad_user", user=user)
    conn = open_connection(path)
    try:
        return insert_code(conn, user, clock())
    except sqlite3.Error as exc:
        raise ConfigError("devserver.db_failed", path=path, error=exc) from exc
    finally:
        conn.close()
