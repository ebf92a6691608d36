// Finishing touches on server-rendered prose: KaTeX for the math spans and a
// keyboard-scrollable wrapper around every table (wide tables scroll sideways on a phone).

export function renderMath(root) {
  if (!window.katex) return;
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
