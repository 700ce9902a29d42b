"""The token store interface, and the record logic every backend shares.

A backend only knows how to keep one opaque byte string (the encoded record) safe: read it,
replace it whole, erase it. Everything else — rotation, the relink flag, what ``status`` may
see — is done here once, so every backend behaves the same. Store calls block (keystores,
Argon2, file I/O): async code calls them through ``trio.to_thread.run_sync``.

This module must not log, print, or put a token value into any exception or repr.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from abc import ABC, abstractmethod
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from aimcoach.auth._tokens import LinkInfo, TokenSet, decode_record, encode_record
from aimcoach.errors import TokenStoreError

__all__ = [
    "RecordStore",
    "TokenStore",
    "atomic_write_private",
    "erase_token_file",
    "write_token_file",
]


@runtime_checkable
class TokenStore(Protocol):
    """Where the device's tokens live. Every method is blocking and thread-safe."""

    @property
    def kind(self) -> str:
        """The backend actually used: ``dpapi``, ``wincred``, ``keychain``,
        ``secret-service`` or ``file``."""
        ...

    @property
    def notice(self) -> str | None:
        """A message for the player about how this store was chosen (e.g. the file fallback)."""
        ...

    def get(self) -> TokenSet | None: ...

    def load(self) -> tuple[TokenSet, bool] | None:
        """The tokens and the relink flag, or None when nothing is stored."""
        ...

    def set(self, tokens: TokenSet) -> None:
        """Replace whatever is stored (a new link); clears the relink flag."""
        ...

    def delete(self) -> bool:
        """Forget the tokens; True if there was something to forget."""
        ...

    def rotate(
        self,
        *,
        access_token: str,
        access_expires_at: datetime,
        refresh_token: str | None = None,
        refresh_expires_at: datetime | None = None,
    ) -> TokenSet:
        """Replace the access token (and the refresh token when given) in one write.

        Returns what is now stored. Callers use the new tokens only after this returned.
        """
        ...

    def info(self) -> LinkInfo | None:
        """Expiry times, device, endpoint and the relink flag; never asks for a passphrase when
        the backend can avoid it."""
        ...

    def mark_relink_needed(self) -> None: ...

    def prepare_write(self) -> None:
        """Ask now for whatever a write needs from the person (the file store's passphrase), so
        that it is not asked later from a worker thread. A no-op for most stores."""
        ...

    def prepare_read(self) -> None:
        """Ask now for whatever the next :meth:`load` needs from the person (the file store's
        passphrase), so that the load itself can run in a worker thread. A no-op for most
        stores."""
        ...

    def describe(self) -> tuple[str, str]:
        """(kind, where) for ``status``, e.g. ``("file", "/home/me/.local/share/…")``."""
        ...


class RecordStore(ABC):
    """A store built from three primitives over one protected byte string."""

    def __init__(self, kind: str, *, notice: str | None = None) -> None:
        self._kind = kind
        self._notice = notice
        # Read-modify-write (rotate, mark_relink_needed) must not interleave inside one process.
        self._lock = threading.RLock()

    @property
    def kind(self) -> str:
        return self._kind

    @property
    def notice(self) -> str | None:
        return self._notice

    def __repr__(self) -> str:
        kind, where = self.describe()
        return f"<{type(self).__name__} kind={kind!r} location={where!r}>"

    # ---- the backend's part -----------------------------------------------------------------

    @abstractmethod
    def _read(self) -> bytes | None:
        """The stored record, or None when there is none."""

    @abstractmethod
    def _write(self, record: bytes, info: LinkInfo) -> None:
        """Replace the stored record whole (atomically where the medium allows)."""

    @abstractmethod
    def _erase(self) -> bool:
        """Remove the record; True if there was one."""

    @abstractmethod
    def describe(self) -> tuple[str, str]: ...

    def _read_info(self) -> LinkInfo | None:
        """Backends that keep the public facts outside the secret part override this."""
        loaded = self.load()
        return None if loaded is None else loaded[0].info(relink_needed=loaded[1])

    # ---- shared logic -----------------------------------------------------------------------

    def _location(self) -> str:
        return self.describe()[1]

    def load(self) -> tuple[TokenSet, bool] | None:
        with self._lock:
            raw = self._read()
        return None if raw is None else decode_record(raw, location=self._location())

    def get(self) -> TokenSet | None:
        loaded = self.load()
        return None if loaded is None else loaded[0]

    def info(self) -> LinkInfo | None:
        with self._lock:
            return self._read_info()

    def _save(self, tokens: TokenSet, relink_needed: bool) -> None:
        self._write(
            encode_record(tokens, relink_needed=relink_needed),
            tokens.info(relink_needed=relink_needed),
        )

    def set(self, tokens: TokenSet) -> None:
        with self._lock:
            self._save(tokens, relink_needed=False)

    def delete(self) -> bool:
        with self._lock:
            return self._erase()

    def rotate(
        self,
        *,
        access_token: str,
        access_expires_at: datetime,
        refresh_token: str | None = None,
        refresh_expires_at: datetime | None = None,
    ) -> TokenSet:
        with self._lock:
            loaded = self.load()
            if loaded is None:
                raise TokenStoreError("store.nothing_to_rotate", location=self._location())
            current = loaded[0]
            new = replace(
                current,
                access_token=access_token,
                access_expires_at=access_expires_at,
                refresh_token=refresh_token if refresh_token else current.refresh_token,
                refresh_expires_at=(
                    refresh_expires_at
                    if refresh_expires_at is not None
                    else current.refresh_expires_at
                ),
            )
            # A successful refresh proves the link is good again.
            self._save(new, relink_needed=False)
            return new

    def prepare_write(self) -> None:
        return None

    def prepare_read(self) -> None:
        return None

    def mark_relink_needed(self) -> None:
        with self._lock:
            loaded = self.load()
            if loaded is None or loaded[1]:
                return
            self._save(loaded[0], relink_needed=True)


def atomic_write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so a reader sees the old file or the new one, never a part.

    The temporary file is created with mode 0600 (``os.open``), so the secret is never readable
    by others, not even for a moment; ``os.replace`` then swaps it in. Raises ``OSError``.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if sys.platform != "win32":
        # Make the rename itself durable: a power cut must not bring the old tokens back, since
        # the server may already have replaced the old refresh token.
        with contextlib.suppress(OSError):
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


def write_token_file(path: Path, data: bytes) -> None:
    """:func:`atomic_write_private` for a token file; failures become a clear TokenStoreError."""
    try:
        atomic_write_private(path, data)
    except OSError as exc:
        raise TokenStoreError(
            "store.file_unwritable", path=str(path), reason=exc.strerror or str(exc)
        ) from exc


def erase_token_file(path: Path) -> bool:
    """Delete a token file; False if there was none. Failures become a TokenStoreError."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise TokenStoreError(
            "store.file_unwritable", path=str(path), reason=exc.strerror or str(exc)
        ) from exc
    return True
