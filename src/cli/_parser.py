"""The argument parser: every command, its one-line help and its flags.

The flags of settings are generated from the settings table; per-invocation flags (``--once``,
``--dry-run``, ``--since`` …) are declared here. Flags default to "not given" (SUPPRESS) so that
precedence can tell a flag the user typed from a default.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from aimcoach.config import SETTINGS, Setting

__all__ = ["add_setting_flags", "build_parser", "positive_int"]

SubParsers = "argparse._SubParsersAction[argparse.ArgumentParser]"


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def _add_setting(parser: argparse.ArgumentParser, s: Setting) -> None:
    kwargs: dict[str, Any] = {"default": argparse.SUPPRESS, "dest": s.name}
    help_text = s.help
    if s.default is not None:
        help_text += f" (default: {s.default})"
    help_text += f" [env: {s.env}" + (f" or {s.legacy_env}" if s.legacy_env else "") + "]"
    if s.kind == "choice":
        kwargs["choices"] = s.choices
        kwargs["metavar"] = "|".join(s.choices)
    elif s.metavar:
        kwargs["metavar"] = s.metavar
    parser.add_argument(s.flag, help=help_text, **kwargs)


def add_setting_flags(parser: argparse.ArgumentParser, scope: str) -> None:
    for s in SETTINGS:
        if s.scope == scope:
            _add_setting(parser, s)


def _common_parent() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("common options")
    for s in SETTINGS:
        if s.scope == "common":
            _add_setting(group, s)  # type: ignore[arg-type]
    return common


def _pipeline_parent() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    group = p.add_argument_group("what to read")
    for s in SETTINGS:
        if s.scope == "pipeline":
            _add_setting(group, s)  # type: ignore[arg-type]
    group.add_argument(
        "--since",
        metavar="RFC3339",
        default=None,
        help="only runs taken at or after this time (e.g. 2024-05-01T00:00:00Z)",
    )
    group.add_argument(
        "--max-records", type=positive_int, metavar="N", default=None, help="stop after N records"
    )
    group.add_argument(
        "--dry-run",
        action="store_true",
        help="print the records as NDJSON on stdout; no network, no state",
    )
    group.add_argument(
        "--idempotency-key",
        metavar="KEY",
        default=None,
        help="prefix of the Idempotency-Key of each batch",
    )
    return p


def build_parser(
    handlers: dict[str, Callable[..., int]],
    registrars: list[Callable[[Any, argparse.ArgumentParser], None]],
    version: str,
) -> argparse.ArgumentParser:
    """``handlers`` maps our own commands to their functions; ``registrars`` add the others."""
    common = _common_parent()
    pipeline = _pipeline_parent()
    parser = argparse.ArgumentParser(
        prog="aimcoach",
        description="Delivers every finished KovaaK's and Aim Lab run to AimCoach, exactly once.",
        epilog="Start with `aimcoach link --code 123456`, then `aimcoach run`. "
        "`aimcoach COMMAND --help` shows a command's options.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=version)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    sub.required = True

    for registrar in registrars[:2]:  # link, unlink
        registrar(sub, common)

    p = sub.add_parser(
        "status",
        parents=[common],
        help="show settings, game folders and link state",
        description="Show every setting with where it came from, the game folders "
        "found on this PC, the link state and, when `aimcoach run` is up, its "
        "live summary.",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.set_defaults(handler=handlers["status"])

    p = sub.add_parser(
        "export",
        parents=[common, pipeline],
        help="read every run once and deliver it (or print it with --dry-run)",
        description="Read every finished run in the game folders and deliver the new "
        "ones, then exit. With --dry-run, print them as NDJSON instead.",
    )
    p.set_defaults(handler=handlers["export"])

    p = sub.add_parser(
        "run",
        parents=[common, pipeline],
        help="watch the game folders and deliver new runs as they finish",
        description="Watch the game folders and deliver every new run until stopped "
        "(Ctrl+C, SIGTERM or `aimcoach ctl stop`). With --once, deliver what is "
        "there and exit.",
    )
    p.add_argument(
        "--once",
        action="store_true",
        help="scan everything, deliver everything, then exit (1 if anything is left)",
    )
    p.set_defaults(handler=handlers["run"])

    p = sub.add_parser(
        "ctl",
        parents=[common],
        help="talk to a running `aimcoach run`",
        description="Ask a running `aimcoach run` for its status, or stop it.",
    )
    ctl = p.add_subparsers(dest="ctl_command", metavar="ACTION", title="actions")
    ctl.required = True
    c = ctl.add_parser(
        "status",
        parents=[common],
        help="show the live state of the running agent",
        description="Uptime, each actor's state, queues, counters, token expiry "
        "and the last delivery of the running agent.",
    )
    c.add_argument("--json", action="store_true", help="print the snapshot as JSON")
    c.set_defaults(handler=handlers["ctl"])
    c = ctl.add_parser(
        "stop",
        parents=[common],
        help="stop the running agent gracefully",
        description="Stop intake, finish in-flight batches, persist and exit.",
    )
    c.set_defaults(handler=handlers["ctl"])

    for registrar in registrars[2:]:  # devserver
        registrar(sub, common)
    return parser
