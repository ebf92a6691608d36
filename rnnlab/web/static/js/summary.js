// "Reset my progress", behind a confirmation dialog.

import { postJSON } from "./api.js";

const dialog = document.getElementById("reset-dialog");
const error = document.getElementById("reset-error");

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
