"""Game discovery on fake Steam, Proton and Aim Lab trees built in tmp_path."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from aimcoach.config._discovery import (
    AIMLAB_APP_ID,
    Discovery,
    aimlab_db_in,
    discover,
    parse_library_folders,
    steam_roots,
)

STATS = Path("steamapps/common/FPSAimTrainer/FPSAimTrainer/stats")
PROTON_TB = Path(
    f"steamapps/compatdata/{AIMLAB_APP_ID}/pfx/drive_c/users/steamuser/AppData/LocalLow"
    "/Statespace/aimlab_tb"
)

NEW_VDF = """\
"libraryfolders"
{
\t"0"
\t{
\t\t"path"\t\t"%(first)s"
\t\t"label"\t\t""
\t\t"contentid"\t\t"5186463592447133212"
\t\t"totalsize"\t\t"0"
\t\t"apps"
\t\t{
\t\t\t"228980"\t\t"263171143"
\t\t}
\t}
\t"1"
\t{
\t\t"path"\t\t"%(second)s"
\t\t"label"\t\t"games"
\t\t"apps"
\t\t{
\t\t\t"824270"\t\t"8421212"
\t\t}
\t}
}
"""

OLD_VDF = """\
"LibraryFolders"
{
\t"TimeNextStatsReport"\t\t"1700000000"
\t"ContentStatsID"\t\t"-1234567890"
\t"1"\t\t"%(first)s"
\t"2"\t\t"%(second)s"
}
"""


def _no_registry() -> str | None:
    return None


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _touch(path: Path, mtime: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"SQLite format 3\x00")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def _linux(home: Path, env: dict[str, str] | None = None) -> Discovery:
    return discover(platform="linux", home=home, env=env or {}, registry=_no_registry)


# -- libraryfolders.vdf ------------------------------------------------------------------------


def test_new_vdf_lists_each_library_path_and_nothing_else() -> None:
    text = NEW_VDF % {"first": "C:\\\\Program Files (x86)\\\\Steam", "second": "D:\\\\Games"}
    assert parse_library_folders(text) == [
        Path("C:\\Program Files (x86)\\Steam"),
        Path("D:\\Games"),
    ]


def test_old_vdf_lists_the_numbered_entries_only() -> None:
    text = OLD_VDF % {"first": "D:\\\\SteamLibrary", "second": "/mnt/games/steam"}
    assert parse_library_folders(text) == [Path("D:\\SteamLibrary"), Path("/mnt/games/steam")]


def test_a_truncated_vdf_yields_what_could_be_read() -> None:
    text = NEW_VDF % {"first": "/a", "second": "/b"}
    assert parse_library_folders(text[: text.index('"1"')]) == [Path("/a")]
    assert parse_library_folders("not a vdf at all {") == []


# -- Steam roots -------------------------------------------------------------------------------


def test_linux_roots_include_native_legacy_and_flatpak(tmp_path: Path) -> None:
    roots = steam_roots("linux", tmp_path, {}, _no_registry)
    assert roots[0] == tmp_path / ".local/share/Steam"
    assert tmp_path / ".steam/steam" in roots
    assert tmp_path / ".steam/root" in roots
    assert tmp_path / ".var/app/com.valvesoftware.Steam/.local/share/Steam" in roots
    assert tmp_path / ".var/app/com.valvesoftware.Steam/data/Steam" in roots
    assert len(roots) == len(set(roots))


def test_linux_roots_follow_xdg_data_home_first(tmp_path: Path) -> None:
    roots = steam_roots("linux", tmp_path, {"XDG_DATA_HOME": str(tmp_path / "xdg")}, _no_registry)
    assert roots[0] == tmp_path / "xdg/Steam"
    assert tmp_path / ".local/share/Steam" in roots


def test_macos_root(tmp_path: Path) -> None:
    assert steam_roots("darwin", tmp_path, {}, _no_registry) == [
        tmp_path / "Library/Application Support/Steam"
    ]


def test_windows_registry_value_comes_first(tmp_path: Path) -> None:
    roots = steam_roots("win32", tmp_path, {"ProgramFiles(x86)": "E:\\PF86"}, lambda: "F:\\Steam")
    assert roots[:2] == [Path("F:\\Steam"), Path("E:\\PF86") / "Steam"]


# -- KovaaK's ----------------------------------------------------------------------------------


def test_kovaaks_in_the_default_linux_library(tmp_path: Path) -> None:
    stats = _mkdir(tmp_path / ".local/share/Steam" / STATS)
    found = _linux(tmp_path)
    assert found.kovaaks_dir == stats
    assert found.kovaaks_candidates[0] == stats


@pytest.mark.parametrize("vdf", [NEW_VDF, OLD_VDF], ids=["new-vdf", "old-vdf"])
def test_kovaaks_in_an_extra_library_from_libraryfolders_vdf(tmp_path: Path, vdf: str) -> None:
    root = _mkdir(tmp_path / ".local/share/Steam")
    other = _mkdir(tmp_path / "mnt/games")
    (root / "steamapps").mkdir()
    (root / "steamapps/libraryfolders.vdf").write_text(
        vdf % {"first": root, "second": other}, encoding="utf-8"
    )
    stats = _mkdir(other / STATS)
    found = _linux(tmp_path)
    assert found.kovaaks_dir == stats
    assert root / STATS in found.kovaaks_candidates
    assert other / STATS in found.kovaaks_candidates


def test_kovaaks_in_the_flatpak_root(tmp_path: Path) -> None:
    stats = _mkdir(tmp_path / ".var/app/com.valvesoftware.Steam/.local/share/Steam" / STATS)
    assert _linux(tmp_path).kovaaks_dir == stats


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_a_symlinked_root_is_searched_once(tmp_path: Path) -> None:
    real = _mkdir(tmp_path / ".local/share/Steam")
    _mkdir(real / STATS)
    _mkdir(tmp_path / ".steam")
    (tmp_path / ".steam/steam").symlink_to(real)
    found = _linux(tmp_path)
    assert found.kovaaks_candidates == (real / STATS,)


def test_kovaaks_on_macos(tmp_path: Path) -> None:
    stats = _mkdir(tmp_path / "Library/Application Support/Steam" / STATS)
    found = discover(platform="darwin", home=tmp_path, env={}, registry=_no_registry)
    assert found.kovaaks_dir == stats


def test_kovaaks_on_windows_through_the_registry_value(tmp_path: Path) -> None:
    steam = tmp_path / "Steam"
    stats = _mkdir(steam / STATS)
    found = discover(
        platform="win32",
        home=tmp_path,
        env={"USERPROFILE": str(tmp_path)},
        registry=lambda: str(steam),
    )
    assert found.kovaaks_dir == stats
    assert found.steam_roots[0] == steam


# -- Aim Lab -----------------------------------------------------------------------------------


def test_aimlab_old_layout(tmp_path: Path) -> None:
    db = _touch(tmp_path / "aimlab_tb/klutch.bytes")
    assert aimlab_db_in(tmp_path / "aimlab_tb") == db


def test_aimlab_new_layout_per_user_localdb(tmp_path: Path) -> None:
    tb = tmp_path / "aimlab_tb"
    _touch(tb / "klutch.bytes", mtime=2_000_000_000)  # left over from before the update
    db = _touch(tb / "Users/76561198000000001/LocalDB/klutch.bytes", mtime=1_700_000_000)
    assert aimlab_db_in(tb) == db


def test_aimlab_skips_default_when_an_account_folder_exists(tmp_path: Path) -> None:
    tb = tmp_path / "aimlab_tb"
    # Default is newer, and still loses to the player's account.
    _touch(tb / "Users/Default/LocalDB/klutch.bytes", mtime=2_000_000_000)
    db = _touch(tb / "Users/76561198000000001/LocalDB/klutch.bytes", mtime=1_700_000_000)
    assert aimlab_db_in(tb) == db


def test_aimlab_uses_default_when_it_is_the_only_account(tmp_path: Path) -> None:
    tb = tmp_path / "aimlab_tb"
    db = _touch(tb / "Users/Default/LocalDB/klutch.bytes")
    assert aimlab_db_in(tb) == db


def test_aimlab_newest_account_wins(tmp_path: Path) -> None:
    tb = tmp_path / "aimlab_tb"
    _touch(tb / "Users/111/LocalDB/klutch.bytes", mtime=1_600_000_000)
    db = _touch(tb / "Users/222/LocalDB/klutch.bytes", mtime=1_700_000_000)
    assert aimlab_db_in(tb) == db


def test_aimlab_file_name_in_any_letter_case(tmp_path: Path) -> None:
    tb = tmp_path / "aimlab_tb"
    db = _touch(tb / "users/76561198000000001/localdb/Klutch.bytes")
    assert aimlab_db_in(tb) == db
    assert aimlab_db_in(tmp_path / "elsewhere") is None
    old = _touch(tmp_path / "old_tb/Klutch.bytes")
    assert aimlab_db_in(tmp_path / "old_tb") == old


def test_aimlab_under_proton_in_a_linux_library(tmp_path: Path) -> None:
    library = tmp_path / ".local/share/Steam"
    db = _touch(library / PROTON_TB / "Users/76561198000000001/LocalDB/klutch.bytes")
    found = _linux(tmp_path)
    assert found.aimlabs_db == db
    assert library / PROTON_TB in found.aimlabs_candidates


def test_aimlab_on_windows_in_locallow(tmp_path: Path) -> None:
    db = _touch(tmp_path / "AppData/LocalLow/Statespace/aimlab_tb/klutch.bytes")
    found = discover(
        platform="win32",
        home=tmp_path / "unused",
        env={"USERPROFILE": str(tmp_path)},
        registry=_no_registry,
    )
    assert found.aimlabs_db == db


# -- nothing there -----------------------------------------------------------------------------


def test_nothing_found_lists_where_it_looked(tmp_path: Path) -> None:
    found = _linux(tmp_path)
    assert (found.kovaaks_dir, found.aimlabs_db) == (None, None)
    assert tmp_path / ".local/share/Steam" in found.steam_roots
    assert tmp_path / ".var/app/com.valvesoftware.Steam/data/Steam" in found.steam_roots


def test_a_steam_root_without_the_games_lists_the_game_candidates(tmp_path: Path) -> None:
    root = _mkdir(tmp_path / ".local/share/Steam")
    found = _linux(tmp_path)
    assert (found.kovaaks_dir, found.aimlabs_db) == (None, None)
    assert found.kovaaks_candidates == (root / STATS,)
    assert found.aimlabs_candidates == (root / PROTON_TB,)


def test_discovery_creates_nothing(tmp_path: Path) -> None:
    _mkdir(tmp_path / ".local/share/Steam")
    before = sorted(tmp_path.rglob("*"))
    _linux(tmp_path)
    discover(
        platform="win32", home=tmp_path, env={"USERPROFILE": str(tmp_path)}, registry=_no_registry
    )
    assert sorted(tmp_path.rglob("*")) == before
