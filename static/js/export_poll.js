/* Poll a background export until its file is ready (every 2 s). */
(function () {
  "use strict";
  var box = document.getElementById("export-status");
  if (!box) return;
  var poll = function () {
    var current = box.querySelector("[data-status]");
    var status = current && current.dataset.status;
    if (status === "done" || status === "failed") return;
    fetch(box.dataset.poll, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { box.innerHTML = html; })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, 2000); });
  };
  window.setTimeout(poll, 1000);
})();
