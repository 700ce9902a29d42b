"""Layered configuration: command line > environment > config file > defaults/discovered.

Everything is driven by the table in ``_table.py``. :func:`load_settings` is the one place that
reads the environment and the TOML file; it returns a frozen :class:`Settings` that also says
where each value came from (``cli``, ``env``, ``file``, ``default``, ``discovered``). A bad value
or an unknown file key is one :class:`ConfigError` naming the key, the file and the expected form.
"""

from __future__ import annotations

import math
import os
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

from aimcoach.config._discovery import Discovery, discover
from aimcoach.config._table import SETTINGS, Setting, by_name
from aimcoach.errors import ConfigError
from aimcoach.i18n import t
from aimcoach.transport._endpoint import check_endpoint

__all__ = [
    "SETTINGS",
    "Discovery",
    "Setting",
    "Settings",
    "by_name",
    "default_config_path",
    "discover",
    "load_settings",
]

APP = "aimcoach"


@dataclass(frozen=True, slots=True)
class Settings:
    api_endpoint: str
    api_token: str | None
    log_level: str
    log_format: str
    config: Path | None
    token_store: str
    lang: str | None
    state_dir: Path
    data_dir: Path
    device_name: str
    kovaaks_csv_dir: Path | None
    aimlabs_sqlite: Path | None
    timezone: str | None
    provider: str
    source: str | None
    workers: int
    quiet_period_s: float
    poll_interval_s: float
    force_polling: bool
    batch_max_records: int
    linger_s: float
    rate_per_s: float
    rate_burst: int
    grace_period_s: float
    # where each value came from: cli / env / file / default / discovered / link / unset
    sources: Mapping[str, str] = field(default_factory=dict)
    discovery: Discovery | None = None

    def with_linked_endpoint(self, linked: str | None) -> Settings:
        """The endpoint of the stored link wins over the built-in default (not over a value the
        player gave): after ``aimcoach link --api-endpoint URL`` the other commands use URL."""
        if not linked or self.sources.get("api_endpoint") != "default":
            return self
        sources = {**self.sources, "api_endpoint": "link"}
        return replace(self, api_endpoint=linked.rstrip("/"), sources=sources)

    def public_items(self) -> list[tuple[str, Any, str]]:
        """(name, shown value, source) for every setting; secrets are never shown."""
        out: list[tuple[str, Any, str]] = []
        for s in SETTINGS:
            value = getattr(self, s.name)
            if s.kind == "secret":
                value = "(set)" if value else None
            elif isinstance(value, Path):
                value = str(value)
            out.append((s.name, value, self.sources.get(s.name, "unset")))
        return out


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "config.toml"


def _expected(s: Setting) -> str:
    if s.kind == "choice":
        return " | ".join(s.choices)
    if s.kind == "bool":
        return "true | false"
    if s.kind in ("int", "float"):
        key = "config.expected_int" if s.kind == "int" else "config.expected_number"
        low = f"{s.minimum:g}" if s.minimum is not None else "-"
        if s.maximum is not None:
            return t(key + "_range", minimum=low, maximum=f"{s.maximum:g}")
        return t(key, minimum=low)
    return t("config.expected_" + ("text" if s.kind in ("str", "secret") else s.kind))


def _convert(s: Setting, raw: Any, origin: str) -> Any:
    """Turn a raw value (a string from CLI/env, or a TOML value) into the setting's type."""

    def bad() -> ConfigError:
        return ConfigError(
            "config.bad_value", key=s.name, origin=origin, value=str(raw), expected=_expected(s)
        )

    if s.kind == "bool":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if isinstance(raw, str) and raw.strip().lower() in ("0", "false", "no", "off"):
            return False
        raise bad()
    if s.kind in ("int", "float"):
        if isinstance(raw, bool):
            raise bad()
        try:
            num: int | float = int(raw) if s.kind == "int" else float(raw)
        except (TypeError, ValueError):
            raise bad() from None
        if s.kind == "int" and isinstance(raw, float):
            raise bad()
        too_big = s.maximum is not None and num > s.maximum
        if not math.isfinite(num) or (s.minimum is not None and num < s.minimum) or too_big:
            raise bad()
        return num
    if not isinstance(raw, str) or (raw == "" and s.kind != "str"):
        raise bad()
    if s.kind == "choice":
        value = raw.strip().lower()
        if value not in s.choices:
            raise bad()
        return value
    if s.kind == "path":
        return Path(os.path.expandvars(raw)).expanduser()
    if s.kind == "url":
        check_endpoint(raw, origin=origin)
        return raw.rstrip("/")
    return raw


