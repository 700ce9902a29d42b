"""The device token during a run: a 401 is healed by one refresh; a revoked device waits for a
new link without crashing or hammering the server, and loses nothing meanwhile."""

from __future__ import annotations

import json
import os
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import trio
from _e2e_support import PASSPHRASE, ServerLog, World, server_digests

from aimcoach.devserver.testing import RunningServer
from aimcoach.devtools.samples import kovaaks_bytes
from aimcoach.i18n import t

_V35 = "3.5.4.2024-05-24-14-41-42-7f44301bd0"


def _write_run(world: World, n: int) -> None:
    end = datetime(2025, 4, 1, 18, 0, 0) + timedelta(minutes=5 * n)
    data, run = kovaaks_bytes(
        random.Random(n), end, "Tile Frenzy - Standard - 01", "clicking", _V35, 60
    )
    (world.kovaaks_dir / run.file_name).write_bytes(data)


def _accepted(server: RunningServer, n: int) -> Any:
    async def check() -> bool:
        return bool((await server.stats())["totals"]["accepted"] >= n)

    return check


async def _revoke(server: RunningServer) -> None:
    """The device is revoked on the server: its refresh token is refused from now on."""
    revoked = await server.client.post(
        "/admin/revoke", json={"user": "player"}, headers=server.admin_headers
    )
    assert revoked.status_code == 200, revoked.text


def _statuses(log: ServerLog, path: str) -> list[int]:
    return [int(ev["status"]) for _, ev in log.requests(path)]


@pytest.mark.slow
async def test_401_refreshes_then_revoked_device_waits_for_relink_and_loses_nothing(
    world: World, server: RunningServer, server_log: ServerLog, server_db: Path
) -> None:
    relink_text = t("auth.relink_needed")
    with trio.fail_after(110):
        await world.link()
        async with world.running(AIMCOACH_GRACE_PERIOD_S="1") as agent:
            await agent.ready()

            # 1. One 401 mid-run (the token is fine): one refresh, and the batch goes through.
            await server.fault(path="/ingest/kovaaks", action="unauthorized")
            _write_run(world, 1)
            await agent.wait_for(_accepted(server, 1), what="the first run delivered")
            assert _statuses(server_log, "/ingest/kovaaks") == [401, 200]
            assert _statuses(server_log, "/token/refresh") == [200]

            # 2. The device is revoked on the server: the refresh is refused, relink needed.
            await _revoke(server)
            _write_run(world, 2)

            async def relink_shown() -> dict[str, Any] | None:
                snap = await agent.snapshot()
                token = None if snap is None else snap.get("token")
                pending = 0 if snap is None else snap["counters"].get("pending", 0)
                return snap if token and token["relink_needed"] and pending == 1 else None

            await agent.wait_for(relink_shown, what="relink needed, one record pending")
            status = await world.ctl_status_json()  # what `aimcoach ctl status --json` prints
            assert status["token"]["relink_needed"] is True
            assert status["counters"]["pending"] == 1
            assert all(a["restarts"] == 0 for a in status["actors"]), status["actors"]
            assert {a["state"] for a in status["actors"]} == {"running"}
            stopped = await world.aimcoach("ctl", "stop")
            assert stopped.returncode == 0, stopped.stderr.decode()
            assert await agent.exited() == 0

        # One refused refresh, not a loop of them.
        assert _statuses(server_log, "/token/refresh") == [200, 401]
        assert (await server.stats())["totals"]["accepted"] == 1

        # 3. `run --once` says what to do, and keeps the record.
        refused = await world.run_once()
        assert refused.returncode == 1
        assert relink_text in refused.stderr.decode()
        assert (await world.counts()).delivered == 1

        # 4. After a new link the record goes out, once.
        await world.link()
        done = await world.run_once()
        assert done.returncode == 0, done.stderr.decode()

    # Ingest: the scripted 401 and its resend; the revoked token's 401; nothing while relink
    # was needed (the refused `run --once` did not even try); the resend after the new link.
    assert _statuses(server_log, "/ingest/kovaaks") == [401, 200, 401, 200]
    totals = (await server.stats())["totals"]
    assert totals["accepted"] == totals["distinct_digests"] == 2
    assert totals["duplicates"] == 0
    assert len(server_digests(server_db)) == 2
    counts = await world.counts()
    assert (counts.delivered, counts.pending, counts.batched) == (2, 0, 0)


