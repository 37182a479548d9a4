"""One UN Comtrade reference list, cached on disk, with a bundled fallback when all else fails.

Comtrade's reference lists (``Reporters.json``, ``partnerAreas.json``, ``HS.json``) change
rarely, are fetched with the data client (same base URL, retries and rate limit) and are needed
even when the service is down. :class:`CachedReference` holds the order of preference that every
list follows, so the country codes (:mod:`~dashboard.ingest.comtrade.codes`) and the HS names
(:mod:`~dashboard.ingest.comtrade.hs`) degrade the same way and say so in ``warnings``:

1. the disk cache, if younger than the TTL;
2. the live list (then written to the cache atomically: temp file, ``os.replace``);
3. an older cached copy, if the live list fails;
4. the bundled fallback.

A cancel or the fetch's deadline (:class:`SourceInterrupted`) is never a reason to fall back: it
propagates. A damaged cache file is ignored (refetched), never trusted.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar

from dashboard.ingest.errors import SourceError, SourceInterrupted

#: Sub-directory of a cache directory (the local store) holding the downloaded lists.
CACHE_SUBDIR = "comtrade_reference"
DEFAULT_TTL = timedelta(days=30)

T = TypeVar("T")


class CachedReference(Generic[T]):
    """One reference list: ``path`` under the Comtrade base URL, ``parse(payload) -> T`` (raises
    ValueError on a payload that is not the list), ``fallback() -> T`` (the bundled copy).

    ``keep(payload)`` chooses what is written to the cache (default: the payload as received);
    it must give something ``parse`` accepts, so a large list can be cached in part. ``describe``
    names the list in warnings. After :meth:`load`, ``source`` is ``cache``, ``live``,
    ``stale cache`` or ``fallback`` and ``warnings`` explains any degradation.
    """

    def __init__(
        self,
        path: str,
        parse: Callable[[Any], T],
        fallback: Callable[[], T],
        *,
        describe: str,
        fallback_note: str = "used the bundled fallback list",
        cache_dir: Path | None = None,
        ttl: timedelta = DEFAULT_TTL,
        now: Callable[[], float] = time.time,
        keep: Callable[[Any], Any] | None = None,
    ) -> None:
        self.path = path
        self._parse = parse
        self._fallback = fallback
        self.describe = describe
        self._fallback_note = fallback_note
        self._file = Path(cache_dir) / CACHE_SUBDIR / Path(path).name if cache_dir else None
        self._ttl = ttl.total_seconds()
        self._now = now
        self._keep = keep or (lambda payload: payload)
        self.source: str | None = None
        self.warnings: list[str] = []

    def read_cache(self, fresh_only: bool) -> T | None:
        """The cached list (only if younger than the TTL when ``fresh_only``), or None."""
        if self._file is None or not self._file.is_file():
            return None
        if fresh_only and self._now() - self._file.stat().st_mtime > self._ttl:
            return None
        try:
            return self._parse(json.loads(self._file.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return None  # a damaged cache is refetched, never trusted

    def write_cache(self, payload: Any) -> None:
        """Write ``payload`` atomically; a read-only store only loses the cache (a warning)."""
        if self._file is None:
            return
        tmp: Path | None = None
        try:
            self._file.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(
                dir=self._file.parent, prefix=f".{self._file.name}.", suffix=".tmp"
            )
            tmp = Path(name)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(payload, fh)
            os.replace(tmp, self._file)  # atomic: a reader never sees half a list
        except OSError as exc:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
            self.warnings.append(f"could not cache the Comtrade {self.describe}: {exc}")

    def load(self, fetch_json: Callable[[str], Any]) -> T:
        """The list, by the order of preference in the module docstring."""
        cached = self.read_cache(fresh_only=True)
        if cached is not None:
            self.source = "cache"
            return cached
        try:
            payload = fetch_json(self.path)
            value = self._parse(payload)
            kept = self._keep(payload)
        except SourceInterrupted:
            raise  # a cancel or the fetch's deadline is not a reason to use an older list
        except (SourceError, ValueError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            stale = self.read_cache(fresh_only=False)
            if stale is not None:
                self.source = "stale cache"
                self.warnings.append(
                    f"UN Comtrade {self.describe} unavailable ({reason}); used an older cached copy"
                )
                return stale
            self.source = "fallback"
            self.warnings.append(
                f"UN Comtrade {self.describe} unavailable ({reason}); {self._fallback_note}"
            )
            return self._fallback()
        self.write_cache(kept)
        self.source = "live"
        return value
