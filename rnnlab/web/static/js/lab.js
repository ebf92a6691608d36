// The lab page: train a character language model on Shakespeare or the
// learner's text. Controls come from char-lm's params_schema (the shared
// widget's buildControls); the text, a saved model to continue from, the live
// chart, samples, the unit-tinted text and the download are this page's own.
// Trained weights live in the page (from the job's final result) and travel
// back to /api/lab/* to sample or to become an .npz file. Training is the
// shared job client's (jobs.js), charts the shared drawer's (charts.js).

import { getJSON, postJSON, postRaw } from "./api.js";
import { chartDrawer } from "./charts.js";
import { buildControls } from "./controls.js";
import { el, say } from "./dom.js";
import { bindJobControls } from "./jobs.js";

const OWN = new Set(["text", "init", "vocab"]); // params this page sets itself
const $ = (id) => document.getElementById(id);
const lab = $("lab");
const state = { text: null, init: null, model: null, view: null };

// -- 1. the text -------------------------------------------------------------

const useOwn = () => document.querySelector('input[name="lab-source"]:checked').value === "own";

async function takeText(body, type, what) {
  const status = $("lab-text-status");
  say(status, `Checking ${what}…`);
  try {
    const checked = await (await postRaw("/api/lab/texts", body, type)).json();
    state.text = checked.text;
    say(status, `Using ${what}: ${checked.chars.toLocaleString()} characters, ${checked.vocab_size} distinct.`);
  } catch (err) {
    say(status, err.message, true);
  }
}

function bindText() {
  for (const radio of document.querySelectorAll('input[name="lab-source"]')) {
    radio.addEventListener("change", () => { $("lab-own").hidden = !useOwn(); });
  }
  $("lab-use-paste").addEventListener("click", () => takeText($("lab-paste").value, "text/plain; charset=utf-8", "the pasted text"));
  $("lab-file").addEventListener("change", (event) => {
    const file = event.target.files[0];
    if (file) takeText(file, file.type || "application/octet-stream", file.name);
    event.target.value = "";
  });
}

// -- 2. the model --------------------------------------------------------------

function bindModelFile() {
  const status = $("lab-model-status");
  $("lab-npz").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file) return;
    say(status, `Reading ${file.name}…`);
    try {
      const loaded = await (await postRaw("/api/lab/char-lm/models", file, "application/octet-stream")).json();
      state.init = loaded;
      state.model = { weights: loaded.weights, vocab: loaded.vocab };
      $("lab-forget").hidden = false;
      $("lab-resample").disabled = false;
      say(status, `Loaded ${loaded.cell.toUpperCase()} with ${loaded.hidden_size} hidden units: training continues from it (its cell and size replace the controls above). Sample from it below.`);
    } catch (err) {
      say(status, err.message, true);
    }
  });
  $("lab-forget").addEventListener("click", () => {
    state.init = null;
    $("lab-forget").hidden = true;
    say(status, "Training starts from fresh random weights.");
  });
}

// -- 3. training -----------------------------------------------------------------

function showBaselines(result) {
  const table = $("lab-baselines");
  const rows = Object.entries(result.baselines).map(([name, value]) => el("tr", {}, el("th", { scope: "row" }, `${name} baseline`), el("td", {}, value.toFixed(3))));
  rows.push(el("tr", { class: "model" }, el("th", { scope: "row" }, `your ${result.cell.toUpperCase()}, step ${result.steps_done}`), el("td", {}, result.val_loss.at(-1).toFixed(3))));
  table.tBodies[0].replaceChildren(...rows);
  table.hidden = false;
}

function show(data, redraw) {
  const r = data.result;
  if (data.spec) redraw(data.spec);
  showBaselines(r);
  const sample = r.samples.at(-1);
  if (sample) {
    $("lab-sample").textContent = sample.text;
    $("lab-sample-step").textContent = `Sample at step ${sample.step}, temperature ${r.temperature}:`;
  }
  if (r.activations.length) showUnits({ text: r.passage, activations: r.activations, label: "a passage of validation text" });
}

function bindTraining(controls) {
  const status = $("lab-status");
  const redraw = chartDrawer($("lab-chart"), (message) => say(status, message, true));
  bindJobControls({ train: $("lab-train"), cancel: $("lab-cancel"), bar: $("lab-progress"), status }, {
    request: () => {
      if (useOwn() && !state.text) { say(status, "Paste or upload your text first (or choose Tiny Shakespeare).", true); return null; }
      const params = { ...controls.values(), text: useOwn() ? state.text : null };
      if (state.init) Object.assign(params, { init: state.init.weights, vocab: state.init.vocab });
      return { url: "/api/lab/char-lm/jobs", body: { params } };
    },
    starting: "Starting… (counting n-grams first)",
    progress: (data) => {
      show(data, redraw);
      return `Training… step ${data.result.steps_done} of ${data.result.steps}`;
    },
    result: (data) => {
      show(data, redraw);
      state.model = { weights: data.result.weights, vocab: data.result.vocab };
      $("lab-download").disabled = false;
      $("lab-resample").disabled = false;
      return `Done: validation loss ${data.result.val_loss.at(-1).toFixed(3)} nats per character.`;
    },
    cancelled: "Cancelled. The chart shows how far it got.",
  });
}

