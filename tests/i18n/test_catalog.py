"""The catalog is complete: both languages, the same parameters, every key used in src exists."""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import aimcoach
from aimcoach.i18n import CATALOG

SRC = Path(aimcoach.__file__).resolve().parent
KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


def _fields(template: str) -> set[str]:
    out: set[str] = set()
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None:
            out.add(re.split(r"[.\[]", name, maxsplit=1)[0])
    return out


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_entry_has_both_languages_with_the_same_parameters(key: str) -> None:
    en, ja = CATALOG[key]
    assert en.strip(), f"{key}: English text is empty"
    assert ja.strip(), f"{key}: Japanese text is empty"
    assert _fields(en) == _fields(ja), f"{key}: parameters differ between English and Japanese"
    assert "" not in _fields(en), f"{key}: positional {{}} cannot be filled by name"
    assert KEY.match(key), f"{key}: keys are dotted lower-case names"


def test_japanese_text_is_japanese() -> None:
    # A copy-pasted English text in the Japanese column is the likeliest mistake. Entries that
    # are only parameters, punctuation, acronyms and the product name may be the same.
    japanese = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

    def words(text: str) -> bool:
        return re.search(r"[a-z]{2,}", re.sub(r"\{[^}]*\}|aimcoach", "", text)) is not None

    assert [k for k, (en, ja) in CATALOG.items() if words(ja) and not japanese.search(ja)] == []


@dataclass(frozen=True)
class Use:
    where: str
    key: str
    # keyword names passed, or None when the call passes **params (not checkable statically)
    params: frozenset[str] | None
    prefix: bool = False  # the key is only the start of a computed key


def _callee(node: ast.Call) -> str:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return ""


def _keys(arg: ast.expr) -> Iterator[tuple[str, bool]]:
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and KEY.match(arg.value):
        yield arg.value, False
    elif isinstance(arg, ast.IfExp):
        yield from _keys(arg.body)
        yield from _keys(arg.orelse)
    elif (
        isinstance(arg, ast.BinOp)
        and isinstance(arg.op, ast.Add)
        and isinstance(arg.left, ast.Constant)
        and isinstance(arg.left.value, str)
        and arg.left.value.endswith(("_", "."))
    ):
        yield arg.left.value, True


def _uses() -> list[Use]:
    out: list[Use] = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = _callee(node)
            if name != "t" and not name.endswith("Error"):
                continue
            has_star = any(kw.arg is None for kw in node.keywords)
            params = None if has_star else frozenset(str(kw.arg) for kw in node.keywords)
            where = f"{path.relative_to(SRC)}:{node.lineno}"
            for key, prefix in _keys(node.args[0]):
                out.append(Use(where, key, params, prefix))
    return out


def test_the_source_scan_finds_the_known_uses() -> None:
    found = {(u.key, u.prefix) for u in _uses()}
    # Known uses in the foundation: literal keys and computed ones.
    assert ("status.title", False) in found
    assert ("config.bad_value", False) in found
    assert ("config.expected_", True) in found
    assert ("status.source.", True) in found


def test_every_key_used_in_src_exists_with_its_parameters() -> None:
    problems: list[str] = []
    for use in _uses():
        if use.prefix:
            if not any(k.startswith(use.key) for k in CATALOG):
                problems.append(f"{use.where}: no catalog key starts with {use.key!r}")
            continue
        if use.key not in CATALOG:
            problems.append(f"{use.where}: {use.key!r} is not in the catalog")
            continue
        needed = _fields(CATALOG[use.key][0])
        if use.params is not None and not needed <= use.params:
            problems.append(
                f"{use.where}: {use.key!r} needs {sorted(needed - use.params)} as parameters"
            )
    assert problems == []


def test_computed_keys_exist_for_every_value_they_are_computed_from() -> None:
    from aimcoach.config import SETTINGS

    # status.source.<where a value came from>: the sources load_settings records
    for source in ("cli", "env", "file", "default", "discovered", "unset"):
        assert f"status.source.{source}" in CATALOG
    # config.expected_<kind> for the kinds that have no computed description
    for kind in {s.kind for s in SETTINGS} - {"choice", "bool", "int", "float"}:
        name = "text" if kind in ("str", "secret") else kind
        assert f"config.expected_{name}" in CATALOG
    for folder in ("config_file", "state_dir", "data_dir"):
        assert f"status.folder.{folder}" in CATALOG
