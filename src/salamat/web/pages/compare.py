"""Compare: the OTS countries (and the world) side by side for one indicator."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from salamat.services import disclosure
from salamat.services import web as svc
from salamat.web import charts
from salamat.web.i18n import (
    fmt_number,
    translator,
)
from salamat.web.pages.common import (
    GROUP,
    StoreDep,
    _catalogue,
    _digits,
    _export,
    _indicator_name,
    _lang,
    _memo,
    _reader,
    _render,
    _sex_words,
    _source_items,
    _span_text,
    _suppressed_values_note,
    _unit,
    _unit_name,
    router,
)


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
    hidden, limit = _reader(request, store)
    left_out = 0
    if hidden is not None:  # disclosure control: a copy for this reader, never the memo's
        data = disclosure.document(store, data, ("latest", "series"), limit, hidden)
        left_out = sum(1 for r in data["series"] if r.get("suppressed"))
        data = {
            **data,
            "latest": [r for r in data["latest"] if r["value"] is not None],
            "series": [r for r in data["series"] if r["value"] is not None],
        }
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
        suppressed_note=_suppressed_values_note(left_out, limit, _),
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
