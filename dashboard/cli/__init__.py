"""The ``trade-dashboard`` command line: serve the app, and reproduce every number it shows."""
