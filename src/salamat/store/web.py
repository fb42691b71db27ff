"""Read-only queries the API and the dashboard need beyond :mod:`salamat.store.queries`.

Every function reads; none writes. Parameters are bound, never formatted into the SQL.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from salamat.store.connection import Store
from salamat.store.revisions import flags_of_value, observation_relation

__all__ = [
    "computed_sources",
    "group_members",
    "indicator_coverage",
    "indicator_sources",
    "indicators_with_values",
    "orgunit_aliases",
    "orgunit_frame",
    "record_coverage",
    "record_region_years",
    "regional_series",
    "series_json",
    "series_slab",
]


def orgunit_frame(store: Store) -> pd.DataFrame:
    """Every org unit with its names, validity, successors and predecessors (``;``-joined)."""
    return store.con.execute(
        """
        SELECT u.code, u.parent, u.level, u.kind, u.name_en, u.name_kk, u.name_ru,
               u.valid_from, u.valid_to, u.note, u.origin, u.iso_numeric,
               (SELECT string_agg(s.successor, ';' ORDER BY s.successor)
                  FROM orgunit_successor s WHERE s.code = u.code) AS successors,
               (SELECT string_agg(p.code, ';' ORDER BY p.code)
                  FROM orgunit_successor p WHERE p.successor = u.code) AS predecessors,
               (SELECT min(s.date) FROM orgunit_successor s WHERE s.code = u.code) AS succeeded_on
        FROM orgunit u
        ORDER BY u.level, u.code
        """
    ).df()


def orgunit_aliases(store: Store) -> dict[str, str]:
    """Every alias (alpha-2, P-code, old ISO code, DHIS2 uid ...) with the unit it names."""
    rows = store.con.execute("SELECT alias, code FROM orgunit_alias").fetchall()
    return {str(a): str(c) for a, c in rows}


def group_members(store: Store, group: str) -> list[tuple[str, str]]:
    """``(member, role)`` of a group (OTS, a WHO region ...), members before observers."""
    rows = store.con.execute(
        "SELECT member, role FROM orgunit_group WHERE group_code = ? "
        "ORDER BY role = 'member' DESC, member",
        [group],
    ).fetchall()
    return [(str(m), str(r)) for m, r in rows]


def all_group_members(store: Store) -> dict[str, list[tuple[str, str]]]:
    """Every group's ``(member, role)``, as :func:`group_members` gives each (one query)."""
    rows = store.con.execute(
        "SELECT group_code, member, role FROM orgunit_group "
        "ORDER BY group_code, role = 'member' DESC, member"
    ).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for g, m, r in rows:
        out.setdefault(str(g), []).append((str(m), str(r)))
    return out


def indicator_sources(store: Store, indicator: str) -> pd.DataFrame:
    """The sources of one indicator's observations: vintage, counts, years, last import."""
    return store.con.execute(
        """
        SELECT source, string_agg(DISTINCT vintage, ', ' ORDER BY vintage) AS vintage,
               count(*) AS observations, count(DISTINCT area) AS areas,
               min(year(period_start)) AS first_year, max(year(period_end)) AS last_year,
               max(imported_at) AS imported_at
        FROM observation WHERE indicator = ?
        GROUP BY source ORDER BY source
        """,
        [indicator],
    ).df()


def indicator_coverage(store: Store) -> dict[str, tuple[int, int]]:
    """``indicator -> (observations, sources)`` for every indicator with values."""
    rows = store.con.execute(
        "SELECT indicator, count(*), count(DISTINCT source) FROM observation GROUP BY indicator"
    ).fetchall()
    return {str(i): (int(n), int(s)) for i, n, s in rows}


def regional_series(
    store: Store, *, indicator: str, parent: str, sex: str, source_prefix: str | None
) -> pd.DataFrame:
    """Annual values of one indicator for every unit under ``parent`` (all residences total).

    Columns ``area``, ``year``, ``value``, ``lower``, ``upper``, ``source``, ``vintage``,
    ``note``; one row per area, year and source.
    """
    where = ""
    params: list[Any] = [indicator, parent, sex]
    if source_prefix:
        where = "AND starts_with(o.source, ?)"
        params.append(source_prefix)
    return store.con.execute(
        f"""
        SELECT o.area, year(o.period_start) AS year, o.value, o.lower, o.upper, o.source,
               o.vintage, o.note
        FROM observation o JOIN orgunit u ON u.code = o.area
        WHERE o.indicator = ? AND u.parent = ? AND o.sex = ? AND o.period_type = 'yearly'
          AND o.age = 'all' AND o.cause = 'all' AND o.residence = 'total' {where}
        ORDER BY o.area, year, o.source
        """,
        params,
    ).df()


