"""What a progress report says: the scorecard, one section per target, regions, annex.

Everything here is built from the store through the same services as ``salamat targets`` and
the web's target board (one judgement, one projection), then put into words in the report's
language. Every sentence is filled from a field of the target's scorecard record, so a report
says nothing the numbers do not: a sentence whose numbers are missing is left out, not guessed.
The renderers (:mod:`salamat.report.html`, :mod:`.xlsx`, :mod:`.pdf`) only lay it out.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from salamat import __version__
from salamat.errors import InputError, Problem
from salamat.services import disclosure
from salamat.services import web as svc
from salamat.services.events import in_language
from salamat.store.connection import Store
from salamat.web import charts, texts
from salamat.web.i18n import LANGS, Gettext, fmt_number, translator, years_word
from salamat.web.pages.common import (
    FLAG_SYMBOL,
    _flag_words,
    _probability,
    _sex_words,
    _short,
    _status_words,
    _unit,
)

__all__ = ["Report", "TargetSection", "build_report", "scorecard_cells"]

Spec = dict[str, Any]


@dataclass(frozen=True)
class TargetSection:
    """One target: its scorecard record, its chart and what the numbers say, in words."""

    record: dict[str, Any]
    title: str
    area_name: str
    sex: str
    status: str
    status_symbol: str
    colour: str
    unit: str
    document: str
    document_short: str
    source_url: str
    paragraphs: list[str]
    flags: list[str]
    note: str
    chart: Spec | None
    synthetic: bool
    events: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RegionalTable:
    """The latest regional values of one indicator in a year, with their flags."""

    indicator: str
    title: str
    unit: str
    year: int
    source: str
    rows: list[tuple[str, str, float, str]]  # code, name, value, flag text
    map: Spec | None = None


@dataclass(frozen=True)
class Decomposition:
    """What drove the latest change in life expectancy, by age and cause (Arriaga 1984), from
    real unit records."""

    year_from: int
    year_to: int
    paragraphs: list[str]
    by_cause: list[tuple[str, float]]
    chart: Spec
    source: str


@dataclass(frozen=True)
class Report:
    """A progress report in one language, ready to be laid out as HTML, Excel or PDF."""

    lang: str
    area: str
    area_name: str
    year: int | None
    title: str
    subtitle: str
    data_as_of: str
    version: str
    command: str
    words: dict[str, str]
    records: list[dict[str, Any]]
    sections: list[TargetSection]
    regional: list[RegionalTable]
    definitions: list[tuple[str, str, str, str, str]]  # code, name, unit, definition, source
    methods: list[str]
    sources: list[tuple[str, str, str]]  # source, vintages, licence
    flags: list[str]
    synthetic: bool
    series: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    decomposition: Decomposition | None = None
    decomposition_note: str = ""


# -- licences of the sources, as data ------------------------------------------------------


@cache
def _licences() -> tuple[tuple[str, str], ...]:
    """``data/source_licences.csv``: (source prefix, licence) pairs, longest prefix first."""
    name = "data/source_licences.csv"
    text = (resources.files("salamat") / "data" / "source_licences.csv").read_text("utf-8")
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != ("prefix", "licence", "citation"):
        raise InputError(
            f"{name}: expected the columns prefix, licence, citation",
            [Problem(name, 1, "header", "expected prefix,licence,citation", None)],
        )
    rows = [(r["prefix"], r["licence"]) for r in reader]
    return tuple(sorted(rows, key=lambda r: len(r[0]), reverse=True))


def licence_of(source: str) -> str:
    """The licence of a source by its name's prefix; empty when Salamat has none recorded."""
    for prefix, licence in _licences():
        if source.startswith(prefix):
            return licence
    return ""


# -- numbers in words ------------------------------------------------------------------------


def _n(value: float | None, lang: str, digits: int = 2) -> str:
    return fmt_number(value, lang, digits)


def _signed(value: float, lang: str, digits: int = 2) -> str:
    text = fmt_number(abs(value), lang, digits)
    return ("+" if value > 0 else "−" if value < 0 else "") + text


def _unit_after(value_text: str, unit: str, raw_unit: str, lang: str, value: float) -> str:
    """A value with its unit, "years" agreeing with the number (72,41 года, 25 лет)."""
    if raw_unit == "years":
        return f"{value_text} {years_word(value, lang, 2)}"
    if unit == "%":
        return f"{value_text}%"
    return f"{value_text} {unit}" if unit else value_text


