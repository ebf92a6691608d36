// A "Copy" button on every engine-source figure (lesson/code.py renders them),
// added only where the browser offers the asynchronous clipboard.

export function addCopyButtons(root) {
  if (!navigator.clipboard || !window.isSecureContext) return;
  for (const figure of root.querySelectorAll("figure.engine-source")) {
    const pre = figure.querySelector("pre");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "copy-code";
    button.textContent = "Copy";
    button.setAttribute("aria-label", `Copy the source of ${figure.querySelector("figcaption code")?.textContent ?? "this function"}`);
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(pre.textContent);
        button.textContent = "Copied";
      } catch {
        button.textContent = "Copy failed";
      }
      setTimeout(() => { button.textContent = "Copy"; }, 2000);
    });
    figure.querySelector("figcaption").append(button);
  }
}

addCopyButtons(document);
