// The step page: math, checks, experiments, ←/→ navigation, recording
// the visit (the page's GET writes nothing), and marking the step completed
// once every check on it has been answered (or, for a step without checks,
// once the learner reaches its end).

import { recordJSON } from "./api.js";
import { initChecks } from "./checks.js";
import { initExperiments } from "./experiments.js";
import { bindStepKeys } from "./keys.js";
import { renderMath } from "./prose.js";
import "./seq2seq_decode.js";

const page = document.querySelector("[data-step]");
const body = document.getElementById("step-body");
const step = Number(page.dataset.step);
const checks = JSON.parse(document.getElementById("checks-data").textContent);
const answered = new Set(Object.keys(checks).filter((id) => checks[id].previous));

const complete = () => recordJSON("/api/progress/complete", { step }).catch(() => {});

recordJSON("/api/progress/visit", { step }).catch(() => {}); // "where you left off"

renderMath(body);
bindStepKeys(page.dataset.prev, page.dataset.next);
initChecks(body, checks, (id) => {
  answered.add(id);
  if (Object.keys(checks).every((c) => answered.has(c))) complete();
});
if (!Object.keys(checks).length) {
  const end = document.querySelector(".step-nav");
  const seen = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) { complete(); seen.disconnect(); }
  });
  seen.observe(end);
}
initExperiments(body);
