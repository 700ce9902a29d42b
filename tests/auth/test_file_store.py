"""The encrypted-file token store, for real: files in tmp_path, real Argon2id and AES-GCM."""

from __future__ import annotations

import base64
import json
import os
import stat
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from _auth_support import FAST_KDF, PASSPHRASE, T0, make_tokens
from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from aimcoach.auth._file_store import (
    DEFAULT_KDF,
    EncryptedFileStore,
    KdfParams,
    passphrase_source,
)
from aimcoach.errors import TokenStoreError
from aimcoach.i18n import t

_R = TypeVar("_R")

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def _store(
    path: Path, passphrase: str = PASSPHRASE, kdf: KdfParams = FAST_KDF
) -> EncryptedFileStore:
    return EncryptedFileStore(path, lambda creating: passphrase, kdf=kdf)


def test_round_trip_and_nothing_readable_in_the_file(file_store: EncryptedFileStore) -> None:
    tokens = make_tokens(access="ACCESS-plain-marker", refresh="REFRESH-plain-marker")
    assert file_store.get() is None
    file_store.set(tokens)
    # A new store object (a new process) with the same passphrase reads it back.
    again = _store(file_store.path)
    assert again.get() == tokens
    assert again.load() == (tokens, False)
    raw = file_store.path.read_bytes()
    assert b"ACCESS-plain-marker" not in raw
    assert b"REFRESH-plain-marker" not in raw
    assert file_store.describe() == ("file", str(file_store.path))


def test_info_needs_no_passphrase(file_store: EncryptedFileStore) -> None:
    tokens = make_tokens()
    file_store.set(tokens)

    def no_passphrase(creating: bool) -> str:
        raise AssertionError("status must not ask for the passphrase")

    reader = EncryptedFileStore(file_store.path, no_passphrase, kdf=FAST_KDF)
    assert reader.info() == tokens.info()


def test_rotate_replaces_both_tokens_and_keeps_the_link_facts(
    file_store: EncryptedFileStore,
) -> None:
    tokens = make_tokens()
    file_store.set(tokens)
    new = file_store.rotate(
        access_token="acc-2",
        access_expires_at=T0 + timedelta(days=60),
        refresh_token="ref-2",
        refresh_expires_at=T0 + timedelta(days=120),
    )
    assert (new.access_token, new.refresh_token) == ("acc-2", "ref-2")
    assert (new.device_name, new.linked_at, new.endpoint) == (
        tokens.device_name,
        tokens.linked_at,
        tokens.endpoint,
    )
    assert _store(file_store.path).get() == new
    # Without a new refresh token, the old one and its expiry stay.
    newer = file_store.rotate(access_token="acc-3", access_expires_at=T0 + timedelta(days=90))
    assert (newer.refresh_token, newer.refresh_expires_at) == ("ref-2", new.refresh_expires_at)


def test_rotate_with_nothing_stored_is_an_error(file_store: EncryptedFileStore) -> None:
    with pytest.raises(TokenStoreError) as info:
        file_store.rotate(access_token="a", access_expires_at=T0)
    assert info.value.key == "store.nothing_to_rotate"


def test_relink_flag_persists_and_a_new_link_clears_it(file_store: EncryptedFileStore) -> None:
    file_store.set(make_tokens())
    file_store.mark_relink_needed()
    assert _store(file_store.path).load() == (make_tokens(), True)
    info = file_store.info()
    assert info is not None and info.relink_needed
    file_store.set(make_tokens(access="fresh"))
    loaded = _store(file_store.path).load()
    assert loaded is not None and loaded[1] is False


def test_delete_is_idempotent(file_store: EncryptedFileStore) -> None:
    assert file_store.delete() is False
    file_store.set(make_tokens())
    assert file_store.delete() is True
    assert not file_store.path.exists()
    assert file_store.delete() is False
    assert file_store.get() is None


def test_wrong_passphrase_is_a_clear_error(file_store: EncryptedFileStore) -> None:
    file_store.set(make_tokens())
    with pytest.raises(TokenStoreError) as info:
        _store(file_store.path, passphrase="not the passphrase").get()
    assert info.value.key == "store.file_wrong_passphrase"
    assert str(file_store.path) in str(info.value)
    assert "AIMCOACH_TOKEN_PASSPHRASE" in str(info.value)


