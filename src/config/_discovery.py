"""Where the games keep their files: Steam libraries, Proton prefixes, Aim Lab's two layouts.

Defaults only: an explicit setting always wins. Discovery looks, it never creates anything.
Everything OS-specific (platform, home, environment, the Windows registry) is injectable so the
logic is tested on fake trees in a temporary folder.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "AIMLAB_APP_ID",
    "Discovery",
    "aimlab_db_in",
    "discover",
    "parse_library_folders",
    "steam_roots",
]

AIMLAB_APP_ID = "714010"
KOVAAKS_STATS = ("steamapps", "common", "FPSAimTrainer", "FPSAimTrainer", "stats")
_PROTON_LOCALLOW = ("pfx", "drive_c", "users", "steamuser", "AppData", "LocalLow")


@dataclass(frozen=True, slots=True)
class Discovery:
    """What was found: the chosen paths, and every candidate looked at (for ``status``)."""

    kovaaks_dir: Path | None = None
    aimlabs_db: Path | None = None
    kovaaks_candidates: tuple[Path, ...] = ()
    aimlabs_candidates: tuple[Path, ...] = ()
    steam_roots: tuple[Path, ...] = field(default=())


_VDF_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|([{}])')


def _vdf_unescape(s: str) -> str:
    return re.sub(r"\\(.)", lambda m: m.group(1), s)


def parse_library_folders(text: str) -> list[Path]:
    """Library paths listed in ``steamapps/libraryfolders.vdf`` (old and new formats).

    New: ``"0" { "path" "D:\\\\SteamLibrary" … }``; old: ``"1" "D:\\\\SteamLibrary"``.
    A malformed file yields what could be read, never an error.
    """
    out: list[Path] = []
    depth = 0
    pending_key: str | None = None
    for m in _VDF_TOKEN.finditer(text):
        if m.group(2) == "{":
            depth += 1
            pending_key = None
        elif m.group(2) == "}":
            depth -= 1
            pending_key = None
        elif pending_key is None:
            pending_key = _vdf_unescape(m.group(1))
        else:
            value = _vdf_unescape(m.group(1))
            if (depth == 2 and pending_key.lower() == "path") or (
                depth == 1 and pending_key.isdigit()
            ):
                out.append(Path(value))
            pending_key = None
    return out


def _windows_steam_path() -> str | None:  # pragma: no cover - Windows only
    if sys.platform != "win32":
        return None
    import winreg

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, r"Software\Valve\Steam") as key:
            value, _ = winreg.QueryValueEx(key, "SteamPath")
            return str(value)
    except OSError:
        return None


def steam_roots(
    platform: str, home: Path, env: Mapping[str, str], registry: Callable[[], str | None]
) -> list[Path]:
    """Steam installation folders to look in, most likely first."""
    roots: list[Path] = []
    if platform == "win32":
        reg = registry()
        if reg:
            roots.append(Path(reg))
        for var in ("ProgramFiles(x86)", "ProgramFiles"):
            if env.get(var):
                roots.append(Path(env[var]) / "Steam")
        roots += [Path("C:/Program Files (x86)/Steam"), Path("C:/Program Files/Steam")]
    elif platform == "darwin":
        roots.append(home / "Library" / "Application Support" / "Steam")
    else:
        xdg = Path(env["XDG_DATA_HOME"]) if env.get("XDG_DATA_HOME") else home / ".local" / "share"
        roots += [
            xdg / "Steam",
            home / ".local" / "share" / "Steam",
            home / ".steam" / "steam",
            home / ".steam" / "root",
            home / ".var" / "app" / "com.valvesoftware.Steam" / ".local" / "share" / "Steam",
            home / ".var" / "app" / "com.valvesoftware.Steam" / "data" / "Steam",
        ]
    seen: set[str] = set()
    unique: list[Path] = []
    for r in roots:
        key = os.path.normcase(str(r))
        if key not in seen:
            seen.add(key)
            unique.append(r)
    return unique


def _libraries(roots: Iterable[Path]) -> list[Path]:
    libs: list[Path] = []
    seen: set[str] = set()

    def add(p: Path) -> None:
        try:
            key = os.path.normcase(str(p.resolve()))
        except OSError:
            key = os.path.normcase(str(p))
        if key not in seen:
            seen.add(key)
            libs.append(p)

    for root in roots:
        add(root)
        for name in ("steamapps/libraryfolders.vdf", "config/libraryfolders.vdf"):
            try:
                text = (root / name).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for lib in parse_library_folders(text):
                add(lib)
    return libs


def _find_ci(folder: Path, name: str) -> Path | None:
    """The entry of ``folder`` named ``name`` in any letter case (Proton is case-sensitive)."""
    exact = folder / name
    if exact.exists():
        return exact
    try:
        with os.scandir(folder) as it:
            for entry in it:
                if entry.name.lower() == name.lower():
                    return Path(entry.path)
    except OSError:
        return None
    return None


def aimlab_db_in(aimlab_tb: Path) -> Path | None:
    """``klutch.bytes`` inside an ``aimlab_tb`` folder: the 2024+ per-user layout first
    (``Users/<id>/LocalDB/``, skipping ``Default`` when another account exists, newest wins),
    then the old layout at the folder's top."""
    users = _find_ci(aimlab_tb, "Users")
    found: list[tuple[bool, float, Path]] = []
    if users is not None and users.is_dir():
        try:
            accounts = [Path(e.path) for e in os.scandir(users) if e.is_dir()]
        except OSError:
            accounts = []
        for account in accounts:
            localdb = _find_ci(account, "LocalDB")
            db = _find_ci(localdb, "klutch.bytes") if localdb is not None else None
            if db is not None and db.is_file():
                try:
                    mtime = db.stat().st_mtime
                except OSError:
                    continue
                found.append((account.name.lower() != "default", mtime, db))
    if found:
        found.sort(key=lambda t: (t[0], t[1]))
        return found[-1][2]
    old = _find_ci(aimlab_tb, "klutch.bytes")
    return old if old is not None and old.is_file() else None


def discover(
    *,
    platform: str | None = None,
    home: Path | None = None,
    env: Mapping[str, str] | None = None,
    registry: Callable[[], str | None] | None = None,
) -> Discovery:
    platform = sys.platform if platform is None else platform
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    roots = steam_roots(platform, home, env, registry or _windows_steam_path)
    libs = _libraries(r for r in roots if r.is_dir())

    kovaaks_candidates = [lib.joinpath(*KOVAAKS_STATS) for lib in libs]
    kovaaks = next((p for p in kovaaks_candidates if p.is_dir()), None)

    tb_folders: list[Path] = []
    if platform == "win32":
        base = env.get("USERPROFILE")
        locallow = Path(base) / "AppData" / "LocalLow" if base else home / "AppData" / "LocalLow"
        tb_folders.append(locallow / "Statespace" / "aimlab_tb")
    for lib in libs:
        tb_folders.append(
            lib.joinpath("steamapps", "compatdata", AIMLAB_APP_ID, *_PROTON_LOCALLOW)
            / "Statespace"
            / "aimlab_tb"
        )
    aimlabs = None
    for tb in tb_folders:
        if tb.is_dir():
            aimlabs = aimlab_db_in(tb)
            if aimlabs is not None:
                break
    return Discovery(
        kovaaks_dir=kovaaks,
        aimlabs_db=aimlabs,
        kovaaks_candidates=tuple(kovaaks_candidates),
        aimlabs_candidates=tuple(tb_folders),
        steam_roots=tuple(roots),
    )
