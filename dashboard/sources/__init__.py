"""External data sources: HTTP clients that turn a provider's responses into observation tables.

Plain Python (requests, no Streamlit), so the CLI, the UI and the tests share one client. Every
frame a source returns has passed :func:`dashboard.validation.validate_observations`.
"""

from __future__ import annotations


class SourceError(RuntimeError):
    """A data source could not deliver usable data; the message says what went wrong and why.

    Defined here (not in a client module) so helpers such as the reference-list resolver can
    catch a failed fetch without importing the client that raised it.
    """
