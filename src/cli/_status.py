"""``aimcoach status``: every setting with its source, the game folders, link and live state.

Works with nothing configured. Never prints a token value: secrets show as "(set)".
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from aimcoach.config import Settings
from aimcoach.i18n import t

__all__ = ["collect_status", "render_status", "status_command"]


def _exists(path: Any) -> bool:
    from pathlib import Path

    return path is not None and Path(path).exists()


def collect_status(settings: Settings, *, live: bool = True) -> dict[str, Any]:
    """The JSON-able status object (the same facts as the text form).

    ``live``: ask a running ``aimcoach run`` for its summary (``None`` when none is up).
    """
    from aimcoach import __version__
    from aimcoach.auth import link_status
    from aimcoach.cli._ctl import live_summary

    link = link_status(settings)
    if link.get("endpoint"):
        settings = settings.with_linked_endpoint(link["endpoint"])
        link = link_status(settings)
    disc = settings.discovery
    out: dict[str, Any] = {
        "version": __version__,
        "settings": {
            name: {"value": value, "source": source}
            for name, value, source in settings.public_items()
        },
        "games": {
            "kovaaks_csv_dir": {
                "path": str(settings.kovaaks_csv_dir) if settings.kovaaks_csv_dir else None,
                "exists": _exists(settings.kovaaks_csv_dir),
                "source": settings.sources.get("kovaaks_csv_dir", "unset"),
                "searched": [str(p) for p in (disc.kovaaks_candidates or disc.steam_roots)]
                if disc
                else [],
            },
            "aimlabs_sqlite": {
                "path": str(settings.aimlabs_sqlite) if settings.aimlabs_sqlite else None,
                "exists": _exists(settings.aimlabs_sqlite),
                "source": settings.sources.get("aimlabs_sqlite", "unset"),
                "searched": [str(p) for p in (disc.aimlabs_candidates or disc.steam_roots)]
                if disc
                else [],
            },
        },
        "folders": {
            "config_file": {"path": str(settings.config), "exists": _exists(settings.config)},
            "state_dir": {"path": str(settings.state_dir), "exists": _exists(settings.state_dir)},
            "data_dir": {"path": str(settings.data_dir), "exists": _exists(settings.data_dir)},
        },
        "link": link,
        "live": live_summary(settings) if live else None,
    }
    return out


def _yes_no(flag: bool) -> str:
    return t("status.exists") if flag else t("status.missing")


def render_status(info: dict[str, Any]) -> list[str]:
    lines = [t("status.title", version=info["version"]), "", t("status.settings")]
    width = max(len(n) for n in info["settings"])
    for name, item in info["settings"].items():
        value = item["value"]
        if value is None:
            lines.append(f"  {name:<{width}}  {t('status.unset')}")
            continue
        kind, _, detail = item["source"].partition(":")
        source = t("status.source." + kind) + (f" {detail}" if detail else "")
        lines.append(f"  {name:<{width}}  {value}  [{source}]")
    lines += ["", t("status.games")]
    for key, label in (("kovaaks_csv_dir", "status.kovaaks"), ("aimlabs_sqlite", "status.aimlabs")):
        g = info["games"][key]
        if g["path"] is None:
            lines.append(f"  {t(label)}: {t('status.not_found.' + key)}")
            if g["searched"]:
                lines.append(f"    {t('status.searched', count=len(g['searched']))}")
                lines += [f"      {p}" for p in g["searched"]]
        else:
            lines.append(f"  {t(label)}: {g['path']} ({_yes_no(g['exists'])})")
    lines += ["", t("status.folders")]
    for key, f in info["folders"].items():
        lines.append(f"  {t('status.folder.' + key)}: {f['path']} ({_yes_no(f['exists'])})")
    from aimcoach.auth import render_link_status
    from aimcoach.cli._ctl import render_live_summary

    lines += ["", *render_link_status(info["link"])]
    lines += ["", *render_live_summary(info["live"])]
    return lines


def status_command(args: argparse.Namespace, settings: Settings) -> int:
    info = collect_status(settings)
    if args.json:
        json.dump(info, sys.stdout, ensure_ascii=False, indent=2, sort_keys=False)
        sys.stdout.write("\n")
    else:
        print("\n".join(render_status(info)))
    return 0
