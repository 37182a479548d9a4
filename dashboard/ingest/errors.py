"""The error every upstream data source raises when it cannot deliver usable data.

Every source (UN Comtrade today) raises a subclass of :class:`SourceError`, so the page and the
command line catch one type and show its message; every frame a source returns has passed
:func:`dashboard.ingest.validation.validate_observations`.
"""

from __future__ import annotations


class SourceError(RuntimeError):
    """A data source could not deliver usable data; the message says what went wrong and why.

    Defined here (not in a client module) so helpers such as the reference-list resolver can
    catch a failed fetch without importing the client that raised it.
    """


class SourceInterrupted(SourceError):
    """A fetch was cancelled or ran out of its overall time: stop, and fall back to nothing.

    Unlike other failures (after which, e.g., a reference list falls back to a cached copy),
    this one must reach the caller who asked to stop or set the deadline.
    """
