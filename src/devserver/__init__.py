"""The reference ingest server (``aimcoach devserver``): design.md §6 on loopback.

It implements the API contract in docs/api.md with its own SQLite store, link codes, short
token lifetimes for tests, and scripted faults, so that the agent's end-to-end tests, the demo
and the benchmarks have a real server to talk to. It is a development tool: it binds loopback
unless told otherwise, and it must never log a token.

    async with trio.open_nursery() as nursery:
        url = await nursery.start(serve_devserver, DevServerOptions(port=0))
"""

from __future__ import annotations

from aimcoach.devserver._options import (
    CODE_MAX_FAILURES,
    CODE_TTL_S,
    IDEMPOTENCY_TTL_S,
    MAX_BODY_BYTES,
    MAX_RECORD_BYTES,
    MAX_RECORDS,
    DevServerOptions,
)
from aimcoach.devserver._server import mint_code, serve_devserver

__all__ = [
    "CODE_MAX_FAILURES",
    "CODE_TTL_S",
    "IDEMPOTENCY_TTL_S",
    "MAX_BODY_BYTES",
    "MAX_RECORDS",
    "MAX_RECORD_BYTES",
    "DevServerOptions",
    "mint_code",
    "serve_devserver",
]