def _paragraphs(rec: dict[str, Any], _: Gettext, lang: str, unit: str) -> list[str]:
    """What the record's numbers say, sentence by sentence; nothing the record lacks."""
    raw_unit = str(rec.get("unit") or "")
    words = _status_words(_)
    out: list[str] = []
    latest, base, target = rec["latest"], rec["baseline"], rec["target"]

    def val(x: float) -> str:
        return _unit_after(_n(x, lang), unit, raw_unit, lang, x)

    if latest["value"] is not None:
        out.append(
            _("Latest value: {value} in {year} ({source}).").format(
                value=val(latest["value"]),
                year=latest["year"],
                source=texts.source_text(str(latest["source"]), lang),
            )
        )
    if (
        base["value"] is not None
        and latest["value"] is not None
        and base["year"] is not None
        and latest["year"] is not None
        and latest["year"] > base["year"]
    ):
        change = latest["value"] - base["value"]
        span = latest["year"] - base["year"]
        out.append(
            _(
                "Baseline: {baseline} in {baseline_year}; change since then {change} over {span} year(s), {per_year} a year on average."
            ).format(
                baseline=val(base["value"]),
                baseline_year=base["year"],
                change=_signed(change, lang),
                span=span,
                per_year=_signed(change / span, lang, 3),
            )
        )
    if target["value"] is not None:
        phrase = (
            _("at least {value} by {year}")
            if target["direction"] == "increase"
            else _("at most {value} by {year}")
        )
        out.append(
            _("Target: {what}.").format(
                what=phrase.format(value=val(target["value"]), year=target["year"])
            )
        )
    status = words.get(rec["status"], (rec["status"], ""))[0]
    out.append(_("Status: {status}.").format(status=status))
    if rec["status"] == "insufficient_data" and rec.get("reason"):
        out.append(texts.sentence(str(rec["reason"]), lang) + ".")
    ratio = rec.get("ratio")
    need = rec.get("required_annual_change")
    if rec["status"] != "achieved" and need is not None and latest["year"] is not None:
        sentence = _(
            "To meet the target the value has to change by {need} a year from {latest_year} to {target_year}."
        ).format(
            need=_signed(need, lang, 3), latest_year=latest["year"], target_year=target["year"]
        )
        if ratio is not None:
            sentence += " " + _(
                "The pace so far is {ratio} times the pace needed (R, compound annual growth)."
            ).format(ratio=_n(ratio, lang))
        out.append(sentence)
    p, fit = rec.get("projection"), rec.get("trend_fit")
    if p is not None and fit is not None:
        left_out = fit.get("excluded") or []
        trend = _(
            "On the trend of {first}–{last} ({n} years used{left}), the projection for {year} is {value}, with a {level}% prediction interval of {lower} to {upper}."
        ).format(
            first=fit["from"],
            last=fit["to"],
            n=fit["years_used"],
            left=(
                _(", leaving out the shock years {years}").format(
                    years=", ".join(str(y) for y in left_out)
                )
                if left_out
                else ""
            ),
            year=p["year"],
            value=val(p["value"]),
            level=fmt_number(100 * float(p["level"]), lang, 0),
            lower=_n(p["lower"], lang),
            upper=_n(p["upper"], lang),
        )
        out.append(trend)
    prob = rec.get("probability")
    if prob is not None:
        shown = _probability(float(prob), lang)
        if rec["status"] == "achieved":
            out.append(
                _(
                    "The target is met now; the probability that it is still met in {year} on this trend is {p}%."
                ).format(year=target["year"], p=shown)
            )
        else:
            out.append(
                _("The probability that the target is met in {year} on this trend is {p}%.").format(
                    year=target["year"], p=shown
                )
            )
    if rec.get("status_by_pace") and rec["status_by_pace"] != rec["status"]:
        out.append(
            _(
                "By pace alone the status would be {pace}; the trend disagrees, so it is {status}."
            ).format(
                pace=words.get(rec["status_by_pace"], (rec["status_by_pace"], ""))[0],
                status=status,
            )
        )
    without = rec.get("status_without_flagged")
    if without:
        out.append(
            _("Without the flagged values the status would be {status}.").format(
                status=words.get(without, (without, ""))[0]
            )
        )
    return out


