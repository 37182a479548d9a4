"""What is traded: a pair's trade by HS chapter or section, its changes, and a bottom-up what-if.

Answer in words first (which chapters led each direction in the chosen year), then the charts
(top items per direction, items over time, contributions to the change between two years), then
concentration, each section's growth, the what-if against the pair's target, and the table that
``trade-dashboard products`` prints. Every chart's data can be downloaded. A pair or basis
without product rows opens on the fetch of its HS chapters (the operator's; visitors are given
the command), never on an empty chart.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.analysis.composition import LEVELS
from dashboard.analysis.targets import tracker_targets
from dashboard.app import fetch_panel
from dashboard.app.cache import (
    CACHE_TTL,
    current_pair,
    data_version,
    hs_names,
    observations,
    product_rows,
    targets,
)
from dashboard.app.downloads import download_buttons
from dashboard.app.links import check_url
from dashboard.app.urlstate import ParamSpec, choice
from dashboard.charts.composition import contribution_figure, over_time_figure, top_figure
from dashboard.cli.products import fetch_hint
from dashboard.formatting import format_pct, format_usd
from dashboard.model import Pair, basis_label, country_name
from dashboard.report.composition import (
    ORIGIN_LABELS,
    ProductsView,
    bottom_up_sentence,
    bottom_up_view,
    build_view,
    concentration_sentence,
    concentration_table,
    contribution_sentence,
    contributions_table,
    growth_table,
    lead_sentence,
    over_time_table,
    products_table,
    residual_sentence,
    top_table,
)
from dashboard.report.files import export_stem
from dashboard.report.sentences import to_markdown

LEVEL_LABELS = {"chapter": "Chapters", "section": "Sections"}
DIRECTION_LABELS = {"export": "Exports", "import": "Imports", "total": "Both directions"}
#: The key of the page's fetch (its widgets and its report).
FETCH_KEY = "products"
#: Target year of the what-if when the pair has no declared target with a year.
DEFAULT_WHAT_IF_YEAR = 2030


def _basis_key(origin: str, reporter: str) -> str:
    return f"{origin}:{reporter}"


def _basis_name(key: str) -> str:
    origin, reporter = key.split(":")
    if origin == "baci":
        return "CEPII BACI (reconciled)"
    return f"{basis_label(reporter)}, via {ORIGIN_LABELS.get(origin, origin)}"


def _bases(rows: pd.DataFrame, pair: Pair) -> list[str]:
    """Basis keys with product rows, the pair's first country first, Comtrade before BACI."""
    found = rows[["origin", "reporter"]].drop_duplicates()
    keys = [_basis_key(o, r) for o, r in found.itertuples(index=False)]
    order = {pair.a: 0, pair.b: 1}
    return sorted(keys, key=lambda k: (k.startswith("baci"), order.get(k.split(":")[1], 2), k))


@st.cache_resource(ttl=CACHE_TTL, max_entries=32, show_spinner=False)
def _view(version: tuple[str, str, int], pair_code: str, basis: str, level: str) -> ProductsView:
    # Shared by every session and never mutated: built once per data version and choice.
    pair = Pair.parse(pair_code)
    origin, reporter = basis.split(":")
    return build_view(
        product_rows(pair),
        observations(),
        reporter,
        pair.other(reporter),
        origin=origin,
        level=level,
        names=hs_names(),
    )


def _empty_state(pair: Pair) -> None:
    st.info(
        f"There is no product data for {pair.label} yet, on either country's statistics, so "
        "there is nothing to break down. To see what the two trade, fetch UN Comtrade's HS "
        "chapters (both directions) below, or from the command line.",
        icon=":material/info:",
    )
    fetch_panel.products_fetch(pair, FETCH_KEY)
    st.stop()


def _specs(bases: list[str], years: list[int]) -> dict[str, ParamSpec]:
    latest = years[-1]
    return {
        "products_basis": choice(_basis_name(bases[0]), [_basis_name(b) for b in bases]),
        "level": choice(LEVEL_LABELS["chapter"], list(LEVEL_LABELS.values())),
        "year": choice(latest, years),
        "direction": choice(DIRECTION_LABELS["export"], list(DIRECTION_LABELS.values())),
        "from_year": choice(years[0], years),
        "to_year": choice(latest, years),
    }


def _download(table: pd.DataFrame, view: ProductsView, pair: Pair, kind: str, label: str, **kw):
    download_buttons(
        lambda: table,
        name=export_stem(kind, pair.code, f"{view.origin}-{view.reporter}"),
        key=f"download_{kind}",
        label=label,
        parameters={
            "reporter": view.reporter,
            "partner": view.partner,
            "source": view.origin,
            "level": view.level,
            **kw,
        },
    )


