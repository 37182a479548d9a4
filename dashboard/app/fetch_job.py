"""The worker-thread fetch a page runs: progress bar, Cancel, store, and the report on the next run.

Shared by the fetch panel (:mod:`dashboard.app.fetch_panel`: empty state, "Complete the
history", "What is traded") and the data page's "Refresh from UN Comtrade". The fetch runs in a
worker thread so the page stays responsive to Cancel; only a complete result is handed to the
page's ``store`` step, and on any failure or a cancel the store is not touched and the page says
so. Each page passes its own words (:class:`JobTexts`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from dashboard.app.plain import show_plain
from dashboard.ingest.comtrade.client import ComtradeAuthError, ComtradeDeadlineError
from dashboard.ingest.comtrade.codes import UnknownCountryError
from dashboard.ingest.errors import SourceError
from dashboard.ingest.store import StoreBusyError, StoreDamagedError
from dashboard.model import DataFileError

#: How often the page redraws the progress bar while a fetch runs; each redraw is also where a
#: click on Cancel (any click: it reruns the page) stops this run.
POLL_SECONDS = 0.2

#: (what happened, warnings, "success" or "error") for the next run to show.
Report = tuple[str, list[str], str]


@dataclass
class Job:
    """One fetch: its work runs in a worker thread so the page stays responsive to Cancel.

    Kept in the session while it runs. A click stops the page's run with StopException and
    starts the next run at once, in another thread; Streamlit ignores session-state writes from
    the stopped run, so the two runs share this object instead: the next run cancels the fetch,
    waits for ``finished`` and reads ``report`` (set only once the store was written).
    """

    cancel: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    done: int = 0
    result: Any = None
    error: Exception | None = None
    report: Report | None = None


@dataclass(frozen=True)
class JobTexts:
    """A page's words for the outcomes of its fetch (Markdown, the app's own)."""

    #: "fetch" or "refresh": "The <noun> was stopped before it finished."
    noun: str
    done_label: str
    auth_label: str
    auth_tail: str
    damaged: str
    failed_label: str
    late_label: str
    failed_tail: str
    failed_lead: str = ""


def show_previous(session_key: str, noun: str) -> None:
    """Report the fetch an earlier run started under ``session_key``: stored (after its rerun)
    or stopped by a click."""
    job: Job | None = st.session_state.pop(session_key, None)
    if job is None:
        return
    job.cancel.set()
    job.finished.wait(5.0)  # the stopped run reaches its finally within POLL_SECONDS
    if job.report is None:
        st.warning(
            f"The {noun} was stopped before it finished. Nothing was stored: the data shown is "
            "unchanged.",
            icon=":material/cancel:",
        )
        return
    text, warnings, level = job.report
    if level == "error":
        st.error(text, icon=":material/error:")
    else:
        st.success(text, icon=":material/check:")
    for warning in warnings:
        st.caption(warning)


def _start(
    work: Callable[[Callable[[], None], Callable[[], bool]], Any],
    close: Callable[[], None],
    job: Job,
    name: str,
) -> threading.Thread:
    """Run ``work(progress, should_cancel)`` in a thread; it only fetches, never stores."""

    def step() -> None:
        job.done += 1

    def run() -> None:
        try:
            job.result = work(step, job.cancel.is_set)
        except Exception as exc:  # handed to the page, which reports it
            job.error = exc
        finally:
            close()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


def run_job(
    session_key: str,
    *,
    label: str,
    total: int,
    cancel_key: str,
    work: Callable[[Callable[[], None], Callable[[], bool]], Any],
    close: Callable[[], None],
    store: Callable[[Any], Report],
    texts: JobTexts,
    thread_name: str,
) -> None:
    """Fetch with a progress bar (``total`` requests) and Cancel; hand only a complete result
    to ``store`` (which writes it and returns the report), then rerun so the page redraws with
    the new data and :func:`show_previous` shows the report."""
    job = Job()
    st.session_state[session_key] = job
    with st.status(label, expanded=True) as status:
        bar = st.progress(0.0, text=f"0 of {total} requests")
        # A click stops this run at its next redraw (the finally clause then stops the fetch)
        # and the next run says so: the button needs no callback.
        st.button("Cancel", icon=":material/cancel:", key=cancel_key)
        worker = _start(work, close, job, thread_name)
        try:
            while worker.is_alive():
                worker.join(POLL_SECONDS)
                bar.progress(
                    min(1.0, job.done / max(total, 1)), text=f"{job.done} of {total} requests"
                )
            if job.error is not None:
                raise job.error
            if job.result is None:
                raise ValueError(f"the {texts.noun} ended without a result")
            job.report = store(job.result)
        except ComtradeAuthError as exc:
            st.session_state.pop(session_key, None)  # reported here
            status.update(label=texts.auth_label, state="error")
            show_plain(exc, "error", tail=texts.auth_tail, icon=":material/key:")
        except StoreDamagedError:
            st.session_state.pop(session_key, None)
            status.update(label="Not stored: the local store is damaged", state="error")
            st.error(texts.damaged, icon=":material/error:")
        except (
            SourceError, UnknownCountryError, DataFileError, StoreBusyError, OSError, ValueError
        ) as exc:  # fmt: skip
            st.session_state.pop(session_key, None)
            late = isinstance(exc, ComtradeDeadlineError)
            status.update(label=texts.late_label if late else texts.failed_label, state="error")
            show_plain(
                exc,
                "error",
                lead=texts.failed_lead,
                tail=texts.failed_tail,
                icon=":material/timer_off:" if late else ":material/cloud_off:",
            )
        else:
            status.update(label=texts.done_label, state="complete")
        finally:
            # Reached on Cancel, on any other click, when the visitor leaves, and normally.
            job.cancel.set()
            worker.join(2.0)  # the watchdog cuts a request in flight within 0.1 s
            job.finished.set()
    if job.report is not None:
        st.rerun()