def _flag_lines(rec: dict[str, Any], _: Gettext, lang: str) -> list[str]:
    words = _flag_words(_)
    return [
        f"{FLAG_SYMBOL} {f['year']}: {words.get(str(f['code']), str(f['code']))}: "
        f"{texts.flag_message(str(f['message']), lang)}"
        for f in rec.get("flags") or []
    ]


def _words(_: Gettext) -> dict[str, str]:
    """The report's headings and column names in its language."""
    return {
        "scorecard": _("Scorecard"),
        "target": _("Target"),
        "indicator": _("Indicator"),
        "area": _("Area"),
        "baseline": _("Baseline"),
        "latest": _("Latest"),
        "status": _("Status"),
        "projection": _("Projection"),
        "interval": _("Interval"),
        "probability": _("Probability of meeting the target"),
        "pace_needed": _("Change needed each year"),
        "document": _("Document"),
        "source": _("Source"),
        "flags": _("Quality flags"),
        "note": _("Note"),
        "regions": _("Regions"),
        "decomposition": _("What drove the change in life expectancy"),
        "region": _("Region"),
        "value": _("Value"),
        "year": _("Year"),
        "annex": _("Annex"),
        "definitions": _("Definitions"),
        "methods": _("Methods"),
        "sources": _("Sources, vintages and licences"),
        "vintage": _("Vintage"),
        "licence": _("Licence"),
        "unit": _("Unit"),
        "definition": _("Definition"),
        "data_as_of": _("Data as of"),
        "made_with": _("Made with Salamat {version}"),
        "command": _("Command"),
        "synthetic": _(
            "SYNTHETIC: built from synthetic unit records for illustration, not official figures"
        ),
        "no_flags": _("No quality flag on the values used."),
        "not_recorded": _("not recorded"),
        "lower": _("Lower"),
        "upper": _("Upper"),
        "sex": _("Sex"),
        "link": _("Link"),
        "contents": _("Contents"),
        "events": _("Policy events"),
        "chart_caption": _(
            "Solid line: the values the target is judged on; dashed line and band: the projection and its prediction interval; diamond and dashed rule: the target."
        ),
    }


def _methods(_: Gettext) -> list[str]:
    """How the report judges, in its language (the README's targets section has the details)."""
    return [
        _(
            "Status by pace: the ratio R of the observed to the required compound annual growth rate since the baseline (Eurostat, SDG monitoring report; Open SDG progress measure): achieved if the latest value meets the target; on track if R is at least 0.95; needs acceleration if R is from 0.60 to 0.95; off track if R is from 0 to 0.60; moving away if R is below 0."
        ),
        _(
            "Projection: a random walk with drift from the latest value, drift and its standard error estimated over the trend window with the shock years left out; Student t prediction interval with variance sigma^2 (h + h^2/K) (Hyndman & Athanasopoulos, Forecasting: Principles and Practice, 3rd ed., 5.2 and 5.5). Probabilities and percentages are projected on the logit scale between their bounds."
        ),
        _(
            "Widening for changes of trend: for modelled estimates the variance gains sigma^2 lambda^2 h(h+1)(2h+1)/6, a drift that itself wanders (local linear trend, Harvey 1989), with lambda fitted on half of the countries and checked on the other half: 0.995 for UN WPP (life expectancy), 0.756 for WHO TB incidence estimates, 0.461 for WHO Global Health Estimates (30q70); registration and reported series keep the plain interval, which was found calibrated on them (benchmarks/README.md)."
        ),
        _(
            "Probability of meeting the target: the share of the prediction distribution for the target year that meets the target. Where pace and trend disagree the status is needs acceleration."
        ),
        _(
            "Quality flags: the rules of docs/quality.md (unusual changes, changes of source, disagreeing sources, peers, revisions, registration completeness); a judgement that uses a flagged value says so and gives the status without it."
        ),
    ]


