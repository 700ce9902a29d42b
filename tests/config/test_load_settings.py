"""Layered settings: command line > environment > config file > defaults, for every kind."""

from __future__ import annotations

import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aimcoach.config import SETTINGS, Discovery, Settings, by_name, load_settings
from aimcoach.errors import ConfigError

NOTHING_FOUND = Discovery()


def _load(
    tmp_path: Path,
    *,
    file: str | None = None,
    env: dict[str, str] | None = None,
    cli: dict[str, Any] | None = None,
    discovery: Discovery = NOTHING_FOUND,
) -> Settings:
    config = tmp_path / "config.toml"
    config.write_text(file or "", encoding="utf-8")
    return load_settings(cli, {"AIMCOACH_CONFIG": str(config), **(env or {})}, discovery=discovery)


@dataclass(frozen=True)
class Layers:
    """One setting's value at each layer; each differs from the layer below it."""

    name: str
    default: Any
    file_toml: str | None  # the TOML literal; None when the key may not be in a file
    file: Any
    env_raw: str
    env: Any
    cli_raw: str
    cli: Any


LAYERS = [
    Layers(
        "device_name",
        socket.gethostname(),
        '"file-pc"',
        "file-pc",
        "env-pc",
        "env-pc",
        "cli-pc",
        "cli-pc",
    ),
    Layers(
        "timezone",
        None,
        '"Asia/Tokyo"',
        "Asia/Tokyo",
        "Europe/Berlin",
        "Europe/Berlin",
        "America/New_York",
        "America/New_York",
    ),
    Layers(
        "kovaaks_csv_dir",
        None,
        '"/file/stats"',
        Path("/file/stats"),
        "/env/stats",
        Path("/env/stats"),
        "/cli/stats",
        Path("/cli/stats"),
    ),
    Layers("workers", 2, "3", 3, "5", 5, "7", 7),
    Layers("linger_s", 0.5, "3.5", 3.5, "1.5", 1.5, "0.25", 0.25),
    Layers("force_polling", False, "true", True, "false", False, "yes", True),
    Layers("provider", "all", '"aimlabs"', "aimlabs", "kovaaks", "kovaaks", "AIMLABS", "aimlabs"),
    Layers(
        "api_endpoint",
        "https://api.aimcoach.app",
        '"https://file.example/"',
        "https://file.example",
        "https://env.example",
        "https://env.example",
        "http://127.0.0.1:8080",
        "http://127.0.0.1:8080",
    ),
    Layers(
        "api_token",
        None,
        None,
        None,
        "env-token-value",
        "env-token-value",
        "cli-token-value",
        "cli-token-value",
    ),
]


def test_every_kind_of_setting_is_covered() -> None:
    kinds = {by_name(layer.name).kind for layer in LAYERS}
    assert kinds == {"str", "path", "int", "float", "bool", "choice", "url", "secret"}


@pytest.mark.parametrize("layer", LAYERS, ids=lambda layer: layer.name)
def test_each_layer_overrides_the_one_below(tmp_path: Path, layer: Layers) -> None:
    setting = by_name(layer.name)
    file = f"{layer.name} = {layer.file_toml}\n" if layer.file_toml is not None else ""
    env = {setting.env: layer.env_raw}
    cli = {layer.name: layer.cli_raw}

    s = _load(tmp_path)
    assert getattr(s, layer.name) == layer.default
    assert s.sources[layer.name] == ("unset" if layer.default is None else "default")

    if layer.file_toml is not None:
        s = _load(tmp_path, file=file)
        assert getattr(s, layer.name) == layer.file
        assert s.sources[layer.name] == "file"

    s = _load(tmp_path, file=file, env=env)
    assert getattr(s, layer.name) == layer.env
    assert s.sources[layer.name] == "env"

    s = _load(tmp_path, file=file, env=env, cli=cli)
    assert getattr(s, layer.name) == layer.cli
    assert s.sources[layer.name] == "cli"


def test_a_flag_not_given_is_none_and_does_not_hide_lower_layers(tmp_path: Path) -> None:
    s = _load(tmp_path, file="workers = 4\n", cli={"workers": None})
    assert (s.workers, s.sources["workers"]) == (4, "file")


