"""The REST API, version 1: the read routes over :mod:`salamat.services.web`.

Unknown codes answer 404, bad parameters 422, both as JSON ``{"status", "error", "problems"}``.
Imports (``POST /api/v1/imports``) are in :mod:`salamat.api.imports`.
"""

from __future__ import annotations

import json
import math
from enum import StrEnum
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import StringConstraints

from salamat.api.auth import hidden_areas, min_count
from salamat.api.cache import AudienceMemo, Memo
from salamat.api.deps import audience_of, get_store
from salamat.api.models import (
    ApiError,
    Decomposition,
    Flag,
    ImportEntry,
    Indicator,
    LifeTable,
    OrgUnit,
    OrgUnitNode,
    PolicyEvent,
    SeriesResponse,
    Target,
)
from salamat.services import disclosure
from salamat.services import quality as quality_svc
from salamat.services import web as svc
from salamat.services.carried import flags_text
from salamat.store.connection import Store

__all__ = ["records", "router", "series_csv"]

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ApiError, "description": "Unknown code"},
    422: {"model": ApiError, "description": "Bad parameter"},
}

router = APIRouter(prefix="/api/v1", responses=ERRORS)
StoreDep = Annotated[Store, Depends(get_store)]


class SexChoice(StrEnum):
    total = "total"
    female = "female"
    male = "male"
    all = "all"


class Lang(StrEnum):
    en = "en"
    kk = "kk"
    ru = "ru"


class OneSex(StrEnum):
    total = "total"
    female = "female"
    male = "male"


class Residence(StrEnum):
    total = "total"
    urban = "urban"
    rural = "rural"
    all = "all"


class Fmt(StrEnum):
    json = "json"
    csv = "csv"


class By(StrEnum):
    age = "age"
    cause = "cause"


Year = Annotated[int, Path(ge=1800, le=2200, description="A calendar year.")]

# one or more codes separated by commas: at least one character that is neither a comma nor
# a space, so that the OpenAPI document says what the route refuses (``area=`` is a 422)
AreaCodes = Annotated[str, StringConstraints(pattern=r"[^,\s]")]


def _memo(request: Request) -> AudienceMemo:
    memo: Memo = request.app.state.memo
    return AudienceMemo(memo, audience_of(request))


