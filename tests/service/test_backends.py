"""install / status / uninstall of the three backends, in a temporary home, with a fake OS."""

from __future__ import annotations

import plistlib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from _service_support import FakeOS, make_host, tree

from aimcoach.service import (
    LABEL,
    LaunchAgent,
    ScheduledTask,
    ServiceError,
    SystemdUser,
    manager_for,
    render_plist,
    render_task_xml,
    render_unit,
)

ARGV = ["/home/player/venv/bin/python", "-m", "aimcoach", "run"]
UNIT = ".config/systemd/user/aimcoach.service"
WANTS = ".config/systemd/user/default.target.wants/aimcoach.service"
PLIST = f"Library/LaunchAgents/{LABEL}.plist"


def test_each_os_gets_its_own_manager(home: Path) -> None:
    fake = FakeOS(home)
    assert isinstance(manager_for(make_host("linux", home, fake)), SystemdUser)
    assert isinstance(manager_for(make_host("darwin", home, fake)), LaunchAgent)
    assert isinstance(manager_for(make_host("windows", home, fake)), ScheduledTask)


# -- Linux ------------------------------------------------------------------------------------


def test_systemd_round_trip(home: Path) -> None:
    fake = FakeOS(home)
    manager = manager_for(make_host("linux", home, fake))
    before = tree(home)
    assert manager.status().installed is False

    result = manager.install(ARGV)
    assert (result.kind, result.location, result.command, result.started) == (
        "systemd",
        str(home / UNIT),
        ARGV,
        True,
    )
    assert (home / UNIT).read_text(encoding="utf-8") == render_unit(ARGV)
    assert (home / WANTS).readlink() == home / UNIT
    assert fake.programs() == [
        "systemctl --version",
        "systemctl --user enable aimcoach.service",
        "systemctl --user daemon-reload",
        "systemctl --user restart aimcoach.service",
    ]
    status = manager.status()
    assert status.installed and status.command == ARGV
    assert (status.manager_state, status.manager_error) == ("enabled, active", None)

    fake.calls.clear()
    gone = manager.uninstall()
    assert gone.removed and gone.manager_error is None
    assert fake.programs() == [
        "systemctl --user disable aimcoach.service",
        "systemctl --user stop aimcoach.service",
        "systemctl --user daemon-reload",
    ]
    assert fake.active is False
    assert tree(home) == before  # every file and folder install made is gone

    again = manager.uninstall()
    assert again.removed is False


def test_systemd_keeps_folders_that_were_there_before(home: Path) -> None:
    mine = home / ".config" / "systemd" / "user" / "mine.service"
    mine.parent.mkdir(parents=True)
    mine.write_text("[Service]\n", encoding="utf-8")
    manager = manager_for(make_host("linux", home, FakeOS(home)))
    before = tree(home)
    manager.install(ARGV)
    manager.uninstall()
    assert tree(home) == before


def test_systemd_reinstall_replaces_the_command_and_restarts(home: Path) -> None:
    fake = FakeOS(home)
    manager = manager_for(make_host("linux", home, fake))
    manager.install(ARGV)
    manager.install(["/opt/aimcoach", "run"])
    assert manager.status().command == ["/opt/aimcoach", "run"]
    assert fake.programs().count("systemctl --user restart aimcoach.service") == 2


def test_systemd_without_systemctl_changes_nothing(home: Path) -> None:
    fake = FakeOS(home, missing=["systemctl"])
    manager = manager_for(make_host("linux", home, fake))
    before = tree(home)
    with pytest.raises(ServiceError) as caught:
        manager.install(ARGV)
    assert caught.value.key == "service.no_systemd"
    assert tree(home) == before
    assert manager.uninstall().removed is False


def test_systemd_without_a_session_bus_enables_for_the_next_login(home: Path) -> None:
    # SSH, a container, this sandbox: `enable` works on files, starting needs the bus.
    fake = FakeOS(home, bus=False)
    manager = manager_for(make_host("linux", home, fake))
    before = tree(home)
    with pytest.raises(ServiceError) as caught:
        manager.install(ARGV)
    assert caught.value.key == "service.enabled_not_started"
    assert caught.value.params["command"] == "systemctl --user start aimcoach.service"
    assert "Failed to connect to bus" in caught.value.params["error"]
    assert (home / UNIT).is_file() and (home / WANTS).is_symlink()

    status = manager.status()
    assert status.installed
    assert status.manager_state == "enabled"  # read from the files
    assert status.manager_error is not None and "bus" in status.manager_error

    gone = manager.uninstall()
    assert gone.removed
    assert gone.manager_error is not None and "bus" in gone.manager_error
    assert tree(home) == before


