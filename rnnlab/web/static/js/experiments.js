// Experiment widgets: one per <div class="experiment" data-experiment=id>.
// Controls come from the experiment's params_schema; a "quick" experiment is
// re-run as the learner moves a control (debounced, stale requests aborted), a
// "job" is trained in the background, its progress drawn as it streams in (jobs.js).

import { getJSON, postJSON } from "./api.js";
import { chartDrawer } from "./charts.js";
import { buildControls } from "./controls.js";
import { debounce, el, say } from "./dom.js";
import { bindJobControls } from "./jobs.js";

function comingSoon(root) {
  root.classList.add("coming-soon");
  root.replaceChildren(
    el("p", { class: "coming-title" }, "An interactive experiment will appear here."),
    el("p", {}, "It is still being built; the rest of this step works without it."));
}

function frame(root, experiment) {
  const status = el("p", { class: "experiment-status", role: "status" });
  const chart = el("div", { class: "experiment-chart", role: "figure", "aria-label": experiment.title });
  const redraw = chartDrawer(chart, (message) => say(status, message, true));
  root.replaceChildren(el("p", { class: "widget-label" }, "Experiment"), el("h3", { class: "experiment-title" }, experiment.title));
  return { status, chart, redraw, controls: null };
}

function mountQuick(root, experiment) {
  const parts = frame(root, experiment);
  let controller = null;
  const run = async () => {
    if (controller) controller.abort();
    controller = new AbortController();
    const mine = controller;
    parts.chart.classList.add("loading");
    parts.chart.setAttribute("aria-busy", "true");
    try {
      const body = await postJSON(`/api/experiments/${encodeURIComponent(experiment.id)}`, parts.controls.values(), mine.signal);
      say(parts.status, "");
      await parts.redraw(body.spec);
    } catch (err) {
      if (err.name === "AbortError") return;
      say(parts.status, err.message, true);
    } finally {
      if (controller === mine) {
        parts.chart.classList.remove("loading");
        parts.chart.removeAttribute("aria-busy");
      }
    }
  };
  parts.controls = buildControls(experiment.params_schema || {}, debounce(run, 120));
  root.append(parts.controls.element, parts.chart, parts.status);
  run();
}

function mountJob(root, experiment) {
  const parts = frame(root, experiment);
  parts.controls = buildControls(experiment.params_schema || {}, () => {});
  const train = el("button", { type: "button" }, "Train");
  const cancel = el("button", { type: "button", class: "secondary", hidden: true }, "Cancel");
  const bar = el("progress", { max: 1, value: 0, "aria-label": "Training progress", hidden: true });
  bindJobControls({ train, cancel, bar, status: parts.status }, {
    request: () => ({ url: "/api/jobs", body: { experiment: experiment.id, params: parts.controls.values() } }),
    progress: (data) => {
      if (data.spec) parts.redraw(data.spec);
      return `Training… ${Math.round(100 * (data.fraction ?? 0))}%`;
    },
    result: (data) => {
      if (data.spec) parts.redraw(data.spec);
      root.dispatchEvent(new CustomEvent("experiment-result", { bubbles: true, detail: data }));
      return "Done.";
    },
  });
  parts.chart.style.setProperty("--chart-height", "0px");
  parts.chart.append(el("p", { class: "muted chart-placeholder" }, "Choose the settings, then press Train."));
  // the status line under the buttons, as on the lab page: "Waiting…" and a refusal show where Train was pressed
  root.append(parts.controls.element, el("div", { class: "experiment-job" }, train, cancel, bar), parts.status, parts.chart);
}

export async function initExperiments(container) {
  const roots = [...container.querySelectorAll(".experiment[data-experiment]")];
  if (!roots.length) return;
  let listing;
  try {
    listing = await getJSON("/api/experiments");
  } catch (err) {
    for (const root of roots) root.replaceChildren(el("p", { class: "experiment-status error" }, `Experiments are unavailable: ${err.message}`));
    return;
  }
  const byId = new Map(listing.map((e) => [e.id, e]));
  for (const root of roots) {
    const experiment = byId.get(root.dataset.experiment);
    if (!experiment) comingSoon(root);
    else if (experiment.kind === "job") mountJob(root, experiment);
    else mountQuick(root, experiment);
  }
}
