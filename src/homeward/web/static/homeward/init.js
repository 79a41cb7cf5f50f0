// Starts GOV.UK Frontend and MoJ Frontend. Loaded as a module from the page template.
//
// GOV.UK Frontend's own template marks <body> with an inline <script>; Homeward's Content Security
// Policy allows no inline script, so the classes are added here instead. Module scripts run only in
// the browsers GOV.UK Frontend supports, which is what `govuk-frontend-supported` means. Without
// JavaScript nothing here runs and every page still works.
import { initAll } from "../govuk-frontend/dist/govuk/govuk-frontend.min.js";
import { initAll as initMojFrontend } from "../moj-frontend/moj/moj-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
initMojFrontend();
