"""The dashboard's pages as HTML (no browser): every page, every language, errors as pages."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from salamat.api.app import create_app
from salamat.web.i18n import best_lang, fmt_number

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PAGES = ["/", "/explorer", "/map", "/compare", "/lifetable"]


@pytest.fixture(scope="module")
def client(demo_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(demo_db)) as c:
        yield c


def _specs(html: str) -> list[dict[str, object]]:
    found = re.findall(
        r'<script type="application/json" id="[^"]+-spec">(.*?)</script>', html, re.S
    )
    return [json.loads(s) for s in found]


def _exports(html: str) -> dict[str, dict[str, Any]]:
    found = re.findall(
        r'<script type="application/json" id="([^"]+)-export">(.*?)</script>', html, re.S
    )
    return {chart: json.loads(text) for chart, text in found}


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", ["en", "kk", "ru"])
def test_every_page_renders_in_every_language(client: TestClient, path: str, lang: str) -> None:
    r = client.get(path, params={"lang": lang})
    assert r.status_code == 200, r.text[:500]
    html = r.text
    assert f'<html lang="{lang}">' in html
    specs = _specs(html)
    assert specs, "every page draws at least one chart"
    for spec in specs:
        assert spec["$schema"] == "https://vega.github.io/schema/vega-lite/v5.json"
        assert spec["description"]
    # nothing is loaded from elsewhere: every src and href is local (or an in-page anchor);
    # only a link a reader follows (a target's document) may lead away, marked external
    for tag, ref in re.findall(r'<(\w+)[^>]*?(?:src|href)="([^"]+)"', html):
        if tag == "a" and ref.startswith(("https://", "http://")):
            continue
        assert ref.startswith(("/", "#", "?")), ref
    for anchor in re.findall(r'<a [^>]*href="https?://[^>]*>', html):
        assert 'rel="noopener noreferrer external"' in anchor, anchor
    assert r.cookies.get("salamat_lang") == lang


def test_language_of_names_comes_from_the_store(client: TestClient) -> None:
    kk = client.get("/explorer", params={"lang": "kk", "area": ["KAZ", "KZ-10"]}).text
    assert "Абай облысы" in kk and "Туған кездегі күтілетін өмір ұзақтығы" in kk
    ru = client.get("/compare", params={"lang": "ru"}).text
    assert "Казахстан" in ru and "Сравнение стран" in ru
    en = client.get("/", params={"lang": "en"}).text
    assert "Health targets" in en


def test_cookie_keeps_the_language(client: TestClient) -> None:
    client.get("/", params={"lang": "ru"})
    assert '<html lang="ru">' in client.get("/map").text
    client.get("/", params={"lang": "en"})


def test_targets_page_shows_every_target_with_status(client: TestClient) -> None:
    html = client.get("/", params={"lang": "en"}).text
    cards = re.findall(r'<article class="card"[^>]*data-status="([a-z_]+)"', html)
    board = client.get("/api/v1/targets").json()
    assert len(cards) == len(board)
    assert "On track" in html and "Insufficient data" in html


def test_target_cards_say_what_pace_and_trend_each_say(client: TestClient) -> None:
    en = client.get("/", params={"lang": "en"}).text
    assert "By pace" in en and "By trend" in en and "likely kept" in en
    assert "left out as shock years (COVID-19 pandemic)" in en and "2020, 2021" in en
    ru = client.get("/", params={"lang": "ru"}).text
    assert "По темпу" in ru and "исключены как годы потрясений" in ru
    kk = client.get("/", params={"lang": "kk"}).text
    assert "Қарқын бойынша" in kk
    client.get("/", params={"lang": "en"})  # the cookie back to English for the other tests


def test_target_cards_say_how_their_interval_was_calibrated(client: TestClient) -> None:
    """Each card with a trend names its distribution: BNS registration series plain, WHO's TB
    estimates widened for changes of trend (salamat.methods.trend_calibration), in kk/ru/en."""
    board = client.get("/api/v1/targets").json()
    with_trend = [t for t in board if t["calibration"] is not None]
    for lang, widened, plain in (
        ("en", "widened for changes of trend", "not widened"),
        ("ru", "расширены с учётом смены тренда", "не расширены"),
        ("kk", "тренд өзгерістерін ескере отырып кеңейтілген", "кеңейтілмеген"),
    ):
        html = client.get("/", params={"lang": lang}).text
        kinds = re.findall(r'data-role="calibration" data-kind="([a-z]+)">([^<]+)<', html)
        assert len(kinds) == len(with_trend)
        assert {k for k, _ in kinds} == {"modelled", "reported"}
        for kind, text in kinds:
            assert (widened if kind == "modelled" else plain) in text, (lang, text)
    client.get("/", params={"lang": "en"})


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ("This judgement rests on flagged values", "Status without the flagged values")),
        ("kk", ("Бұл баға белгіленген мәндерге негізделген", "Белгіленген мәндерсіз мәртебе")),
        ("ru", ("Эта оценка опирается на помеченные значения", "Статус без помеченных значений")),
    ],
)
def test_a_card_on_a_flagged_value_shows_the_flag_and_the_other_status(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, lang: str, words: tuple[str, str]
) -> None:
    import pandas as pd

    from salamat.services import targets as svc_targets

    def flags(store: object, indicator: str, area: str, sex: str) -> pd.DataFrame:
        rows = [["yoy_outlier", "2023", 2023, None, "warning", "16.63 -> 24.81"]]
        keep = rows if indicator == "ncd30q70" else []
        return pd.DataFrame(keep, columns=list(svc_targets.FLAG_COLUMNS))

    monkeypatch.setattr(svc_targets, "store_flags", flags)
    with TestClient(create_app(demo_db)) as c:
        html = c.get("/", params={"lang": lang}).text
    card = html[html.index('data-code="sdg_3_4_ncd30q70"') :]
    card = card[: card.index("</article>")]
    assert words[0] in card and words[1] in card and "yoy_outlier" in card
    # the rule in words, its code, then its message
    assert "(yoy_outlier) – 16.63 -&gt; 24.81" in card
    assert "2023: Unusual change from the year before (yoy_outlier)" in card or lang != "en"
    other = html[html.index('data-code="kz_le0_77_2029_ndp"') :]
    assert words[0] not in other[: other.index("</article>")]


def test_explorer_choices(client: TestClient) -> None:
    r = client.get(
        "/explorer",
        params={"indicator": "tb_incidence", "area": ["KAZ", "UZB"], "scale": "log"},
    )
    spec = _specs(r.text)[0]
    line = next(x for x in spec["layer"] if x["mark"]["type"] == "line")  # type: ignore[index,union-attr]
    assert line["encoding"]["y"]["scale"] == {"type": "log"}
    names = {row["area_name"] for row in line["data"]["values"]}
    assert names == {"Kazakhstan", "Uzbekistan"}
    assert "/api/v1/series/tb_incidence?area=KAZ&amp;area=UZB" in r.text


def test_explorer_shows_target_lines(client: TestClient) -> None:
    spec = _specs(client.get("/explorer", params={"indicator": "le0"}).text)[0]
    rules = [x for x in spec["layer"] if x["mark"]["type"] == "rule"]  # type: ignore[index,union-attr]
    assert rules and {t["value"] for t in rules[0]["data"]["values"]} >= {75.0, 77.0}


def test_map_page_draws_each_year_with_its_units(client: TestClient) -> None:
    html = client.get("/map", params={"year": 2010}).text
    spec = _specs(html)[0]
    values = spec["transform"][1]["from"]["data"]["values"]  # type: ignore[index]
    codes_2010 = {v["code"] for v in values if v["year"] == 2010}
    assert "KZ-ONT" in codes_2010 and "KZ-61" not in codes_2010
    assert spec["params"] == [{"name": "year", "value": 2010}]
    assert spec["data"]["url"] == "/static/geo/kaz_regions.geojson"  # type: ignore[index]


def test_lifetable_page_says_synthetic(client: TestClient) -> None:
    html = client.get("/lifetable", params={"area": "KZ-75", "year": 2021}).text
    assert "SYNTHETIC" in html and "Almaty" in html and "85+" in html
    kaz = client.get("/lifetable", params={"area": "KAZ", "year": 2023}).text
    published = kaz[kaz.index('data-role="published"') :]
    assert "75.09" in published[:300] and "BNS Kazakhstan" in published[:300]


def test_static_files_are_shipped(client: TestClient) -> None:
    for path in (
        "/static/vendor/vega.min.js",
        "/static/vendor/vega-lite.min.js",
        "/static/vendor/vega-embed.min.js",
        "/static/geo/kaz_regions.geojson",
        "/static/geo/world-atlas_countries-110m.topojson.json",
        "/static/salamat.js",
        "/static/salamat.css",
    ):
        assert client.get(path).status_code == 200, path
    geo = client.get("/static/geo/kaz_regions.geojson").json()
    codes = {f["properties"]["code"] for f in geo["features"]}
    assert len(codes) == 24 and {"KZ-ONT", "KZ-VOS", "KZ-ALM", "KZ-KAR"} <= codes


def test_errors_are_pages(client: TestClient) -> None:
    r = client.get("/explorer", params={"indicator": "nope", "lang": "ru"})
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert "Не найдено" in r.text and "unknown indicator" in r.text
    assert client.get("/nowhere").status_code == 404
    assert client.get("/explorer", params={"scale": "cubic"}).status_code == 422
    assert client.get("/map", params={"year": "soon"}).status_code == 422


def test_best_lang() -> None:
    assert best_lang("kk", "ru", "en") == "kk"
    assert best_lang(None, "ru", "en") == "ru"
    assert best_lang("xx", None, "de-DE,ru;q=0.8,en;q=0.5") == "ru"
    assert best_lang(None, None, None) == "en"


def test_numbers_follow_the_language() -> None:
    assert fmt_number(74.436, "en", 2) == "74.44"
    assert fmt_number(74.436, "ru", 2) == "74,44"
    assert fmt_number(12345.0, "en", 0) == "12,345"
    assert fmt_number(None, "kk") == "–"


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select id="{name}" name="{name}">(.*?)</select>', html, re.S)
    assert select, name
    return re.findall(r'<option value="([^"]+)"', select.group(1))


@pytest.mark.parametrize("first", ["page", "api"])
def test_lifetable_page_and_its_downloads_in_either_order(demo_db: Path, first: str) -> None:
    # one app, one memo: the page and the API share cache entries, so both orders must work
    with TestClient(create_app(demo_db)) as c:
        page = "/lifetable?area=KZ-75&year=2021&from=2019&to=2021"
        calls = [
            page,
            "/api/v1/lifetables/KZ-75/2021",
            "/api/v1/lifetables/KZ-75/2021?format=csv",
            "/api/v1/decompositions/KZ-75?from=2019&to=2021&by=cause",
            "/api/v1/decompositions/KZ-75?from=2019&to=2021&by=cause&format=csv",
        ]
        for path in calls if first == "page" else [*calls[1:], page, *calls[1:]]:
            r = c.get(path)
            assert r.status_code == 200, (path, r.text[:300])
        html = c.get(page).text
        links = re.findall(r'href="(/api/v1/[^"]+)"[^>]*data-download-csv', html)
        assert len(links) == 2, links  # the life table's and the decomposition's
        for link in links:
            r = c.get(link.replace("&amp;", "&"))
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
            assert "SYNTHETIC" in r.text


def test_lifetable_offers_only_what_it_can_answer(client: TestClient) -> None:
    """Every area of the dropdown, for every year it offers, gives a table and a decomposition."""
    html = client.get("/lifetable", params={"lang": "en"}).text
    areas = _options(html, "area")
    assert {"KAZ", "KZ-10", "KZ-33", "KZ-62", "KZ-ALM", "KZ-75"} <= set(areas)
    for area in areas:
        # the area alone, as the dropdown sends it: defaults valid for the area
        first = client.get("/lifetable", params={"area": area})
        assert first.status_code == 200, (area, first.text[:300])
        assert "data-notice" not in first.text, area
        years = [int(y) for y in _options(first.text, "year")]
        assert years, area
        assert "data-difference" in first.text or len(years) == 1, area
        for year in years:
            r = client.get("/lifetable", params={"area": area, "year": year})
            assert r.status_code == 200, (area, year, r.text[:300])
            assert "data-notice" not in r.text, (area, year)
    abay = client.get("/lifetable", params={"area": "KZ-10"}).text
    assert _options(abay, "year") == ["2022", "2023"]
    assert "Abay" in abay and "2022-2023" in abay


def test_lifetable_says_why_not(client: TestClient) -> None:
    # a year before the region existed: the page says so and shows a year it has
    html = client.get("/lifetable", params={"area": "KZ-10", "year": 2018}).text
    assert "data-notice" in html and "no life table for 2018" in html
    assert "[2022" not in html  # never a Python list
    # an abolished region after its end: rebuilt from its successors, and said so
    alm = client.get("/lifetable", params={"area": "KZ-ALM", "year": 2023, "lang": "en"}).text
    assert "data-rebuilt" in alm and "successors" in alm
    assert "Jetisu" in alm or "Zhetysu" in alm
    early = client.get("/lifetable", params={"area": "KZ-ALM", "year": 2019}).text
    assert "data-rebuilt" not in early
    ru = client.get("/lifetable", params={"area": "KZ-ALM", "year": 2023, "lang": "ru"}).text
    assert "правопреемник" in ru


def test_explorer_shows_two_vintages_side_by_side(tmp_path: Path) -> None:
    from salamat.services import imports as services
    from salamat.store.connection import Store

    path = tmp_path / "s.duckdb"
    header = "indicator,area,period,value,sex,source,vintage\n"
    with Store.open(path) as store:
        for name, text in (
            ("a.csv", "le0,KAZ,2021,70.23,total,BNS,2023\nle0,KAZ,2022,74.44,total,BNS,2023\n"),
            ("b.csv", "le0,KAZ,2022,74.5,total,BNS,2024\nle0,KAZ,2023,75.09,total,BNS,2024\n"),
        ):
            f = tmp_path / name
            f.write_text(header + text, encoding="utf-8")
            assert services.run_import(store, "observations", [f]).ok
    with TestClient(create_app(path)) as c:
        html = c.get("/explorer", params={"indicator": "le0", "compare": "2023"}).text
        assert '<option value="2023" selected>vintage 2023</option>' in html
        line = next(
            x
            for x in _specs(html)[0]["layer"]  # type: ignore[union-attr]
            if x["mark"]["type"] == "line"  # type: ignore[index]
        )
        assert line["encoding"]["strokeDash"]["field"] == "version"
        got = sorted((r["version"], r["year"], r["value"]) for r in line["data"]["values"])
        assert got == [
            ("Latest vintage", 2021, 70.23),
            ("Latest vintage", 2022, 74.5),
            ("Latest vintage", 2023, 75.09),
            ("vintage 2023", 2021, 70.23),
            ("vintage 2023", 2022, 74.44),
        ]
        ru = c.get("/explorer", params={"indicator": "le0", "compare": "2023", "lang": "ru"})
        assert "Версия данных" in ru.text and "Последняя версия" in ru.text
        assert c.get("/explorer", params={"vintage": "2023-02-30"}).status_code == 422


@pytest.mark.parametrize("path", [*PAGES, "/api/v1/", "/api/docs", "/static/salamat.css"])
def test_head_answers_like_get(client: TestClient, path: str) -> None:
    head, get = client.head(path), client.get(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"]


def test_target_warnings_and_documents_are_visible(client: TestClient) -> None:
    html = client.get("/", params={"lang": "en"}).text
    cards = re.findall(r'<article class="card".*?</article>', html, re.S)
    board = {t["code"]: t for t in client.get("/api/v1/targets").json()}
    assert len(cards) == len(board)
    for card in cards:
        code = re.search(r'data-code="([^"]+)"', card).group(1)  # type: ignore[union-attr]
        visible = card.split("<details>")[0]  # what shows before anything is expanded
        rec = board[code]
        if rec["note"]:
            assert 'data-role="note"' in visible, code
        if rec["source_url"]:
            assert f'href="{rec["source_url"]}"' in visible, code
    che = next(c for c in cards if 'data-code="kz_che_gdp_5_2025_healthy_nation"' in c)
    note = re.search(r'<p class="([^"]+)" role="note" data-role="note">(.*?)</p>', che, re.S)
    assert note and "card-warning" in note.group(1) and "TOTAL" in note.group(2)


def test_probabilities_read_as_percent_with_one_decimal(client: TestClient) -> None:
    for lang, sep in (("en", "."), ("ru", ",")):
        html = client.get("/", params={"lang": lang}).text
        shown = re.findall(r"<dd>([^<]*) %</dd>", html)
        assert shown
        for text in shown:
            assert re.fullmatch(rf"(?:[<>] )?\d+\{sep}\d", text), text


@pytest.mark.parametrize("path", ["/explorer", "/map", "/compare", "/lifetable"])
def test_every_downloadable_chart_carries_title_source_and_citation(
    client: TestClient, path: str
) -> None:
    html = client.get(path, params={"lang": "en"}).text
    charts = re.findall(r'data-chart="([^"]+)" data-format="svg"', html)
    exports = _exports(html)
    assert charts and set(charts) == set(exports)
    for chart, meta in exports.items():
        assert meta["title"] and any(line.startswith("Source: ") for line in meta["subtitle"])
        assert "Salamat, http://testserver" + path in meta["cite"]
        assert ("SYNTHETIC" in meta["cite"]) == (path == "/lifetable"), chart
        assert f'id="{chart}-cite"' in html and f'data-copy="{chart}-cite"' in html


def test_explorer_legends_explain_lines_and_targets(client: TestClient) -> None:
    html = client.get(
        "/explorer", params={"indicator": "tb_incidence", "area": ["KAZ", "UZB"], "lang": "en"}
    ).text
    layers = _specs(html)[0]["layer"]
    line = next(x for x in layers if x["mark"]["type"] == "line")  # type: ignore[index,union-attr]
    # line symbols in the source legend: solid and dashed sources can be told apart
    assert "point" not in line["mark"]
    assert line["encoding"]["strokeDash"]["legend"]["symbolType"] == "stroke"
    text = next(x for x in layers if x["mark"]["type"] == "text")  # type: ignore[index,union-attr]
    assert text["encoding"]["text"]["field"] == "short"
    labels = [t["short"] for t in text["data"]["values"]]
    assert "target 2030: 15.6" in labels
    # the target colour is none of the area colours (Vega's category10)
    category10 = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"}
    assert text["mark"]["color"] not in category10 | {"#4c78a8", "#f58518", "#e45756"}


def test_explorer_female_and_male_together(client: TestClient) -> None:
    r = client.get("/explorer", params={"indicator": "le0", "area": ["KAZ"], "sex": "all"})
    assert r.status_code == 200
    layers = _specs(r.text)[0]["layer"]
    line = next(x for x in layers if x["mark"]["type"] == "line")  # type: ignore[index,union-attr]
    assert line["encoding"]["strokeDash"]["field"] == "sex_name"
    assert line["encoding"]["color"]["field"] == "area_name"
    assert {v["sex"] for v in line["data"]["values"]} == {"female", "male"}
    api = client.get("/api/v1/series/le0", params={"area": "KAZ", "sex": "all"})
    assert api.status_code == 200
    assert {"female", "male"} <= {v["sex"] for v in api.json()["values"]}


def test_decomposition_legend_lists_every_cause(client: TestClient) -> None:
    html = client.get("/lifetable", params={"area": "KZ-75", "lang": "en"}).text
    dec = next(s for s in _specs(html) if s.get("mark") == {"type": "bar"})
    legend = dec["encoding"]["color"]["legend"]  # type: ignore[index]
    assert legend["orient"] == "bottom" and legend["columns"] >= 2


def test_compare_keeps_the_published_precision(client: TestClient) -> None:
    html = client.get("/compare", params={"indicator": "che_gdp", "lang": "en"}).text
    assert ">3.92<" in html  # Kazakhstan's 3.92% of GDP, not 4
    ru = client.get("/compare", params={"indicator": "che_gdp", "lang": "ru"}).text
    assert ">3,92<" in ru
    bars = _specs(html)[0]
    assert bars["encoding"]["y"]["sort"] is None  # type: ignore[index]
    values = [r["value"] for r in bars["data"]["values"]]  # type: ignore[index]
    assert values == sorted(values, reverse=True)
    for spec in _specs(html):
        for layer in [spec, *spec.get("layer", [])]:  # type: ignore[list-item]
            x = layer.get("encoding", {}).get("x", {})  # type: ignore[union-attr]
            if x.get("field") == "year":
                assert x["axis"]["tickMinStep"] == 1  # never "2023 2024 2024"


def test_compare_with_one_country_says_the_others_have_no_data(client: TestClient) -> None:
    html = client.get("/compare", params={"indicator": "dtp3_coverage", "lang": "en"}).text
    assert "data-alone" in html and "Uzbekistan" in html and "nothing to compare" in html
    assert not _specs(html)  # no one-bar "comparison"


def test_russian_plurals_and_place_names(client: TestClient) -> None:
    html = client.get("/lifetable", params={"area": "KZ-75", "year": 2021, "lang": "ru"}).text
    e0 = re.search(r"<strong data-e0>([^<]+)</strong> (\w+)", html)
    assert e0 and "," in e0.group(1) and e0.group(2) == "года"
    assert "г. Алматы" in html and "г.Алматы" not in html
    explorer = client.get("/explorer", params={"area": ["KZ-75"], "lang": "ru"}).text
    assert "г.Алматы" not in explorer


def test_flagged_values_carry_a_badge_in_chart_table_and_card(client: TestClient) -> None:
    html = client.get(
        "/explorer", params={"indicator": "ncd30q70", "area": "KAZ", "lang": "en"}
    ).text
    spec = _specs(html)[0]
    flagged = [layer for layer in spec["layer"] if layer["mark"].get("shape") == "triangle-up"]
    assert [r["year"] for r in flagged[0]["data"]["values"]] == [2023]
    assert "Unusual change from the year before: 24.81 in 2023" in html
    assert 'class="flag-badge"' in html and "⚑" in html
    ru = client.get("/", params={"lang": "ru"}).text
    # the rule and its message in Russian, every digit kept with the Russian decimal sign
    assert "Необычное изменение по сравнению с предыдущим годом: 24,81 в 2023 г. после 16,63" in ru
    kk = client.get("/explorer", params={"indicator": "ncd30q70", "lang": "kk"}).text
    assert "Сапа белгісі" in kk
    unflagged = client.get("/explorer", params={"indicator": "che_gdp", "area": "KAZ"}).text
    assert not any(
        layer["mark"].get("shape") == "triangle-up" for layer in _specs(unflagged)[0]["layer"]
    )


def test_short_titles_are_never_cut_inside_quotes_or_brackets() -> None:
    from salamat.web.pages.common import _short

    title = (
        "Национальный проект «Качественное и доступное здравоохранение для каждого гражданина "
        "«Здоровая нация»», постановление Правительства РК от 12 октября 2021 года № 725"
    )
    # the only word break outside the quotes within 80 characters is after "проект"
    assert _short(title) == "Национальный проект…"
    named = "«Здоровая нация» (2021-2025), and the rest of a long description that runs on"
    assert _short(named, limit=20) == "«Здоровая нация»…"
    assert _short(named, limit=30) == "«Здоровая нация» (2021-2025)…"
    # a colon inside the quotes is not the end of the first clause
    assert _short("План «Цели: 2030» на годы: приложение") == "План «Цели: 2030» на годы"
    # a quoted name longer than the limit is kept whole, never cut inside
    assert _short("«" + "очень длинное название " * 5 + "» и ещё", limit=30) == (
        "«" + "очень длинное название " * 5 + "»…"
    )
    assert _short("Short title: detail") == "Short title"


def test_band_label_states_the_level_only_where_the_note_does() -> None:
    """The explorer's band legend: "95% prediction interval: <source>" when the row's note says
    so (the demo's WPP 2024 projections), never a level the publisher did not state."""
    from salamat.web.i18n import translator
    from salamat.web.pages.explorer import _band_label

    en, ru = translator("en"), translator("ru")
    note = (
        "probabilistic projection: value is the median, lower and upper the 95% prediction interval"
    )
    assert _band_label(note, "WPP 2024", en) == "95% prediction interval: WPP 2024"
    assert _band_label(note, "WPP 2024", ru) == "95% интервал прогноза: WPP 2024"
    assert _band_label("90 % confidence interval", "S", en) == "90% confidence interval: S"
    assert _band_label(None, "WHO", en) == "bounds as published: WHO"
    assert _band_label(float("nan"), "WHO", en) == "bounds as published: WHO"


def test_explorer_draws_the_forecast_asked_for(client: TestClient) -> None:
    from salamat.web import charts

    r = client.get(
        "/explorer", params={"indicator": "le0", "forecast": "rwd", "until": "2030", "lang": "en"}
    )
    assert r.status_code == 200
    assert 'data-role="forecast"' in r.text and "Forecast (rwd)" in r.text
    (spec,) = [s for s in _specs(r.text) if "layer" in s and s["height"] == 360]
    fx = [
        layer
        for layer in spec["layer"]
        if isinstance(layer["mark"], dict) and layer["mark"].get("color") == charts.FORECAST_COLOUR
    ]
    assert len(fx) == 2 and fx[0]["data"]["values"][-1]["year"] == 2030
    assert all(v["lower"] <= v["value"] <= v["upper"] for v in fx[0]["data"]["values"])
    ru = client.get("/explorer", params={"indicator": "le0", "forecast": "rwd", "lang": "ru"})
    assert "Прогноз (rwd)" in ru.text
    # a method the data cannot carry says why, on the page
    lc = client.get(
        "/explorer", params={"indicator": "le0", "forecast": "lee-carter", "lang": "en"}
    )
    assert lc.status_code == 200 and "No forecast:" in lc.text
    bad = client.get("/explorer", params={"indicator": "le0", "forecast": "rwd", "until": "1900"})
    assert bad.status_code in (400, 422)


# -- the what-if scenario panel on the life-expectancy target cards ----------------------------

LE77 = "kz_le0_77_2029_ndp"


def _card(html: str, code: str) -> str:
    start = html.index(f'data-code="{code}"')
    return html[start : html.index("</article>", start)]


def _scenario_layers(card: str) -> list[dict[str, Any]]:
    from salamat.web import charts

    (spec,) = _specs(card)
    return [
        layer
        for layer in spec["layer"]  # type: ignore[attr-defined]
        if isinstance(layer["mark"], dict) and layer["mark"].get("color") == charts.SCENARIO_COLOUR
    ]


def test_scenario_panel_is_offered_only_on_life_expectancy_cards(client: TestClient) -> None:
    html = client.get("/", params={"lang": "en"}).text
    card = _card(html, LE77)
    assert 'data-role="scenario-form"' in card and 'name="until" value="2029"' in card
    assert 'value="circulatory"' in card and 'name="solve"' in card
    assert not _scenario_layers(card) and 'data-role="scenario-result"' not in card
    assert 'data-role="scenario"' not in _card(html, "end_tb_incidence")


def test_scenario_query_draws_the_path_and_states_the_year(client: TestClient) -> None:
    plain = _card(client.get("/", params={"lang": "en"}).text, LE77)
    params = {"scenario": LE77, "cause": ["circulatory", "cancer"], "decline": "3", "lang": "en"}
    r = client.get("/", params=params)
    assert r.status_code == 200
    card = _card(r.text, LE77)
    area, line, label = _scenario_layers(card)
    values = line["data"]["values"]
    assert area["mark"]["type"] == "area" and area["data"]["values"] == values
    assert values[0]["year"] == 2024 and values[-1]["year"] == 2029
    assert (
        line["mark"]["strokeDash"] and label["data"]["values"][0]["label"] == "Scenario, all ages"
    )
    assert "The decline applies at every age." in card
    assert all(v["lower"] <= v["value"] <= v["upper"] for v in values)
    assert "SYNTHETIC data" in card and 'data-role="scenario-synthetic"' in card
    assert "Under the scenario the target is not reached by 2029." in card
    # the card's own judgement (badge, figures, projection) is untouched
    assert plain[: plain.index("</dl>")] == card[: card.index("</dl>")]
    ru = _card(client.get("/", params={**params, "lang": "ru"}).text, LE77)
    assert "СИНТЕТИЧЕСКИЕ" in ru and "По сценарию цель не достигается к 2029 году." in ru


def test_scenario_with_no_decline_is_the_services_baseline(
    client: TestClient, demo_db: Path
) -> None:
    from salamat.services import scenario as scen
    from salamat.store.connection import Store

    params = {"scenario": LE77, "cause": "circulatory", "decline": "0", "until": "2035"}
    _area, line, _label = _scenario_layers(_card(client.get("/", params=params).text, LE77))
    with Store.open(demo_db, read_only=True) as store:
        data = scen.inputs(store, "le0", "KAZ", causes=["circulatory"])
    _path, rows = scen.run(data, change=0.0, until=2035, target=77.0)
    assert [v["year"] for v in line["data"]["values"]] == [r["year"] for r in rows]
    for shown, row in zip(line["data"]["values"], rows, strict=True):
        assert shown["value"] == row["baseline"]
        assert (shown["lower"], shown["upper"]) == (row["baseline_lower"], row["baseline_upper"])


def test_scenario_names_its_ages_on_the_chart_and_under_it(client: TestClient) -> None:
    """The chart's label and the line under it say at which ages the decline applies (issue
    15: a scenario at 30-69 read like one at every age), in each language."""
    params = {"scenario": LE77, "cause": "circulatory", "decline": "3", "ages": "30-69"}
    expected = {
        "en": ("Scenario, ages 30-69", "The decline applies at ages 30-69 only"),
        "ru": ("Сценарий, возраст 30-69", "Снижение применяется только в возрасте 30-69"),
        "kk": ("Сценарий, жасы 30-69", "Төмендеу тек 30-69 жаста қолданылады"),
    }
    for lang, (label_text, line_text) in expected.items():
        card = _card(client.get("/", params={**params, "lang": lang}).text, LE77)
        _area, line, label = _scenario_layers(card)
        assert label["data"]["values"][0]["label"] == label_text
        assert line["encoding"]["tooltip"][1]["title"] == label_text
        ages = card[card.index('data-role="scenario-ages"') :]
        assert line_text in ages[: ages.index("</span>")]
    both = _card(client.get("/", params={**params, "ages": "30-69, 85+", "lang": "en"}).text, LE77)
    assert _scenario_layers(both)[2]["data"]["values"][0]["label"] == "Scenario, ages 30-69, 85+"


def test_scenario_solve_reaches_the_target_in_its_year(client: TestClient) -> None:
    params = {"scenario": LE77, "cause": "circulatory", "solve": "1", "lang": "en"}
    card = _card(client.get("/", params=params).text, LE77)
    assert 'data-role="scenario-solved"' in card
    assert "Under the scenario the target is reached in 2029." in card
    _area, line, _label = _scenario_layers(card)
    assert abs(line["data"]["values"][-1]["value"] - 77.0) < 0.01


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"cause": "circulatory", "decline": "a lot"}, "Decline: expected a number"),
        ({"cause": "circulatory", "decline": "-5"}, "Decline: expected a number"),
        ({"decline": "3"}, "Choose one or more of the causes"),
        ({"cause": "nonsense", "decline": "3"}, "Choose one or more of the causes"),
        ({"cause": "circulatory", "decline": "3", "until": "2200"}, "Until: expected a year after"),
        ({"cause": "circulatory", "decline": "3", "until": "soon"}, "Until: expected a year such"),
        ({"cause": ["ncd4", "cancer"], "decline": "3"}, "No scenario: the four major NCDs"),
        (
            {"cause": "circulatory", "decline": "3", "ages": "32-69"},
            "No scenario: Ages 32-69: a range must begin at a band&#39;s first age",
        ),
        ({"cause": "external", "solve": "1"}, "not reachable by these causes alone"),
    ],
)
def test_scenario_bad_values_say_why_on_the_page(
    client: TestClient, params: dict[str, Any], message: str
) -> None:
    r = client.get("/", params={"scenario": LE77, "lang": "en", **params})
    assert r.status_code == 200 and "Traceback" not in r.text
    card = _card(r.text, LE77)
    assert 'data-role="scenario-error"' in card and message in card
    assert "--" not in card[card.index('data-role="scenario-error"') :]  # no CLI options
    assert not _scenario_layers(card)