def test_prepare_read_asks_in_the_calling_thread_and_the_read_elsewhere_does_not(
    file_store: EncryptedFileStore,
) -> None:
    """``run`` asks for the passphrase before trio starts; the key derivation then runs in a
    worker thread, which must never ask (a prompt there would fight the progress line)."""
    file_store.set(make_tokens())
    asked: list[str] = []

    def source(creating: bool) -> str:
        asked.append(threading.current_thread().name)
        return PASSPHRASE

    store = EncryptedFileStore(file_store.path, source, kdf=FAST_KDF)
    store.prepare_read()
    assert asked == [threading.current_thread().name]
    with ThreadPoolExecutor(1, thread_name_prefix="reader") as pool:
        assert pool.submit(store.load).result() == (file_store.get(), False)
    assert len(asked) == 1
    store.prepare_read()  # the key is known now: nothing to ask
    assert store.get() == file_store.get()
    assert len(asked) == 1


def test_prepare_read_of_no_file_asks_nothing_and_a_wrong_answer_fails_the_read(
    tmp_path: Path, file_store: EncryptedFileStore
) -> None:
    def must_not_ask(creating: bool) -> str:
        raise AssertionError("nothing to read, nothing to ask")

    EncryptedFileStore(tmp_path / "none.enc", must_not_ask, kdf=FAST_KDF).prepare_read()
    file_store.set(make_tokens())
    answers = iter(["not the passphrase", PASSPHRASE])
    store = EncryptedFileStore(file_store.path, lambda creating: next(answers), kdf=FAST_KDF)
    store.prepare_read()
    with pytest.raises(TokenStoreError) as info:
        store.load()
    assert info.value.key == "store.file_wrong_passphrase"
    # The answer was used once and forgotten: the next read asks again.
    assert store.get() == file_store.get()


def _edit(path: Path, change: dict[str, object]) -> None:
    obj = json.loads(path.read_text(encoding="utf-8"))
    for dotted, value in change.items():
        target = obj
        *parents, last = dotted.split(".")
        for name in parents:
            target = target[name]
        target[last] = value
    path.write_text(json.dumps(obj), encoding="utf-8")


def _flip_last_byte(b64: str) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[-1] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize(
    "tamper",
    ["ciphertext", "info", "nonce", "kdf_huge", "not_json", "truncated", "format"],
)
def test_a_tampered_file_is_refused_never_garbage(
    file_store: EncryptedFileStore, tamper: str
) -> None:
    file_store.set(make_tokens())
    path = file_store.path
    obj = json.loads(path.read_text(encoding="utf-8"))
    if tamper == "ciphertext":
        _edit(path, {"ciphertext": _flip_last_byte(obj["ciphertext"])})
    elif tamper == "info":
        # Moving the shown expiry by a year must not go unnoticed: the header is authenticated.
        _edit(path, {"info.access_expires_at": "2099-01-01T00:00:00Z"})
    elif tamper == "nonce":
        _edit(path, {"nonce": _flip_last_byte(obj["nonce"])})
    elif tamper == "kdf_huge":
        # Refused before deriving: a tampered file must not make us allocate 64 GiB.
        _edit(path, {"kdf.m": 64 * 1024 * 1024})
    elif tamper == "not_json":
        path.write_bytes(b"\x00\x01garbage")
    elif tamper == "truncated":
        path.write_bytes(path.read_bytes()[:40])
    elif tamper == "format":
        _edit(path, {"format": "something-else"})
    with pytest.raises(TokenStoreError) as info:
        _store(path).get()
    assert info.value.key == "store.file_tampered"
    assert str(path) in str(info.value)


@posix_only
def test_file_is_created_0600_and_stays_0600(file_store: EncryptedFileStore) -> None:
    old_umask = os.umask(0o022)  # a typical umask that would make a plain open() 0644
    try:
        file_store.set(make_tokens())
        assert stat.S_IMODE(file_store.path.stat().st_mode) == 0o600
        file_store.rotate(access_token="acc-2", access_expires_at=T0 + timedelta(days=31))
        assert stat.S_IMODE(file_store.path.stat().st_mode) == 0o600
    finally:
        os.umask(old_umask)


