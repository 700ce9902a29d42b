"""Logging: JSON lines off a terminal, console on one, and no token ever in a log line."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import structlog

import aimcoach._logging
from aimcoach._logging import REDACTED, configure_logging, redact, register_secret


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    configure_logging("info", "auto", stream=out)
    structlog.get_logger().info("scan.done", files=3)
    (line,) = _lines(out)
    assert line["event"] == "scan.done"
    assert line["files"] == 3
    assert line["level"] == "info"
    assert line["timestamp"].endswith("Z")


def test_json_lines_on_a_terminal_when_asked() -> None:
    out = _Terminal()
    configure_logging("info", "json", stream=out)
    structlog.get_logger().info("scan.done")
    assert _lines(out)[0]["event"] == "scan.done"


def test_console_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = _Terminal()
    configure_logging("info", "auto", stream=out)
    structlog.get_logger().info("scan.done", files=3)
    text = out.getvalue()
    assert "scan.done" in text
    assert not text.lstrip().startswith("{")
    assert "\x1b[" in text  # colours on a terminal


def test_console_without_colour_under_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    out = _Terminal()
    configure_logging("info", "auto", stream=out)
    structlog.get_logger().info("scan.done", files=3)
    assert "files=3" in out.getvalue()
    assert "\x1b[" not in out.getvalue()


def test_console_when_asked_off_a_terminal() -> None:
    out = io.StringIO()
    configure_logging("info", "console", stream=out)
    structlog.get_logger().info("scan.done", files=3)
    assert "files=3" in out.getvalue()
    assert "\x1b[" not in out.getvalue()


@pytest.mark.parametrize(
    ("level", "shown"),
    [
        ("debug", ["d", "i", "w", "e"]),
        ("info", ["i", "w", "e"]),
        ("warn", ["w", "e"]),
        ("error", ["e"]),
    ],
)
def test_level(level: str, shown: list[str]) -> None:
    out = io.StringIO()
    configure_logging(level, "json", stream=out)
    log = structlog.get_logger()
    log.debug("d")
    log.info("i")
    log.warning("w")
    log.error("e")
    assert [line["event"] for line in _lines(out)] == shown


# -- redaction ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "token",
        "access_token",
        "refresh_token",
        "Authorization",
        "client_secret",
        "password",
        "passphrase",
        "cookie",
    ],
)
def test_values_under_secret_looking_keys_are_redacted(key: str) -> None:
    assert redact({key: "abc123xyz"}) == {key: REDACTED}


def test_bearer_text_is_redacted_anywhere() -> None:
    assert redact("sent Authorization: Bearer eyJhbGciOi.xyz, got 401") == (
        f"sent Authorization: Bearer {REDACTED}, got 401"
    )
    assert redact(["bearer abc.def"]) == [f"bearer {REDACTED}"]


def test_nested_values_are_redacted() -> None:
    event = {
        "request": {
            "headers": {"Authorization": "Bearer abc", "Accept": "json"},
            "body": {"refresh_token": "r-123"},
        }
    }
    assert redact(event) == {
        "request": {
            "headers": {"Authorization": REDACTED, "Accept": "json"},
            "body": {"refresh_token": REDACTED},
        }
    }


def test_registered_secrets_are_removed_inside_longer_text() -> None:
    register_secret("S3CRET-registered-value")
    assert redact("url?t=S3CRET-registered-value&x=1") == f"url?t={REDACTED}&x=1"
    assert redact(("a", "S3CRET-registered-value")) == ["a", REDACTED]


def test_facts_about_tokens_are_kept() -> None:
    assert redact({"token_expires_in_days": 5, "token_present": True, "token": None}) == {
        "token_expires_in_days": 5,
        "token_present": True,
        "token": None,
    }


def test_short_registered_values_are_ignored() -> None:
    # Registering "a" would shred every log line; a real token is never that short.
    register_secret("abc")
    register_secret(None)
    assert redact("abc") == "abc"


def test_no_token_reaches_a_rendered_line() -> None:
    register_secret("SECRETVALUE123")
    out = io.StringIO()
    configure_logging("debug", "json", stream=out)
    log = structlog.get_logger()
    log.info("request", token="tok-aaaa", headers={"Authorization": "Bearer tok-bbbb"})
    log.info("sent with Bearer tok-cccc")
    log.info("echo", text="the token is SECRETVALUE123")
    try:
        raise ValueError("server refused SECRETVALUE123 (Bearer tok-dddd)")
    except ValueError:
        log.exception("failed")
    text = out.getvalue()
    for secret in ("tok-aaaa", "tok-bbbb", "tok-cccc", "tok-dddd", "SECRETVALUE123"):
        assert secret not in text
    assert text.count(REDACTED) >= 5
    assert "ValueError" in text


def test_public_surface() -> None:
    assert sorted(aimcoach._logging.__all__) == [
        "REDACTED",
        "configure_logging",
        "redact",
        "register_secret",
    ]
