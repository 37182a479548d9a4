"""Wall-clock deadlines and cancel for HTTP requests, which read timeouts cannot give.

A read timeout bounds each wait for the next bytes, and restarts on every byte: a server sending
one byte a second never trips a 30 s read timeout, even while the status line and headers are
still arriving (before ``requests`` hands back a response whose body we could read in chunks).
So each request runs under a :class:`Watchdog`: a small thread that, once the deadline passes or
the caller asks to cancel, shuts the request's socket down. The blocked read then returns at
once with an error, which the client reports as the deadline or the cancel it was.

The socket is found through :class:`WatchedAdapter`, a ``requests`` adapter whose connections
hand their socket to the watchdog of the thread that uses them, at connect time and again for
every request sent on a kept-alive connection.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

#: How often the watchdog looks at ``should_cancel`` (seconds): a cancel takes effect this fast.
POLL_SECONDS = 0.1

_current = threading.local()


class Watchdog:
    """Shuts down the socket of the request made inside ``with`` at ``seconds`` or on cancel.

    ``fired`` is ``None``, ``"deadline"`` or ``"cancelled"``; check it when a request fails, as
    the failure may be the watchdog's doing.
    """

    def __init__(self, seconds: float, should_cancel: Callable[[], bool] | None = None) -> None:
        self.seconds = seconds
        self.fired: str | None = None
        self._should_cancel = should_cancel
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="comtrade-watchdog", daemon=True)

    def __enter__(self) -> Watchdog:
        _current.watchdog = self
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        _current.watchdog = None
        self._done.set()
        self._thread.join()

    def attach(self, sock: socket.socket | None) -> None:
        """Watch ``sock`` (the connection now in use); shut it at once if already fired."""
        with self._lock:
            self._sock = sock
            if self.fired is not None:
                self._shut()

    def _run(self) -> None:
        end = time.monotonic() + self.seconds
        while not self._done.wait(max(0.0, min(POLL_SECONDS, end - time.monotonic()))):
            if self._should_cancel is not None and self._should_cancel():
                reason = "cancelled"
            elif time.monotonic() >= end:
                reason = "deadline"
            else:
                continue
            with self._lock:
                self.fired = reason
                self._shut()
            return

    def _shut(self) -> None:
        if self._sock is None:
            return
        # The plain socket's shutdown (not SSLSocket's, which also drops its TLS state under the
        # reading thread): the blocked recv returns at once, TLS or not. OSError: already closed.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(self._sock, socket.SHUT_RDWR)


def _attach_current(sock: socket.socket | None) -> None:
    watchdog = getattr(_current, "watchdog", None)
    if watchdog is not None:
        watchdog.attach(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _attach_current(self.sock)

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _attach_current(self.sock)  # a kept-alive connection is not connected again
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _attach_current(self.sock)

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _attach_current(self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class WatchedAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose connections report their sockets to the current Watchdog."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if hasattr(manager, "pool_classes_by_scheme"):
            manager.pool_classes_by_scheme = dict(_POOLS)
        return manager
