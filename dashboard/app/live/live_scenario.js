// The tracker's live part: sliders, KPI cards and the chosen chart, recomputed in the browser.
//
// Streamlit's own sliders send every move to the server and redraw only after it answers (and,
// while dragging, only after release). Here each `input` event recomputes the closed-form
// scenario with scenario() (scenario_math.js, concatenated before this file) and patches the
// chart Python built, so the chart follows the hand. Python stays in charge of everything
// else: it builds the figure (this code only replaces the traces tagged with a `meta` role),
// the labels and number formats' wording, and receives the committed values (on `change`,
// debounced) through setStateValue to compute the verdict, notes, downloads and URL.
//
// Contract with dashboard/app/live/payload.py (`data`):
//   revision      adopt `values` only when this changes (first mount, reset, a link), so an
//                 older echo of our own commit cannot pull a slider back
//   values        {target_year, multiple, growth (%), volatility (%), shock_year, shock_size (%)}
//   controls      [{name, label, min, max, step, unit: "year"|"pct"|"times", help, disabled,
//                  digits}]; `controlsKey` names them: another set rebuilds the inputs
//   model         {latestYear, latestValue, horizon, firstYear, sigma (used when volManual is
//                  false, fraction), growth (Python's exact rate, used until the growth slider
//                  moves), volManual, z, logRelTol, reachRelTol,
//                  target: {fixed, value, baseValue, year}}
//   figure        {data, layout} from charts/, traces tagged meta: band90_hi, band90_lo,
//                 band50_hi, band50_lo, scenario, required, target, chance; `targetShape`
//                 and `targetNote` indexes of the target-year line and its label
//   view          "trade" | "chance"
//   labels        card and trace labels with {year}, {value}, {growth} placeholders
//   kpis          [{id, label, value, help}] computed by Python for the committed values; while a
//                 slider moves, the cards with ids target, progress, required, reached, chance,
//                 year50 and year90 are recomputed here
//   live          false: recompute nothing (bootstrap, both methods, no projection); show the
//                 kpis and figure as sent, and `note` saying so
//   plotlyUrl     where plotly.min.js is served (once, cached by the browser)

const BN = 1e9;
const STATE = Symbol("tdl-state");

// The same text as dashboard/formatting.py: "$43.8 bn", "12.5%", minus sign U+2212.
// Python's format() rounds an exact tie to even (f"{12.5:.0f}" is "12", f"{1.25:.1f}" "1.2");
// toFixed rounds it up. A double is a tie only if its exact decimal expansion (which toFixed
// gives up to 100 digits) ends in a 5 right after the last kept digit.
export function fixed(x, digits) {
  if (x < 0 || Object.is(x, -0)) return `-${fixed(-x, digits)}`;
  const exact = x.toFixed(Math.min(100, digits + 60));
  const cut = exact.length - (digits + 60) + digits;
  const tail = exact.slice(cut).replace(".", "");
  if (!/^50*$/.test(tail)) return x.toFixed(digits);
  const kept = exact.slice(0, cut).replace(/\.$/, "");
  const last = Number(kept[kept.length - 1]);
  if (last % 2 === 0) return kept;
  return x.toFixed(digits); // odd: rounding up (what toFixed does on a tie) gives the even digit
}

