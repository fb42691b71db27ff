"""Deaths written from aggregates whose unit records stay where they are (``--engine spark``).

The engine (:mod:`salamat.store.spark`) returns deaths by region x year x sex x age x cause
group and the records counted per region x year; this module writes them into ``deaths`` and
``death_aggregate_cell`` in the import's transaction. A region x year is held either by unit
records (``death_record_data``, re-aggregated by :func:`salamat.store.records.reaggregate`) or by
aggregates (``death_aggregate_cell``), never both: each kind of import refuses a cell the other
holds, so that no count is doubled and no re-aggregation drops a cell it cannot recompute.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from salamat.store.connection import Store
from salamat.store.records import RecordCounts

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "cause_ranges",
    "cells_held_by_aggregates",
    "cells_held_by_records",
    "is_aggregate_import",
    "merge_death_aggregates",
    "region_lookup_rows",
]


def region_lookup_rows(store: Store) -> list[tuple[object, ...]]:
    """Every code and alias of a place (not a group) -> (key, code, valid_from, valid_to), as
    :func:`salamat.store.records.create_region_lookup` makes it for DuckDB."""
    return store.con.execute("""SELECT code AS key, code, valid_from, valid_to FROM orgunit
        WHERE kind NOT IN ('world', 'group', 'who_region')
        UNION ALL
        SELECT a.alias, o.code, o.valid_from, o.valid_to
        FROM orgunit_alias a JOIN orgunit o ON o.code = a.code
        WHERE o.kind NOT IN ('world', 'group', 'who_region')""").fetchall()


def cause_ranges(store: Store) -> list[tuple[object, ...]]:
    """The cause groups' ICD-10 category ranges (cause, start3, end3)."""
    return store.con.execute("SELECT cause, start3, end3 FROM cause_group_range").fetchall()


def cells_held_by_records(store: Store, cells: pd.DataFrame) -> list[tuple[str, int]]:
    """The (region, year) of ``cells`` (columns region, year) for which the store holds unit
    records."""
    if cells.empty:
        return []
    store.con.register("_agg_cells", cells[["region", "year"]])
    try:
        rows = store.con.execute("""SELECT DISTINCT c.region, c.year FROM _agg_cells c
            WHERE EXISTS (SELECT 1 FROM death_record_data r JOIN death_region g USING (rid)
                WHERE g.region = c.region AND year(r.death_date) = c.year)
            ORDER BY 1, 2""").fetchall()
    finally:
        store.con.unregister("_agg_cells")
    return [(str(r), int(y)) for r, y in rows]


def cells_held_by_aggregates(store: Store, table: str) -> list[tuple[str, int]]:
    """The (region, year) of the staged death records ``table`` (``rid``, ``death_date``) that
    the store holds as aggregates without records (none, at once, when it holds none)."""
    con = store.con
    if not con.execute("SELECT count(*) FROM death_aggregate_cell").fetchall()[0][0]:
        return []
    rows = con.execute(f"""SELECT DISTINCT a.region, a.year FROM death_aggregate_cell a
        WHERE EXISTS (SELECT 1 FROM {table} t
            JOIN (SELECT rid, region FROM death_region UNION ALL
                  SELECT rid, region FROM _new_region) g ON g.rid = t.rid
            WHERE g.region = a.region AND year(t.death_date) = a.year)
        ORDER BY 1, 2""").fetchall()
    return [(str(r), int(y)) for r, y in rows]


def is_aggregate_import(store: Store, import_id: int) -> bool:
    """Whether the import wrote deaths from aggregates (its records were never stored)."""
    row = store.con.execute(
        "SELECT count(*) FROM death_aggregate_import WHERE import_id = ?", [import_id]
    ).fetchall()[0]
    return bool(row[0])


