// Controls built from an experiment's params_schema (the JSON schema of its
// pydantic Params): bounded numbers become sliders (logarithmic when the range
// spans two decades or more), enums become segmented buttons or a select,
// booleans a checkbox, strings a text field. values() gives the params object.

import { el } from "./dom.js";

function resolve(schema, prop) {
  let p = prop;
  if (p.allOf && p.allOf.length === 1) p = { ...p.allOf[0], ...p, allOf: undefined };
  if (p.$ref) {
    const name = p.$ref.split("/").pop();
    p = { ...(schema.$defs || schema.definitions || {})[name], ...p, $ref: undefined };
  }
  if (p.anyOf) {
    const concrete = p.anyOf.find((a) => a.type !== "null");
    if (concrete) p = { ...resolve(schema, concrete), ...p, anyOf: undefined };
  }
  return p;
}

const humanize = (name) => name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());

function niceStep(span) {
  const raw = span / 100;
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = [1, 2, 5, 10].find((m) => m * power >= raw) * power;
  return Number(unit.toPrecision(1)); // 10 * 1e-4 is 0.0010000000000000002 in floating point
}

function decimals(step) {
  const text = String(step);
  return text.includes("e-") ? Number(text.split("e-")[1]) : (text.split(".")[1] || "").length;
}

function bounds(p) {
  const min = p.minimum ?? p.exclusiveMinimum;
  const max = p.maximum ?? p.exclusiveMaximum;
  return [min, max];
}

function sliderControl(name, p, id, onInput) {
  const integer = p.type === "integer";
  let [min, max] = bounds(p);
  const logScale = !integer && min > 0 && max / min >= 100;
  let step = integer ? Math.max(1, p.multipleOf || 1) : p.multipleOf || niceStep(max - min);
  if (p.exclusiveMinimum !== undefined) min += integer ? 1 : step;
  if (p.exclusiveMaximum !== undefined) max -= integer ? 1 : step;
  const value = p.default ?? min;
  const output = el("output", { for: id });
  const attrs = logScale
    ? { min: 0, max: 1000, step: 1, value: Math.round((1000 * Math.log(value / min)) / Math.log(max / min)) }
    : { min, max, step, value };
  const input = el("input", { type: "range", id, name, ...attrs });
  const read = () => {
    const x = Number(input.value);
    if (!logScale) return integer ? Math.round(x) : Number(x.toFixed(decimals(step)));
    return Number((min * (max / min) ** (x / 1000)).toPrecision(2));
  };
  const show = () => {
    const v = read();
    output.textContent = logScale || Math.abs(v) >= 1e4 ? String(v) : v.toFixed(integer ? 0 : decimals(step));
    input.setAttribute("aria-valuetext", output.textContent);
  };
  input.addEventListener("input", () => { show(); onInput(); });
  show();
  return { input, output, read };
}

function enumControl(name, p, id, onInput) {
  const options = p.enum;
  const short = options.length <= 4 && options.every((o) => String(o).length <= 14);
  if (!short) {
    const select = el("select", { id, name }, ...options.map((o) => el("option", { value: String(o) }, String(o))));
    select.value = String(p.default ?? options[0]);
    select.addEventListener("change", onInput);
    return { input: select, read: () => options.find((o) => String(o) === select.value) };
  }
  let current = p.default ?? options[0];
  const group = el("div", { class: "segmented", role: "group", id });
  for (const option of options) {
    const button = el("button", { type: "button", "aria-pressed": String(option === current) }, String(option));
    button.addEventListener("click", () => {
      current = option;
      for (const b of group.children) b.setAttribute("aria-pressed", String(b === button));
      onInput();
    });
    group.append(button);
  }
  return { input: group, read: () => current, grouped: true };
}

function buildOne(schema, name, prop, uid, onInput) {
  const p = resolve(schema, prop);
  const id = `${uid}-${name}`;
  const title = p.title || humanize(name);
  const help = p.description ? el("p", { class: "control-help", id: `${id}-help` }, p.description) : null;
  const [min, max] = bounds(p);
  let control;
  if (p.enum) control = enumControl(name, p, id, onInput);
  else if (p.type === "boolean") {
    const input = el("input", { type: "checkbox", id, name });
    input.checked = Boolean(p.default);
    input.addEventListener("change", onInput);
    const wrap = el("div", { class: "control checkbox" }, input, el("label", { for: id }, title));
    if (help) { input.setAttribute("aria-describedby", help.id); wrap.append(help); }
    return { element: wrap, read: () => input.checked };
  } else if ((p.type === "number" || p.type === "integer") && Number.isFinite(min) && Number.isFinite(max)) {
    control = sliderControl(name, p, id, onInput);
  } else if (p.type === "number" || p.type === "integer") {
    const input = el("input", { type: "number", id, name, step: p.type === "integer" ? 1 : "any", value: p.default ?? "" });
    input.addEventListener("input", onInput);
    control = { input, read: () => Number(input.value) };
  } else {
    const long = (p.maxLength || 0) > 200;
    const input = el(long ? "textarea" : "input", { type: long ? null : "text", id, name, maxlength: p.maxLength, rows: long ? 6 : null });
    input.value = p.default ?? "";
    input.addEventListener("input", onInput);
    control = { input, read: () => input.value };
  }
  if (help) control.input.setAttribute("aria-describedby", help.id);
  const labelAttrs = control.grouped ? { id: `${id}-label` } : { for: id };
  if (control.grouped) control.input.setAttribute("aria-labelledby", `${id}-label`);
  const label = el("div", { class: "control-label" }, el(control.grouped ? "span" : "label", labelAttrs, title), control.output || "");
  return { element: el("div", { class: "control" }, label, control.input, help), read: control.read };
}

let counter = 0;

export function buildControls(schema, onInput) {
  const uid = `ctl${++counter}`;
  const element = el("div", { class: "experiment-controls" });
  const readers = {};
  for (const [name, prop] of Object.entries(schema.properties || {})) {
    const control = buildOne(schema, name, prop, uid, onInput);
    element.append(control.element);
    readers[name] = control.read;
  }
  return {
    element,
    values: () => Object.fromEntries(Object.entries(readers).map(([name, read]) => [name, read()])),
  };
}
