// Start the NHS.UK frontend's scripts (progressive enhancement only: every
// page works without JavaScript). Loaded as a module, so old browsers that
// cannot run the frontend's code skip it and keep the plain pages.
import { initAll } from "./nhsuk-frontend.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();
