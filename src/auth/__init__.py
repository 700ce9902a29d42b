"""Token stores, linking, refresh: everything about the device's sign-in.

* :func:`open_store` picks the token store named by ``settings.token_store`` (DPAPI, an OS
  keystore through ``keyring``, or an Argon2id + AES-GCM encrypted file).
* :func:`link` trades a 6-digit code for the device's tokens and stores them.
* :class:`TokenManager` hands out access tokens to the sender and refreshes them (5 days before
  expiry, or after a 401), persisting "relink needed" when the server refuses the refresh token;
  :class:`StaticTokenSource` serves the ``--api-token`` override.
* :func:`link_status` / :func:`render_link_status` are the link part of ``aimcoach status``.

Nothing in this package logs or prints a token, or puts one in an exception or a repr.
"""

from __future__ import annotations

from aimcoach.auth._factory import SUPPORTED_KINDS, StoreSettings, open_store, usable_keyring
from aimcoach.auth._link import check_code, link
from aimcoach.auth._manager import (
    REFRESH_BEFORE,
    SKEW_MARGIN,
    NotLinkedError,
    StaticTokenSource,
    TokenManager,
)
from aimcoach.auth._protocol import TokenSource
from aimcoach.auth._status import LinkSettings, link_status, render_link_status
from aimcoach.auth._store import TokenStore
from aimcoach.auth._tokens import DEFAULT_REFRESH_LIFETIME, LinkInfo, TokenSet

__all__ = [
    "DEFAULT_REFRESH_LIFETIME",
    "REFRESH_BEFORE",
    "SKEW_MARGIN",
    "SUPPORTED_KINDS",
    "LinkInfo",
    "LinkSettings",
    "NotLinkedError",
    "StaticTokenSource",
    "StoreSettings",
    "TokenManager",
    "TokenSet",
    "TokenSource",
    "TokenStore",
    "check_code",
    "link",
    "link_status",
    "open_store",
    "render_link_status",
    "usable_keyring",
]