def _clean(v: Any) -> Any:
    if v is None or v is pd.NaT:
        return None
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    return v


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with NaN and NaT as None (JSON null)."""
    return [{str(k): _clean(v) for k, v in r.items()} for r in frame.to_dict(orient="records")]


def series_csv(frame: pd.DataFrame) -> str:
    """CSV of a frame, with text a spreadsheet would run as a formula neutralised."""
    from salamat.export.common import csv_text

    return csv_text(frame)


@router.get("/", summary="What the API offers")
def index() -> dict[str, Any]:
    return {
        "name": "Salamat API",
        "version": "v1",
        "openapi": "/api/v1/openapi.json",
        "routes": [
            "/api/v1/orgunits",
            "/api/v1/orgunits/{code}",
            "/api/v1/indicators",
            "/api/v1/indicators/{code}",
            "/api/v1/flags?area=KAZ&indicator=ncd30q70",
            "/api/v1/series/{indicator}?area=KAZ&area=KZ-75&sex=all&format=csv",
            "/api/v1/lifetables/{area}/{year}?sex=total",
            "/api/v1/decompositions/{area}?from=2018&to=2023&by=cause",
            "/api/v1/targets?area=KAZ",
            "/api/v1/targets/{code}",
            "/api/v1/maps/{indicator}?country=KAZ",
            "/api/v1/compare/{indicator}?group=OTS",
            "/api/v1/events?area=KAZ&lang=ru",
        ],
    }


# -- org units ---------------------------------------------------------------------------------


@router.get("/orgunits", response_model=OrgUnitNode, summary="The org-unit tree")
def orgunits(
    request: Request,
    store: StoreDep,
    root: Annotated[str, Query(description="Start here: WORLD, OTS, KAZ ...")] = "WORLD",
    depth: Annotated[
        int,
        Query(
            ge=0,
            le=5,
            description="Levels below the root (default 1: under WORLD, the countries and "
            "groups; 2 adds every ISO 3166-2 subdivision, about 1 MB). A unit whose children "
            "are cut off gives their number as `more`.",
        ),
    ] = 1,
) -> Any:
    """Org units under ``root``, with names in three languages, validity and successors; one
    level by default (``depth`` asks for more, ``root`` starts lower: ``root=KAZ``)."""
    return _memo(request).get(("tree", root, depth), lambda: svc.orgunit_tree(store, root, depth))


@router.get("/orgunits/{code}", response_model=OrgUnit, summary="One org unit")
def orgunit(store: StoreDep, code: str) -> Any:
    return svc.orgunit(store, code)


# -- indicators --------------------------------------------------------------------------------


@router.get("/indicators", response_model=list[Indicator], summary="The indicator catalogue")
def indicators(
    store: StoreDep,
    with_data: Annotated[bool, Query(description="Only indicators with values.")] = False,
) -> Any:
    return svc.indicators(store, with_data=with_data)


@router.get("/indicators/{code}", response_model=Indicator, summary="One indicator")
def indicator(store: StoreDep, code: str) -> Any:
    """The definition (method, inputs, unit, trend, source of the definition) and every source
    of its values with vintage, years and counts."""
    return svc.indicator(store, code)


# -- quality flags -----------------------------------------------------------------------------


@router.get("/flags", response_model=list[Flag], summary="Quality flags on stored values")
def flags(
    request: Request,
    store: StoreDep,
    area: Annotated[
        str | None, Query(description="An org-unit code; a group gives its members' flags.")
    ] = None,
    indicator: Annotated[str | None, Query(description="An indicator code.")] = None,
    rule: Annotated[str | None, Query(description="One rule, e.g. yoy_outlier.")] = None,
) -> Any:
    """Every flag with its rule, severity, the key of the flagged value, a message and the
    numbers behind it (``details``); rules and thresholds: docs/quality.md."""
    frame = quality_svc.flags(store, area=area, indicator=indicator, rule=rule)
    rows: list[dict[str, Any]] = [
        {str(k): v for k, v in r.items()}
        for r in frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    ]
    for r in rows:
        r["details"] = json.loads(r["details"]) if r.get("details") else None
        r["suppressed"] = None
    hidden = hidden_areas(request, store)
    if hidden is None:
        return rows
    return disclosure.flags(store, rows, min_count(request), hidden)


# -- series ------------------------------------------------------------------------------------


def _areas(values: list[str]) -> list[str]:
    return [a.strip() for v in values for a in v.split(",") if a.strip()]


@router.get(
    "/series/{indicator}",
    response_model=SeriesResponse,
    summary="Values of an indicator for one or many areas",
    responses={200: {"content": {"text/csv": {}}}},
)
async def series(
    request: Request,
    store: StoreDep,
    indicator: str,
    area: Annotated[
        list[AreaCodes],
        Query(
            description="Org-unit codes (repeat, or comma-separated); a group gives its members. "
            "Each value names at least one code: an empty value is refused."
        ),
    ],
    sex: Annotated[list[SexChoice], Query(description="total, female, male or all.")] = [  # noqa: B006
        SexChoice.total
    ],
    start: Annotated[int | None, Query(alias="from", ge=1800, le=2200)] = None,
    end: Annotated[int | None, Query(alias="to", ge=1800, le=2200)] = None,
    source: Annotated[str | None, Query(description="Only this source.")] = None,
    age: Annotated[str | None, Query(description="An age band such as 30-69.")] = None,
    residence: Residence = Residence.total,
    format: Fmt = Fmt.json,
    vintage: Annotated[
        str,
        Query(
            description="latest (default); all (every version kept, with superseded_by); an "
            "import date YYYY-MM-DD (the values as stored at the end of that day); or a "
            "publisher's vintage such as 2024."
        ),
    ] = "latest",
) -> Any:
    """Every value keeps its interval (``lower``, ``upper``), unit, source and vintage, and the
    import that wrote it (``import_id``, ``imported_at``). For a reader under disclosure
    control (anonymous with ``serve --public``, or outside their org units) on an indicator
    with values saved from the unit records, every value carries ``suppressed`` (CSV: a
    column): null, or why the value is null (docs/deploy.md)."""
    # Async: a request that the server's slabs answer (services.web.series_in_memory: numpy
    # slicing, under 4 ms) runs on the event loop, without a trip through the thread pool and
    # its threads' contention for the GIL; one that reads the store runs in the thread pool.
    areas = _areas(area)
    sexes = None if SexChoice.all in sex else sorted({s.value for s in sex})
    query = svc.SeriesQuery(
        indicator,
        tuple(areas),
        sexes=tuple(sexes) if sexes is not None else None,
        start=start,
        end=end,
        source=source,
        age=age,
        residence=None if residence == Residence.all else residence.value,
        vintage=vintage,
    )
    key = ("series", query, format.value)

    def build() -> bytes:
        if format == Fmt.csv:
            return svc.series_csv_bytes(store, query)
        return svc.series_json_bytes(store, query)

    # the memo keeps the encoded body: a repeated request costs no query and no serialising
    memo = _memo(request)
    hidden = hidden_areas(request, store)
    if hidden is not None and disclosure.rests_on_records(store, indicator):
        # values computed from the unit records, for a reader who may not see small cells:
        # built for this request from the service's own rows, never kept in the memo
        n = min_count(request)
        content = await run_in_threadpool(_disclosed_series, store, query, format, n, hidden)
    elif memo.holds(key) or svc.series_in_memory(store, query):
        content = memo.get(key, build)
    else:
        content = await run_in_threadpool(memo.get, key, build)
    if format == Fmt.csv:
        name = f"salamat_{indicator}_{'_'.join(areas)[:60]}.csv"
        return Response(
            content,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return Response(content, media_type="application/json")


def _disclosed_series(
    store: Store, query: svc.SeriesQuery, format: Fmt, n: int, hidden: Any
) -> bytes:
    """A series with disclosure control (:func:`salamat.services.disclosure.values`): JSON as
    :func:`salamat.services.web.series_json_bytes` gives it, each value with ``suppressed``;
    CSV as :func:`series_csv` with a ``suppressed`` column."""
    if format == Fmt.csv:
        frame = svc.series(store, query)
        rows = disclosure.values(store, records(frame), n, hidden)
        out = pd.DataFrame(rows, columns=[*frame.columns, "suppressed"])
        return series_csv(out).encode("utf-8")
    doc = json.loads(svc.series_json_bytes(store, query))
    doc["values"] = disclosure.values(store, doc["values"], n, hidden)
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


# -- imports ---------------------------------------------------------------------------------


@router.get("/imports", response_model=list[ImportEntry], summary="The import log")
def imports(request: Request, store: StoreDep) -> Any:
    """Every import, newest first: id, time, kind, files, digest, counts, status and source.
    Send one with ``POST /api/v1/imports``; undo stays on the command line
    (``salamat imports undo ID``).
    For a reader who may not see small cells, a deaths import's counts under the threshold
    are null (``suppressed`` says why)."""
    log = svc.import_log(store)
    if hidden_areas(request, store) is not None:
        return records(disclosure.import_log(log, min_count(request)))
    return records(log.assign(suppressed=None))


# -- life tables and decompositions ------------------------------------------------------------


def _csv_download(frame: pd.DataFrame, name: str) -> Response:
    return Response(
        series_csv(frame).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/lifetables/{area}/{year}",
    response_model=LifeTable,
    summary="A life table",
    responses={200: {"content": {"text/csv": {}}}},
)
def lifetable(
    request: Request,
    store: StoreDep,
    area: str,
    year: Year,
    sex: OneSex = OneSex.total,
    level: Annotated[float, Query(ge=0.5, lt=1.0, description="Confidence level of ex.")] = 0.95,
    format: Fmt = Fmt.json,
) -> Any:
    """Abridged period life table (0, 1-4, ..., 85+) computed with ``salamat.life_table`` from
    the store's unit-record deaths and population; the source says when they are SYNTHETIC.
    ``format=csv`` gives the table's rows with the source, method and SYNTHETIC label in
    columns. ``suppressed`` (a column in CSV) is null, or, for a reader under disclosure
    control, why every value is null: an age band with 1 to N-1 deaths (docs/deploy.md)."""
    # the memo holds the service's own result (the dashboard page reads the same entry);
    # disclosure control is applied to a copy for each reader, so it never mixes in the memo
    out: dict[str, Any] = _memo(request).get(
        ("lifetable", area, year, sex.value, level),
        lambda: svc.life_table_for(store, area, year, sex.value, level=level),
    )
    hidden = hidden_areas(request, store)
    if hidden is not None and hidden(out["area"]):
        out = disclosure.life_table(out, min_count(request))
    else:
        out = {**out, "suppressed": None}
    if format == Fmt.csv:
        frame = out["table"].assign(
            area=out["area"],
            year=out["year"],
            sex=out["sex"],
            source=out["source"],
            method=out["method"],
            synthetic=out["synthetic"],
            suppressed=out["suppressed"] or "",
        )
        return _csv_download(frame, f"salamat_lifetable_{out['area']}_{year}_{sex.value}.csv")
    return {**out, "table": records(out["table"])}


@router.get(
    "/decompositions/{area}",
    response_model=Decomposition,
    response_model_by_alias=True,
    summary="What changed life expectancy",
    responses={200: {"content": {"text/csv": {}}}},
)
def decomposition(
    request: Request,
    store: StoreDep,
    area: str,
    start: Annotated[int, Query(alias="from", ge=1800, le=2200)],
    end: Annotated[
        int,
        Query(
            alias="to",
            ge=1800,
            le=2200,
            description="A year other than `from` (the same year twice is refused: 422); "
            "both need unit records for the area.",
        ),
    ],
    sex: OneSex = OneSex.total,
    by: By = By.cause,
    format: Fmt = Fmt.json,
) -> Any:
    """Arriaga (1984) decomposition of e0(to) - e0(from) by age band, split by cause group.
    ``format=csv`` gives one row per age band and cause with the source and method."""
    d: dict[str, Any] = _memo(request).get(
        ("decomposition", area, start, end, sex.value, by.value),
        lambda: svc.decomposition(store, area, start, end, sex=sex.value, by=by.value),
    )
    hidden = hidden_areas(request, store)
    if hidden is not None and hidden(d["area"]):
        d = disclosure.decomposition(store, d, min_count(request))
    else:
        d = {**d, "suppressed": None}
    if format == Fmt.csv:
        frame = d["long"].assign(
            area=d["area"],
            sex=d["sex"],
            **{"from": d["from"], "to": d["to"]},
            source=d["source"],
            method=d["method"],
            synthetic=d["synthetic"],
            flags=flags_text(d["flags"]),
            suppressed=d["suppressed"] or "",
        )
        name = f"salamat_decomposition_{d['area']}_{d['from']}_{d['to']}_{sex.value}.csv"
        return _csv_download(frame, name)
    out = {k: v for k, v in d.items() if k not in ("long", "table")}
    out["contributions"] = records(d["long"])
    return out


# -- targets -----------------------------------------------------------------------------------


@router.get("/targets", response_model=list[Target], summary="Targets with status and projection")
def targets(
    request: Request,
    store: StoreDep,
    area: Annotated[str, Query(description="A country, a region or a group.")] = "KAZ",
) -> Any:
    """Each target: baseline, target, latest value with its source, status (Eurostat / Open SDG
    growth ratio), projection with its prediction interval, probability and required pace."""
    board = _memo(request).get(("targets", area), lambda: svc.target_board(store, area))
    return _disclosed_board(request, store, board)


def _disclosed_board(request: Request, store: Store, board: Any) -> Any:
    hidden = hidden_areas(request, store)
    if hidden is None:
        return board
    return disclosure.target_board(store, board, min_count(request), hidden)


@router.get("/targets/{code}", response_model=list[Target], summary="One target")
def target(
    request: Request,
    store: StoreDep,
    code: str,
    area: Annotated[str | None, Query(description="Limit to one area.")] = None,
) -> Any:
    """One target, for every area it applies to (an every-country target gives several)."""
    board = _memo(request).get(("targets", area), lambda: svc.target_board(store, area))
    found = _disclosed_board(request, store, [t for t in board if t["code"] == code])
    if not found:
        known = sorted({t["code"] for t in board})
        raise svc.NotFoundError(f"unknown target {code!r}: expected one of {', '.join(known)}")
    return found


@router.get("/events", response_model=list[PolicyEvent], summary="Policy events")
def policy_events(
    store: StoreDep,
    area: Annotated[
        str | None, Query(description="Only the events of this unit and the units above it.")
    ] = None,
    lang: Annotated[Lang, Query(description="Language of title and description.")] = Lang.en,
) -> Any:
    """Dated laws, programmes and measures (bundled with their sources, or added with
    ``salamat events add``), by date; the charts mark them."""
    from salamat.services import events as events_svc

    found = events_svc.events_for(store, area) if area else events_svc.events(store)
    return [e.as_dict(lang.value) for e in found]


# -- maps and comparisons ----------------------------------------------------------------------


@router.get("/maps/{indicator}", summary="Regional values by year, with the units of each year")
def map_values(
    request: Request,
    store: StoreDep,
    indicator: str,
    country: str = "KAZ",
    sex: OneSex = OneSex.total,
) -> Any:
    out = _memo(request).get(
        ("map", indicator, country, sex.value),
        lambda: svc.map_values(store, indicator, country, sex=sex.value),
    )
    return _disclosed(request, store, out, ("values",))


@router.get("/compare/{indicator}", summary="A group's countries side by side")
def compare(
    request: Request,
    store: StoreDep,
    indicator: str,
    group: str = "OTS",
    sex: OneSex = OneSex.total,
) -> Any:
    out = _memo(request).get(
        ("compare", indicator, group, sex.value),
        lambda: svc.compare(store, indicator, group, sex=sex.value),
    )
    return _disclosed(request, store, out, ("latest", "series"))


def _disclosed(request: Request, store: Store, out: Any, keys: tuple[str, ...]) -> Any:
    """``out`` under disclosure control for this reader
    (:func:`salamat.services.disclosure.document`)."""
    hidden = hidden_areas(request, store)
    if hidden is None:
        return out
    return disclosure.document(store, out, keys, min_count(request), hidden)
