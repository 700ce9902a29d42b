"""Choosing the token store: auto selection with injected platform and keyring, bad kinds."""

from __future__ import annotations

from dataclasses import replace

import keyring.backend
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import pytest
from _auth_support import FakeSettings, MemoryKeyring, keep_out_of_detection

from aimcoach.auth import SUPPORTED_KINDS, open_store, usable_keyring
from aimcoach.auth._file_store import EncryptedFileStore
from aimcoach.auth._keyring_store import KeyringStore
from aimcoach.errors import TokenStoreError


class PlaintextKeyring(MemoryKeyring):
    """Stands in for keyrings.alt's plaintext file backend (same module name)."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


class NotHere(MemoryKeyring):
    """A backend whose priority raises: keyring's way of saying "not on this system"."""

    @property
    def priority(self) -> float:  # type: ignore[override]
        raise RuntimeError("no D-Bus session")


class LowPriority(MemoryKeyring):
    priority = 0.5  # type: ignore[assignment]


FAIL: keyring.backend.KeyringBackend = keyring.backends.fail.Keyring()  # type: ignore[no-untyped-call]
NULL: keyring.backend.KeyringBackend = keyring.backends.null.Keyring()  # type: ignore[no-untyped-call]

for _fake in (PlaintextKeyring, NotHere, LowPriority):
    keep_out_of_detection(_fake)


def test_an_unknown_kind_is_not_supported_and_the_error_names_the_supported_ones(
    settings: FakeSettings,
) -> None:
    with pytest.raises(TokenStoreError) as info:
        open_store("kms", replace(settings, token_store="kms"))
    assert info.value.key == "store.kind_not_supported"
    text = str(info.value)
    assert "kms" in text and "not supported" in text
    for kind in SUPPORTED_KINDS:
        assert kind in text


@pytest.mark.parametrize(
    "backend",
    [
        FAIL,
        NULL,
        PlaintextKeyring(),
        NotHere(),
        LowPriority(),
    ],
    ids=["fail", "null", "plaintext", "priority-raises", "low-priority"],
)
def test_auto_falls_back_to_the_file_with_a_notice(
    settings: FakeSettings, backend: keyring.backend.KeyringBackend
) -> None:
    assert not usable_keyring(backend)
    store = open_store("auto", settings, platform="linux", keyring_backend=backend, env={})
    assert isinstance(store, EncryptedFileStore)
    assert store.path == settings.data_dir / "tokens.enc"
    assert store.notice is not None
    assert "AIMCOACH_TOKEN_PASSPHRASE" in store.notice
    assert str(settings.data_dir / "tokens.enc") in store.notice
    # Once the passphrase is set there is nothing to tell.
    env = {"AIMCOACH_TOKEN_PASSPHRASE": "set"}
    quiet = open_store("auto", settings, platform="linux", keyring_backend=backend, env=env)
    assert isinstance(quiet, EncryptedFileStore) and quiet.notice is None


def test_a_chainer_is_usable_only_through_a_usable_member() -> None:
    class Chain(keyring.backends.chainer.ChainerBackend):
        def __init__(self, members: list[keyring.backend.KeyringBackend]) -> None:
            super().__init__()  # type: ignore[no-untyped-call]
            self.members = members

        @property
        def backends(self) -> list[keyring.backend.KeyringBackend]:
            return self.members

    keep_out_of_detection(Chain)
    assert not usable_keyring(Chain([]))
    assert not usable_keyring(Chain([FAIL, PlaintextKeyring()]))
    assert usable_keyring(Chain([PlaintextKeyring(), MemoryKeyring()]))


@pytest.mark.parametrize(
    ("platform", "kind"),
    [("linux", "secret-service"), ("darwin", "keychain"), ("freebsd14", "secret-service")],
)
def test_auto_uses_a_usable_keystore(settings: FakeSettings, platform: str, kind: str) -> None:
    store = open_store("auto", settings, platform=platform, keyring_backend=MemoryKeyring())
    assert isinstance(store, KeyringStore)
    assert store.kind == kind


def test_file_kind_opens_the_file_in_the_data_dir_without_asking(settings: FakeSettings) -> None:
    def no_prompt(creating: bool) -> str:
        raise AssertionError("opening must not ask for the passphrase")

    store = open_store("file", settings, passphrase=no_prompt)
    assert isinstance(store, EncryptedFileStore)
    assert store.describe() == ("file", str(settings.data_dir / "tokens.enc"))
    assert store.notice is None
    assert store.info() is None  # nothing stored yet, and still no prompt


def test_file_kind_uses_the_environment_passphrase(settings: FakeSettings) -> None:
    from _auth_support import FAST_KDF, make_tokens

    env = {"AIMCOACH_TOKEN_PASSPHRASE": "from the environment"}
    store = open_store("file", settings, env=env, kdf=FAST_KDF)
    store.set(make_tokens())
    other = open_store("file", settings, env={"AIMCOACH_TOKEN_PASSPHRASE": "other"}, kdf=FAST_KDF)
    with pytest.raises(TokenStoreError) as info:
        other.get()
    assert info.value.key == "store.file_wrong_passphrase"
    assert open_store("file", settings, env=env, kdf=FAST_KDF).get() == make_tokens()