async def test_a_wrong_passphrase_ends_the_run_with_its_message_and_loses_nothing(
    world: World, server: RunningServer, server_log: ServerLog
) -> None:
    """The token file is opened while the scan runs (its key derivation beside it, not before
    it); a passphrase that does not open it still ends the run, even one with nothing to send."""
    wrong = t("store.file_wrong_passphrase", path=str(world.root / "data" / "tokens.enc"))
    with trio.fail_after(60):
        await world.link()
        _write_run(world, 1)
        refused = await world.run_once(AIMCOACH_TOKEN_PASSPHRASE="not-the-passphrase")
        assert refused.returncode == 1
        assert wrong in refused.stderr.decode()
        assert "Done:" not in refused.stderr.decode()  # no summary of a run that could not start
        assert _statuses(server_log, "/ingest/kovaaks") == []

        done = await world.run_once()
        assert done.returncode == 0, done.stderr.decode()
        assert (await server.stats())["totals"]["accepted"] == 1

        # Nothing new to read or send: the passphrase is still checked.
        again = await world.run_once(AIMCOACH_TOKEN_PASSPHRASE="not-the-passphrase")
        assert again.returncode == 1
        assert wrong in again.stderr.decode()
    assert _statuses(server_log, "/ingest/kovaaks") == [200]
    counts = await world.counts()
    assert (counts.delivered, counts.pending, counts.batched) == (1, 0, 0)


class _Terminal:
    """``argv`` on a new pseudo-terminal: :meth:`run` (blocking, for a worker thread) types
    ``answer`` at ``prompt`` and reads everything the terminal shows until the child exits."""

    def __init__(self, argv: list[str], env: dict[str, str], answer: str, prompt: str) -> None:
        self._argv, self._env, self._answer, self._prompt = argv, env, answer, prompt
        self.pid: int | None = None
        self.shown = b""

    def run(self) -> int:
        import pty

        pid, fd = pty.fork()
        if pid == 0:  # the child: nothing but exec
            os.execve(self._argv[0], self._argv, self._env)
        self.pid = pid
        try:
            while self._prompt.encode() not in self.shown:
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                self.shown += chunk
            os.write(fd, self._answer.encode() + b"\n")
            while True:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # EIO: the child has gone, and the terminal with it
                    break
                if not chunk:
                    break
                self.shown += chunk
        finally:
            os.close(fd)
            _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status)

    def text(self) -> str:
        return self.shown.decode("utf-8", errors="replace")


