"""The DPAPI store's logic on any OS, through a fake of CryptProtectData/CryptUnprotectData.

The fake behaves like crypt32 at the C level: it receives ``POINTER(DATA_BLOB)`` arguments,
reads the input bytes through them, allocates the output buffer itself (as ``LocalAlloc``
would) and expects it back through ``LocalFree``. So the marshalling (DATA_BLOB in and out,
freeing, wiping the plaintext) is what is tested, not a Python-level shortcut.
"""

from __future__ import annotations

import ctypes
import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from _auth_support import FakeSettings, make_tokens

from aimcoach.auth import open_store
from aimcoach.auth._dpapi import (
    CRYPTPROTECT_UI_FORBIDDEN,
    DATA_BLOB,
    ENTROPY,
    DpapiStore,
    Win32Crypt,
)
from aimcoach.errors import TokenStoreError

ERROR_INVALID_DATA = 13
CRYPTPROTECT_LOCAL_MACHINE = 0x4


class FakeCrypt32:
    """Seals with a keyed XOR plus a MAC bound to the (fake) user and the entropy."""

    def __init__(self, user: str = "alice") -> None:
        self.user = user
        self.live: dict[int, ctypes.Array[ctypes.c_char]] = {}  # address -> buffer "allocated"
        self.freed: list[tuple[int, bytes]] = []  # (address, content when freed)
        self.calls: list[tuple[str, int, bytes, str | None]] = []
        self.last_error = 0
        self.fail_protect = False

    def _key(self, entropy: bytes) -> bytes:
        return hashlib.sha256(self.user.encode() + b"|" + entropy).digest()

    @staticmethod
    def _read(p: Any) -> bytes:
        blob = p.contents
        return ctypes.string_at(blob.pbData, blob.cbData)

    def _give(self, p: Any, data: bytes) -> None:
        buf = ctypes.create_string_buffer(data, len(data))
        address = ctypes.addressof(buf)
        self.live[address] = buf
        p.contents.cbData = len(data)
        p.contents.pbData = ctypes.cast(buf, ctypes.POINTER(ctypes.c_char))

    def protect(
        self,
        p_in: Any,
        descr: str | None,
        p_entropy: Any,
        reserved: Any,
        prompt: Any,
        flags: int,
        p_out: Any,
    ) -> int:
        assert isinstance(p_in, ctypes.POINTER(DATA_BLOB))
        assert reserved is None and prompt is None
        entropy = self._read(p_entropy) if p_entropy else b""
        self.calls.append(("protect", flags, entropy, descr))
        if self.fail_protect:
            self.last_error = 5  # ERROR_ACCESS_DENIED
            return 0
        plain = self._read(p_in)
        key = self._key(entropy)
        body = bytes(b ^ key[i % 32] for i, b in enumerate(plain))
        mac = hashlib.sha256(key + body).digest()
        self._give(p_out, mac + body)
        return 1

    def unprotect(
        self,
        p_in: Any,
        p_descr: Any,
        p_entropy: Any,
        reserved: Any,
        prompt: Any,
        flags: int,
        p_out: Any,
    ) -> int:
        entropy = self._read(p_entropy) if p_entropy else b""
        self.calls.append(("unprotect", flags, entropy, None))
        sealed = self._read(p_in)
        key = self._key(entropy)
        mac, body = sealed[:32], sealed[32:]
        if hashlib.sha256(key + body).digest() != mac:
            self.last_error = ERROR_INVALID_DATA
            return 0
        self._give(p_out, bytes(b ^ key[i % 32] for i, b in enumerate(body)))
        return 1

    def local_free(self, address: Any) -> None:
        value = address.value if isinstance(address, ctypes.c_void_p) else address
        assert isinstance(value, int)
        buf = self.live.pop(value)  # KeyError: freeing what we never allocated
        self.freed.append((value, bytes(buf.raw)))

    def api(self) -> Win32Crypt:
        return Win32Crypt(
            crypt_protect_data=self.protect,
            crypt_unprotect_data=self.unprotect,
            local_free=self.local_free,
            get_last_error=lambda: self.last_error,
        )


def _store(tmp_path: Path, fake: FakeCrypt32) -> DpapiStore:
    return DpapiStore(tmp_path / "tokens.dpapi", fake.api())


