"""The Aim Lab reader's errors, hung under :mod:`aimcoach.errors`.

    SourceError
    ├── AimlabsError              the database cannot be read at all (wrong path, not SQLite,
    │   │                         damaged, no TaskData): quarantine the file, keep going
    │   └── AimlabsRowError       one TaskData row cannot become a record; the reader turns it
    │                             into a RowProblem and the other rows keep flowing
    └── SourceBusyError
        └── AimlabsBusyError      the game holds the database locked (retryable)

Nothing here does I/O.
"""

from __future__ import annotations

from aimcoach.errors import SourceBusyError, SourceError

__all__ = ["AimlabsBusyError", "AimlabsError", "AimlabsRowError"]


class AimlabsError(SourceError):
    """The Aim Lab database, or one of its rows, cannot be read; the message says why."""


class AimlabsRowError(AimlabsError):
    """One ``TaskData`` row cannot become a record (bad JSON, no task name, bad date …)."""


class AimlabsBusyError(SourceBusyError):
    """The database stayed locked through every retry; reading again later will work."""
