"""Data and sources: every observation with its link, live refresh, your own series, downloads."""

import os
from datetime import date

import streamlit as st

from dashboard.analysis.series import pair_mask
from dashboard.app.cache import UPLOAD_STATE_KEY, current_pair, observations, store, targets
from dashboard.app.downloads import XLSX_MIME
from dashboard.app.links import check_url
from dashboard.app.urlstate import choice
from dashboard.ingest.comtrade.client import ComtradeAuthError, ComtradeClient
from dashboard.ingest.comtrade.codes import UnknownCountryError
from dashboard.ingest.errors import SourceError
from dashboard.ingest.upload import ValidationReport, parse_upload, template_csv, to_store_rows
from dashboard.model import DataFileError, basis_label
from dashboard.report.files import dataset_csv, dataset_xlsx, export_filename
from dashboard.report.sentences import coverage_summary, to_markdown, uploaded_summary
from dashboard.textsafe import safe_label

PREFER_LABELS = {
    "auto": "Sourced statements first, Comtrade fills gaps",
    "snapshot": "Sourced statements win",
    "comtrade": "UN Comtrade wins",
}
#: How a figure was stated, in words (the data's codes are ``reported``/``approx``/``at_least``).
QUALIFIER_WORDS = {"reported": "as reported", "approx": "about", "at_least": "at least"}
FIRST_FETCH_YEAR = 2000
LAST_FETCH_YEAR = date.today().year - 1  # the latest year that can be complete


def comtrade_key() -> str | None:
    """An API key from Streamlit secrets or the environment; None means the public preview."""
    try:
        key = st.secrets.get("COMTRADE_API_KEY")
    except (FileNotFoundError, KeyError, OSError):
        key = None
    return key or os.environ.get("COMTRADE_API_KEY") or None


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
        st.info(
            f"No observations for {pair.label} yet. Fetch them from UN Comtrade below.",
            icon=":material/info:",
        )
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

    # ---- live refresh ----------------------------------------------------------------------------
    st.header("Refresh from UN Comtrade")

    key = comtrade_key()
    st.caption(
        f"Annual goods totals for {pair.label}, both countries' reports (the mirror). "
        + ("Using your API key." if key else "Without an API key: the public preview, one request "
           "per year and direction at about one a second.")
        + " Fetched figures are stored outside the repository and validated before use."
    )  # fmt: skip
    years = st.slider(
        "Years to fetch",
        FIRST_FETCH_YEAR,
        LAST_FETCH_YEAR,
        (2010, LAST_FETCH_YEAR),
        key="fetch_years",
    )
    if st.button("Refresh from UN Comtrade", icon=":material/cloud_download:", key="refresh"):
        local = store()
        wanted = list(range(years[0], years[1] + 1))
        client = ComtradeClient(api_key=key, cache_dir=local.directory)
        with st.status(f"Fetching {pair.label} from UN Comtrade…", expanded=True) as status:
            try:
                total = client.planned_requests(wanted, mirror=True)
                bar = st.progress(0.0, text=f"0 of about {total} requests")
                done = [0]

                def step() -> None:
                    done[0] += 1
                    bar.progress(
                        min(1.0, done[0] / total), text=f"{done[0]} of about {total} requests"
                    )

                result = client.fetch(pair.a, pair.b, wanted, mirror=True, progress=step)
                written = local.upsert(result.observations)
            except ComtradeAuthError as exc:
                status.update(label="UN Comtrade refused the API key", state="error")
                st.error(f"{exc}\n\nThe data already shown is still in use.", icon=":material/key:")
            except (SourceError, UnknownCountryError, DataFileError, OSError, ValueError) as exc:
                status.update(label="The refresh failed; nothing was changed", state="error")
                st.error(
                    f"{str(exc).splitlines()[0]}\n\nThe existing data is still in use; try again "
                    "later or with fewer years.",
                    icon=":material/cloud_off:",
                )
            else:
                missing = "; ".join(
                    f"{direction}: {', '.join(map(str, ys))}"
                    for direction, ys in result.years_without_data.items()
                    if ys
                )
                status.update(label="Refreshed from UN Comtrade", state="complete")
                # Shown after the rerun below, which redraws the table with the new figures.
                st.session_state["_refresh_report"] = (
                    f"{result.requests} requests, {written.added} new and {written.replaced} "
                    "updated figures stored."
                    + (f" Nothing reported yet for {missing}." if missing else ""),
                    [safe_label(w, 300) for w in result.warnings],
                )
            finally:
                client.close()
        if "_refresh_report" in st.session_state:
            st.rerun()
    report = st.session_state.pop("_refresh_report", None)
    if report is not None:
        st.success(report[0], icon=":material/check:")
        for warning in report[1]:
            st.caption(warning)

    # ---- your own series ------------------------------------------------------------------------
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
            st.error(
                f"**{parsed.summary}**\n\n"
                + "\n".join(f"- {safe_label(line, 300)}" for line in parsed.lines()[:50])
                + ("\n- …" if len(parsed.problems) > 50 else ""),
                icon=":material/error:",
            )
        else:
            st.session_state[UPLOAD_STATE_KEY] = parsed
    up = st.session_state.get(UPLOAD_STATE_KEY)
    if up is not None:
        st.success(to_markdown(uploaded_summary(up)), icon=":material/upload_file:")
        for note in up.notes:
            st.caption(safe_label(note, 300))
        st.caption(
            f"Choose **Your data: {safe_label(up.label)}** as the statistics basis in the tracker"
            + ("" if up.reporter and up.partner else " (for any pair: the file names no countries)")
            + "."
        )
        if st.button("Save to local store", icon=":material/save:", key="save_upload"):
            try:
                saved = store().upsert(to_store_rows(up, date.today().isoformat()))
            except ValueError as exc:  # DataFileError is a ValueError too
                st.error(f"Not saved: {str(exc).splitlines()[0]}", icon=":material/error:")
            except OSError as exc:
                st.error(
                    f"Not saved: the store could not be written ({exc}).", icon=":material/error:"
                )
            else:
                st.success(
                    f"Saved: {saved.added} new and {saved.replaced} updated figures "
                    f"in {saved.path}.",
                    icon=":material/check:",
                )

    # ---- everything as a file --------------------------------------------------------------------
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