def render() -> None:
    """Draw the page (``st.navigation`` calls this on every run of it)."""
    pair = current_pair()
    observations()  # a bad data file stops the page here, with its message
    st.title("What is traded")
    fetch_panel.show_report(FETCH_KEY)  # a fetch from the empty state, after its rerun
    rows = product_rows(pair)
    bases = _bases(rows, pair)
    if not bases:
        _empty_state(pair)
    # Years do not depend on the level: read them at chapter level for the URL check.
    all_years = sorted({int(y) for y in rows["year"].unique()})
    check_url("products", lambda: _specs(bases, all_years))

    answer = st.container()
    controls = st.container()
    with controls:
        c1, c2, c3 = st.columns([3, 2, 2])
        basis = c1.selectbox(
            "Statistics basis",
            bases,
            format_func=_basis_name,
            key="products_basis",
            bind="query-params",
            help="Whose declarations the chapters come from. The two countries' statistics "
            "differ (see Mirror statistics).",
        )
        level = c3.segmented_control(
            "Level",
            list(LEVELS),
            format_func=LEVEL_LABELS.__getitem__,
            default="chapter",
            required=True,
            key="level",
            bind="query-params",
            help="HS chapters (two digits, 97 of them) or the 21 HS sections they group into.",
        )
        view = _view(data_version(), pair.code, basis, level or "chapter")
        years = view.all_years
        if not years:
            st.info(
                f"{_basis_name(basis)} has no product rows for {pair.label}; "
                f"{fetch_hint(view.reporter, view.partner)}.",
                icon=":material/info:",
            )
            st.stop()
        year = c2.selectbox(
            "Year", years[::-1], key="year", bind="query-params", help="Years with chapters."
        )

    with answer:
        st.caption(
            f"{pair.label} on {view.basis_words}. Values in US dollars; shares are of the "
            "reported total, and the part of it not allocated to any chapter is shown as such."
        )
        for flow in ("export", "import"):
            if year in view.years(flow):
                st.markdown(to_markdown(lead_sentence(view, year, flow)))
            else:
                noun = "exports" if flow == "export" else "imports"
                st.markdown(f"No chapters of {noun} for {year} on this basis.")

    _top_charts(view, pair, year)
    _over_time(view, pair)
    _contributions(view, pair, years)
    _concentration_and_growth(view, pair, year)
    _what_if(view, pair)

    st.header("The numbers")
    table = products_table(view, year)
    st.caption(
        f"Every {level} of {year}, largest first, with the not-allocated row; "
        f"`trade-dashboard products --reporter {view.reporter} --partner {view.partner} "
        f"--year {year} --level {level} --source {view.origin}` prints the same table."
    )
    _table(
        table,
        {"direction": "Direction", "rank": st.column_config.NumberColumn("Rank", format="%d"),
         "code": "Code", "name": "Name", "value_usd": "$ bn", "share": "Share, %"},
        dollars=("value_usd",),
        percents=("share",),
    )  # fmt: skip
    _download(table, view, pair, "trade-products", "the table", year=year)


def _table(
    frame: pd.DataFrame,
    headings: dict[str, Any],
    *,
    dollars: tuple[str, ...] = (),
    percents: tuple[str, ...] = (),
) -> None:
    """``frame``'s columns in ``headings``' order, under its headings (text or a column config):
    ``dollars`` (US dollars) shown in billions to three decimals, ``percents`` (fractions) in
    percent to one, so every table of the page reads alike."""
    shown = frame[list(headings)].copy()
    shown[list(dollars)] = shown[list(dollars)] / 1e9
    shown[list(percents)] = shown[list(percents)] * 100
    config = dict(headings)
    for cols, fmt in ((dollars, "%.3f"), (percents, "%.1f")):
        for c in cols:
            config[c] = st.column_config.NumberColumn(headings[c], format=fmt)
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config)


def _top_charts(view: ProductsView, pair: Pair, year: int) -> None:
    st.header(f"Top {view.level}s in {year}")
    cols = st.columns(2)
    for col, flow in zip(cols, ("export", "import"), strict=True):
        if year not in view.years(flow):
            continue
        with col:
            noun, prep = ("exports", "to") if flow == "export" else ("imports", "from")
            title = (
                f"{country_name(view.reporter)}'s {noun} {prep} "
                f"{country_name(view.partner)}, {year}"
            )
            top = top_table(view, year, flow)
            st.plotly_chart(
                top_figure(top, title=title),
                key=f"top_{flow}",
                config={"displaylogo": False},
            )
            sentence = residual_sentence(view, year, flow)
            if sentence:
                st.caption(to_markdown(sentence))
            _download(top, view, pair, f"trade-top-{flow}", f"{noun} data", year=year)


