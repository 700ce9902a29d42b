"""The encrypted-file token store: AES-256-GCM under a key derived from a passphrase.

The file is one JSON object::

    {"format": "aimcoach-tokens", "v": 1,
     "kdf": {"name": "argon2id", "t": 3, "m": 65536, "p": 4, "salt": "<b64>"},
     "check": "<b64>", "nonce": "<b64>", "info": {<expiry times, device, endpoint, flag>},
     "ciphertext": "<b64>"}

Argon2id (argon2-cffi's ``hash_secret_raw``) turns the passphrase and the random salt into 64
bytes: the first 32 are the AES key, the SHA-256 of the last 32 is ``check``. ``check`` lets us
tell a wrong passphrase from a changed file. Everything except the ciphertext is bound to it as
associated data, so editing the public ``info`` (or the KDF parameters) is detected as tampering
on the next decryption. ``info`` is readable without the passphrase so ``status`` never prompts.

The file is created 0600 and replaced atomically. This module must not log, and no exception it
raises may carry the passphrase, the key or a token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from aimcoach.auth._store import RecordStore, erase_token_file, write_token_file
from aimcoach.auth._tokens import LinkInfo
from aimcoach.errors import TokenStoreError

__all__ = [
    "DEFAULT_KDF",
    "FILE_NAME",
    "PASSPHRASE_ENV",
    "EncryptedFileStore",
    "KdfParams",
    "PassphraseSource",
    "passphrase_source",
]

FILE_NAME = "tokens.enc"
PASSPHRASE_ENV = "AIMCOACH_TOKEN_PASSPHRASE"
_FORMAT = "aimcoach-tokens"
_VERSION = 1
_SALT_BYTES = 16
_NONCE_BYTES = 12  # the GCM standard nonce; a fresh random one for every write

#: Asked for the passphrase; the argument is True when a new file is about to be created (so an
#: interactive prompt can ask twice).
PassphraseSource = Callable[[bool], str]


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id cost: ``t`` passes over ``m`` KiB of memory in ``p`` lanes."""

    t: int
    m: int
    p: int


#: RFC 9106's second recommended option (t=3, 64 MiB, p=4): about a tenth of a second on a
#: gaming PC, and the derived key is cached for the life of the store object, so a long ``run``
#: pays it once.
DEFAULT_KDF = KdfParams(t=3, m=64 * 1024, p=4)

# Bounds for parameters read from a file: a tampered file must not make us allocate gigabytes or
# spin for minutes before the tag check can fail.
_MAX_T, _MAX_M, _MAX_P = 16, 1024 * 1024, 16


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: Any) -> bytes:
    if not isinstance(value, str):
        raise TypeError("expected base64 text")
    return base64.b64decode(value.encode("ascii"), validate=True)


@dataclass(frozen=True, slots=True)
class _Envelope:
    kdf: KdfParams
    salt: bytes
    check: bytes
    nonce: bytes
    info: dict[str, Any]
    ciphertext: bytes

    def header(self) -> dict[str, Any]:
        return {
            "format": _FORMAT,
            "v": _VERSION,
            "kdf": {
                "name": "argon2id",
                "t": self.kdf.t,
                "m": self.kdf.m,
                "p": self.kdf.p,
                "salt": _b64(self.salt),
            },
            "check": _b64(self.check),
            "nonce": _b64(self.nonce),
            "info": self.info,
        }

    def aad(self) -> bytes:
        return json.dumps(self.header(), sort_keys=True, separators=(",", ":")).encode("utf-8")

    def dump(self) -> bytes:
        obj = self.header()
        obj["ciphertext"] = _b64(self.ciphertext)
        return (json.dumps(obj, indent=1, sort_keys=True) + "\n").encode("utf-8")

    @classmethod
    def parse(cls, data: bytes) -> _Envelope:
        obj = json.loads(data.decode("utf-8"))
        if not isinstance(obj, dict) or obj.get("format") != _FORMAT or obj.get("v") != _VERSION:
            raise ValueError("not an aimcoach token file")
        kdf = obj["kdf"]
        if not isinstance(kdf, dict) or kdf.get("name") != "argon2id":
            raise ValueError("unknown key derivation")
        params = KdfParams(t=kdf["t"], m=kdf["m"], p=kdf["p"])
        for value, top in ((params.t, _MAX_T), (params.m, _MAX_M), (params.p, _MAX_P)):
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
                raise ValueError("key derivation parameters out of range")
        info = obj["info"]
        if not isinstance(info, dict):
            raise ValueError("bad info")
        env = cls(
            kdf=params,
            salt=_unb64(kdf["salt"]),
            check=_unb64(obj["check"]),
            nonce=_unb64(obj["nonce"]),
            info=info,
            ciphertext=_unb64(obj["ciphertext"]),
        )
        if len(env.nonce) != _NONCE_BYTES or len(env.salt) < 8 or len(env.check) != 32:
            raise ValueError("bad sizes")
        return env


