/* Forms that guide: small enhancements over forms that already work without JavaScript.

   - Error summary: the box is focused on load by its autofocus attribute; a click on
     one of its links focuses the field and scrolls its label (or legend) into view,
     which the plain #id jump leaves below the top edge.
   - "Add another" ([data-formset]): copies the formset's empty row from its <template>,
     numbers it and raises TOTAL_FORMS, so no save is needed to get a new row. Without
     JavaScript the server's empty rows and a save round-trip do the same.
   - Conditional fields ([data-shows-when="name=value value2"]): shown only when the
     named radio group has one of the values; without JavaScript all are shown, with
     hints saying when they apply. */
(function () {
  "use strict";

  function errorSummary(summary) {
    if (document.activeElement !== summary && !window.location.hash) {
      summary.focus();
    }
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      event.preventDefault();
      var legend = target.closest("fieldset") && target.closest("fieldset").querySelector("legend");
      var label = document.querySelector("label[for='" + target.id + "']");
      var anchor = (target.type === "radio" || target.type === "checkbox") && legend ? legend : label || target;
      anchor.scrollIntoView();
      target.focus({ preventScroll: true });
      history.replaceState(null, "", link.getAttribute("href"));
    });
  }

  function formset(container) {
    var prefix = container.getAttribute("data-formset");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var template = container.querySelector("template[data-formset-empty]");
    var rows = container.querySelector("[data-formset-rows]");
    var addRow = container.querySelector("[data-formset-add-row]");
    var max = parseInt(container.getAttribute("data-formset-max"), 10) || 1000;
    if (!total || !template || !rows || !addRow) return;
    var button = addRow.querySelector("[data-formset-add]");
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    addRow.appendChild(status);
    addRow.hidden = false;
    document.querySelectorAll("[data-formset-noscript]").forEach(function (node) {
      node.hidden = true;
    });

    function refresh() {
      button.disabled = parseInt(total.value, 10) >= max;
    }

    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      if (index >= max) return;
      var html = template.innerHTML
        .replace(/__prefix__/g, String(index))
        .replace(/__number__/g, String(index + 1));
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var row = holder.firstElementChild;
      rows.appendChild(row);
      total.value = String(index + 1);
      refresh();
      var first = row.querySelector("select, input:not([type='hidden']), textarea");
      if (first) first.focus();
      var legend = row.querySelector("legend");
      status.textContent = legend ? legend.textContent.trim() : "";
    });
    refresh();
  }

  function conditional(node) {
    var rule = node.getAttribute("data-shows-when").split("=");
    var name = rule[0];
    var values = (rule[1] || "").split(" ");
    var form = node.closest("form");
    if (!form) return;
    var radios = form.querySelectorAll("input[type='radio'][name='" + name + "']");
    function update() {
      var chosen = form.querySelector("input[type='radio'][name='" + name + "']:checked");
      // A field in error stays in sight, whatever was chosen: its message must be seen.
      var inError = node.querySelector(".form-field--error");
      node.hidden = !inError && !(chosen && values.indexOf(chosen.value) !== -1);
    }
    radios.forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    node.classList.add("is-conditional");
    update();
  }

  function start() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) errorSummary(summary);
    document.querySelectorAll("[data-formset]").forEach(formset);
    document.querySelectorAll("[data-shows-when]").forEach(conditional);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
