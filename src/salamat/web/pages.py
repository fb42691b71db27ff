"""The dashboard's pages: server-rendered HTML (Jinja2), charts drawn by the vendored Vega.

Every page works without JavaScript for its controls (plain GET forms) and is switchable
between English, Kazakh and Russian (``?lang=``, remembered in a cookie).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import replace
from datetime import date
from functools import cache
from importlib import resources
from typing import Annotated, Any
from urllib.parse import urlencode

import numpy as np
import pandas as pd
from babel.dates import format_date
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from salamat.api.cache import Memo
from salamat.api.deps import get_store
from salamat.errors import InputError
from salamat.services import quality as quality_svc
from salamat.services import web as svc
from salamat.store.connection import Store
from salamat.web import charts, texts
from salamat.web.i18n import (
    LANG_NAMES,
    LANGS,
    Gettext,
    best_lang,
    fmt_number,
    translator,
    years_word,
)

__all__ = ["error_page", "router"]

router = APIRouter(include_in_schema=False)
StoreDep = Annotated[Store, Depends(get_store)]
HOME_AREA = "KAZ"
GROUP = "OTS"
WARNING_WORDS = re.compile(r"\b[A-Z]{4,}\b")

_env = Environment(
    loader=FileSystemLoader(str(resources.files("salamat") / "web" / "templates")),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


# the words of each language are built once per process, not on every page or helper call
# (``translator(lang)`` is the same cached catalogue's gettext, so it keys the cache)
@cache
def _status_words(_: Gettext) -> dict[str, tuple[str, str]]:
    return {
        "achieved": (_("Achieved"), "✓"),
        "on_track": (_("On track"), "↗"),
        "needs_acceleration": (_("Needs acceleration"), "!"),
        "off_track": (_("Off track"), "✗"),
        "moving_away": (_("Moving away"), "↘"),
        "insufficient_data": (_("Insufficient data"), "?"),
    }


FLAG_SYMBOL = "⚑"


@cache
def _flag_words(_: Gettext) -> dict[str, str]:
    """What each quality rule means, in the page's language (docs/quality.md)."""
    return {
        "yoy_outlier": _("Unusual change from the year before"),
        "source_break": _("The source changes within this series"),
        "source_disagreement": _("Two sources disagree"),
        "peer_outlier": _("Far from its peers"),
        "revision": _("Revised value"),
        "consistency_over_time": _("Far from the mean of the three years before"),
        "related_indicators": _("Inconsistent with a related indicator"),
        "ill_defined_share": _("Many deaths with ill-defined causes"),
        "garbage_share": _("Many deaths with garbage codes"),
        "injury_unspecified_share": _("Many injury deaths of unspecified intent or mechanism"),
        "unknown_age_sex": _("Records without age or sex"),
        "completeness": _("Death registration incomplete or implausible"),
        "input_flag": _("Computed from a flagged input"),
    }


def _flag_text(flags: list[tuple[str, str, str]], _: Gettext, lang: str) -> str:
    """One tooltip for a value's flags: each rule in words, then its message (numbers)."""
    words = _flag_words(_)
    return "; ".join(
        f"{words.get(rule, rule)}: {texts.flag_message(message, lang)}"
        for rule, _sev, message in flags
    )


@cache
def _sex_words(_: Gettext) -> dict[str, str]:
    return {"total": _("Both sexes"), "female": _("Female"), "male": _("Male")}


@cache
def _cause_words(_: Gettext) -> dict[str, str]:
    return {
        "circulatory": _("Circulatory diseases"),
        "cancer": _("Cancers"),
        "respiratory_chronic": _("Chronic respiratory diseases"),
        "diabetes": _("Diabetes"),
        "tuberculosis": _("Tuberculosis"),
        "external": _("External causes"),
        "ill_defined": _("Ill-defined causes"),
        "other": _("Other causes"),
        "all": _("All causes"),
    }


