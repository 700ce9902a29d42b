"""Argument parsing and the commands (filled in by the CLI module)."""

from __future__ import annotations


def console_main() -> None:
    raise SystemExit(2)
