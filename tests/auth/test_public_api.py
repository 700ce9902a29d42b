"""The public surface of ``aimcoach.auth`` and of the actor and CLI modules, locked."""

from __future__ import annotations

import inspect

import aimcoach.actors.token_refresher as token_refresher
import aimcoach.auth as auth
import aimcoach.cli._link as cli_link
import aimcoach.cli._unlink as cli_unlink


def test_auth_exports() -> None:
    assert sorted(auth.__all__) == sorted(
        [
            "DEFAULT_REFRESH_LIFETIME",
            "REFRESH_BEFORE",
            "SKEW_MARGIN",
            "SUPPORTED_KINDS",
            "LinkInfo",
            "LinkSettings",
            "NotLinkedError",
            "StaticTokenSource",
            "StoreSettings",
            "TokenManager",
            "TokenSet",
            "TokenSource",
            "TokenStore",
            "check_code",
            "link",
            "link_status",
            "open_store",
            "render_link_status",
            "usable_keyring",
        ]
    )
    for name in auth.__all__:
        assert hasattr(auth, name)


def test_actor_and_cli_exports() -> None:
    assert "token_refresher" in token_refresher.__all__
    assert "TokenRefresherStats" in token_refresher.__all__
    assert sorted(cli_link.__all__) == ["link_status", "register", "render_link_status", "run"]
    assert sorted(cli_unlink.__all__) == ["register", "run"]


def test_the_manager_and_the_static_source_are_token_sources() -> None:
    # The sender is typed against the protocol: mypy checks these assignments, and the
    # methods must be coroutines for the sender to await them.
    sources: list[type[auth.TokenSource]] = [auth.TokenManager, auth.StaticTokenSource]
    for cls in sources:
        assert inspect.iscoroutinefunction(cls.access_token)
        assert inspect.iscoroutinefunction(cls.after_unauthorized)
