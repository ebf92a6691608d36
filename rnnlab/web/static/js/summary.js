// The summary page: the missed checks offered again (a right answer marks the
// check cleared; it is off the list on the next visit), and "Reset my progress",
// behind a confirmation dialog.

import { postJSON } from "./api.js";
import { initChecks } from "./checks.js";

const dialog = document.getElementById("reset-dialog");
const error = document.getElementById("reset-error");
const review = document.getElementById("review");

if (review) {
  const count = document.getElementById("review-count");
  const left = new Set([...review.querySelectorAll("[data-review]")].map((item) => item.dataset.review));
  initChecks(review, JSON.parse(document.getElementById("checks-data").textContent), (id, grade) => {
    const item = review.querySelector(`[data-review="${CSS.escape(id)}"]`);
    item.classList.toggle("cleared", grade.correct);
    if (grade.correct) left.delete(id); else left.add(id);
    count.textContent = left.size
      ? `${left.size} check${left.size === 1 ? "" : "s"} left to try again. A right answer takes a check off this list.`
      : "All cleared: every check you missed is now answered right.";
  });
}

document.getElementById("reset-open").addEventListener("click", () => {
  dialog.returnValue = "";
  dialog.showModal();
});
dialog.addEventListener("close", async () => {
  if (dialog.returnValue !== "reset") return;
  try {
    await postJSON("/api/progress/reset", { confirm: true });
    window.location.assign("/");
  } catch (err) {
    error.textContent = err.message;
    error.hidden = false;
  }
});
