"""config/aimcoach.example.toml documents every key of the settings table, and nothing else.

The file is rendered from the table here. After changing the table, regenerate it with
``AIMCOACH_UPDATE_GOLDEN=1 pytest tests/config/test_example_toml.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from aimcoach.config import SETTINGS, Discovery, Setting, load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "aimcoach.example.toml"
# Read at import: the autouse isolated_env fixture removes AIMCOACH_* variables from each test.
UPDATE = os.environ.get("AIMCOACH_UPDATE_GOLDEN") == "1"

FILE_SETTINGS = [s for s in SETTINGS if s.in_file]

# A value to show for settings that have no default (they are discovered or computed).
EXAMPLES = {
    "lang": '"ja"',
    "state_dir": "'D:\\aimcoach\\state'",
    "data_dir": "'D:\\aimcoach\\data'",
    "device_name": '"gaming-pc"',
    "kovaaks_csv_dir": (
        "'C:\\Program Files (x86)\\Steam\\steamapps\\common\\FPSAimTrainer\\FPSAimTrainer\\stats'"
    ),
    "aimlabs_sqlite": (
        "'C:\\Users\\you\\AppData\\LocalLow\\Statespace\\aimlab_tb\\Users\\123456\\LocalDB"
        "\\klutch.bytes'"
    ),
    "timezone": '"Asia/Tokyo"',
    "source": '"desktop"',
}

HEADER = """\
# aimcoach configuration file: every key it may hold, with its default.
#
# Copy this file to config.toml in your user config folder (`aimcoach status` shows the path:
# %LOCALAPPDATA%\\aimcoach\\config.toml on Windows, ~/.config/aimcoach/config.toml on Linux,
# ~/Library/Application Support/aimcoach/config.toml on macOS), or point --config or
# AIMCOACH_CONFIG at it. Remove the "# " in front of a key to set it.
#
# Precedence: command line > environment (AIMCOACH_<KEY>) > this file > defaults (and the
# game folders found on this PC). `aimcoach status` shows each value and where it came from.
# An unknown key or a bad value is an error that names the key. Keys go at the top level (no
# [tables]). The access token is never kept here: link this PC with `aimcoach link`.
"""

SECTIONS = {
    "common": "every command",
    "pipeline": "what `aimcoach run` and `aimcoach export` read",
    "tuning": "tuning (config file and environment only)",
}


def _form(s: Setting) -> str:
    low = f" (at least {s.minimum:g})" if s.minimum is not None else ""
    return {
        "choice": "one of " + " | ".join(s.choices),
        "bool": "true or false",
        "int": "a whole number" + low,
        "float": "a number" + low,
        "path": "a path (~ and environment variables are expanded)",
        "url": "a URL",
        "str": "text",
        "secret": "text",
    }[s.kind]


def _literal(s: Setting) -> str:
    if s.default is None:
        return EXAMPLES[s.name]
    if s.kind in ("int", "float", "bool"):
        return s.default
    return json.dumps(s.default)


def render() -> str:
    parts = [HEADER]
    for scope, title in SECTIONS.items():
        parts.append(f"\n# ---- {title} " + "-" * (92 - len(title)) + "\n")
        for s in (s for s in FILE_SETTINGS if s.scope == scope):
            env = s.env + (f" (or {s.legacy_env})" if s.legacy_env else "")
            if s.default is not None:
                default = s.default
            else:
                default = "see above" if "(default:" in s.help else "not set"
            parts.append(
                f"\n# {s.help[0].upper()}{s.help[1:]}.\n"
                f"#   value:   {_form(s)}\n"
                f"#   env:     {env}\n"
                f"#   default: {default}\n"
                f"# {s.name} = {_literal(s)}\n"
            )
    return "".join(parts)


def _commented_keys(text: str) -> list[tuple[str, str]]:
    names = "|".join(re.escape(s.name) for s in SETTINGS)
    return re.findall(rf"^# ({names}) = (.*)$", text, re.M)


def test_the_example_file_is_rendered_from_the_table() -> None:
    text = render()
    if UPDATE:
        EXAMPLE.write_text(text, encoding="utf-8")
    assert EXAMPLE.read_text(encoding="utf-8") == text, (
        "config/aimcoach.example.toml is out of date: run with AIMCOACH_UPDATE_GOLDEN=1"
    )


def test_it_lists_every_file_key_once_and_no_other() -> None:
    keys = [k for k, _ in _commented_keys(EXAMPLE.read_text(encoding="utf-8"))]
    assert keys == [s.name for s in FILE_SETTINGS if s.scope == "common"] + [
        s.name for s in FILE_SETTINGS if s.scope == "pipeline"
    ] + [s.name for s in FILE_SETTINGS if s.scope == "tuning"]
    assert "api_token" not in keys and "config" not in keys


@pytest.mark.parametrize("setting", FILE_SETTINGS, ids=lambda s: s.name)
def test_each_key_shows_its_env_name_default_and_help(setting: Setting) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    block = text[: text.index(f"\n# {setting.name} = ") + 1].rsplit("\n\n", 1)[1]
    assert setting.help[1:] in block
    assert f"#   env:     {setting.env}" in block
    if setting.legacy_env:
        assert f"(or {setting.legacy_env})" in block
    if setting.default is not None:
        assert f"#   default: {setting.default}\n" in block


def test_uncommented_it_is_a_valid_config_file_with_the_defaults(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    names = "|".join(re.escape(s.name) for s in SETTINGS)
    config = tmp_path / "config.toml"
    config.write_text(re.sub(rf"^# ({names}) = ", r"\1 = ", text, flags=re.M), encoding="utf-8")
    s = load_settings({}, {"AIMCOACH_CONFIG": str(config)}, discovery=Discovery())
    for setting in FILE_SETTINGS:
        assert s.sources[setting.name] == "file", setting.name
    defaults = load_settings({}, {}, discovery=Discovery())
    for setting in FILE_SETTINGS:
        if setting.default is not None:
            assert getattr(s, setting.name) == getattr(defaults, setting.name), setting.name
    assert s.kovaaks_csv_dir == Path(
        "C:\\Program Files (x86)\\Steam\\steamapps\\common\\FPSAimTrainer\\FPSAimTrainer\\stats"
    )
