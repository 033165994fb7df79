// Progressive enhancement only: every page works without this.
import { initAll } from "./dist/govuk-frontend.min.js";
initAll();
