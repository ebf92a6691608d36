// Tiny DOM helpers: el(tag, attrs, ...children), html(tag, trustedHtml, attrs) and
// say(statusLine, message, isError).
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

// A status line (role="status", so screen readers hear it) shows one message, red when it is an error.
export function say(node, message, isError = false) {
  node.textContent = message;
  node.classList.toggle("error", isError);
}
