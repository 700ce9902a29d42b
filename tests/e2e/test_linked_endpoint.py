"""The endpoint given to `link` is the one later commands use, unless another one is chosen."""

from __future__ import annotations

import json
import shutil

from _e2e_support import REPO, World

from aimcoach.devserver.testing import RunningServer


async def test_commands_after_link_use_the_linked_endpoint(
    world: World, server: RunningServer
) -> None:
    shutil.copytree(REPO / "examples" / "kovaaks", world.kovaaks_dir, dirs_exist_ok=True)
    code = await server.mint()
    # The player gives the endpoint once, on the command line, and never again.
    done = await world.aimcoach(
        "link", "--code", code, "--api-endpoint", server.url, AIMCOACH_API_ENDPOINT=""
    )
    assert done.returncode == 0, done.stderr.decode()

    status = await world.aimcoach("status", "--json", AIMCOACH_API_ENDPOINT="")
    info = json.loads(status.stdout)
    assert info["settings"]["api_endpoint"] == {"value": server.url, "source": "link"}
    assert info["link"]["endpoint_matches"] is True

    done = await world.run_once(AIMCOACH_API_ENDPOINT="", AIMCOACH_PROVIDER="kovaaks")
    assert done.returncode == 0, done.stderr.decode()
    # examples/kovaaks holds 8 stats files (counted by hand)
    assert (await server.stats())["totals"]["accepted"] == 8
