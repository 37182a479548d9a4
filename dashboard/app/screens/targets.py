"""Targets registry: every declared target, its fate computed from the data, on each basis."""

import pandas as pd
import streamlit as st

from dashboard.analysis.series import basis_series, pair_mask
from dashboard.analysis.targets import DEFAULT_ASSUMED_YEAR, measured_by_totals, target_status
from dashboard.app.cache import OPEN_TRACKER_KEY, current_pair, observations, targets
from dashboard.app.downloads import download_buttons
from dashboard.app.links import check_url
from dashboard.app.urlstate import boolean
from dashboard.charts.targets import targets_timeline_figure
from dashboard.formatting import format_usd
from dashboard.model import Pair
from dashboard.report.files import export_stem
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

    chosen = all_targets
    if not show_all:
        chosen = all_targets[pair_mask(all_targets, pair, "country_a", "country_b")]
    if chosen.empty:
        st.info(
            f"No declared targets for {pair.label} are recorded. Turn on *Show every pair's "
            "targets* "
            "to see the others.",
            icon=":material/info:",
        )
        st.stop()

    status = target_status(chosen, obs, assumed_year=DEFAULT_ASSUMED_YEAR)
    timeline_fig = targets_timeline_figure(status)
    st.plotly_chart(timeline_fig, key="targets_chart", config={"displaylogo": False})
    for basis in dict.fromkeys(status["basis"]):
        if basis:
            st.markdown(to_markdown(targets_summary(status, basis)))
    st.caption(
        "Open-ended targets are drawn to the end of the axis and judged against an assumed "
        f"{DEFAULT_ASSUMED_YEAR}. On track / off track compares the growth needed from the latest "
        "figure with the last ten years' growth."
    )

    details = all_targets.set_index("id")[["announced_by", "source", "source_url", "scope"]]
    table = status.join(details, on="id")
    shown = pd.DataFrame(
        {
            "Target": table["id"],
            "Pair": table["pair"],
            "Announced": table["announced"],
            "By": table["announced_by"],
            "Target, $ bn": table["target_value_usd"] / 1e9,
            "Year": table["target_year"].astype("string").fillna("no year given"),
            "Statistics": table["basis_label"],
            "Status": table["status"],
            "Reached": table["reached_year"],
            "Progress": table["progress"].clip(upper=1.0),
            "Needs a year": table["required_cagr"],
            "Trend a year": table["historical_cagr"],
            "Source": table["source_url"],
            "Note": table["note"],
        }
    )
    st.subheader("All targets")
    st.caption("Select a row to open that target in the tracker.")
    event = st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key="targets_table",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "Target, $ bn": st.column_config.NumberColumn(format="%.1f"),
            "Reached": st.column_config.NumberColumn(format="%d"),
            "Progress": st.column_config.ProgressColumn(
                "Progress", min_value=0.0, max_value=1.0, format="percent",
                help="Latest figure / target on that basis (full bar: met or exceeded).",
            ),
            "Needs a year": st.column_config.NumberColumn(format="percent"),
            "Trend a year": st.column_config.NumberColumn(format="percent"),
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
        row = table.iloc[rows[0]]
        settings, why = tracker_settings(row, all_targets, obs)
        label = f"{row['id']} on {row['basis_label']}: {format_usd(row['target_value_usd'])}"
        if settings is None:
            st.info(f"{label} cannot be opened in the tracker: {why}.", icon=":material/info:")
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