def test_systemd_enable_failing_keeps_the_unit_and_says_how(home: Path) -> None:
    fake = FakeOS(home, fail={("systemctl", "--user", "enable"): (1, "", "Access denied")})
    manager = manager_for(make_host("linux", home, fake))
    before = tree(home)
    with pytest.raises(ServiceError) as caught:
        manager.install(ARGV)
    assert caught.value.key == "service.manager_unreachable"
    assert caught.value.params["path"] == str(home / UNIT)
    assert caught.value.params["error"] == "Access denied"
    assert caught.value.params["command"] == "systemctl --user enable --now aimcoach.service"
    assert manager.uninstall().removed
    assert tree(home) == before


def test_systemd_start_failing_is_reported(home: Path) -> None:
    fake = FakeOS(
        home,
        fail={
            ("systemctl", "--user", "restart"): (
                1,
                "",
                "Job for aimcoach.service failed because the control process exited.\nSee more.",
            )
        },
    )
    with pytest.raises(ServiceError) as caught:
        manager_for(make_host("linux", home, fake)).install(ARGV)
    assert caught.value.key == "service.start_failed"
    assert caught.value.params["error"] == (
        "Job for aimcoach.service failed because the control process exited."
    )


def test_systemd_install_without_starting(home: Path) -> None:
    fake = FakeOS(home)
    result = manager_for(make_host("linux", home, fake)).install(ARGV, start=False)
    assert result.started is False
    assert fake.programs() == ["systemctl --version", "systemctl --user enable aimcoach.service"]
    assert (home / WANTS).is_symlink()