class EncryptedFileStore(RecordStore):
    """Tokens in ``<data_dir>/tokens.enc``, sealed with a passphrase-derived key."""

    def __init__(
        self,
        path: Path,
        passphrase: PassphraseSource,
        *,
        kdf: KdfParams = DEFAULT_KDF,
        notice: str | None = None,
    ) -> None:
        super().__init__("file", notice=notice)
        self._path = path
        self._passphrase = passphrase
        self._kdf = kdf
        # (salt, kdf params) -> (key, check). Only what this process derived itself.
        self._key_cache: tuple[bytes, KdfParams, bytes, bytes] | None = None
        # Asked by prepare_read(), for the derivation that follows it in a worker thread.
        self._asked: str | None = None
        # The passphrase that last opened or sealed the file, in memory only, as the key above
        # is: a long-lived run that finds the file linked anew (a new salt) tries it before
        # asking, and asking is possible only in the main thread (passphrase_source).
        self._known: str | None = None

    @property
    def path(self) -> Path:
        return self._path

    def describe(self) -> tuple[str, str]:
        return ("file", str(self._path))

    # ---- key handling -----------------------------------------------------------------------

    def _derive(
        self, salt: bytes, kdf: KdfParams, *, creating: bool
    ) -> tuple[bytes, bytes, str | None]:
        """The key and check for ``salt`` and ``kdf``, and the passphrase it was derived from
        (None: it came from the cache)."""
        cached = self._key_cache
        if cached is not None and cached[0] == salt and cached[1] == kdf:
            return cached[2], cached[3], None
        passphrase, self._asked = self._asked, None
        if passphrase is None:
            passphrase = self._known
        if passphrase is None:
            passphrase = self._passphrase(creating)
        if not passphrase:
            raise TokenStoreError("store.passphrase_empty")
        raw = hash_secret_raw(
            secret=passphrase.encode("utf-8"),
            salt=salt,
            time_cost=kdf.t,
            memory_cost=kdf.m,
            parallelism=kdf.p,
            hash_len=64,
            type=Type.ID,
        )
        key, check = raw[:32], hashlib.sha256(raw[32:]).digest()
        self._key_cache = (salt, kdf, key, check)
        return key, check, passphrase

    # ---- the three primitives ---------------------------------------------------------------

    def _read_envelope(self) -> _Envelope | None:
        try:
            data = self._path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise TokenStoreError(
                "store.file_unreadable", path=str(self._path), reason=exc.strerror or str(exc)
            ) from exc
        try:
            return _Envelope.parse(data)
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise TokenStoreError("store.file_tampered", path=str(self._path)) from None

    def _read(self) -> bytes | None:
        env = self._read_envelope()
        if env is None:
            return None
        key, check, passphrase = self._derive(env.salt, env.kdf, creating=False)
        if not hmac.compare_digest(check, env.check):
            # Forget what does not open this file: the next call asks again.
            self._key_cache = None
            self._known = None
            raise TokenStoreError("store.file_wrong_passphrase", path=str(self._path))
        if passphrase is not None:
            self._known = passphrase
        try:
            return AESGCM(key).decrypt(env.nonce, env.ciphertext, env.aad())
        except InvalidTag:
            raise TokenStoreError("store.file_tampered", path=str(self._path)) from None

    def _read_info(self) -> LinkInfo | None:
        env = self._read_envelope()
        if env is None:
            return None
        return LinkInfo.from_json(env.info, location=str(self._path))

    def prepare_write(self) -> None:
        """Derive the key for the next write now (asking for the passphrase if it must be
        asked). A write replaces the whole file, so this does not need the old passphrase."""
        with self._lock:
            cached = self._key_cache
            if cached is not None and cached[1] == self._kdf:
                return
            salt = secrets.token_bytes(_SALT_BYTES)
            self._derive(salt, self._kdf, creating=not self._path.exists())

    def prepare_read(self) -> None:
        """Ask for the passphrase now, in this thread, if the next read will need it; the key
        derivation (Argon2id, ~0.1 s) then runs in whichever thread reads."""
        with self._lock:
            env = self._read_envelope()
            cached = self._key_cache
            if env is None or (cached is not None and cached[:2] == (env.salt, env.kdf)):
                return
            self._asked = self._passphrase(False)

    def _write(self, record: bytes, info: LinkInfo) -> None:
        cached = self._key_cache
        if cached is not None and cached[1] == self._kdf:
            salt = cached[0]
        else:
            salt = secrets.token_bytes(_SALT_BYTES)
        key, check, passphrase = self._derive(salt, self._kdf, creating=not self._path.exists())
        if passphrase is not None:
            self._known = passphrase
        nonce = secrets.token_bytes(_NONCE_BYTES)
        env = _Envelope(
            kdf=self._kdf, salt=salt, check=check, nonce=nonce, info=info.to_json(), ciphertext=b""
        )
        sealed = AESGCM(key).encrypt(nonce, record, env.aad())
        env = _Envelope(
            kdf=env.kdf, salt=salt, check=check, nonce=nonce, info=env.info, ciphertext=sealed
        )
        write_token_file(self._path, env.dump())

    def _erase(self) -> bool:
        erased = erase_token_file(self._path)
        self._key_cache = None
        self._known = None
        return erased


def passphrase_source(
    env: Mapping[str, str],
    *,
    isatty: Callable[[], bool],
    prompt: Callable[[str], str],
    texts: Callable[[str], str],
    in_main_thread: Callable[[], bool] = lambda: (
        threading.current_thread() is threading.main_thread()
    ),
) -> PassphraseSource:
    """``AIMCOACH_TOKEN_PASSPHRASE``, else an interactive prompt (only on a terminal, and only
    from the main thread: a prompt from a worker thread of a running ``aimcoach run`` would
    fight its progress line for the terminal and hold the token manager until answered).

    ``texts`` renders catalog keys (``aimcoach.i18n.t``); ``prompt`` is ``getpass.getpass``.
    """

    def get(creating: bool) -> str:
        value = env.get(PASSPHRASE_ENV, "")
        if value:
            return value
        if not isatty():
            raise TokenStoreError("store.passphrase_missing")
        if not in_main_thread():
            raise TokenStoreError("store.passphrase_not_here")
        key = "store.passphrase_prompt_new" if creating else "store.passphrase_prompt"
        first = prompt(texts(key))
        if creating:
            again = prompt(texts("store.passphrase_prompt_again"))
            if again != first:
                raise TokenStoreError("store.passphrase_mismatch")
        return first

    return get
