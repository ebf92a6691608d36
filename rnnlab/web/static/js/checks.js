// The check widgets: render each <div class="check" data-check=id> from the
// public data the page embeds, submit to POST /api/checks/{id}, and show the
// verdict with the feedback for every option. A stored answer is shown again.
// A predict check commits the learner's prediction first; the server runs the
// live experiment, and the measured value is shown with the feedback.

import { postJSON } from "./api.js";
import { buildInput } from "./check_inputs.js";
import { el, html } from "./dom.js";
import { renderMath } from "./prose.js";

// A predict check shows its feedback like the kind of input it uses.
const shownAs = (check) => (check.kind !== "predict" ? check.kind : check.predicts === "choice" ? "single" : "numeric");

// How one option or item fared: a class for its box and a lead-in for its feedback.
function verdictFor(kind, f, targetName) {
  if (kind === "single" || kind === "multiple") {
    if (f.chosen) return f.correct ? ["ok", "Your choice is right. "] : ["not-ok", "Your choice is not right. "];
    if (f.correct) return kind === "single" ? ["answer", "The right answer. "] : ["not-ok", "Missed: this one is right too. "];
    return ["", ""];
  }
  if (f.ok) return ["ok", ""];
  if (kind === "ordering") return ["not-ok", `Belongs at position ${f.expected + 1}. `];
  if (kind === "matching") return ["not-ok", `Belongs with ${targetName(f.expected)}. `];
  return ["not-ok", ""];
}

function clearMarks(widget) {
  for (const { box, feedback } of widget.input.marks.values()) {
    box.classList.remove("ok", "not-ok", "answer");
    feedback.replaceChildren();
  }
  widget.verdict.replaceChildren();
  widget.verdict.className = "check-verdict";
  widget.explanation.hidden = true;
  widget.error.hidden = true;
  widget.measured.hidden = true;
}

function showGrade(widget, grade) {
  clearMarks(widget);
  for (const f of grade.feedback || []) {
    const mark = widget.input.marks.get(f.id);
    if (!mark) continue;
    const [state, lead] = verdictFor(shownAs(widget.check), f, widget.targetName);
    if (state) mark.box.classList.add(state);
    mark.feedback.append(el("strong", {}, lead), html("span", f.html));
  }
  const predict = widget.check.kind === "predict";
  widget.verdict.className = `check-verdict ${grade.correct ? "ok" : "not-ok"}`;
  widget.verdict.textContent = grade.correct
    ? (predict ? "✓ Your prediction holds." : "✓ Correct.")
    : (predict ? "✗ The model disagrees. The note says why." : "✗ Not quite. The note on each answer says why.");
  if (grade.measured) {
    const shown = predict && widget.check.predicts === "choice"
      ? (widget.optionName(grade.measured.value) || grade.measured.text) : grade.measured.text;
    widget.measured.replaceChildren("Measured by the live model: ", el("strong", {}, shown));
    widget.measured.hidden = false;
  }
  if (grade.explanation_html) {
    widget.explanation.innerHTML = grade.explanation_html;
    widget.explanation.hidden = false;
  }
  renderMath(widget.root);
}

function mount(root, check, previous, onAnswered) {
  const prompt = html("div", check.prompt_html, { class: "check-prompt", id: `${check.id}-prompt` });
  const live = el("p", { class: "visually-hidden", "aria-live": "polite" });
  const input = buildInput(check, (message) => { live.textContent = message; });
  const predict = check.kind === "predict";
  const submit = el("button", { type: "submit" }, predict ? "Commit my prediction" : "Check my answer");
  const verdict = el("p", { class: "check-verdict", role: "status" });
  const measured = el("p", { class: "check-measured", hidden: true });
  const error = el("p", { class: "form-error", role: "alert", hidden: true });
  const explanation = el("div", { class: "check-explanation", hidden: true });
  const form = el("form", { novalidate: true, "aria-labelledby": `${check.id}-prompt` },
    prompt, input.element, el("div", { class: "check-actions" }, submit, verdict), measured, error, explanation, live);
  root.classList.toggle("predict", predict);
  root.replaceChildren(el("p", { class: "widget-label" }, predict ? "Predict, then see" : "Check your understanding"), form);
  const targets = new Map((check.targets || []).map((t) => [t.id, html("span", t.html).textContent.trim()]));
  const options = new Map((check.options || []).map((o) => [o.id, html("span", o.html).textContent.trim()]));
  const widget = { root, check, input, verdict, measured, error, explanation,
    targetName: (id) => `“${targets.get(id) || id}”`, optionName: (id) => options.get(id) };

  form.addEventListener("change", () => clearMarks(widget));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let answer;
    try {
      answer = input.read();
    } catch (err) {
      clearMarks(widget);
      error.textContent = err.message;
      error.hidden = false;
      return;
    }
    submit.disabled = true;
    if (predict) {
      clearMarks(widget);
      verdict.textContent = "Running the model…";
    }
    try {
      const grade = await postJSON(`/api/checks/${encodeURIComponent(check.id)}`, answer);
      showGrade(widget, grade);
      onAnswered(check.id, grade);
    } catch (err) {
      clearMarks(widget);
      error.textContent = err.message;
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });

  if (previous && previous.answer) {
    input.fill(previous.answer);
    if (previous.grade) showGrade(widget, previous.grade);
  }
  renderMath(root);
}

// data: {check_id: {"check": check.public(learner), "previous": {"answer", "grade"} | null}}
// onAnswered(id, grade) is called after every graded answer.
export function initChecks(container, data, onAnswered = () => {}) {
  for (const root of container.querySelectorAll(".check[data-check]")) {
    const entry = data[root.dataset.check];
    if (!entry) {
      root.replaceChildren(el("p", { class: "muted" }, `This check (${root.dataset.check}) could not be loaded.`));
      continue;
    }
    mount(root, entry.check, entry.previous, onAnswered);
  }
}
