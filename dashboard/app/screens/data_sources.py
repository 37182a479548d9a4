"""Data and sources: every observation with its link, live refresh, your own series, downloads."""

from collections.abc import Callable
from datetime import date

import streamlit as st

from dashboard.analysis.series import pair_mask
from dashboard.app.cache import UPLOAD_STATE_KEY, current_pair, observations, store, targets
from dashboard.app.downloads import XLSX_MIME
from dashboard.app.fetch_job import JobTexts, Report, run_job, show_previous
from dashboard.app.fetch_panel import complete_history, comtrade_key, empty_state
from dashboard.app.links import check_url
from dashboard.app.operator import operator_gate
from dashboard.app.plain import plain, show_plain
from dashboard.app.urlstate import choice
from dashboard.ingest import baci
from dashboard.ingest.comtrade.client import (
    ComtradeClient,
    FetchResult,
)
from dashboard.ingest.store import StoreBusyError, StoreDamagedError
from dashboard.ingest.upload import ValidationReport, parse_upload, template_csv, to_store_rows
from dashboard.model import DataFileError, Pair, basis_label
from dashboard.report.files import dataset_csv, dataset_xlsx, export_filename
from dashboard.report.sentences import coverage_summary, to_markdown, uploaded_summary

PREFER_LABELS = {
    "auto": "Sourced statements first, Comtrade fills gaps",
    "snapshot": "Sourced statements win",
    "comtrade": "UN Comtrade wins",
}
#: Why nothing can be written while the store is damaged (visitors: no path, no command).
STORE_NOT_WRITABLE = (
    "the local store is damaged, so nothing can be added to it until the site's operator "
    "restores it. The data shown is unchanged."
)
#: How a figure was stated, in words (the data's codes are ``reported``/``approx``/``at_least``).
QUALIFIER_WORDS = {"reported": "as reported", "approx": "about", "at_least": "at least"}
FIRST_FETCH_YEAR = 2000
LAST_FETCH_YEAR = date.today().year - 1  # the latest year that can be complete
#: Seconds a refresh from this page may take in all (26 years and the mirror: ~55 s keyless).
REFRESH_DEADLINE = 180.0
_JOB_KEY = "_refresh_job"
#: What the data page says of its refresh's outcomes.
_TEXTS = JobTexts(
    noun="refresh",
    done_label="Refreshed from UN Comtrade",
    auth_label="UN Comtrade refused the API key",
    auth_tail="The data already shown is still in use.",
    damaged=STORE_NOT_WRITABLE,
    failed_label="The refresh failed; nothing was changed",
    late_label="The refresh took too long; nothing was changed",
    failed_tail="The existing data is still in use; try again later or with fewer years.",
)


def _previous_refresh() -> None:
    """Report the refresh of an earlier run: stored (after its rerun) or stopped by a click."""
    show_previous(_JOB_KEY, "refresh")


def _log_bulk_error(exc: Exception) -> None:
    import logging

    logging.getLogger(__name__).error("The imported BACI matrix could not be read: %s", exc)


def _bulk_matrix() -> None:
    """ "Import a bulk matrix": what is imported, and the import for the operator only."""
    st.header("Import a bulk matrix")
    local = store()
    try:
        years = baci.imported_years(local)
    except (DataFileError, OSError) as exc:  # a damaged store: the page above says so
        years = []
        _log_bulk_error(exc)
    have = ", ".join(map(str, years)) if years else "none yet"
    st.caption(
        f"{baci.SOURCE} gives every exporter–importer–product flow of a year (HS6), reconciling "
        "both countries' declarations (FOB). Imported, it serves every pair it covers offline, "
        f"as the basis “{baci.BASIS_LABEL}”. Years imported: {have}."
    )
    path_hint = "BACI_HS17_V202401.zip"
    command = f"trade-dashboard import-baci {path_hint} --data-dir {local.directory}"
    if not operator_gate("import a bulk matrix", command, key="baci"):
        return
    paths = st.text_input(
        "BACI files on this server (zip, folder or CSV files; separate several with ';')",
        key="baci_paths",
        placeholder=f"/data/{path_hint}",
    )
    if not st.button("Import the matrix", icon=":material/upload_file:", key="baci_import"):
        return
    wanted = [p.strip() for p in paths.split(";") if p.strip()]
    if not wanted:
        st.warning("Give the path of BACI's zip, its folder or its CSV files first.")
        return
    bar = st.progress(0.0, text="Validating and importing…")
    done = {"read": 0, "total": 1}

    def total(n: int) -> None:
        done["total"] = max(n, 1)

    def progress(n: int) -> None:
        done["read"] += n
        bar.progress(min(done["read"] / done["total"], 1.0), text="Validating and importing…")

    try:
        summary = baci.import_baci(local, wanted, progress=progress, on_total=total)
    except DataFileError as exc:
        bar.empty()
        show_plain(
            str(exc).splitlines(),
            "error",
            lead="Nothing was imported; the store is unchanged. The files have problems:",
        )
        return
    except (ValueError, OSError, StoreBusyError) as exc:
        bar.empty()
        st.error(f"Nothing was imported: {plain(str(exc))}")
        return
    bar.progress(1.0, text="Done")
    st.success(plain(summary.describe()))
    st.rerun()


