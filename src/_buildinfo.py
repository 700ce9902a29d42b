"""What this copy of aimcoach is: its version, the commit it was built from, and when.

Every build and install (a wheel, an editable install, ``bin/build``'s one-file executable)
runs setuptools-scm, which writes ``aimcoach/_version.py`` from the git tags (see
``[tool.setuptools_scm]`` in pyproject.toml). That file is not tracked by git, so a plain source
tree has none: then the version comes from the installed metadata and the commit from ``git``.

When the package runs from a git checkout (an editable install, a source tree), the checkout's
own HEAD is the commit shown, because the embedded one is the commit of the last install and
goes stale with every new commit; a wheel or an executable has no checkout, so the embedded
commit is shown.

This module must not import the rest of aimcoach: ``aimcoach/__init__.py`` imports it first.
"""

from __future__ import annotations

import importlib
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

__all__ = ["UNKNOWN_VERSION", "BuildInfo", "build_info", "checkout_commit", "package_version"]

_HEX = re.compile(r"[0-9a-f]{4,40}")
# The version when nothing says otherwise (a source tree that was never built nor installed).
UNKNOWN_VERSION = "0+unknown"


@dataclass(frozen=True, slots=True)
class BuildInfo:
    version: str
    #: an abbreviated git commit, or None when nothing knows it
    commit: str | None
    #: when the build or install ran (UTC, RFC 3339), or None for a plain source tree
    built_at: str | None

    def text(self) -> str:
        """``aimcoach 0.1.0 (commit 1a2b3c4d, built 2024-05-01T12:00:00Z)``: the --version line."""
        details = [f"commit {self.commit}"] if self.commit else []
        if self.built_at:
            details.append(f"built {self.built_at}")
        return f"aimcoach {self.version}" + (f" ({', '.join(details)})" if details else "")


def _embedded() -> ModuleType | None:
    try:
        # By name, not a static import: the file is generated and may be missing.
        return importlib.import_module("aimcoach._version")
    except ImportError:
        return None


def _clean_commit(raw: object) -> str | None:
    """setuptools-scm writes git nodes as ``g1a2b3c4`` (and ``None`` without git metadata)."""
    text = str(raw or "").strip().lower()
    if text.startswith("g") and _HEX.fullmatch(text[1:]):
        text = text[1:]
    return text if _HEX.fullmatch(text) else None


def checkout_commit(root: Path | None = None) -> str | None:
    """HEAD of the git checkout this package runs from, if it runs from one (else ``None``)."""
    root = root or Path(__file__).resolve().parent.parent
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return _clean_commit(out.stdout) if out.returncode == 0 else None


def package_version() -> str:
    """The version alone: cheap (no ``git``), for ``aimcoach.__version__`` at import time."""
    module = _embedded()
    if module is not None:
        return str(module.__version__)
    from importlib import metadata  # only without _version.py; importing it costs ~20 ms

    try:
        return metadata.version("aimcoach")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return UNKNOWN_VERSION


def build_info() -> BuildInfo:
    """The version, commit and build date of the running aimcoach (see the module docstring)."""
    module = _embedded()
    live = checkout_commit()
    if module is None:
        return BuildInfo(version=package_version(), commit=live, built_at=None)
    return BuildInfo(
        version=str(module.__version__),
        commit=live or _clean_commit(getattr(module, "__commit__", None)),
        built_at=str(getattr(module, "__build_date__", "") or "") or None,
    )
