// Mends two pieces of Django admin's own markup that axe reports, whenever the admin builds them.
(function () {
  "use strict";

  function mend() {
    // A tabular inline heads its row-name column (and, without delete permission, its
    // last column) with an empty <th>: it heads nothing a reader needs, so make it a cell.
    document.querySelectorAll(".tabular thead th").forEach(function (th) {
      if (th.textContent.trim() === "" && !th.querySelector("img, input")) {
        var cell = document.createElement("td");
        cell.className = th.className;
        th.replaceWith(cell);
      }
    });
    // The filter widget's magnifier icon is a bare <span> with aria-label, which ARIA
    // forbids on an element without a role; it stands for a picture of its label.
    document.querySelectorAll(".search-label-icon[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  // The filter widgets are built by the admin's own load handler, before or after this
  // one runs; an observer catches them either way.
  new MutationObserver(mend).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", mend);
})();