def test_writes_replace_the_file_atomically(
    file_store: EncryptedFileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    file_store.set(make_tokens())
    before = file_store.path.read_bytes()
    inode_before = file_store.path.stat().st_ino

    def crash(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(TokenStoreError) as info:
        file_store.rotate(access_token="acc-2", access_expires_at=T0 + timedelta(days=31))
    assert info.value.key == "store.file_unwritable"
    # The old file is untouched and no temporary file is left behind.
    assert file_store.path.read_bytes() == before
    assert sorted(p.name for p in file_store.path.parent.iterdir()) == ["tokens.enc"]
    monkeypatch.undo()
    file_store.rotate(access_token="acc-2", access_expires_at=T0 + timedelta(days=31))
    # A new file was swapped in (os.replace), not the old one rewritten in place.
    assert file_store.path.stat().st_ino != inode_before
    assert _store(file_store.path).get() is not None


def test_default_parameters_are_argon2id_and_the_file_is_standard(tmp_path: Path) -> None:
    """Decrypt with argon2-cffi and cryptography directly: the format is what the doc says."""
    store = _store(tmp_path / "tokens.enc", kdf=DEFAULT_KDF)
    tokens = make_tokens()
    store.set(tokens)
    obj = json.loads((tmp_path / "tokens.enc").read_text(encoding="utf-8"))
    assert obj["kdf"] == {
        "name": "argon2id",
        "t": 3,
        "m": 65536,
        "p": 4,
        "salt": obj["kdf"]["salt"],
    }
    assert len(base64.b64decode(obj["kdf"]["salt"])) == 16
    raw = hash_secret_raw(
        secret=PASSPHRASE.encode(),
        salt=base64.b64decode(obj["kdf"]["salt"]),
        time_cost=3,
        memory_cost=65536,
        parallelism=4,
        hash_len=64,
        type=Type.ID,
    )
    header = {k: v for k, v in obj.items() if k != "ciphertext"}
    aad = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    plain = AESGCM(raw[:32]).decrypt(
        base64.b64decode(obj["nonce"]), base64.b64decode(obj["ciphertext"]), aad
    )
    assert json.loads(plain)["access_token"] == tokens.access_token
    # A fresh nonce for every write, even with the cached key.
    store.rotate(access_token="acc-2", access_expires_at=T0 + timedelta(days=31))
    obj2 = json.loads((tmp_path / "tokens.enc").read_text(encoding="utf-8"))
    assert obj2["nonce"] != obj["nonce"]


def test_the_key_is_derived_once_per_store(tmp_path: Path) -> None:
    asked: list[bool] = []

    def source(creating: bool) -> str:
        asked.append(creating)
        return PASSPHRASE

    store = EncryptedFileStore(tmp_path / "tokens.enc", source, kdf=FAST_KDF)
    store.set(make_tokens())
    for n in range(3):
        store.rotate(access_token=f"acc-{n}", access_expires_at=T0 + timedelta(days=31))
        store.get()
    assert asked == [True]  # asked once, as "new passphrase", when the file was created


# ---- where the passphrase comes from -------------------------------------------------------


def test_passphrase_from_the_environment() -> None:
    source = passphrase_source(
        {"AIMCOACH_TOKEN_PASSPHRASE": "from-env"},
        isatty=lambda: False,
        prompt=lambda text: pytest.fail("must not prompt"),
        texts=t,
    )
    assert source(True) == "from-env"


def test_no_passphrase_and_no_terminal_says_to_set_the_variable(tmp_path: Path) -> None:
    source = passphrase_source({}, isatty=lambda: False, prompt=lambda text: "x", texts=t)
    store = EncryptedFileStore(tmp_path / "tokens.enc", source, kdf=FAST_KDF)
    with pytest.raises(TokenStoreError) as info:
        store.set(make_tokens())
    assert info.value.key == "store.passphrase_missing"
    assert "AIMCOACH_TOKEN_PASSPHRASE" in str(info.value)
    assert not (tmp_path / "tokens.enc").exists()


def test_interactive_prompt_asks_twice_for_a_new_file_once_after() -> None:
    prompts: list[str] = []
    answers = iter(["typed", "typed", "typed"])

    def prompt(text: str) -> str:
        prompts.append(text)
        return next(answers)

    source = passphrase_source({}, isatty=lambda: True, prompt=prompt, texts=t)
    assert source(True) == "typed"
    assert source(False) == "typed"
    assert prompts == [
        t("store.passphrase_prompt_new"),
        t("store.passphrase_prompt_again"),
        t("store.passphrase_prompt"),
    ]


def test_interactive_mismatch_and_empty_are_errors(tmp_path: Path) -> None:
    answers = iter(["one", "two"])
    source = passphrase_source({}, isatty=lambda: True, prompt=lambda _: next(answers), texts=t)
    with pytest.raises(TokenStoreError) as info:
        source(True)
    assert info.value.key == "store.passphrase_mismatch"

    empty = EncryptedFileStore(tmp_path / "tokens.enc", lambda creating: "", kdf=FAST_KDF)
    with pytest.raises(TokenStoreError) as info:
        empty.set(make_tokens())
    assert info.value.key == "store.passphrase_empty"


def test_prepare_write_asks_up_front_and_the_write_then_does_not(tmp_path: Path) -> None:
    asked: list[bool] = []

    def source(creating: bool) -> str:
        asked.append(creating)
        return PASSPHRASE

    store = EncryptedFileStore(tmp_path / "tokens.enc", source, kdf=FAST_KDF)
    store.prepare_write()
    assert asked == [True]
    store.set(make_tokens())
    assert asked == [True]
    # Linking again over a file whose passphrase is forgotten: the new one simply replaces it.
    other = EncryptedFileStore(tmp_path / "tokens.enc", lambda creating: "new one", kdf=FAST_KDF)
    other.prepare_write()
    other.set(make_tokens(access="relinked"))
    assert _store(tmp_path / "tokens.enc", passphrase="new one").get() == make_tokens(
        access="relinked"
    )


# ---- a long-lived run that finds the file linked anew ---------------------------------------


def _in_worker(fn: Callable[[], _R]) -> _R:
    with ThreadPoolExecutor(1, thread_name_prefix="reader") as pool:
        return pool.submit(fn).result()


def test_a_file_linked_anew_is_opened_with_the_passphrase_that_opened_it_without_asking(
    file_store: EncryptedFileStore,
) -> None:
    """``aimcoach link`` in another terminal while ``run`` waits for a new link: the new file
    has a new salt, and the run's store opens it in a worker thread without a prompt."""
    file_store.set(make_tokens())
    asked: list[str] = []

    def source(creating: bool) -> str:
        asked.append(threading.current_thread().name)
        return PASSPHRASE

    run_store = EncryptedFileStore(file_store.path, source, kdf=FAST_KDF)
    run_store.prepare_read()
    assert _in_worker(run_store.load) == (file_store.get(), False)
    salt_before = json.loads(file_store.path.read_text())["kdf"]["salt"]

    relinked = make_tokens(access="acc-after-relink", refresh="ref-after-relink")
    _store(file_store.path).set(relinked)  # another process, same passphrase, a new salt
    assert json.loads(file_store.path.read_text())["kdf"]["salt"] != salt_before

    assert _in_worker(run_store.load) == (relinked, False)
    assert asked == [threading.current_thread().name]  # only the prompt before the run


def test_a_file_linked_anew_with_another_passphrase_is_an_error_never_a_worker_prompt(
    file_store: EncryptedFileStore,
) -> None:
    file_store.set(make_tokens())
    prompts: list[str] = []

    def prompt(text: str) -> str:
        prompts.append(threading.current_thread().name)
        return PASSPHRASE

    source = passphrase_source({}, isatty=lambda: True, prompt=prompt, texts=t)
    run_store = EncryptedFileStore(file_store.path, source, kdf=FAST_KDF)
    run_store.prepare_read()
    assert _in_worker(run_store.load) == (file_store.get(), False)

    _store(file_store.path, passphrase="a new passphrase").set(make_tokens())
    with pytest.raises(TokenStoreError) as wrong:
        _in_worker(run_store.load)
    assert wrong.value.key == "store.file_wrong_passphrase"
    # Then the passphrase it knew is forgotten, and a worker thread may not ask for another.
    with pytest.raises(TokenStoreError) as not_here:
        _in_worker(run_store.load)
    assert not_here.value.key == "store.passphrase_not_here"
    assert "AIMCOACH_TOKEN_PASSPHRASE" in str(not_here.value)
    assert prompts == [threading.current_thread().name]
    assert PASSPHRASE not in str(wrong.value) + str(not_here.value)


def test_the_prompt_is_only_ever_shown_from_the_main_thread() -> None:
    def prompt(text: str) -> str:
        raise AssertionError("no prompt from a worker thread")

    typed = passphrase_source({}, isatty=lambda: True, prompt=prompt, texts=t)
    with pytest.raises(TokenStoreError) as info:
        _in_worker(lambda: typed(False))
    assert info.value.key == "store.passphrase_not_here"
    # The environment variable works from any thread.
    from_env = passphrase_source(
        {"AIMCOACH_TOKEN_PASSPHRASE": "from-env"}, isatty=lambda: True, prompt=prompt, texts=t
    )
    assert _in_worker(lambda: from_env(False)) == "from-env"
