"""Language selection: --lang > AIMCOACH_LANG > LC_ALL / LC_MESSAGES / LANG > English."""

from __future__ import annotations

import locale

import pytest

import aimcoach.i18n
from aimcoach.i18n import CATALOG, detect_language, get_language, set_language, t


@pytest.fixture
def no_os_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process locale is the last resort; make it say nothing."""
    monkeypatch.setattr(locale, "getlocale", lambda *_: (None, None))


@pytest.mark.usefixtures("no_os_locale")
@pytest.mark.parametrize(
    ("cli", "env", "expected"),
    [
        ("ja", {"AIMCOACH_LANG": "en", "LC_ALL": "en_US.UTF-8"}, "ja"),
        ("en", {"AIMCOACH_LANG": "ja", "LC_ALL": "ja_JP.UTF-8"}, "en"),
        (None, {"AIMCOACH_LANG": "ja", "LC_ALL": "en_US.UTF-8"}, "ja"),
        (None, {"AIMCOACH_LANG": "en", "LANG": "ja_JP.UTF-8"}, "en"),
        (None, {"LC_ALL": "ja_JP.UTF-8", "LC_MESSAGES": "en_US", "LANG": "en_US"}, "ja"),
        (None, {"LC_ALL": "", "LC_MESSAGES": "ja_JP.eucJP", "LANG": "en_US"}, "ja"),
        (None, {"LC_MESSAGES": "C", "LANG": "ja_JP.UTF-8"}, "en"),
        (None, {"LANG": "ja_JP.UTF-8"}, "ja"),
        (None, {"LANG": "ja"}, "ja"),
        (None, {"LANG": "POSIX"}, "en"),
        (None, {"LANG": "en_GB.UTF-8"}, "en"),
        (None, {}, "en"),
    ],
)
def test_precedence(cli: str | None, env: dict[str, str], expected: str) -> None:
    assert detect_language(cli, env) == expected


def test_the_process_locale_is_used_when_nothing_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(locale, "getlocale", lambda *_: ("ja_JP", "UTF-8"))
    assert detect_language(None, {}) == "ja"


def test_default_is_english_when_the_locale_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(locale, "getlocale", lambda *_: ("de_DE", "UTF-8"))
    assert detect_language(None, {}) == "en"


def test_t_renders_in_the_current_language() -> None:
    en, ja = CATALOG["config.file_missing"]
    set_language("ja")
    assert get_language() == "ja"
    assert t("config.file_missing", path="x.toml") == ja.format(path="x.toml")
    set_language("en")
    assert t("config.file_missing", path="x.toml") == en.format(path="x.toml")


def test_an_unknown_key_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        t("no.such.key")


def test_public_surface() -> None:
    assert sorted(aimcoach.i18n.__all__) == [
        "CATALOG",
        "LANGUAGES",
        "Language",
        "detect_language",
        "get_language",
        "printable",
        "set_language",
        "t",
    ]