def _over_time(view: ProductsView, pair: Pair) -> None:
    st.header(f"{view.level.capitalize()}s over time")
    flows = [f for f in DIRECTION_LABELS if view.years(f)]
    labels = {DIRECTION_LABELS[f]: f for f in flows}
    picked = st.segmented_control(
        "Direction",
        list(labels),
        default=next(iter(labels)),
        required=True,
        key="direction",
        bind="query-params",
    )
    flow = labels.get(picked or "", flows[0])
    long = over_time_table(view, flow)
    title = f"{DIRECTION_LABELS[flow]} by {view.level}, US$ bn"
    st.plotly_chart(over_time_figure(long, title=title), key="over_time")
    years = view.years(flow)
    span = (
        "every year in between has figures"
        if years == list(range(years[0], years[-1] + 1))
        else "bars only for years with figures; missing years are left out, not filled in"
    )
    st.caption(
        f"{DIRECTION_LABELS[flow]}, {years[0]}–{years[-1]} ({len(years)} years with chapters: "
        f"{span}). The hatched grey band is the not-allocated part of the reported total."
    )
    _download(long, view, pair, f"trade-over-time-{flow}", "the series", direction=flow)


def _contributions(view: ProductsView, pair: Pair, years: list[int]) -> None:
    st.header("What drove the change")
    flow_years = {f: view.years(f) for f in ("total", "export", "import") if view.years(f)}
    flow = next((f for f, ys in flow_years.items() if len(ys) >= 2), None)
    if flow is None:
        st.info("A change needs two years with chapters; there is one.", icon=":material/info:")
        return
    ys = flow_years[flow]
    c1, c2 = st.columns(2)
    start = c1.selectbox("From", ys[:-1], key="from_year", bind="query-params")
    later = [y for y in ys if y > start]
    end = c2.selectbox("To", later[::-1], key="to_year", bind="query-params")
    table = contributions_table(view, flow, int(start), int(end))
    title = f"Contribution to the change of {DIRECTION_LABELS[flow].lower()}, {start}–{end}"
    st.plotly_chart(contribution_figure(table, title=title), key="contributions")
    st.markdown(to_markdown(contribution_sentence(table, view, flow)))
    st.caption(
        "Each bar: the item's change in US dollars as percentage points of the start year's "
        "total; the bars add up to the total's growth, the not-allocated part included."
    )
    _download(table, view, pair, "trade-contributions", "the contributions", start=start, end=end)


def _concentration_and_growth(view: ProductsView, pair: Pair, year: int) -> None:
    st.header("Concentration and growth")
    flow = "export" if year in view.years("export") else "import"
    conc = concentration_table(view, flow)
    sentence = concentration_sentence(conc, year)
    if sentence:
        st.markdown(
            to_markdown(f"{DIRECTION_LABELS[flow]}: {sentence}")
            + " The index is on each chapter's share of the chapters' sum."
        )
    win, growth = growth_table(view, flow)
    if win is None:
        st.caption("Growth needs figures for two years within five years of each other.")
        return
    st.markdown(
        to_markdown(
            f"Growth of each {view.level} of {DIRECTION_LABELS[flow].lower()}: "
            f"{win.describe()}; empty where a value is zero at either end."
        )
    )
    _table(
        growth,
        {"label": view.level.capitalize(), "start_usd": f"{win.start}, $ bn",
         "end_usd": f"{win.end}, $ bn", "cagr": "CAGR, % a year"},
        dollars=("start_usd", "end_usd"),
        percents=("cagr",),
    )  # fmt: skip
    _download(
        growth,
        view,
        pair,
        "trade-growth",
        "the growth table",
        window=win.describe(),
    )


def _what_if(view: ProductsView, pair: Pair) -> None:
    st.header("Bottom-up: if each part kept its trend")
    flow = "total" if view.years("total") else None
    if flow is None:
        st.info(
            "The what-if adds up exports and imports, so it needs chapters for both "
            "directions in the same years.",
            icon=":material/info:",
        )
        return
    declared = [t for t in tracker_targets(targets(), pair, date.today().year) if t.year]
    target = declared[0] if declared else None
    target_year = target.year if target else DEFAULT_WHAT_IF_YEAR
    result = bottom_up_view(view, flow, int(target_year))
    if result is None:
        return
    words = target.label if target else None
    st.markdown(
        to_markdown(bottom_up_sentence(result, view, target.value_usd if target else None, words))
    )
    if target is None:
        st.caption(f"No declared target with a year for {pair.label}: shown to {target_year}.")
    else:
        st.caption(
            "The target is stated on its own statistics basis; this sum is on "
            f"{view.basis_words}, whose total is {format_usd(result.base_total_usd)} in "
            f"{result.base_year} (implied growth {format_pct(result.implied_cagr)} a year)."
        )
    _table(
        result.table,
        {"label": view.level.capitalize(), "base_usd": f"{result.base_year}, $ bn",
         "rate": "Trend, % a year", "projected_usd": f"{result.target_year} what-if, $ bn",
         "held": "Held flat", "capped": "Capped"},
        dollars=("base_usd", "projected_usd"),
        percents=("rate",),
    )  # fmt: skip
    _download(
        result.table,
        view,
        pair,
        "trade-what-if",
        "the what-if",
        target_year=result.target_year,
        window=result.window.describe() if result.window else "",
    )