def render() -> None:
    """Draw the page (``st.navigation`` calls this on every run of it)."""
    pair = current_pair()

    st.title("Data and sources")
    st.caption(
        "Every figure the dashboard uses, with the publication it was read in. Years without a "
        "sourced figure are missing on purpose: nothing is interpolated."
    )
    check_url("data", {"prefer": choice(PREFER_LABELS["auto"], list(PREFER_LABELS.values()))})

    st.radio(
        "Where the shipped statements and UN Comtrade both have a figure",
        list(PREFER_LABELS),
        key="prefer",
        format_func=PREFER_LABELS.__getitem__,
        bind="query-params",
        horizontal=True,
        help="Applies on every page. Both figures stay visible in the table below.",
    )
    obs = observations()

    rows = obs[pair_mask(obs, pair)].copy()

    # ---- the table -------------------------------------------------------------------------------
    if rows.empty:
        empty_state(pair, key="data")  # what is missing, and the fetch, right here
    else:
        for reporter in dict.fromkeys(rows["reporter"]):
            st.markdown(to_markdown(coverage_summary(obs, reporter, pair.other(reporter))))
        rows["basis"] = rows["reporter"].map(basis_label)
        rows["value_bn"] = rows["value_usd"] / 1e9
        rows["alt_bn"] = rows["alt_value_usd"] / 1e9
        # In words, and an empty cell rather than "None" where a row has no such value.
        rows["qualifier"] = rows["qualifier"].map(QUALIFIER_WORDS).fillna("")
        text_cols = [
            "origin",
            "alt_origin",
            "source",
            "source_url",
            "published",
            "retrieved",
            "note",
            "confidence",
        ]
        for col in [c for c in text_cols if c in rows]:
            rows[col] = rows[col].astype("string").fillna("")
        st.dataframe(
            rows[
                ["basis", "year", "flow", "value_bn", "origin", "alt_bn", "alt_origin", "qualifier",
                 "confidence", "source", "source_url", "published", "retrieved", "note"]
            ],
            hide_index=True,
            width="stretch",
            column_config={
                "basis": "Statistics of",
                "year": st.column_config.NumberColumn("Year", format="%d"),
                "flow": "Flow",
                "value_bn": st.column_config.NumberColumn("US$ bn", format="%.2f"),
                "origin": "Used from",
                "alt_bn": st.column_config.NumberColumn("Other figure, US$ bn", format="%.2f"),
                "alt_origin": "Other from",
                "source_url": st.column_config.LinkColumn("Link", display_text="open"),
                "qualifier": "Stated as",
                "confidence": "Confidence",
                "source": "Source",
                "note": "Note",
                "published": "Published",
                "retrieved": "Retrieved",
            },
        )  # fmt: skip

    if not rows.empty:
        complete_history(pair, key="data")
        _refresh_section(pair)
    _bulk_matrix()
    _own_series()
    _downloads(pair, obs, rows)


def _refresh_section(pair: Pair) -> None:
    """Refresh every year in a range, both sides (operator only)."""
    st.header("Refresh from UN Comtrade")

    key = comtrade_key()
    st.caption(
        f"Annual goods totals for {pair.label}, both countries' reports (the mirror). "
        + ("Using your API key." if key else "Without an API key: the public preview, one request "
           "per year and direction at about one a second.")
        + " Fetched figures are stored outside the repository and validated before use; "
        f"nothing is stored if you cancel or if it takes over {REFRESH_DEADLINE / 60:g} minutes."
    )  # fmt: skip
    years = st.slider(
        "Years to fetch",
        FIRST_FETCH_YEAR,
        LAST_FETCH_YEAR,
        (2010, LAST_FETCH_YEAR),
        key="fetch_years",
    )
    _previous_refresh()
    # The refresh writes the store every session reads: the operator's, not a visitor's.
    may_refresh = operator_gate(
        "refresh the shared data",
        f"trade-dashboard fetch --reporter {pair.a} --partner {pair.b} "
        f"--years {years[0]}-{years[1]} --mirror",
        key="refresh",
    )
    if may_refresh and st.button(
        "Refresh from UN Comtrade", icon=":material/cloud_download:", key="refresh"
    ):
        local = store()
        wanted = list(range(years[0], years[1] + 1))
        client = ComtradeClient(api_key=key, cache_dir=local.directory)

        def work(progress: Callable[[], None], should_cancel: Callable[[], bool]) -> FetchResult:
            # REFRESH_DEADLINE read when the fetch starts (tests shorten it).
            return client.fetch(
                pair.a,
                pair.b,
                wanted,
                mirror=True,
                progress=progress,
                deadline=REFRESH_DEADLINE,
                should_cancel=should_cancel,
            )

        def keep(result: FetchResult) -> Report:
            written = local.upsert(result.observations, on_wait=st.write)
            missing = "; ".join(
                f"{direction}: {', '.join(map(str, ys))}"
                for direction, ys in result.years_without_data.items()
                if ys
            )
            # Shown by the next run (after the rerun, which redraws the table with the new
            # figures), however this one ends.
            return (
                f"{result.requests} requests, {written.added} new and {written.replaced} "
                "updated figures stored."
                + (f" Nothing reported yet for {missing}." if missing else ""),
                [plain(w) for w in result.warnings],
                "success",
            )

        run_job(
            _JOB_KEY,
            label=f"Fetching {pair.label} from UN Comtrade…",
            total=client.planned_requests(wanted, mirror=True),
            cancel_key="refresh_cancel",
            work=work,
            close=client.close,
            store=keep,
            texts=_TEXTS,
            thread_name="comtrade-refresh",
        )


