"""The service definitions as written: systemd unit, launchd plist, Task Scheduler XML, argv."""

from __future__ import annotations

import plistlib
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import aimcoach.service
from aimcoach.actors.supervisor import Intensity
from aimcoach.service import (
    LABEL,
    Host,
    ServiceError,
    agent_command,
    current_host,
    render_plist,
    render_task_xml,
    render_unit,
    restart_policy,
    task_name,
    unit_command,
)

_TASK_NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}


def _runner(argv: object) -> tuple[int, str, str]:
    raise AssertionError("no command may run while rendering")


def _host(tmp_path: Path, **changes: object) -> Host:
    fields: dict[str, object] = {
        "system": "linux",
        "home": tmp_path,
        "run_command": _runner,
        "executable": "/opt/py/bin/python",
    }
    fields.update(changes)
    return Host(**fields)  # type: ignore[arg-type]


# -- the restart rule -------------------------------------------------------------------------


def test_the_restart_rule_is_the_supervisors() -> None:
    policy = restart_policy()
    # The supervisor's default Intensity: 5 restarts in 60 s.
    assert (policy.max_restarts, policy.window_s) == (5, 60)
    # A crash loop must reach the limit inside the window: 5 pauses of 6 s take 30 s.
    assert policy.restart_delay_s * policy.max_restarts < policy.window_s
    # launchd only spaces starts: 12 s apart is at most 5 in 60 s.
    assert policy.min_interval_s == 12


def test_the_restart_rule_follows_another_intensity() -> None:
    policy = restart_policy(Intensity(max_restarts=3, window_s=30.5))
    assert (policy.max_restarts, policy.window_s) == (3, 31)
    assert policy.restart_delay_s == 5
    assert policy.min_interval_s == 11


# -- systemd ----------------------------------------------------------------------------------


