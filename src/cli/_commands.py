"""Our own command handlers and the wiring of the parser."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from aimcoach.cli._export import dry_run
from aimcoach.cli._parser import build_parser
from aimcoach.cli._status import status_command
from aimcoach.config import Settings
from aimcoach.errors import NotAvailableError

__all__ = ["build"]


def _not_yet(name: str) -> Callable[[argparse.Namespace, Settings], int]:
    def handler(args: argparse.Namespace, settings: Settings) -> int:
        raise NotAvailableError("cli.not_available", command=name)

    return handler


def _export(args: argparse.Namespace, settings: Settings) -> int:
    if args.dry_run:
        return dry_run(args, settings)
    raise NotAvailableError("cli.not_available", command="export")


def build(registrars: list[Callable[[Any, argparse.ArgumentParser], None]], version: str
          ) -> argparse.ArgumentParser:
    handlers: dict[str, Callable[..., int]] = {
        "status": status_command,
        "export": _export,
        "run": _not_yet("run"),
        "ctl": _not_yet("ctl"),
    }
    return build_parser(handlers, registrars, version)
