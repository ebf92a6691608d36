// Finishing touches on server-rendered prose: KaTeX for the math spans and a
// keyboard-scrollable wrapper around every table (wide tables scroll sideways on a phone).

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

export function wrapTables(root) {
  let n = 0;
  for (const table of root.querySelectorAll("table")) {
    if (table.parentElement.classList.contains("table-scroll")) continue;
    const wrapper = document.createElement("div");
    wrapper.className = "table-scroll";
    wrapper.tabIndex = 0;
    wrapper.setAttribute("role", "region");
    const caption = table.querySelector("caption");
    const heading = findHeading(table);
    wrapper.setAttribute("aria-label", caption ? caption.textContent.trim() : heading || `Table ${++n}`);
    table.replaceWith(wrapper);
    wrapper.append(table);
  }
}

function findHeading(el) {
  for (let node = el.previousElementSibling; node; node = node.previousElementSibling) {
    if (/^H[2-4]$/.test(node.tagName)) return node.textContent.trim();
  }
  return "";
}
