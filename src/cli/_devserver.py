"""``aimcoach devserver`` and ``aimcoach devserver mint-code``: the reference ingest server.

The server needs none of the player's settings, so its handlers take only ``args`` and run even
when the player's config file is broken. This module parses flags, prints catalog lines and
maps errors and signals to exit codes; the server itself lives in :mod:`aimcoach.devserver`.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs
import trio

from aimcoach._logging import register_secret
from aimcoach.errors import ConfigError
from aimcoach.i18n import t

if TYPE_CHECKING:
    from aimcoach.devserver import DevServerOptions

# aimcoach.devserver (Hypercorn, h2) is imported only by the two handlers below: every other
# command builds this parser too, and would pay ~0.1 s of start-up for a server it never runs.

__all__ = ["ADMIN_SECRET_ENV", "default_db_path", "register"]

ADMIN_SECRET_ENV = "AIMCOACH_DEVSERVER_ADMIN_SECRET"


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir("aimcoach", appauthor=False)) / "devserver.sqlite3"


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add ``devserver`` (and its ``mint-code``) to the ``aimcoach`` subcommands."""
    p = sub.add_parser(
        "devserver",
        parents=[common],
        help=t("devserver.help"),
        description=t("devserver.description"),
    )
    p.add_argument("--host", default="127.0.0.1", help=t("devserver.help.host"))
    p.add_argument("--port", type=int, default=8787, help=t("devserver.help.port"))
    p.add_argument("--db", metavar="PATH", default=None, help=t("devserver.help.db"))
    p.add_argument("--allow-remote", action="store_true", help=t("devserver.help.allow_remote"))
    p.add_argument(
        "--admin-secret", metavar="SECRET", default=None, help=t("devserver.help.admin_secret")
    )
    p.add_argument(
        "--access-ttl",
        metavar="SECONDS",
        type=int,
        default=None,
        help=t("devserver.help.access_ttl"),
    )
    p.add_argument(
        "--refresh-ttl",
        metavar="SECONDS",
        type=int,
        default=None,
        help=t("devserver.help.refresh_ttl"),
    )
    p.add_argument("--rate", metavar="RPS", type=float, default=None, help=t("devserver.help.rate"))
    p.add_argument("--burst", metavar="N", type=int, default=None, help=t("devserver.help.burst"))
    p.set_defaults(handler=run_devserver)

    actions = p.add_subparsers(dest="devserver_command", metavar="ACTION")
    m = actions.add_parser(
        "mint-code",
        parents=[common],
        help=t("devserver.mint.help"),
        description=t("devserver.mint.description"),
    )
    m.add_argument("--user", metavar="NAME", default="player", help=t("devserver.mint.help.user"))
    # SUPPRESS: `devserver --db X mint-code` keeps the X given before the action.
    m.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help=t("devserver.help.db"))
    m.set_defaults(handler=run_mint_code)


def _options(args: argparse.Namespace) -> DevServerOptions:
    from aimcoach.devserver import DevServerOptions

    secret = (
        args.admin_secret if args.admin_secret is not None else os.environ.get(ADMIN_SECRET_ENV)
    )
    register_secret(secret)
    tuned = {
        name: value
        for name, value in (
            ("access_ttl", args.access_ttl),
            ("refresh_ttl", args.refresh_ttl),
            ("rate", args.rate),
            ("burst", args.burst),
        )
        if value is not None
    }
    return DevServerOptions(
        host=args.host,
        port=args.port,
        db_path=args.db if args.db is not None else default_db_path(),
        allow_remote=args.allow_remote,
        admin_secret=secret,
        **tuned,
    )


async def _serve_until_signal(options: DevServerOptions) -> ConfigError | None:
    """Serve until SIGINT or SIGTERM; the error that kept the server from starting, if any."""
    from aimcoach.devserver import serve_devserver

    # SIGINT is taken too, so Ctrl+C ends the server the same orderly way as SIGTERM.
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with trio.open_nursery() as nursery:
            try:
                url = await nursery.start(serve_devserver, options)
            except ConfigError as err:  # returned, not raised: the nursery would wrap it
                return err
            print(t("devserver.listening", url=url, db=os.fspath(options.db_path)), flush=True)
            async for _ in signals:
                break
            nursery.cancel_scope.cancel()
    return None


def run_devserver(args: argparse.Namespace) -> int:
    """Serve until Ctrl+C or SIGTERM (exit 0); a configuration problem exits 2."""
    try:
        failure = trio.run(_serve_until_signal, _options(args))
    except ConfigError as err:  # a bad flag, found before the server starts
        failure = err
    except KeyboardInterrupt:  # Ctrl+C before the signal receiver was in place
        return 0
    if failure is not None:
        print(f"aimcoach: {failure}", file=sys.stderr)
        return failure.exit_code
    return 0


def run_mint_code(args: argparse.Namespace) -> int:
    """Print a fresh link code and nothing else (scripts capture it)."""
    from aimcoach.devserver import mint_code

    try:
        code = mint_code(args.db if args.db is not None else default_db_path(), args.user)
    except ConfigError as err:
        print(f"aimcoach: {err}", file=sys.stderr)
        return err.exit_code
    print(code)
    return 0
