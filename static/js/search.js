/* The search page's in-place updates (htmx), made kind to keyboards and screen readers.
   The page works without this file: it only smooths what htmx does.
   - Enter in the text box sends one request, not two (its "change" is ignored: "submit" asks).
   - The small-screen filter panel stays open across updates, and htmx puts focus back on the
     control that changed (same id); when that control is gone (a chip, a page link), focus
     goes to the results.
   - Each new result count is read out from a live region outside the swapped part.
   - A failed update puts the controls back as the last answer drew them and says so.
   - "Show N providers" only closes the small-screen panel: the results are already current. */
(function () {
  "use strict";
  if (window.impactdirSearch) {
    return;
  }
  window.impactdirSearch = true;

  var RESULTS = "search-results";
  var PANEL_TAG = '<details id="search-filters"';

  function byId(id) {
    return document.getElementById(id);
  }

  function fromSearchForm(event) {
    var target = event.target;
    return target instanceof Element && target.closest("#search-form") !== null;
  }

  function focusResults() {
    var heading = byId("results");
    if (heading) {
      heading.focus();
    }
  }

  // Is the panel a disclosure here (small screens), rather than the always-open sidebar?
  function panelCollapses(panel) {
    var summary = panel.querySelector("summary");
    return summary !== null && window.getComputedStyle(summary).display !== "none";
  }

  // On wide screens the panel is a sidebar: open, so that every browser and assistive
  // technology treats its content as shown (the CSS shows it even when closed).
  var wide = window.matchMedia("(width > 48rem)");
  function fitPanel() {
    var panel = byId("search-filters");
    if (panel) {
      panel.open = wide.matches;
    }
  }
  wide.addEventListener("change", fitPanel);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fitPanel);
  } else {
    fitPanel();
  }
  document.addEventListener("htmx:historyRestore", fitPanel);

  document.addEventListener("htmx:confirm", function (event) {
    var trigger = event.detail.triggeringEvent;
    if (trigger && trigger.type === "change" && trigger.target && trigger.target.type === "search") {
      event.preventDefault();
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var panel = byId("search-filters");
    if (!detail.target || detail.target.id !== RESULTS || !panel || !panel.open) {
      return;
    }
    // Open in the new markup itself, so that htmx can focus the control inside it.
    if (typeof detail.serverResponse === "string") {
      detail.serverResponse = detail.serverResponse.replace(PANEL_TAG, PANEL_TAG.replace("<details", "<details open"));
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target.id !== RESULTS) {
      return;
    }
    hideError();
    var count = byId("result-count");
    var announcer = byId("search-announcer");
    if (count && announcer) {
      // A corrected spelling is read out with the count: the results are for other words.
      var corrected = byId("search-corrected");
      announcer.textContent = count.textContent.trim() + (corrected ? ". " + corrected.textContent.trim() : "");
    }
    var active = document.activeElement;
    if (!active || active === document.body || !document.contains(active)) {
      focusResults();
    }
  });

  function hideError() {
    var box = byId("search-error");
    if (box) {
      box.hidden = true;
      byId("search-error-text").textContent = "";
    }
  }

  function failed(event) {
    if (!fromSearchForm(event)) {
      return;
    }
    var form = byId("search-form");
    // The controls' default values are what the last answer drew: back to them.
    form.reset();
    var box = byId("search-error");
    var text = byId("search-error-text");
    if (box && text) {
      box.hidden = false;
      // Emptied first and filled a moment later, so that a second failure is read out too.
      text.textContent = "";
      window.setTimeout(function () {
        text.textContent = text.getAttribute("data-message");
      }, 50);
    }
  }
  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:timeout", failed);

  document.addEventListener("click", function (event) {
    if (event.target instanceof Element && event.target.closest("[data-search-dismiss]")) {
      hideError();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-search-show]") : null;
    var panel = byId("search-filters");
    if (!button || !window.htmx || !panel || !panel.open || !panelCollapses(panel)) {
      return;
    }
    event.preventDefault();
    panel.open = false;
    focusResults();
  });

  document.addEventListener("keydown", function (event) {
    var panel = byId("search-filters");
    if (event.key !== "Escape" || !panel || !panel.open || !panelCollapses(panel)) {
      return;
    }
    if (event.target instanceof Node && panel.contains(event.target)) {
      panel.open = false;
      panel.querySelector("summary").focus();
    }
  });
})();
