// Experiment widgets: one per <div class="experiment" data-experiment=id>.
// Controls come from the experiment's params_schema; a "quick" experiment is
// re-run as the learner moves a control (debounced, stale requests aborted), a
// "job" is trained in the background with progress streamed over server-sent events.

import { ApiError, deleteJSON, getJSON, postJSON } from "./api.js";
import { drawChart } from "./charts.js";
import { buildControls } from "./controls.js";
import { debounce, el } from "./dom.js";

function comingSoon(root) {
  root.classList.add("coming-soon");
  root.replaceChildren(
    el("p", { class: "coming-title" }, "An interactive experiment will appear here."),
    el("p", {}, "It is still being built; the rest of this step works without it."));
}

function frame(root, experiment) {
  const status = el("p", { class: "experiment-status", role: "status" });
  const chart = el("div", { class: "experiment-chart", role: "figure", "aria-label": experiment.title });
  const parts = { status, chart, controls: null };
  parts.redraw = makeDrawer(chart, status);
  root.replaceChildren(el("p", { class: "widget-label" }, "Experiment"), el("h3", { class: "experiment-title" }, experiment.title));
  return parts;
}

// Draw specs in order, skipping any that a newer one has made stale.
function makeDrawer(chart, status) {
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
        await drawChart(chart, next);
      }
    } catch (err) {
      showError(status, `The chart could not be drawn: ${err.message}`);
    } finally {
      busy = false;
    }
  };
}

function showError(status, message) {
  status.textContent = message;
  status.classList.add("error");
}

function clearStatus(status, message = "") {
  status.textContent = message;
  status.classList.remove("error");
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
      clearStatus(parts.status);
      await parts.redraw(body.spec);
    } catch (err) {
      if (err.name === "AbortError") return;
      showError(parts.status, err.message);
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
  let job = null;
  let source = null;
  const finish = (message, isError = false) => {
    if (source) source.close();
    source = null;
    job = null;
    train.disabled = false;
    cancel.hidden = true;
    bar.hidden = true;
    if (isError) showError(parts.status, message); else clearStatus(parts.status, message);
  };
  train.addEventListener("click", async () => {
    train.disabled = true;
    clearStatus(parts.status, "Starting…");
    try {
      job = (await postJSON("/api/jobs", { experiment: experiment.id, params: parts.controls.values() })).id;
    } catch (err) {
      finish(err instanceof ApiError ? err.message : String(err), true);
      return;
    }
    cancel.hidden = false;
    bar.hidden = false;
    bar.value = 0;
    source = new EventSource(`/api/jobs/${encodeURIComponent(job)}/events`);
    source.addEventListener("progress", (event) => {
      const data = JSON.parse(event.data);
      bar.value = data.fraction ?? 0;
      clearStatus(parts.status, `Training… ${Math.round(100 * (data.fraction ?? 0))}%`);
      if (data.spec) parts.redraw(data.spec);
    });
    source.addEventListener("result", (event) => {
      const data = JSON.parse(event.data);
      if (data.spec) parts.redraw(data.spec);
      finish("Done.");
      root.dispatchEvent(new CustomEvent("experiment-result", { bubbles: true, detail: data }));
    });
    source.addEventListener("cancelled", () => finish("Cancelled."));
    source.addEventListener("error", (event) => {
      const message = event.data ? JSON.parse(event.data).message : "Lost the connection to the training job.";
      finish(message, true);
    });
  });
  cancel.addEventListener("click", async () => {
    if (!job) return;
    cancel.disabled = true;
    try { await deleteJSON(`/api/jobs/${encodeURIComponent(job)}`); } catch (err) { showError(parts.status, err.message); }
    cancel.disabled = false;
  });
  parts.chart.style.setProperty("--chart-height", "0px");
  parts.chart.append(el("p", { class: "muted chart-placeholder" }, "Choose the settings, then press Train."));
  root.append(parts.controls.element, el("div", { class: "experiment-job" }, train, cancel, bar), parts.chart, parts.status);
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
