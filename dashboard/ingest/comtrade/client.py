"""UN Comtrade client: annual goods totals and HS chapters for one country pair, validated.

The dashboard's live data comes from here (CLI ``fetch`` and the UI's refresh button share it).
:meth:`ComtradeClient.fetch` asks for one clean total per year and flow (``cmdCode=TOTAL``,
``partner2Code=0``, ``customsCode=C00``, ``motCode=0``); :meth:`ComtradeClient.fetch_products`
asks for the 97 HS chapters (``cmdCode=AG2``, both flows: 194 records a year, inside the
preview's 500). Both go without a key to the public preview (one period per call) and with a key
to ``data/v1/get`` (up to 12 periods per call, key in the ``Ocp-Apim-Subscription-Key`` header,
never in a URL).

Why the retry loop is hand-written instead of urllib3's ``Retry`` on the adapter: urllib3 drains
the body before it sleeps, so it cannot read Comtrade's 429 text "Try again in N seconds"; it
sleeps with ``time.sleep``, which tests cannot observe; and its attempts would bypass the rate
limiter and the request counter. The loop below keeps urllib3's semantics where they matter
(exponential backoff with jitter, ``Retry-After`` in seconds or as an HTTP date, parsed by
urllib3 itself) and adds a hard cap: no single wait above ``max_sleep`` (60 s), at most
``max_tries`` (5) attempts. A server asking for a longer wait fails fast with that reason.

Every request has a wall-clock deadline (``request_deadline``, body included: the body is
streamed and a watchdog shuts the socket, see ``deadline.py``), a fetch may have one in all, and
``should_cancel`` stops a fetch between requests, between chunks, during waits and mid-read. An
answer is used only if every record is exactly what was asked for (``_check_records``).

Nothing is written anywhere from here except the reference-list cache: the caller stores a
:class:`FetchResult` only after a complete, validated fetch.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import requests
from urllib3.exceptions import InvalidHeader
from urllib3.util import Retry

from dashboard.ingest.comtrade.codes import DEFAULT_TTL, CodeResolver
from dashboard.ingest.comtrade.deadline import Watchdog, WatchedAdapter
from dashboard.ingest.errors import SourceError, SourceInterrupted
from dashboard.ingest.validation import validate_observations, validate_products
from dashboard.model import (
    OBSERVATION_COLUMNS,
    OPTIONAL_OBSERVATION_COLUMNS,
    PRODUCT_COLUMNS,
    YEAR_MAX,
    YEAR_MIN,
    DataFileError,
)

DEFAULT_BASE_URL = "https://comtradeapi.un.org"
#: Wall-clock seconds one request may take, headers and body included (each try separately).
DEFAULT_REQUEST_DEADLINE = 60.0
#: Bytes read at a time; the deadline and cancel are also checked between chunks.
CHUNK_BYTES = 64 * 1024
#: Largest answer body read. The biggest call this client makes (a keyed call for 12 years of 97
#: HS chapters in both directions, ~2,400 records of ~1.3 kB) is about 3 MB; a body far beyond that
#: is not Comtrade's answer to our query, and reading it would only fill memory.
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
#: Longest single sleep while a cancel hook is set, so a cancel is seen within this time.
CANCEL_SLICE = 0.25
BASE_URL_ENV = "TRADE_DASHBOARD_COMTRADE_URL"
API_KEY_ENV = "COMTRADE_API_KEY"
PREVIEW_PATH = "/public/v1/preview/C/A/HS"
FINAL_PATH = "/data/v1/get/C/A/HS"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
KEY_HELP_URL = "https://comtradedeveloper.un.org/"
#: The preview rejects period lists (HTTP 400); keyed calls accept up to 12 periods.
PREVIEW_PERIODS_PER_CALL = 1
KEYED_PERIODS_PER_CALL = 12
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
SOURCE_NAME = "UN Comtrade"

#: Record fields the mapping needs; a record without one of them is a broken response.
REQUIRED_FIELDS: tuple[str, ...] = (
    "refYear",
    "flowCode",
    "reporterCode",
    "reporterISO",
    "partnerCode",
    "partnerISO",
    "primaryValue",
)
_FLOWS = {"X": "export", "M": "import"}
_TRY_AGAIN = re.compile(r"try again in (\d+(?:\.\d+)?) ?s(?:ec(?:ond)?s?)?\b", re.IGNORECASE)
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
# Used only for its Retry-After parser; a huge cap so that we can tell "asks too long" apart.
_RETRY_AFTER_PARSER = Retry(total=0, retry_after_max=10**9)


class ComtradeError(SourceError):
    """UN Comtrade could not deliver usable data. Nothing from the failed fetch is kept."""


class ComtradeAuthError(ComtradeError):
    """HTTP 401/403: the key is wrong, expired or out of quota (or keyless calls are blocked)."""


class ComtradeDeadlineError(ComtradeError):
    """A request (on every try) or the whole fetch ran past its wall-clock deadline."""


class ComtradeFetchDeadline(ComtradeDeadlineError, SourceInterrupted):
    """The whole fetch ran past its deadline: no fallback, no further request."""


class ComtradeCancelled(ComtradeError, SourceInterrupted):
    """The caller asked to stop (``should_cancel``); nothing from the fetch is kept."""


class _RequestDeadline(Exception):
    """Internal: one try ran out of wall-clock time (``_send`` decides: retry or give up)."""

    def __init__(self, limit: float) -> None:
        super().__init__(f"no complete answer within {limit:g} s")


@dataclass(frozen=True)
class _Answer:
    """An HTTP answer read in full within its deadline (the body was streamed, see ``_get``)."""

    status_code: int
    reason: str
    headers: Mapping[str, str]
    content: bytes
    encoding: str | None

    @property
    def text(self) -> str:
        return self.content.decode(self.encoding or "utf-8", "replace")


@dataclass(frozen=True)
class ProductFetchResult:
    """A complete, validated chapters fetch: ``products`` in model.PRODUCT_COLUMNS.

    ``years_without_data`` maps a direction (``"CHN->KAZ"``) to the requested years with no
    chapter records (``count: 0``, or only rows that are not chapters of the pair asked for).
    """

    products: pd.DataFrame
    requests: int
    years_without_data: dict[str, tuple[int, ...]]
    elapsed: float
    endpoint: str
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class FetchResult:
    """A complete, validated fetch.

    ``years_without_data`` maps a direction (``"CHN->KAZ"``) to the requested years for which
    Comtrade returned ``count: 0``: nothing reported yet, which is neither zero trade nor an error.
    ``requests`` counts every HTTP attempt, retries and reference lists included.
    """

    observations: pd.DataFrame
    requests: int
    years_without_data: dict[str, tuple[int, ...]]
    elapsed: float
    endpoint: str  # "preview" (keyless) or "final" (keyed)
    warnings: tuple[str, ...] = field(default=())


def default_base_url() -> str:
    """``TRADE_DASHBOARD_COMTRADE_URL`` or the public Comtrade API host."""
    return (os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")


def default_api_key() -> str | None:
    """``COMTRADE_API_KEY`` if set and non-empty."""
    return os.environ.get(API_KEY_ENV, "").strip() or None


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _looks_like_html(resp: _Answer) -> bool:
    ctype = resp.headers.get("Content-Type", "").lower()
    return "html" in ctype or resp.content.lstrip()[:1] == b"<"


def _html_title(body: bytes) -> str:
    m = _TITLE.search(body)
    return _one_line(m.group(1).decode("utf-8", "replace")) if m else ""


def _server_message(resp: _Answer) -> str:
    """The human part of an error body: APIM ``message``, Comtrade ``errorObject``, or text."""
    if _looks_like_html(resp):
        title = _html_title(resp.content)
        return f"HTML page {title!r}" if title else "HTML page"
    try:
        body = json.loads(resp.content)
    except ValueError:  # UnicodeDecodeError included
        return _one_line(resp.text) or resp.reason or "no message"
    if isinstance(body, dict):
        err_obj = body.get("errorObject")
        if isinstance(err_obj, dict) and err_obj.get("errorMessage"):
            return _one_line(err_obj["errorMessage"])
        for key in ("message", "error", "Message"):
            if body.get(key):
                return _one_line(body[key])
    return _one_line(resp.text)


class ComtradeClient:
    """HTTP client for UN Comtrade with timeouts, deadlines, capped retries and a rate limit.

    ``timeout`` (connect, read) bounds each wait for bytes; ``request_deadline`` bounds each
    request in wall-clock time, body included (a server sending 1 byte/s never trips a read
    timeout). :meth:`fetch` adds an overall deadline and a cancel hook.

    ``sleep``, ``clock`` and ``rng`` are injectable so tests run without waiting yet can check
    every wait requested. ``cache_dir`` (normally the local store directory) holds the cached
    reference lists; ``None`` keeps them in memory only.
    """

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: tuple[float, float] = (5.0, 30.0),
        request_deadline: float = DEFAULT_REQUEST_DEADLINE,
        min_interval: float = 1.0,
        max_tries: int = 5,
        backoff_factor: float = 1.0,
        backoff_jitter: float = 0.5,
        max_sleep: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        cache_dir: Path | str | None = None,
        reference_ttl: timedelta = DEFAULT_TTL,
        today: Callable[[], date] = date.today,
        session: requests.Session | None = None,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        if max_tries < 1:
            raise ValueError("max_tries must be at least 1")
        if not (request_deadline > 0 and math.isfinite(request_deadline)):
            raise ValueError("request_deadline must be a positive number of seconds")
        self.base_url = (base_url or default_base_url()).rstrip("/")
        # None: take COMTRADE_API_KEY; "" (or blanks): no key, even if the variable is set.
        self._api_key = (api_key.strip() if api_key is not None else default_api_key()) or None
        self.timeout = timeout
        self.request_deadline = request_deadline
        self.max_response_bytes = max_response_bytes
        self.min_interval = min_interval
        self.max_tries = max_tries
        self.backoff_factor = backoff_factor
        self.backoff_jitter = backoff_jitter
        self.max_sleep = max_sleep
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._today = today
        self._last_start: float | None = None
        self.requests_made = 0
        # Set for the duration of one fetch(): its end time, cancel hook and call counts.
        self._fetch_end: float | None = None
        self._fetch_deadline = 0.0
        self._should_cancel: Callable[[], bool] | None = None
        self._calls = (0, 0)  # (data calls done, planned)
        self._session = session or self._make_session()
        self.resolver = CodeResolver(
            self.get_json, Path(cache_dir) if cache_dir is not None else None, reference_ttl
        )

    @staticmethod
    def _make_session() -> requests.Session:
        s = requests.Session()
        # Retries happen in _send (see the module docstring); the adapter must not add its own.
        # WatchedAdapter: each request's socket can be shut by its deadline (see deadline.py).
        adapter = WatchedAdapter(max_retries=0)
        s.mount("http://", adapter)
        s.mount("https://", adapter)
        s.headers["User-Agent"] = "trade-target-dashboard (+https://pypi.org/project/requests/)"
        return s

    def __repr__(self) -> str:  # never show the key
        return f"ComtradeClient({self.base_url!r}, keyed={self.keyed})"

    def __enter__(self) -> ComtradeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    @property
    def keyed(self) -> bool:
        """True when a subscription key is used (final-data endpoint, 12 periods per call)."""
        return self._api_key is not None

    @property
    def endpoint(self) -> str:
        return "final" if self.keyed else "preview"

    @property
    def periods_per_call(self) -> int:
        return KEYED_PERIODS_PER_CALL if self.keyed else PREVIEW_PERIODS_PER_CALL

    # -- HTTP -----------------------------------------------------------------------------------

    def _wait(self, seconds: float) -> None:
        """Sleep, but never past the fetch's deadline, and in short slices when cancellable."""
        if seconds <= 0:
            return
        if self._fetch_end is not None and self._clock() + seconds > self._fetch_end:
            raise self._fetch_deadline_error()
        if self._should_cancel is None:
            self._sleep(seconds)
            return
        left = seconds
        while left > 0:
            self._check_stop()
            step = min(left, CANCEL_SLICE)
            self._sleep(step)
            left -= step
        self._check_stop()

    def _check_stop(self) -> None:
        """Raise if the caller cancelled or the fetch's deadline has passed."""
        if self._should_cancel is not None and self._should_cancel():
            done, planned = self._calls
            raise ComtradeCancelled(
                f"UN Comtrade fetch cancelled after {done} of {planned} data calls"
            )
        if self._fetch_end is not None and self._clock() >= self._fetch_end:
            raise self._fetch_deadline_error()

    def _fetch_deadline_error(self) -> ComtradeFetchDeadline:
        done, planned = self._calls
        return ComtradeFetchDeadline(
            f"UN Comtrade fetch stopped at its {self._fetch_deadline:g} s deadline after "
            f"{done} of {planned} data calls; try fewer years, or allow more time"
        )

    def _throttle(self) -> None:
        """Keep request starts at least ``min_interval`` apart (retries included)."""
        if self._last_start is not None and self.min_interval > 0:
            self._wait(self._last_start + self.min_interval - self._clock())
        self._last_start = self._clock()

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff after the ``attempt``-th failure, with jitter, capped."""
        jitter = self._rng.uniform(0, self.backoff_jitter) if self.backoff_jitter > 0 else 0.0
        return min(self.max_sleep, self.backoff_factor * 2 ** (attempt - 1) + jitter)

    @staticmethod
    def _server_wait(resp: _Answer) -> float | None:
        """Seconds the server asks us to wait: ``Retry-After``, else the 429 body text."""
        header = resp.headers.get("Retry-After")
        if header:
            try:
                return _RETRY_AFTER_PARSER.parse_retry_after(header)
            except InvalidHeader:
                pass
        m = _TRY_AGAIN.search(resp.text[:2000])
        return float(m.group(1)) if m else None

    def _auth_error(self, resp: _Answer) -> ComtradeAuthError:
        status, msg = resp.status_code, _server_message(resp)
        if self.keyed:
            return ComtradeAuthError(
                f"UN Comtrade refused the subscription key (HTTP {status}: {msg}). The key is "
                "mistyped, expired or not subscribed to the 'comtrade - v1' product, or its "
                f"call quota is used up. Check {API_KEY_ENV} (or the key in the app's secrets) "
                f"at {KEY_HELP_URL}, wait for the quota to reset, or remove the key to use the "
                "keyless preview."
            )
        return ComtradeAuthError(
            f"UN Comtrade refused a keyless preview call (HTTP {status}: {msg}). The free "
            f"preview is sometimes switched off; get a free key at {KEY_HELP_URL} and set "
            f"{API_KEY_ENV}."
        )

    def _get(self, url: str, headers: dict[str, str], limit: float) -> _Answer:
        """One GET, read in full within ``limit`` wall-clock seconds, or raise.

        The body is streamed in chunks with the deadline and cancel checked between them; the
        watchdog also cuts a read that hangs mid-chunk or mid-headers. Raises
        ComtradeCancelled, _RequestDeadline, or the ``requests`` exception of the failure.
        """
        connect, read = self.timeout
        timeout = (min(connect, limit), min(read, limit))
        with Watchdog(limit, self._should_cancel) as watch:
            try:
                # requests keeps custom headers across redirects, even to another host: a
                # keyed call must not follow one, or the key could leak.
                resp = self._session.get(
                    url, headers=headers, timeout=timeout, allow_redirects=not headers, stream=True
                )
                try:
                    self._refuse_if_too_big(url, resp.headers.get("Content-Length"))
                    chunks, size = [], 0
                    for chunk in resp.iter_content(CHUNK_BYTES):
                        if watch.fired:
                            break
                        size += len(chunk)
                        # Counted as read, so a server that sends no (or a false) length is cut too.
                        self._refuse_if_too_big(url, size)
                        chunks.append(chunk)
                finally:
                    resp.close()
            except requests.exceptions.RequestException:
                if not watch.fired:
                    raise
        # Checked after a success too: a body cut by the watchdog can look complete.
        if watch.fired == "cancelled":
            self._check_stop()
            raise ComtradeCancelled("UN Comtrade fetch cancelled")
        if watch.fired == "deadline":
            raise _RequestDeadline(limit)
        return _Answer(
            resp.status_code, resp.reason or "", resp.headers, b"".join(chunks), resp.encoding
        )

    def _refuse_if_too_big(self, url: str, size: int | str | None) -> None:
        """Raise (no retry: the same query gets the same answer) when a body exceeds the cap."""
        try:
            size = int(size) if size is not None else 0
        except ValueError:
            return  # a malformed Content-Length: the bytes actually read are still counted
        if size > self.max_response_bytes:
            cap = self.max_response_bytes
            cap_text = f"{cap / 2**20:g} MB" if cap >= 2**20 else f"{cap / 1000:g} kB"
            raise ComtradeError(
                f"the answer from {url} is larger than {cap_text} "
                "(more than any UN Comtrade answer to this query); nothing was stored. Check "
                f"{BASE_URL_ENV} points at UN Comtrade"
            )

    def _send(self, url: str, *, keyed: bool) -> _Answer:
        headers = {KEY_HEADER: self._api_key} if keyed and self._api_key else {}
        problem, deadline_hit = "", False
        for attempt in range(1, self.max_tries + 1):
            self._throttle()
            self._check_stop()
            limit = self.request_deadline
            fetch_bound = False
            if self._fetch_end is not None:
                left = self._fetch_end - self._clock()
                fetch_bound = left <= limit
                limit = min(limit, left)
            self.requests_made += 1
            deadline_hit = False
            try:
                resp = self._get(url, headers, limit)
            except _RequestDeadline:
                if fetch_bound:
                    raise self._fetch_deadline_error() from None
                problem = f"no complete answer within the {limit:g} s request deadline"
                deadline_hit = True
                wait = self._backoff(attempt)
            except requests.exceptions.Timeout as exc:
                connect = isinstance(exc, requests.exceptions.ConnectTimeout)
                limit = self.timeout[0] if connect else self.timeout[1]
                problem = f"{'connect' if connect else 'read'} timeout after {limit:g} s"
                wait = self._backoff(attempt)
            except (
                requests.exceptions.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                problem = f"connection failed ({_one_line(str(exc), 160)})"
                wait = self._backoff(attempt)
            except requests.exceptions.RequestException as exc:
                raise ComtradeError(f"request to {url} failed: {_one_line(str(exc))}") from exc
            else:
                status = resp.status_code
                if 300 <= status < 400:
                    raise ComtradeError(
                        f"UN Comtrade redirected a keyed call (HTTP {status}) to "
                        f"{resp.headers.get('Location', '?')}; the key is not sent across "
                        f"redirects, so set {BASE_URL_ENV} to the final address"
                    )
                if status < 400:
                    return resp
                if status in (401, 403):
                    raise self._auth_error(resp)
                problem = f"HTTP {status}: {_server_message(resp)}"
                if status not in RETRY_STATUSES:
                    raise ComtradeError(f"UN Comtrade answered {problem} for {url}")
                asked = self._server_wait(resp)
                if asked is not None and asked > self.max_sleep:
                    raise ComtradeError(
                        f"UN Comtrade asks to wait {asked:.0f} s ({problem}), longer than this "
                        f"client waits ({self.max_sleep:.0f} s); try again later"
                    )
                wait = asked if asked is not None else self._backoff(attempt)
            if attempt < self.max_tries:
                self._wait(min(wait, self.max_sleep))
        error = ComtradeDeadlineError if deadline_hit else ComtradeError
        raise error(f"UN Comtrade request failed after {self.max_tries} tries: {problem} ({url})")

    def get_json(self, path_or_url: str, *, keyed: bool = False) -> Any:
        """GET a path under the base URL (or a full URL) and decode JSON, or raise ComtradeError.

        An HTML page (even with status 200) or invalid/truncated JSON is an error naming the URL.
        """
        url = path_or_url if "://" in path_or_url else self.base_url + path_or_url
        resp = self._send(url, keyed=keyed)
        if _looks_like_html(resp):
            title = _html_title(resp.content)
            raise ComtradeError(
                f"UN Comtrade returned an HTML page instead of JSON (HTTP {resp.status_code}"
                f"{', title ' + repr(title) if title else ''}) for {url}; the service may be "
                "down for maintenance"
            )
        body = resp.content
        if not body.strip():
            raise ComtradeError(
                f"UN Comtrade returned an empty body (HTTP {resp.status_code}) for {url}"
            )
        try:
            return json.loads(body)
        except json.JSONDecodeError as exc:
            raise ComtradeError(
                f"UN Comtrade returned invalid JSON for {url}: {exc.msg} at character "
                f"{exc.pos} of {len(body)} (truncated or damaged response)"
            ) from exc
        except UnicodeDecodeError as exc:
            raise ComtradeError(f"UN Comtrade returned undecodable bytes for {url}") from exc

    # -- data -----------------------------------------------------------------------------------

    def data_url(self, reporter_code: int, partner_code: int, years: Iterable[int]) -> str:
        """The keyless URL of one data call; it is also the rows' ``source_url``."""
        path = FINAL_PATH if self.keyed else PREVIEW_PATH
        params = {
            "reporterCode": reporter_code,
            "partnerCode": partner_code,
            "period": ",".join(str(y) for y in years),
            "cmdCode": "TOTAL",
            "flowCode": "X,M",
            "partner2Code": 0,
            "customsCode": "C00",
            "motCode": 0,
            "includeDesc": "true",
        }
        return f"{self.base_url}{path}?{urlencode(params, safe=',')}"

    def product_url(self, reporter_code: int, partner_code: int, years: Iterable[int]) -> str:
        """The keyless URL of one chapters call (both flows); also the rows' ``source_url``."""
        return self.data_url(reporter_code, partner_code, years).replace(
            "cmdCode=TOTAL", f"cmdCode={CHAPTERS_CODE}"
        )

    def planned_requests(self, years: Iterable[int], mirror: bool = False) -> int:
        """Data calls a fetch will make without faults (reference lists and retries excluded)."""
        n = len(set(years))
        per_direction = math.ceil(n / self.periods_per_call)
        return per_direction * (2 if mirror else 1)

    def fetch(
        self,
        reporter: str,
        partner: str,
        years: Iterable[int],
        *,
        mirror: bool = False,
        progress: Callable[[], None] | None = None,
        deadline: float | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> FetchResult:
        """Annual export, import and total rows for ``reporter`` -> ``partner`` (and the mirror).

        Raises ComtradeError (ComtradeAuthError for 401/403) on any failure, UnknownCountryError
        for a code Comtrade does not know, ValueError for bad years. ``progress`` is called once
        per data call. ``deadline`` (seconds) bounds the whole fetch, waits included
        (ComtradeFetchDeadline); ``should_cancel`` is polled between requests, between chunks
        and during waits, and a request in flight is cut within 0.1 s (ComtradeCancelled).
        Either way nothing is returned, so nothing can be stored.
        """
        frame, no_data, requests, elapsed = self._bounded_fetch(
            reporter, partner, years, mirror, progress, deadline, should_cancel, totals=True
        )
        return FetchResult(
            observations=frame,
            requests=requests,
            years_without_data=no_data,
            elapsed=elapsed,
            endpoint=self.endpoint,
            warnings=tuple(self.resolver.warnings),
        )

    @contextmanager
    def bounded(
        self, deadline: float | None, should_cancel: Callable[[], bool] | None = None
    ) -> Iterator[float]:
        """Apply a fetch's ``deadline`` (seconds from now) and cancel hook to the requests made
        inside, as :meth:`fetch` does to its own: a reference list refreshed as part of a fetch
        (the HS names) stops on the same Cancel and deadline (ComtradeCancelled,
        ComtradeFetchDeadline) instead of retrying on its own. Yields the clock reading the
        deadline counts from."""
        if deadline is not None and not (deadline > 0 and math.isfinite(deadline)):
            raise ValueError("the fetch deadline must be a positive number of seconds")
        start = self._clock()
        self._fetch_end = None if deadline is None else start + deadline
        self._fetch_deadline = deadline or 0.0
        self._should_cancel = should_cancel
        try:
            yield start
        finally:
            self._fetch_end, self._should_cancel = None, None

    def _bounded_fetch(
        self,
        reporter: str,
        partner: str,
        years: Iterable[int],
        mirror: bool,
        progress: Callable[[], None] | None,
        deadline: float | None,
        should_cancel: Callable[[], bool] | None,
        *,
        totals: bool,
    ) -> tuple[pd.DataFrame, dict[str, tuple[int, ...]], int, float]:
        """What :meth:`fetch` and :meth:`fetch_products` share: check the years, run
        :meth:`_fetch` under the deadline and cancel hook with the calls counted for
        ``progress``; (rows, empty years per direction, data requests made, seconds taken)."""
        years = sorted({int(y) for y in years})
        if not years:
            raise ValueError("no years requested")
        if years[0] < YEAR_MIN or years[-1] > YEAR_MAX:
            raise ValueError(f"years must lie in {YEAR_MIN}-{YEAR_MAX}")
        with self.bounded(deadline, should_cancel) as start:
            self._calls = (0, self.planned_requests(years, mirror))
            frame, no_data, before = self._fetch(
                reporter, partner, years, mirror, progress, totals=totals
            )
        return frame, no_data, self.requests_made - before, self._clock() - start

    def fetch_products(
        self,
        reporter: str,
        partner: str,
        years: Iterable[int],
        *,
        mirror: bool = False,
        progress: Callable[[], None] | None = None,
        deadline: float | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> ProductFetchResult:
        """HS chapters (97, both flows) for ``reporter`` -> ``partner`` (and the mirror).

        One call per year and direction without a key (194 records, inside the preview's 500),
        up to 12 years per call with one. From each answer only the chapters of the pair asked
        for are taken (``partnerCode`` asked, ``aggrLevel`` 2 / a two-digit ``cmdCode``): a
        TOTAL row, other partners or finer levels in the same answer are left out, never added.
        A chosen record that is not what was asked (reporter, ISO codes, year, flow, breakdown
        filters), a non-numeric or negative value, a missing classification or a duplicate
        refuses the whole fetch (ComtradeError). A year with no chapters is an empty year.
        Deadlines, cancel and ``progress`` (once per data call) as for :meth:`fetch`.
        """
        frame, no_data, requests, elapsed = self._bounded_fetch(
            reporter, partner, years, mirror, progress, deadline, should_cancel, totals=False
        )
        return ProductFetchResult(
            products=frame,
            requests=requests,
            years_without_data=no_data,
            elapsed=elapsed,
            endpoint=self.endpoint,
            warnings=tuple(self.resolver.warnings),
        )

    def _fetch(
        self,
        reporter: str,
        partner: str,
        years: list[int],
        mirror: bool,
        progress: Callable[[], None] | None,
        *,
        totals: bool,
    ) -> tuple[pd.DataFrame, dict[str, tuple[int, ...]], int]:
        """The data calls of a totals (``totals``) or chapters fetch: (rows, empty years per
        direction, the request count before the fetch)."""
        before = self.requests_made
        reporter, partner = reporter.strip().upper(), partner.strip().upper()
        directions = [(reporter, partner)] + ([(partner, reporter)] if mirror else [])
        # Resolve every code before the first data call, so a bad code costs no data requests.
        codes = {
            (r, p): (self.resolver.reporter_code(r), self.resolver.partner_code(p))
            for r, p in directions
        }
        frames: list[pd.DataFrame] = []
        no_data: dict[str, tuple[int, ...]] = {}
        retrieved = self._today()
        for (r, p), (rc, pc) in codes.items():
            empty: list[int] = []
            for i in range(0, len(years), self.periods_per_call):
                self._check_stop()
                batch = years[i : i + self.periods_per_call]
                query = Query(r, p, rc, pc, tuple(batch))
                if totals:
                    url = self.data_url(rc, pc, batch)
                    records = _records_of(self.get_json(url, keyed=True), url)
                    _check_records(records, query, url)
                else:
                    url = self.product_url(rc, pc, batch)
                    answer = _records_of(self.get_json(url, keyed=True), url)
                    records = select_chapters(answer, query, url)
                self._calls = (self._calls[0] + 1, self._calls[1])
                seen = {int(rec["refYear"]) for rec in records}
                empty += [y for y in batch if y not in seen]
                if records:
                    to_rows = records_to_observations if totals else records_to_products
                    frames.append(
                        to_rows(
                            records, source_url=url, retrieved=retrieved, endpoint=self.endpoint
                        )
                    )
                if progress is not None:
                    progress()
            no_data[f"{r}->{p}"] = tuple(empty)
        label = f"UN Comtrade {'data' if totals else 'chapters'} for {reporter}-{partner}"
        rows = _finish(frames, label) if totals else _finish_products(frames, label)
        return rows, no_data, before


def _records_of(payload: Any, url: str) -> list[dict[str, Any]]:
    """The ``data`` list of a response; ``count: 0`` / ``data: []`` is an empty list."""
    if not isinstance(payload, dict) or "data" not in payload:
        raise ComtradeError(f"unexpected response from {url}: no 'data' field")
    if payload.get("error"):
        raise ComtradeError(
            f"UN Comtrade reported an error for {url}: {_one_line(payload['error'])}"
        )
    data = payload["data"]
    if data is None or payload.get("count") == 0:
        return []
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ComtradeError(f"unexpected response from {url}: 'data' is not a list of records")
    return data


@dataclass(frozen=True)
class Query:
    """What one data call asked for; every record of its answer must be exactly this."""

    reporter: str  # ISO3
    partner: str
    reporter_code: int
    partner_code: int
    years: tuple[int, ...]


#: Fields that must equal the query's fixed filters when present (classification: HS, any
#: revision; annual; goods; totals only).
_FIXED_FIELDS: tuple[tuple[str, str], ...] = (
    ("typeCode", "C"),
    ("freqCode", "A"),
    ("classificationSearchCode", "HS"),
    ("cmdCode", "TOTAL"),
    ("customsCode", "C00"),
    ("motCode", "0"),
    ("partner2Code", "0"),
)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _record_problem(
    rec: dict[str, Any], query: Query, fixed: tuple[tuple[str, str], ...] | None = None
) -> str | None:
    """Why ``rec`` is not a record the query asked for, or None if it is (``fixed``: the
    filters every record must carry; the totals' by default)."""
    missing = [f for f in REQUIRED_FIELDS if rec.get(f) is None or rec.get(f) == ""]
    if missing:
        return f"lacks {', '.join(missing)}"
    for name in ("reporterCode", "partnerCode", "refYear"):
        if not _is_int(rec[name]):
            return f"{name} {rec[name]!r} is not an integer"
    value = rec["primaryValue"]
    # JSON numbers only: true would be $1, "1_000_000" $1e6 through float().
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"primaryValue {value!r} is not a number"
    if not math.isfinite(value):
        return f"primaryValue {value!r} is not a finite number"
    if value < 0:
        return f"primaryValue {value!r} is negative; a trade value cannot be"
    if rec["flowCode"] not in _FLOWS:
        return f"flowCode {rec['flowCode']!r} is neither X nor M, which were asked for"
    year = rec["refYear"]
    if year not in query.years:
        return f"is for {year}; asked for {list(query.years)}"
    if rec.get("period") is not None and str(rec["period"]) != str(year):
        return f"period {rec['period']!r} is not {year}"
    if (rec["reporterCode"], rec["partnerCode"]) != (query.reporter_code, query.partner_code):
        return (
            f"is for reporter {rec['reporterCode']} / partner {rec['partnerCode']}; asked for "
            f"{query.reporter_code} / {query.partner_code}"
        )
    # The ISO fields name the rows in the store, so they must agree with the codes asked for:
    # a record saying CHN->KAZ in the answer for KAZ->CHN would overwrite China's figures.
    for name, want, role in (
        ("reporterISO", query.reporter, "reporter"),
        ("partnerISO", query.partner, "partner"),
    ):
        got = rec[name]
        if not isinstance(got, str) or got.strip().upper() != want:
            return f"{name} {got!r} is not the {role} asked for ({want})"
    # Breakdown rows (by commodity, customs procedure, transport mode or second partner)
    # would be summed twice; they mean the server ignored the totals filter.
    for name, want in _FIXED_FIELDS if fixed is None else fixed:
        got = rec.get(name)
        if got is not None and str(got).upper() != want:
            return f"{name} {got!r}, not {want!r} as asked (annual HS goods totals)"
    return None


def _describe(rec: dict[str, Any]) -> str:
    return f"{rec.get('reporterISO')}->{rec.get('partnerISO')} {rec.get('flowCode')} " + str(
        rec.get("refYear")
    )


def _check_records(records: list[dict[str, Any]], query: Query, url: str) -> None:
    """Refuse the whole answer at its first record that is not what the query asked for.

    Refused whole, not skipped: one wrong record means the server did not apply the query, so
    its other records cannot be trusted either, and a partial year would be stored as if it were
    complete. The message names the record (position, reporter->partner, flow, year) and why.
    """
    n = len(records)
    first_at: dict[tuple[Any, ...], int] = {}
    for i, rec in enumerate(records, start=1):
        problem = _record_problem(rec, query)
        if problem is not None:
            raise ComtradeError(f"record {i} of {n} ({_describe(rec)}) from {url}: {problem}")
        key = (
            rec["reporterCode"],
            rec["partnerCode"],
            rec["flowCode"],
            rec["refYear"],
            rec.get("classificationCode"),
        )
        if key in first_at:
            raise ComtradeError(
                f"records {first_at[key]} and {i} of {n} from {url} are both {_describe(rec)}: "
                "a duplicate, so it is unclear which figure is right; nothing was taken from "
                "this answer"
            )
        first_at[key] = i


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _valuation(rec: dict[str, Any], value: float) -> tuple[str, str]:
    """``("FOB"|"CIF", how we know)``: from whichever of fobvalue/cifvalue equals primaryValue."""
    for name, label in (("fobvalue", "FOB"), ("cifvalue", "CIF")):
        v = rec.get(name)
        if _is_number(v) and math.isclose(float(v), value, rel_tol=1e-9, abs_tol=0.5):
            return label, f"primaryValue = {name} ({label})"
    label = "FOB" if rec["flowCode"] == "X" else "CIF"
    return label, f"{label} by convention (no fobvalue/cifvalue given)"


def records_to_observations(
    records: list[dict[str, Any]], *, source_url: str, retrieved: date, endpoint: str = "preview"
) -> pd.DataFrame:
    """Map Comtrade records to observation rows, plus a total where export and import both exist.

    ISO3 codes come from the records (``reporterISO``/``partnerISO``), the year from ``refYear``,
    the value from ``primaryValue``. ``published`` is the retrieval date: Comtrade gives no
    publication date per figure, and the schema requires one.
    """
    label = "UN Comtrade preview" if endpoint == "preview" else "UN Comtrade final data (keyed)"
    base_note = f"{label}, cmdCode TOTAL, customsCode C00"
    day = retrieved.isoformat()
    rows = []
    for rec in records:
        value = float(rec["primaryValue"])
        valuation, how = _valuation(rec, value)
        rows.append(
            {
                "reporter": str(rec["reporterISO"]).strip().upper(),
                "partner": str(rec["partnerISO"]).strip().upper(),
                "year": int(rec["refYear"]),
                "flow": _FLOWS[rec["flowCode"]],
                "value_usd": value,
                "qualifier": "reported",
                "source": SOURCE_NAME,
                "source_url": source_url,
                "published": day,
                "confidence": "high",
                "note": f"{base_note}; {how}",
                "valuation": valuation,
                "retrieved": day,
            }
        )
    df = pd.DataFrame(rows, columns=[*OBSERVATION_COLUMNS, *OPTIONAL_OBSERVATION_COLUMNS])
    return add_totals(df, note=f"{base_note}; sum of export and import")


def add_totals(df: pd.DataFrame, note: str = "sum of export and import") -> pd.DataFrame:
    """Append ``flow == "total"`` rows (export + import) for reporter-partner-years having both.

    A total mixes FOB exports and CIF imports, so its ``valuation`` is left empty.
    """
    key = ["reporter", "partner", "year"]
    flows = df[df["flow"].isin(["export", "import"])]
    wide = flows.pivot_table(index=key, columns="flow", values="value_usd", aggfunc="first")
    if not {"export", "import"} <= set(wide.columns):
        return df.reset_index(drop=True)
    both = wide.dropna(subset=["export", "import"])
    if both.empty:
        return df.reset_index(drop=True)
    exports = flows[flows["flow"] == "export"].set_index(key)
    totals = exports.loc[both.index].reset_index()
    totals["flow"] = "total"
    totals["value_usd"] = (both["export"] + both["import"]).to_numpy()
    totals["valuation"] = ""
    totals["note"] = note
    return pd.concat([df, totals[df.columns]], ignore_index=True)


def _finish(frames: list[pd.DataFrame], label: str) -> pd.DataFrame:
    """Concatenate and validate; an empty fetch is an empty (unvalidated) frame."""
    columns = [*OBSERVATION_COLUMNS, *OPTIONAL_OBSERVATION_COLUMNS]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in columns}).astype(
            {"year": "int64", "value_usd": "float64"}
        )
    df = pd.concat(frames, ignore_index=True)
    try:
        return validate_observations(df, label)
    except DataFileError as exc:
        problems = "; ".join(p for _, p in exc.problems[:3])
        more = f" (and {len(exc.problems) - 3} more)" if len(exc.problems) > 3 else ""
        raise ComtradeError(f"UN Comtrade data failed validation: {problems}{more}") from exc


