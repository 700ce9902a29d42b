"""Linux: a ``systemd --user`` unit, ``~/.config/systemd/user/aimcoach.service``.

``install`` writes the unit, then ``systemctl --user daemon-reload``, ``enable`` (a link in
``default.target.wants``, so it starts at every login) and ``restart`` (started now, or restarted
with a new command line after a reinstall). Where the user's service manager cannot be reached
(no session bus: SSH, containers) the unit file stays written and the error says how to enable it
by hand; where there is no ``systemctl`` at all, nothing is written. ``uninstall`` disables and
stops the unit and removes what ``install`` made, even when the manager cannot be reached.

This module writes only under the user's config folder (``$XDG_CONFIG_HOME``, else ``~/.config``).
"""

from __future__ import annotations

import re

from aimcoach.service._files import prune_empty_dirs, remove_file, write_text_atomic
from aimcoach.service._model import (
    NOT_FOUND,
    Host,
    InstallResult,
    RestartPolicy,
    ServiceError,
    ServiceStatus,
    UninstallResult,
    restart_policy,
)

__all__ = ["UNIT_NAME", "SystemdUser", "render_unit", "unit_command"]

UNIT_NAME = "aimcoach.service"
# Characters that need no quoting in an ExecStart= word.
_PLAIN = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")
# Exit code 2 is a usage or configuration error: starting again cannot fix it.
_NO_RESTART_EXIT = 2


