"""Messages for people, in English and Japanese, from one catalog.

``t(key, **params)`` renders a message in the current language. The language is chosen once at
start-up (``--lang`` > ``AIMCOACH_LANG`` > the OS locale, including the Windows UI language) and
set with :func:`set_language`. This module must not log or do I/O beyond reading the locale.
"""

from __future__ import annotations

import contextlib
import locale
import os
import sys
from collections.abc import Mapping
from typing import Any, Literal

from aimcoach.i18n._catalog import CATALOG

__all__ = [
    "CATALOG",
    "LANGUAGES",
    "Language",
    "detect_language",
    "get_language",
    "printable",
    "set_language",
    "t",
]

Language = Literal["en", "ja"]
LANGUAGES: tuple[Language, ...] = ("en", "ja")

_current: Language = "en"


def set_language(lang: Language) -> None:
    global _current
    _current = lang


def get_language() -> Language:
    return _current


def t(key: str, /, **params: Any) -> str:
    """Render message ``key`` in the current language.

    An unknown key is a programming error and raises ``KeyError``; a test checks every key used
    in the source exists in both languages.
    """
    en, ja = CATALOG[key]
    template = ja if _current == "ja" else en
    return template.format(**params) if params else template


def _parse(value: str | None) -> Language | None:
    if not value:
        return None
    v = value.strip().lower().replace("-", "_")
    if v.startswith("ja"):
        return "ja"
    if v.startswith(("en", "c", "posix")):
        return "en"
    return None


def _windows_ui_language() -> str | None:
    if sys.platform != "win32":  # pragma: no cover - exercised on Windows only
        return None
    import ctypes  # pragma: no cover

    try:  # pragma: no cover
        langid = getattr(ctypes, "windll").kernel32.GetUserDefaultUILanguage()  # noqa: B009
    except (AttributeError, OSError):  # pragma: no cover
        return None
    # The primary language id of Japanese is 0x11 (LANG_JAPANESE).
    return "ja" if (int(langid) & 0x3FF) == 0x11 else "en"  # pragma: no cover


def detect_language(cli: str | None = None, env: Mapping[str, str] | None = None) -> Language:
    """``--lang`` > ``AIMCOACH_LANG`` > the OS locale (LC_ALL, LC_MESSAGES, LANG, Windows UI)."""
    env = os.environ if env is None else env
    for candidate in (cli, env.get("AIMCOACH_LANG")):
        lang = _parse(candidate)
        if lang is not None:
            return lang
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        lang = _parse(env.get(name))
        if lang is not None:
            return lang
    win = _windows_ui_language()
    if win is not None:
        return "ja" if win == "ja" else "en"
    with contextlib.suppress(ValueError):
        lang = _parse(locale.getlocale()[0])
        if lang is not None:
            return lang
    return "en"


def printable(text: str) -> str:
    """``text`` safe for a terminal: control characters (an escape sequence hidden in a file
    name, a stray carriage return) are shown as ``\\xNN`` instead of acting on the screen."""
    if text.isprintable():
        return text
    return "".join(
        c
        if c.isprintable() or c == "\n"
        else f"\\x{ord(c):02x}"
        if ord(c) < 256
        else f"\\u{ord(c):04x}"
        for c in text
    )
