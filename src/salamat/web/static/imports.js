/* Salamat upload page: send the form to POST /api/v1/imports in the background, show the
   upload's progress and then the import job's (GET /api/v1/imports/{job_id}), then its summary.
   The words come from the page (#import-words), in its language. Nothing is fetched elsewhere. */
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var words = document.getElementById("import-words").dataset;
  var box = document.getElementById("import-progress");
  var bar = document.getElementById("import-bar");
  var stage = document.getElementById("import-stage");
  var result = document.getElementById("import-result");
  var button = form.querySelector("button[type=submit]");
  var POLL_MS = 500;

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }

  function show(fraction, text) {
    box.hidden = false;
    bar.value = Math.max(0, Math.min(1, fraction));
    stage.textContent = text;
  }

  function summary(body) {
    result.textContent = "";
    result.hidden = false;
    var status = String(body.status || "ERROR").toLowerCase();
    var head = el("h2", words[status] || body.status);
    result.appendChild(head);
    if (body.state === "failed") {
      result.appendChild(el("p", words.failed + ": " + (body.error || ""), "error"));
      return;
    }
    var counts = body.import_count || {};
    var table = el("table");
    var tr1 = el("tr");
    var tr2 = el("tr");
    ["created", "updated", "unchanged", "rejected", "total"].forEach(function (k) {
      tr1.appendChild(el("th", words[k]));
      tr2.appendChild(el("td", counts[k]));
    });
    table.appendChild(tr1);
    table.appendChild(tr2);
    result.appendChild(table);
    if (body.import_id !== null && body.import_id !== undefined) {
      result.appendChild(el("p", words["import"] + ": " + body.import_id));
    }
    var reasons = Object.keys(body.reasons || {});
    if (reasons.length) {
      result.appendChild(el("h3", words.reasons));
      var ul = el("ul");
      reasons.forEach(function (r) { ul.appendChild(el("li", body.reasons[r] + " \u00d7 " + r)); });
      result.appendChild(ul);
    }
    var conflicts = (body.conflicts || []).slice(0, 50);
    if (conflicts.length) {
      result.appendChild(el("h3", words.conflicts));
      var ol = el("ul", null, "small");
      conflicts.forEach(function (c) {
        var where = [c.file, c.row, c.field].filter(function (x) {
          return x !== null && x !== undefined && x !== "";
        }).join(", ");
        var got = c.value !== null && c.value !== undefined ? " (" + c.value + ")" : "";
        ol.appendChild(el("li", where + ": " + c.message + got));
      });
      result.appendChild(ol);
    }
    if ((body.notes || []).length) {
      result.appendChild(el("h3", words.notes));
      var notes = el("ul", null, "small");
      body.notes.forEach(function (n) { notes.appendChild(el("li", n)); });
      result.appendChild(notes);
    }
  }

  function follow(body) {
    if (body.state === "done" || body.state === "failed") {
      show(1, words[body.state]);
      button.disabled = false;
      summary(body);
      return;
    }
    show(body.progress || 0, (words[body.state] || body.state) + (body.stage ? ": " + body.stage : ""));
    window.setTimeout(function () {
      var xhr = new XMLHttpRequest();
      xhr.open("GET", "/api/v1/imports/" + encodeURIComponent(body.job_id));
      xhr.responseType = "json";
      xhr.onload = function () { follow(xhr.response || { state: "failed" }); };
      xhr.onerror = function () { show(bar.value, words.lost); button.disabled = false; };
      xhr.send();
    }, POLL_MS);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    data.set("wait", "0");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.responseType = "json";
    if (form.dataset.csrf) { xhr.setRequestHeader("X-CSRF-Token", form.dataset.csrf); }
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { show(e.loaded / e.total, words.uploading); }
    };
    xhr.onload = function () {
      var body = xhr.response || {};
      if (!body.state) {  // refused before it was queued: 401, 403, 413, 422
        button.disabled = false;
        show(1, words.failed);
        summary({ state: "failed", status: "ERROR", error: body.error || xhr.statusText });
        return;
      }
      follow(body);
    };
    xhr.onerror = function () { show(bar.value, words.lost); button.disabled = false; };
    button.disabled = true;
    result.hidden = true;
    show(0, words.uploading);
    xhr.send(data);
  });
})();
