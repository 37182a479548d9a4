"""The pages, one module each with a ``render()``: they wire widgets to the pure layers below.

Importing the package imports every screen, so the server's warm start loads them all once.
"""

from dashboard.app.screens import data_sources, mirror, products, targets, tracker

__all__ = ["data_sources", "mirror", "products", "targets", "tracker"]
