"""The endpoint rule: https:// everywhere, plain http:// only on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from aimcoach.config import Discovery, load_settings
from aimcoach.errors import ConfigError
from aimcoach.transport._endpoint import check_endpoint, is_loopback_host


@pytest.mark.parametrize(
    "url",
    [
        "https://api.aimcoach.app",
        "https://api.example.com:8443/v1",
        "http://127.0.0.1:8080",
        "http://[::1]:8080",
        "http://localhost:8080",
        "http://LOCALHOST",
        "https://127.0.0.1",
    ],
)
def test_accepted(url: str) -> None:
    assert check_endpoint(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://api.aimcoach.app",
        "http://192.168.1.10:8080",
        "http://10.0.0.1",
        "http://localhost.example.com",
        "http://127.0.0.1.example.com",
        "http://[::2]",
    ],
)
def test_plain_http_off_loopback_is_refused_with_the_rule(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        check_endpoint(url, origin="--api-endpoint")
    assert info.value.key == "config.endpoint_not_https"
    text = str(info.value)
    assert url in text
    assert "--api-endpoint" in text
    assert "https://" in text
    assert "127.0.0.1, ::1 and localhost" in text


@pytest.mark.parametrize(
    "url",
    [
        "api.aimcoach.app",
        "ftp://api.aimcoach.app",
        "https://",
        "https://host:99999",
        "https://host/?q=1",
        "https://host/#top",
        "",
    ],
)
def test_malformed(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        check_endpoint(url)
    assert info.value.key == "config.endpoint_malformed"


def test_credentials_in_the_url_are_refused_without_echoing_them() -> None:
    with pytest.raises(ConfigError) as info:
        check_endpoint("https://user:hunter2pass@api.example.com")
    assert info.value.key == "config.endpoint_credentials"
    assert "hunter2pass" not in str(info.value)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "[::1]", "localhost", "LocalHost"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize("host", ["example.com", "0.0.0.0", "192.168.0.1", "::", ""])
def test_not_loopback_hosts(host: str) -> None:
    assert not is_loopback_host(host)


def test_the_rule_applies_to_the_config_file_too(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('api_endpoint = "http://api.example.com"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings({}, {"AIMCOACH_CONFIG": str(config)}, discovery=Discovery())
    assert info.value.key == "config.endpoint_not_https"
    assert str(config) in str(info.value)


def test_the_rule_applies_to_the_legacy_environment_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({}, {"API_ENDPOINT": "http://api.example.com"}, discovery=Discovery())
    assert "API_ENDPOINT" in str(info.value)
