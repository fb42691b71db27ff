"""Texts from the store and the services on the kk/ru pages: translated, numbers kept, and no
English left on any page outside names of sources, citations, codes and proper names."""

from __future__ import annotations

import csv
import html
import re
import warnings
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from salamat.api.app import create_app
from salamat.web import texts

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

DATA = Path(str(resources.files("salamat") / "data"))

# words that stay as they are in every language: names of people, methods, organisations and
# formats, codes, and the SYNTHETIC label that is also part of source names
ALLOWED = set(
    [
        "Salamat",
        "SYNTHETIC",
        "English",
        "REST",
        "API",
        "OpenAPI",
        "PNG",
        "SVG",
        "CSV",
        "PDF",
        "HTML",
        "Excel",
        "xlsx",
        "COVID",
        "SHA",
        "WHO",
        "DQR",
        "UN",
        "WPP",
        "BNS",
        "GHO",
        "IGME",
        "NACE",
        "SDG",
        "Open",
        "Eurostat",
        "Preston",
        "Heuveline",
        "Guillot",
        "Chiang",
        "Silcocks",
        "Jenner",
        "Reza",
        "Arriaga",
        "Andreev",
        "Kingkade",
        "Lee",
        "Carter",
        "Miller",
        "Coale",
        "Demeny",
        "Dobson",
        "WHA",
        "BAQ",
        "KZT",
        "OCHA",
        "COD",
        "UNHCR",
        "IGO",
        # names of formats on the upload page's list of kinds
        "OWID",
        "DHIS",
        "SDMX",
        "HMD",
        # citations and area codes inside the death-record flags of the life tables' inputs
        "Bhalla",
        "Mathers",
        "KAZ",
    ]
)
URL = re.compile(r"https?://\S+|\b[\w.-]+\.(?:kz|pro|com|org|net|int)\b(?:/[\w./-]*)?")
WORD = re.compile(r"[A-Za-z]{3,}")
CODE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")  # codes such as yoy_outlier, che_gdp