def _quote(word: str) -> str:
    """One ExecStart= word: ``%`` and ``$`` are systemd specifiers, doubled to stay literal."""
    # A control character (a line break above all) could end the line and start another key.
    if any(ord(c) < 0x20 or c == "\x7f" for c in word):
        raise ServiceError("service.bad_path", path=word.encode("unicode_escape").decode("ascii"))
    word = word.replace("%", "%%").replace("$", "$$")
    if _PLAIN.fullmatch(word):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_unit(argv: list[str], policy: RestartPolicy | None = None) -> str:
    policy = policy or restart_policy()
    command = " ".join(_quote(word) for word in argv)
    return (
        "# Written by `aimcoach service install`; `aimcoach service uninstall` removes it.\n"
        "[Unit]\n"
        "Description=aimcoach: delivers finished KovaaK's and Aim Lab runs to AimCoach\n"
        "# The same rule as aimcoach's own supervisor: at most "
        f"{policy.max_restarts} restarts in {policy.window_s} s, then stop trying.\n"
        f"StartLimitIntervalSec={policy.window_s}\n"
        f"StartLimitBurst={policy.max_restarts}\n"
        "\n"
        "[Service]\n"
        "Type=simple\n"
        f"ExecStart={command}\n"
        "Restart=on-failure\n"
        f"RestartSec={policy.restart_delay_s}\n"
        f"RestartPreventExitStatus={_NO_RESTART_EXIT}\n"
        "\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )


def _unquote(text: str) -> list[str]:
    words: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == " ":
            i += 1
            continue
        if text[i] == '"':
            j, word = i + 1, []
            while j < len(text) and text[j] != '"':
                if text[j] == "\\" and j + 1 < len(text):
                    j += 1
                word.append(text[j])
                j += 1
            words.append("".join(word))
            i = j + 1
        else:
            j = text.find(" ", i)
            j = len(text) if j < 0 else j
            words.append(text[i:j])
            i = j
    return [w.replace("%%", "%").replace("$$", "$") for w in words]


def unit_command(unit_text: str) -> list[str] | None:
    """The argv of the unit's ExecStart= line (as :func:`render_unit` writes it)."""
    for line in unit_text.split("\n"):  # systemd's lines: not splitlines()' many breaks
        if line.startswith("ExecStart="):
            return _unquote(line.removeprefix("ExecStart="))
    return None


class SystemdUser:
    kind = "systemd"

    def __init__(self, host: Host) -> None:
        self._host = host
        self.unit_dir = host.config_home() / "systemd" / "user"
        self.unit_path = self.unit_dir / UNIT_NAME
        # Where `systemctl --user enable` links the unit (WantedBy=default.target).
        self._wants_link = self.unit_dir / "default.target.wants" / UNIT_NAME

    def _systemctl(self, *args: str) -> tuple[int, str, str]:
        return self._host.run_command(["systemctl", "--user", *args])

    def _error(self, code: int, out: str, err: str) -> str:
        return (err.strip() or out.strip() or f"exit code {code}").splitlines()[0]

    def install(self, argv: list[str], *, start: bool = True) -> InstallResult:
        code, out, err = self._host.run_command(["systemctl", "--version"])
        if code == NOT_FOUND:
            raise ServiceError("service.no_systemd")
        write_text_atomic(self.unit_path, render_unit(argv))
        # `enable` only links files, so it works even where the user's manager cannot be
        # reached: the unit then starts at the next login all the same.
        code, out, err = self._systemctl("enable", UNIT_NAME)
        if code != 0:
            raise ServiceError(
                "service.manager_unreachable",
                path=str(self.unit_path),
                manager="systemd (systemctl --user)",
                error=self._error(code, out, err),
                command=f"systemctl --user enable --now {UNIT_NAME}",
            )
        if start:
            # Starting needs the running manager (over the user's session bus).
            code, out, err = self._systemctl("daemon-reload")
            if code != 0:
                raise ServiceError(
                    "service.enabled_not_started",
                    location=str(self.unit_path),
                    manager="systemd (systemctl --user)",
                    error=self._error(code, out, err),
                    command=f"systemctl --user start {UNIT_NAME}",
                )
            # restart, not start: after a reinstall the new command line takes effect now.
            code, out, err = self._systemctl("restart", UNIT_NAME)
            if code != 0:
                raise ServiceError(
                    "service.start_failed",
                    location=str(self.unit_path),
                    error=self._error(code, out, err),
                )
        return InstallResult("systemd", str(self.unit_path), argv, started=start)

    def uninstall(self) -> UninstallResult:
        if not self.unit_path.exists() and not self._wants_link.is_symlink():
            return UninstallResult("systemd", str(self.unit_path), removed=False)
        manager_error = None
        # `disable` works without the manager (it removes the link); `stop` needs it.
        for step in (("disable", UNIT_NAME), ("stop", UNIT_NAME)):
            code, out, err = self._systemctl(*step)
            if code != 0 and manager_error is None:
                manager_error = self._error(code, out, err)
        if self._wants_link.is_symlink():
            remove_file(self._wants_link)
        remove_file(self.unit_path)
        if manager_error is None:
            self._systemctl("daemon-reload")  # forget the unit now, not at the next login
        prune_empty_dirs(self._wants_link.parent, stop=self._host.config_home())
        return UninstallResult(
            "systemd", str(self.unit_path), removed=True, manager_error=manager_error
        )

    def status(self) -> ServiceStatus:
        installed = self.unit_path.is_file()
        command = None
        if installed:
            try:
                command = unit_command(self.unit_path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                command = None
        states: list[str] = []
        manager_error = None
        # Nothing to ask about a unit that is not there (and systemctl would call that an error).
        for query in ("is-enabled", "is-active") if installed else ():
            code, out, err = self._systemctl(query, UNIT_NAME)
            # They answer on stdout, and exit non-zero for "disabled" and "inactive"; no answer
            # means the manager could not be asked (is-enabled reads files and still answers).
            answer = out.strip().splitlines()[0] if out.strip() else ""
            if answer:
                states.append(answer)
            elif manager_error is None:
                manager_error = self._error(code, out, err)
        return ServiceStatus(
            kind="systemd",
            location=str(self.unit_path),
            installed=installed,
            command=command,
            manager_state=", ".join(states) or None,
            manager_error=manager_error,
        )
