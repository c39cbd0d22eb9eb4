// suratdesa letters: small progressive enhancements of server-rendered
// forms. Every page works without this file; it adds the live resident
// picker, the resident/typed-identity switch, live filtering of the module
// list, "select all" in the signing queue and a guard against double submits.
(function () {
  "use strict";

  // Resident picker: type a name or NIK, choose from the suggestions.
  function picker(root) {
    var input = root.querySelector(".js-search");
    var hidden = root.querySelector(".js-picked");
    var list = root.querySelector(".js-results");
    var label = root.querySelector(".js-picked-label");
    if (!input || !hidden || !list) return;
    var timer = null, seq = 0, active = -1, items = [];

    function close() {
      list.hidden = true;
      list.innerHTML = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
      items = [];
    }
    function choose(hit) {
      hidden.value = String(hit.id);
      input.value = hit.nama;
      if (label) {
        label.hidden = false;
        label.innerHTML = "";
        label.appendChild(document.createTextNode("Dipilih: "));
        var b = document.createElement("strong");
        b.textContent = hit.nama + " · " + hit.info;
        label.appendChild(b);
      }
      var cands = root.querySelector(".candidates");
      if (cands) cands.remove();
      close();
    }
    function highlight(i) {
      var opts = list.querySelectorAll("[role=option]");
      opts.forEach(function (o, j) { o.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (opts[i]) input.setAttribute("aria-activedescendant", opts[i].id);
    }
    function show(results, total) {
      list.innerHTML = "";
      items = results;
      if (!results.length) {
        var none = document.createElement("li");
        none.className = "none";
        none.textContent = "Tidak ada penduduk yang cocok.";
        list.appendChild(none);
      }
      results.forEach(function (hit, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.id = String(hit.id);
        var name = document.createElement("strong");
        name.textContent = hit.nama;
        var info = document.createElement("small");
        info.textContent = hit.info;
        li.appendChild(name);
        li.appendChild(document.createElement("br"));
        li.appendChild(info);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(hit); });
        list.appendChild(li);
      });
      if (total > results.length) {
        var more = document.createElement("li");
        more.className = "none";
        // The server counts at most 1,000 matches and answers 1,001 beyond.
        more.textContent = total > 1000 ? "Lebih dari 1000 hasil; ketik lebih lengkap."
          : (total - results.length) + " lainnya; ketik lebih lengkap.";
        list.appendChild(more);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }
    function search() {
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      var mine = ++seq;
      // POST, so that a typed NIK stays out of URLs (history, proxy logs).
      var token = document.querySelector('input[name="csrf_token"]');
      var body = new URLSearchParams();
      body.set("q", q);
      body.set("csrf_token", token ? token.value : "");
      fetch("/surat/cari-penduduk", {
        method: "POST", credentials: "same-origin", body: body,
        headers: { "Accept": "application/json" }
      }).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      }).then(function (data) {
        if (mine === seq) show(data.results || [], data.total || 0);
      }).catch(function () {
        // The server-side search on submit still works.
        if (mine === seq) close();
      });
    }
    input.addEventListener("input", function () {
      hidden.value = "";
      if (label) label.hidden = true;
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(items[active]); }
      else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  // Resident or typed identity: show only the inputs of the chosen source.
  function modeSwitch(person) {
    var radios = person.querySelectorAll(":scope > .mode .js-mode");
    if (!radios.length) return;
    var pick = person.querySelector(":scope > .js-picker");
    var typed = person.querySelector(":scope > .js-typed");
    function apply() {
      var mode = "penduduk";
      radios.forEach(function (r) { if (r.checked) mode = r.value; });
      if (pick) pick.hidden = mode !== "penduduk";
      if (typed) typed.hidden = mode !== "luar";
    }
    radios.forEach(function (r) { r.addEventListener("change", apply); });
    apply();
  }

  // Live filter of a list by the text typed.
  function filter(input) {
    var list = document.getElementById(input.dataset.target);
    if (!list) return;
    var empty = list.parentNode.querySelector(".js-empty");
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase(), shown = 0;
      list.querySelectorAll("li").forEach(function (li) {
        var hit = !q || (li.dataset.text || li.textContent).toLowerCase().indexOf(q) >= 0;
        li.hidden = !hit;
        if (hit) shown++;
      });
      if (empty) empty.hidden = shown > 0;
    });
  }

  // "Pilih semua" for the batch signature.
  function checkAll(box) {
    var target = document.getElementById(box.dataset.target);
    if (!target) return;
    box.addEventListener("change", function () {
      target.querySelectorAll("input[type=checkbox]").forEach(function (c) { c.checked = box.checked; });
    });
  }

  // A form sent once cannot be sent again by a second click while the first
  // request is under way; the server refuses duplicates anyway.
  function once(form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button.js-once").forEach(function (b) {
        setTimeout(function () { b.disabled = true; b.textContent = "Memproses…"; }, 0);
      });
    });
  }

  document.querySelectorAll(".js-picker").forEach(picker);
  document.querySelectorAll(".person").forEach(modeSwitch);
  document.querySelectorAll(".js-filter").forEach(filter);
  document.querySelectorAll(".js-check-all").forEach(checkAll);
  document.querySelectorAll("form").forEach(function (f) { if (f.querySelector("button.js-once")) once(f); });
})();
