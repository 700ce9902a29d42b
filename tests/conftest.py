"""Fixtures every test gets: no test reads or writes the real home, keystore or locale.

``isolated_env`` (autouse) points HOME and the XDG folders at a fresh temporary folder, gives
aimcoach its own (empty) config file and state and data folders there, removes every variable
that would configure aimcoach from outside (``AIMCOACH_*``, the original spec's names, the
locale; LANG becomes ``C.UTF-8`` so messages are English whatever the developer's locale), and
selects the encrypted-file token store with a test passphrase so nothing touches an OS keystore.
After the test it puts back the process-wide language and structlog configuration that
``main`` sets.
It must not do more than that: every test in the repository runs under it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from aimcoach.i18n import set_language

# The original spec's names and the locale variables that pick the language of messages.
_FOREIGN_VARS = (
    "API_TOKEN",
    "API_ENDPOINT",
    "AIMLABS_SQLITE_PATH",
    "KOVAAKS_CSV_DIR",
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "LC_MESSAGES",
)

TEST_TOKEN_PASSPHRASE = "test-passphrase-not-a-secret"


@pytest.fixture(autouse=True)
def isolated_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A private HOME (returned) with XDG and aimcoach folders inside it."""
    # Not tmp_path: a test that uses tmp_path for its own files then sees only those.
    home = tmp_path_factory.mktemp("home")
    for name in list(os.environ):
        if name.startswith("AIMCOACH_") or name in _FOREIGN_VARS:
            monkeypatch.delenv(name)
    # English unless a test says otherwise (the lowest-ranked locale variable, so LC_ALL,
    # LC_MESSAGES or AIMCOACH_LANG set by a test still win).
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    for var, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_RUNTIME_DIR", "run"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    (home / "run").mkdir(mode=0o700)
    # An empty config file given explicitly: the same on every OS (platformdirs does not follow
    # HOME on Windows). A test that needs contents writes to this path or sets its own.
    config = home / ".config" / "aimcoach" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("AIMCOACH_CONFIG", str(config))
    monkeypatch.setenv("AIMCOACH_STATE_DIR", str(home / "aimcoach-state"))
    monkeypatch.setenv("AIMCOACH_DATA_DIR", str(home / "aimcoach-data"))
    monkeypatch.setenv("AIMCOACH_TOKEN_STORE", "file")
    monkeypatch.setenv("AIMCOACH_TOKEN_PASSPHRASE", TEST_TOKEN_PASSPHRASE)
    set_language("en")
    yield home
    # main() sets both for the whole process; the next test must start from the defaults.
    set_language("en")
    structlog.reset_defaults()
