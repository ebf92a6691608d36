// One builder per kind of check (a predict check uses the number or the radio
// builder, as it predicts a number or a choice). Each returns {element, read(), fill(answer), marks}:
// read() gives the answer in the API's format (or throws a message for the learner),
// fill() shows a stored answer again, and marks maps an option/item id to the
// element that shows its feedback.

import { el, html } from "./dom.js";

function choiceInputs(check, type) {
  const list = el("div", { class: "check-options", role: type === "radio" ? "radiogroup" : "group", "aria-labelledby": `${check.id}-prompt` });
  const marks = new Map();
  for (const option of check.options) {
    const input = el("input", { type, name: check.id, value: option.id, id: `${check.id}-${option.id}` });
    const feedback = el("span", { class: "option-feedback" });
    const label = el("label", { class: "check-option", for: input.id },
      input, el("span", { class: "option-body" }, html("span", option.html), feedback));
    list.append(label);
    marks.set(option.id, { box: label, feedback });
  }
  const checked = () => [...list.querySelectorAll("input:checked")].map((i) => i.value);
  return {
    element: list,
    marks,
    read() {
      const chosen = checked();
      if (!chosen.length) throw new Error(type === "radio" ? "Choose an answer first." : "Choose at least one answer first.");
      return type === "radio" ? { choice: chosen[0] } : { choices: chosen };
    },
    fill(answer) {
      const ids = type === "radio" ? [answer.choice] : answer.choices || [];
      for (const input of list.querySelectorAll("input")) input.checked = ids.includes(input.value);
    },
  };
}

function numericInput(check, label = "Your answer") {
  const input = el("input", { type: "text", inputmode: "decimal", id: `${check.id}-value`, autocomplete: "off", "aria-describedby": `${check.id}-prompt` });
  const feedback = el("span", { class: "option-feedback" });
  const box = el("div", { class: "check-numeric" },
    el("label", { for: input.id }, label), input, check.unit ? el("span", { class: "muted" }, check.unit) : "");
  const wrapper = el("div", { class: "numeric-answer" }, box, feedback);
  return {
    element: wrapper,
    marks: new Map([["value", { box: wrapper, feedback }]]),
    read() {
      const text = input.value.trim().replace(",", ".");
      const value = Number(text);
      if (!text || !Number.isFinite(value)) throw new Error("Type a number first, for example 0.35 or 1e-7.");
      return { value };
    },
    fill(answer) { input.value = answer.value ?? ""; },
  };
}

function orderingInput(check, announce) {
  const list = el("ol", { class: "order-list", "aria-labelledby": `${check.id}-prompt` });
  const marks = new Map();
  const items = new Map();
  for (const item of check.items) {
    const text = html("span", item.html).textContent.trim();
    const up = el("button", { type: "button", class: "secondary", "aria-label": `Move “${text}” up` }, "↑");
    const down = el("button", { type: "button", class: "secondary", "aria-label": `Move “${text}” down` }, "↓");
    const feedback = el("span", { class: "option-feedback" });
    const li = el("li", { class: "order-item", "data-id": item.id },
      el("span", { class: "option-body" }, html("span", item.html), feedback), el("span", { class: "order-buttons" }, up, down));
    const move = (delta, button) => {
      const siblings = [...list.children];
      const at = siblings.indexOf(li);
      const to = at + delta;
      if (to < 0 || to >= siblings.length) return;
      if (delta < 0) list.insertBefore(li, siblings[to]); else list.insertBefore(li, siblings[to].nextSibling);
      button.focus();
      list.dispatchEvent(new Event("change", { bubbles: true }));
      announce(`“${text}” is now number ${to + 1} of ${siblings.length}.`);
    };
    up.addEventListener("click", () => move(-1, up));
    down.addEventListener("click", () => move(1, down));
    list.append(li);
    marks.set(item.id, { box: li, feedback });
    items.set(item.id, li);
  }
  return {
    element: list,
    marks,
    read: () => ({ order: [...list.children].map((li) => li.dataset.id) }),
    fill(answer) {
      for (const id of answer.order || []) if (items.has(id)) list.append(items.get(id));
    },
  };
}

function matchingInput(check) {
  const list = el("ul", { class: "match-list", "aria-labelledby": `${check.id}-prompt` });
  const marks = new Map();
  const selects = new Map();
  for (const item of check.items) {
    const labelId = `${check.id}-${item.id}-label`;
    const select = el("select", { id: `${check.id}-${item.id}`, "aria-labelledby": labelId },
      el("option", { value: "" }, "Choose…"),
      ...check.targets.map((t) => el("option", { value: t.id }, html("span", t.html).textContent.trim())));
    const feedback = el("span", { class: "option-feedback" });
    const li = el("li", { class: "match-item" },
      html("label", item.html, { id: labelId, for: select.id }), select, feedback);
    list.append(li);
    marks.set(item.id, { box: li, feedback });
    selects.set(item.id, select);
  }
  return {
    element: list,
    marks,
    read() {
      const pairs = {};
      for (const [id, select] of selects) {
        if (!select.value) throw new Error("Choose an architecture for every task first.");
        pairs[id] = select.value;
      }
      return { pairs };
    },
    fill(answer) {
      for (const [id, select] of selects) select.value = (answer.pairs || {})[id] || "";
    },
  };
}

export function buildInput(check, announce) {
  switch (check.kind) {
    case "single": return choiceInputs(check, "radio");
    case "multiple": return choiceInputs(check, "checkbox");
    case "numeric": return numericInput(check);
    case "ordering": return orderingInput(check, announce);
    case "matching": return matchingInput(check);
    case "predict": return check.predicts === "choice" ? choiceInputs(check, "radio") : numericInput(check, "Your prediction");
    default: throw new Error(`unknown kind of check: ${check.kind}`);
  }
}
