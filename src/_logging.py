"""structlog, configured once by ``main``: JSON lines off a terminal, console on one.

A redaction processor runs last before rendering: values under secret-looking keys
(``token``, ``authorization``, ``secret``, ``password``, ``passphrase``), any ``Bearer …`` text,
and every value registered with :func:`register_secret` (for example ``--api-token``) are
replaced by ``[redacted]`` wherever they appear, nested or inside longer strings.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

__all__ = ["REDACTED", "configure_logging", "redact", "register_secret"]

REDACTED = "[redacted]"
_SECRET_KEY = re.compile(r"token|authorization|secret|password|passphrase|cookie", re.I)
_BEARER = re.compile(r"(Bearer|Admin)\s+[^\s\"',;]+", re.I)
_secrets: set[str] = set()

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
}


def register_secret(value: str | None) -> None:
    """Never let ``value`` reach a log line (it is replaced wherever it appears)."""
    if value and len(value) >= 4:
        _secrets.add(value)


def _scrub(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)


def redact(value: Any, key: str = "") -> Any:
    # counts and flags about tokens ("token_expires_in_days") are fine; values are not
    secret_key = bool(key) and _SECRET_KEY.search(key) is not None
    is_count = isinstance(value, bool) or (
        isinstance(value, int | float) and "expire" in key.lower()
    )
    if secret_key and value is not None and not is_count:
        return REDACTED
    if isinstance(value, str):
        return _scrub(value)
    if isinstance(value, dict):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, BaseException):
        return _scrub(f"{type(value).__name__}: {value}")
    return value


def _redact_processor(
    _logger: Any, _name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        event_dict[key] = redact(event_dict[key], key if key != "event" else "")
    return event_dict


def configure_logging(level: str = "info", fmt: str = "auto", stream: TextIO | None = None) -> None:
    stream = sys.stderr if stream is None else stream
    tty = bool(getattr(stream, "isatty", lambda: False)())
    json_lines = fmt == "json" or (fmt == "auto" and not tty)
    colors = tty and not json_lines and "NO_COLOR" not in os.environ and sys.platform != "win32"
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        _redact_processor,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json_lines
        else structlog.dev.ConsoleRenderer(colors=colors)
    )
    # watchfiles reports every change burst at INFO through the standard library: noise.
    logging.getLogger("watchfiles").setLevel(logging.WARNING)
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS.get(level, logging.INFO)),
        logger_factory=structlog.PrintLoggerFactory(file=stream),
        cache_logger_on_first_use=False,
    )
