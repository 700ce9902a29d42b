"""The table of settings: every setting once, with its type, default, env name and help.

Precedence (command line > environment > config file > defaults/discovered), the argparse
flags, the ``status`` listing and config/aimcoach.example.toml are all generated from or
checked against :data:`SETTINGS`. Must not read files or the environment itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["SETTINGS", "Kind", "Scope", "Setting", "by_name"]

Kind = Literal["str", "secret", "path", "int", "float", "bool", "choice", "url"]
# common: every command; pipeline: run and export; tuning: config file / env only
Scope = Literal["common", "pipeline", "tuning"]


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    kind: Kind
    help: str
    scope: Scope = "common"
    choices: tuple[str, ...] = ()
    # Textual default shown in --help and status; None means "not set" (or discovered).
    default: str | None = None
    legacy_env: str | None = None  # the original spec's name, accepted after AIMCOACH_<NAME>
    in_file: bool = True  # may it appear in config.toml?
    minimum: float | None = None
    metavar: str | None = None

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
        "base URL of the AimCoach ingest API (https://, or http:// on loopback)",
        default="https://api.aimcoach.app",
        legacy_env="API_ENDPOINT",
        metavar="URL",
    ),
    Setting(
        "api_token",
        "secret",
        "use this access token for one command instead of the linked one (never stored)",
        legacy_env="API_TOKEN",
        in_file=False,
        metavar="TOKEN",
    ),
    Setting(
        "log_level",
        "choice",
        "how much to log",
        choices=("debug", "info", "warn", "error"),
        default="info",
    ),
    Setting(
        "log_format",
        "choice",
        "log format: auto is console on a terminal, JSON lines otherwise",
        choices=("auto", "json", "console"),
        default="auto",
    ),
    Setting(
        "config",
        "path",
        "config file (default: config.toml in the user config folder)",
        in_file=False,
        metavar="PATH",
    ),
    Setting(
        "token_store",
        "choice",
        "where the device token is kept",
        choices=("auto", "dpapi", "wincred", "keychain", "secret-service", "file"),
        default="auto",
    ),
    Setting(
        "lang", "choice", "language of messages (default: the OS language)", choices=("en", "ja")
    ),
    Setting(
        "state_dir",
        "path",
        "folder of the state database (default: the user state folder)",
        metavar="DIR",
    ),
    Setting(
        "data_dir",
        "path",
        "folder for the token file and other user data (default: the user data folder)",
        scope="tuning",
        metavar="DIR",
    ),
    Setting(
        "device_name",
        "str",
        "name of this PC as shown to the AimCoach server (default: the host name)",
        scope="tuning",
    ),
    # -- run / export ------------------------------------------------------------------------
    Setting(
        "kovaaks_csv_dir",
        "path",
        "KovaaK's stats folder (default: discovered in your Steam libraries)",
        scope="pipeline",
        legacy_env="KOVAAKS_CSV_DIR",
        metavar="DIR",
    ),
    Setting(
        "aimlabs_sqlite",
        "path",
        "Aim Lab's klutch.bytes database (default: discovered)",
        scope="pipeline",
        legacy_env="AIMLABS_SQLITE_PATH",
        metavar="PATH",
    ),
    Setting(
        "timezone",
        "str",
        "IANA time zone of KovaaK's file-name times (default: this PC's zone)",
        scope="pipeline",
        metavar="IANA_NAME",
    ),
    Setting(
        "provider",
        "choice",
        "which games to read",
        scope="pipeline",
        choices=("kovaaks", "aimlabs", "all"),
        default="all",
    ),
    Setting(
        "source", "str", "device label sent with each request", scope="pipeline", metavar="LABEL"
    ),
    # -- tuning (config file / environment) --------------------------------------------------
    Setting("workers", "int", "parser workers", scope="tuning", default="2", minimum=1),
    Setting(
        "quiet_period_s",
        "float",
        "seconds a stats file must stay unchanged before it is read",
        scope="tuning",
        default="0.5",
        minimum=0,
    ),
    Setting(
        "poll_interval_s",
        "float",
        "seconds between folder rescans (the fallback for missed file-system events)",
        scope="tuning",
        default="30",
        minimum=0.1,
    ),
    Setting(
        "force_polling",
        "bool",
        "poll instead of using file-system events (network drives)",
        scope="tuning",
        default="false",
    ),
    Setting(
        "batch_max_records",
        "int",
        "records per request at most",
        scope="tuning",
        default="500",
        minimum=1,
    ),
    Setting(
        "linger_s",
        "float",
        "seconds to wait for more records before sending a batch",
        scope="tuning",
        default="2",
        minimum=0,
    ),
    Setting(
        "rate_per_s",
        "float",
        "requests per second at most",
        scope="tuning",
        default="5",
        minimum=0.01,
    ),
    Setting(
        "rate_burst", "int", "requests allowed in a burst", scope="tuning", default="10", minimum=1
    ),
    Setting(
        "grace_period_s",
        "float",
        "seconds to finish in-flight batches on shutdown",
        scope="tuning",
        default="10",
        minimum=0,
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def by_name(name: str) -> Setting:
    return _BY_NAME[name]
