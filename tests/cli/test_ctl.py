"""``aimcoach ctl``: finding the run, talking to its real status server, and the text it shows.

The status server is real (trio-websocket on 127.0.0.1); for the synchronous command handlers it
runs in a thread with its own trio loop, as a separate ``aimcoach run`` process would."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import queue
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import platformdirs
import pytest
import trio

from aimcoach._logging import configure_logging
from aimcoach.actors._runtime import (
    RUNTIME_FILE_NAME,
    RuntimeInfo,
    default_runtime_dir,
    read_runtime_file,
    write_runtime_file,
)
from aimcoach.actors.status_server import status_server
from aimcoach.cli._ctl import (
    CtlError,
    NoRunningAgent,
    ctl_command,
    ctl_request,
    ctl_stop,
    live_summary,
    render_live_summary,
    render_snapshot,
    runtime_dir,
)
from aimcoach.config import Discovery, Settings, load_settings
from aimcoach.i18n import CATALOG, set_language, t

SNAPSHOT: dict[str, Any] = {
    "schema": 1,
    "pid": 4242,
    "version": "0.1.0",
    "started_at": "2024-05-01T10:00:00Z",
    "uptime_s": 3725.9,
    "stopping": False,
    "actors": [
        {
            "name": "kovaaks_watcher",
            "state": "running",
            "restarts": 0,
            "last_error": None,
            "started_at": "2024-05-01T10:00:00Z",
        },
        {
            "name": "sender",
            "state": "restarting",
            "restarts": 2,
            "last_error": "The ingest API did not answer",
            "started_at": "2024-05-01T10:50:00Z",
        },
    ],
    "channels": {
        "files": {"used": 3, "size": 16, "waiting_send": 0, "waiting_receive": 0},
        "outbox": {"used": 0, "size": None, "waiting_send": 0, "waiting_receive": 1},
    },
    "counters": {
        "sent": 40,
        "files_seen": 12,
        "records_parsed": 41,
        "quarantined": 1,
        "duplicates_skipped": 0,
        "pending": 1,
        "accepted": 39,
        "rejected": 1,
        "retries": 2,
        "bytes_read": 9000,
    },
    "token": {"expires_at": "2024-05-13T10:00:00Z", "relink_needed": False},
    "last_delivery": "2024-05-01T11:02:00Z",
}
NOW = datetime(2024, 5, 1, 11, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def logs_to_stderr() -> None:
    """As ``main`` does: log lines go to stderr, so stdout holds only what ctl prints."""
    configure_logging("info", "json", stream=sys.stderr)


@pytest.fixture
def settings() -> Settings:
    # conftest sets AIMCOACH_STATE_DIR: the runtime file lives in that (explicit) state folder
    return load_settings({}, discovery=Discovery())


@contextmanager
def agent_in_thread(
    directory: Path,
    snapshot: Callable[[], dict[str, Any]] = lambda: SNAPSHOT,
    *,
    close_on_stop: bool = True,
) -> Iterator[list[bool]]:
    """A status server in its own thread and trio loop; yields the list of stop calls."""
    stops: list[bool] = []
    ready: queue.Queue[tuple[trio.lowlevel.TrioToken, trio.CancelScope] | BaseException] = (
        queue.Queue()
    )

    async def agent() -> None:
        async with trio.open_nursery() as nursery:

            def stop() -> None:
                stops.append(True)
                if close_on_stop:
                    # the run ends shortly after a stop: its status server goes away
                    nursery.cancel_scope.cancel()

            await nursery.start(partial(status_server, snapshot, stop, runtime_dir=directory))
            ready.put((trio.lowlevel.current_trio_token(), nursery.cancel_scope))

    def main() -> None:
        try:
            trio.run(agent)
        except BaseException as exc:  # surface to the test thread
            ready.put(exc)

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    got = ready.get(timeout=10)
    if isinstance(got, BaseException):
        raise got
    token, scope = got
    try:
        yield stops
    finally:
        if thread.is_alive():
            with suppress(trio.RunFinishedError):  # it may have ended between the two lines
                trio.from_thread.run_sync(scope.cancel, trio_token=token)
        thread.join(timeout=10)
        assert not thread.is_alive()


def ctl_args(action: str, *, as_json: bool = False) -> argparse.Namespace:
    return argparse.Namespace(command="ctl", ctl_command=action, json=as_json)


# -- no run ---------------------------------------------------------------------------------------


async def test_no_runtime_file_means_no_running_agent(tmp_path: Path) -> None:
    with trio.fail_after(10), pytest.raises(NoRunningAgent) as info:
        await ctl_request("status", runtime_dir=tmp_path)
    assert info.value.exit_code == 3
    assert str(info.value) == t("ctl.not_running")
    assert "aimcoach run" in str(info.value)


async def test_a_runtime_file_left_by_a_dead_process_means_no_running_agent(
    tmp_path: Path,
) -> None:
    with trio.fail_after(30):
        dead = await trio.lowlevel.open_process([sys.executable, "-c", "pass"])
        assert await dead.wait() == 0
    write_runtime_file(
        tmp_path, RuntimeInfo(pid=dead.pid, port=1, secret="s" * 43, started_at="", version="0.1.0")
    )
    with trio.fail_after(10), pytest.raises(NoRunningAgent) as info:
        await ctl_request("status", runtime_dir=tmp_path)
    # POSIX: the pid is gone; Windows (no pid check): nothing listens on the port
    assert info.value.key == "ctl.stale"


async def test_a_runtime_file_whose_port_is_closed_means_no_running_agent(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    write_runtime_file(
        tmp_path,
        RuntimeInfo(
            pid=os.getpid(), port=closed_port, secret="s" * 43, started_at="", version="0.1.0"
        ),
    )
    with trio.fail_after(10), pytest.raises(NoRunningAgent) as info:
        await ctl_request("status", runtime_dir=tmp_path)
    assert info.value.key == "ctl.stale"
    assert info.value.exit_code == 3
    assert str(tmp_path / RUNTIME_FILE_NAME) in str(info.value)


@pytest.mark.parametrize(
    "content",
    [b"", b"not json", b"[]", b'{"pid": 1, "port": 0}', b'{"pid": 1, "port": 80}', b"\xff\xfe"],
)
async def test_a_damaged_runtime_file_means_no_running_agent(
    tmp_path: Path, content: bytes
) -> None:
    (tmp_path / RUNTIME_FILE_NAME).write_bytes(content)
    with trio.fail_after(10), pytest.raises(NoRunningAgent) as info:
        await ctl_request("status", runtime_dir=tmp_path)
    assert info.value.key == "ctl.bad_runtime_file"
    assert str(tmp_path / RUNTIME_FILE_NAME) in str(info.value)


# -- a run is up ----------------------------------------------------------------------------------


async def test_status_and_stop_round_trip(tmp_path: Path) -> None:
    stops: list[bool] = []
    accepted: list[bool] = []

    async def agent(task_status: trio.TaskStatus[None]) -> None:
        async with trio.open_nursery() as inner:

            def stop() -> None:
                stops.append(True)
                inner.cancel_scope.cancel()  # the run ends: its socket closes

            await inner.start(partial(status_server, lambda: SNAPSHOT, stop, runtime_dir=tmp_path))
            task_status.started()

    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            await nursery.start(agent)
            reply = await ctl_request("status", runtime_dir=tmp_path)
            assert reply == {"ok": True, "status": SNAPSHOT}
            stopped = await ctl_stop(
                runtime_dir=tmp_path, wait=5, accepted=lambda: accepted.append(True)
            )
    assert stopped is True
    assert stops == [True] and accepted == [True]
    assert not (tmp_path / RUNTIME_FILE_NAME).exists()


async def test_stop_reports_when_the_agent_is_still_finishing(tmp_path: Path) -> None:
    stops: list[bool] = []
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            await nursery.start(
                partial(
                    status_server,
                    lambda: SNAPSHOT,
                    lambda: stops.append(True),
                    runtime_dir=tmp_path,
                )
            )
            stopped = await ctl_stop(runtime_dir=tmp_path, wait=0.2)
            nursery.cancel_scope.cancel()
    assert stopped is False
    assert stops == [True]


async def test_a_wrong_secret_is_reported_as_refused(tmp_path: Path) -> None:
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            await nursery.start(
                partial(status_server, lambda: SNAPSHOT, lambda: None, runtime_dir=tmp_path)
            )
            info = read_runtime_file(tmp_path)
            assert info is not None
            forged = dataclasses.replace(info, secret="guessed")
            write_runtime_file(tmp_path, forged)
            with pytest.raises(CtlError) as err:
                await ctl_request("status", runtime_dir=tmp_path)
            nursery.cancel_scope.cancel()
    assert err.value.key == "ctl.refused"
    assert err.value.exit_code == 1
    assert "403" in str(err.value)


async def test_an_agent_that_does_not_answer_times_out(tmp_path: Path) -> None:
    with trio.fail_after(10):
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        port = listeners[0].socket.getsockname()[1]
        write_runtime_file(
            tmp_path,
            RuntimeInfo(
                pid=os.getpid(), port=port, secret="s" * 43, started_at="", version="0.1.0"
            ),
        )
        async with trio.open_nursery() as nursery:

            async def silent(stream: trio.SocketStream) -> None:
                async with stream:
                    await trio.sleep_forever()

            await nursery.start(trio.serve_listeners, silent, listeners)
            with pytest.raises(CtlError) as err:
                await ctl_request("status", runtime_dir=tmp_path, timeout=0.3)
            nursery.cancel_scope.cancel()
    assert err.value.key == "ctl.timeout"
    assert "0.3" in str(err.value)


# -- the command handler --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_ctl_status_prints_the_snapshot_for_people(
    settings: Settings, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    set_language(lang)  # type: ignore[arg-type]
    with agent_in_thread(runtime_dir(settings)):
        assert ctl_command(ctl_args("status"), settings) == 0
    out = capsys.readouterr().out
    i = 0 if lang == "en" else 1
    assert CATALOG["ctl.actors"][i] in out
    assert CATALOG["ctl.state.restarting"][i] in out
    assert CATALOG["ctl.restarts"][i].format(count=2) in out
    assert CATALOG["ctl.last_error"][i].format(error="The ingest API did not answer") in out
    assert CATALOG["ctl.counter.duplicates_skipped"][i] in out
    assert CATALOG["ctl.last_delivery"][i].format(at="2024-05-01T11:02:00Z") in out
    assert "1:02:05" in out  # 3725.9 s of uptime


def test_ctl_status_json_prints_the_snapshot(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    with agent_in_thread(runtime_dir(settings)):
        assert ctl_command(ctl_args("status", as_json=True), settings) == 0
    assert json.loads(capsys.readouterr().out) == SNAPSHOT


def test_ctl_stop_asks_the_agent_to_stop_and_waits_for_it(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    with agent_in_thread(runtime_dir(settings)) as stops:
        assert ctl_command(ctl_args("stop"), settings) == 0
    assert stops == [True]
    assert capsys.readouterr().out.splitlines() == [t("ctl.stop_requested"), t("ctl.stopped")]


def test_ctl_without_a_run_raises_no_running_agent(settings: Settings) -> None:
    with pytest.raises(NoRunningAgent) as info:
        ctl_command(ctl_args("status"), settings)
    assert info.value.exit_code == 3


def test_live_summary_is_none_without_a_run_and_the_snapshot_with_one(
    settings: Settings,
) -> None:
    assert live_summary(settings) is None
    assert render_live_summary(None) == [t("ctl.summary_not_running")]
    with agent_in_thread(runtime_dir(settings)):
        summary = live_summary(settings)
    assert summary == SNAPSHOT
    lines = render_live_summary(summary)
    assert lines[0] == t("ctl.summary_title")
    assert all(line == "" or line.startswith("  ") for line in lines[1:])


def test_live_summary_reports_an_agent_that_refuses(settings: Settings) -> None:
    directory = runtime_dir(settings)
    with agent_in_thread(directory):
        info = read_runtime_file(directory)
        assert info is not None
        write_runtime_file(directory, dataclasses.replace(info, secret="guessed"))
        summary = live_summary(settings)
    assert summary is not None and "403" in summary["error"]
    assert render_live_summary(summary)[1].strip() == summary["error"]


# -- rendering ------------------------------------------------------------------------------------


def test_render_snapshot_in_english() -> None:
    lines = render_snapshot(SNAPSHOT, now=NOW)
    assert lines[0] == t("ctl.title", pid=4242, version="0.1.0", uptime="1:02:05")
    text = "\n".join(lines)
    assert "kovaaks_watcher  running  restarts: 0" in text
    assert "sender           restarting after an error  restarts: 2" in text
    assert "last error: The ingest API did not answer" in text
    assert "files   3/16" in text and "outbox  0/∞" in text
    # known counters in their fixed order, translated; unknown ones after them, as they are
    counters = lines[lines.index(t("ctl.counters")) + 1 :][:10]
    assert [c.split("  ")[1].strip() for c in counters] == [
        "stats files seen",
        "runs read",
        "inputs set aside",
        "duplicates skipped",
        "waiting to be sent",
        "sent",
        "accepted by the server",
        "rejected by the server",
        "retries",
        "bytes_read",
    ]
    # expires 2024-05-13T10:00Z, now 2024-05-01T11:05Z: 11.96 days, which `status` rounds to 12
    assert t("ctl.token_valid", expires_at="2024-05-13T10:00:00Z", days=12) in lines
    assert lines[-1] == t("ctl.last_delivery", at="2024-05-01T11:02:00Z")


def test_render_snapshot_in_japanese() -> None:
    set_language("ja")
    text = "\n".join(render_snapshot(SNAPSHOT, now=NOW))
    assert "構成要素:" in text
    assert "エラー後の再起動待ち" in text
    assert "再起動: 2 回" in text
    assert "最後のエラー: The ingest API did not answer" in text
    assert "スキップした重複" in text
    assert "残り 12 日" in text  # 11.95 days: to the nearest day, as `status` counts
    assert "稼働時間 1:02:05" in text


@pytest.mark.parametrize(
    ("token", "key", "params"),
    [
        (None, "ctl.token_not_linked", {}),
        ({"expires_at": None, "relink_needed": True}, "ctl.token_relink", {}),
        ({"expires_at": "2024-06-01T00:00:00Z", "relink_needed": True}, "ctl.token_relink", {}),
        ({"expires_at": None, "relink_needed": False}, "ctl.token_linked", {}),
        (
            {"expires_at": "2024-04-30T00:00:00Z", "relink_needed": False},
            "ctl.token_expired",
            {"expires_at": "2024-04-30T00:00:00Z"},
        ),
        (
            {"expires_at": "garbage", "relink_needed": False},
            "ctl.token_valid",
            {"expires_at": "garbage", "days": "?"},
        ),
    ],
)
def test_render_snapshot_token_states(
    token: dict[str, Any] | None, key: str, params: dict[str, Any]
) -> None:
    lines = render_snapshot({**SNAPSHOT, "token": token, "last_delivery": None}, now=NOW)
    assert t(key, **params) in lines
    assert lines[-1] == t("ctl.last_delivery_never")


def test_render_snapshot_tolerates_a_sparse_or_newer_snapshot() -> None:
    lines = render_snapshot({"actors": [{"name": "x", "state": "hibernating"}], "something_new": 1})
    assert any("x  hibernating" in line for line in lines)
    assert t("ctl.token_not_linked") in lines
    stopping = render_snapshot({**SNAPSHOT, "stopping": True}, now=NOW)
    assert stopping[1] == t("ctl.stopping_now")


# -- where the runtime file lives -----------------------------------------------------------------


def test_an_explicit_state_dir_holds_the_runtime_file(settings: Settings) -> None:
    assert settings.sources["state_dir"] == "env"
    assert runtime_dir(settings) == settings.state_dir


def test_the_default_is_the_user_runtime_dir(settings: Settings, isolated_env: Path) -> None:
    default = dataclasses.replace(settings, sources={**settings.sources, "state_dir": "default"})
    # conftest points XDG_RUNTIME_DIR at <home>/run (mode 0700)
    expected = isolated_env / "run" / "aimcoach"
    if sys.platform.startswith("linux"):
        assert default_runtime_dir(default) == expected
    assert runtime_dir(default) == default_runtime_dir(default)


def test_without_a_usable_runtime_dir_the_state_dir_is_used(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    default = dataclasses.replace(settings, sources={**settings.sources, "state_dir": "default"})

    def unsafe(*args: Any, **kwargs: Any) -> str:
        raise PermissionError("runtime directory is owned by another user")

    monkeypatch.setattr(platformdirs, "user_runtime_dir", unsafe)
    assert runtime_dir(default) == settings.state_dir
    monkeypatch.setattr(
        platformdirs, "user_runtime_dir", lambda *a, **k: str(tmp_path / "missing" / "aimcoach")
    )
    assert runtime_dir(default) == settings.state_dir
