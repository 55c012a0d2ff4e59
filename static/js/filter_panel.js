// The filter panels (templates/includes/filter_form.html) are <details>, closed so that a
// phone shows the list first; on a wider screen they open. A static file, not an inline
// script: the Content-Security-Policy allows no inline script.
(function () {
  if (!window.matchMedia("(min-width: 641px)").matches) return;
  document.querySelectorAll("details[data-filter-panel]").forEach(function (panel) { panel.open = true; });
})();
