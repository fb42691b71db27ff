"""Series of one indicator for the explorer and the API, their vintages and the import log."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from salamat.errors import InputError, Problem
from salamat.services.revisions import check_vintage, list_imports
from salamat.services.web.common import (
    SEXES,
    _check_indicator,
    _resolve,
    group_members_of,
    units,
)
from salamat.store.connection import Store
from salamat.store.queries import series_frame
from salamat.store.revisions import vintage_options
from salamat.store.web import (
    series_json,
)

__all__ = ["SeriesQuery", "import_log", "series", "series_json_text", "vintage_choices"]


@dataclass(frozen=True)
class SeriesQuery:
    """One series request, as the API and the explorer ask it (hashable: a cache key).

    ``sexes`` ``None`` means every sex; ``residence`` ``None`` every residence; ``vintage``
    ``None`` or ``latest`` the current values (:func:`salamat.services.revisions.check_vintage`).
    """

    indicator: str
    areas: tuple[str, ...]
    sexes: tuple[str, ...] | None = None
    start: int | None = None
    end: int | None = None
    source: str | None = None
    age: str | None = None
    residence: str | None = "total"
    vintage: str | None = None


def _series_areas(store: Store, q: SeriesQuery) -> list[str]:
    """Check a series request; the canonical area codes (a group's members in its place)."""
    _check_indicator(store, q.indicator)
    if not q.areas:
        raise InputError("give at least one area", [Problem("query", None, "area", "required")])
    if q.start is not None and q.end is not None and q.start > q.end:
        raise InputError(
            f"from {q.start} is after to {q.end}",
            [Problem("query", None, "from", "expected a year before 'to'", str(q.start))],
        )
    for s in q.sexes or ():
        if s not in SEXES:
            raise InputError(
                f"sex {s!r}: expected total, female or male",
                [Problem("query", None, "sex", "expected total, female, male or all", s)],
            )
    all_units = units(store)
    codes: list[str] = []
    for a in q.areas:
        code = _resolve(store, a, all_units)
        if all_units[code].kind in ("group", "who_region"):
            codes.extend(m for m, _ in group_members_of(store, code))
        else:
            codes.append(code)
    return list(dict.fromkeys(codes))


def series_json_text(store: Store, q: SeriesQuery) -> str:
    """:func:`series` as the API's JSON document, written by the store (fast path)."""
    codes = _series_areas(store, q)
    rows, count, found, sources = series_json(
        store,
        indicator=q.indicator,
        areas=codes,
        sexes=list(q.sexes) if q.sexes else None,
        start_year=q.start,
        end_year=q.end,
        source=q.source,
        age=q.age,
        residence=q.residence,
        vintage=check_vintage(q.vintage),
    )
    order = [c for c in codes if c in set(found)]
    head = {"indicator": q.indicator, "areas": order, "count": count, "sources": sources}
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "values": ' + rows + "}"


def series(store: Store, q: SeriesQuery) -> pd.DataFrame:
    """Values of one indicator for one or many areas (a group gives its members), by sex.

    Returns the columns of ``salamat series`` plus the area's names in Kazakh and Russian,
    ordered by area, source, sex and period.
    """
    codes = _series_areas(store, q)
    all_units = units(store)
    sexes = q.sexes
    frame = series_frame(
        store,
        indicator=q.indicator,
        areas=codes,
        sex=sexes[0] if sexes and len(sexes) == 1 else None,
        start_year=q.start,
        end_year=q.end,
        source=q.source,
        age=q.age,
        cause=None,
        residence=q.residence,
        vintage=check_vintage(q.vintage),
    )
    if sexes and len(sexes) > 1:
        frame = frame[frame["sex"].isin(sexes)].reset_index(drop=True)
    names_kk = {c: all_units[c].name("kk") for c in codes}
    names_ru = {c: all_units[c].name("ru") for c in codes}
    frame.insert(3, "area_name_kk", frame["area"].map(names_kk))
    frame.insert(4, "area_name_ru", frame["area"].map(names_ru))
    return frame


def vintage_choices(store: Store, indicator_code: str) -> tuple[list[str], list[str]]:
    """The publisher vintages and the import dates (ISO) of one indicator's values, current or
    replaced, newest first: what the explorer offers (see :mod:`salamat.store.revisions`)."""
    vintages, days = vintage_options(store, indicator_code)
    return vintages, [d.isoformat() for d in days]


def import_log(store: Store) -> pd.DataFrame:
    """The import log for the API: times as text (seconds), newest first."""
    frame = list_imports(store)
    for col in ("time", "finished"):
        frame[col] = frame[col].map(lambda t: None if pd.isna(t) else str(t)[:19])
    return frame
