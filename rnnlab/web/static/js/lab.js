import { initExperiments } from "./experiments.js";

initExperiments(document.getElementById("main"));