def _own_series() -> None:
    """A CSV of the visitor's own, for this session (saving it is the operator's)."""
    st.header("Your own series")
    st.caption(
        "Upload a CSV with columns year and value (and optionally flow, unit, reporter, partner, "
        "label, source). It becomes a statistics basis in the tracker for this browser session."
    )
    st.download_button(
        "Download the template",
        data=template_csv(),
        file_name="trade-series-template.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/description:",
        key="download_template",
    )
    uploaded_file = st.file_uploader("CSV file", type=["csv", "txt"], key="upload_file")
    if uploaded_file is not None:
        limit = int(st.get_option("server.maxUploadSize")) * 1024 * 1024
        parsed = parse_upload(
            uploaded_file.getvalue(), max_bytes=limit, filename=uploaded_file.name
        )
        if isinstance(parsed, ValidationReport):
            show_plain(
                parsed.lines(),
                "error",
                lead=f"**{plain(parsed.summary)}**",
                icon=":material/error:",
            )
        else:
            st.session_state[UPLOAD_STATE_KEY] = parsed
    up = st.session_state.get(UPLOAD_STATE_KEY)
    if up is not None:
        st.success(to_markdown(uploaded_summary(up)), icon=":material/upload_file:")
        for note in up.notes:
            show_plain(note)
        st.caption(
            f"Choose **Your data: {plain(up.label, 80)}** as the statistics basis in the tracker"
            + ("" if up.reporter and up.partner else " (for any pair: the file names no countries)")
            + "."
        )
        # Saving puts the series in front of every visitor: the operator's call.
        may_save = operator_gate("save it to the shared store", None, key="save")
        if may_save and st.button("Save to local store", icon=":material/save:", key="save_upload"):
            try:
                saved = store().upsert(
                    to_store_rows(up, date.today().isoformat()),
                    on_wait=lambda msg: st.info(msg, icon=":material/hourglass_top:"),
                )
            except StoreDamagedError:
                st.error(f"Not saved: {STORE_NOT_WRITABLE}", icon=":material/error:")
            except ValueError as exc:  # DataFileError is a ValueError too
                show_plain(exc, "error", lead="**Not saved:**", icon=":material/error:")
            except StoreBusyError as exc:
                show_plain(exc, "error", lead="**Not saved:**", icon=":material/error:")
            except OSError as exc:  # the reason without the server's path
                show_plain(
                    exc.strerror or exc,
                    "error",
                    lead="**Not saved:** the store could not be written.",
                    icon=":material/error:",
                )
            else:
                st.success(
                    f"Saved: {saved.added} new and {saved.replaced} updated figures in the local "
                    "store.",
                    icon=":material/check:",
                )


def _downloads(pair: Pair, obs, rows) -> None:
    """Every observation as a file, and this pair's."""
    st.header("Download everything")
    today = date.today().isoformat()
    with st.container(horizontal=True):
        st.download_button(
            "All observations (CSV)",
            data=lambda: dataset_csv(obs),
            file_name=f"trade-observations_all_{today}.csv",
            mime="text/csv",
            on_click="ignore",
            icon=":material/download:",
            key="download_all_csv",
        )
        st.download_button(
            "Observations and targets (Excel)",
            data=lambda: dataset_xlsx(obs, targets()),
            file_name=f"trade-dataset_all_{today}.xlsx",
            mime=XLSX_MIME,
            on_click="ignore",
            icon=":material/table_view:",
            key="download_all_xlsx",
        )
        st.download_button(
            f"{pair.label} only (CSV)",
            data=lambda: dataset_csv(
                rows.drop(columns=["basis", "value_bn", "alt_bn"], errors="ignore")
            ),
            file_name=export_filename("trade-observations", pair.code, "both", "csv"),
            mime="text/csv",
            on_click="ignore",
            icon=":material/download:",
            key="download_pair_csv",
        )
    st.caption(
        "CSV files start with a byte-order mark so spreadsheet programs read the Chinese "
        "and Kazakh "
        "names correctly; cells that a spreadsheet would run as a formula are prefixed with '."
    )