def _regional(
    store: Store, indicators: list[str], area: str, year: int | None, lang: str, _: Gettext
) -> list[RegionalTable]:
    """The latest year of regional values of each indicator (the map's data), with flags."""
    from salamat.services import quality as quality_svc

    units = svc.units(store)
    out = []
    for code in indicators:
        try:
            data = svc.map_values(store, code, area)
        except Exception:  # an area with no regions: no regional table
            continue
        years = [y for y in data["years"] if year is None or y <= year]
        if not years:
            continue
        last = years[-1]
        rows = [v for v in data["values"] if v["year"] == last]
        if len(rows) < 2:
            continue
        info = svc.indicator(store, code)
        flag_index = quality_svc.flag_index(store, code)
        table = []
        for v in sorted(rows, key=lambda r: -float(r["value"])):
            key = (v["area"], str(last), "total", "all", "all", "total", v["source"])
            flags = flag_index.get(key, [])
            words = _flag_words(_)
            flag_text = "; ".join(
                f"{FLAG_SYMBOL} {words.get(rule, rule)}: {texts.flag_message(msg, lang)}"
                for rule, _sev, msg in flags
            )
            name = units[v["area"]].name(lang) if v["area"] in units else v["area"]
            table.append((v["area"], name, float(v["value"]), flag_text))
        title = info["names"].get(lang) or info["names"]["en"]
        unit = _unit(info, _)
        out.append(
            RegionalTable(
                indicator=code,
                title=title,
                unit=unit,
                year=last,
                source="; ".join(texts.source_text(s, lang) for s in data["sources"]),
                rows=table,
                map=_region_map(area, table, last, title, unit, info, lang, _),
            )
        )
    return out


def _region_map(
    area: str,
    rows: list[tuple[str, str, float, str]],
    year: int,
    title: str,
    unit: str,
    info: dict[str, Any],
    lang: str,
    _: Gettext,
) -> Spec | None:
    """The map page's specification for one year, its geometry inline (a file fetches nothing).
    Only Kazakhstan's regions have a bundled geometry."""
    if area != "KAZ":
        return None
    geo = json.loads(
        (resources.files("salamat") / "web" / "static" / "geo" / "kaz_regions.geojson").read_text(
            "utf-8"
        )
    )
    values = [
        {
            "key": f"{code}|{year}",
            "code": code,
            "year": year,
            "name": name,
            "value": value,
            "label": fmt_number(value, lang, 2),
        }
        for code, name, value, _flag in rows
    ]
    numbers = [v for _c, _n, v, _f in rows]
    spec = charts.region_map(
        "",
        values,
        year=year,
        domain=(min(numbers), max(numbers)),
        legend_title=f"{title} ({unit})" if unit else title,
        higher_is_better=info["higher_is_better"],
        _=_,
        description=title,
    )
    spec["data"] = {"values": geo["features"]}
    return spec


def _decomposition(
    store: Store, area: str, year: int | None, lang: str, _: Gettext, limit: int | None = None
) -> tuple[Decomposition | None, str]:
    """The decomposition of the change in e0 between the last two years of unit records (up
    to ``year``), when the records are real; else None and why (SYNTHETIC records are never
    used to explain a country's figures in a report)."""
    from salamat.web.pages.common import _decomposition_view

    years = sorted(y for y in svc.record_years(store)[0] if year is None or y <= year)
    if len(years) < 2:
        return None, ""
    try:
        d = svc.decomposition(store, area, years[-2], years[-1], by="cause")
    except (InputError, svc.NotFoundError):
        return None, ""
    if d["synthetic"]:
        return None, _(
            "No decomposition of life expectancy by age and cause: the store's unit records are SYNTHETIC, and a report explains the figures only with real records."
        )
    if limit is not None and disclosure.decomposition(store, d, limit)["suppressed"]:
        return None, _(
            "No decomposition of life expectancy by age and cause: it rests on cells of the unit records with fewer than {n} deaths, which are not shown to this reader (PHE's rule)."
        ).format(n=limit)
    chart, totals = _decomposition_view(d, [str(a) for a in d["table"]["age"]], _)
    by_cause = sorted(totals, key=lambda t: -abs(t[1]))
    diff = float(d["e0_to"]) - float(d["e0_from"])
    paragraphs = [
        _(
            "Life expectancy at birth computed from the unit records: {a} in {y1}, {b} in {y2} ({diff})."
        ).format(
            a=_n(d["e0_from"], lang),
            y1=d["from"],
            b=_n(d["e0_to"], lang),
            y2=d["to"],
            diff=_signed(diff, lang),
        ),
        _("Largest contributions by cause (years, Arriaga decomposition): {parts}.").format(
            parts="; ".join(f"{name} {_signed(v, lang, 3)}" for name, v in by_cause[:3])
        ),
    ]
    return (
        Decomposition(
            year_from=int(d["from"]),
            year_to=int(d["to"]),
            paragraphs=paragraphs,
            by_cause=by_cause,
            chart=chart,
            source=texts.source_text(str(d["source"]), lang),
        ),
        "",
    )