def test_systemd_follows_xdg_config_home(home: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "cfg"
    fake = FakeOS(home)
    fake.unit_dir = elsewhere / "systemd" / "user"
    host = make_host("linux", home, fake)
    host = type(host)(**{**host.__dict__, "environ": {"XDG_CONFIG_HOME": str(elsewhere)}})
    result = manager_for(host).install(ARGV)
    assert result.location == str(elsewhere / "systemd" / "user" / "aimcoach.service")
    assert not (home / ".config" / "systemd").exists()


# -- macOS ------------------------------------------------------------------------------------


def test_launchd_round_trip(home: Path) -> None:
    fake = FakeOS(home)
    manager = manager_for(make_host("darwin", home, fake))
    before = tree(home)

    result = manager.install(ARGV)
    assert (result.kind, result.location, result.started) == ("launchd", str(home / PLIST), True)
    assert (home / PLIST).read_bytes() == render_plist(ARGV)
    assert fake.programs() == [
        "launchctl version",
        f"launchctl bootout gui/501/{LABEL}",
        f"launchctl bootstrap gui/501 {home / PLIST}",
    ]
    assert fake.loaded[LABEL]["ProgramArguments"] == ARGV
    status = manager.status()
    assert status.installed and status.command == ARGV
    assert status.manager_state == "loaded, running"

    # A reinstall boots the old copy out first (bootstrap refuses a loaded agent).
    manager.install(["/opt/aimcoach", "run"])
    assert fake.loaded[LABEL]["ProgramArguments"] == ["/opt/aimcoach", "run"]

    fake.calls.clear()
    gone = manager.uninstall()
    assert gone.removed and gone.manager_error is None
    assert fake.programs() == [f"launchctl bootout gui/501/{LABEL}"]
    assert fake.loaded == {}
    assert tree(home) == before
    assert manager.uninstall().removed is False


def test_launchd_uninstall_of_an_agent_that_is_not_loaded(home: Path) -> None:
    fake = FakeOS(home)
    manager = manager_for(make_host("darwin", home, fake))
    manager.install(ARGV, start=False)
    assert fake.loaded == {}  # written only: launchd loads it at the next login
    assert manager.status().manager_state == "not loaded"
    gone = manager.uninstall()
    assert gone.removed and gone.manager_error is None
    assert not (home / PLIST).exists()


def test_launchd_bootstrap_failing_keeps_the_plist_and_says_how(home: Path) -> None:
    fake = FakeOS(
        home,
        fail={
            ("launchctl", "bootstrap"): (
                125,
                "",
                "Bootstrap failed: 125: Domain does not support specified action",
            )
        },
    )
    with pytest.raises(ServiceError) as caught:
        manager_for(make_host("darwin", home, fake)).install(ARGV)
    assert caught.value.key == "service.manager_unreachable"
    assert caught.value.params["command"] == f"launchctl bootstrap gui/501 {home / PLIST}"
    assert (home / PLIST).is_file()


def test_launchd_without_launchctl_changes_nothing(home: Path) -> None:
    fake = FakeOS(home, missing=["launchctl"])
    before = tree(home)
    with pytest.raises(ServiceError) as caught:
        manager_for(make_host("darwin", home, fake)).install(ARGV)
    assert (caught.value.key, caught.value.params) == (
        "service.no_manager",
        {"program": "launchctl"},
    )
    assert tree(home) == before


# -- Windows ----------------------------------------------------------------------------------


def test_task_scheduler_round_trip(home: Path) -> None:
    fake = FakeOS(home)
    manager = manager_for(make_host("windows", home, fake))
    before = tree(home)
    assert manager.status().installed is False
    fake.calls.clear()

    result = manager.install(ARGV)
    assert (result.kind, result.location, result.started) == (
        "task-scheduler",
        "aimcoach-player",
        True,
    )
    create = fake.calls[0]
    assert create[:5] == ["schtasks", "/Create", "/TN", "aimcoach-player", "/XML"]
    assert fake.tasks["aimcoach-player"] == render_task_xml("DESKTOP-1\\player", ARGV)
    assert not Path(create[5]).exists()  # the XML file is temporary
    assert fake.programs()[1:] == ["schtasks /Run /TN aimcoach-player"]
    assert "aimcoach-player" in fake.running_tasks
    status = manager.status()
    assert (status.installed, status.manager_state) == (True, "registered")

    fake.calls.clear()
    gone = manager.uninstall()
    assert gone.removed
    assert fake.programs() == [
        "schtasks /Query /TN aimcoach-player",
        "schtasks /End /TN aimcoach-player",
        "schtasks /Delete /TN aimcoach-player /F",
    ]
    assert fake.tasks == {} and fake.running_tasks == set()
    assert tree(home) == before
    assert manager.uninstall().removed is False


def test_task_xml_is_utf16_as_schtasks_reads_it(home: Path) -> None:
    seen: list[bytes] = []
    fake = FakeOS(home)

    def runner(argv: list[str]) -> tuple[int, str, str]:
        if argv[:2] == ["schtasks", "/Create"]:
            seen.append(Path(argv[5]).read_bytes())
        return fake(argv)

    host = make_host("windows", home, fake)
    host = type(host)(**{**host.__dict__, "run_command": runner})
    manager_for(host).install(ARGV)
    raw = seen[0]
    assert raw[:2] == b"\xff\xfe"  # UTF-16 with its byte-order mark
    task = ET.fromstring(raw)
    assert task.tag.endswith("Task")


def test_task_scheduler_refusing_changes_nothing(home: Path) -> None:
    fake = FakeOS(home, fail={("schtasks", "/Create"): (1, "", "ERROR: Access is denied.")})
    with pytest.raises(ServiceError) as caught:
        manager_for(make_host("windows", home, fake)).install(ARGV)
    assert caught.value.key == "service.register_failed"
    assert caught.value.params["error"] == "ERROR: Access is denied."
    assert fake.tasks == {}


def test_task_scheduler_missing(home: Path) -> None:
    fake = FakeOS(home, missing=["schtasks"])
    manager = manager_for(make_host("windows", home, fake))
    with pytest.raises(ServiceError) as caught:
        manager.install(ARGV)
    assert caught.value.key == "service.no_manager"
    with pytest.raises(ServiceError) as caught:
        manager.uninstall()
    assert caught.value.key == "service.no_manager"
    status = manager.status()
    assert status.installed is False and status.manager_error is not None


def test_task_scheduler_delete_failing_is_reported(home: Path) -> None:
    fake = FakeOS(home, fail={("schtasks", "/Delete"): (1, "", "ERROR: Access is denied.")})
    manager = manager_for(make_host("windows", home, fake))
    manager.install(ARGV)
    with pytest.raises(ServiceError) as caught:
        manager.uninstall()
    assert caught.value.key == "service.remove_task_failed"
    assert caught.value.params == {"name": "aimcoach-player", "error": "ERROR: Access is denied."}


def test_the_plist_written_is_what_launchd_reads(home: Path) -> None:
    fake = FakeOS(home)
    manager_for(make_host("darwin", home, fake)).install(ARGV)
    assert plistlib.loads((home / PLIST).read_bytes())["Label"] == LABEL
