"""Our own command handlers and the wiring of the parser."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from aimcoach.cli._ctl import ctl_command
from aimcoach.cli._parser import build_parser
from aimcoach.cli._run import run_command
from aimcoach.cli._status import status_command

__all__ = ["build"]


def build(
    registrars: list[Callable[[Any, argparse.ArgumentParser], None]],
    version: str | Callable[[], str],
) -> argparse.ArgumentParser:
    handlers: dict[str, Callable[..., int]] = {
        "status": status_command,
        "export": run_command,
        "run": run_command,
        "ctl": ctl_command,
    }
    return build_parser(handlers, registrars, version)