def _typed(argv: list[str], env: dict[str, str], answer: str, prompt: str) -> tuple[int, str]:
    """Run ``argv`` to its end on a pseudo-terminal, typing ``answer`` at ``prompt``: its exit
    code and everything the terminal showed."""
    terminal = _Terminal(argv, env, answer, prompt)
    code = terminal.run()
    return code, terminal.text()


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")
async def test_the_passphrase_typed_at_the_prompt_is_asked_once_and_opens_the_run(
    world: World, server: RunningServer
) -> None:
    """Without AIMCOACH_TOKEN_PASSPHRASE, on a terminal, the run asks once, before it starts;
    the key is derived later in a worker thread, which never asks again (right or wrong)."""
    prompt = t("store.passphrase_prompt")
    argv = [sys.executable, "-m", "aimcoach", "run", "--once"]
    env = world.env()
    del env["AIMCOACH_TOKEN_PASSPHRASE"]
    with trio.fail_after(60):
        await world.link()
        _write_run(world, 1)
        code, shown = await trio.to_thread.run_sync(_typed, argv, env, "not-it", prompt)
        assert code == 1, shown
        assert shown.count(prompt) == 1, shown
        assert "does not open the token file" in shown
        assert (await server.stats())["totals"]["accepted"] == 0

        code, shown = await trio.to_thread.run_sync(_typed, argv, env, PASSPHRASE, prompt)
        assert code == 0, shown
        assert shown.count(prompt) == 1, shown
        assert PASSPHRASE not in shown  # getpass does not echo
    assert (await server.stats())["totals"]["accepted"] == 1


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")
async def test_a_live_run_with_a_typed_passphrase_picks_up_a_new_link_without_asking_again(
    world: World, server: RunningServer
) -> None:
    """The passphrase was typed when ``run`` started; the device is revoked, and the player
    links again in another terminal (a new file, a new salt). The run opens it with the
    passphrase it was given and sends what waited, without a prompt from a worker thread
    (which would fight the progress line and hold the token manager until answered)."""
    prompt = t("store.passphrase_prompt")
    env = world.env(AIMCOACH_GRACE_PERIOD_S="1")
    del env["AIMCOACH_TOKEN_PASSPHRASE"]
    terminal = _Terminal([sys.executable, "-m", "aimcoach", "run"], env, PASSPHRASE, prompt)
    code: list[int] = []
    exited = trio.Event()

    async def until(check: Any, what: str, timeout: float) -> None:  # noqa: ASYNC109
        with trio.move_on_after(timeout):
            while not await check():
                assert not code, f"run exited ({code}) before {what}:\n{terminal.text()}"
                await trio.sleep(0.2)
            return
        raise AssertionError(f"no {what} within {timeout:g} s:\n{terminal.text()}")

    async def relink_needed() -> bool:
        done = await world.aimcoach("ctl", "status", "--json")
        if done.returncode != 0:
            return False
        status = json.loads(done.stdout)
        token = status.get("token") or {}
        return bool(token.get("relink_needed")) and status["counters"].get("pending") == 1

    with trio.fail_after(150):
        await world.link()
        async with trio.open_nursery() as nursery:

            async def run_it() -> None:
                code.append(await trio.to_thread.run_sync(terminal.run))
                exited.set()

            nursery.start_soon(run_it)
            _write_run(world, 1)
            await until(_accepted(server, 1), "first record accepted", 30)

            await _revoke(server)
            _write_run(world, 2)
            await until(relink_needed, "relink needed with one record pending", 60)

            await world.link()  # `aimcoach link` elsewhere, with the same passphrase
            await until(_accepted(server, 2), "the waiting record accepted after the link", 90)

            # Linked again, now with another passphrase: the run cannot open the file, and
            # says so and stops (it cannot ask from here); the waiting record stays.
            await _revoke(server)
            _write_run(world, 3)
            await until(relink_needed, "relink needed again", 60)
            code_ = await server.mint()
            other = "another passphrase"
            linked = await world.aimcoach(
                "link", "--code", code_, "--device", "e2e PC", AIMCOACH_TOKEN_PASSPHRASE=other
            )
            assert linked.returncode == 0, linked.stderr.decode()

            with trio.move_on_after(90):
                await exited.wait()
            assert code, f"the run did not stop:\n{terminal.text()}"
    wrong = t("store.file_wrong_passphrase", path=str(world.root / "data" / "tokens.enc"))
    shown = terminal.text()
    assert code == [1], shown
    assert wrong in " ".join(shown.split()), shown
    assert shown.count(prompt) == 1, shown
    assert PASSPHRASE not in shown and other not in shown
    counts = await world.counts()
    assert (counts.delivered, counts.pending + counts.batched) == (2, 1)

    done = await world.run_once(AIMCOACH_TOKEN_PASSPHRASE=other)
    assert done.returncode == 0, done.stderr.decode()
    totals = (await server.stats())["totals"]
    assert totals["accepted"] == totals["distinct_digests"] == 3
    assert totals["duplicates"] == 0
