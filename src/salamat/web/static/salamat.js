/* Salamat dashboard: draw the Vega-Lite charts, downloads, forms that follow the pointer,
   the map's year slider. Everything runs from this server; nothing is fetched elsewhere. */
(function () {
  "use strict";
  var views = {};
  window.salamatViews = views;

  function render(el) {
    var spec = JSON.parse(document.getElementById(el.dataset.spec).textContent);
    return vegaEmbed(el, spec, { actions: false, renderer: "svg", tooltip: true })
      .then(function (result) {
        views[el.id] = result.view;
        el.dataset.rendered = "1";
        var svg = el.querySelector("svg");
        if (svg) { svg.setAttribute("focusable", "false"); }
      })
      .catch(function (err) {
        el.dataset.rendered = "error";
        el.textContent = "Chart could not be drawn: " + err.message;
      });
  }

  function download(button) {
    var view = views[button.dataset.chart];
    if (!view) { return; }
    var format = button.dataset.format;
    view.toImageURL(format, format === "png" ? 2 : 1).then(function (url) {
      var a = document.createElement("a");
      a.href = url;
      a.download = button.dataset.filename + "." + format;
      document.body.appendChild(a);
      a.click();
      a.remove();
    });
  }

  /* A form submits itself when a choice changes with the pointer; keyboard users move
     through options freely and press Show (Enter), so focus is never yanked away. */
  function autosubmit(form) {
    var keyboard = false;
    form.addEventListener("keydown", function () { keyboard = true; });
    form.addEventListener("pointerdown", function () { keyboard = false; });
    form.addEventListener("change", function (event) {
      if (keyboard || event.target.type === "range") { return; }
      if (event.target.name === "area") {
        // another area has other years: let the server choose its own defaults
        ["year", "from", "to"].forEach(function (name) {
          var el = form.elements.namedItem(name);
          if (el && el.tagName === "SELECT") { el.disabled = true; }
        });
      }
      form.requestSubmit();
    });
  }

  function slider(input) {
    var chartId = input.dataset.mapYear;
    var out = document.getElementById("year-out");
    function apply() {
      var year = Number(input.value);
      if (out) { out.value = String(year); }
      input.setAttribute("aria-valuetext", String(year));
      document.querySelectorAll("[data-year-label]").forEach(function (s) { s.textContent = String(year); });
      document.querySelectorAll("#map-table tbody tr").forEach(function (tr) {
        tr.hidden = Number(tr.dataset.year) !== year;
      });
      var view = views[chartId];
      if (view) { view.signal("year", year).runAsync(); }
      var url = new URL(window.location.href);
      url.searchParams.set("year", String(year));
      window.history.replaceState(null, "", url.toString());
    }
    input.addEventListener("input", apply);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var pending = [];
    document.querySelectorAll("[data-spec]").forEach(function (el) { pending.push(render(el)); });
    Promise.all(pending).then(function () { document.body.dataset.chartsReady = "1"; });
    document.querySelectorAll("button[data-chart]").forEach(function (b) {
      b.addEventListener("click", function () { download(b); });
    });
    document.querySelectorAll("form[data-autosubmit]").forEach(autosubmit);
    document.querySelectorAll("input[data-map-year]").forEach(slider);
  });
})();