# -- HS chapters (cmdCode=AG2) -------------------------------------------------------------------

#: Comtrade's code for "every two-digit HS chapter".
CHAPTERS_CODE = "AG2"
_CHAPTER = re.compile(r"^\d{2}$")
#: The totals' fixed filters without the commodity (chapters are selected, not fixed).
_CHAPTER_FIXED: tuple[tuple[str, str], ...] = tuple(f for f in _FIXED_FIELDS if f[0] != "cmdCode")


def _is_chapter(rec: dict[str, Any]) -> bool:
    """A two-digit HS chapter row: aggrLevel 2 where given, and a two-digit cmdCode."""
    level = rec.get("aggrLevel")
    if level is not None and not (_is_int(level) and level == 2):
        return False
    return isinstance(rec.get("cmdCode"), str) and bool(_CHAPTER.match(rec["cmdCode"]))


def select_chapters(records: list[dict[str, Any]], query: Query, url: str) -> list[dict[str, Any]]:
    """The chapter records of the pair asked for, checked; other rows are left out.

    Selected: ``partnerCode`` equal to the one asked and :func:`_is_chapter`. Left out, not
    added up: a TOTAL row, other partners (World, a third country), headings or subheadings.
    Every selected record must then be exactly what was asked (as for totals, the commodity
    aside) and carry its ``classificationCode``; a duplicate (reporter, partner, flow, year,
    chapter) refuses the whole answer, as one cannot tell which figure is right.
    """
    n = len(records)
    chosen: list[dict[str, Any]] = []
    first_at: dict[tuple[Any, ...], int] = {}
    for i, rec in enumerate(records, start=1):
        if rec.get("partnerCode") != query.partner_code or not _is_chapter(rec):
            continue
        problem = _record_problem(rec, query, _CHAPTER_FIXED)
        if problem is None and not str(rec.get("classificationCode") or "").strip():
            problem = "lacks classificationCode (which HS revision the chapters are in)"
        if problem is not None:
            raise ComtradeError(
                f"record {i} of {n} ({_describe(rec)} chapter {rec.get('cmdCode')}) from {url}: "
                f"{problem}"
            )
        key = (rec["reporterCode"], rec["partnerCode"], rec["flowCode"], rec["refYear"])
        key += (rec["cmdCode"],)
        if key in first_at:
            raise ComtradeError(
                f"records {first_at[key]} and {i} of {n} from {url} are both {_describe(rec)} "
                f"chapter {rec['cmdCode']}: a duplicate, so it is unclear which figure is right; "
                "nothing was taken from this answer"
            )
        first_at[key] = i
        chosen.append(rec)
    return chosen