@cache
def _unit_words(_: Gettext) -> dict[str, str]:
    """The units of the bundled catalogue; a user's own unit is shown as written."""
    return {
        "years": _("years"),
        "%": "%",
        "% of GDP": _("% of GDP"),
        "births": _("births"),
        "deaths": _("deaths"),
        "persons": _("persons"),
        "organisations": _("organisations"),
        "facilities": _("facilities"),
        "bn KZT": _("bn KZT"),
        "per person-year": _("per person-year"),
        "per 1,000 live births": _("per 1,000 live births"),
        "per 1,000 population": _("per 1,000 population"),
        "per 1,000 uninfected population": _("per 1,000 uninfected population"),
        "per 1,000 women in the age group": _("per 1,000 women in the age group"),
        "per 100,000 live births": _("per 100,000 live births"),
        "per 100,000 population": _("per 100,000 population"),
    }


def _unit(info: dict[str, Any], _: Gettext) -> str:
    raw = str(info.get("unit") or "")
    return _unit_words(_).get(raw, raw)


def _lang(request: Request) -> str:
    return best_lang(
        request.query_params.get("lang"),
        request.cookies.get("salamat_lang"),
        request.headers.get("accept-language"),
    )


def _memo(request: Request) -> Memo:
    memo: Memo = request.app.state.memo
    return memo