def record_coverage(store: Store) -> tuple[list[int], list[str]]:
    """Years and regions with both unit-record deaths and population."""
    years = [
        int(r[0])
        for r in store.con.execute(
            "SELECT DISTINCT d.year FROM deaths d JOIN population p "
            "ON p.year = d.year AND p.region = d.region ORDER BY 1"
        ).fetchall()
    ]
    regions = [
        str(r[0])
        for r in store.con.execute(
            "SELECT DISTINCT d.region FROM deaths d JOIN population p "
            "ON p.year = d.year AND p.region = d.region ORDER BY 1"
        ).fetchall()
    ]
    return years, regions


def record_region_years(store: Store) -> list[tuple[str, int]]:
    """Each (region, year) with both unit-record deaths and population."""
    return [
        (str(r[0]), int(r[1]))
        for r in store.con.execute(
            "SELECT DISTINCT d.region, d.year FROM deaths d JOIN population p "
            "ON p.year = d.year AND p.region = d.region ORDER BY 1, 2"
        ).fetchall()
    ]


def indicators_with_values(
    store: Store, areas: list[str] | None = None, parent: str | None = None
) -> list[str]:
    """Indicators with at least one annual total value for ``areas`` or the units under ``parent``."""
    where = [
        "o.period_type = 'yearly'",
        "o.sex = 'total'",
        "o.residence = 'total'",
        "o.age = 'all'",
    ]
    params: list[Any] = []
    if areas is not None:
        where.append(f"o.area IN ({', '.join('?' for _ in areas) or 'NULL'})")
        params.extend(areas)
    if parent is not None:
        where.append("o.area IN (SELECT code FROM orgunit WHERE parent = ?)")
        params.append(parent)
    rows = store.con.execute(
        f"SELECT DISTINCT o.indicator FROM observation o WHERE {' AND '.join(where)} ORDER BY 1",
        params,
    ).fetchall()
    return [str(r[0]) for r in rows]


_FLAG_LIST = (
    "list(json_object('code', rule, 'severity', severity, 'message', message) ORDER BY rule)"
)

# the current flags of every value of one indicator (one parameter: the indicator), as a list
# of JSON objects (``flags``) and as the rule codes joined by ``;`` (``flag_codes``)
_CURRENT_FLAGS_JOIN = f"""LEFT JOIN (
    SELECT indicator, area, period, sex, age, cause, residence, source,
           {_FLAG_LIST} AS flags, string_agg(DISTINCT rule, ';' ORDER BY rule) AS flag_codes
    FROM quality_flag WHERE indicator = ? GROUP BY ALL
) f ON f.indicator = o.indicator AND f.area = o.area AND f.period = o.period
   AND f.sex = o.sex AND f.age = o.age AND f.cause = o.cause
   AND f.residence = o.residence AND f.source = o.source"""

_SERIES_ORDER = (
    "o.area, o.source, o.sex, o.age, o.cause, o.residence, o.period_start, o.period_end, "
    "o.imported_at"
)


def _value_json(history: str, flags_sql: str) -> str:
    """One value as the API's JSON object (the same expression for one row and for a list).

    ``draft``: the value's import waits for approval (:mod:`salamat.store.approval`); only
    editors and admins read such values (the others read the approved views)."""
    return f"""json_object(
        'indicator', o.indicator, 'area', o.area, 'area_name', u.name_en,
        'area_name_kk', u.name_kk, 'area_name_ru', u.name_ru, 'period', o.period,
        'sex', o.sex, 'age', o.age, 'cause', o.cause, 'residence', o.residence,
        'value', o.value, 'lower', o.lower, 'upper', o.upper, 'unit', o.unit,
        'source', o.source, 'vintage', o.vintage, 'note', o.note,
        'import_id', o.import_id, 'imported_at', o.imported_at{history},
        'draft', o.import_id IN (SELECT import_id FROM draft_import),
        'flags', {flags_sql})"""


