/* Salamat dashboard: draw the Vega-Lite charts, downloads, forms that follow the pointer,
   the map's year slider. Everything runs from this server; nothing is fetched elsewhere. */
(function () {
  "use strict";
  var views = {};
  window.salamatViews = views;

  /* Numbers on axes and in tooltips read as on the rest of the page (CLDR, as Babel writes
     them): a decimal comma and a no-break space between thousands in Kazakh and Russian. */
  var LOCALES = {
    en: { decimal: ".", thousands: ",", grouping: [3], currency: ["", ""] },
    kk: { decimal: ",", thousands: "\u00a0", grouping: [3], currency: ["", ""] },
    ru: { decimal: ",", thousands: "\u00a0", grouping: [3], currency: ["", ""] }
  };
  var OPTIONS = {
    actions: false,
    renderer: "svg",
    formatLocale: LOCALES[document.documentElement.lang] || LOCALES.en
  };

  /* On a narrow screen (a phone) each legend goes below its chart in one column with its
     labels in full, so no cause or source is cut off. */
  function fitLegends(spec, width) {
    if (width >= 560) { return spec; }
    function walk(node) {
      if (!node || typeof node !== "object") { return; }
      if (node.encoding) {
        ["color", "strokeDash"].forEach(function (channel) {
          var enc = node.encoding[channel];
          if (enc && enc.field && enc.legend !== null && enc.type === "nominal") {
            // a label longer than the screen is broken at a space onto a second line
            var n = String(Math.max(20, Math.floor((width - 70) / 6.2)));
            var cut = "lastindexof(substring(datum.label, 0, " + n + "), ' ')";
            enc.legend = Object.assign({}, enc.legend || {}, {
              orient: "bottom", direction: "vertical", columns: 1,
              labelLimit: Math.max(120, width - 60),
              labelExpr: "length(datum.label) <= " + n + " || " + cut + " < 1 ? datum.label : " +
                "[substring(datum.label, 0, " + cut + "), substring(datum.label, " + cut + " + 1)]"
            });
          }
        });
      }
      (node.layer || []).forEach(walk);
    }
    walk(spec);
    // legends one under another, each as wide as the screen
    spec.config = spec.config || {};
    spec.config.legend = Object.assign({}, spec.config.legend || {}, {
      layout: { bottom: { anchor: "start", direction: "vertical" } }
    });
    return spec;
  }

  function render(el) {
    var spec = fitLegends(JSON.parse(document.getElementById(el.dataset.spec).textContent),
                          el.clientWidth || window.innerWidth);
    return vegaEmbed(el, spec, Object.assign({ tooltip: true }, OPTIONS))
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

  function save(url, filename) {
    var a = document.createElement("a");
    a.href = url;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  /* A download carries its meaning: the chart is drawn again off screen with a title and
     subtitle lines (area, years, unit, source, SYNTHETIC label, the view's URL and date). */
  function exportSpec(id) {
    var spec = JSON.parse(document.getElementById(id + "-spec").textContent);
    var metaEl = document.getElementById(id + "-export");
    if (!metaEl) { return null; }
    var meta = JSON.parse(metaEl.textContent);
    var year = null;
    try { year = views[id].signal("year"); } catch (e) { year = null; }
    function fill(text) { return year === null ? text : text.split("{year}").join(String(year)); }
    if (year !== null && spec.params) {
      spec.params = spec.params.map(function (p) {
        return p.name === "year" ? Object.assign({}, p, { value: year }) : p;
      });
    }
    spec.title = {
      text: fill(meta.title),
      subtitle: meta.subtitle.map(fill).filter(function (t) { return t; }),
      anchor: "start",
      fontSize: 15,
      subtitleFontSize: 11,
      subtitleColor: "#374151",
      offset: 12
    };
    spec.background = "#ffffff";
    return spec;
  }

  function download(button) {
    var id = button.dataset.chart;
    var view = views[id];
    if (!view) { return; }
    var format = button.dataset.format;
    var scale = format === "png" ? 2 : 1;
    var filename = button.dataset.filename + "." + format;
    var spec = exportSpec(id);
    if (!spec) {
      view.toImageURL(format, scale).then(function (url) { save(url, filename); });
      return;
    }
    var holder = document.createElement("div");
    var width = Math.max(720, document.getElementById(id).clientWidth);
    holder.style.cssText = "position:absolute;left:-20000px;top:0;width:" + width + "px";
    holder.setAttribute("aria-hidden", "true");
    document.body.appendChild(holder);
    vegaEmbed(holder, spec, OPTIONS)
      .then(function (result) {
        return result.view.toImageURL(format, scale).then(function (url) {
          save(url, filename);
          result.view.finalize();
        });
      })
      .finally(function () { holder.remove(); });
  }

  function copy(button) {
    var text = document.getElementById(button.dataset.copy).textContent;
    var done = function () { button.dataset.copied = "1"; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { select(button); });
    } else {
      select(button);
    }
  }

  function select(button) {
    var range = document.createRange();
    range.selectNodeContents(document.getElementById(button.dataset.copy));
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  /* A form submits itself when a choice changes with the pointer; keyboard users move
     through options freely and press Show (Enter), so focus is never yanked away. */
  function autosubmit(form) {
    var keyboard = false;
    form.addEventListener("keydown", function () { keyboard = true; });
    form.addEventListener("pointerdown", function () { keyboard = false; });
    form.addEventListener("change", function (event) {
      if (keyboard || event.target.type === "range") { return; }
      if (event.target.type === "checkbox" && form.dataset.live) {
        live(form);
        return;
      }
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

  /* Area checkboxes redraw the chart in place: the page for the new choice is fetched from
     this server and its live section swapped in, so the scroll position stays where it is.
     Without JavaScript the form submits as usual. */
  function live(form) {
    var section = document.getElementById(form.dataset.live);
    if (!section) { form.requestSubmit(); return; }
    var url = new URL(form.action, window.location.href);
    url.search = new URLSearchParams(new FormData(form)).toString();
    section.setAttribute("aria-busy", "true");
    fetch(url.toString(), { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById(form.dataset.live);
        if (!fresh) { throw new Error("no live section"); }
        Object.keys(views).forEach(function (id) {
          if (section.querySelector("#" + id)) { views[id].finalize(); delete views[id]; }
        });
        section.innerHTML = fresh.innerHTML;
        var count = doc.querySelector("[data-area-count]");
        var here = document.querySelector("[data-area-count]");
        if (count && here) { here.textContent = count.textContent; }
        window.history.replaceState(null, "", url.toString());
        return activate(section);
      })
      .then(function () { section.removeAttribute("aria-busy"); section.dataset.updated = "1"; })
      .catch(function () { form.submit(); });
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

  /* Draw the charts inside root and wire their buttons. */
  function activate(root) {
    var pending = [];
    root.querySelectorAll("[data-spec]").forEach(function (el) { pending.push(render(el)); });
    root.querySelectorAll("button[data-chart]").forEach(function (b) {
      b.addEventListener("click", function () { download(b); });
    });
    root.querySelectorAll("button[data-copy]").forEach(function (b) {
      b.addEventListener("click", function () { copy(b); });
    });
    return Promise.all(pending);
  }

  document.addEventListener("DOMContentLoaded", function () {
    activate(document).then(function () { document.body.dataset.chartsReady = "1"; });
    document.querySelectorAll("form[data-autosubmit]").forEach(autosubmit);
    document.querySelectorAll("input[data-map-year]").forEach(slider);
  });
})();
