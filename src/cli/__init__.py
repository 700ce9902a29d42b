"""The ``aimcoach`` command: ``main(argv) -> int``.

``main`` picks the language, resolves the settings, configures logging once, and runs the
command's handler. Every failure a person can cause or fix ends as a catalog message on stderr
and an exit code (2: usage or configuration, 1: the job did not complete, 3: no running agent),
never a traceback.
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys
from collections.abc import Sequence
from typing import Any

from aimcoach.config import SETTINGS, Settings, load_settings
from aimcoach.errors import AimcoachError

__all__ = ["console_main", "main", "version_text"]


def version_text() -> str:
    """The ``--version`` line: version, commit and build date (see :mod:`aimcoach._buildinfo`)."""
    from aimcoach._buildinfo import build_info

    return build_info().text()


def _cli_values(args: argparse.Namespace) -> dict[str, Any]:
    return {s.name: getattr(args, s.name, None) for s in SETTINGS}


# Not named `_parser`: importing the submodule aimcoach.cli._parser rebinds that package name.
def _build_parser() -> argparse.ArgumentParser:
    from aimcoach.cli import _commands, _devserver, _link, _service, _unlink

    return _commands.build(
        registrars=[_link.register, _unlink.register, _devserver.register, _service.register],
        version=version_text,  # called only for --version
    )


def main(argv: Sequence[str] | None = None) -> int:
    import structlog

    from aimcoach._logging import configure_logging, redact, register_secret
    from aimcoach.i18n import detect_language, set_language, t

    argv = list(sys.argv[1:] if argv is None else argv)
    # The language is needed before the settings, so that a configuration error is translated.
    lang_flag = next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--lang"), None)
    lang_flag = next((a.split("=", 1)[1] for a in argv if a.startswith("--lang=")), lang_flag)
    set_language(detect_language(lang_flag))

    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return int(exc.code) if isinstance(exc.code, int) else 2
    register_secret(getattr(args, "api_token", None))
    handler = args.handler
    try:
        if len(inspect.signature(handler).parameters) == 1:
            # The reference server needs none of the player's settings (and must start even
            # when the player's config file is broken).
            configure_logging(
                getattr(args, "log_level", "info"), getattr(args, "log_format", "auto")
            )
            return int(handler(args))
        settings: Settings = load_settings(_cli_values(args))
        set_language(detect_language(settings.lang))
        register_secret(settings.api_token)
        configure_logging(settings.log_level, settings.log_format)
        return int(handler(args, settings))
    except AimcoachError as exc:  # ConfigError included
        # A message may quote a value the user typed (a URL, a path) that holds a token.
        print(redact(f"aimcoach: {exc}"), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(t("cli.interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`aimcoach status | head`): stop quietly, as Unix tools do.
        # Point stdout at devnull so the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as exc:  # a bug: one clear line, the traceback only in the debug log
        if not structlog.is_configured():
            configure_logging(
                getattr(args, "log_level", "info"), getattr(args, "log_format", "auto")
            )
        structlog.get_logger().debug("cli.unexpected", exc_info=exc)
        error = f"{type(exc).__name__}: {exc}"
        print(redact(f"aimcoach: {t('cli.unexpected', error=error)}"), file=sys.stderr)
        return 1


def console_main() -> None:
    # Under pythonw.exe (the Windows start-at-login task) there is no console at all:
    # sys.stdout and sys.stderr are None, and the first print or log line would fail.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    raise SystemExit(main())