def records_to_products(
    records: list[dict[str, Any]], *, source_url: str, retrieved: date, endpoint: str = "preview"
) -> pd.DataFrame:
    """Map chapter records to product rows (model.PRODUCT_COLUMNS), one per record.

    The value is ``primaryValue`` as reported (FOB for exports, CIF for imports by convention);
    ``classification`` is the record's HS revision (``classificationCode``, e.g. ``H5``).
    """
    del endpoint  # the source_url says which endpoint answered
    day = retrieved.isoformat()
    rows = [
        {
            "reporter": str(rec["reporterISO"]).strip().upper(),
            "partner": str(rec["partnerISO"]).strip().upper(),
            "year": int(rec["refYear"]),
            "flow": _FLOWS[rec["flowCode"]],
            "code": rec["cmdCode"],
            "value_usd": float(rec["primaryValue"]),
            "classification": str(rec["classificationCode"]).strip().upper(),
            "source": SOURCE_NAME,
            "source_url": source_url,
            "published": day,
            "retrieved": day,
            "origin": "comtrade",
        }
        for rec in records
    ]
    return pd.DataFrame(rows, columns=list(PRODUCT_COLUMNS))


def _finish_products(frames: list[pd.DataFrame], label: str) -> pd.DataFrame:
    """Concatenate and validate chapter rows; an empty fetch is an empty typed frame."""
    if not frames:
        empty = pd.DataFrame({c: pd.Series(dtype="str") for c in PRODUCT_COLUMNS})
        return empty.astype({"year": "int64", "value_usd": "float64"})
    df = pd.concat(frames, ignore_index=True)
    try:
        return validate_products(df, label)
    except DataFileError as exc:
        problems = "; ".join(p for _, p in exc.problems[:3])
        more = f" (and {len(exc.problems) - 3} more)" if len(exc.problems) > 3 else ""
        raise ComtradeError(f"UN Comtrade chapters failed validation: {problems}{more}") from exc
