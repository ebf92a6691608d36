// Draw a Vega-Lite spec with the vendored vega-embed, themed from the page's
// CSS custom properties so charts follow the light or dark scheme (and are
// redrawn when the system switches). Single views fill the container's width.

const drawn = new Map(); // element -> {spec, view}
const darkQuery = window.matchMedia("(prefers-color-scheme: dark)");

function palette() {
  const css = getComputedStyle(document.documentElement);
  const v = (name) => css.getPropertyValue(name).trim();
  return { text: v("--text"), muted: v("--muted"), border: v("--border"), font: v("--font"),
    series: [v("--chart-1"), v("--chart-2"), v("--chart-3"), v("--chart-4")] };
}

function themeConfig() {
  const p = palette();
  const axis = { labelColor: p.muted, titleColor: p.text, gridColor: p.border, domainColor: p.muted, tickColor: p.muted,
    labelFont: p.font, titleFont: p.font, labelFontSize: 12, titleFontSize: 12.5, titleFontWeight: 600 };
  return {
    background: "transparent",
    font: p.font,
    view: { stroke: null },
    axis,
    legend: { labelColor: p.text, titleColor: p.text, labelFont: p.font, titleFont: p.font, labelFontSize: 12, titleFontSize: 12.5 },
    header: { labelColor: p.text, titleColor: p.text, labelFont: p.font, titleFont: p.font },
    title: { color: p.text, subtitleColor: p.muted, font: p.font, fontSize: 14, anchor: "start" },
    text: { color: p.text },
    range: { category: [...p.series, "#7f8c8d", "#b5651d", "#2e86ab", "#a23b72"] },
    line: { strokeWidth: 2.25 },
    mark: { color: p.series[0] },
  };
}

const COMPOSED = ["hconcat", "vconcat", "concat", "facet", "repeat"];

function fitToContainer(spec) {
  if (COMPOSED.some((key) => key in spec) || spec.width === "container") return spec;
  return { ...spec, width: "container", autosize: { type: "fit-x", contains: "padding" } };
}

export async function drawChart(element, spec) {
  const options = { actions: false, renderer: "svg", config: themeConfig(), tooltip: true };
  const previous = drawn.get(element);
  let host = element.querySelector(":scope > .chart-host");
  if (!host) {
    host = document.createElement("div");
    host.className = "chart-host";
    element.replaceChildren(host);
  }
  const result = await window.vegaEmbed(host, fitToContainer(spec), options);
  if (previous) previous.view.finalize();
  drawn.set(element, { spec, view: result.view });
  element.style.setProperty("--chart-height", `${Math.ceil(element.getBoundingClientRect().height)}px`);
  return result.view;
}

darkQuery.addEventListener("change", () => {
  for (const [element, { spec }] of drawn) {
    if (element.isConnected) drawChart(element, spec);
    else drawn.delete(element);
  }
});