def series_slab(store: Store, indicator: str) -> pd.DataFrame:
    """Every current value of one indicator, once, for the API to slice (read-only server).

    The columns of :func:`salamat.store.queries.series_frame` (current values, every sex, age,
    cause and residence), then ``year_start`` and ``year_end`` (the calendar years of the
    period's first and last day) and ``json``: the value as :func:`series_json` writes it, the
    same DuckDB expression, so a slice joined with commas is byte for byte the JSON array
    :func:`series_json` returns for the same values. Ordered as :func:`series_json` orders.
    """
    return store.con.execute(
        f"""
        SELECT o.indicator, o.area, u.name_en AS area_name, o.period, o.sex, o.age, o.cause,
               o.residence, o.value, o.lower, o.upper, o.unit, o.source, o.vintage, o.note,
               o.import_id, o.imported_at, coalesce(f.flag_codes, '') AS flags,
               CAST(year(o.period_start) AS INTEGER) AS year_start,
               CAST(year(o.period_end) AS INTEGER) AS year_end,
               CAST({_value_json("", "coalesce(f.flags, [])")} AS VARCHAR) AS json
        FROM observation o LEFT JOIN orgunit u ON u.code = o.area
        {_CURRENT_FLAGS_JOIN}
        WHERE o.indicator = ?
        ORDER BY {_SERIES_ORDER}
        """,
        [indicator, indicator],
    ).df()


def series_json(
    store: Store,
    *,
    indicator: str,
    areas: list[str],
    sexes: list[str] | None,
    start_year: int | None,
    end_year: int | None,
    source: str | None,
    age: str | None,
    residence: str | None,
    vintage: str | None = None,
) -> tuple[str, int, list[str], list[str]]:
    """The rows of :func:`salamat.store.queries.series_frame` (plus the area's Kazakh and
    Russian names) as a JSON array written by DuckDB, with the count, the areas in order and
    the sources. DuckDB writes JSON faster than Python can, which the API's series route needs.
    Each value carries ``flags``: its quality flags as ``{code, severity, message}``.
    """
    relation, rel_params = observation_relation(vintage)
    history = ", 'superseded_by', o.superseded_by" if relation != "observation" else ""
    if relation == "observation":
        # the current values: their current flags, one join
        flags_sql = "coalesce(f.flags, [])"
        flag_join = _CURRENT_FLAGS_JOIN
        flag_params: list[Any] = [indicator]
    else:
        # other vintages: each value with the flags it had then
        flags_sql = f"coalesce({flags_of_value(_FLAG_LIST)}, [])"
        flag_join, flag_params = "", []
    where = ["o.indicator = ?", f"o.area IN ({', '.join('?' for _ in areas)})"]
    params: list[Any] = [*rel_params, indicator, *areas]
    if sexes:
        where.append(f"o.sex IN ({', '.join('?' for _ in sexes)})")
        params.extend(sexes)
    for col, val in (("age", age), ("residence", residence), ("source", source)):
        if val is not None:
            where.append(f"o.{col} = ?")
            params.append(val)
    if start_year is not None:
        where.append("year(o.period_end) >= ?")
        params.append(start_year)
    if end_year is not None:
        where.append("year(o.period_start) <= ?")
        params.append(end_year)
    row = store.con.execute(
        f"""
        SELECT CAST(to_json(coalesce(list({_value_json(history, flags_sql)}
                 ORDER BY {_SERIES_ORDER}), [])) AS VARCHAR),
               count(*),
               coalesce(list_sort(list_distinct(list(o.area))), []),
               coalesce(list_sort(list_distinct(list(o.source))), [])
        FROM {relation} o LEFT JOIN orgunit u ON u.code = o.area
        {flag_join}
        WHERE {" AND ".join(where)}
        """,
        [*rel_params, *flag_params, *params[len(rel_params) :]],
    ).fetchone()
    assert row is not None
    return str(row[0]), int(row[1]), [str(a) for a in row[2]], [str(s) for s in row[3]]


def computed_sources(store: Store) -> dict[str, list[str]]:
    """The sources of values Salamat computed and saved (``salamat compute --save``: source
    ``Salamat (computed from ...)``), by indicator; disclosure control looks no further for an
    indicator that has none."""
    rows = store.con.execute(
        "SELECT DISTINCT indicator, source FROM observation "
        "WHERE starts_with(source, ?) ORDER BY indicator, source",
        ["Salamat (computed from "],
    ).fetchall()
    out: dict[str, list[str]] = {}
    for indicator, source in rows:
        out.setdefault(str(indicator), []).append(str(source))
    return out
