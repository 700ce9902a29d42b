"""The Windows DPAPI token store: the record sealed to the current Windows user.

``CryptProtectData`` / ``CryptUnprotectData`` (crypt32) with user scope (no
``CRYPTPROTECT_LOCAL_MACHINE``), no UI, and an application-specific entropy, so another program
of the same user calling DPAPI on our file without it gets nothing. The sealed blob lives in
``<data_dir>/tokens.dpapi`` (0600, replaced atomically). The Win32 calls are reached through a
:class:`Win32Crypt` record so tests drive the marshalling (DATA_BLOB in/out, ``LocalFree`` of
every buffer Windows allocated) with a fake on any OS; :func:`load_win32_crypt` binds the real
ones with ctypes on Windows.

This module must not log, and no exception it raises may carry the record or a token.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aimcoach.auth._store import RecordStore, erase_token_file, write_token_file
from aimcoach.auth._tokens import LinkInfo
from aimcoach.errors import TokenStoreError

__all__ = [
    "CRYPTPROTECT_UI_FORBIDDEN",
    "DATA_BLOB",
    "ENTROPY",
    "FILE_NAME",
    "DpapiStore",
    "Win32Crypt",
    "load_win32_crypt",
    "protect",
    "unprotect",
]

FILE_NAME = "tokens.dpapi"
CRYPTPROTECT_UI_FORBIDDEN = 0x1
#: Mixed into the protection so only aimcoach (not any program of the same user) can unseal.
ENTROPY = b"aimcoach/token-store/v1"
_MAGIC = b"AIMCOACH-DPAPI-1\n"
_DESCRIPTION = "aimcoach device tokens"


class DATA_BLOB(ctypes.Structure):
    _fields_ = [("cbData", ctypes.c_uint32), ("pbData", ctypes.POINTER(ctypes.c_char))]


@dataclass(frozen=True, slots=True)
class Win32Crypt:
    """The Win32 functions DPAPI needs, with their C signatures.

    ``crypt_protect_data(pDataIn, szDataDescr, pOptionalEntropy, pvReserved, pPromptStruct,
    dwFlags, pDataOut) -> BOOL`` and ``crypt_unprotect_data(pDataIn, ppszDataDescr,
    pOptionalEntropy, pvReserved, pPromptStruct, dwFlags, pDataOut) -> BOOL`` take
    ``POINTER(DATA_BLOB)`` arguments; ``local_free(hMem)`` releases what they allocated;
    ``get_last_error()`` is the thread's Win32 error after a failed call.
    """

    crypt_protect_data: Callable[..., int]
    crypt_unprotect_data: Callable[..., int]
    local_free: Callable[[Any], Any]
    get_last_error: Callable[[], int]


def load_win32_crypt() -> Win32Crypt:  # pragma: no cover - exercised on Windows only
    """Bind crypt32/kernel32 with ctypes; raises OSError/AttributeError off Windows."""
    windll = getattr(ctypes, "WinDLL")  # noqa: B009 - absent from ctypes off Windows
    crypt32 = windll("crypt32", use_last_error=True)
    kernel32 = windll("kernel32", use_last_error=True)
    blob_p = ctypes.POINTER(DATA_BLOB)
    protect_fn = crypt32.CryptProtectData
    protect_fn.argtypes = [
        blob_p,
        ctypes.c_wchar_p,
        blob_p,
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_uint32,
        blob_p,
    ]
    protect_fn.restype = ctypes.c_int
    unprotect_fn = crypt32.CryptUnprotectData
    unprotect_fn.argtypes = [
        blob_p,
        ctypes.c_void_p,
        blob_p,
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_uint32,
        blob_p,
    ]
    unprotect_fn.restype = ctypes.c_int
    local_free = kernel32.LocalFree
    local_free.argtypes = [ctypes.c_void_p]
    local_free.restype = ctypes.c_void_p
    return Win32Crypt(
        crypt_protect_data=protect_fn,
        crypt_unprotect_data=unprotect_fn,
        local_free=local_free,
        get_last_error=getattr(ctypes, "get_last_error"),  # noqa: B009
    )


def _blob_of(data: bytes) -> tuple[DATA_BLOB, ctypes.Array[ctypes.c_char]]:
    """A DATA_BLOB over a copy of ``data``; keep the returned buffer alive during the call."""
    buf = ctypes.create_string_buffer(data, len(data))
    return DATA_BLOB(len(data), ctypes.cast(buf, ctypes.POINTER(ctypes.c_char))), buf


def _take_output(api: Win32Crypt, out: DATA_BLOB, *, wipe: bool) -> bytes:
    """Copy what Windows allocated in ``out`` and free it (always, even if copying fails)."""
    try:
        return ctypes.string_at(out.pbData, out.cbData)
    finally:
        address = ctypes.cast(out.pbData, ctypes.c_void_p)
        if address.value:
            if wipe:
                # The plaintext record holds tokens: do not leave it in freed heap memory.
                ctypes.memset(address, 0, out.cbData)
            api.local_free(address)


def protect(api: Win32Crypt, data: bytes, *, entropy: bytes = ENTROPY) -> bytes:
    data_in, keep_data = _blob_of(data)
    extra, keep_extra = _blob_of(entropy)
    out = DATA_BLOB()
    ok = api.crypt_protect_data(
        ctypes.pointer(data_in),
        _DESCRIPTION,
        ctypes.pointer(extra),
        None,
        None,
        CRYPTPROTECT_UI_FORBIDDEN,
        ctypes.pointer(out),
    )
    # Wipe our copy of the plaintext now that Windows has sealed it.
    ctypes.memset(keep_data, 0, len(data))
    del keep_extra
    if not ok:
        raise TokenStoreError(
            "store.dpapi_failed", operation="CryptProtectData", code=api.get_last_error()
        )
    return _take_output(api, out, wipe=False)


def unprotect(api: Win32Crypt, blob: bytes, *, location: str, entropy: bytes = ENTROPY) -> bytes:
    """The plaintext; DPAPI refusing the blob (other user/PC, damaged data) is an error."""
    data_in, keep_data = _blob_of(blob)
    extra, keep_extra = _blob_of(entropy)
    out = DATA_BLOB()
    ok = api.crypt_unprotect_data(
        ctypes.pointer(data_in),
        None,
        ctypes.pointer(extra),
        None,
        None,
        CRYPTPROTECT_UI_FORBIDDEN,
        ctypes.pointer(out),
    )
    del keep_data, keep_extra
    if not ok:
        raise TokenStoreError("store.dpapi_unreadable", path=location, code=api.get_last_error())
    return _take_output(api, out, wipe=True)


class DpapiStore(RecordStore):
    """Tokens in ``<data_dir>/tokens.dpapi``, sealed by DPAPI to the current Windows user."""

    def __init__(self, path: Path, api: Win32Crypt, *, notice: str | None = None) -> None:
        super().__init__("dpapi", notice=notice)
        self._path = path
        self._api = api

    @property
    def path(self) -> Path:
        return self._path

    def describe(self) -> tuple[str, str]:
        return ("dpapi", str(self._path))

    def _read(self) -> bytes | None:
        try:
            data = self._path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise TokenStoreError(
                "store.file_unreadable", path=str(self._path), reason=exc.strerror or str(exc)
            ) from exc
        if not data.startswith(_MAGIC):
            raise TokenStoreError("store.corrupt", location=str(self._path))
        return unprotect(self._api, data[len(_MAGIC) :], location=str(self._path))

    def _write(self, record: bytes, info: LinkInfo) -> None:
        sealed = protect(self._api, record)
        write_token_file(self._path, _MAGIC + sealed)

    def _erase(self) -> bool:
        return erase_token_file(self._path)
