"""Read queries over the store: series, and what the store holds."""

from __future__ import annotations

from typing import Any

import pandas as pd

from salamat.store.connection import Store
from salamat.store.revisions import flags_of_value, observation_relation

__all__ = ["catalogue_frame", "series_frame", "store_info"]


def series_frame(
    store: Store,
    *,
    indicator: str,
    areas: list[str],
    sex: str | None,
    age: str | None,
    start_year: int | None = None,
    end_year: int | None = None,
    source: str | None = None,
    cause: str | None = "all",
    residence: str | None = "total",
    vintage: str | None = None,
) -> pd.DataFrame:
    """Observations of one indicator for some areas, ordered by area, source, sex and period.

    ``vintage``: None or ``latest`` (the current values), ``all``, an import date or a
    publisher's vintage (:func:`salamat.store.revisions.observation_relation`); every value
    carries its ``import_id`` and ``imported_at``, and with a vintage other than the latest the
    import that replaced it (``superseded_by``, empty for a current value).
    ``flags`` holds the codes of the quality rules that flag each value (its key), separated
    by ``;`` (empty when none; :mod:`salamat.store.quality`).
    """
    relation, rel_params = observation_relation(vintage)
    where = ["o.indicator = ?", f"o.area IN ({', '.join('?' for _ in areas)})"]
    params: list[Any] = [*rel_params, indicator, *areas]
    for col, val in (
        ("sex", sex),
        ("age", age),
        ("cause", cause),
        ("residence", residence),
        ("source", source),
    ):
        if val is not None:
            where.append(f"o.{col} = ?")
            params.append(val)
    if start_year is not None:
        where.append("year(o.period_end) >= ?")
        params.append(start_year)
    if end_year is not None:
        where.append("year(o.period_start) <= ?")
        params.append(end_year)
    if relation == "observation":
        # the current values: their current flags, one join
        sql = f"""
        SELECT o.indicator, o.area, u.name_en AS area_name, o.period, o.sex, o.age, o.cause,
               o.residence, o.value, o.lower, o.upper, o.unit, o.source, o.vintage, o.note,
               o.import_id, o.imported_at, coalesce(f.flags, '') AS flags
        FROM {relation} o LEFT JOIN orgunit u ON u.code = o.area
        LEFT JOIN (
            SELECT indicator, area, period, sex, age, cause, residence, source,
                   string_agg(DISTINCT rule, ';' ORDER BY rule) AS flags
            FROM quality_flag WHERE indicator = ? GROUP BY ALL
        ) f ON f.indicator = o.indicator AND f.area = o.area AND f.period = o.period
           AND f.sex = o.sex AND f.age = o.age AND f.cause = o.cause
           AND f.residence = o.residence AND f.source = o.source
        WHERE {" AND ".join(where)}
        ORDER BY o.area, o.source, o.sex, o.age, o.cause, o.residence, o.period_start, o.period_end,
                 o.imported_at
        """
        flag_params = [*rel_params, indicator, *params[len(rel_params) :]]
        return store.con.execute(sql, flag_params).df()
    # other vintages: each value with the flags it had then (revisions.flags_of_value)
    flags = flags_of_value("string_agg(DISTINCT f.rule, ';' ORDER BY f.rule)")
    sql = f"""
        SELECT o.indicator, o.area, u.name_en AS area_name, o.period, o.sex, o.age, o.cause,
               o.residence, o.value, o.lower, o.upper, o.unit, o.source, o.vintage, o.note,
               o.import_id, o.imported_at, o.superseded_by, coalesce({flags}, '') AS flags
        FROM {relation} o LEFT JOIN orgunit u ON u.code = o.area
        WHERE {" AND ".join(where)}
        ORDER BY o.area, o.source, o.sex, o.age, o.cause, o.residence, o.period_start, o.period_end,
                 o.imported_at
    """
    return store.con.execute(sql, params).df()


def store_info(store: Store) -> dict[str, Any]:
    con = store.con

    def one(sql: str) -> Any:
        rows = con.execute(sql).fetchall()
        return rows[0][0] if rows else None

    by_indicator = con.execute("""
        SELECT indicator, source, count(*) AS n, count(DISTINCT area) AS areas,
               CAST(year(min(period_start)) AS INTEGER) AS first,
               CAST(year(max(period_end)) AS INTEGER) AS last
        FROM observation GROUP BY ALL ORDER BY indicator, source""").df()
    imports = con.execute("""
        SELECT import_id, kind, files, finished, created, updated, unchanged, status
        FROM import_log ORDER BY import_id DESC LIMIT 10""").df()
    return {
        "path": store.path,
        "schema_version": one("SELECT value FROM meta WHERE key = 'schema_version'"),
        "orgunits": one("SELECT count(*) FROM orgunit"),
        "indicators": one("SELECT count(*) FROM data_element"),
        "observations": one("SELECT count(*) FROM observation"),
        "death_records": one("SELECT count(*) FROM death_record"),
        "death_cells": one("SELECT count(*) FROM deaths"),
        "population_cells": one("SELECT count(*) FROM population"),
        "imports": one("SELECT count(*) FROM import_log"),
        "by_indicator": by_indicator,
        "recent_imports": imports,
    }


def catalogue_frame(store: Store, what: str, under: str | None = None) -> pd.DataFrame:
    """The indicator catalogue, the cause groups, or the org units under one code."""
    con = store.con
    if what == "indicators":
        return con.execute(
            "SELECT code, name_en, name_kk, name_ru, unit, international_code, origin "
            "FROM data_element ORDER BY code"
        ).df()
    if what == "causes":
        return con.execute(
            "SELECT code, name_en, name_kk, name_ru, icd10 FROM cause_group ORDER BY code"
        ).df()
    if what == "unit":
        # one unit and the units that succeeded it (a region with nothing under it)
        return con.execute(
            """
            SELECT u.code, u.name_en, u.name_kk, u.name_ru, u.kind,
               CAST(u.valid_from AS VARCHAR) AS valid_from, CAST(u.valid_to AS VARCHAR) AS valid_to,
                   CASE WHEN u.code = ? THEN 'itself' ELSE 'successor' END AS role,
                   string_agg(s.successor, ' ' ORDER BY s.successor) AS became
            FROM orgunit u
            LEFT JOIN orgunit_successor s ON s.code = u.code
            WHERE u.code = ?
               OR u.code IN (SELECT successor FROM orgunit_successor WHERE code = ?)
            GROUP BY ALL ORDER BY role, u.code
            """,
            [under, under, under],
        ).df()
    return con.execute(
        """
        SELECT u.code, u.name_en, u.name_kk, u.name_ru, u.kind,
               CAST(u.valid_from AS VARCHAR) AS valid_from, CAST(u.valid_to AS VARCHAR) AS valid_to,
               g.role, string_agg(s.successor, ' ' ORDER BY s.successor) AS became
        FROM orgunit u
        LEFT JOIN orgunit_group g ON g.member = u.code AND g.group_code = ?
        LEFT JOIN orgunit_successor s ON s.code = u.code
        WHERE u.parent = ? OR g.group_code IS NOT NULL
        GROUP BY ALL ORDER BY u.code
        """,
        [under, under],
    ).df()