def test_round_trip_frees_every_buffer_and_wipes_the_plaintext(tmp_path: Path) -> None:
    fake = FakeCrypt32()
    store = _store(tmp_path, fake)
    tokens = make_tokens(access="ACCESS-dpapi-marker", refresh="REFRESH-dpapi-marker")
    store.set(tokens)
    assert store.get() == tokens
    assert fake.live == {}  # everything Windows allocated went back through LocalFree
    assert len(fake.freed) == 2
    # The unprotected output (plaintext tokens) was zeroed before it was freed.
    _address, content_at_free = fake.freed[1]
    assert content_at_free == b"\x00" * len(content_at_free)
    raw = (tmp_path / "tokens.dpapi").read_bytes()
    assert b"ACCESS-dpapi-marker" not in raw and b"REFRESH-dpapi-marker" not in raw


def test_user_scope_no_ui_and_our_entropy(tmp_path: Path) -> None:
    fake = FakeCrypt32()
    store = _store(tmp_path, fake)
    store.set(make_tokens())
    store.get()
    for _name, flags, entropy, _descr in fake.calls:
        assert flags & CRYPTPROTECT_UI_FORBIDDEN
        assert not flags & CRYPTPROTECT_LOCAL_MACHINE  # user scope, not machine scope
        assert entropy == ENTROPY
    assert fake.calls[0][3] == "aimcoach device tokens"


def test_another_user_cannot_read_it(tmp_path: Path) -> None:
    _store(tmp_path, FakeCrypt32(user="alice")).set(make_tokens())
    with pytest.raises(TokenStoreError) as info:
        _store(tmp_path, FakeCrypt32(user="mallory")).get()
    assert info.value.key == "store.dpapi_unreadable"
    assert str(ERROR_INVALID_DATA) in str(info.value)
    assert str(tmp_path / "tokens.dpapi") in str(info.value)


def test_a_damaged_file_is_refused(tmp_path: Path) -> None:
    fake = FakeCrypt32()
    store = _store(tmp_path, fake)
    store.set(make_tokens())
    path = tmp_path / "tokens.dpapi"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(TokenStoreError) as info:
        store.get()
    assert info.value.key == "store.dpapi_unreadable"
    path.write_bytes(b"not ours at all")
    with pytest.raises(TokenStoreError) as info:
        store.get()
    assert info.value.key == "store.corrupt"


def test_protect_failure_is_a_clear_error_and_nothing_is_written(tmp_path: Path) -> None:
    fake = FakeCrypt32()
    fake.fail_protect = True
    store = _store(tmp_path, fake)
    with pytest.raises(TokenStoreError) as info:
        store.set(make_tokens())
    assert info.value.key == "store.dpapi_failed"
    assert info.value.params == {"operation": "CryptProtectData", "code": 5}
    assert not (tmp_path / "tokens.dpapi").exists()


def test_rotate_relink_and_delete_work_through_dpapi(tmp_path: Path) -> None:
    fake = FakeCrypt32()
    store = _store(tmp_path, fake)
    store.set(make_tokens())
    new = store.rotate(access_token="acc-2", access_expires_at=make_tokens().refresh_expires_at)
    store.mark_relink_needed()
    assert _store(tmp_path, fake).load() == (new, True)
    assert store.describe() == ("dpapi", str(tmp_path / "tokens.dpapi"))
    assert store.delete() is True
    assert store.get() is None
    assert fake.live == {}


def test_open_store_picks_dpapi_on_windows_and_refuses_it_elsewhere(
    settings: FakeSettings,
) -> None:
    fake = FakeCrypt32()
    auto = open_store("auto", settings, platform="win32", win32=fake.api())
    assert isinstance(auto, DpapiStore)
    assert auto.describe() == ("dpapi", str(settings.data_dir / "tokens.dpapi"))
    explicit = open_store("dpapi", replace(settings, token_store="dpapi"), win32=fake.api())
    assert explicit.kind == "dpapi"
    with pytest.raises(TokenStoreError) as info:
        open_store("dpapi", settings, platform="linux")
    assert info.value.key == "store.kind_unavailable"

    def broken() -> Win32Crypt:
        raise OSError("crypt32 missing")

    with pytest.raises(TokenStoreError) as info:
        open_store("dpapi", settings, platform="win32", load_win32=broken)
    assert info.value.key == "store.kind_unavailable"
