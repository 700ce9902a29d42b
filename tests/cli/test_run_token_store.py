"""How ``run`` opens the token store: before trio starts it asks for what needs the person (the
file store's passphrase) and reads only the public facts; the tokens themselves are read once
the run has started, in a worker thread, which must never ask."""

from __future__ import annotations

import getpass
import io
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from aimcoach.auth import TokenSet, open_store
from aimcoach.cli._run import _token_store
from aimcoach.config import load_settings

_ENDPOINT = "https://linked.example.test"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _link_with_file_store() -> TokenSet:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    tokens = TokenSet(
        access_token="acc-secret",
        refresh_token="ref-secret",
        access_expires_at=now + timedelta(days=30),
        refresh_expires_at=now + timedelta(days=90),
        device_name="Desk PC",
        linked_at=now,
        endpoint=_ENDPOINT,
    )
    open_store("file", load_settings()).set(tokens)
    return tokens


def test_the_passphrase_is_asked_before_the_run_and_the_read_in_a_worker_never_asks(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tokens = _link_with_file_store()
    passphrase = os.environ["AIMCOACH_TOKEN_PASSPHRASE"]  # what the file was written with
    monkeypatch.delenv("AIMCOACH_TOKEN_PASSPHRASE")
    monkeypatch.delenv("AIMCOACH_API_ENDPOINT", raising=False)
    asked: list[str] = []

    def prompt(text: str = "") -> str:
        asked.append(threading.current_thread().name)
        return passphrase if len(asked) == 1 else "asked twice"

    monkeypatch.setattr(getpass, "getpass", prompt)
    monkeypatch.setattr(sys, "stdin", _Terminal())
    store, settings, linked = _token_store(load_settings())
    assert asked == [threading.current_thread().name]
    assert settings.api_endpoint == _ENDPOINT  # from the public facts, no key needed for it
    assert linked == tokens.info(relink_needed=False)  # what status shows until the read
    assert store is not None
    with ThreadPoolExecutor(1, thread_name_prefix="run-worker") as pool:
        assert pool.submit(store.load).result() == (tokens, False)
    assert asked == [threading.current_thread().name]
    assert capsys.readouterr().err == ""