def _read_file(path: Path, explicit: bool) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if explicit:
            raise ConfigError("config.file_missing", path=str(path)) from None
        return {}
    except OSError as exc:
        raise ConfigError("config.file_unreadable", path=str(path), error=exc.strerror) from exc
    try:
        doc = tomllib.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError("config.file_syntax", path=str(path), error=str(exc)) from exc
    known = {s.name for s in SETTINGS if s.in_file}
    for key, value in doc.items():
        if key not in known:
            if isinstance(value, dict):
                raise ConfigError("config.file_table", path=str(path), key=key)
            raise ConfigError("config.unknown_key", path=str(path), key=key)
    return doc


def load_settings(
    cli: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    *,
    discovery: Discovery | None = None,
) -> Settings:
    """Resolve every setting. ``cli`` holds only the flags the user gave (None = not given)."""
    cli = {k: v for k, v in (cli or {}).items() if v is not None}
    env = os.environ if env is None else env

    values: dict[str, Any] = {}
    sources: dict[str, str] = {}

    def from_env(s: Setting) -> tuple[str, str] | None:
        for name in (s.env, s.legacy_env):
            if name and env.get(name, "") != "":
                return env[name], f"env:{name}"
        return None

    # The config file's own location can come from the CLI or the environment only.
    cfg = by_name("config")
    explicit = True
    if "config" in cli:
        config_path: Path = _convert(cfg, cli["config"], "--config")
        sources["config"] = "cli"
    elif (hit := from_env(cfg)) is not None:
        config_path = _convert(cfg, hit[0], hit[1])
        sources["config"] = "env"
    else:
        config_path, explicit = default_config_path(), False
        sources["config"] = "default"
    file_values = _read_file(config_path, explicit)
    values["config"] = config_path

    for s in SETTINGS:
        if s.name == "config":
            continue
        if s.name in cli:
            values[s.name] = _convert(s, cli[s.name], s.flag)
            sources[s.name] = "cli"
        elif (hit := from_env(s)) is not None:
            values[s.name] = _convert(s, hit[0], hit[1])
            sources[s.name] = "env"
        elif s.name in file_values:
            values[s.name] = _convert(s, file_values[s.name], f"{config_path}: {s.name}")
            sources[s.name] = "file"
        elif s.default is not None:
            values[s.name] = _convert(s, s.default, "default")
            sources[s.name] = "default"
        else:
            values[s.name] = None

    def default_path(name: str, value: str) -> None:
        if values[name] is None:
            values[name] = Path(value)
            sources[name] = "default"

    default_path("state_dir", platformdirs.user_state_dir(APP, appauthor=False))
    default_path("data_dir", platformdirs.user_data_dir(APP, appauthor=False))
    if values["device_name"] is None:
        values["device_name"] = socket.gethostname() or "aimcoach"
        sources["device_name"] = "default"

    found = discovery if discovery is not None else discover(env=env)
    if values["kovaaks_csv_dir"] is None and found.kovaaks_dir is not None:
        values["kovaaks_csv_dir"] = found.kovaaks_dir
        sources["kovaaks_csv_dir"] = "discovered"
    if values["aimlabs_sqlite"] is None and found.aimlabs_db is not None:
        values["aimlabs_sqlite"] = found.aimlabs_db
        sources["aimlabs_sqlite"] = "discovered"
    for s in SETTINGS:
        sources.setdefault(s.name, "unset")

    names = {f.name for f in fields(Settings)} - {"sources", "discovery"}
    return Settings(**{n: values[n] for n in names}, sources=sources, discovery=found)
