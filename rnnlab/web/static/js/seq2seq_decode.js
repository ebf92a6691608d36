// Step 7, after the seq2seq job: the learner types a date and the trained
// models decode it greedily, step by step; with attention, the heatmap of where
// the decoder looked. The weights come from the job's final result (the shared
// widget announces it with an "experiment-result" event) and go back to
// POST /api/lab/seq2seq/decode with the text.

import { postJSON } from "./api.js";
import { drawChart } from "./charts.js";
import { el, say } from "./dom.js";

const EXAMPLE = "Sunday, 14 March 2021";
let counter = 0;

function stylesheet() {
  if (!document.querySelector('link[href="/static/css/lab.css"]')) {
    document.head.append(el("link", { rel: "stylesheet", href: "/static/css/lab.css" }));
  }
}

function decodingRow(d) {
  const steps = d.steps.map((ch, t) => el("li", { title: `step ${t + 1}: ${Math.round(100 * d.probability[t])} % sure; next best “${d.runner_up[t]}”` },
    el("span", { class: "decode-char" }, ch), el("span", { class: "decode-prob" }, `${Math.round(100 * d.probability[t])}%`)));
  return el("div", { class: "decode-row" },
    el("p", { class: "decode-model" }, `${d.model}: `, el("strong", {}, d.output || "(nothing)")),
    el("ol", { class: "decode-steps", "aria-label": `${d.model}, one output character per step` }, ...steps));
}

function mount(root, weights) {
  stylesheet();
  root.querySelector(".decode-panel")?.remove();
  const id = `decode-${++counter}`;
  const input = el("input", { type: "text", id, maxlength: 40, value: EXAMPLE, autocomplete: "off", spellcheck: "false" });
  const button = el("button", { type: "button" }, "Decode");
  const outputs = el("div", { class: "decode-outputs", "aria-live": "polite" });
  const chart = el("div", { class: "experiment-chart decode-chart", role: "figure", "aria-label": "Decoding chart" });
  const status = el("p", { class: "experiment-status", role: "status" });
  const run = async () => {
    button.disabled = true;
    try {
      const body = await postJSON("/api/lab/seq2seq/decode", { text: input.value, weights });
      say(status, "");
      outputs.replaceChildren(...body.result.decodings.map(decodingRow));
      await drawChart(chart, body.spec);
    } catch (err) {
      say(status, err.message, true);
    } finally { button.disabled = false; }
  };
  button.addEventListener("click", run);
  input.addEventListener("keydown", (event) => { if (event.key === "Enter") run(); });
  root.append(el("div", { class: "decode-panel" },
    el("h4", {}, "Now try the trained models"),
    el("div", { class: "control" }, el("label", { for: id }, "Write a date any way you like"), el("div", { class: "lab-row" }, input, button)),
    outputs, chart, status));
  run();
}

document.addEventListener("experiment-result", (event) => {
  const root = event.target;
  if (root.dataset?.experiment === "seq2seq" && event.detail?.result?.weights) mount(root, event.detail.result.weights);
});
