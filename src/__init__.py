"""aimcoach: delivers every finished KovaaK's and Aim Lab run to the AimCoach ingest API, once.

The public surface is small on purpose: the version, the record type and the digest. Everything
else (actors, sources, stores, the reference server) is reached through the ``aimcoach`` command.
"""

from __future__ import annotations

from aimcoach._buildinfo import package_version as _package_version
from aimcoach.digest import DigestError, canonical_bytes, compute_digest
from aimcoach.messages import Record

# Embedded at build/install time (aimcoach/_version.py), else the installed metadata.
__version__: str = _package_version()

__all__ = ["DigestError", "Record", "__version__", "canonical_bytes", "compute_digest"]
