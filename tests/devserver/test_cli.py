"""``aimcoach devserver`` and ``devserver mint-code`` (src/cli/_devserver.py) through their parser.

The parser here is built the way the CLI builds it: ``register(sub, common)`` with a common
parent whose flags default to SUPPRESS. The serving handler is run in a child process, so that
SIGINT and SIGTERM reach it as they would from a terminal or a service manager.
"""

from __future__ import annotations

import argparse
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import trio

from aimcoach.cli._devserver import ADMIN_SECRET_ENV, _options, default_db_path, register

LIMIT = 30

# What the CLI's main does: log to stderr, then run the handler of the parsed command.
_RUN_HANDLER = """
import argparse, sys
from aimcoach._logging import configure_logging
from aimcoach.cli._devserver import register
configure_logging("info", "json")
root = argparse.ArgumentParser(prog="aimcoach")
register(root.add_subparsers(dest="command"), argparse.ArgumentParser(add_help=False))
args = root.parse_args(sys.argv[1:])
sys.exit(args.handler(args))
"""


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", default=argparse.SUPPRESS)
    root = argparse.ArgumentParser(prog="aimcoach")
    register(root.add_subparsers(dest="command"), common)
    return root


def _run(*argv: str) -> int:
    args = _parser().parse_args(argv)
    code: int = args.handler(args)
    return code


def test_the_serve_flags_have_their_documented_defaults() -> None:
    args = _parser().parse_args(["devserver"])
    assert (args.host, args.port, args.db, args.allow_remote) == ("127.0.0.1", 8787, None, False)
    options = _options(args)
    assert options.db_path == default_db_path()
    assert default_db_path().name == "devserver.sqlite3"
    assert (options.access_ttl, options.refresh_ttl) == (30 * 86400, 90 * 86400)
    assert (options.rate, options.burst, options.admin_secret) == (20.0, 40, None)


def test_the_serve_flags_reach_the_options(tmp_path: Path) -> None:
    args = _parser().parse_args(
        [
            "devserver",
            "--host=::1",
            "--port=0",
            f"--db={tmp_path / 'x.sqlite3'}",
            "--admin-secret=s3cret",
            "--access-ttl=5",
            "--refresh-ttl=9",
            "--rate=2.5",
            "--burst=3",
        ]
    )
    options = _options(args)
    assert (options.host, options.port, options.db_path) == ("::1", 0, str(tmp_path / "x.sqlite3"))
    assert (options.access_ttl, options.refresh_ttl, options.rate, options.burst) == (5, 9, 2.5, 3)
    assert options.admin_secret == "s3cret"


def test_the_admin_secret_can_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ADMIN_SECRET_ENV, "from-env")
    assert _options(_parser().parse_args(["devserver"])).admin_secret == "from-env"
    flag = _parser().parse_args(["devserver", "--admin-secret", "from-flag"])
    assert _options(flag).admin_secret == "from-flag"


def test_mint_code_prints_only_the_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "devserver.sqlite3"
    assert _run("devserver", "mint-code", "--db", str(db), "--user", "dana") == 0
    out, err = capsys.readouterr()
    assert re.fullmatch(r"\d{6}\n", out)
    assert err == ""
    assert db.exists()
    # --db may also come before the action.
    assert _run("devserver", "--db", str(db), "mint-code") == 0
    assert re.fullmatch(r"\d{6}\n", capsys.readouterr().out)


def test_mint_code_into_memory_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("devserver", "mint-code", "--db", ":memory:") == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "in-memory database" in err and "--db" in err


def test_a_non_loopback_host_without_allow_remote_exits_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _run("devserver", "--host", "0.0.0.0", "--db", ":memory:") == 2
    err = capsys.readouterr().err
    assert "0.0.0.0 is not a loopback address" in err
    assert "--allow-remote" in err


def test_a_bad_number_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("devserver", "--rate", "0", "--db", ":memory:") == 2
    assert "--rate must be a number greater than zero" in capsys.readouterr().err


@pytest.mark.skipif(sys.platform == "win32", reason="Windows lets SO_REUSEADDR share a port")
def test_a_port_in_use_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert _run("devserver", "--port", str(port), "--db", ":memory:") == 2
    err = capsys.readouterr().err
    assert f"port {port}" in err and "--port" in err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_the_server_prints_where_it_listens_and_exits_0_on_a_signal(
    tmp_path: Path, stop: signal.Signals
) -> None:
    db = tmp_path / "devserver.sqlite3"
    argv = [sys.executable, "-c", _RUN_HANDLER, "devserver", "--port", "0", "--db", str(db)]
    with trio.fail_after(LIMIT):
        proc = await trio.lowlevel.open_process(argv, stdout=subprocess.PIPE)
        try:
            assert proc.stdout is not None
            line = b""
            while not line.endswith(b"\n"):
                chunk = await proc.stdout.receive_some(1)
                assert chunk, "the server exited before it printed where it listens"
                line += chunk
            text = line.decode()
            match = re.search(r"http://127\.0\.0\.1:\d+", text)
            assert match, text
            assert str(db) in text
            async with httpx.AsyncClient(base_url=match.group(0)) as client:
                assert (await client.get("/healthz")).status_code == 200
            proc.send_signal(stop)
            assert await proc.wait() == 0
            assert await proc.stdout.receive_some() == b""  # the one line, nothing more
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            assert proc.stdout is not None
            await proc.stdout.aclose()