def _render(request: Request, template: str, page: str, status: int = 200, **ctx: Any) -> Response:
    lang = _lang(request)
    _ = translator(lang)

    def lang_url(code: str) -> str:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        params.append(("lang", code))
        return f"{request.url.path}?{urlencode(params)}"

    def num(value: float | None, digits: int = 1) -> str:
        return fmt_number(value, lang, digits)

    def years_of(value: float | None, digits: int = 1) -> str:
        return years_word(value, lang, digits)

    nav = [
        ("targets", "/", _("Targets")),
        ("explorer", "/explorer", _("Indicators")),
        ("map", "/map", _("Map")),
        ("compare", "/compare", _("Compare")),
        ("lifetable", "/lifetable", _("Life tables")),
    ]
    html = _env.get_template(template).render(
        request=request,
        page=page,
        lang=lang,
        langs=LANGS,
        lang_names=LANG_NAMES,
        lang_url=lang_url,
        nav=nav,
        num=num,
        years_of=years_of,
        data=lambda text: texts.data_text(text, lang),
        said=lambda text: texts.sentence(text, lang),
        flag_message=lambda text: texts.flag_message(text, lang),
        source_words=lambda text: texts.source_text(text, lang),
        flag_words=_flag_words(_),
        _=_,
        **ctx,
    )
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie("salamat_lang", lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


def error_page(request: Request, status: int, message: str) -> Response:
    _ = translator(_lang(request))
    title = _("Not found") if status == 404 else _("Something is wrong with the request")
    return _render(request, "error.html", "error", status=status, title=title, message=message)


def _unit_name(units: dict[str, svc.Unit], code: str, lang: str) -> str:
    return units[code].name(lang) if code in units else code


def _indicator_name(info: dict[str, Any], lang: str) -> str:
    names: dict[str, str] = info["names"]
    return names.get(lang) or names["en"]


def _short(text: str, limit: int = 80) -> str:
    """The first clause of a long document title, cut at a word."""
    head = text.split(":")[0]
    for decree in (", Government Decree", ", постановление Правительства", ", ҚР Үкіметінің"):
        head = head.split(decree)[0]
    if len(head) <= limit:
        return head
    return head[:limit].rsplit(" ", 1)[0] + "…"


def _probability(prob: float | None, lang: str) -> str | None:
    """A probability as a percentage with one decimal in the page's locale, never rounded to
    a certainty (the command line's :func:`~salamat.methods.targets.format_probability`)."""
    if prob is None:
        return None
    if prob > 0.999:
        return "> " + fmt_number(99.9, lang, 1)
    if prob < 0.001:
        return "< " + fmt_number(0.1, lang, 1)
    return fmt_number(100 * prob, lang, 1)


def _export(
    request: Request,
    _: Gettext,
    *,
    title: str,
    what: list[str],
    sources: list[str],
    synthetic: bool = False,
) -> dict[str, Any]:
    """What a downloaded chart carries, and the citation shown under it to copy.

    A PNG or SVG leaves the page, so it carries its own title, the area, years and unit
    (``what``), the source with its vintage, the SYNTHETIC label where it applies, and where
    it came from: the view's URL and the date. ``{year}`` is filled in by the page (the map's
    slider).
    """
    lang = _lang(request)
    today = format_date(date.today(), format="long", locale=lang)
    url = str(request.url)
    where = ", ".join(w for w in what if w)
    source = f"{_('Source')}: {'; '.join(sources) or '–'}"
    subtitle = [where, source]
    if synthetic:
        subtitle.append(_("SYNTHETIC data") + ": " + _("generated records, not real deaths"))
    subtitle.append(f"Salamat · {url} · {today}")
    # Vega draws each subtitle line as one line: long sources are wrapped to the image width
    subtitle = [part for line in subtitle for part in textwrap.wrap(line, 110) or [""]]
    cite = f"{title}. {where}. {source}. Salamat, {url} ({_('accessed')} {today})."
    if synthetic:
        cite = f"{_('SYNTHETIC data')}. {cite}"
    return {"title": title, "subtitle": subtitle, "cite": cite}


def _digits(values: list[float]) -> int:
    """The decimals the values are published with (0, 1 or 2), so 3.92 stays 3.92 and a count
    stays whole; values with more decimals (computed ones) are shown with 2."""
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    for d in (0, 1):
        if np.all(np.abs(np.round(arr, d) - arr) < 1e-9):
            return d
    return 2


def _span_text(years: list[int]) -> str:
    return f"{min(years)}–{max(years)}" if years else ""


def _source_items(items: list[tuple[str, str]], _: Gettext) -> list[str]:
    return [f"{s} ({_('vintage')} {v})" if v else s for s, v in items]


def _catalogue(store: Store) -> dict[str, dict[str, Any]]:
    return {r["code"]: r for r in svc.indicators(store)}


# -- targets -----------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def targets_page(request: Request, store: StoreDep) -> Response:
    lang = _lang(request)
    _ = translator(lang)
    board = _memo(request).get(("targets", HOME_AREA), lambda: svc.target_board(store, HOME_AREA))
    units = svc.units(store)
    words = _status_words(_)
    cards = []
    ordered = sorted(board, key=lambda r: not r["series"])  # targets with values first
    flag_cache: dict[str, dict[quality_svc.FlagKey, list[tuple[str, str, str]]]] = {}
    for i, rec in enumerate(ordered):
        word, symbol = words.get(rec["status"], (rec["status"], "?"))
        unit = _unit(rec, _)
        prob = rec["probability"]
        if prob is None:
            trend_word = None
        elif rec["status_by_pace"] == "achieved":
            trend_word = _("likely kept") if prob >= 0.5 else _("at risk of being lost")
        else:
            trend_word = _("likely") if prob >= 0.5 else _("unlikely")
        pace = rec.get("status_by_pace")
        without = rec.get("status_without_flagged")
        latest = rec["latest"]
        latest_flags: list[tuple[str, str, str]] = []
        if latest.get("year") is not None and latest.get("source"):
            if rec["indicator"] not in flag_cache:
                flag_cache[rec["indicator"]] = quality_svc.flag_index(store, rec["indicator"])
            key = (rec["area"], str(latest["year"]), rec["sex"], "all", "all", "total")
            latest_flags = flag_cache[rec["indicator"]].get((*key, str(latest["source"])), [])
        cards.append(
            {
                "id": f"target-{i}",
                "rec": rec,
                "title": rec["indicator_names"].get(lang) or rec["indicator_names"]["en"],
                "area_name": _unit_name(units, rec["area"], lang),
                "status_word": word,
                "status_symbol": symbol,
                "pace_word": words[pace][0] if pace in words else None,
                "trend_word": trend_word,
                "probability_text": _probability(prob, lang),
                "disagree": pace is not None and pace != rec["status"],
                "without_word": words[without][0] if without in words else None,
                "document_short": _short(texts.data_text(str(rec["document"]), lang)),
                "sex_word": _sex_words(_).get(rec["sex"], rec["sex"]),
                # a note that shouts (TOTAL vs CURRENT, VALUE vs PHYSICAL) is a warning
                "note_warns": bool(WARNING_WORDS.search(str(rec.get("note") or ""))),
                "colour": charts.STATUS_COLOURS.get(rec["status"], "#5b6470"),
                "unit": unit,
                "spec": charts.target_chart(rec, _, unit) if rec["series"] else None,
                "latest_flag": _flag_text(latest_flags, _, lang) if latest_flags else "",
            }
        )
    counts: dict[str, int] = {}
    for rec in board:
        counts[rec["status"]] = counts.get(rec["status"], 0) + 1
    summary = [
        (words[s][0], words[s][1], charts.STATUS_COLOURS[s], counts[s])
        for s in words
        if s in counts
    ]
    return _render(
        request,
        "targets.html",
        "targets",
        cards=cards,
        summary=summary,
        area_name=_unit_name(units, HOME_AREA, lang),
    )


# -- indicator explorer ------------------------------------------------------------------------


def _area_options(store: Store, lang: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    units = svc.units(store)
    countries = [(m, _unit_name(units, m, lang)) for m, _r in svc.group_members_of(store, GROUP)]
    countries.append(("WORLD", _unit_name(units, "WORLD", lang)))
    regions = sorted(
        (
            (u.code, u.name(lang))
            for u in units.values()
            if u.parent == HOME_AREA and u.kind in ("region", "city")
        ),
        key=lambda x: x[1],
    )
    return countries, regions


@router.get("/explorer", response_class=HTMLResponse)
def explorer_page(
    request: Request,
    store: StoreDep,
    indicator: str = "le0",
    area: Annotated[list[str] | None, Query()] = None,
    sex: str = "total",
    scale: str = "linear",
    source: str = "",
    vintage: str = "latest",
    compare: str = "",
) -> Response:
    lang = _lang(request)
    _ = translator(lang)
    areas = area or [HOME_AREA]
    if sex not in (*svc.SEXES, "all"):
        raise InputError(f"sex {sex!r}: expected total, female, male or all")
    if scale not in ("linear", "log"):
        raise InputError(f"scale {scale!r}: expected linear or log")
    info = svc.indicator(store, indicator)
    # "all": female and male side by side (the total is the page's default choice)
    wanted = ["female", "male"] if sex == "all" else [sex]
    query = svc.SeriesQuery(
        indicator, tuple(areas), sexes=tuple(wanted), age="all", vintage=vintage
    )
    frame = _memo(request).get(("page-series", query), lambda: svc.series(store, query))
    # a second vintage side by side (lines dashed by vintage)
    if compare == vintage:
        compare = ""
    publisher_vintages, import_days = svc.vintage_choices(store, indicator)
    vintage_names = {
        "latest": _("Latest vintage"),
        **{v: f"{_('vintage')} {v}" for v in publisher_vintages},
        **{d: f"{_('imported on')} {d}" for d in import_days},
    }
    if compare:
        other_query = replace(query, vintage=compare)
        other = _memo(request).get(
            ("page-series", other_query), lambda: svc.series(store, other_query)
        )
        frame = pd.concat(
            [
                frame.assign(version=vintage_names.get(vintage, vintage)),
                other.assign(version=vintage_names.get(compare, compare)),
            ],
            ignore_index=True,
        )
    else:
        frame = frame.assign(version=vintage_names.get(vintage, vintage))
    all_sources = sorted({str(s) for s in frame["source"]})
    if source and source not in all_sources:
        source = ""
    shown = frame[frame["source"] == source] if source else frame
    yearly = svc.yearly(shown)
    # each value with the flags it had in its vintage (an old version never shows the flags
    # of the value that replaced it)
    shown_areas = sorted({str(a) for a in shown["area"]})
    flag_index = {
        vintage_names.get(v, v): quality_svc.version_flag_index(store, indicator, shown_areas, v)
        for v in {vintage, compare or vintage}
    }
    keys = ("area", "period", "sex", "age", "cause", "residence", "source")
    name_col = {"en": "area_name", "kk": "area_name_kk", "ru": "area_name_ru"}[lang]
    sex_words = _sex_words(_)
    rows: list[dict[str, Any]] = [
        {
            "area": str(r["area"]),
            "area_name": svc.spaced(str(r[name_col] or r["area"])),
            "year": int(r["year"]),
            "value": float(r["value"]),
            "lower": None if r["lower"] != r["lower"] else float(r["lower"]),
            "upper": None if r["upper"] != r["upper"] else float(r["upper"]),
            "source": str(r["source"]),
            "vintage": None if r["vintage"] != r["vintage"] else r["vintage"],
            "version": str(r["version"]),
            "sex": str(r["sex"]),
            "sex_name": sex_words.get(str(r["sex"]), str(r["sex"])),
            "flag": _flag_text(
                flag_index[str(r["version"])].get(
                    (*(str(r[k]) for k in keys), int(r["import_id"])),  # type: ignore[arg-type]
                    [],
                ),
                _,
                lang,
            ),
        }
        for r in yearly.to_dict(orient="records")
    ]
    if scale == "log":
        rows = [r for r in rows if r["value"] > 0]
    units = svc.units(store)
    target_marks = []
    board = _memo(request).get(("targets", HOME_AREA), lambda: svc.target_board(store, HOME_AREA))
    for rec in board:
        if (
            rec["indicator"] == indicator
            and rec["area"] in areas
            and rec["sex"] in wanted
            and rec["target"]["value"] is not None
        ):
            target_marks.append(
                {
                    "from": rec["baseline"]["year"] or rec["target"]["year"] - 5,
                    "year": rec["target"]["year"],
                    "value": rec["target"]["value"],
                    "label": f"{_unit_name(units, rec['area'], lang)}: "
                    f"{fmt_number(rec['target']['value'], lang, 1)} ({rec['target']['year']}), "
                    f"{_short(texts.data_text(str(rec['document']), lang))}",
                }
            )
    # targets of the same value share one label ("target 2025, 2027: 75.0"), at the latest
    by_value: dict[float, list[dict[str, Any]]] = {}
    for t in target_marks:
        by_value.setdefault(float(t["value"]), []).append(t)
    for value, group in by_value.items():
        group.sort(key=lambda t: int(t["year"]))
        years = ", ".join(dict.fromkeys(str(t["year"]) for t in group))
        for t in group:
            t["short"] = ""
        group[-1]["short"] = _("target %(year)s: %(value)s") % {
            "year": years,
            "value": fmt_number(value, lang, 1),
        }
    name = _indicator_name(info, lang)
    unit = _unit(info, _)
    selected_names = [_unit_name(units, a, lang) for a in areas if a in units]
    spec = (
        charts.explorer_chart(
            rows,
            target_marks,
            log=scale == "log",
            unit=unit,
            _=_,
            title=f"{name} - {', '.join(selected_names)}",
            by_version=bool(compare),
            by_sex=sex == "all",
        )
        if rows
        else None
    )
    countries, regions = _area_options(store, lang)
    csv_params = [("area", a) for a in areas] + [("sex", sex), ("format", "csv")]
    if source:
        csv_params.append(("source", source))
    if vintage != "latest":
        csv_params.append(("vintage", vintage))
    vintages = sorted({(r["source"], r["vintage"] or "") for r in rows})
    choices = [
        (code, _indicator_name(i, lang))
        for code, i in _catalogue(store).items()
        if i["observations"] > 0
    ]
    return _render(
        request,
        "explorer.html",
        "explorer",
        indicator=indicator,
        info=info,
        name=name,
        unit=unit,
        choices=choices,
        areas=areas,
        countries=countries,
        regions=regions,
        sex=sex,
        sexes={**sex_words, "all": _("Female and male")},
        scale=scale,
        source=source,
        sources=all_sources,
        rows=rows,
        spec=spec,
        vintages=vintages,
        vintage=vintage,
        compare=compare,
        vintage_choices=list(vintage_names.items()),
        targets=target_marks,
        export=_export(
            request,
            _,
            title=name,
            what=[
                ", ".join(selected_names),
                _span_text([r["year"] for r in rows]),
                unit,
                {**sex_words, "all": _("Female and male")}[sex],
            ],
            sources=_source_items(vintages, _),
            synthetic=any("SYNTHETIC" in s for s, _v in vintages),
        ),
        flag_symbol=FLAG_SYMBOL,
        flagged=sum(1 for r in rows if r["flag"]),
        csv_url=f"/api/v1/series/{indicator}?{urlencode(csv_params)}",
        filename=f"salamat_{indicator}_{'_'.join(areas)[:40]}",
    )


# -- map ---------------------------------------------------------------------------------------


@router.get("/map", response_class=HTMLResponse)
def map_page(
    request: Request,
    store: StoreDep,
    indicator: str = "le0",
    sex: str = "total",
    year: int | None = None,
) -> Response:
    lang = _lang(request)
    _ = translator(lang)
    info = svc.indicator(store, indicator)
    data = _memo(request).get(
        ("map", indicator, HOME_AREA, sex),
        lambda: svc.map_values(store, indicator, HOME_AREA, sex=sex),
    )
    units = svc.units(store)
    years: list[int] = data["years"]
    if not years:
        raise svc.NotFoundError(f"no regional values of {indicator} for {HOME_AREA}")
    if year is None or year not in years:
        year = years[-1]
    value_of = {(v["area"], v["year"]): v["value"] for v in data["values"]}
    digits = _digits([float(v["value"]) for v in data["values"]])
    values = []
    for y_text, codes in data["drawn"].items():
        for code in codes:
            v = value_of.get((code, int(y_text)))
            values.append(
                {
                    "key": f"{code}|{y_text}",
                    "code": code,
                    "year": int(y_text),
                    "name": _unit_name(units, code, lang),
                    "value": v,
                    "label": fmt_number(v, lang, digits) if v is not None else _("no data"),
                }
            )
    numbers = [v["value"] for v in values if v["value"] is not None]
    name = _indicator_name(info, lang)
    unit = _unit(info, _)
    spec = charts.region_map(
        "/static/geo/kaz_regions.geojson",
        values,
        year=year,
        domain=(min(numbers), max(numbers)),
        legend_title=f"{name} ({unit})" if unit else name,
        higher_is_better=info["higher_is_better"],
        _=_,
        description=_("Map of Kazakhstan's regions coloured by the indicator, for the year chosen"),
    )
    choices = [
        (code, _indicator_name(i, lang))
        for code, i in _catalogue(store).items()
        if code in svc.indicator_choices(store, parent=HOME_AREA)
    ]
    return _render(
        request,
        "map.html",
        "map",
        indicator=indicator,
        name=name,
        unit=unit,
        choices=choices,
        sex=sex,
        sexes=_sex_words(_),
        year=year,
        years=years,
        values=sorted(values, key=lambda v: (v["year"], v["name"])),
        spec=spec,
        source_items=[(s, ", ".join(data["vintages"])) for s in data["sources"]],
        export=_export(
            request,
            _,
            title=name,
            what=[_("Regions of Kazakhstan"), "{year}", unit, _sex_words(_)[sex]],
            sources=_source_items([(s, ", ".join(data["vintages"])) for s in data["sources"]], _),
        ),
    )


# -- compare -----------------------------------------------------------------------------------


@router.get("/compare", response_class=HTMLResponse)
def compare_page(
    request: Request, store: StoreDep, indicator: str = "le0", sex: str = "total"
) -> Response:
    lang = _lang(request)
    _ = translator(lang)
    info = svc.indicator(store, indicator)
    data = _memo(request).get(
        ("compare", indicator, GROUP, sex), lambda: svc.compare(store, indicator, GROUP, sex=sex)
    )
    units = svc.units(store)
    digits = _digits([float(r["value"]) for r in data["series"]])
    latest = []
    for r in data["latest"]:
        u = units.get(r["area"])
        latest.append(
            {
                **r,
                "name": _unit_name(units, r["area"], lang),
                "id": (u.iso_numeric or "").zfill(3) if u else "",
                "label": fmt_number(r["value"], lang, digits),
                "role_word": _("member") if r["role"] == "member" else _("observer"),
            }
        )
    latest.sort(key=lambda r: -float(r["value"]))  # the bars' order, drawn as given
    lines = [{**r, "name": _unit_name(units, r["area"], lang)} for r in data["series"]]
    name = _indicator_name(info, lang)
    unit = _unit(info, _)
    members = [m for m, _r in svc.group_members_of(store, GROUP)]
    have = {r["area"] for r in latest}
    missing = [_unit_name(units, m, lang) for m in members if m not in have]
    choices = [
        (code, _indicator_name(i, lang))
        for code, i in _catalogue(store).items()
        if code in svc.indicator_choices(store, areas=members)
    ]
    specs = (
        {
            "bars": charts.compare_bars(
                latest, unit=unit, _=_, description=_("Latest value of each country")
            ),
            "lines": charts.compare_lines(
                lines, unit=unit, _=_, description=_("Trends of each country")
            ),
            "map": charts.ots_map(
                "/static/geo/world-atlas_countries-110m.topojson.json",
                latest,
                legend_title=f"{name} ({unit})" if unit else name,
                _=_,
                description=_("Map of the countries coloured by the latest value"),
            ),
        }
        if len(latest) > 1  # one country is no comparison: the page says who has no data
        else {}
    )
    return _render(
        request,
        "compare.html",
        "compare",
        indicator=indicator,
        name=name,
        unit=unit,
        choices=choices,
        sex=sex,
        sexes=_sex_words(_),
        latest=latest,
        missing=missing,
        digits=digits,
        specs=specs,
        source_items=[(data["source"], ", ".join(data["vintages"]))] if data["source"] else [],
        group_name=_unit_name(units, GROUP, lang),
        export=_export(
            request,
            _,
            title=name,
            what=[
                _unit_name(units, GROUP, lang),
                _span_text([r["year"] for r in data["series"]]),
                unit,
                _sex_words(_)[sex],
            ],
            sources=_source_items(
                [(data["source"], ", ".join(data["vintages"]))] if data["source"] else [], _
            ),
        ),
    )


# -- life tables and decomposition -------------------------------------------------------------


@router.get("/lifetable", response_class=HTMLResponse)
def lifetable_page(
    request: Request,
    store: StoreDep,
    area: str = HOME_AREA,
    year: int | None = None,
    sex: str = "total",
    start: Annotated[int | None, Query(alias="from")] = None,
    end: Annotated[int | None, Query(alias="to")] = None,
) -> Response:
    lang = _lang(request)
    _ = translator(lang)
    coverage = svc.lifetable_coverage(store)
    if not coverage:
        raise svc.NotFoundError(
            "the store has no unit-record deaths and population: run `salamat demo` or import them"
        )
    units = svc.units(store)
    notes: list[str] = []
    if area not in coverage:
        # an area the records cannot answer: say so, and show the country instead
        known = units.get(area)
        notes.append(
            _("%(area)s: no unit-record deaths and population; showing %(home)s instead.")
            % {
                "area": known.name(lang) if known else area,
                "home": _unit_name(units, HOME_AREA, lang),
            }
        )
        area = HOME_AREA if HOME_AREA in coverage else sorted(coverage)[0]
    years = sorted(coverage[area])
    if year is not None and year not in years:
        notes.append(
            _("%(area)s: no life table for %(year)s (records: %(span)s); showing %(shown)s.")
            % {
                "area": _unit_name(units, area, lang),
                "year": year,
                "span": svc.year_spans(years),
                "shown": years[-1],
            }
        )
    year = year if year in years else years[-1]
    start = start if start in years else years[0]
    end = end if end in years else years[-1]
    table = _memo(request).get(
        ("lifetable", area, year, sex, 0.95), lambda: svc.life_table_for(store, area, year, sex)
    )
    rows = [
        {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
        for r in table["table"].to_dict(orient="records")
    ]
    rebuilt = None
    if table.get("rebuilt_from"):
        rebuilt = _("%(area)s ended before %(year)s: this table sums its successors %(parts)s.") % {
            "area": _unit_name(units, area, lang),
            "year": year,
            "parts": ", ".join(_unit_name(units, c, lang) for c in table["rebuilt_from"]),
        }
    decomposition = None
    dec_spec = None
    by_cause: list[tuple[str, float]] = []
    if start != end:
        decomposition = _memo(request).get(
            ("decomposition", area, start, end, sex, "cause"),
            lambda: svc.decomposition(store, area, start, end, sex=sex, by="cause"),
        )
        words = _cause_words(_)
        causes = [(c, words.get(c, c)) for c in decomposition["causes"]]
        long = [
            {
                "age": r["age"],
                "cause": r["cause"],
                "cause_name": words.get(r["cause"], r["cause"]),
                "contribution": float(r["contribution"]),
            }
            for r in decomposition["long"].to_dict(orient="records")
        ]
        dec_spec = charts.decomposition_chart(
            long,
            [str(r["age"]) for r in rows],
            causes,
            _=_,
            description=_(
                "Contribution of each age group and cause to the change in life expectancy"
            ),
        )
        sums = decomposition["table"][[c for c, _n in causes]].sum()
        by_cause = [(words.get(c, c), float(sums[c])) for c, _n in causes]
    elif len(years) < 2:
        notes.append(
            _("%(area)s has unit records for one year only: no change to decompose.")
            % {"area": _unit_name(units, area, lang)}
        )

    def label(code: str) -> str:
        return f"{_unit_name(units, code, lang)} ({svc.year_spans(sorted(coverage[code]))})"

    area_options = [
        (HOME_AREA, label(HOME_AREA)),
        *sorted(
            (
                (code, label(code))
                for code in coverage
                if code != HOME_AREA and code in units and units[code].parent == HOME_AREA
            ),
            key=lambda x: x[1],
        ),
    ]
    return _render(
        request,
        "lifetable.html",
        "lifetable",
        area=table["area"],
        area_name=_unit_name(units, table["area"], lang),
        area_options=area_options,
        year=year,
        years=years,
        sex=sex,
        sexes=_sex_words(_),
        start=start,
        end=end,
        table=table,
        rows=rows,
        notes=notes,
        rebuilt=rebuilt,
        lt_spec=charts.lifetable_chart(rows, _=_, description=_("Life expectancy at each age")),
        decomposition=decomposition,
        by_cause=by_cause,
        dec_spec=dec_spec,
        lt_export=_export(
            request,
            _,
            title=_("Life expectancy at each age"),
            what=[
                _unit_name(units, table["area"], lang),
                str(year),
                _sex_words(_)[sex],
                _("years"),
            ],
            sources=[texts.source_text(str(table["source"]), lang)],
            synthetic=bool(table["synthetic"]),
        ),
        dec_export=None
        if decomposition is None
        else _export(
            request,
            _,
            title=_("What changed life expectancy"),
            what=[
                _unit_name(units, table["area"], lang),
                f"{decomposition['from']}–{decomposition['to']}",
                _sex_words(_)[sex],
                _("years"),
            ],
            sources=[texts.source_text(str(decomposition["source"]), lang)],
            synthetic=bool(decomposition["synthetic"]),
        ),
    )
