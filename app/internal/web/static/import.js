// Polls a running resident import and moves its progress bar; reloads the
// page when the import has ended or is no longer running (stopped by a
// server shutdown, it is ready to be started again). Without this script
// the page refreshes itself (a <noscript> meta refresh).
(function () {
  "use strict";
  var box = document.getElementById("import-job");
  if (!box || box.dataset.status !== "berjalan") { return; }
  var bar = document.getElementById("import-progress");
  var msg = document.getElementById("import-message");
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (p) {
        bar.value = p.percent;
        bar.textContent = p.percent + "%";
        if (p.done || p.status !== "berjalan") { window.location.reload(); return; }
        setTimeout(poll, 700);
      })
      .catch(function () {
        msg.textContent = "Status impor tidak dapat dibaca; muat ulang halaman ini.";
      });
  }
  setTimeout(poll, 500);
})();
