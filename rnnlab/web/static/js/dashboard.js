// The instructor's class dashboard: drawn from the JSON the page came with, then
// from /class/{code}/dashboard.json every few seconds (paused while the tab is
// hidden). Option, prompt and feedback HTML is the lesson's own, rendered by the
// server; learners' display names go in as text only.

import { el, html } from "./dom.js";
import { renderMath } from "./prose.js";

const POLL_MS = 3000;
const root = document.querySelector(".dash");
const code = root.dataset.code;
const live = document.getElementById("dash-live");
const liveText = document.getElementById("dash-live-text");
const errorBox = document.getElementById("dash-error");

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
const pct = (n, of) => (of ? Math.round((100 * n) / of) : 0);

function bar(n, of, kind = "") {
  const fill = el("span", { class: "bar-fill" });
  fill.style.width = `${pct(n, of)}%`;
  return el("span", { class: `bar ${kind}`, "aria-hidden": "true" }, fill);
}

function drawSteps(data) {
  const most = Math.max(1, ...data.steps.map((s) => s.here));
  const list = document.getElementById("step-bars");
  list.replaceChildren(...data.steps.map((s) => {
    const column = el("span", { class: "step-bar-col", "aria-hidden": "true" });
    const fill = el("span", { class: "step-bar-fill" });
    fill.style.height = `${(100 * s.here) / most}%`; // a column on a wide screen ...
    fill.style.setProperty("--w", `${(100 * s.here) / most}%`); // ... a row on a phone (classroom.css)
    column.append(fill);
    return el("li", { class: s.here ? "step-bar" : "step-bar empty" },
      el("span", { class: "step-bar-count" }, String(s.here)), column,
      el("span", { class: "step-bar-label" }, el("strong", {}, `Step ${s.step}`),
        el("span", { class: "step-bar-title" }, s.title)),
      el("span", { class: "visually-hidden" }, `: ${plural(s.here, "learner")}`));
  }));
  document.getElementById("not-started").textContent = data.not_started
    ? `${plural(data.not_started, "learner")} joined but ${data.not_started === 1 ? "has" : "have"} not opened a step yet.` : "";
}

function row(labelNode, n, of, kind, note) {
  return el("li", { class: `dist-row ${kind}${n ? "" : " none"}` },
    el("div", { class: "dist-label" }, labelNode),
    el("div", { class: "dist-figure" }, bar(n, of, kind), el("span", { class: "dist-count" }, String(n))),
    note || null);
}

function misconception(feedbackHtml, label = "Reveals") {
  const note = html("div", feedbackHtml, { class: "misconception" });
  note.prepend(el("span", { class: "misconception-tag" }, label));
  return note;
}

function choiceRows(check) {
  return check.options.map((o) => {
    const label = html("div", o.html, { class: "option-text" });
    if (o.correct) label.prepend(el("span", { class: "tag good" }, check.kind === "predict" ? "measured" : "right"));
    return row(label, o.count, check.answered, o.correct ? "good" : "bad",
      o.correct ? null : misconception(o.feedback_html));
  });
}

function numberRows(check) {
  const n = check.number;
  const median = (b) => (b.median === null ? "" : ` · median ${b.median}`);
  const unit = n.unit ? ` ${n.unit}` : "";
  return [
    row(el("span", {}, check.kind === "predict" ? `Right (the model measured ${n.expected ?? "—"}${unit})`
      : `Right (${n.expected}${unit}${n.tolerance && n.tolerance !== "0" ? ` ± ${n.tolerance}` : ""})`),
      n.right.count, check.answered, "good"),
    row(el("span", {}, `Too low${median(n.low)}`), n.low.count, check.answered, "bad",
      n.low.feedback_html ? misconception(n.low.feedback_html) : null),
    row(el("span", {}, `Too high${median(n.high)}`), n.high.count, check.answered, "bad",
      n.high.feedback_html ? misconception(n.high.feedback_html) : null),
  ];
}

function orderingRows(check) {
  const rows = check.items.map((item) => {
    const label = html("div", item.html, { class: "option-text" });
    label.prepend(el("span", { class: "position" }, `${item.position}.`));
    const missed = item.right < check.answered; // explain a place only where someone missed it
    return row(label, item.right, check.answered, "good", missed ? misconception(item.feedback_html, "Why") : null);
  });
  const orders = el("li", { class: "dist-orders" },
    el("p", { class: "dist-subhead" }, "Most common orders (numbered as above)"),
    el("ul", {}, ...check.orders.map((o) => el("li", { class: o.correct ? "good" : "bad" },
      el("span", { class: "order-seq" }, o.positions.join(" → ")),
      el("span", { class: "order-count" }, ` · ${plural(o.count, "learner")}${o.correct ? " · right" : ""}`)))));
  return [el("li", { class: "dist-subhead" }, "The right order, and how many put each step in its place"), ...rows,
    check.orders.length ? orders : null];
}

function matchingRows(check) {
  return check.items.map((item) => {
    const label = el("div", { class: "option-text" }, html("span", item.html), el("span", { class: "arrow" }, " → "),
      html("span", item.target_html));
    const wrong = item.common_wrong
      ? el("p", { class: "dist-note" }, "Most common wrong match: ", html("span", item.common_wrong.html),
        ` (${plural(item.common_wrong.count, "learner")})`) : null;
    const note = wrong ? el("div", {}, wrong, misconception(item.feedback_html, "Why")) : null;
    return row(label, item.right, check.answered, "good", note);
  });
}