def test_scenario_at_some_ages_is_the_services_path(client: TestClient, demo_db: Path) -> None:
    from salamat.services import scenario as scen
    from salamat.store.connection import Store

    params = {"scenario": LE77, "cause": "circulatory", "decline": "3", "lang": "en"}
    every = _scenario_layers(_card(client.get("/", params=params).text, LE77))[1]
    card = _card(client.get("/", params={**params, "ages": "30-69"}).text, LE77)
    assert 'name="ages" value="30-69"' in card
    band = _scenario_layers(card)[1]
    with Store.open(demo_db, read_only=True) as store:
        data = scen.inputs(store, "le0", "KAZ", causes=["circulatory"])
    _path, rows = scen.run(data, change=-0.03, until=2029, target=77.0, ages=["30-69"])
    assert [v["value"] for v in band["data"]["values"]] == [r["value"] for r in rows]
    assert band["data"]["values"][-1]["value"] < every["data"]["values"][-1]["value"]


def test_scenario_says_where_it_starts_beside_the_published_figure(client: TestClient) -> None:
    """The path starts from the records' own life expectancy (72.41 on the SYNTHETIC records
    for 2023), below the card's published 75.09 for that year: the panel says both, and that
    the scenario's levels are the records'."""
    params = {"scenario": LE77, "cause": "circulatory", "decline": "3"}
    card = _card(client.get("/", params={**params, "lang": "en"}).text, LE77)
    start = card[card.index('data-role="scenario-start"') :]
    start = start[: start.index("</p>")]
    assert "The path starts from 72.41" in start and "for 2023" in start
    assert "The published figure for 2023 is 75.09 (BNS Kazakhstan: national life " in start
    assert "those of the records, not of the published series" in start
    ru = _card(client.get("/", params={**params, "lang": "ru"}).text, LE77)
    assert "Траектория начинается с 72,41" in ru
    assert "Опубликованное значение за 2023 г. — 75,09 (BNS Kazakhstan" in ru
    kk = _card(client.get("/", params={**params, "lang": "kk"}).text, LE77)
    assert "72,41" in kk and "75,09" in kk and 'data-role="scenario-start"' in kk
