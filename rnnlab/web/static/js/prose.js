// Finishing touches on server-rendered prose: KaTeX for the math spans. (Tables
// come from the server already in a keyboard-scrollable region: render.py.)

// A display equation wider than a phone scrolls sideways; then it must take
// keyboard focus too, so that keyboard users can scroll it.
function markScrollable(root) {
  for (const el of root.querySelectorAll(".math.display")) {
    if (el.scrollWidth > el.clientWidth + 1) {
      el.tabIndex = 0;
    } else {
      el.removeAttribute("tabindex");
    }
  }
}

let resizeBound = false;

export function renderMath(root) {
  if (!window.katex) return;
  if (!resizeBound) {
    resizeBound = true;
    let timer = 0;
    window.addEventListener("resize", () => { clearTimeout(timer); timer = setTimeout(() => markScrollable(document), 200); });
  }
  for (const el of root.querySelectorAll(".math.inline, .math.display")) {
    if (el.dataset.rendered) continue;
    const displayMode = el.classList.contains("display");
    try {
      window.katex.render(el.textContent, el, { displayMode, throwOnError: false, output: "htmlAndMathml" });
      el.dataset.rendered = "1";
    } catch (err) {
      el.title = String(err.message || err);
    }
  }
  markScrollable(root);
}