const ROWS = { single: choiceRows, multiple: choiceRows, numeric: numberRows, ordering: orderingRows,
  matching: matchingRows };

function drawCheck(check, outcomes) {
  const rows = check.kind === "predict" ? (check.number ? numberRows : choiceRows) : ROWS[check.kind];
  const rate = check.answered ? `${check.correct} of ${check.answered} right` : "no answers yet";
  const head = el("header", { class: "dash-check-head" },
    el("span", { class: "badge" }, `Step ${check.step}`),
    el("span", { class: "dash-check-outcome" }, outcomes[check.outcome] || check.outcome),
    el("span", { class: `dash-rate${check.answered && check.correct < check.answered / 2 ? " low" : ""}` }, rate));
  const card = el("article", { class: "dash-check", "data-check": check.id }, head,
    html("div", check.prompt_html, { class: "dash-prompt prose" }));
  if (check.answered) card.append(el("ul", { class: "dist" }, ...rows(check)));
  else card.classList.add("unanswered");
  return card;
}

function drawChecks(data, outcomes) {
  const box = document.getElementById("dash-checks");
  box.replaceChildren(...data.checks.map((c) => drawCheck(c, outcomes)));
  renderMath(box);
}

// A table on a wide screen, a card per learner on a phone (classroom.css): each cell carries its column's
// name in data-label for the card, and explicit roles keep it a table for screen readers either way.
function drawLearners(data, outcomes) {
  const table = document.getElementById("learners");
  const titles = ["#", "Learner", "On step", "Steps done", "Checks right", ...data.outcomes.map((o) => o.title)];
  const head = el("tr", { role: "row" }, ...titles.map((t, i) =>
    el("th", { scope: "col", role: "columnheader", class: i > 4 ? "outcome-col" : null }, t)));
  const steps = data.steps.length;
  const cell = (label, attrs, ...children) => el("td", { role: "cell", "data-label": label, ...attrs }, ...children);
  const body = data.members.map((m) => el("tr", { role: "row" },
    cell("#", { class: "num learner-no" }, String(m.number)),
    el("th", { scope: "row", role: "rowheader", class: m.anonymous ? "anon" : null }, m.name),
    cell("On step", { class: "num" }, m.step === null ? "—" : String(m.step)),
    cell("Steps done", {}, el("span", { class: "mini" }, bar(m.steps_done, steps, "good"), `${m.steps_done}/${steps}`)),
    cell("Checks right", { class: "num" }, `${m.correct}/${data.total_checks}`),
    ...m.scores.map((s) => cell(outcomes[s.outcome] || s.outcome,
      { class: `num${s.total && s.correct === s.total ? " full" : ""}` }, `${s.correct}/${s.total}`))));
  table.replaceChildren(el("thead", { role: "rowgroup" }, head), el("tbody", { role: "rowgroup" }, ...body));
  if (!data.members.length) {
    table.tBodies[0].append(el("tr", { role: "row" }, el("td", { role: "cell", colspan: String(titles.length),
      class: "empty-row" }, "Nobody has joined yet: give your learners the address above.")));
  }
}

function draw(data) {
  document.getElementById("dash-count").textContent = plural(data.learners, "learner");
  const outcomes = Object.fromEntries(data.outcomes.map((o) => [o.id, o.title])); // id -> title
  drawSteps(data);
  drawChecks(data, outcomes);
  drawLearners(data, outcomes);
}

let shown = "";

function update(data) {
  const { updated_at: at, ...rest } = data;
  const key = JSON.stringify(rest);
  if (key !== shown) {
    shown = key;
    draw(data);
  }
  liveText.textContent = `live · updated ${new Date(at).toLocaleTimeString()}`;
  live.classList.remove("stale");
  errorBox.hidden = true;
}

// The server's sentence for a refusal (401/403: signed out, or the key changed; 404: the class is gone).
async function refusal(response) {
  let detail = "";
  try {
    detail = (await response.json()).detail || "";
  } catch { /* not JSON: a proxy's page, say */ }
  detail = detail ? detail[0].toUpperCase() + detail.slice(1) : `The server refused the dashboard's data (${response.status}).`;
  return /[.!?]$/.test(detail) ? detail : `${detail}.`;
}

function refused(sentence, signIn) {
  errorBox.replaceChildren(sentence, ...(signIn ? [" ", el("a", { href: `/class/${code}/login` }, "Sign in again"), "."] : []));
  errorBox.hidden = false;
  live.classList.add("stale");
  liveText.textContent = "not updating";
}

let polling = false; // one request at a time: a slow answer is not overtaken by the next poll

async function poll() {
  if (document.hidden || polling) return;
  polling = true;
  try {
    const response = await fetch(`/class/${code}/dashboard.json`, { headers: { Accept: "application/json" }, cache: "no-store" });
    if (response.status >= 400 && response.status < 500) { // still polled: signing in again in another tab recovers
      refused(await refusal(response), response.status === 401 || response.status === 403);
      return;
    }
    if (!response.ok) throw new Error(`status ${response.status}`);
    update(await response.json());
  } catch {
    live.classList.add("stale");
    liveText.textContent = "reconnecting…";
  } finally {
    polling = false;
  }
}

function start() {
  update(JSON.parse(document.getElementById("dashboard-data").textContent));
  setInterval(poll, POLL_MS);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) poll(); });
}

start(); // deferred like KaTeX's script before it, so KaTeX has loaded
