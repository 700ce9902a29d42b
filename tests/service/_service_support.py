"""A fake OS for the service backends: fake systemctl, launchctl and schtasks over a real home.

Imported by the tests in this folder (``conftest.py`` puts the folder on ``sys.path``).

The fake programs record every call and behave as far as our commands can see like the real
ones: ``systemctl --user enable`` links the unit into ``default.target.wants`` even without a
session bus (it only touches files), while ``daemon-reload``, ``restart`` and ``is-active``
need the bus; ``launchctl bootstrap`` refuses an agent that is already loaded; ``schtasks
/Create /XML`` reads the task file (UTF-16) while the call runs. ``missing`` names programs that
do not exist, ``bus=False`` is a Linux session without a user bus (SSH, a container, this
sandbox), and ``fail`` scripts an answer for any call that starts with the given words.
"""

from __future__ import annotations

import plistlib
from collections.abc import Callable, Sequence
from pathlib import Path

from aimcoach.service import NOT_FOUND, Host, System

Answer = tuple[int, str, str]
_NO_BUS: Answer = (1, "", "Failed to connect to bus: No medium found")


class FakeOS:
    def __init__(
        self,
        home: Path,
        *,
        missing: Sequence[str] = (),
        bus: bool = True,
        fail: dict[tuple[str, ...], Answer] | None = None,
    ) -> None:
        self.home = home
        self.unit_dir = home / ".config" / "systemd" / "user"
        self.missing = set(missing)
        self.bus = bus
        self.fail = dict(fail or {})
        self.calls: list[list[str]] = []
        self.active = False
        self.loaded: dict[str, dict[str, object]] = {}
        self.tasks: dict[str, str] = {}
        self.running_tasks: set[str] = set()

    def __call__(self, argv: Sequence[str]) -> Answer:
        argv = list(argv)
        self.calls.append(argv)
        if argv[0] in self.missing:
            return NOT_FOUND, "", f"[Errno 2] No such file or directory: {argv[0]!r}"
        for prefix, answer in self.fail.items():
            if tuple(argv[: len(prefix)]) == prefix:
                return answer
        handler: Callable[[list[str]], Answer] = {
            "systemctl": self._systemctl,
            "launchctl": self._launchctl,
            "schtasks": self._schtasks,
        }[argv[0]]
        return handler(argv[1:])

    def programs(self) -> list[str]:
        """The calls as one string each, for readable assertions."""
        return [" ".join(call) for call in self.calls]

    # -- systemd ------------------------------------------------------------------------------

    def _systemctl(self, args: list[str]) -> Answer:
        if args == ["--version"]:
            return 0, "systemd 252 (252.38-1~deb12u1)\n", ""
        assert args[0] == "--user", args
        verb, *rest = args[1:]
        link = self.unit_dir / "default.target.wants" / (rest[0] if rest else "")
        if verb == "enable":
            if not (self.unit_dir / rest[0]).is_file():
                return 1, "", f"Failed to enable unit: Unit file {rest[0]} does not exist."
            link.parent.mkdir(parents=True, exist_ok=True)
            link.unlink(missing_ok=True)
            link.symlink_to(self.unit_dir / rest[0])
            return 0, "", f"Created symlink {link} → {self.unit_dir / rest[0]}.\n"
        if verb == "disable":
            if link.is_symlink():
                link.unlink()
                if not any(link.parent.iterdir()):
                    link.parent.rmdir()
            return 0, "", ""
        if verb == "is-enabled":
            if not (self.unit_dir / rest[0]).is_file():
                return 1, "", f"Failed to get unit file state for {rest[0]}: No such file"
            return (0, "enabled\n", "") if link.is_symlink() else (1, "disabled\n", "")
        if not self.bus:
            return _NO_BUS
        if verb == "daemon-reload":
            return 0, "", ""
        if verb == "restart":
            self.active = True
            return 0, "", ""
        if verb == "stop":
            self.active = False
            return 0, "", ""
        if verb == "is-active":
            return (0, "active\n", "") if self.active else (3, "inactive\n", "")
        raise AssertionError(f"unexpected systemctl call: {args}")

    # -- launchd ------------------------------------------------------------------------------

    def _launchctl(self, args: list[str]) -> Answer:
        verb, *rest = args
        if verb == "version":
            return 0, "Darwin Bootstrapper Version 7.0.0\n", ""
        if verb == "bootstrap":
            plist = plistlib.loads(Path(rest[1]).read_bytes())
            label = str(plist["Label"])
            if label in self.loaded:
                return 5, "", "Bootstrap failed: 5: Input/output error"
            self.loaded[label] = plist
            return 0, "", ""
        if verb == "bootout":
            label = rest[0].rsplit("/", 1)[1]
            if self.loaded.pop(label, None) is None:
                return 3, "", "Boot-out failed: 3: No such process"
            return 0, "", ""
        if verb == "print":
            label = rest[0].rsplit("/", 1)[1]
            if label not in self.loaded:
                return 113, "", f"Could not find service {label!r} in domain"
            return 0, f"{rest[0]} = {{\n\tactive count = 1\n\tstate = running\n}}\n", ""
        raise AssertionError(f"unexpected launchctl call: {args}")

    # -- Task Scheduler -----------------------------------------------------------------------

    def _schtasks(self, args: list[str]) -> Answer:
        verb, _tn, name, *rest = args
        if verb == "/Create":
            assert rest[0] == "/XML" and rest[2] == "/F", rest
            self.tasks[name] = Path(rest[1]).read_text(encoding="utf-16")
            return 0, f'SUCCESS: The scheduled task "{name}" has successfully been created.\n', ""
        if name not in self.tasks:
            return 1, "", "ERROR: The system cannot find the file specified."
        if verb == "/Query":
            return 0, f"TaskName  Status\n{name}  Ready\n", ""
        if verb == "/Run":
            self.running_tasks.add(name)
            return 0, "SUCCESS: Attempted to run the scheduled task.\n", ""
        if verb == "/End":
            self.running_tasks.discard(name)
            return 0, "SUCCESS: The scheduled task was terminated.\n", ""
        if verb == "/Delete":
            del self.tasks[name]
            return 0, "SUCCESS: The scheduled task was successfully deleted.\n", ""
        raise AssertionError(f"unexpected schtasks call: {args}")


def make_host(system: System, home: Path, fake: FakeOS, *, executable: str = "") -> Host:
    return Host(
        system=system,
        home=home,
        run_command=fake,
        environ={"XDG_CONFIG_HOME": str(home / ".config")} if system == "linux" else {},
        uid=501 if system == "darwin" else None,
        user="DESKTOP-1\\player" if system == "windows" else "player",
        executable=executable or str(home / "venv" / "bin" / "python"),
        frozen=False,
    )


def tree(root: Path) -> dict[str, str]:
    """Every file, link and folder under ``root``, with the content of files (a snapshot)."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            out[rel] = f"-> {path.readlink()}"
        elif path.is_dir():
            out[rel + "/"] = ""
        else:
            out[rel] = path.read_bytes().hex()
    return out
