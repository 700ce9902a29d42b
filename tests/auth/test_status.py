"""The link part of ``aimcoach status``: the JSON facts, and golden lines in both languages."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from _auth_support import ENDPOINT, T0, FakeSettings, make_tokens

from aimcoach.auth import link_status, render_link_status
from aimcoach.auth._file_store import EncryptedFileStore
from aimcoach.auth._status import days_left
from aimcoach.i18n import set_language

GOLDEN = Path(__file__).parent / "golden"
TOKYO = ZoneInfo("Asia/Tokyo")


def test_status_of_a_linked_device(settings: FakeSettings, file_store: EncryptedFileStore) -> None:
    file_store.set(make_tokens(access="status-acc-secret", refresh="status-ref-secret"))
    info = link_status(settings, clock=lambda: T0 + timedelta(days=3, hours=5), store=file_store)
    assert info == {
        "linked": True,
        "device": "Desk PC",
        "endpoint": ENDPOINT,
        "endpoint_matches": True,
        "linked_at": "2024-05-01T12:00:00Z",
        "access_expires_at": "2024-05-31T12:00:00Z",
        "access_days_left": 27,  # 30 days from T0, seen 3 days 5 hours later: 26.8 days
        "refresh_expires_at": "2024-07-30T12:00:00Z",
        "refresh_days_left": 87,
        "store_kind": "file",
        "store_location": str(file_store.path),
        "store_notice": None,
        "store_error": None,
        "relink_needed": False,
        "api_token_override": False,
    }
    text = json.dumps(info)
    assert "status-acc-secret" not in text and "status-ref-secret" not in text


def test_status_opens_the_configured_store_without_asking(
    settings: FakeSettings, file_store: EncryptedFileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    file_store.set(make_tokens())
    file_store.mark_relink_needed()
    monkeypatch.delenv("AIMCOACH_TOKEN_PASSPHRASE", raising=False)  # nothing to decrypt with
    info = link_status(replace(settings, api_token="override-secret"), clock=lambda: T0)
    assert info["linked"] and info["relink_needed"]
    assert info["api_token_override"] is True
    assert "override-secret" not in json.dumps(info)


@pytest.mark.parametrize(
    ("left", "days"),
    [
        (timedelta(days=30), 30),
        (timedelta(days=30) - timedelta(microseconds=1), 30),
        (timedelta(days=2, hours=11), 2),
        (timedelta(days=2, hours=12), 3),
        (timedelta(hours=11), 0),
        (timedelta(seconds=1), 0),
        (timedelta(0), -1),
        (-timedelta(hours=1), -1),
        (-timedelta(days=10, hours=1), -11),
    ],
)
def test_days_left_rounds_to_the_nearest_day_and_goes_negative_once_expired(
    left: timedelta, days: int
) -> None:
    assert days_left(T0 + left, T0) == days


def test_status_when_not_linked_or_the_store_is_unusable(settings: FakeSettings) -> None:
    info = link_status(settings, clock=lambda: T0)
    assert info["linked"] is False and info["store_kind"] == "file"
    assert info["store_error"] is None
    bad = link_status(replace(settings, token_store="kms"), clock=lambda: T0)
    assert bad["linked"] is False
    assert "not supported" in bad["store_error"]


# ---- golden lines ---------------------------------------------------------------------------

LINKED: dict[str, Any] = {
    "linked": True,
    "device": "Desk PC",
    "endpoint": "https://api.aimcoach.app",
    "endpoint_matches": True,
    "linked_at": "2024-05-01T12:00:00Z",
    "access_expires_at": "2024-05-31T12:00:00Z",
    "access_days_left": 27,
    "refresh_expires_at": "2024-07-30T12:00:00Z",
    "refresh_days_left": 87,
    "store_kind": "dpapi",
    "store_location": r"C:\Users\me\AppData\Roaming\aimcoach\tokens.dpapi",
    "store_notice": None,
    "store_error": None,
    "relink_needed": False,
    "api_token_override": False,
}

SCENARIOS: list[tuple[str, dict[str, Any]]] = [
    ("linked", LINKED),
    (
        "almost expired, relink needed, other endpoint, override",
        LINKED
        | {
            "access_expires_at": "2024-05-02T11:00:00Z",
            "access_days_left": 0,
            "refresh_expires_at": "2024-05-02T12:00:00Z",
            "refresh_days_left": 1,
            "relink_needed": True,
            "endpoint_matches": False,
            "api_token_override": True,
        },
    ),
    (
        "expired",
        LINKED
        | {
            "access_expires_at": "2024-04-30T12:00:00Z",
            "access_days_left": -1,
            "refresh_expires_at": "2024-04-30T12:00:00Z",
            "refresh_days_left": -1,
        },
    ),
    (
        "not linked, encrypted file store",
        LINKED
        | {
            "linked": False,
            "store_kind": "file",
            "store_location": "/home/me/.local/share/aimcoach/tokens.enc",
            "store_notice": None,
        },
    ),
]


def test_the_golden_input_is_what_link_status_reports_for_a_fixed_clock(
    settings: FakeSettings, file_store: EncryptedFileStore
) -> None:
    file_store.set(make_tokens(endpoint="https://api.aimcoach.app"))
    computed = link_status(
        replace(settings, api_endpoint="https://api.aimcoach.app"),
        clock=lambda: T0 + timedelta(days=3, hours=5),
        store=file_store,
    )

    def facts(info: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in info.items() if not k.startswith("store_")}

    assert facts(computed) == facts(LINKED)


def _render_all() -> str:
    out: list[str] = []
    for name, info in SCENARIOS:
        out.append(f"## {name}")
        out.extend(render_link_status(info, tz=TOKYO))
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_render_link_status_matches_the_golden_file(lang: str) -> None:
    set_language("en" if lang == "en" else "ja")
    expected = (GOLDEN / f"link_status_{lang}.txt").read_text(encoding="utf-8")
    assert _render_all() == expected
