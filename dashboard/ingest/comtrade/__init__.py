"""UN Comtrade: the HTTP client (``client``) and the country codes from its reference lists
(``codes``, with a bundled fallback), tested against a real local HTTP server."""
