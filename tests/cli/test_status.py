"""``aimcoach status``: every setting with its value and source, as text or one JSON object."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from aimcoach.cli import main
from aimcoach.config import SETTINGS
from aimcoach.i18n import CATALOG, t

STATS = Path("steamapps/common/FPSAimTrainer/FPSAimTrainer/stats")
LINUX_ONLY = pytest.mark.skipif(
    sys.platform != "linux", reason="expects the XDG folders and the Linux Steam roots"
)


@pytest.fixture
def nothing_configured(monkeypatch: pytest.MonkeyPatch, isolated_env: Path) -> Path:
    """No config file, no AIMCOACH_* variable: a first run on a fresh PC."""
    for name in (
        "AIMCOACH_CONFIG",
        "AIMCOACH_STATE_DIR",
        "AIMCOACH_DATA_DIR",
        "AIMCOACH_TOKEN_STORE",
    ):
        monkeypatch.delenv(name)
    (isolated_env / ".config" / "aimcoach" / "config.toml").unlink()
    return isolated_env


def _status(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[str, str]:
    assert main(["status", *argv]) == 0
    out, err = capsys.readouterr()
    return out, err


def _status_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    out, _ = _status(capsys, "--json", *argv)
    info = json.loads(out)  # one object: json.loads refuses anything after it
    assert isinstance(info, dict)
    return info


def _text_settings(out: str) -> dict[str, tuple[str, str]]:
    """name -> (shown value, source label) from the text form."""
    rows: dict[str, tuple[str, str]] = {}
    names = "|".join(re.escape(s.name) for s in SETTINGS)
    for m in re.finditer(rf"^  ({names})  +(.*?)(?:  \[(.*)\])?$", out, re.M):
        # an unset value has no source: "(not set)" alone
        rows[m.group(1)] = (m.group(2), m.group(3) or t("status.source.unset"))
    return rows


def _label(source: str) -> str:
    kind, _, detail = source.partition(":")
    return t(f"status.source.{kind}") + (f" {detail}" if detail else "")


@LINUX_ONLY
@pytest.mark.usefixtures("nothing_configured")
def test_works_with_nothing_configured(
    capsys: pytest.CaptureFixture[str], isolated_env: Path
) -> None:
    out, err = _status(capsys)
    rows = _text_settings(out)
    assert list(rows) == [s.name for s in SETTINGS]
    assert rows["api_endpoint"] == ("https://api.aimcoach.app", "default")
    assert rows["api_token"] == ("(not set)", "not set")
    assert rows["workers"] == ("2", "default")
    assert rows["config"] == (str(isolated_env / ".config/aimcoach/config.toml"), "default")
    assert rows["state_dir"] == (str(isolated_env / ".local/state/aimcoach"), "default")
    assert rows["kovaaks_csv_dir"] == ("(not set)", "not set")
    assert "KovaaK's stats folder: not found" in out
    assert str(isolated_env / ".local/share/Steam") in out  # where it looked
    assert "Traceback" not in out + err


@LINUX_ONLY
@pytest.mark.usefixtures("nothing_configured")
def test_json_with_nothing_configured(
    capsys: pytest.CaptureFixture[str], isolated_env: Path
) -> None:
    info = _status_json(capsys)
    assert list(info["settings"]) == [s.name for s in SETTINGS]
    assert info["settings"]["api_endpoint"] == {
        "value": "https://api.aimcoach.app",
        "source": "default",
    }
    assert info["settings"]["api_token"] == {"value": None, "source": "unset"}
    assert info["settings"]["workers"] == {"value": 2, "source": "default"}
    assert info["settings"]["force_polling"] == {"value": False, "source": "default"}
    games = info["games"]["kovaaks_csv_dir"]
    assert (games["path"], games["exists"], games["source"]) == (None, False, "unset")
    assert str(isolated_env / ".local/share/Steam") in games["searched"]
    assert info["folders"]["config_file"] == {
        "path": str(isolated_env / ".config/aimcoach/config.toml"),
        "exists": False,
    }


def test_text_and_json_tell_the_same_facts(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    isolated_env: Path,
    tmp_path: Path,
) -> None:
    config = isolated_env / ".config/aimcoach/config.toml"
    config.write_text('workers = 4\nprovider = "kovaaks"\n', encoding="utf-8")
    monkeypatch.setenv("AIMCOACH_LINGER_S", "1.5")
    monkeypatch.setenv("API_ENDPOINT", "https://legacy.example")
    argv = ["--state-dir", str(tmp_path), "--api-token", "SECRETVALUE123"]
    out, _ = _status(capsys, *argv)
    info = _status_json(capsys, *argv)
    rows = _text_settings(out)
    for name, item in info["settings"].items():
        shown = "(not set)" if item["value"] is None else str(item["value"])
        assert rows[name] == (shown, _label(item["source"])), name
    sources = {name: item["source"] for name, item in info["settings"].items()}
    assert sources["workers"] == sources["provider"] == "file"
    assert sources["linger_s"] == sources["api_endpoint"] == "env"
    assert sources["state_dir"] == sources["api_token"] == "cli"
    assert sources["token_store"] == "env"  # AIMCOACH_TOKEN_STORE from the test fixture
    assert info["settings"]["api_token"]["value"] == "(set)"
    assert "SECRETVALUE123" not in out + json.dumps(info)


@LINUX_ONLY
def test_a_discovered_game_folder_shows_as_discovered(
    capsys: pytest.CaptureFixture[str], isolated_env: Path
) -> None:
    stats = isolated_env / ".local/share/Steam" / STATS
    stats.mkdir(parents=True)
    info = _status_json(capsys)
    assert info["settings"]["kovaaks_csv_dir"] == {"value": str(stats), "source": "discovered"}
    assert info["games"]["kovaaks_csv_dir"]["exists"] is True
    out, _ = _status(capsys)
    assert f"KovaaK's stats folder: {stats} (exists)" in out
    assert _text_settings(out)["kovaaks_csv_dir"] == (str(stats), "discovered")


def test_a_configured_folder_that_does_not_exist_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # --kovaaks-csv-dir is a flag of run/export; status takes it from the environment or file.
    missing = tmp_path / "no-such-stats"
    monkeypatch.setenv("KOVAAKS_CSV_DIR", str(missing))
    game = _status_json(capsys)["games"]["kovaaks_csv_dir"]
    assert (game["path"], game["exists"], game["source"]) == (str(missing), False, "env")
    out, _ = _status(capsys)
    assert f"KovaaK's stats folder: {missing} (does not exist)" in out


def test_status_in_japanese(capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = _status(capsys, "--lang", "ja")
    assert CATALOG["status.settings"][1] in out
    assert "[既定値]" in out


def test_status_json_keys_do_not_depend_on_the_language(capsys: pytest.CaptureFixture[str]) -> None:
    en = _status_json(capsys)
    ja = _status_json(capsys, "--lang", "ja")
    assert en["settings"].keys() == ja["settings"].keys()
    assert ja["settings"]["lang"] == {"value": "ja", "source": "cli"}