function groupThousands(text) {
  const [whole, frac] = text.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

export function formatUsd(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return "n/a";
  const sign = value < 0 ? "\u2212" : "";
  const v = Math.abs(value);
  for (const [size, unit] of [[1e12, "tn"], [1e9, "bn"], [1e6, "m"]]) {
    if (v >= size) return `${sign}$${groupThousands(fixed(v / size, digits))} ${unit}`;
  }
  return `${sign}$${groupThousands(fixed(v, 0))}`;
}

export function formatPct(rate, digits = 1, signed = false) {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return "n/a";
  const body = fixed(rate * 100, digits);
  const text = signed && !body.startsWith("-") ? `+${body}%` : `${body}%`;
  return text.replace("-", "\u2212");
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
}

function shown(control, value) {
  if (control.unit === "pct") return formatPct(value / 100, control.digits ?? 1);
  if (control.unit === "times") return `${Number(value).toFixed(1)}\u00d7`;
  return String(value);
}

function showValues(state, values) {
  for (const { input, output, control } of Object.values(state.inputs)) {
    const text = shown(control, values[control.name]);
    if (output.textContent !== text) {
      output.textContent = text;
      input.setAttribute("aria-valuetext", text);
    }
  }
}

function buildControls(root, data) {
  const state = root[STATE];
  const inputs = {};
  const boxes = [];
  for (const c of data.controls) {
    const id = `tdl-${c.name}-${Math.random().toString(36).slice(2, 8)}`;
    const box = document.createElement("div");
    box.className = "tdl-control";
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = c.label;
    const output = document.createElement("output");
    output.htmlFor = id;
    output.className = "tdl-value";
    const input = document.createElement("input");
    Object.assign(input, { type: "range", id, min: c.min, max: c.max, step: c.step });
    input.dataset.name = c.name;
    input.disabled = Boolean(c.disabled);
    if (c.help) input.title = c.help;
    const head = document.createElement("div");
    head.className = "tdl-head";
    head.append(label, output);
    box.append(head, input);
    boxes.push(box);
    inputs[c.name] = { input, output, control: c };
    input.addEventListener("input", () => {
      state.values[c.name] = Number(input.value);
      moved(root);
    });
    input.addEventListener("change", () => {
      state.values[c.name] = Number(input.value);
      clearTimeout(state.timer);
      // One commit per gesture: a keyboard user holding an arrow key fires many changes.
      state.timer = setTimeout(() => commit(root), state.data.debounceMs ?? 250);
    });
  }
  state.controls.replaceChildren(...boxes);
  state.inputs = inputs;
  state.controlsKey = data.controlsKey;
}

function build(parent, data) {
  const root = document.createElement("div");
  root.className = "tdl-root";
  const cards = document.createElement("div");
  cards.className = "tdl-cards";
  cards.setAttribute("aria-live", "polite");
  const chart = document.createElement("div");
  chart.className = "tdl-chart";
  // A figure, not an img: an img's children are presentational, and Plotly's are focusable.
  chart.setAttribute("role", "figure");
  const note = document.createElement("p");
  note.className = "tdl-note";
  const controls = document.createElement("div");
  controls.className = "tdl-controls";
  root.append(cards, chart, note, controls);
  parent.append(root);
  root[STATE] = {
    inputs: {}, cards, chart, note, controls, values: {}, revision: null, pending: 0,
    timer: null, lastDraw: -Infinity, settle: null, drawnKey: null, requested: null,
  };
  return root;
}

// An input event: the outputs now; the chart at once, or at the next frame when one was drawn
// within this frame already (a drag fires several inputs a frame).
function moved(root) {
  const state = root[STATE];
  // The slider's own value (and what a screen reader announces) at once, on every event; only
  // the cards and the chart are coalesced into frames.
  showValues(state, { ...state.data.values, ...state.values });
  if (!state.data.live || state.pending) return;
  if (performance.now() - state.lastDraw > 16) {
    draw(root, { moving: true });
    return;
  }
  root.dataset.settling = "";
  state.pending = requestAnimationFrame(() => {
    state.pending = 0;
    draw(root, { moving: true });
  });
}

function commit(root) {
  const state = root[STATE];
  state.setStateValue("scenario", { ...state.values, revision: state.revision });
}

export function compute(model, values, sent = {}) {
  const t = model.target;
  const targetValue = t.fixed ? t.value : t.baseValue * values.multiple;
  const targetYear = t.year ?? values.target_year;
  const shockOn = values.shock_year !== null && values.shock_year !== undefined;
  const manual = model.volManual ?? true;
  const sigma = !manual || values.volatility === null || values.volatility === undefined
    ? model.sigma
    : values.volatility / 100;
  // Python's exact rate (a preset's, the slider shows it rounded) until the slider moves.
  const growth = model.growth !== null && model.growth !== undefined && values.growth === sent.growth
    ? model.growth
    : values.growth / 100;
  return {
    targetValue,
    targetYear,
    growth,
    ...scenario({
      latestYear: model.latestYear,
      latestValue: model.latestValue,
      growth,
      sigma,
      targetValue,
      targetYear,
      horizon: model.horizon,
      shockYear: shockOn ? values.shock_year : null,
      shockSize: shockOn ? (values.shock_size ?? 0) / 100 : 0,
      z: model.z,
      logRelTol: model.logRelTol,
      reachRelTol: model.reachRelTol,
    }),
  };
}

function card(label, value, help) {
  const box = document.createElement("div");
  box.className = "tdl-card";
  if (help) box.title = help;
  const l = document.createElement("div");
  l.className = "tdl-card-label";
  l.textContent = label;
  const v = document.createElement("div");
  v.className = "tdl-card-value";
  v.textContent = value;
  box.append(l, v);
  return box;
}

// Cards are rebuilt only when their number changes (a new payload); a move rewrites text only.
function updateCards(state, specs) {
  if (!state.cardEls || state.cardEls.length !== specs.length) {
    state.cardEls = specs.map(([l, v, h]) => card(l, v, h));
    state.cards.replaceChildren(...state.cardEls);
    return;
  }
  specs.forEach(([l, v, h], i) => {
    const [label, value] = state.cardEls[i].children;
    if (label.textContent !== l) label.textContent = l;
    if (value.textContent !== v) value.textContent = v;
    state.cardEls[i].title = h || "";
  });
}

function cardsFor(data, r, values) {
  const L = data.labels;
  const specs = data.kpis.map((k) => [k.label, k.value, k.help]);
  if (!r) return specs;
  const horizon = data.model.horizon;
  const y = r.targetYear;
  const never = fill(L.never, { year: horizon });
  const live = {
    target: [fill(L.target, { year: y, multiple: formatTimes(values.multiple) }),
      formatUsd(r.targetValue)],
    progress: [L.progress, formatPct(data.model.latestValue / r.targetValue, 0)],
    required: [fill(L.required, { year: y }), formatPct(r.requiredGrowth)],
    reached: [L.reached, r.yearReached === null ? never : String(r.yearReached)],
    chance: [fill(L.chance, { year: y }), formatPct(r.probabilityAtTarget, 0)],
    year50: [L.year50, r.year50 === null ? fill(L.after, { year: horizon }) : String(r.year50)],
    year90: [L.year90, r.year90 === null ? fill(L.after, { year: horizon }) : String(r.year90)],
  };
  return data.kpis.map((k, i) => (k.id in live ? [...live[k.id], k.help] : specs[i]));
}

// "2×", "2.5×": a multiple as Python's f"{m:g}×" writes it (one decimal at most on the slider).
function formatTimes(m) {
  return String(Number(Number(m).toFixed(1)));
}

function upTo(xs, ys, last) {
  const n = xs.findIndex((x) => x > last);
  return n < 0 ? [xs, ys] : [xs.slice(0, n), ys.slice(0, n)];
}

// Replace the dynamic traces of Python's figure with this scenario's numbers.
function patchFigure(data, r) {
  const fig = data.figure;
  const model = data.model;
  const L = data.labels;
  const reach = r.yearReached ?? r.targetYear;
  const xEnd = Math.min(model.horizon, Math.max(r.targetYear, reach) + 3);
  const bn = (v) => v / BN;
  const [P10, P25, , P75, P90] = [0, 1, 2, 3, 4];
  const traces = fig.data.map((trace) => {
    const role = trace.meta;
    if (!role) return trace;
    const t = { ...trace };
    const band = { band90_hi: P90, band90_lo: P10, band50_hi: P75, band50_lo: P25 }[role];
    if (band !== undefined) {
      [t.x, t.y] = upTo(r.years, r.fan[band].map(bn), xEnd);
    } else if (role === "scenario") {
      [t.x, t.y] = upTo(r.years, r.median.map(bn), xEnd);
      t.name = fill(L.scenarioTrace, { growth: formatPct(r.growth) });
    } else if (role === "required") {
      const xs = [];
      const ys = [];
      for (let yr = model.latestYear; yr <= r.targetYear; yr += 1) {
        xs.push(yr);
        ys.push(bn(model.latestValue * (1 + r.requiredGrowth) ** (yr - model.latestYear)));
      }
      [t.x, t.y] = [xs, ys];
      t.name = fill(L.requiredTrace, { growth: formatPct(r.requiredGrowth) });
    } else if (role === "target") {
      t.x = [model.firstYear, xEnd];
      t.y = [bn(r.targetValue), bn(r.targetValue)];
      t.name = fill(L.targetTrace, { value: formatUsd(r.targetValue) });
      t.hovertemplate = `${t.name}<extra></extra>`;
    } else if (role === "chance") {
      t.x = r.years.slice(1);
      t.y = r.probability.map((p) => p * 100);
    }
    return t;
  });
  const layout = { ...fig.layout };
  if (data.view === "trade") {
    layout.xaxis = { ...layout.xaxis, range: [model.firstYear - 1, xEnd + 0.5] };
  }
  if (fig.targetShape !== undefined && layout.shapes) {
    layout.shapes = layout.shapes.map((s, i) =>
      (i === fig.targetShape ? { ...s, x0: r.targetYear, x1: r.targetYear } : s));
  }
  if (fig.targetNote !== undefined && layout.annotations) {
    layout.annotations = layout.annotations.map((a, i) =>
      (i === fig.targetNote
        ? { ...a, x: r.targetYear, text: fill(L.targetYearNote, { year: r.targetYear }) }
        : a));
  }
  return { traces, layout };
}

// While a slider moves, mostly only the tagged traces' numbers change: Plotly's animate path
// with no transition redraws just those traces, where a full redraw (~19 ms a move here) lays
// out the axes, legend, shapes and hover layers again (BENCHMARKS.md §3a). The full
// redraw follows once the hand pauses (SETTLE_MS), for what the fast path leaves as it was: the
// legend's and hover's text (they carry the growth and the target). A change of the axes'
// ranges (the x axis ends a little after the year the target is reached), of the target-year
// line or of the traces' roles is never a fast draw: Plotly animates an axis change over the
// next frames, and a frame could show new lines on the old axis.
const SETTLE_MS = 120;
const NOW = { transition: { duration: 0 }, frame: { duration: 0, redraw: false }, mode: "immediate" };

function fastKey(traces, layout) {
  const axes = [layout.xaxis && layout.xaxis.range, layout.yaxis && layout.yaxis.range];
  return JSON.stringify([traces.map((t) => t.meta || ""), layout.shapes, layout.annotations, axes]);
}

function drawChart(root, traces, layout, moving) {
  const state = root[STATE];
  const Plotly = window.Plotly;
  const config = state.data.config || {};
  const styled = themed(layout, state.theme);
  // A rerun that only echoes what is drawn (the commit of a released slider) draws nothing.
  const request = JSON.stringify([traces, styled, config]);
  if (request === state.requested) {
    if (state.settle === null) delete root.dataset.settling;
    return;
  }
  state.requested = request;
  clearTimeout(state.settle);
  state.settle = null;
  state.lastDraw = performance.now();
  const key = fastKey(traces, layout);
  if (moving && key === state.drawnKey) {
    const roles = [];
    const update = [];
    traces.forEach((t, i) => {
      if (t.meta) {
        roles.push(i);
        update.push({ x: t.x, y: t.y });
      }
    });
    Plotly.animate(state.chart, { data: update, traces: roles }, NOW);
    // data-settling on the root says the chart is behind the sliders: here the legend and hover
    // text, until the full redraw (in moved(), a frame still to draw).
    root.dataset.settling = "";
    state.settle = setTimeout(() => {
      state.settle = null;
      state.requested = null;
      drawChart(root, traces, layout, false);
    }, SETTLE_MS);
  } else {
    Plotly.react(state.chart, traces, styled, config);
    state.drawnKey = key;
    delete root.dataset.settling;
  }
  state.draws = (state.draws || 0) + 1;
  root.dataset.draws = String(state.draws);
}

function draw(root, { moving = false } = {}) {
  const state = root[STATE];
  const data = state.data;
  const values = { ...data.values, ...state.values };
  showValues(state, values);
  const r = data.live ? compute(data.model, values, data.values) : null;
  updateCards(state, cardsFor(data, r, values));
  let traces = data.figure.data;
  let layout = data.figure.layout;
  if (r) {
    ({ traces, layout } = patchFigure(data, r));
    const template = data.view === "chance" ? data.labels.chanceLabel : data.labels.chartLabel;
    state.chart.setAttribute("aria-label", fill(template, {
      value: formatUsd(r.targetValue),
      year: r.targetYear,
      chance: formatPct(r.probabilityAtTarget, 0),
    }));
  } else {
    state.chart.setAttribute("aria-label", data.note || "Trade and the target");
  }
  if (window.Plotly) drawChart(root, traces, layout, moving && Boolean(r));
}

export default function liveScenario({ data, parentElement, setStateValue }) {
  const root = parentElement.querySelector(".tdl-root") || build(parentElement, data);
  const state = root[STATE];
  state.data = data;
  state.setStateValue = setStateValue;
  state.theme = readTheme(root);
  const rebuilt = state.controlsKey !== data.controlsKey;
  if (rebuilt) buildControls(root, data);
  if (rebuilt || state.revision !== data.revision) {
    // A new revision from Python (first mount, a reset, a link, Back): take its values.
    // Otherwise keep what the hand set, which Python may not have seen yet.
    state.revision = data.revision;
    state.values = { ...data.values };
    for (const { input, control } of Object.values(state.inputs)) {
      input.value = String(data.values[control.name]);
    }
  }
  for (const { input, control } of Object.values(state.inputs)) {
    const c = data.controls.find((x) => x.name === control.name) || control;
    Object.assign(input, { min: c.min, max: c.max, step: c.step, disabled: Boolean(c.disabled) });
  }
  state.note.textContent = data.note || "";
  state.note.hidden = !data.note;
  if (window.Plotly) {
    draw(root);
  } else {
    draw(root); // cards and outputs now; the chart as soon as Plotly has loaded
    loadPlotly(data.plotlyUrl).then(
      () => draw(root),
      (err) => {
        state.chart.textContent = `The chart could not be drawn: ${err.message}. Reload the page.`;
      },
    );
  }
  return () => {
    clearTimeout(state.timer);
    clearTimeout(state.settle);
    if (state.pending) cancelAnimationFrame(state.pending);
  };
}
