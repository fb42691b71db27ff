"""The dashboard in a real headless Chromium (Debian's package, driven by Playwright).

A server (uvicorn in a thread, loopback, a free port) serves the demo store. Every test logs
every request the page makes and fails if one leaves localhost, and fails on any console error.
Skipped only when /usr/bin/chromium is absent (``apt-get install -y chromium``); Playwright never
downloads a browser here.
"""

from __future__ import annotations

import csv
import io
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="no /usr/bin/chromium: install Debian's package (apt-get install -y chromium)",
    ),
]


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` under uvicorn in a thread, on a free loopback port: its base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, ws="none", http="h11")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="module")
def server(demo_db: Path) -> Iterator[str]:
    """The demo store's app under uvicorn (:func:`serving`)."""
    from salamat.api.app import create_app

    with serving(create_app(demo_db)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@dataclass
class Watch:
    """What a page did: its requests, the ones refused (not localhost), its console errors."""

    requests: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def check(self) -> None:
        assert not self.outside, f"requests left localhost: {self.outside}"
        assert not self.errors, f"console errors: {self.errors}"
        assert self.requests


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[tuple[Any, Watch]]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="en-GB"
    )
    watch = Watch()

    def route(r: Any) -> None:
        url = r.request.url
        watch.requests.append(url)
        host = urlsplit(url).hostname
        if url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            r.continue_()
        else:
            watch.outside.append(url)
            r.abort()

    context.route("**/*", route)
    pg = context.new_page()
    pg.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: watch.errors.append(str(e)))
    pg.set_default_timeout(20_000)
    yield pg, watch
    context.close()
    watch.check()


def _ready(pg: Any) -> None:
    pg.wait_for_selector("body[data-charts-ready]")
    charts = pg.locator("[data-spec]")
    assert charts.count() >= 1
    for i in range(charts.count()):
        assert charts.nth(i).get_attribute("data-rendered") == "1"
        assert charts.nth(i).locator("svg").count() >= 1


def _legend(pg: Any, chart: str) -> str:
    text: str = pg.locator(f"#{chart} svg").first.text_content() or ""
    return text


@pytest.mark.parametrize("path", ["/", "/explorer", "/map", "/compare", "/lifetable"])
def test_page_draws_its_charts_locally(page: tuple[Any, Watch], server: str, path: str) -> None:
    pg, watch = page
    pg.goto(server + path)
    _ready(pg)
    assert pg.locator("h1").inner_text()
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in watch.requests if "://" in u)


def test_landing_page_cards(page: tuple[Any, Watch], server: str) -> None:
    pg, _ = page
    pg.goto(server + "/?lang=en")
    _ready(pg)
    card = pg.locator('article[data-code="kz_le0_75_2025_healthy_nation"]')
    words = {
        "achieved": "Achieved",
        "on_track": "On track",
        "needs_acceleration": "Needs acceleration",
        "off_track": "Off track",
        "moving_away": "Moving away",
        "insufficient_data": "Insufficient data",
    }
    status = card.get_attribute("data-status")
    assert words[status] in card.locator(".badge").inner_text()
    assert "75.00" in card.inner_text() and "(2025)" in card.inner_text()
    assert card.locator("svg").count() >= 1


def test_explorer_pick_an_area_and_the_chart_changes(page: tuple[Any, Watch], server: str) -> None:
    pg, _ = page
    pg.goto(server + "/explorer?lang=en")
    _ready(pg)
    before = _legend(pg, "explorer-chart")
    assert "Kazakhstan" in before and "Shymkent" not in before
    with pg.expect_navigation():
        pg.get_by_label("Shymkent").click()  # a pointer choice submits the form
    _ready(pg)
    assert "area=KZ-79" in pg.url
    after = _legend(pg, "explorer-chart")
    assert "Shymkent" in after and "Kazakhstan" in after
    # log scale
    with pg.expect_navigation():
        pg.get_by_label("Logarithmic").click()
    _ready(pg)
    assert "scale=log" in pg.url


def test_explorer_keyboard_choice_waits_for_show(page: tuple[Any, Watch], server: str) -> None:
    pg, _ = page
    pg.goto(server + "/explorer?lang=en")
    _ready(pg)
    box = pg.get_by_label("Astana")
    box.focus()
    pg.keyboard.press("Space")  # toggles the box without leaving the page
    assert box.is_checked() and "area=KZ-71" not in pg.url
    with pg.expect_navigation():
        pg.get_by_role("button", name="Show").press("Enter")
    _ready(pg)
    assert "area=KZ-71" in pg.url and "Astana" in _legend(pg, "explorer-chart")


def test_download_csv_and_png(page: tuple[Any, Watch], server: str) -> None:
    pg, _ = page
    pg.goto(server + "/explorer?lang=en&indicator=le0&area=KAZ&area=KZ-75&sex=female")
    _ready(pg)
    with pg.expect_download() as info:
        pg.get_by_role("link", name="Download CSV").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["area"] for r in rows} == {"KAZ", "KZ-75"} and {r["sex"] for r in rows} == {"female"}
    assert {"value", "lower", "upper", "source", "vintage"} <= set(rows[0])
    with pg.expect_download() as png:
        pg.get_by_role("button", name="Download PNG").click()
    assert png.value.suggested_filename.endswith(".png")
    assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_switch_language(page: tuple[Any, Watch], server: str) -> None:
    pg, _ = page
    pg.goto(server + "/explorer?lang=en&area=KAZ&area=KZ-10")
    _ready(pg)
    with pg.expect_navigation():
        pg.locator('a[data-lang="kk"]').click()
    _ready(pg)
    assert pg.locator("html").get_attribute("lang") == "kk"
    assert pg.locator("h1").inner_text() == "Көрсеткіштерді қарау"
    assert "Абай облысы" in _legend(pg, "explorer-chart")  # names from the store
    assert "area=KZ-10" in pg.url  # the choice is kept
    pg.goto(server + "/map")  # the cookie remembers the language
    _ready(pg)
    assert pg.locator("h1").inner_text() == "Өңірлер картасы"
    with pg.expect_navigation():
        pg.locator('a[data-lang="ru"]').click()
    _ready(pg)
    assert pg.locator("h1").inner_text() == "Карта регионов"


def test_map_slider_redraws_the_units_of_the_year(page: tuple[Any, Watch], server: str) -> None:
    pg, _ = page
    pg.goto(server + "/map?lang=en")
    _ready(pg)
    visible = pg.locator("#map-table tbody tr:not([hidden])")
    assert visible.count() == 20
    slider = pg.locator("#year")
    slider.focus()
    for _i in range(12):  # 2022 -> 2010 with the keyboard
        pg.keyboard.press("ArrowLeft")
    assert pg.locator("#year-out").inner_text() == "2010"
    assert visible.count() == 16
    assert "South Kazakhstan Region" in pg.locator("#map-table").inner_text()
    year = pg.evaluate("window.salamatViews['map-chart'].signal('year')")
    assert year == 2010
    pg.wait_for_function(
        "document.querySelectorAll('#map-chart svg path[aria-roledescription=\"geoshape\"]')"
        ".length === 16 || document.querySelectorAll('#map-chart svg .mark-geoshape path')"
        ".length === 16"
    )


def test_lifetable_area_choice(page: tuple[Any, Watch], server: str) -> None:
    pg, _ = page
    pg.goto(server + "/lifetable?lang=en")
    _ready(pg)
    e0 = pg.locator("[data-e0]").inner_text()
    with pg.expect_navigation():
        pg.get_by_label("Area").select_option("KZ-75")
    _ready(pg)
    assert "area=KZ-75" in pg.url
    assert pg.locator("[data-e0]").inner_text() != e0
    assert "Almaty" in pg.locator("#lt-title").inner_text()
    assert pg.locator("#dec-chart svg").count() == 1


def test_lifetable_shows_the_flags_of_its_inputs(page: tuple[Any, Watch], server: str) -> None:
    """The demo's records of Kazakhstan in 2021 carry an injury_unspecified_share flag: the
    life table and the decomposition that use them show the badge and say why, in Russian."""
    pg, _ = page
    pg.goto(server + "/lifetable?area=KAZ&year=2021&from=2018&to=2021&lang=ru")
    _ready(pg)
    badge = pg.locator('[data-role="lt-flag"]')
    assert badge.is_visible() and badge.inner_text() == "⚑"
    title = badge.get_attribute("title") or ""
    assert "неуточнённые травмы (X59, Y10-Y34) составляют 20,0% из 8640" in title
    assert "смерти в KAZ за 2021 (записи о смерти)" in title
    badge.focus()
    assert pg.evaluate("document.activeElement.dataset.role") == "lt-flag"
    note = pg.locator('[data-role="input-flags"]')
    assert note.is_visible()
    assert "Исходные данные этой таблицы имеют отметки качества" in note.inner_text()
    lines = pg.locator('[data-role="decomposition-flags"] li').all_inner_texts()
    assert [line[:5] for line in lines] == ["2018:", "2021:"]
    assert pg.locator('[data-role="dec-flag"]').is_visible()


def test_compare_indicator_choice(page: tuple[Any, Watch], server: str) -> None:
    pg, _ = page
    pg.goto(server + "/compare?lang=en")
    _ready(pg)
    with pg.expect_navigation():
        pg.get_by_label("Indicator").select_option("tb_incidence")
    _ready(pg)
    assert "Tuberculosis incidence" in pg.locator("h2").first.inner_text()


def test_keyboard_skip_link(page: tuple[Any, Watch], server: str) -> None:
    pg, _ = page
    pg.goto(server + "/?lang=en")
    _ready(pg)
    pg.keyboard.press("Tab")
    focused = pg.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"


def test_api_documentation_page(page: tuple[Any, Watch], server: str) -> None:
    pg, _ = page
    pg.goto(server + "/api/docs")
    pg.wait_for_selector(".swagger-ui .info .title")
    assert "Salamat API" in pg.locator(".swagger-ui .info .title").inner_text()
    assert pg.locator(".opblock-summary-path").count() >= 10


def test_lifetable_area_change_keeps_to_the_area_years(
    page: tuple[Any, Watch], server: str
) -> None:
    pg, _ = page
    pg.goto(server + "/lifetable?lang=en&area=KAZ&year=2019&from=2018&to=2020")
    _ready(pg)
    with pg.expect_navigation():
        pg.get_by_label("Area").select_option("KZ-10")  # Abay: from 2022
    _ready(pg)
    assert pg.locator("[data-notice]").count() == 0
    assert pg.locator("#year option").all_inner_texts() == ["2022", "2023"]
    assert "Abay" in pg.locator("#lt-title").inner_text()
    assert pg.locator("#dec-chart svg").count() == 1


@pytest.mark.parametrize(
    ("path", "chart", "expected"),
    [
        (
            "/explorer?lang=en&indicator=le0&area=KAZ&area=KZ-75",
            "explorer-chart",
            ["Life expectancy at birth", "Almaty", "Source: ", "years"],
        ),
        ("/lifetable?lang=en&area=KZ-75&year=2021", "lt-chart", ["Almaty", "2021", "SYNTHETIC"]),
        ("/lifetable?lang=en&area=KZ-75&year=2021", "dec-chart", ["SYNTHETIC", "Source: "]),
        ("/map?lang=en&indicator=le0&year=2015", "map-chart", ["2015", "Source: ", "BNS"]),
        ("/compare?lang=ru&indicator=le0", "compare-bars", ["Источник: ", "UN WPP"]),
    ],
)
def test_downloaded_svg_carries_its_meaning(
    page: tuple[Any, Watch], server: str, path: str, chart: str, expected: list[str]
) -> None:
    pg, _ = page
    pg.goto(server + path)
    _ready(pg)
    with pg.expect_download() as info:
        pg.locator(f'button[data-chart="{chart}"][data-format="svg"]').click()
    svg = Path(info.value.path()).read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "{year}" not in svg
    for text in expected:
        assert text in svg, (text, svg[:2000])
    assert ("SYNTHETIC" in svg) == ("SYNTHETIC" in expected)
    cite = pg.locator(f"#{chart}-cite").inner_text()
    assert "Salamat, " + server in cite


def test_area_checkbox_redraws_in_place(page: tuple[Any, Watch], server: str) -> None:
    pg, _ = page
    pg.set_viewport_size({"width": 390, "height": 844})
    pg.goto(server + "/explorer?lang=en&indicator=le0&area=KAZ")
    _ready(pg)
    pg.evaluate("window.__samePage = true")
    box = pg.locator('input[name="area"][value="KZ-75"]')
    # scroll so the box sits near the top of the screen: the page is well scrolled down
    pg.evaluate(
        "window.scrollTo(0, document.querySelector('input[name=area][value=\"KZ-75\"]')"
        ".getBoundingClientRect().top + window.scrollY - 100)"
    )
    before = pg.evaluate("window.scrollY")
    assert before > 0
    box.click()
    pg.wait_for_selector("#explorer-live[data-updated]")
    assert pg.evaluate("window.__samePage") is True  # no page load
    assert "area=KZ-75" in pg.url
    assert abs(pg.evaluate("window.scrollY") - before) < 5
    assert "Almaty" in _legend(pg, "explorer-chart")
    assert pg.locator("[data-area-count]").inner_text() == "2"
    # the swapped-in chart still downloads
    with pg.expect_download() as info:
        pg.locator('button[data-chart="explorer-chart"][data-format="svg"]').click()
    assert "Almaty" in Path(info.value.path()).read_text(encoding="utf-8")


def test_phone_width_keeps_everything_readable(page: tuple[Any, Watch], server: str) -> None:
    pg, _ = page
    pg.set_viewport_size({"width": 390, "height": 844})
    pg.goto(server + "/lifetable?lang=ru&area=KZ-75&year=2021")
    _ready(pg)
    # nothing wider than the screen; the life table scrolls inside its own container
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    wrap = pg.locator("table.lifetable").locator("xpath=..")
    assert wrap.evaluate("e => e.scrollWidth > e.clientWidth")
    assert wrap.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    # every cause in the decomposition legend, in full
    legend = _legend(pg, "dec-chart")
    for cause in ("Болезни системы кровообращения", "Неточно обозначенные причины", "Прочие"):
        assert cause in legend, legend
    assert "…" not in legend
    pg.goto(server + "/explorer?lang=en&indicator=le0&area=KAZ")
    _ready(pg)
    legend = _legend(pg, "explorer-chart")
    # long source names are broken onto a second line, never cut off
    assert "national life expectancy at" in legend and "birth, annual release" in legend
    assert "…" not in legend


def test_axes_follow_the_page_locale(page: tuple[Any, Watch], server: str) -> None:
    import re

    pg, _ = page
    pg.goto(server + "/lifetable?lang=ru&area=KZ-75&year=2021")
    _ready(pg)
    ticks = pg.locator("#dec-chart svg .role-axis-label text").all_text_contents()
    numbers = [t for t in ticks if re.fullmatch(r"[−-]?\d+[.,]\d+", t)]
    assert numbers and all("," in t for t in numbers), ticks  # "0,02", never "0.02"
    pg.goto(server + "/lifetable?lang=en&area=KZ-75&year=2021")
    _ready(pg)
    ticks = pg.locator("#dec-chart svg .role-axis-label text").all_text_contents()
    assert any(re.fullmatch(r"[−-]?\d+\.\d+", t) for t in ticks), ticks


def test_explorer_two_vintages_side_by_side(page: tuple[Any, Watch], server: str) -> None:
    """The vintage picker: one vintage, then a second beside it, dashed by vintage."""
    pg, _ = page
    pg.goto(server + "/explorer?lang=en&indicator=le0&area=KAZ")
    _ready(pg)
    assert "Vintage" not in _legend(pg, "explorer-chart")  # one vintage: dashes by source
    with pg.expect_navigation():
        pg.locator('select[name="vintage"]').select_option("2023-09")
    _ready(pg)
    assert "vintage=2023-09" in pg.url
    # the BNS regional workbook of 2023-09 alone: the later releases and WPP are not in it
    # (the table sits in a closed <details>: its text, not its rendering, is read)
    only = pg.locator("#explorer-live table tbody").text_content() or ""
    assert "life expectancy at birth by region" in only
    assert "UN WPP 2024" not in only and "annual release" not in only
    csv_link = pg.locator("[data-download-csv]").get_attribute("href") or ""
    assert "vintage=2023-09" in csv_link
    with pg.expect_navigation():
        pg.locator('select[name="compare"]').select_option("latest")
    _ready(pg)
    assert "vintage=2023-09" in pg.url and "compare=latest" in pg.url
    legend = _legend(pg, "explorer-chart")
    assert "Vintage" in legend and "vintage 2023-09" in legend and "Latest vintage" in legend
    rows = pg.locator("#explorer-live table tbody tr")
    versions = {rows.nth(i).locator("td").last.text_content() for i in range(rows.count())}
    assert versions == {"vintage 2023-09", "Latest vintage"}
    assert "UN WPP 2024" in (pg.locator("#explorer-live table tbody").text_content() or "")
    # the same choice twice is one vintage, not a comparison
    with pg.expect_navigation():
        pg.locator('select[name="compare"]').select_option("2023-09")
    _ready(pg)
    assert "Latest vintage" not in _legend(pg, "explorer-chart")


# every area mark's data in the explorer's Vega view (the shaded bands), read from the scenegraph
_BAND_DATA = """() => {
  const view = window.salamatViews["explorer-chart"];
  const out = [];
  (function walk(node) {
    if (!node) return;
    if (node.marktype === "area") {
      for (const it of node.items || []) if (it.datum) out.push(it.datum);
      return;
    }
    for (const it of node.items || []) for (const child of it.items || []) walk(child);
  })(view.scenegraph().root);
  return out.map(d => ({area: d.area, year: d.year, value: d.value, lower: d.lower,
                        upper: d.upper, band: d.band}));
}"""


def test_explorer_draws_the_published_intervals(page: tuple[Any, Watch], server: str) -> None:
    """Every OTS country's WPP 2024 projection of le0 is drawn with its shaded 95% band, and the
    legend and the note under the chart say what the band is."""
    pg, _ = page
    pg.goto(server + "/explorer?lang=en&indicator=le0&area=OTS")
    _ready(pg)
    band = pg.evaluate(_BAND_DATA)
    assert band, "no band drawn"
    assert {d["area"] for d in band} == {"AZE", "HUN", "KAZ", "KGZ", "TKM", "TUR", "UZB"}
    assert {d["year"] for d in band} == set(range(2024, 2051))
    assert all(d["lower"] < d["value"] < d["upper"] for d in band)
    label = "95% prediction interval: WPP 2024 probabilistic projections (UN DESA)"
    assert {d["band"] for d in band} == {label}
    legend = _legend(pg, "explorer-chart")
    assert "Shaded band" in legend and label in legend
    assert label in (pg.locator(".band-note").text_content() or "")


_SCENARIO_PATH = """([chart, colour]) => {
  const view = window.salamatViews[chart];
  const out = [];
  (function walk(node) {
    if (!node) return;
    if (node.marktype === "line") {
      const items = node.items || [];
      if (items.length && items[0].stroke === colour) {
        for (const it of items) if (it.datum) out.push(it.datum);
      }
      return;
    }
    for (const it of node.items || []) for (const child of it.items || []) walk(child);
  })(view.scenegraph().root);
  return out.map(d => ({year: d.year, value: d.value, lower: d.lower, upper: d.upper}));
}"""


def test_what_if_panel_draws_solves_and_explains(page: tuple[Any, Watch], server: str) -> None:
    """The life-expectancy card's what-if panel, used as a reader would: tick a cause, type a
    decline and an age range, show; the dashed path is drawn in the card's chart with its
    interval, the panel says where the path starts against the published figure and whether
    the target is reached; the second button solves for the decline; a bad age range says why
    in the page's language."""
    from salamat.web import charts

    pg, _ = page
    code = "kz_le0_77_2029_ndp"
    pg.goto(server + "/?lang=en")
    _ready(pg)
    card = pg.locator(f'article[data-code="{code}"]')
    panel = card.locator('[data-role="scenario"]')
    chart = card.locator("[data-spec]").first.get_attribute("id")
    assert pg.evaluate(_SCENARIO_PATH, [chart, charts.SCENARIO_COLOUR]) == []
    panel.get_by_label("Circulatory diseases").check()
    panel.get_by_label("Decline, % a year").fill("3")
    panel.get_by_label("Ages (empty: all)").fill("30-69")
    with pg.expect_navigation():
        panel.get_by_role("button", name="Show the scenario").click()
    _ready(pg)
    query = pg.url.split("?", 1)[1]
    for part in (f"scenario={code}", "cause=circulatory", "decline=3", "ages=30-69"):
        assert part in query
    assert pg.url.endswith("-scenario")  # back at the panel, not the top of the page
    card = pg.locator(f'article[data-code="{code}"]')
    panel = card.locator('[data-role="scenario"]')
    drawn = pg.evaluate(_SCENARIO_PATH, [chart, charts.SCENARIO_COLOUR])
    assert [d["year"] for d in drawn] == list(range(2024, 2030))
    assert all(d["lower"] < d["value"] < d["upper"] for d in drawn)
    assert all(b["value"] > a["value"] for a, b in itertools.pairwise(drawn))
    assert "Scenario" in _legend(pg, chart)
    assert panel.get_by_label("Ages (empty: all)").input_value() == "30-69"
    start = panel.locator('[data-role="scenario-start"]').inner_text()
    assert "The path starts from 72.41" in start and "published figure for 2023 is 75.09" in start
    assert panel.locator('[data-role="scenario-synthetic"]').is_visible()
    result = panel.locator('[data-role="scenario-result"]').inner_text()
    assert "not reached by 2029" in result and f"{drawn[-1]['value']:.2f}" in result
    # the decline needed at every age: the path then ends on the target
    panel.get_by_label("Ages (empty: all)").fill("")
    with pg.expect_navigation():
        panel.get_by_role("button", name="Decline needed to reach the target").click()
    _ready(pg)
    panel = pg.locator(f'article[data-code="{code}"] [data-role="scenario"]')
    solved = panel.locator('[data-role="scenario-solved"]').inner_text()
    assert "Decline needed each year to reach the target by 2029" in solved and "%" in solved
    assert "reached in 2029" in panel.locator('[data-role="scenario-result"]').inner_text()
    drawn = pg.evaluate(_SCENARIO_PATH, [chart, charts.SCENARIO_COLOUR])
    assert abs(drawn[-1]["value"] - 77.0) < 0.01
    # a range that splits a band, in Kazakh: the reason in Kazakh, no path drawn
    pg.goto(
        server + f"/?lang=kk&scenario={code}&cause=circulatory&decline=3&ages=32-69"
        f"#{chart.removesuffix('-chart')}-scenario"
    )
    _ready(pg)
    alert = pg.locator(f'article[data-code="{code}"] [data-role="scenario-error"]')
    assert alert.get_attribute("role") == "alert"
    said = alert.inner_text()
    assert said.startswith("Сценарий жоқ: Жас 32-69") and "--" not in said
    assert pg.evaluate(_SCENARIO_PATH, [chart, charts.SCENARIO_COLOUR]) == []
