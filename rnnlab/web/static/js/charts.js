// Draw a Vega-Lite spec with the vendored vega-embed. The page's CSS custom
// properties give the font and the colours of text, axes, grid, legends and
// titles, so those follow the light or dark scheme (charts are redrawn when the
// system switches). The spec's own config (rnnlab/experiments/_charts.py) wins
// where both set something (the font sizes), and the data's colours are the
// spec's: every experiment fixes its series to Okabe-Ito hues that read on both
// backgrounds and its heatmaps to a colour scale of their own; the --chart-N
// colours only fill in for a mark that names none. Single views fill the
// container's width. Expressions run in Vega's interpreter (no eval), as the
// CSP requires.

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

// Vega reads delimited text (the heatmaps' inline CSV, rnnlab/experiments/_charts.py)
// with d3-dsv, which builds each row's object with new Function: the CSP forbids
// that, so these readers, registered once, split the text here instead (RFC 4180:
// quoted fields, doubled quotes, CRLF). Vega then applies the format's `parse`.
function splitRows(text, delimiter) {
  const rows = [];
  let row = [], field = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') { field += '"'; i++; }
      else quoted = false;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === delimiter) { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field); rows.push(row); row = []; field = "";
    } else field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  return rows;
}

function delimited(fixed) {
  const read = (data, format = {}) => {
    const delimiter = fixed || format.delimiter;
    const [header, ...rows] = format.header ? [format.header, ...splitRows(String(data), delimiter)]
      : splitRows(String(data), delimiter);
    return rows.map((row) => Object.fromEntries((header || []).map((name, j) => [name, row[j] ?? ""])));
  };
  read.responseType = "text";
  return read;
}

let formatsRegistered = false;
function registerFormats() {
  if (formatsRegistered) return;
  window.vega.formats("csv", delimited(",")).formats("tsv", delimited("\t")).formats("dsv", delimited(null));
  formatsRegistered = true;
}

const COMPOSED = ["hconcat", "vconcat", "concat", "facet", "repeat"];
const NARROW = 520; // px: below this, titles wrap and legends stack in one column

function fitToContainer(spec) {
  if (COMPOSED.some((key) => key in spec) || spec.width === "container") return spec;
  return { ...spec, width: "container", autosize: { type: "fit-x", contains: "padding" } };
}

function wrapLine(line, chars) {
  const lines = [];
  let current = "";
  for (const word of String(line).split(" ")) {
    if (current && (current + " " + word).length > chars) { lines.push(current); current = word; }
    else current = current ? current + " " + word : word;
  }
  return current ? [...lines, current] : lines;
}

const wrapText = (text, chars) => (Array.isArray(text) ? text : [text]).flatMap((line) => wrapLine(line, chars));

function stackLegends(encoding) {
  const out = { ...encoding };
  for (const [channel, def] of Object.entries(encoding)) {
    if (def && typeof def.legend === "object" && def.legend !== null && def.legend.columns > 1) {
      out[channel] = { ...def, legend: { ...def.legend, columns: 1 } };
    }
  }
  return out;
}

// On a phone a long title or a wide legend would squeeze the plot: wrap the
// title's lines to the width and stack the legend entries instead.
function fitNarrow(spec, width) {
  if (width >= NARROW) return spec;
  const chars = Math.max(20, Math.floor(width / 9.5)); // a bold title letter is ~9 px wide, a subtitle's ~6.5
  const out = { ...spec };
  if (typeof spec.title === "string" || Array.isArray(spec.title)) out.title = wrapText(spec.title, chars);
  else if (spec.title && typeof spec.title === "object") {
    out.title = { ...spec.title, text: wrapText(spec.title.text, chars) };
    if (spec.title.subtitle) out.title.subtitle = wrapText(spec.title.subtitle, Math.floor(width / 7));
  }
  if (spec.encoding) out.encoding = stackLegends(spec.encoding);
  if (Array.isArray(spec.layer)) out.layer = spec.layer.map((layer) => (layer.encoding ? { ...layer, encoding: stackLegends(layer.encoding) } : layer));
  return out;
}

export async function drawChart(element, spec) {
  // ast: Vega evaluates expressions (labelExpr, filters, signals) with the
  // vega-interpreter bundled in vega-embed 7 instead of compiling them with
  // new Function, so the page's CSP needs no 'unsafe-eval'.
  const options = { actions: false, renderer: "svg", config: themeConfig(), tooltip: true, ast: true };
  registerFormats();
  const previous = drawn.get(element);
  let host = element.querySelector(":scope > .chart-host");
  if (!host) {
    host = document.createElement("div");
    host.className = "chart-host";
    element.replaceChildren(host);
  }
  const width = element.getBoundingClientRect().width;
  const result = await window.vegaEmbed(host, fitNarrow(fitToContainer(spec), width), options);
  if (previous) previous.view.finalize();
  drawn.set(element, { spec, view: result.view });
  element.style.setProperty("--chart-height", `${Math.ceil(host.getBoundingClientRect().height)}px`);
  return result.view;
}

// A function drawing specs into one element in order, skipping any that a newer
// one made stale while it drew (progress events outrun vega); onError(message)
// hears when a spec cannot be drawn.
export function chartDrawer(element, onError) {
  let latest = null;
  let busy = false;
  return async function redraw(spec) {
    latest = spec;
    if (busy) return;
    busy = true;
    try {
      while (latest) {
        const next = latest;
        latest = null;
        await drawChart(element, next);
      }
    } catch (err) {
      onError(`The chart could not be drawn: ${err.message}`);
    } finally {
      busy = false;
    }
  };
}

darkQuery.addEventListener("change", () => {
  for (const [element, { spec }] of drawn) {
    if (element.isConnected) drawChart(element, spec);
    else drawn.delete(element);
  }
});
