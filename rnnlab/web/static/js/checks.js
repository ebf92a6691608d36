// The check widgets: render each <div class="check" data-check=id> from the
// public data the page embeds, submit to POST /api/checks/{id}, and show the
// verdict with the feedback for every option. A stored answer is shown again.

import { postJSON } from "./api.js";
import { buildInput } from "./check_inputs.js";
import { el, html } from "./dom.js";
import { renderMath } from "./prose.js";

function feedbackFor(grade, id, index) {
  const list = grade.feedback || [];
  const keyed = list.find((f) => [f.id, f.option, f.item].includes(id));
  if (keyed) return keyed;
  return list.every((f) => f.id === undefined && f.option === undefined && f.item === undefined) ? list[index] : undefined;
}

function clearMarks(widget) {
  for (const { box, feedback } of widget.input.marks.values()) {
    box.classList.remove("ok", "not-ok");
    feedback.replaceChildren();
  }
  widget.verdict.replaceChildren();
  widget.verdict.className = "check-verdict";
  widget.explanation.hidden = true;
  widget.error.hidden = true;
}

function showGrade(widget, grade) {
  clearMarks(widget);
  [...widget.input.marks.entries()].forEach(([id, { box, feedback }], index) => {
    const f = feedbackFor(grade, id, index);
    if (!f) return;
    box.classList.add(f.ok ? "ok" : "not-ok");
    feedback.append(el("span", { class: "visually-hidden" }, f.ok ? "Right: " : "Not quite: "), html("span", f.html));
  });
  widget.verdict.className = `check-verdict ${grade.correct ? "ok" : "not-ok"}`;
  widget.verdict.textContent = grade.correct ? "✓ Correct." : "✗ Not quite — see the notes below each answer.";
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
  const submit = el("button", { type: "submit" }, "Check my answer");
  const verdict = el("p", { class: "check-verdict", role: "status" });
  const error = el("p", { class: "form-error", role: "alert", hidden: true });
  const explanation = el("div", { class: "check-explanation", hidden: true });
  const form = el("form", { novalidate: true, "aria-labelledby": `${check.id}-prompt` },
    prompt, input.element, el("div", { class: "check-actions" }, submit, verdict), error, explanation, live);
  root.replaceChildren(el("p", { class: "widget-label" }, "Check your understanding"), form);
  const widget = { root, input, verdict, error, explanation };

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

// data: {check_id: {"check": check.public(), "previous": {"answer", "grade"} | null}}
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
