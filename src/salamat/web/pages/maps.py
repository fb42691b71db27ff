"""The map: an indicator by region or country for one year."""

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
    HOME_AREA,
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
    _suppressed_values_note,
    _unit,
    _unit_name,
    router,
)


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
    hidden, limit = _reader(request, store)
    if hidden is not None:  # disclosure control: a copy for this reader, never the memo's
        data = disclosure.document(store, data, ("values",), limit, hidden)
    left_out = [v for v in data["values"] if v.get("suppressed")]
    units = svc.units(store)
    years: list[int] = data["years"]
    if not years:
        raise svc.NotFoundError(f"no regional values of {indicator} for {HOME_AREA}")
    if year is None or year not in years:
        year = years[-1]
    value_of = {(v["area"], v["year"]): v["value"] for v in data["values"]}
    digits = _digits([float(v["value"]) for v in data["values"] if v["value"] is not None])
    hidden_keys = {(v["area"], v["year"]) for v in left_out}
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
                    "label": fmt_number(v, lang, digits)
                    if v is not None
                    else _("not shown")
                    if (code, int(y_text)) in hidden_keys
                    else _("no data"),
                }
            )
    numbers = [v["value"] for v in values if v["value"] is not None]
    name = _indicator_name(info, lang)
    unit = _unit(info, _)
    spec = charts.region_map(
        "/static/geo/kaz_regions.geojson",
        values,
        year=year,
        # every value not shown (disclosure control): any domain, nothing is coloured
        domain=(min(numbers), max(numbers)) if numbers else (0.0, 1.0),
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
        suppressed_note=_suppressed_values_note(len(left_out), limit, _),
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
