"""The table of settings: every setting once, with its type, default and env name.

Help texts live in the message catalog under ``setting.<name>``, in both languages.

Precedence (command line > environment > config file > defaults/discovered), the argparse
flags, the ``status`` listing and config/aimcoach.example.toml are all generated from or
checked against :data:`SETTINGS`. Must not read files or the environment itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aimcoach.i18n import t

__all__ = ["SETTINGS", "Kind", "Scope", "Setting", "by_name"]

Kind = Literal["str", "secret", "path", "int", "float", "bool", "choice", "url"]
# common: every command; pipeline: run and export; tuning: config file / env only
Scope = Literal["common", "pipeline", "tuning"]


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    kind: Kind
    scope: Scope = "common"
    choices: tuple[str, ...] = ()
    # Textual default shown in --help and status; None means "not set" (or discovered).
    default: str | None = None
    legacy_env: str | None = None  # the original spec's name, accepted after AIMCOACH_<NAME>
    in_file: bool = True  # may it appear in config.toml?
    minimum: float | None = None
    maximum: float | None = None
    metavar: str | None = None

    @property
    def help(self) -> str:
        """The help text, in the current language (catalog key ``setting.<name>``)."""
        return t("setting." + self.name)

    @property
    def env(self) -> str:
        return "AIMCOACH_" + self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "api_endpoint",
        "url",
        default="https://api.aimcoach.app",
        legacy_env="API_ENDPOINT",
        metavar="URL",
    ),
    Setting(
        "api_token",
        "secret",
        legacy_env="API_TOKEN",
        in_file=False,
        metavar="TOKEN",
    ),
    Setting(
        "log_level",
        "choice",
        choices=("debug", "info", "warn", "error"),
        default="info",
    ),
    Setting(
        "log_format",
        "choice",
        choices=("auto", "json", "console"),
        default="auto",
    ),
    Setting(
        "config",
        "path",
        in_file=False,
        metavar="PATH",
    ),
    Setting(
        "token_store",
        "choice",
        choices=("auto", "dpapi", "wincred", "keychain", "secret-service", "file"),
        default="auto",
    ),
    Setting("lang", "choice", choices=("en", "ja")),
    Setting(
        "state_dir",
        "path",
        metavar="DIR",
    ),
    Setting(
        "data_dir",
        "path",
        scope="tuning",
        metavar="DIR",
    ),
    Setting(
        "device_name",
        "str",
        scope="tuning",
    ),
    # -- run / export ------------------------------------------------------------------------
    Setting(
        "kovaaks_csv_dir",
        "path",
        scope="pipeline",
        legacy_env="KOVAAKS_CSV_DIR",
        metavar="DIR",
    ),
    Setting(
        "aimlabs_sqlite",
        "path",
        scope="pipeline",
        legacy_env="AIMLABS_SQLITE_PATH",
        metavar="PATH",
    ),
    Setting(
        "timezone",
        "str",
        scope="pipeline",
        metavar="IANA_NAME",
    ),
    Setting(
        "provider",
        "choice",
        scope="pipeline",
        choices=("kovaaks", "aimlabs", "all"),
        default="all",
    ),
    Setting("source", "str", scope="pipeline", metavar="LABEL"),
    # -- tuning (config file / environment) --------------------------------------------------
    # More workers than cores buys nothing: parsing runs in threads under one GIL.
    Setting("workers", "int", scope="tuning", default="2", minimum=1, maximum=32),
    Setting(
        "quiet_period_s",
        "float",
        scope="tuning",
        default="0.5",
        minimum=0,
    ),
    Setting(
        "poll_interval_s",
        "float",
        scope="tuning",
        default="30",
        minimum=0.1,
    ),
    Setting(
        "force_polling",
        "bool",
        scope="tuning",
        default="false",
    ),
    Setting(
        "batch_max_records",
        "int",
        scope="tuning",
        default="500",
        minimum=1,
        maximum=9999,  # the API takes fewer than 10,000 records per request
    ),
    Setting(
        "linger_s",
        "float",
        scope="tuning",
        # 0.5 s keeps a live run's p95 from file close to server acceptance near 1.2 s with
        # the 0.5 s quiet period (docs/benchmarks.md); a backfill fills batches by count.
        default="0.5",
        minimum=0,
    ),
    Setting(
        "rate_per_s",
        "float",
        scope="tuning",
        default="5",
        minimum=0.01,
    ),
    Setting("rate_burst", "int", scope="tuning", default="10", minimum=1),
    Setting(
        "grace_period_s",
        "float",
        scope="tuning",
        default="10",
        minimum=0,
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def by_name(name: str) -> Setting:
    return _BY_NAME[name]