def build_report(
    store: Store,
    *,
    area: str = "KAZ",
    year: int | None = None,
    lang: str = "en",
    targets: list[str] | None = None,
    command: str = "",
    suppress: tuple[int, Callable[[str], bool]] | None = None,
) -> Report:
    """The progress report of ``area``'s targets, as of ``year`` (default: every value stored).

    ``targets`` keeps only the targets of those codes (an unknown code is an error naming the
    codes there are). The scorecard records are those of ``salamat targets --area AREA
    --format json`` (with ``--until YEAR``).

    ``suppress`` (the server's threshold and whose small cells the reader may not see, from
    :func:`salamat.api.auth.hidden_areas`): disclosure control for a report downloaded from
    the server (:mod:`salamat.services.disclosure`); the command line gives none.
    """
    if lang not in LANGS:
        raise InputError(f"--lang {lang}: expected one of {', '.join(LANGS)}")
    _ = translator(lang)
    units = svc.units(store)
    board = svc.target_board(store, area, until=year)
    if suppress is not None:
        board = disclosure.target_board(store, board, suppress[0], suppress[1])
    code = board[0]["area"] if board else area
    if targets:
        known = {r["code"] for r in board}
        unknown = [t for t in targets if t not in known]
        if unknown:
            raise InputError(
                f"--targets: no target {', '.join(unknown)} for {area}; there are: "
                + ", ".join(sorted(known))
            )
        board = [r for r in board if r["code"] in targets]
    if not board:
        raise InputError(f"no targets for {area}: add some with salamat targets --add FILE")
    area_name = units[code].name(lang) if code in units else code
    statuses = _status_words(_)
    sections = []
    for rec in board:
        unit = _unit(rec, _)
        synthetic = "SYNTHETIC" in str(rec["latest"].get("source") or "") or any(
            "SYNTHETIC" in str(r["source"]) for r in rec["series"]
        )
        word, symbol = statuses.get(rec["status"], (rec["status"], "?"))
        sections.append(
            TargetSection(
                record=rec,
                title=rec["indicator_names"].get(lang) or rec["indicator_names"]["en"],
                area_name=units[rec["area"]].name(lang) if rec["area"] in units else rec["area"],
                sex=_sex_words(_).get(rec["sex"], rec["sex"]),
                status=word,
                status_symbol=symbol,
                colour=charts.STATUS_COLOURS.get(rec["status"], "#5b6470"),
                unit=unit,
                document=texts.data_text(str(rec["document"] or ""), lang),
                document_short=_short(texts.data_text(str(rec["document"] or ""), lang)),
                source_url=str(rec.get("source_url") or ""),
                paragraphs=_paragraphs(rec, _, lang, unit),
                flags=_flag_lines(rec, _, lang),
                note=texts.data_text(str(rec.get("note") or ""), lang),
                chart=charts.target_chart(
                    {**rec, "events": in_language(rec.get("events") or [], lang)}, _, unit
                )
                if rec["series"]
                else None,
                events=[
                    f"{e['n']}. {e['date']}: {e['title']}"
                    for e in charts.events_in_target_chart(
                        rec, in_language(rec.get("events") or [], lang)
                    )
                ],
                synthetic=synthetic,
            )
        )
    indicators = sorted({r["indicator"] for r in board})
    definitions = []
    sources: dict[str, set[str]] = {}
    series: dict[str, list[dict[str, Any]]] = {}
    for ind in indicators:
        info = svc.indicator(store, ind)
        definitions.append(
            (
                ind,
                info["names"].get(lang) or info["names"]["en"],
                _unit(info, _),
                texts.data_text(str(info.get("description") or ""), lang),
                str(info.get("definition_source") or ""),
            )
        )
        for s in info["source_list"]:
            sources.setdefault(str(s["source"]), set()).update(
                v.strip() for v in str(s["vintage"] or "").split(",") if v.strip()
            )
        series[ind] = _data_rows(store, ind, board, year)
    used_flags = sorted(
        {line for s in sections for line in s.flags}, key=lambda t: (t.split(":")[0], t)
    )
    imports = svc.import_log(store)
    as_of = str(imports["finished"].dropna().max() or "")[:10] if len(imports) else ""
    decomposition, decomposition_note = (
        _decomposition(
            store,
            code,
            year,
            lang,
            _,
            suppress[0] if suppress is not None and suppress[1](code) else None,
        )
        if "le0" in indicators
        else (None, "")
    )
    title = _("Progress towards health targets")
    subtitle = area_name if year is None else f"{area_name}, {year}"
    return Report(
        lang=lang,
        area=code,
        area_name=area_name,
        year=year,
        title=title,
        subtitle=subtitle,
        data_as_of=as_of,
        version=__version__,
        command=command,
        words=_words(_),
        records=[_scorecard_only(r) for r in board],
        sections=sections,
        regional=_regional(store, indicators, code, year, lang, _),
        definitions=definitions,
        methods=_methods(_),
        sources=[
            (texts.source_text(s, lang), ", ".join(sorted(v)), licence_of(s))
            for s, v in sorted(sources.items())
        ],
        flags=used_flags,
        synthetic=any(s.synthetic for s in sections),
        series=series,
        decomposition=decomposition,
        decomposition_note=decomposition_note,
    )


