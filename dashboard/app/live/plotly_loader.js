// plotly.js for the live scenario's chart: one copy per page, and the page's theme applied to a
// figure. Concatenated before the component's script (see component.py).

const plotlyLoads = new Map();

// One copy per page: the server's HTML names plotly.js in its head (dashboard/app/live/
// page_head.py) so it loads while Python runs; wait for that tag rather than add a second one.
function loadPlotly(url) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotlyLoads.has(url)) {
    plotlyLoads.set(
      url,
      new Promise((resolve, reject) => {
        const head = document.getElementById("tdl-plotly");
        const script = head && !head.dataset.failed ? head : document.createElement("script");
        script.addEventListener("load", () => resolve(window.Plotly));
        script.addEventListener("error", () => reject(new Error(`could not load ${url}`)));
        if (script !== head) {
          script.src = url;
          script.async = true;
          document.head.appendChild(script);
        }
      }),
    );
  }
  return plotlyLoads.get(url);
}

// Read once per payload (the component is called again when the theme changes): reading
// computed styles on every move would force a style recalculation each time.
function readTheme(el) {
  const css = getComputedStyle(el);
  return {
    text: css.getPropertyValue("--st-text-color").trim() || css.color,
    font: css.getPropertyValue("--st-font").trim() || css.fontFamily,
  };
}

function themed(layout, theme) {
  const { text, font } = theme;
  return {
    ...layout,
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    font: { ...(layout.font || {}), color: text, family: font },
  };
}