def bundled_texts() -> set[str]:
    out: set[str] = set()
    with (DATA / "data_elements.csv").open(encoding="utf-8") as fh:
        out |= {r["description"] for r in csv.DictReader(fh) if r["description"]}
    with (DATA / "targets.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out |= {r[c] for c in ("document", "note") if r[c]}
    return out


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_every_bundled_text_has_a_translation(lang: str) -> None:
    catalogue = texts.data_catalogue(lang)
    bundled = bundled_texts()
    assert len(bundled) > 60
    assert sorted(bundled - set(catalogue)) == []
    assert sorted(set(catalogue) - bundled) == [], "entries for texts no longer bundled"
    # the translation keeps every number of the original (its grouping and decimal sign
    # follow the language: 100,000 -> 100 000, 14.4 -> 14,4)
    for en, tr in catalogue.items():
        digits = set(re.findall(r"\d+", re.sub(r"(?<=\d),(?=\d{3}\b)", "", en)))
        kept = set(re.findall(r"\d+", re.sub(r"(?<=\d)\u00a0(?=\d{3}\b)", "", tr)))
        assert digits <= kept, (en, tr)


def test_sentences_keep_their_digits() -> None:
    reason = "75.44 in 2024 meets 75; trend leaves out the shock year(s) 2020, 2021"
    assert texts.sentence(reason, "ru") == (
        "75,44 в 2024 г. — цель 75 достигнута; тренд рассчитан без шоковых лет: 2020, 2021"
    )
    assert texts.sentence(reason, "en") == reason
    assert texts.sentence("R = -0.76; something new", "kk") == "R = -0,76; something new"
    flag = (
        "24.81 in 2023 after 16.63 in 2022 (+49.2%): beyond the series' own history "
        "(modified z 10.0, limit 3.5, over 9 earlier changes since 2010; floor 15%)"
    )
    assert texts.flag_message(flag, "kk") == (
        "2022 жылы 16,63 болғаннан кейін 2023 жылы 24,81 (+49,2%): қатардың өз тарихынан тыс "
        "(модификацияланған z 10,0, шегі 3,5, 2010 жылдан бергі алдыңғы 9 өзгеріс бойынша; "
        "төменгі шек 15%)"
    )
    # a source's name stays as published; Salamat's words around it are translated
    assert texts.source_text("UN WPP 2024 deaths; exposures: BNS population", "ru") == (
        "UN WPP 2024 deaths; человеко-годы: BNS population"
    )
    assert texts.data_text("a user's own description", "kk") == "a user's own description"


@pytest.fixture(scope="module")
def client(demo_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(demo_db)) as c:
        yield c


def visible_text(page: str) -> str:
    """What a reader sees or hears: the text and the title/aria-label attributes."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    said = " ".join(re.findall(r'(?:title|aria-label|alt|placeholder)="([^"]*)"', page))
    return html.unescape(re.sub(r"<[^>]+>", "\n", page) + "\n" + html.unescape(said))


def names_kept_as_published(client: TestClient) -> list[str]:
    """Names of sources and citations of definitions: shown as published, in any language."""
    names: set[str] = set()
    for ind in client.get("/api/v1/indicators", params={"with_data": True}).json():
        if ind.get("definition_source"):
            names.add(ind["definition_source"])
        info = client.get(f"/api/v1/indicators/{ind['code']}").json()
        names |= {s["source"] for s in info["source_list"]}
    table = client.get("/api/v1/lifetables/KAZ/2023").json()
    names |= set(str(table["source"]).split("; exposures: "))
    return sorted(names, key=len, reverse=True)


def pages(client: TestClient) -> list[str]:
    with_data = [
        i["code"] for i in client.get("/api/v1/indicators", params={"with_data": True}).json()
    ]
    out = ["/", "/lifetable", "/lifetable?area=KZ-ALM&year=2023", "/map", "/compare"]
    out += [f"/explorer?indicator={code}" for code in with_data]
    out += ["/explorer?indicator=tb_incidence&area=OTS", "/explorer?indicator=le0&compare=2023-09"]
    out += ["/compare?indicator=che_gdp", "/compare?indicator=tb_incidence"]
    out += ["/map?indicator=population_jan1", "/map?indicator=le0&sex=female"]
    scenario = "/?scenario=kz_le0_77_2029_ndp&cause=circulatory&cause=cancer"
    out += [f"{scenario}&decline=3", f"{scenario}&solve=1", f"{scenario}&decline=x"]
    # the panel's other states: a range of ages, ranges that split bands or are not ranges,
    # NCD4 with one of its members, a target out of reach of the causes chosen
    out += [f"{scenario}&decline=3&ages=30-69", f"{scenario}&decline=3&ages=32-69"]
    out += [f"{scenario}&decline=3&ages=x", f"{scenario}&decline=3&ages=69-30"]
    out += ["/?scenario=kz_le0_77_2029_ndp&cause=ncd4&cause=cancer&decline=3"]
    out += ["/?scenario=kz_le0_77_2029_ndp&cause=external&solve=1"]
    # the explorer's forecasts and the reasons there is none
    for indicator, method in (
        ("le0", "rwd"),
        ("le0", "lee-carter"),
        ("le0", "lee-miller"),
        ("ncd30q70", "lee-carter"),
        ("ncd30q70", "lee-miller"),
        ("tb_incidence", "lee-carter"),
        ("le60", "rwd"),
    ):
        out.append(f"/explorer?indicator={indicator}&forecast={method}")
    out += ["/imports/new"]
    return out


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_no_english_on_the_pages(client: TestClient, lang: str) -> None:
    kept = names_kept_as_published(client)
    english: dict[str, str] = {}
    walked = pages(client)
    assert len(walked) > 25
    for path in walked:
        r = client.get(path, params={"lang": lang})
        assert r.status_code == 200, (path, r.text[:300])
        text = visible_text(r.text)
        for name in kept:
            text = text.replace(name, " ")
        text = URL.sub(" ", text).replace("{year}", " ")  # the map's export: filled by the page
        text = CODE.sub(" ", text)
        for line in text.splitlines():
            for word in WORD.findall(line):
                if word not in ALLOWED:
                    english.setdefault(word, f"{path}: {line.strip()[:200]}")
    assert not english, "\n".join(f"{w} ({where})" for w, where in sorted(english.items()))


AREA_CODE = re.compile(r"\b[A-Z]{2,3}(?:-[A-Z0-9]+)?\b")


def english_left(translated: str, names: list[str]) -> list[str]:
    """English words left in a translated sentence, once names of sources, codes and area
    codes are set aside."""
    for name in sorted(names, key=len, reverse=True):
        translated = translated.replace(name, " ")
    translated = AREA_CODE.sub(" ", CODE.sub(" ", translated))
    return [w for w in WORD.findall(translated) if w not in ALLOWED]


def test_every_sentence_the_services_build_has_a_template(demo_db: Path) -> None:
    """Every flag message and every target reason of the demo store, not only the ones a page
    shows, is matched by a template in full: a service that changes its English
    wording (or a new rule) fails here instead of showing English on kk/ru pages. That every
    template has a kk and a ru translation is test_web_i18n's test_every_message_is_translated."""
    from salamat.services.targets import scorecard
    from salamat.store.connection import Store

    with Store.open(demo_db, read_only=True) as store:
        flags = store.con.execute(
            "SELECT DISTINCT message, source, "
            "coalesce(json_extract_string(details, '$.other_source'), ''), "
            "coalesce(json_extract_string(details, '$.previous_source'), '') FROM quality_flag"
        ).fetchall()
        sources = [
            str(r[0])
            for r in store.con.execute("SELECT DISTINCT source FROM observation").fetchall()
        ]
        cards = [*scorecard(store, None), *scorecard(store, "OTS")]
    assert len(flags) > 100 and len(cards) > 20
    untranslated: dict[str, list[str]] = {}
    said = {str(c.get("reason") or "") for c in cards} - {""}  # what the cards show
    for lang in ("kk", "ru"):
        for message, *names in flags:
            left = english_left(texts.flag_message(message, lang), [*names, *sources])
            if left:
                untranslated[f"{lang}: {message}"] = left
        for sentence in said:
            left = english_left(texts.sentence(sentence, lang), sources)
            if left:
                untranslated[f"{lang}: {sentence}"] = left
    assert not untranslated, "\n".join(f"{m!r}: {w}" for m, w in sorted(untranslated.items()))


def test_every_reason_for_no_forecast_or_scenario_has_a_template(demo_db: Path) -> None:
    """Why the explorer has no forecast or the targets page no scenario, for every indicator
    and method on the demo store (the country and a region) and every cause the panel offers:
    each reason is matched by the templates in full, so no English is left on kk/ru pages."""
    from salamat.errors import InputError, MethodError
    from salamat.services import forecast as fx
    from salamat.services import scenario as scen
    from salamat.services.compute import catalogue
    from salamat.store.connection import Store
    from salamat.web.pages.targets import SCENARIO_CAUSES

    reasons: set[str] = set()
    with Store.open(demo_db, read_only=True) as store:
        for indicator in sorted(catalogue(store)):
            for method in fx.METHODS:
                for area in ("KAZ", "KZ-75"):
                    try:
                        fx.forecast(store, indicator, area, method=method, until=2030, paths=100)
                    except (InputError, MethodError) as exc:
                        reasons.add(str(exc.args[0]))
        for causes in [[c] for c in SCENARIO_CAUSES] + [["ncd4", "cancer"]]:
            try:
                data = scen.inputs(store, "le0", "KAZ", causes=causes)
                scen.solve(data, until=2029, target=77.0)
            except (InputError, MethodError) as exc:
                reasons.add(str(exc.args[0]))
        for ages in ("32-69", "x", "69-30"):
            with pytest.raises(InputError) as caught:
                scen.age_mask(data, [ages])
            reasons.add(str(caught.value.args[0]))
    kinds = {r.split(" ")[1] if r.startswith("no annual values") else r[:25] for r in reasons}
    assert len(reasons) > 40 and len(kinds) >= 10, sorted(kinds)
    untranslated = {}
    for lang in ("kk", "ru"):
        for reason in reasons:
            left = english_left(texts.service_reason(reason, lang), [])
            if left:
                untranslated[f"{lang}: {reason}"] = left
    assert not untranslated, "\n".join(f"{m!r}: {w}" for m, w in sorted(untranslated.items()))
    # numbers and years are kept, with the language's decimal sign
    said = texts.service_reason(
        "not reachable by this cause alone: even with the cause eliminated life expectancy "
        "would be 72.55, below 77",
        "ru",
    )
    assert "72,55" in said and "77" in said
