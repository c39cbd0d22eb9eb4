// The letter template editor: line numbers beside the YAML, problems
// marked on their lines while the admin types (the server checks the file
// with the loader and stores nothing), the DRAF preview redrawn when the
// file is valid, the side panel saving the YAML being edited, and the
// resident picker of the preview. Without this script the page still
// works: save, preview and the panel are plain forms.
(function () {
  "use strict";
  var source = document.getElementById("source");
  var gutter = document.getElementById("gutter");
  var form = document.getElementById("yaml-form");
  if (!source || !gutter || !form) { return; }
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var previewButton = document.getElementById("preview-button");
  var live = document.getElementById("live");
  var liveState = document.getElementById("live-state");
  var problemsBox = document.getElementById("template-problems");
  var problemList = document.getElementById("problem-list");
  // Lines the server marked when it refused the file.
  var bad = {};
  problemList.querySelectorAll("a.goto-line").forEach(function (a) { bad[a.getAttribute("data-line")] = true; });

  function lineCount() { return source.value.replace(/\n$/, "").split("\n").length; }

  function drawGutter() {
    var n = lineCount();
    var html = "";
    for (var i = 1; i <= n; i++) {
      html += "<span id=\"L" + i + "\"" + (bad[i] ? " class=\"bad\"" : "") + ">" + i + "</span>";
    }
    gutter.innerHTML = html;
    gutter.scrollTop = source.scrollTop;
  }

  function goToLine(n) {
    var lines = source.value.split("\n");
    var start = 0;
    for (var i = 0; i < n - 1 && i < lines.length; i++) { start += lines[i].length + 1; }
    var end = start + (lines[n - 1] || "").length;
    source.focus();
    source.setSelectionRange(start, end);
    var lineHeight = parseFloat(getComputedStyle(source).lineHeight) || 20;
    source.scrollTop = Math.max(0, (n - 5) * lineHeight);
  }

  function showProblems(problems) {
    bad = {};
    problemList.innerHTML = "";
    problems.forEach(function (p) {
      if (p.line) { bad[p.line] = true; }
      var li = document.createElement("li");
      if (p.line) {
        var a = document.createElement("a");
        a.href = "#L" + p.line;
        a.className = "goto-line";
        a.setAttribute("data-line", p.line);
        a.textContent = "Baris " + p.line;
        li.appendChild(a);
      } else {
        li.appendChild(document.createTextNode("Berkas"));
      }
      if (p.path) {
        var span = document.createElement("span");
        span.className = "path";
        span.textContent = " (" + p.path + ")";
        li.appendChild(span);
      }
      li.appendChild(document.createTextNode(": " + p.message));
      problemList.appendChild(li);
    });
    problemsBox.hidden = problems.length === 0;
    drawGutter();
  }

  problemsBox.addEventListener("click", function (ev) {
    var a = ev.target.closest ? ev.target.closest("a.goto-line") : null;
    if (!a) { return; }
    ev.preventDefault();
    goToLine(parseInt(a.getAttribute("data-line"), 10));
  });

  function preview() {
    if (!previewButton) { return; }
    if (form.requestSubmit) { form.requestSubmit(previewButton); } else { previewButton.click(); }
  }

  var timer = null;
  var seq = 0;
  function check() {
    var n = ++seq;
    var body = new FormData();
    body.append("csrf_token", csrf);
    body.append("source", source.value);
    if (liveState) { liveState.textContent = "Memeriksa…"; }
    fetch(source.getAttribute("data-check-url"), { method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || n !== seq) { return; }
        showProblems(data.problems || []);
        if (liveState) {
          liveState.textContent = data.ok ? "Templat benar." : data.problems.length + " masalah; pratinjau menunggu perbaikan.";
        }
        if (data.ok && live && live.checked) { preview(); }
      })
      .catch(function () { if (liveState) { liveState.textContent = ""; } });
  }

  source.addEventListener("input", function () {
    drawGutter();
    clearTimeout(timer);
    timer = setTimeout(check, 700);
  });
  source.addEventListener("scroll", function () { gutter.scrollTop = source.scrollTop; });
  source.addEventListener("keydown", function (ev) {
    // Tab indents by two spaces, as YAML wants; Esc then Tab leaves the box.
    if (ev.key === "Tab" && !ev.shiftKey && !ev.altKey && !ev.ctrlKey && !ev.metaKey && !source.escaped) {
      ev.preventDefault();
      var s = source.selectionStart;
      source.setRangeText("  ", s, source.selectionEnd, "end");
      source.dispatchEvent(new Event("input"));
    }
    source.escaped = ev.key === "Escape";
  });
  window.addEventListener("load", function () {
    var m = /^#L(\d+)$/.exec(location.hash);
    if (m) { goToLine(parseInt(m[1], 10)); }
  });
  drawGutter();

  // The side panel saves what is in the YAML box, saved or not. It opens
  // by itself on a wide screen with nothing to fix.
  var panel = document.getElementById("panel-form");
  var details = document.getElementById("panel");
  if (details && problemsBox.hidden && window.matchMedia("(min-width: 64rem)").matches) { details.open = true; }
  if (panel) {
    panel.addEventListener("submit", function () {
      document.getElementById("panel-source").value = source.value;
    });
  }

  // The resident of the preview.
  var picker = document.querySelector(".picker[data-search-url]");
  if (picker) {
    var q = document.getElementById("penduduk-cari");
    var hidden = document.getElementById("penduduk");
    var list = document.getElementById("penduduk-hasil");
    var picked = document.getElementById("penduduk-dipilih");
    var radio = document.getElementById("data-penduduk");
    var t2 = null;
    q.addEventListener("input", function () {
      clearTimeout(t2);
      t2 = setTimeout(function () {
        if (q.value.trim().length < 2) { list.hidden = true; return; }
        // POST with the form's CSRF token: a typed NIK stays out of URLs.
        var body = new URLSearchParams();
        body.set("q", q.value.trim());
        var token = document.querySelector('input[name="csrf_token"]');
        body.set("csrf_token", token ? token.value : "");
        fetch(picker.getAttribute("data-search-url"), { method: "POST", credentials: "same-origin", body: body,
          headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) {
            list.innerHTML = "";
            var hits = (data && data.results) || [];
            if (hits.length === 0) {
              var none = document.createElement("li");
              none.className = "none";
              none.textContent = "Tidak ada penduduk yang cocok";
              list.appendChild(none);
            }
            hits.forEach(function (h) {
              var li = document.createElement("li");
              li.setAttribute("role", "option");
              li.textContent = h.nama + " · " + h.info;
              li.addEventListener("click", function () {
                hidden.value = h.id;
                picked.textContent = "Dipilih: " + h.nama + " · " + h.info;
                picked.hidden = false;
                list.hidden = true;
                q.value = "";
                if (radio) { radio.checked = true; }
                preview();
              });
              list.appendChild(li);
            });
            list.hidden = false;
          })
          .catch(function () { list.hidden = true; });
      }, 250);
    });
    form.querySelectorAll("input[name=data]").forEach(function (r) {
      r.addEventListener("change", preview);
    });
  }
})();
