// ← / → move to the previous / next step, unless the key belongs to something
// else: a form control, a slider, an open dialog or a region that scrolls sideways.

const OWNS_ARROWS = "input, select, textarea, [contenteditable], [role=slider], [role=radiogroup], .segmented, .table-scroll, .math.display, .experiment-chart, dialog[open]";

export function bindStepKeys(prevUrl, nextUrl) {
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    const target = event.target instanceof Element ? event.target : null;
    if (target && target.closest(OWNS_ARROWS)) return;
    if (document.querySelector("dialog[open]")) return;
    const url = event.key === "ArrowLeft" ? prevUrl : nextUrl;
    if (!url) return;
    event.preventDefault();
    window.location.assign(url);
  });
}