// -- 4. samples and the download -----------------------------------------------------------

function bindModelActions(controls) {
  $("lab-resample").addEventListener("click", async () => {
    if (!state.model) return;
    const { temperature } = controls.values();
    try {
      const drawn = await postJSON("/api/lab/char-lm/sample", { ...state.model, temperature, seed: Math.floor(Math.random() * 1e6), length: 400 });
      $("lab-sample").textContent = drawn.text;
      $("lab-sample-step").textContent = `A fresh sample at temperature ${temperature}:`;
      showUnits({ text: drawn.text, activations: drawn.activations, label: "this sample" });
    } catch (err) { say($("lab-status"), err.message, true); }
  });
  $("lab-download").addEventListener("click", async () => {
    if (!state.model) return;
    try {
      const blob = await (await postRaw("/api/lab/char-lm/npz", JSON.stringify(state.model), "application/json")).blob();
      const link = el("a", { href: URL.createObjectURL(blob), download: "char-lm.npz" });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (err) { say($("lab-status"), err.message, true); }
  });
}

// -- 5. one unit over the text ----------------------------------------------------------------

function unitValues(b64) {
  const bytes = atob(b64);
  const values = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const v = bytes.charCodeAt(i);
    values[i] = (v > 127 ? v - 256 : v) / 127;
  }
  return values;
}

function renderUnit() {
  const view = state.view;
  const slider = $("lab-unit");
  const u = Number(slider.value);
  $("lab-unit-value").textContent = String(u);
  slider.setAttribute("aria-valuetext", `unit ${u} of ${view.activations.length}`);
  const values = unitValues(view.activations[u]);
  const spans = [...view.text].map((ch, i) => {
    const v = values[i] ?? 0;
    const colour = v >= 0 ? "230 159 0" : "86 180 233";
    return el("span", { style: `background: rgb(${colour} / ${(0.85 * Math.abs(v)).toFixed(2)})`, title: `${JSON.stringify(ch)}: ${v.toFixed(2)}` }, ch);
  });
  $("lab-units").replaceChildren(...spans);
  $("lab-units").setAttribute("aria-label", `${view.label}, tinted by hidden unit ${u}`);
}

// The units whose value varies most over the text: good places to start looking.
function showBusiest(view) {
  const spread = view.activations.map((b64, u) => {
    const v = unitValues(b64);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    return [u, v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length];
  }).sort((a, b) => b[1] - a[1]).slice(0, 5);
  const row = $("lab-busiest");
  row.replaceChildren(row.firstElementChild, ...spread.map(([u]) => {
    const button = el("button", { type: "button", class: "secondary" }, `unit ${u}`);
    button.addEventListener("click", () => { $("lab-unit").value = String(u); renderUnit(); });
    return button;
  }));
  row.hidden = false;
}

function showUnits(view) {
  const first = !state.view;
  state.view = view;
  showBusiest(view);
  const slider = $("lab-unit");
  slider.max = String(view.activations.length - 1);
  slider.disabled = false;
  if (first || Number(slider.value) >= view.activations.length) slider.value = "0";
  renderUnit();
}

function bindUnits() {
  const slider = $("lab-unit");
  slider.addEventListener("input", () => state.view && renderUnit());
  const step = (delta) => {
    if (!state.view) return;
    const n = state.view.activations.length;
    slider.value = String((Number(slider.value) + delta + n) % n);
    renderUnit();
  };
  $("lab-unit-prev").addEventListener("click", () => step(-1));
  $("lab-unit-next").addEventListener("click", () => step(1));
}

async function init() {
  let experiment;
  try {
    experiment = (await getJSON("/api/experiments")).find((e) => e.id === lab.dataset.experiment);
  } catch (err) {
    say($("lab-status"), `The lab is unavailable: ${err.message}`, true);
    return;
  }
  const schema = experiment.params_schema;
  const shown = Object.fromEntries(Object.entries(schema.properties).filter(([name]) => !OWN.has(name)));
  const controls = buildControls({ ...schema, properties: shown }, () => {});
  $("lab-controls").replaceChildren(controls.element);
  bindText();
  bindModelFile();
  bindTraining(controls);
  bindModelActions(controls);
  bindUnits();
}

init();
