"""``aimcoach link --code XXXXXX [--device NAME]``, and the link part of ``aimcoach status``.

``register`` adds the command to the parser; ``run`` links this PC and prints where the
tokens are kept and when they expire (local time, and how many days away). Errors are raised
as catalog errors for ``aimcoach.cli.main`` to print. ``link_status`` / ``render_link_status``
are re-exported from :mod:`aimcoach.auth` for the ``status`` command.

This module must not print or log a token.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

import httpx
import trio

from aimcoach.auth import TokenSet, check_code, link, link_status, open_store, render_link_status
from aimcoach.auth._http import new_client
from aimcoach.auth._status import LinkSettings, days_left, format_expiry
from aimcoach.auth._tokens import utc_now
from aimcoach.i18n import t

if TYPE_CHECKING:
    from aimcoach.config import Settings

__all__ = ["link_status", "register", "render_link_status", "run"]


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "link", parents=[common], help=t("link.help"), description=t("link.description")
    )
    p.add_argument("--code", required=True, metavar="XXXXXX", help=t("link.help_code"))
    p.add_argument("--device", metavar="NAME", default=None, help=t("link.help_device"))
    p.set_defaults(handler=run)


def summary_lines(
    tokens: TokenSet, kind: str, location: str, *, now: datetime, tz: tzinfo | None = None
) -> list[str]:
    """What ``link`` prints after a success."""
    access = format_expiry(tokens.access_expires_at, days_left(tokens.access_expires_at, now), tz)
    refresh = format_expiry(
        tokens.refresh_expires_at, days_left(tokens.refresh_expires_at, now), tz
    )
    return [
        t("link.done", device=tokens.device_name, endpoint=tokens.endpoint),
        t("link.stored_in", kind=kind, location=location),
        t("link.access_expires", when=access),
        t("link.refresh_expires", when=refresh),
        t("link.next_step"),
    ]


def run(
    args: argparse.Namespace,
    settings: Settings | LinkSettings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> int:
    # The code is checked before anything else: a typo costs no passphrase prompt, no request.
    code = check_code(args.code)
    device = args.device if args.device is not None else settings.device_name
    store = open_store(settings.token_store, settings)
    if store.notice:
        print(store.notice, file=sys.stderr)
    # A passphrase prompt belongs here, in the main thread where Ctrl+C works, not in the
    # worker thread that stores the tokens later.
    store.prepare_write()

    async def go() -> TokenSet:
        async with new_client(transport) as client:
            return await link(
                settings.api_endpoint, code, device, store, client=client, clock=clock
            )

    tokens = trio.run(go)
    kind, location = store.describe()
    print("\n".join(summary_lines(tokens, kind, location, now=clock())))
    return 0
