"""What leaves the app besides charts: tables, files (CSV, Excel, JSON), chart images, sentences.

Pure Python: the page and the command line serialise and word results the same way.
"""
