// Tiny DOM helpers: el(tag, attrs, ...children) and html(tag, trustedHtml, attrs).
// html() is only given HTML rendered by the server from the lesson's own sources.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === "") continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function html(tag, markup, attrs = {}) {
  const node = el(tag, attrs);
  node.innerHTML = markup || "";
  return node;
}

export function debounce(fn, ms) {
  let timer = 0;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
