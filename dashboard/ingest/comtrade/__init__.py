"""UN Comtrade: the only network code, tested against a real local HTTP server.

The HTTP client (``client``, with ``deadline``) and the country codes from Comtrade's reference
lists (``codes``, with a bundled fallback).
"""