def test_the_systemd_unit() -> None:
    assert render_unit(["/opt/py/bin/python", "-m", "aimcoach", "run"]) == (
        "# Written by `aimcoach service install`; `aimcoach service uninstall` removes it.\n"
        "[Unit]\n"
        "Description=aimcoach: delivers finished KovaaK's and Aim Lab runs to AimCoach\n"
        "# The same rule as aimcoach's own supervisor: at most 5 restarts in 60 s, then stop "
        "trying.\n"
        "StartLimitIntervalSec=60\n"
        "StartLimitBurst=5\n"
        "\n"
        "[Service]\n"
        "Type=simple\n"
        "ExecStart=/opt/py/bin/python -m aimcoach run\n"
        "Restart=on-failure\n"
        "RestartSec=6\n"
        "RestartPreventExitStatus=2\n"
        "\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )


def test_unit_words_with_spaces_quotes_and_specifiers_are_quoted() -> None:
    argv = ["/home/p/My Games/aim coach", "run", "--config", '/x/"50%" $HOME.toml']
    line = next(x for x in render_unit(argv).splitlines() if x.startswith("ExecStart="))
    # % and $ are systemd specifiers and variables: doubled, they stay literal.
    assert line == 'ExecStart="/home/p/My Games/aim coach" run --config "/x/\\"50%%\\" $$HOME.toml"'
    assert unit_command(render_unit(argv)) == argv


@given(
    st.lists(
        st.text(st.characters(blacklist_categories=("Cs", "Cc"))).map(str.strip).filter(bool),
        min_size=1,
        max_size=5,
    )
)
def test_the_unit_command_reads_back_as_written(argv: list[str]) -> None:
    assert unit_command(render_unit(argv)) == argv


@pytest.mark.parametrize("char", ["\n", "\r", "\t", "\x0c", "\x7f"])
def test_a_control_character_in_a_path_is_refused(char: str) -> None:
    with pytest.raises(ServiceError) as caught:
        render_unit([f"/opt/evil{char}ExecStartPre=/bin/rm", "run"])
    assert caught.value.key == "service.bad_path"
    assert "\\" in caught.value.params["path"]  # shown escaped, on one line


# -- launchd ----------------------------------------------------------------------------------


def test_the_launch_agent() -> None:
    plist = plistlib.loads(render_plist(["/Applications/aimcoach", "run"]))
    assert plist == {
        "Label": LABEL,
        "ProgramArguments": ["/Applications/aimcoach", "run"],
        "RunAtLoad": True,
        # Started again after a failure, not after a clean stop (ctl stop, logout).
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": 12,
        "ProcessType": "Background",
    }


# -- Task Scheduler ---------------------------------------------------------------------------


def _task(xml: str) -> ET.Element:
    # ElementTree refuses a str that declares an encoding; schtasks gets UTF-16 bytes.
    return ET.fromstring(xml.encode("utf-16"))


def test_the_scheduled_task() -> None:
    argv = [r"C:\Users\player\aimcoach.exe", "run", "--config", r"C:\Users\player\my cfg.toml"]
    task = _task(render_task_xml("DESKTOP-1\\player", argv))

    def text(path: str) -> str | None:
        return task.findtext(path, namespaces=_TASK_NS)

    assert text("t:Triggers/t:LogonTrigger/t:UserId") == "DESKTOP-1\\player"
    assert text("t:Triggers/t:LogonTrigger/t:Enabled") == "true"
    assert text("t:Principals/t:Principal/t:UserId") == "DESKTOP-1\\player"
    assert text("t:Principals/t:Principal/t:LogonType") == "InteractiveToken"
    assert text("t:Principals/t:Principal/t:RunLevel") == "LeastPrivilege"
    assert text("t:Settings/t:Hidden") == "true"
    # The default limit (72 hours) would stop the agent every three days.
    assert text("t:Settings/t:ExecutionTimeLimit") == "PT0S"
    assert text("t:Settings/t:DisallowStartIfOnBatteries") == "false"
    assert text("t:Settings/t:StopIfGoingOnBatteries") == "false"
    assert text("t:Settings/t:MultipleInstancesPolicy") == "IgnoreNew"
    assert text("t:Settings/t:RestartOnFailure/t:Count") == "5"
    assert text("t:Settings/t:RestartOnFailure/t:Interval") == "PT1M"
    assert text("t:Actions/t:Exec/t:Command") == r"C:\Users\player\aimcoach.exe"
    assert text("t:Actions/t:Exec/t:Arguments") == r'run --config "C:\Users\player\my cfg.toml"'


def test_task_xml_escapes_what_xml_would_misread() -> None:
    argv = [r"C:\Games & Tools\<aim>\aimcoach.exe", "run"]
    task = _task(render_task_xml("PC\\a&b", argv))
    assert task.findtext("t:Actions/t:Exec/t:Command", namespaces=_TASK_NS) == argv[0]
    assert task.findtext("t:Triggers/t:LogonTrigger/t:UserId", namespaces=_TASK_NS) == "PC\\a&b"


@pytest.mark.parametrize(
    ("user", "name"),
    [
        ("DESKTOP-1\\player", "aimcoach-player"),
        ("player", "aimcoach-player"),
        ("WORK\\ユーザー", "aimcoach-ユーザー"),
        ('PC\\a:b*c?"d', "aimcoach-a_b_c__d"),
        ("PC\\", "aimcoach-user"),
    ],
)
def test_the_task_is_named_after_the_user(user: str, name: str) -> None:
    assert task_name(user) == name


# -- the command line -------------------------------------------------------------------------


def test_a_python_install_runs_this_python_with_dash_m(tmp_path: Path) -> None:
    host = _host(tmp_path)
    assert agent_command(host) == ["/opt/py/bin/python", "-m", "aimcoach", "run"]


def test_a_one_file_executable_runs_itself(tmp_path: Path) -> None:
    host = _host(tmp_path, executable="/opt/aimcoach", frozen=True)
    assert agent_command(host) == ["/opt/aimcoach", "run"]


def test_an_explicit_config_file_is_passed_on(tmp_path: Path) -> None:
    host = _host(tmp_path, executable="/opt/aimcoach", frozen=True)
    config = tmp_path / "my config.toml"
    assert agent_command(host, config) == ["/opt/aimcoach", "run", "--config", str(config)]


def test_windows_uses_pythonw_when_it_is_there(tmp_path: Path) -> None:
    scripts = tmp_path / "Scripts"
    scripts.mkdir()
    (scripts / "python.exe").write_bytes(b"")
    host = _host(tmp_path, system="windows", executable=str(scripts / "python.exe"))
    assert agent_command(host)[0] == str(scripts / "python.exe")  # no pythonw.exe yet
    (scripts / "pythonw.exe").write_bytes(b"")
    assert agent_command(host) == [str(scripts / "pythonw.exe"), "-m", "aimcoach", "run"]


def test_the_current_host_is_this_machine(isolated_env: Path) -> None:
    host = current_host()
    assert host.system == "linux"  # the test suite runs on Linux
    assert host.home == isolated_env  # HOME, as the autouse fixture set it
    assert host.config_home() == isolated_env / ".config"
    assert host.frozen is False
    assert Path(host.executable).is_absolute()
    # A real command through the real runner: the test interpreter itself.
    assert host.run_command([host.executable, "-c", "print('ok')"]) == (0, "ok\n", "")
    assert host.run_command(["aimcoach-no-such-program"])[0] == aimcoach.service.NOT_FOUND


def test_xdg_config_home_must_be_absolute_to_count(tmp_path: Path) -> None:
    assert _host(tmp_path, environ={"XDG_CONFIG_HOME": "rel"}).config_home() == tmp_path / ".config"
    assert _host(tmp_path, environ={"XDG_CONFIG_HOME": "/x"}).config_home() == Path("/x")


def test_windows_arguments_quote_as_the_c_runtime_reads_them() -> None:
    argv = [r"C:\py\pythonw.exe", "-m", "aimcoach", "run", "--config", r"C:\a b\c.toml"]
    arguments = _task(render_task_xml("u", argv)).findtext(
        "t:Actions/t:Exec/t:Arguments", namespaces=_TASK_NS
    )
    assert arguments == subprocess.list2cmdline(argv[1:])


def test_public_surface() -> None:
    assert sorted(aimcoach.service.__all__) == sorted(
        [
            "LABEL",
            "NOT_FOUND",
            "UNIT_NAME",
            "Host",
            "InstallResult",
            "Kind",
            "LaunchAgent",
            "RestartPolicy",
            "Runner",
            "ScheduledTask",
            "ServiceError",
            "ServiceManager",
            "ServiceStatus",
            "System",
            "SystemdUser",
            "UninstallResult",
            "agent_command",
            "current_host",
            "manager_for",
            "render_plist",
            "render_task_xml",
            "render_unit",
            "restart_policy",
            "run_subprocess",
            "task_name",
            "this_system",
            "unit_command",
        ]
    )
