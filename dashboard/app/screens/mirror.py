"""Mirror statistics: both countries' own figures for their trade, side by side, and the gap."""

import streamlit as st

from dashboard.analysis.mirror import CIF_FOB_FACTOR, has_flows, mirror_table
from dashboard.app.cache import CACHE_TTL, current_pair, data_version, observations
from dashboard.app.downloads import download_buttons
from dashboard.app.fetch_panel import complete_history, empty_state
from dashboard.app.links import check_url
from dashboard.app.texts import MIRROR_STATEMENTS, MIRROR_WHY
from dashboard.app.urlstate import boolean
from dashboard.charts.mirror import mirror_figure
from dashboard.model import basis_label, country_name
from dashboard.report.files import export_stem
from dashboard.report.sentences import balance_summary, mirror_summary, to_markdown


# The table and its figure depend only on the data, the pair and the CIF/FOB toggle: computed
# once per combination, not on every rerun (they were ~60 ms of the page's ~85 ms rerun).
@st.cache_data(ttl=CACHE_TTL, max_entries=64, show_spinner=False)
def _table(version: tuple[str, str, int], pair_code: str, adjust: bool):
    a, b = pair_code.split("-")
    return mirror_table(observations(), a, b, cif_fob_adjust=adjust)


@st.cache_data(ttl=CACHE_TTL, max_entries=64, show_spinner=False)
def _figure(version: tuple[str, str, int], pair_code: str, adjust: bool):
    return mirror_figure(_table(version, pair_code, adjust))


def render() -> None:
    """Draw the page (``st.navigation`` calls this on every run of it)."""
    pair = current_pair()
    observations()  # a bad data file stops the page here, with its message

    st.title("Mirror statistics")
    st.caption(
        f"{pair.label}: what each country's own statistics say about the same trade. The gap is "
        f"{country_name(pair.a)}'s figure minus {country_name(pair.b)}'s for the same year: the "
        "same goods, counted twice, by two different offices."
    )
    check_url("mirror", {"cif_fob": boolean(False)})

    adjust = st.toggle(
        f"Put imports on an FOB basis (divide by {CIF_FOB_FACTOR:g})",
        key="cif_fob",
        bind="query-params",
        help="Imports are valued CIF (with freight and insurance), exports FOB. The customary "
        "factor 1.06 is an estimate; off by default.",
    )
    table = _table(data_version(), pair.code, adjust)
    if table.empty:
        empty_state(pair, key="mirror")  # what is missing, and the fetch, right here
        st.stop()

    reporters = [
        c for c, col in ((pair.a, "a_total"), (pair.b, "b_total")) if table[col].notna().any()
    ]
    if len(reporters) < 2:
        only = basis_label(reporters[0]) if reporters else "neither side"
        st.info(
            f"Only {only} has totals for {pair.label}, so there is no gap to measure yet. "
            "Fetch the other side from UN Comtrade below.",
            icon=":material/info:",
        )

    mirror_fig = _figure(data_version(), pair.code, adjust)
    st.plotly_chart(mirror_fig, key="mirror_chart", config={"displaylogo": False})
    st.markdown(to_markdown(mirror_summary(table)))
    for side in ("a", "b"):
        sentence = balance_summary(table, side)
        if sentence:
            st.markdown(to_markdown(sentence))
    if has_flows(table):
        st.caption(
            "Lower panel: each exporter's figure (plain bars) against the partner's recorded "
            "imports of the same goods (hatched). Imports: "
            f"{table['importer_valuation'].iloc[0]}."
        )

    download_buttons(
        lambda: table,
        name=export_stem("trade-mirror", pair.code, "both"),
        key="download_mirror",
        label="the mirror table",
        parameters={"a": pair.a, "b": pair.b, "cif_fob_adjust": adjust, "factor": CIF_FOB_FACTOR},
        figure=mirror_fig,
    )

    complete_history(pair, key="mirror", expander=True)
    st.markdown(MIRROR_WHY)
    if pair.code in MIRROR_STATEMENTS:
        st.markdown(MIRROR_STATEMENTS[pair.code])

    with st.expander("The numbers", icon=":material/table:"):
        shown = table[["year", "a_total", "b_total", "gap_usd", "gap_pct"]].copy()
        for col in ("a_total", "b_total", "gap_usd"):
            shown[col] = shown[col] / 1e9
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            column_config={
                "year": st.column_config.NumberColumn("Year", format="%d"),
                "a_total": st.column_config.NumberColumn(
                    f"{basis_label(pair.a)}, $ bn", format="%.2f"
                ),
                "b_total": st.column_config.NumberColumn(
                    f"{basis_label(pair.b)}, $ bn", format="%.2f"
                ),
                "gap_usd": st.column_config.NumberColumn("Gap, $ bn", format="%.2f"),
                "gap_pct": st.column_config.NumberColumn(
                    f"Gap, % of {basis_label(pair.b)}", format="%.0f%%"
                ),
            },
        )