def merge_death_aggregates(
    store: Store,
    import_id: int,
    aggregates: pd.DataFrame,
    cells: pd.DataFrame,
    *,
    write: bool,
    codes: pd.DataFrame,
    source: str,
) -> RecordCounts:
    """Replace the ``deaths`` of every region x year in ``cells`` (region, year, records,
    unknown) by ``aggregates`` (region, year, sex, age, cause, deaths), and the counts the
    record-level quality rules read by ``codes`` (region, year, icd10, no_age, no_sex, n).

    Counts are of records, by cell: a cell not held before counts its records as created; one
    held with the same deaths, the same counts by code and the same record counts, as
    unchanged; else as updated.
    """
    con = store.con
    con.register("_agg_new", aggregates[["region", "year", "sex", "age", "cause", "deaths"]])
    con.register("_agg_cells", cells[["region", "year", "records", "unknown"]])
    con.register("_agg_codes", codes[["region", "year", "icd10", "no_age", "no_sex", "n"]])
    try:
        con.execute("""CREATE OR REPLACE TEMP TABLE _agg_cmp AS
            SELECT c.region, CAST(c.year AS INTEGER) AS year, c.records, c.unknown,
                   o.region IS NOT NULL AS held,
                   o.region IS NOT NULL AND o.records = c.records AND o.unknown = c.unknown
                   AND NOT EXISTS (
                       (SELECT sex, age, cause, deaths FROM _agg_new n
                        WHERE n.region = c.region AND n.year = c.year
                        EXCEPT SELECT sex, age, cause, deaths FROM deaths d
                        WHERE d.region = c.region AND d.year = c.year)
                       UNION ALL
                       (SELECT sex, age, cause, deaths FROM deaths d
                        WHERE d.region = c.region AND d.year = c.year
                        EXCEPT SELECT sex, age, cause, deaths FROM _agg_new n
                        WHERE n.region = c.region AND n.year = c.year)
                       UNION ALL
                       (SELECT icd10, no_age, no_sex, n FROM _agg_codes n
                        WHERE n.region = c.region AND n.year = c.year
                        EXCEPT SELECT icd10, no_age, no_sex, n FROM death_aggregate_code d
                        WHERE d.region = c.region AND d.year = c.year)
                       UNION ALL
                       (SELECT icd10, no_age, no_sex, n FROM death_aggregate_code d
                        WHERE d.region = c.region AND d.year = c.year
                        EXCEPT SELECT icd10, no_age, no_sex, n FROM _agg_codes n
                        WHERE n.region = c.region AND n.year = c.year)) AS same
            FROM _agg_cells c LEFT JOIN death_aggregate_cell o
              ON o.region = c.region AND o.year = c.year""")
        row = con.execute("""SELECT
                coalesce(sum(records) FILTER (WHERE NOT held), 0),
                coalesce(sum(records) FILTER (WHERE held AND NOT same), 0),
                coalesce(sum(records) FILTER (WHERE same), 0) FROM _agg_cmp""").fetchall()[0]
        counts = RecordCounts(int(row[0]), int(row[1]), int(row[2]))
        if write:
            con.execute(
                "INSERT INTO death_aggregate_import (import_id, engine, source) "
                "VALUES (?, 'spark', ?)",
                [import_id, source],
            )
        if write and counts.created + counts.updated:
            con.execute("""DELETE FROM deaths WHERE EXISTS (SELECT 1 FROM _agg_cmp c
                WHERE NOT c.same AND c.region = deaths.region AND c.year = deaths.year)""")
            con.execute("""INSERT INTO deaths SELECT n.region, n.year, n.sex, n.age, n.cause,
                    n.deaths FROM _agg_new n
                WHERE EXISTS (SELECT 1 FROM _agg_cmp c
                    WHERE NOT c.same AND c.region = n.region AND c.year = n.year)""")
            con.execute("""DELETE FROM death_aggregate_code WHERE EXISTS (SELECT 1 FROM _agg_cmp c
                WHERE NOT c.same AND c.region = death_aggregate_code.region
                  AND c.year = death_aggregate_code.year)""")
            con.execute(
                """INSERT INTO death_aggregate_code SELECT n.region, n.year, n.icd10, n.no_age,
                    n.no_sex, n.n, ? FROM _agg_codes n
                WHERE EXISTS (SELECT 1 FROM _agg_cmp c
                    WHERE NOT c.same AND c.region = n.region AND c.year = n.year)""",
                [import_id],
            )
            con.execute(
                """INSERT OR REPLACE INTO death_aggregate_cell
                SELECT region, year, records, unknown, ? FROM _agg_cmp WHERE NOT same""",
                [import_id],
            )
        return counts
    finally:
        con.execute("DROP TABLE IF EXISTS _agg_cmp")
        con.unregister("_agg_new")
        con.unregister("_agg_cells")
        con.unregister("_agg_codes")
