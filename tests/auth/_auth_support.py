"""Helpers for the auth tests: settings, fast stores, an in-memory keyring, clocks, tokens.

Imported by the tests in this folder (``conftest.py`` puts the folder on ``sys.path``). Fakes
sit only at the I/O seams: the keyring backend (a real ``KeyringBackend`` subclass kept in
memory), the Win32 DPAPI calls (in test_dpapi_store.py), the HTTP transport
(``httpx.MockTransport``) and the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import trio

from aimcoach.auth import TokenSet
from aimcoach.auth._file_store import KdfParams

#: Argon2id at its cheapest (8 KiB, one pass): the file store's logic, without the cost.
FAST_KDF = KdfParams(t=1, m=8, p=1)
PASSPHRASE = "correct horse battery staple"
ENDPOINT = "https://api.example.test"
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class FakeSettings:
    """The attributes of ``aimcoach.config.Settings`` that auth reads."""

    data_dir: Path
    token_store: str = "file"
    api_endpoint: str = ENDPOINT
    api_token: str | None = None
    device_name: str = "Desk PC"


def keep_out_of_detection(cls: type[keyring.backend.KeyringBackend]) -> None:
    """keyring registers every backend subclass for its own auto-detection; a test fake must
    never be picked by ``keyring.get_keyring()`` in another test."""
    registry: set[type[keyring.backend.KeyringBackend]] = keyring.backend.KeyringBackend._classes
    registry.discard(cls)


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keystore in a dict. ``max_chars`` mimics Windows Credential Manager's blob limit
    (2,560 bytes of UTF-16 = 1,280 characters); ``fail_on_set`` makes the n-th write fail."""

    priority = 1  # keyring declares it as a classproperty; a plain number works

    def __init__(self, max_chars: int | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.entries: dict[tuple[str, str], str] = {}
        self.max_chars = max_chars
        self.sets = 0
        self.fail_on_set: int | None = None

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.sets += 1
        if self.fail_on_set is not None and self.sets >= self.fail_on_set:
            raise keyring.errors.PasswordSetError("simulated crash")
        if self.max_chars is not None and len(password) > self.max_chars:
            raise keyring.errors.PasswordSetError("credential blob too large")
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.entries[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError("not found") from None


keep_out_of_detection(MemoryKeyring)


def make_tokens(
    *,
    access: str = "acc-0000-secret",
    refresh: str = "ref-0000-secret",
    access_in: timedelta = timedelta(days=30),
    refresh_in: timedelta = timedelta(days=90),
    now: datetime = T0,
    endpoint: str = ENDPOINT,
    device: str = "Desk PC",
) -> TokenSet:
    return TokenSet(
        access_token=access,
        refresh_token=refresh,
        access_expires_at=now + access_in,
        refresh_expires_at=now + refresh_in,
        device_name=device,
        linked_at=now,
        endpoint=endpoint,
    )


@dataclass
class WallClock:
    """An aware UTC wall clock that follows trio's (virtual) clock from ``start``.

    Outside trio (or before the first call inside it) it stands still; ``advance`` moves it by
    hand in either case.
    """

    start: datetime = T0
    offset: timedelta = field(default_factory=timedelta)
    _trio_zero: float | None = None

    def __call__(self) -> datetime:
        try:
            now = trio.current_time()
        except RuntimeError:
            return self.start + self.offset
        if self._trio_zero is None:
            self._trio_zero = now
        return self.start + self.offset + timedelta(seconds=now - self._trio_zero)

    def advance(self, delta: timedelta) -> None:
        self.offset += delta
