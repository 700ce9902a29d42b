"""docs/api.md documents exactly the error codes the reference server can answer with.

The codes are read from the source itself (every ``HttpError``, ``_unauthorized``,
``AuthFailure``, ``_Invalid`` and ``code=`` literal under src/devserver), so a new code without
a line in the contract's tables fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import aimcoach.devserver

SOURCE = Path(aimcoach.devserver.__file__).parent
API_DOC = Path(__file__).parents[2] / "docs" / "api.md"
# Code position in each constructor that takes one.
_CODE_ARG = {"HttpError": 1, "_unauthorized": 0, "AuthFailure": 0, "_Invalid": 0}
# The default `error` of a scripted status fault; written as a conditional, not a call.
_FAULT_CODES = {"injected_fault", "rate_limited"}


def _codes_in_source() -> set[str]:
    codes: set[str] = set()
    for path in SOURCE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            position = _CODE_ARG.get(name)
            if position is not None and len(node.args) > position:
                arg = node.args[position]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    codes.add(arg.value)
            for keyword in node.keywords:
                if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                    codes.add(str(keyword.value.value))
    return codes


def _codes_in_doc() -> set[str]:
    text = API_DOC.read_text(encoding="utf-8")
    section = text.split("## Error codes", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE))


def test_every_code_the_server_uses_is_documented() -> None:
    source = _codes_in_source()
    assert {"duplicate", "refresh_reused", "idempotency_in_flight"} <= source  # the scan works
    assert source - _codes_in_doc() == set()


def test_every_documented_code_is_used_by_the_server() -> None:
    assert _codes_in_doc() - _codes_in_source() - _FAULT_CODES == set()
