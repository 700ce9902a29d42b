"""The OS keystore store through keyring, with an in-memory keyring backend."""

from __future__ import annotations

import json

import keyring
import keyring.backends.fail
import pytest
from _auth_support import FakeSettings, MemoryKeyring, keep_out_of_detection, make_tokens

from aimcoach.auth import open_store
from aimcoach.auth._keyring_store import CHUNK_CHARS, MANIFEST, KeyringStore, entry_key
from aimcoach.errors import TokenStoreError

# Windows Credential Manager: CRED_MAX_CREDENTIAL_BLOB_SIZE = 2,560 bytes; keyring writes the
# password as UTF-16, so 1,280 characters.
WINCRED_MAX_CHARS = 2560 // 2


def _long_tokens() -> tuple[str, str]:
    # JWT-sized tokens: together far beyond one Credential Manager entry.
    return "A" * 3000 + "-access", "R" * 2500 + "-refresh"


def test_round_trip_splits_long_tokens_under_the_wincred_limit() -> None:
    backend = MemoryKeyring(max_chars=WINCRED_MAX_CHARS)
    store = KeyringStore("wincred", backend)
    access, refresh = _long_tokens()
    tokens = make_tokens(access=access, refresh=refresh)
    store.set(tokens)
    assert KeyringStore("wincred", backend).get() == tokens
    values = list(backend.entries.values())
    assert all(len(v) <= CHUNK_CHARS <= WINCRED_MAX_CHARS for v in values)
    manifest = json.loads(backend.entries[entry_key(MANIFEST)])
    assert manifest["chunks"] >= 6  # 5,500+ characters of tokens in 1,000-character chunks
    assert len(values) == manifest["chunks"] + 1


def test_the_split_is_needed_a_single_entry_would_be_refused() -> None:
    backend = MemoryKeyring(max_chars=WINCRED_MAX_CHARS)
    access, _refresh = _long_tokens()
    with pytest.raises(keyring.errors.PasswordSetError):
        backend.set_password(*entry_key("whole"), access)


def test_rotation_switches_slots_and_removes_the_old_chunks() -> None:
    backend = MemoryKeyring(max_chars=WINCRED_MAX_CHARS)
    store = KeyringStore("wincred", backend)
    access, refresh = _long_tokens()
    store.set(make_tokens(access=access, refresh=refresh))
    slot = json.loads(backend.entries[entry_key(MANIFEST)])["slot"]
    new = store.rotate(access_token="short-access", access_expires_at=make_tokens().linked_at)
    assert store.get() == new
    manifest = json.loads(backend.entries[entry_key(MANIFEST)])
    assert manifest["slot"] != slot
    users = sorted(backend.entries)
    # Only the manifest and the chunks of the new slot remain: no stale secret is left behind.
    assert users == sorted(
        [entry_key(MANIFEST)]
        + [entry_key(f"{MANIFEST}/{manifest['slot']}/{i}") for i in range(manifest["chunks"])]
    )


def test_a_write_that_stops_half_way_leaves_the_old_tokens_readable() -> None:
    backend = MemoryKeyring(max_chars=WINCRED_MAX_CHARS)
    store = KeyringStore("wincred", backend)
    access, refresh = _long_tokens()
    old = make_tokens(access=access, refresh=refresh)
    store.set(old)
    backend.sets = 0
    backend.fail_on_set = 3  # the third chunk of the new slot fails: the manifest never moves
    with pytest.raises(TokenStoreError) as info:
        store.rotate(access_token="x" * 4000, access_expires_at=old.access_expires_at)
    assert info.value.key == "store.keystore_failed"
    assert info.value.params["reason"] == "PasswordSetError"
    backend.fail_on_set = None
    assert store.get() == old
    # The next successful write cleans the half-written slot up.
    store.rotate(access_token="short", access_expires_at=old.access_expires_at)
    manifest = json.loads(backend.entries[entry_key(MANIFEST)])
    assert len(backend.entries) == manifest["chunks"] + 1


@pytest.mark.parametrize("damage", ["manifest", "missing_chunk", "changed_chunk"])
def test_damaged_entries_are_refused(damage: str) -> None:
    backend = MemoryKeyring()
    store = KeyringStore("secret-service", backend)
    access, refresh = _long_tokens()
    store.set(make_tokens(access=access, refresh=refresh))
    manifest = json.loads(backend.entries[entry_key(MANIFEST)])
    first = entry_key(f"{MANIFEST}/{manifest['slot']}/0")
    if damage == "manifest":
        backend.entries[entry_key(MANIFEST)] = "{not json"
    elif damage == "missing_chunk":
        del backend.entries[first]
    else:
        backend.entries[first] = "B" + backend.entries[first][1:]
    with pytest.raises(TokenStoreError) as info:
        store.get()
    assert info.value.key == "store.corrupt"


def test_keystore_errors_name_the_type_only() -> None:
    class Locked(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise keyring.errors.KeyringLocked("unlock failed for secret-value-123")

    keep_out_of_detection(Locked)

    store = KeyringStore("secret-service", Locked())
    with pytest.raises(TokenStoreError) as info:
        store.get()
    assert info.value.key == "store.keystore_failed"
    assert "KeyringLocked" in str(info.value)
    assert "secret-value-123" not in str(info.value)


def test_delete_removes_every_entry_and_is_idempotent() -> None:
    backend = MemoryKeyring()
    store = KeyringStore("keychain", backend)
    store.set(make_tokens())
    store.mark_relink_needed()
    info = store.info()
    assert info is not None and info.relink_needed
    assert store.delete() is True
    assert backend.entries == {}
    assert store.delete() is False


def test_auto_uses_the_keyring_set_with_set_keyring(
    memory_keyring: MemoryKeyring, settings: FakeSettings
) -> None:
    store = open_store("auto", settings, platform="linux")
    assert isinstance(store, KeyringStore)
    assert store.kind == "secret-service"
    assert store.notice is None
    store.set(make_tokens())
    assert entry_key(MANIFEST) in memory_keyring.entries
    kind, where = store.describe()
    assert kind == "secret-service" and "aimcoach/device-tokens" in where


def test_explicit_keystore_kinds(memory_keyring: MemoryKeyring, settings: FakeSettings) -> None:
    assert open_store("wincred", settings, platform="win32").kind == "wincred"
    assert open_store("keychain", settings, platform="darwin").kind == "keychain"
    assert open_store("secret-service", settings, platform="linux").kind == "secret-service"
    with pytest.raises(TokenStoreError) as info:
        open_store("wincred", settings, platform="linux")
    assert info.value.key == "store.kind_unavailable"
    with pytest.raises(TokenStoreError) as info:
        open_store(
            "secret-service",
            settings,
            platform="linux",
            keyring_backend=keyring.backends.fail.Keyring(),  # type: ignore[no-untyped-call]
        )
    assert info.value.key == "store.keystore_unavailable"


def test_every_entry_has_its_own_service_name() -> None:
    # Credential Manager keys a credential by target (the service) alone: entries sharing one
    # service would displace each other on Windows.
    backend = MemoryKeyring()
    access, refresh = _long_tokens()
    KeyringStore("wincred", backend).set(make_tokens(access=access, refresh=refresh))
    services = [service for service, _user in backend.entries]
    assert len(services) == len(set(services)) > 1
    assert all(service.startswith("aimcoach/device-tokens") for service in services)
