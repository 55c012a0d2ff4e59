/* The reception page: add ledger rows (Django formset), tick a whole deputy group,
   load the chosen station's people. Without JavaScript the form still works (one
   ledger row; the station is picked with its own small form). */
(function () {
  "use strict";
  var form = document.querySelector(".reception-form");
  if (!form) return;

  // --- ledger rows ---
  var total = form.querySelector("#id_rows-TOTAL_FORMS");
  var rows = document.getElementById("ledger-rows");
  var template = document.getElementById("ledger-row-template");
  var addButton = document.getElementById("add-row");
  if (total && rows && template && addButton) {
    addButton.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var added = rows.lastElementChild;
      var first = added && added.querySelector("input[type=text], input:not([type])");
      if (first) first.focus();
    });
  }

  // --- deputy groups ---
  form.querySelectorAll("[data-toggle-group]").forEach(function (button) {
    button.addEventListener("click", function () {
      var boxes = button.closest(".deputy-group").querySelectorAll("input[type=checkbox]");
      var allOn = Array.prototype.every.call(boxes, function (b) { return b.checked; });
      boxes.forEach(function (b) { b.checked = !allOn; });
    });
  });

  // --- the cadres picked (liaison.pickers) are offered as a ledger row's receiver ---
  var cadres = form.querySelector("#id_cadres");
  var cadreBox = document.getElementById("cadres");
  if (cadres && cadreBox) {
    var prefix = cadreBox.getAttribute("data-receiver-label") || "";
    var syncReceivers = function () {
      var chosen = Array.prototype.filter.call(cadres.options, function (o) { return o.value && o.selected; });
      var wanted = {};
      chosen.forEach(function (o) { wanted["cadre:" + o.value] = o.textContent; });
      var selects = Array.prototype.slice.call(form.querySelectorAll("select[name$='-receiver']"));
      if (template && template.content) {
        selects = selects.concat(Array.prototype.slice.call(template.content.querySelectorAll("select[name$='-receiver']")));
      }
      selects.forEach(function (select) {
        Array.prototype.slice.call(select.options).forEach(function (o) {
          if (o.value.indexOf("cadre:") === 0 && !(o.value in wanted) && !o.selected) o.remove();
        });
        Object.keys(wanted).forEach(function (value) {
          var exists = Array.prototype.some.call(select.options, function (o) { return o.value === value; });
          if (!exists) select.add(new Option(prefix + " " + wanted[value], value));
        });
      });
    };
    cadres.addEventListener("change", syncReceivers);
  }

  // --- choosing the station loads its deputies, cadres and villages ---
  var station = form.querySelector("#id_station");
  if (station && form.hasAttribute("data-reload-on-station")) {
    station.addEventListener("change", function () {
      if (station.value) window.location.search = "?station=" + encodeURIComponent(station.value);
    });
  }

  // --- errors: the summary at the top takes the focus, and each of its links moves the
  // focus to its field (a ledger row's field may be thousands of pixels further down) ---
  var summary = document.getElementById("form-errors");
  if (summary) {
    summary.scrollIntoView({ block: "start" });
    summary.focus({ preventScroll: true });
    summary.querySelectorAll("a[data-error-link]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (!target) return;
        event.preventDefault();
        var control = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
        target.scrollIntoView({ block: "center" });
        if (control) control.focus({ preventScroll: true });
        if (window.history && window.history.replaceState) window.history.replaceState(null, "", link.getAttribute("href"));
      });
    });
  }

  // --- no double submit: the token makes a second one harmless; this keeps it quiet ---
  form.addEventListener("submit", function () {
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
})();