def test_an_empty_environment_variable_counts_as_not_set(tmp_path: Path) -> None:
    s = _load(tmp_path, file="workers = 4\n", env={"AIMCOACH_WORKERS": ""})
    assert (s.workers, s.sources["workers"]) == (4, "file")


@pytest.mark.parametrize(
    ("name", "legacy", "new_value", "legacy_value"),
    [
        ("api_endpoint", "API_ENDPOINT", "https://new.example", "https://legacy.example"),
        ("api_token", "API_TOKEN", "new-token-value", "legacy-token-value"),
        ("aimlabs_sqlite", "AIMLABS_SQLITE_PATH", "/new/klutch.bytes", "/legacy/klutch.bytes"),
        ("kovaaks_csv_dir", "KOVAAKS_CSV_DIR", "/new/stats", "/legacy/stats"),
    ],
)
def test_legacy_environment_names_are_accepted_and_lose_to_the_aimcoach_name(
    tmp_path: Path, name: str, legacy: str, new_value: str, legacy_value: str
) -> None:
    setting = by_name(name)
    assert setting.legacy_env == legacy

    def shown(value: Any) -> Any:
        return Path(value) if setting.kind == "path" else value

    s = _load(tmp_path, env={legacy: legacy_value})
    assert (getattr(s, name), s.sources[name]) == (shown(legacy_value), "env")

    s = _load(tmp_path, env={legacy: legacy_value, setting.env: new_value})
    assert getattr(s, name) == shown(new_value)


def test_legacy_environment_name_beats_the_config_file(tmp_path: Path) -> None:
    s = _load(
        tmp_path,
        file='api_endpoint = "https://file.example"\n',
        env={"API_ENDPOINT": "https://legacy.example"},
    )
    assert (s.api_endpoint, s.sources["api_endpoint"]) == ("https://legacy.example", "env")


def test_discovered_game_paths_are_the_lowest_layer(tmp_path: Path) -> None:
    found = Discovery(kovaaks_dir=Path("/found/stats"), aimlabs_db=Path("/found/klutch.bytes"))
    s = _load(tmp_path, discovery=found)
    assert (s.kovaaks_csv_dir, s.sources["kovaaks_csv_dir"]) == (Path("/found/stats"), "discovered")
    assert (s.aimlabs_sqlite, s.sources["aimlabs_sqlite"]) == (
        Path("/found/klutch.bytes"),
        "discovered",
    )
    assert s.discovery is found

    s = _load(tmp_path, file='kovaaks_csv_dir = "/mine"\n', discovery=found)
    assert (s.kovaaks_csv_dir, s.sources["kovaaks_csv_dir"]) == (Path("/mine"), "file")


@pytest.mark.skipif(sys.platform != "linux", reason="expects the XDG folders")
def test_nothing_configured_gives_defaults_and_user_folders(isolated_env: Path) -> None:
    # No AIMCOACH_CONFIG either: the default config path, which need not exist.
    s = load_settings({}, {}, discovery=NOTHING_FOUND)
    assert s.config == isolated_env / ".config" / "aimcoach" / "config.toml"
    assert s.sources["config"] == "default"
    assert s.state_dir == isolated_env / ".local" / "state" / "aimcoach"
    assert s.data_dir == isolated_env / ".local" / "share" / "aimcoach"
    assert (s.sources["state_dir"], s.sources["data_dir"]) == ("default", "default")
    assert s.api_token is None
    assert set(s.sources) == {x.name for x in SETTINGS}
    assert {x.name for x in SETTINGS if s.sources[x.name] == "unset"} == {
        "api_token",
        "lang",
        "kovaaks_csv_dir",
        "aimlabs_sqlite",
        "timezone",
        "source",
    }


def test_public_items_never_show_a_secret(tmp_path: Path) -> None:
    s = _load(tmp_path, cli={"api_token": "SECRETVALUE123"})
    items = {name: (value, source) for name, value, source in s.public_items()}
    assert items["api_token"] == ("(set)", "cli")
    assert "SECRETVALUE123" not in repr(s.public_items())
    assert [name for name, _, _ in s.public_items()] == [x.name for x in SETTINGS]


