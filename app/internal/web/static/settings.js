// Live example of a letter-number format on the settings pages: while the
// admin types a format, ask the server what number it gives and show it.
// Without this script the example shown is the one of the saved format.
(function () {
  "use strict";
  document.querySelectorAll("input[data-example-url]").forEach(function (input) {
    var out = document.getElementById(input.getAttribute("data-example-target"));
    if (!out) { return; }
    var timer = null;
    var seq = 0;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var n = ++seq;
        var url = input.getAttribute("data-example-url") + "?format=" + encodeURIComponent(input.value);
        var module = input.getAttribute("data-example-module");
        if (module) { url += "&module=" + encodeURIComponent(module); }
        fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) {
            if (!data || n !== seq) { return; }
            out.textContent = data.error ? "— " + data.error : data.example;
            out.classList.toggle("example-error", !!data.error);
          })
          .catch(function () { /* keep the last example */ });
      }, 250);
    });
  });
})();
