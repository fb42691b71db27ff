"""Life tables and the decomposition of the change in life expectancy by age and cause."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from salamat.api.auth import hidden_areas, min_count
from salamat.services import disclosure
from salamat.services import web as svc
from salamat.web import charts, texts
from salamat.web.i18n import (
    Gettext,
    translator,
)
from salamat.web.pages.common import (
    FLAG_SYMBOL,
    HOME_AREA,
    StoreDep,
    _decomposition_view,
    _export,
    _input_flag_lines,
    _lang,
    _memo,
    _render,
    _sex_words,
    _unit_name,
    router,
)


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
    # disclosure control (issue 13 item 7): a copy for this reader, never the memo's entry
    hidden = hidden_areas(request, store)
    limit = min_count(request) if hidden is not None and hidden(table["area"]) else None
    table = disclosure.life_table(table, limit) if limit else {**table, "suppressed": None}
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
        if limit:
            decomposition = disclosure.decomposition(store, decomposition, limit)
        if not decomposition.get("suppressed"):
            dec_spec, by_cause = _decomposition_view(
                decomposition, [str(r["age"]) for r in rows], _
            )
    elif len(years) < 2:
        notes.append(
            _("%(area)s has unit records for one year only: no change to decompose.")
            % {"area": _unit_name(units, area, lang)}
        )

    def label(code: str) -> str:
        return f"{_unit_name(units, code, lang)} ({svc.year_spans(sorted(coverage[code]))})"

    area_options = [
        *([(HOME_AREA, label(HOME_AREA))] if HOME_AREA in coverage else []),
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
        lt_flags=_input_flag_lines(table.get("flags"), _, lang),
        dec_flags=_input_flag_lines(
            None if decomposition is None else decomposition.get("flags"), _, lang
        ),
        flag_symbol=FLAG_SYMBOL,
        notes=notes,
        rebuilt=rebuilt,
        lt_spec=None
        if table["suppressed"]
        else charts.lifetable_chart(rows, _=_, description=_("Life expectancy at each age")),
        lt_suppressed=_suppressed_note(table, limit, _),
        dec_suppressed=None if decomposition is None else _suppressed_note(decomposition, limit, _),
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


def _suppressed_note(result: dict[str, Any], limit: int | None, _: Gettext) -> str | None:
    """The page's sentence for a table or decomposition not shown (disclosure control)."""
    if not limit or not result.get("suppressed"):
        return None
    return _(
        "Not shown: computed from cells with fewer than %(n)s deaths (age %(bands)s). Small cells of the unit records are shown only to users whose org units include this area (PHE's rule: no statistic on fewer than %(n)s events)."
    ) % {"n": limit, "bands": ", ".join(result.get("suppressed_bands") or [])}
