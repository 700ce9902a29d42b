"""--help follows the language like every other message (all texts come from the catalog)."""

from __future__ import annotations

import pytest

from aimcoach.cli import main
from aimcoach.config import SETTINGS
from aimcoach.i18n import CATALOG


@pytest.mark.parametrize("command", ["run", "export", "status", "link", "devserver"])
def test_help_is_japanese_with_lang_ja(capsys: pytest.CaptureFixture[str], command: str) -> None:
    assert main(["--lang", "ja", command, "--help"]) == 0
    out = capsys.readouterr().out
    assert CATALOG["help.common"][1] in out
    assert "common options" not in out


def test_every_setting_has_help_in_both_languages() -> None:
    for s in SETTINGS:
        en, ja = CATALOG["setting." + s.name]
        assert en and ja and en != ja


def test_usage_errors_follow_the_language(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "ja", "link"]) == 2
    err = capsys.readouterr().err
    assert "使い方: " in err
    assert "次の引数が必要です: --code" in err
    assert main(["--lang", "en", "link"]) == 2
    assert "the following arguments are required: --code" in capsys.readouterr().err
