"""The indicator explorer: a series by area, sex and years, with sources, flags, bands and vintages."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import urlencode

import pandas as pd
from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from salamat.errors import InputError
from salamat.services import disclosure
from salamat.services import quality as quality_svc
from salamat.services import web as svc
from salamat.store.approval import draft_ids
from salamat.store.connection import Store
from salamat.web import charts, texts
from salamat.web.i18n import (
    fmt_number,
    translator,
)
from salamat.web.pages.common import (
    FLAG_SYMBOL,
    GROUP,
    HOME_AREA,
    StoreDep,
    _catalogue,
    _export,
    _flag_text,
    _indicator_name,
    _lang,
    _memo,
    _reader,
    _render,
    _sex_words,
    _short,
    _source_items,
    _span_text,
    _suppressed_values_note,
    _unit,
    _unit_name,
    router,
)


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


# what a row's note says its bounds are: "... the 95% prediction interval ..." (the demo's WPP
# 2024 projections); a level is never assumed where the publisher states none
_LEVEL = re.compile(r"(\d{1,2}(?:\.\d+)?)\s?%\s+(prediction|confidence|uncertainty) interval", re.I)


def _band_label(note: object, source: str, _: Any) -> str:
    """What a shaded band is, for the chart's legend: the interval and level its note states
    ("95% prediction interval: WPP 2024 probabilistic projections (UN DESA)"), else the bounds
    as the source published them, with no level claimed."""
    m = _LEVEL.search(note) if isinstance(note, str) else None
    if m is None:
        return str(_("bounds as published: %(source)s") % {"source": source})
    kind = {
        "prediction": _("%(level)s prediction interval: %(source)s"),
        "confidence": _("%(level)s confidence interval: %(source)s"),
        "uncertainty": _("%(level)s uncertainty interval: %(source)s"),
    }[m.group(2).lower()]
    return str(kind % {"level": m.group(1) + "%", "source": source})


def _event_marks(store: Store, areas: list[str], lang: str) -> list[dict[str, Any]]:
    """The policy events of the areas shown (a country's hold in its regions), numbered."""
    from salamat.services import events as events_svc

    seen: dict[str, dict[str, Any]] = {}
    for a in areas[:8]:
        for e in events_svc.event_marks(store, a, lang):
            seen.setdefault(e["code"], e)
    marks = sorted(seen.values(), key=lambda e: (e["date"], e["code"]))
    return [{**e, "n": i} for i, e in enumerate(marks, start=1)]


def _forecast(
    store: Store,
    indicator: str,
    areas: list[str],
    sex: str,
    method: str,
    until: str,
    rows: list[dict[str, Any]],
    _: Any,
    limit: int | None = None,
    lang: str = "en",
) -> tuple[list[dict[str, Any]], str, int]:
    """The forecast asked for on the explorer (``forecast=rwd|lee-carter|lee-miller``,
    ``until=YEAR``) for the first area: its rows for the chart and a line saying what it rests
    on, or why there is none (``salamat forecast`` has the same methods)."""
    from salamat.errors import MethodError
    from salamat.ingest.canonical import PROJECTION_PATTERN
    from salamat.services import forecast as fx

    observed = [r for r in rows if not PROJECTION_PATTERN.search(str(r.get("source") or ""))]
    last = max((int(r["year"]) for r in observed), default=2024)
    if method == "":
        return [], "", last + 6
    if method not in fx.METHODS:
        raise InputError(f"forecast {method!r}: expected rwd, lee-carter or lee-miller")
    if until and not until.isdigit():
        raise InputError(f"until={until}: expected a year such as 2030")
    horizon = int(until) if until else last + 6
    if not last < horizon <= last + 50:
        raise InputError(f"until={horizon}: expected a year after {last}, at most {last + 50}")
    try:
        result = fx.forecast(
            store,
            indicator,
            areas[0],
            method=method,
            until=horizon,
            sex="total" if sex == "all" else sex,
        )
    except (InputError, MethodError) as exc:
        reason = texts.service_reason(str(exc.args[0]), lang)
        return [], str(_("No forecast: %(reason)s") % {"reason": reason}), horizon
    f = result.result
    if limit is not None and disclosure.rests_on_unit_records(result.source):
        # fitted on the unit records: not shown if a year it rests on has small cells
        why = disclosure.years_reason(
            store,
            indicator,
            areas[0],
            "total" if sex == "all" else sex,
            range(int(f.fitted_from), int(f.fitted_to) + 1),
            limit,
        )
        if why is not None:
            return (
                [],
                str(
                    _(
                        "No forecast: it is fitted on cells of the unit records with fewer than %(n)s deaths, which are not shown to this reader (PHE's rule: no statistic on fewer than %(n)s events)."
                    )
                    % {"n": limit}
                ),
                horizon,
            )
    note = str(
        _("Forecast (%(method)s) from %(source)s, fitted %(first)s-%(last)s, %(level)s interval")
        % {
            "method": method,
            "source": result.source,
            "first": f.fitted_from,
            "last": f.fitted_to,
            "level": f"{100 * f.level:g}%",
        }
    )
    if result.synthetic:
        note = "SYNTHETIC: " + note
    points = [
        {
            "year": r["year"],
            "value": r["value"],
            "lower": r["lower"],
            "upper": r["upper"],
            "method": method,
        }
        for r in result.rows()
    ]
    return points, note, horizon


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
    forecast: str = "",
    until: str = "",
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
    # disclosure control (issue 13 item 7): values from the unit records that rest on small
    # cells are left out of the chart and the table for this reader, and the page says so
    hidden, limit = _reader(request, store)
    left_out: list[str] = []
    if hidden is not None:
        frame, left_out = disclosure.frame_rows(store, frame, limit, hidden)
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
    # values of imports waiting for approval (only editors and admins read them)
    drafts = set(draft_ids(store))
    rows: list[dict[str, Any]] = [
        {
            "area": str(r["area"]),
            "area_name": svc.spaced(str(r[name_col] or r["area"])),
            "year": int(r["year"]),
            "value": float(r["value"]),
            "lower": None if r["lower"] != r["lower"] else float(r["lower"]),
            "upper": None if r["upper"] != r["upper"] else float(r["upper"]),
            # what the shaded band is (only where the value has bounds)
            "band": ""
            if r["lower"] != r["lower"] or r["upper"] != r["upper"]
            else _band_label(r.get("note"), str(r["source"]), _),
            "source": str(r["source"]),
            "vintage": None if r["vintage"] != r["vintage"] else r["vintage"],
            "version": str(r["version"]),
            "sex": str(r["sex"]),
            "sex_name": sex_words.get(str(r["sex"]), str(r["sex"])),
            "draft": int(r["import_id"]) in drafts,
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
    event_marks = _event_marks(store, areas, lang)
    fx_rows, fx_note, fx_until = _forecast(
        store,
        indicator,
        areas,
        sex,
        forecast,
        until,
        rows,
        _,
        limit if hidden is not None and areas and hidden(areas[0]) else None,
        lang,
    )
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
            events=event_marks,
            forecast=fx_rows,
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
        suppressed_note=_suppressed_values_note(len(left_out), limit, _),
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
        events=event_marks,
        forecast=forecast,
        forecast_methods=[
            ("", _("No forecast")),
            ("rwd", _("Random walk with drift")),
            ("lee-carter", "Lee-Carter"),
            ("lee-miller", "Lee-Miller"),
        ],
        forecast_note=fx_note,
        until=fx_until,
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
        drafted=any(r["draft"] for r in rows),
        bands=sorted({r["band"] for r in rows if r["band"]}),
        csv_url=f"/api/v1/series/{indicator}?{urlencode(csv_params)}",
        filename=f"salamat_{indicator}_{'_'.join(areas)[:40]}",
    )
