"""The dashboard's pages as HTML (no browser): every page, every language, errors as pages."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

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
    found = re.findall(r'<script type="application/json" id="[^"]+">(.*?)</script>', html, re.S)
    return [json.loads(s) for s in found]


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
    # nothing is loaded from elsewhere: every src and href is local (or an in-page anchor)
    for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert ref.startswith(("/", "#", "?")), ref
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