def test_path_settings_expand_the_home_folder(tmp_path: Path, isolated_env: Path) -> None:
    s = _load(tmp_path, file='kovaaks_csv_dir = "~/stats"\n')
    assert s.kovaaks_csv_dir == isolated_env / "stats"


def test_a_config_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_bytes(b"\xef\xbb\xbfworkers = 6\n")
    s = load_settings({}, {"AIMCOACH_CONFIG": str(config)}, discovery=NOTHING_FOUND)
    assert s.workers == 6


# -- errors: one ConfigError naming the key, where it came from and what is expected ----------


def _error(tmp_path: Path, **kwargs: Any) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, **kwargs)
    return info.value


@pytest.mark.parametrize(
    ("toml", "key", "expected"),
    [
        ('workers = "many"', "workers", "a whole number from 1 to 32"),
        ("workers = 0", "workers", "a whole number from 1 to 32"),
        ("workers = 2.5", "workers", "a whole number from 1 to 32"),
        ("workers = true", "workers", "a whole number from 1 to 32"),
        ("workers = 100000", "workers", "a whole number from 1 to 32"),
        ('linger_s = "soon"', "linger_s", "a number (at least 0)"),
        ("linger_s = -1.0", "linger_s", "a number (at least 0)"),
        ("linger_s = nan", "linger_s", "a number (at least 0)"),
        ('force_polling = "maybe"', "force_polling", "true | false"),
        ('provider = "steam"', "provider", "kovaaks | aimlabs | all"),
        ('log_level = "loud"', "log_level", "debug | info | warn | error"),
        ("device_name = 3", "device_name", "text"),
        ('kovaaks_csv_dir = ""', "kovaaks_csv_dir", "a path"),
        ("api_endpoint = 443", "api_endpoint", "a URL"),
    ],
)
def test_a_bad_value_in_the_file_names_key_file_and_expected_form(
    tmp_path: Path, toml: str, key: str, expected: str
) -> None:
    err = _error(tmp_path, file=toml + "\n")
    assert err.key == "config.bad_value"
    text = str(err)
    assert key in text
    assert str(tmp_path / "config.toml") in text
    assert expected in text


def test_a_bad_value_in_the_environment_names_the_variable(tmp_path: Path) -> None:
    text = str(_error(tmp_path, env={"AIMCOACH_WORKERS": "lots"}))
    assert "AIMCOACH_WORKERS" in text
    assert "'lots'" in text
    assert "a whole number from 1 to 32" in text


def test_a_bad_value_on_the_command_line_names_the_flag(tmp_path: Path) -> None:
    text = str(_error(tmp_path, cli={"provider": "steam"}))
    assert "--provider" in text
    assert "kovaaks | aimlabs | all" in text


@pytest.mark.parametrize("key", ["wrokers", "api_token", "config"])
def test_an_unknown_file_key_is_an_error(tmp_path: Path, key: str) -> None:
    # api_token and config may never be in the file: a token is never stored in plain text.
    err = _error(tmp_path, file=f'{key} = "x"\n')
    assert err.key == "config.unknown_key"
    assert key in str(err)
    assert str(tmp_path / "config.toml") in str(err)
    assert "config/aimcoach.example.toml" in str(err)


def test_a_table_in_the_file_is_an_error(tmp_path: Path) -> None:
    err = _error(tmp_path, file="[tuning]\nworkers = 3\n")
    assert err.key == "config.file_table"
    assert "[tuning]" in str(err)


def test_a_file_that_is_not_toml_names_the_file(tmp_path: Path) -> None:
    err = _error(tmp_path, file="workers = = 3\n")
    assert err.key == "config.file_syntax"
    assert str(tmp_path / "config.toml") in str(err)


def test_a_missing_config_file_given_explicitly_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"config": str(tmp_path / "nope.toml")}, {}, discovery=NOTHING_FOUND)
    assert info.value.key == "config.file_missing"
    assert str(tmp_path / "nope.toml") in str(info.value)


def test_a_missing_config_file_at_the_default_place_is_fine(isolated_env: Path) -> None:
    default = isolated_env / ".config" / "aimcoach" / "config.toml"
    default.unlink(missing_ok=True)
    s = load_settings({}, {}, discovery=NOTHING_FOUND)
    assert (s.config, s.sources["config"], s.workers) == (default, "default", 2)
