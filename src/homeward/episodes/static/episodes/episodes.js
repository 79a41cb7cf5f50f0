// The episode pages' progressive enhancements. Without JavaScript every page works as it is: the
// board and the inbox are reloaded by hand and the briefing printed from the browser's menu.
import { SortableTable } from "../moj-frontend/moj/moj-frontend.min.js";

for (const element of document.querySelectorAll(".homeward-js-only")) {
  element.hidden = false;
}

for (const button of document.querySelectorAll("[data-homeward-print]")) {
  button.addEventListener("click", () => window.print());
}

// The live board and the inbox refresh themselves (every data-homeward-refresh seconds) while
// someone is using the page, fetching the page again and swapping in the marked part. They stop once
// the person has been idle for nearly the session's idle limit, so an unattended screen still signs
// itself out.
const board = document.querySelector("[data-homeward-refresh]");
if (board) {
  const every = Number(board.dataset.homewardRefresh || "60") * 1000;
  const idleLimit = Math.max(60, Number(board.dataset.idleSeconds || "1800") - 120) * 1000;
  let lastActive = Date.now();
  for (const event of ["pointerdown", "keydown", "scroll", "touchstart"]) {
    window.addEventListener(event, () => { lastActive = Date.now(); }, { passive: true });
  }

  const refresh = async () => {
    if (document.hidden || Date.now() - lastActive > idleLimit) {
      return;
    }
    // Not while someone is choosing filters or sorting: replacing the table would lose their place.
    if (board.contains(document.activeElement) && document.activeElement !== document.body) {
      return;
    }
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!response.ok || response.redirected) {
        return; // signed out, or the server is busy: leave the page as it is
      }
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.querySelector("[data-homeward-refresh]");
      if (!fresh) {
        return;
      }
      board.innerHTML = fresh.innerHTML;
      for (const element of board.querySelectorAll(".homeward-js-only")) {
        element.hidden = false;
      }
      for (const table of board.querySelectorAll('[data-module="moj-sortable-table"]')) {
        new SortableTable(table);
      }
    } catch {
      // Offline for a moment: try again next time.
    }
  };
  window.setInterval(refresh, every);
}
