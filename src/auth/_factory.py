"""Choosing and opening the token store named by the ``token_store`` setting.

``auto`` means DPAPI on Windows, else the OS keystore when ``keyring`` has a real backend (not
its fail/null backends, nor the plaintext/"alt" file backends), else the encrypted file with a
notice that says how to give it a passphrase. An explicit kind that cannot work here is an
error that says what to choose instead. The platform, the keyring backend, the Win32 calls and
the passphrase source are injectable, so the selection logic is tested on any OS. The fallback
notice is left out when ``AIMCOACH_TOKEN_PASSPHRASE`` is already set.

This module must not log; the fallback notice is returned on the store (``store.notice``) for
the caller to show.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from aimcoach.auth._dpapi import FILE_NAME as DPAPI_FILE_NAME
from aimcoach.auth._dpapi import DpapiStore, Win32Crypt, load_win32_crypt
from aimcoach.auth._file_store import (
    DEFAULT_KDF,
    FILE_NAME,
    PASSPHRASE_ENV,
    EncryptedFileStore,
    KdfParams,
    PassphraseSource,
    passphrase_source,
)
from aimcoach.auth._store import TokenStore
from aimcoach.errors import TokenStoreError
from aimcoach.i18n import t

if TYPE_CHECKING:
    # keyring (~15 ms to import) is imported only when an OS keystore is asked for: Windows
    # (DPAPI) and the file store never need it.
    import keyring.backend

__all__ = [
    "KEYSTORE_KINDS",
    "SUPPORTED_KINDS",
    "StoreSettings",
    "keystore_kind_for",
    "open_store",
    "usable_keyring",
]

SUPPORTED_KINDS: tuple[str, ...] = (
    "auto",
    "dpapi",
    "wincred",
    "keychain",
    "secret-service",
    "file",
)
KEYSTORE_KINDS: dict[str, str] = {"win32": "wincred", "darwin": "keychain"}

# Backends that are not a keystore: they fail, drop, or keep secrets in a plain file.
_NOT_KEYSTORES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


class StoreSettings(Protocol):
    """The part of ``aimcoach.config.Settings`` the token store needs."""

    @property
    def token_store(self) -> str: ...

    @property
    def data_dir(self) -> Path: ...


def keystore_kind_for(platform: str) -> str:
    return KEYSTORE_KINDS.get(platform, "secret-service")


def usable_keyring(backend: keyring.backend.KeyringBackend) -> bool:
    """True when ``backend`` is a real OS keystore that keyring itself would recommend."""
    module = type(backend).__module__
    if module.startswith(_NOT_KEYSTORES):
        return False
    inner = getattr(backend, "backends", None)
    if module.startswith("keyring.backends.chainer") or isinstance(inner, list):
        return any(usable_keyring(b) for b in (inner or []))
    try:
        priority = float(backend.priority)
    except Exception:  # a backend reports "not here" by raising from priority
        return False
    # keyring's own threshold for a recommended backend is a priority of at least 1.
    return priority >= 1


def _default_passphrase(env: Mapping[str, str]) -> PassphraseSource:
    return passphrase_source(
        env,
        isatty=lambda: bool(getattr(sys.stdin, "isatty", lambda: False)()),
        prompt=getpass.getpass,
        texts=t,
    )


def open_store(
    kind: str,
    settings: StoreSettings,
    *,
    platform: str | None = None,
    keyring_backend: keyring.backend.KeyringBackend | None = None,
    win32: Win32Crypt | None = None,
    passphrase: PassphraseSource | None = None,
    env: Mapping[str, str] | None = None,
    kdf: KdfParams = DEFAULT_KDF,
    load_win32: Callable[[], Win32Crypt] = load_win32_crypt,
) -> TokenStore:
    """Open the token store ``kind`` (normally ``settings.token_store``).

    Nothing is read or asked for here: the file store asks for its passphrase on first use.
    Raises :class:`TokenStoreError` for an unknown kind or one that cannot work on this machine.
    """
    platform = sys.platform if platform is None else platform
    env = os.environ if env is None else env
    data_dir = Path(settings.data_dir)
    if kind not in SUPPORTED_KINDS:
        raise TokenStoreError(
            "store.kind_not_supported", kind=kind, supported=", ".join(SUPPORTED_KINDS)
        )

    def file_store(notice: str | None = None) -> TokenStore:
        source = passphrase if passphrase is not None else _default_passphrase(env)
        return EncryptedFileStore(data_dir / FILE_NAME, source, kdf=kdf, notice=notice)

    def dpapi_store() -> TokenStore:
        api = win32
        if api is None:
            if platform != "win32":
                raise TokenStoreError("store.kind_unavailable", kind="dpapi", platform=platform)
            try:
                api = load_win32()
            except (OSError, AttributeError) as exc:
                raise TokenStoreError(
                    "store.kind_unavailable", kind="dpapi", platform=platform
                ) from exc
        return DpapiStore(data_dir / DPAPI_FILE_NAME, api)

    def backend() -> keyring.backend.KeyringBackend:
        if keyring_backend is not None:
            return keyring_backend
        import keyring

        return keyring.get_keyring()

    def keyring_store(kind: str, chosen: keyring.backend.KeyringBackend) -> TokenStore:
        from aimcoach.auth._keyring_store import KeyringStore

        return KeyringStore(kind, chosen)

    if kind == "file":
        return file_store()
    if kind == "dpapi":
        return dpapi_store()
    if kind == "auto":
        if platform == "win32":
            return dpapi_store()
        chosen = backend()
        if usable_keyring(chosen):
            return keyring_store(keystore_kind_for(platform), chosen)
        # Say how to give the file a passphrase, unless the player already has.
        notice = None
        if not env.get(PASSPHRASE_ENV):
            notice = t("store.auto_file_fallback", path=str(data_dir / FILE_NAME))
        return file_store(notice=notice)
    # An explicit OS keystore: it must be this platform's, and keyring must reach it.
    native = keystore_kind_for(platform)
    if kind != native:
        raise TokenStoreError("store.kind_unavailable", kind=kind, platform=platform)
    chosen = backend()
    if not usable_keyring(chosen):
        raise TokenStoreError("store.keystore_unavailable", kind=kind)
    return keyring_store(kind, chosen)
