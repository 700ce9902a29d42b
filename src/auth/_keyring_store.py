"""The OS keystore token store (Windows Credential Manager, macOS Keychain, Secret Service).

Reached through the ``keyring`` package. Windows Credential Manager refuses secrets over 2,560
bytes (``CRED_MAX_CREDENTIAL_BLOB_SIZE``; keyring stores UTF-16, so 1,280 characters), and
tokens can be long JWTs, so the record is split into chunks of at most :data:`CHUNK_CHARS`
characters on every backend. Keystores have no transactions, so a write goes to the slot not in
use ("a"/"b"), and a small manifest entry (slot, chunk count, SHA-256 of the record) is then
switched to it: the manifest write is the commit, and a crash before it leaves the old tokens
readable. Chunks of the old slot are removed afterwards.

This module must not log, and no exception it raises may carry a token (keystore errors are
reported by their type name only).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import keyring.backend
import keyring.errors

from aimcoach.auth._store import RecordStore
from aimcoach.auth._tokens import LinkInfo
from aimcoach.errors import TokenStoreError

__all__ = ["CHUNK_CHARS", "MANIFEST", "SERVICE", "USERNAME", "KeyringStore", "entry_key"]

SERVICE = "aimcoach"
MANIFEST = "device-tokens"
#: Each entry gets a service name of its own, under one user name. Windows Credential Manager
#: keys a credential by its target (keyring's *service*) alone, so entries that shared one
#: service would keep displacing each other.
USERNAME = "device"
#: Well under Credential Manager's 1,280 UTF-16 characters, with room for backend overhead.
CHUNK_CHARS = 1000
# A record is a few KB at most; a bound keeps a confused backend from looping us forever.
_MAX_CHUNKS = 64


def _chunk(slot: str, index: int) -> str:
    return f"{MANIFEST}/{slot}/{index}"


def entry_key(entry: str) -> tuple[str, str]:
    """The (service, username) pair keyring is called with for ``entry``."""
    return (f"{SERVICE}/{entry}", USERNAME)


class KeyringStore(RecordStore):
    """Tokens in the OS keystore, under service ``aimcoach``."""

    def __init__(
        self, kind: str, backend: keyring.backend.KeyringBackend, *, notice: str | None = None
    ) -> None:
        super().__init__(kind, notice=notice)
        self._backend = backend

    def describe(self) -> tuple[str, str]:
        name = str(getattr(type(self._backend), "name", type(self._backend).__name__))
        return (self.kind, f"{name} ({SERVICE}/{MANIFEST})")

    # ---- keystore calls, translated at the boundary -----------------------------------------

    def _failed(self, exc: BaseException) -> TokenStoreError:
        return TokenStoreError("store.keystore_failed", kind=self.kind, reason=type(exc).__name__)

    def _get(self, entry: str) -> str | None:
        try:
            value: Any = self._backend.get_password(*entry_key(entry))
        except Exception as exc:  # any keystore/D-Bus/Security-framework failure
            raise self._failed(exc) from exc
        return value if isinstance(value, str) else None

    def _put(self, entry: str, value: str) -> None:
        try:
            self._backend.set_password(*entry_key(entry), value)
        except Exception as exc:
            raise self._failed(exc) from exc

    def _drop(self, entry: str) -> None:
        try:
            self._backend.delete_password(*entry_key(entry))
        except keyring.errors.PasswordDeleteError:
            pass  # already gone: deleting is idempotent for us
        except Exception as exc:
            raise self._failed(exc) from exc

    def _drop_slot(self, slot: str, start: int = 0) -> None:
        for index in range(start, _MAX_CHUNKS):
            if self._get(_chunk(slot, index)) is None:
                return
            self._drop(_chunk(slot, index))

    def _manifest(self) -> dict[str, Any] | None:
        raw = self._get(MANIFEST)
        if raw is None:
            return None
        try:
            obj = json.loads(raw)
            if (
                not isinstance(obj, dict)
                or obj.get("v") != 1
                or obj.get("slot") not in ("a", "b")
                or not isinstance(obj.get("chunks"), int)
                or not 1 <= obj["chunks"] <= _MAX_CHUNKS
                or not isinstance(obj.get("sha256"), str)
            ):
                raise ValueError("bad manifest")
        except ValueError:
            raise TokenStoreError("store.corrupt", location=self._location()) from None
        return obj

    # ---- the three primitives ---------------------------------------------------------------

    def _read(self) -> bytes | None:
        manifest = self._manifest()
        if manifest is None:
            return None
        parts: list[str] = []
        for index in range(manifest["chunks"]):
            part = self._get(_chunk(manifest["slot"], index))
            if part is None:
                raise TokenStoreError("store.corrupt", location=self._location())
            parts.append(part)
        record = "".join(parts).encode("utf-8")
        if hashlib.sha256(record).hexdigest() != manifest["sha256"]:
            raise TokenStoreError("store.corrupt", location=self._location())
        return record

    def _write(self, record: bytes, info: LinkInfo) -> None:
        try:
            current = self._manifest()
        except TokenStoreError:
            current = None  # a damaged manifest is simply replaced
        old_slot = current["slot"] if current is not None else "b"
        new_slot = "b" if old_slot == "a" else "a"
        text = record.decode("utf-8")
        chunks = [text[i : i + CHUNK_CHARS] for i in range(0, len(text), CHUNK_CHARS)]
        if len(chunks) > _MAX_CHUNKS:
            raise TokenStoreError("store.keystore_too_big", kind=self.kind)
        for index, chunk in enumerate(chunks):
            self._put(_chunk(new_slot, index), chunk)
        # Leftovers of an earlier write that stopped half-way would confuse no one (the manifest
        # says how many chunks count), but they are secrets: remove them.
        self._drop_slot(new_slot, start=len(chunks))
        manifest = {
            "v": 1,
            "slot": new_slot,
            "chunks": len(chunks),
            "sha256": hashlib.sha256(record).hexdigest(),
        }
        self._put(MANIFEST, json.dumps(manifest, sort_keys=True))
        if current is not None:
            self._drop_slot(old_slot)

    def _erase(self) -> bool:
        existed = self._get(MANIFEST) is not None
        # The manifest first: once it is gone nothing half-deleted can be read back as tokens.
        if existed:
            self._drop(MANIFEST)
        self._drop_slot("a")
        self._drop_slot("b")
        return existed