def _data_rows(
    store: Store, indicator: str, board: list[dict[str, Any]], year: int | None
) -> list[dict[str, Any]]:
    """Every stored value of ``indicator`` for the areas and sexes of its targets, every
    source, with bounds, unit, vintage and flags: a report's data sheet."""
    from salamat.store.queries import series_frame

    rows: list[dict[str, Any]] = []
    for area, sex in sorted({(r["area"], r["sex"]) for r in board if r["indicator"] == indicator}):
        frame = series_frame(store, indicator=indicator, areas=[area], sex=sex, age="all")
        frame = frame[frame["cause"].eq("all") & frame["residence"].eq("total")]
        yearly = frame["period"].astype(str).str.fullmatch(r"\d{4}")
        if year is not None:
            frame = frame[~yearly | (frame["period"].str[:4].astype(int) <= year)]
        for r in frame.to_dict(orient="records"):
            rows.append(
                {
                    "area": str(r["area"]),
                    "sex": str(r["sex"]),
                    "period": str(r["period"]),
                    "value": float(r["value"]),
                    "lower": None if r["lower"] != r["lower"] else float(r["lower"]),
                    "upper": None if r["upper"] != r["upper"] else float(r["upper"]),
                    "unit": str(r["unit"]),
                    "source": str(r["source"]),
                    "vintage": None if r["vintage"] != r["vintage"] else str(r["vintage"]),
                    "note": None if r["note"] != r["note"] else str(r["note"]),
                    "flags": str(r["flags"] or ""),
                }
            )
    return rows


# the keys the target board adds to a scorecard record for its charts
_BOARD_KEYS = ("indicator_names", "unit", "series", "fan", "trend")


def _scorecard_only(rec: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in rec.items() if k not in _BOARD_KEYS}


def scorecard_cells(report: Report) -> list[dict[str, str]]:
    """The scorecard's cells as text in the report's language, one dict per target."""
    _ = translator(report.lang)
    lang = report.lang
    out = []
    for s in report.sections:
        rec = s.record
        t, b, last, p = rec["target"], rec["baseline"], rec["latest"], rec.get("projection")
        sign = "≥" if t["direction"] == "increase" else "≤"
        need = rec.get("required_annual_change")
        out.append(
            {
                "target": ""
                if t["value"] is None
                else f"{sign} {fmt_number(t['value'], lang, 2)} ({t['year']})",
                "baseline": ""
                if b["value"] is None
                else f"{fmt_number(b['value'], lang, 2)} ({b['year']})",
                "latest": ""
                if last["value"] is None
                else f"{fmt_number(last['value'], lang, 2)} ({last['year']})",
                "projection": ""
                if p is None
                else f"{fmt_number(p['value'], lang, 2)} [{fmt_number(p['lower'], lang, 2)}; "
                f"{fmt_number(p['upper'], lang, 2)}] ({p['year']})",
                "probability": ""
                if rec.get("probability") is None
                else f"{_probability(float(rec['probability']), lang)}%",
                "pace": ""
                if need is None or rec["status"] == "achieved"
                else _signed(float(need), lang, 3),
                "status": f"{s.status_symbol} {s.status}",
                "flagged": "⚑" if s.flags else "",
            }
        )
    del _
    return out
