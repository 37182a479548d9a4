"""Targets registry: every declared target, its fate computed from the data, on each basis."""

import pandas as pd
import streamlit as st

from dashboard.analysis.series import basis_series, pair_mask
from dashboard.analysis.targets import DEFAULT_ASSUMED_YEAR, measured_by_totals, target_status
from dashboard.app.cache import (
    CACHE_TTL,
    OPEN_TRACKER_KEY,
    current_pair,
    data_version,
    observations,
    targets,
)
from dashboard.app.downloads import download_buttons
from dashboard.app.links import check_url
from dashboard.app.plain import plain
from dashboard.app.urlstate import boolean
from dashboard.charts.targets import targets_timeline_figure
from dashboard.model import Pair, basis_label
from dashboard.report.files import export_stem
from dashboard.report.registry import registry_table, status_headers
from dashboard.report.sentences import targets_summary, to_markdown


def tracker_settings(
    row: pd.Series, all_targets: pd.DataFrame, obs: pd.DataFrame
) -> tuple[dict | None, str]:
    """Tracker controls that open ``row``'s target on its basis, or None and the reason.

    The tracker takes the target by its id (``target=<id>``): value, base and year come with it.
    """
    reporter = row["basis"]
    t = all_targets.set_index("id").loc[row["id"]]
    if not reporter or pd.isna(row["target_value_usd"]):
        return None, "this target has no number or no data to track it with"
    if not measured_by_totals(t["scope"]):
        return None, f"its scope ({t['scope']}) is not measured by total-trade figures"
    p = Pair.parse(row["pair"])
    if len(basis_series(obs, reporter, p.other(reporter))) < 2:
        return None, "its statistics have fewer than two figures"
    return {"pair": p.code, "basis": reporter, "target": str(row["id"])}, ""


# The statuses, the timeline and the on-screen table depend only on the data and the pair (a
# toggle or a row selection does not change them): computed once per data version and pair,
# not on every rerun (they were ~70 ms of the page's ~90 ms rerun).
@st.cache_data(ttl=CACHE_TTL, max_entries=32, show_spinner=False)
def _registry(
    version: tuple[str, str, int], pair_code: str | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(statuses, the table as shown) for one pair's targets, or every pair's (None)."""
    pair = None if pair_code is None else Pair.parse(pair_code)
    chosen = _targets_of(targets(), pair)
    status = target_status(chosen, observations(), assumed_year=DEFAULT_ASSUMED_YEAR)
    return status, registry_table(status, targets(), pair)


def _targets_of(all_targets: pd.DataFrame, pair: Pair | None) -> pd.DataFrame:
    """The registry rows of ``pair`` (every row for None)."""
    if pair is None:
        return all_targets
    return all_targets[pair_mask(all_targets, pair, "country_a", "country_b")]


@st.cache_data(ttl=CACHE_TTL, max_entries=32, show_spinner=False)
def _timeline(version: tuple[str, str, int], pair_code: str | None):
    status, _ = _registry(version, pair_code)
    names = None
    if pair_code is not None:
        pair = Pair.parse(pair_code)
        names = (basis_label(pair.a), basis_label(pair.b))
    return targets_timeline_figure(status, basis_names=names)


def render() -> None:
    """Draw the page (``st.navigation`` calls this on every run of it)."""

    pair = current_pair()
    obs = observations()
    all_targets = targets()

    st.title("Declared trade targets")
    st.caption(
        "Every target governments announced, with its status computed from the data on each "
        "country's statistics: never typed in."
    )
    check_url("targets", {"all_pairs": boolean(False)})
    show_all = st.toggle("Show every pair's targets", key="all_pairs", bind="query-params")

    if _targets_of(all_targets, None if show_all else pair).empty:
        st.info(
            f"No declared targets for {pair.label} are recorded. Turn on *Show every pair's "
            "targets* "
            "to see the others.",
            icon=":material/info:",
        )
        st.stop()

    version, pair_code = data_version(), None if show_all else pair.code
    status, shown = _registry(version, pair_code)
    timeline_fig = _timeline(version, pair_code)
    st.plotly_chart(timeline_fig, key="targets_chart", config={"displaylogo": False})
    for basis in dict.fromkeys(status["basis"]):
        if basis:
            st.markdown(to_markdown(targets_summary(status, basis)))
    st.caption(
        "One row per target; its upper line is judged on the first-named country's statistics "
        "(circles), the lower on the partner's (squares). Open-ended targets are drawn to the end "
        f"of the axis and judged against an assumed {DEFAULT_ASSUMED_YEAR}. On track / off track "
        "compares the growth needed from the latest figure with the last ten years' growth."
    )

    details = all_targets.set_index("id")[["announced_by", "source", "source_url", "scope"]]
    table = status.join(details, on="id")
    first_h, second_h = status_headers(None if show_all else pair)
    st.header("All targets")
    st.caption("Select a row to read how each status was worked out and to open it in the tracker.")
    event = st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key="targets_table",
        on_select="rerun",
        selection_mode="single-row",
        column_order=["Target", *(["Pair"] if show_all else []), first_h, second_h, "Announced",
                      "By", "Source"],
        column_config={
            "Target": st.column_config.TextColumn(width="large"),
            first_h: st.column_config.TextColumn(width="medium"),
            second_h: st.column_config.TextColumn(width="medium"),
            "By": st.column_config.TextColumn(width="large"),
            "Source": st.column_config.LinkColumn(display_text="source"),
        },
    )  # fmt: skip

    download_buttons(
        lambda: table.drop(columns=["basis_stated"]),
        name=export_stem("trade-targets", "all" if show_all else pair.code, "status"),
        key="download_targets",
        label="the target table",
        parameters={"assumed_target_year": DEFAULT_ASSUMED_YEAR, "pairs": "all" if show_all
                    else pair.code},
        figure=timeline_fig,
    )  # fmt: skip

    rows = event["selection"]["rows"] if event else []
    if rows:
        chosen_id = shown["id"].iloc[rows[0]]
        mine = table[table["id"] == chosen_id]
        st.subheader(shown["Target"].iloc[rows[0]])
        for r in mine.to_dict("records"):
            where = r["basis_label"] or "Either side"
            note = r["note"][:1].upper() + r["note"][1:]
            st.markdown(to_markdown(f"**{where}**: {r['status']}. {note}."))
        # The tracker opens a target on the basis it was stated in, else the first with data.
        row = mine.sort_values("basis_stated", ascending=False, kind="stable").iloc[0]
        settings, why = tracker_settings(row, all_targets, obs)
        label = f"“{shown['Target'].iloc[rows[0]]}” on {row['basis_label']}"
        if settings is None:
            st.info(
                f"{plain(label)} cannot be opened in the tracker: {plain(why)}.",
                icon=":material/info:",
            )
        else:

            def open_in_tracker(values: dict) -> None:
                # A callback runs before the next script run, when widget state (the pair selector
                # included) may still be set; the run then switches to the tracker.
                st.session_state.update(values)
                st.session_state[OPEN_TRACKER_KEY] = True

            st.button(
                f"Open {label} in the tracker",
                icon=":material/flag:",
                type="primary",
                on_click=open_in_tracker,
                args=(settings,),
                key="open_in_tracker",
            )
