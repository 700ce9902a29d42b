"""The one error tree of aimcoach.

Every error we raise on purpose is an :class:`AimcoachError`. It carries a message key from the
catalog (``aimcoach.i18n``) and its parameters, so the text a person sees is always translated
and always says what to do next. Foreign exceptions (``OSError``, ``sqlite3.Error``,
``httpx.HTTPError`` …) are translated at the boundary with ``raise …Error(...) from exc``.

    AimcoachError                    retryable=False unless a subclass says otherwise
    ├── ConfigError                  a bad setting, flag or config file (exit 2, never restarted)
    ├── SourceError                  one input cannot be read: quarantine it, keep going
    │   └── SourceBusyError          the input is locked for now (retryable)
    ├── DigestError                  a record cannot be canonicalized (NaN, ±Infinity)
    ├── AuthError                    linking and tokens
    │   ├── TokenStoreError          the token store cannot be read or written
    │   └── RelinkNeededError        the refresh token was refused: run `aimcoach link` again
    ├── TransportError               the ingest API did not answer usefully (retryable)
    └── StateError                   the state database cannot be used

This module must not import anything heavier than the catalog: every layer imports it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from aimcoach.i18n import t

__all__ = [
    "AimcoachError",
    "AuthError",
    "ConfigError",
    "DigestError",
    "RelinkNeededError",
    "SourceBusyError",
    "SourceError",
    "StateError",
    "TokenStoreError",
    "TransportError",
]


class AimcoachError(Exception):
    """Base of every aimcoach error: a catalog key plus parameters.

    ``str(err)`` renders the message in the current language. ``retryable`` tells the supervisor
    and the sender whether trying again later can help; ``exit_code`` is what the CLI returns.
    """

    retryable: ClassVar[bool] = False
    exit_code: ClassVar[int] = 1

    def __init__(self, key: str, /, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(key)

    def __str__(self) -> str:
        return t(self.key, **self.params)


class ConfigError(AimcoachError):
    exit_code = 2


class SourceError(AimcoachError):
    """One input (a stats file, a database) cannot be read; the reason is in the message."""


class SourceBusyError(SourceError):
    retryable = True


class DigestError(AimcoachError):
    """A record holds a value RFC 8785 cannot represent."""


class AuthError(AimcoachError):
    pass


class TokenStoreError(AuthError):
    pass


class RelinkNeededError(AuthError):
    pass


class TransportError(AimcoachError):
    retryable = True


class StateError(AimcoachError):
    pass
