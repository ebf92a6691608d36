import { renderMath } from "./prose.js";

renderMath(document.querySelector(".glossary"));
