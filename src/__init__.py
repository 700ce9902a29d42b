"""aimcoach: delivers every finished KovaaK's and Aim Lab run to the AimCoach ingest API, once.

The public surface is small on purpose: the version, the record type and the digest. Everything
else (actors, sources, stores, the reference server) is reached through the ``aimcoach`` command.
"""

from __future__ import annotations

from importlib import metadata as _metadata

from aimcoach.digest import DigestError, canonical_bytes, compute_digest
from aimcoach.messages import Record

try:
    __version__: str = _metadata.version("aimcoach")
except _metadata.PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["DigestError", "Record", "__version__", "canonical_bytes", "compute_digest"]
