"""The argument parser: every command, its one-line help and its flags.

The flags of settings are generated from the settings table; per-invocation flags (``--once``,
``--dry-run``, ``--since`` …) are declared here. Flags default to "not given" (SUPPRESS) so that
precedence can tell a flag the user typed from a default.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from aimcoach.config import SETTINGS, Setting
from aimcoach.i18n import t

__all__ = ["add_setting_flags", "build_parser", "positive_int"]

SubParsers = "argparse._SubParsersAction[argparse.ArgumentParser]"


# argparse asks gettext for each of its own words at the moment it prints them; mapping its
# English text to our catalog makes usage lines and errors follow --lang like everything else.
_ARGPARSE_WORDS = {
    "usage: ": "argparse.usage",
    "options": "argparse.options",
    "positional arguments": "argparse.positional",
    "show this help message and exit": "argparse.help",
    "show program's version number and exit": "argparse.version",
    "%(prog)s: error: %(message)s\n": "argparse.error",
    "argument %(argument_name)s: %(message)s": "argparse.argument",
    "the following arguments are required: %s": "argparse.required",
    "invalid choice: %(value)r (choose from %(choices)s)": "argparse.invalid_choice",
    "unrecognized arguments: %s": "argparse.unrecognized",
    "expected one argument": "argparse.expected_one",
    "invalid %(type)s value: %(value)r": "argparse.invalid_type",
    "ambiguous option: %(option)s could match %(matches)s": "argparse.ambiguous",
    "not allowed with argument %s": "argparse.not_allowed",
    "ignored explicit argument %r": "argparse.ignored",
}


def _argparse_gettext(message: str) -> str:
    key = _ARGPARSE_WORDS.get(message)
    return t(key) if key is not None else message


argparse._ = _argparse_gettext  # type: ignore[attr-defined]


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(t("help.positive_int", value=text)) from None
    if value < 1:
        raise argparse.ArgumentTypeError(t("help.positive_int", value=text))
    return value


def _add_setting(parser: argparse.ArgumentParser, s: Setting) -> None:
    kwargs: dict[str, Any] = {"default": argparse.SUPPRESS, "dest": s.name}
    help_text = s.help
    if s.default is not None:
        help_text += " (" + t("help.default", value=s.default) + ")"
    names = s.env + (t("help.or") + s.legacy_env if s.legacy_env else "")
    help_text += " [" + t("help.env", names=names) + "]"
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
    group = common.add_argument_group(t("help.common"))
    for s in SETTINGS:
        if s.scope == "common":
            _add_setting(group, s)  # type: ignore[arg-type]
    return common


def _pipeline_parent() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    group = p.add_argument_group(t("help.what_to_read"))
    for s in SETTINGS:
        if s.scope == "pipeline":
            _add_setting(group, s)  # type: ignore[arg-type]
    group.add_argument("--since", metavar="RFC3339", default=None, help=t("help.since"))
    group.add_argument(
        "--max-records", type=positive_int, metavar="N", default=None, help=t("help.max_records")
    )
    group.add_argument("--dry-run", action="store_true", help=t("help.dry_run"))
    group.add_argument(
        "--idempotency-key", metavar="KEY", default=None, help=t("help.idempotency_key")
    )
    return p


class _VerbatimVersion(argparse.Action):
    """``--version`` prints its line as it is (argparse would wrap it at the terminal width).

    The line may be a function, called only when ``--version`` is asked for: the build
    information runs ``git`` in a checkout, which no other command should pay for.
    """

    def __init__(
        self,
        option_strings: Sequence[str],
        dest: str,
        line: str | Callable[[], str] = "",
        help: str | None = None,
    ) -> None:
        super().__init__(
            option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0, help=help
        )
        self._line = line

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        line = self._line() if callable(self._line) else self._line
        parser._print_message(f"{line}\n", sys.stdout)
        parser.exit()


def build_parser(
    handlers: dict[str, Callable[..., int]],
    registrars: list[Callable[[Any, argparse.ArgumentParser], None]],
    version: str | Callable[[], str],
) -> argparse.ArgumentParser:
    """``handlers`` maps our own commands to their functions; ``registrars`` add the others
    (link and unlink first, the rest after our own commands).

    Every text comes from the catalog, so ``--help`` follows ``--lang`` like everything else.
    """
    common = _common_parent()
    pipeline = _pipeline_parent()
    parser = argparse.ArgumentParser(
        prog="aimcoach",
        description=t("help.program"),
        epilog=t("help.epilog"),
        parents=[common],
    )
    parser.add_argument(
        "--version", action=_VerbatimVersion, line=version, help=t("argparse.version")
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title=t("help.commands"))
    sub.required = True

    for registrar in registrars[:2]:  # link, unlink
        registrar(sub, common)

    def command(
        name: str, parents: list[argparse.ArgumentParser], *, leaf: bool = True
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name, parents=parents, help=t(f"help.{name}"), description=t(f"help.{name}.description")
        )
        if leaf:
            p.set_defaults(handler=handlers[name])
        return p

    command("status", [common]).add_argument("--json", action="store_true", help=t("help.json"))
    command("export", [common, pipeline])
    command("run", [common, pipeline]).add_argument(
        "--once", action="store_true", help=t("help.once")
    )
    ctl = command("ctl", [common], leaf=False).add_subparsers(
        dest="ctl_command", metavar="ACTION", title=t("help.actions")
    )
    ctl.required = True
    c = ctl.add_parser(
        "status",
        parents=[common],
        help=t("help.ctl_status"),
        description=t("help.ctl_status.description"),
    )
    c.add_argument("--json", action="store_true", help=t("help.ctl_json"))
    c.set_defaults(handler=handlers["ctl"])
    c = ctl.add_parser(
        "stop",
        parents=[common],
        help=t("help.ctl_stop"),
        description=t("help.ctl_stop.description"),
    )
    c.set_defaults(handler=handlers["ctl"])

    for registrar in registrars[2:]:  # devserver, service
        registrar(sub, common)
    return parser
