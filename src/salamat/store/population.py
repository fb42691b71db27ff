"""Population estimates by region x year x sex x single year of age: the exposures.

A population file gives mid-year (1 July) resident population, which serves as the person-years
of exposure for the year's deaths (the usual approximation, e.g. WHO and UN WPP rates). The
last age of a group may be open, written ``85+``.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING

from salamat.errors import Problem
from salamat.store.connection import Store
from salamat.store.deaths_sql import DUCKDB
from salamat.store.population_sql import cell_extra_sql, cells_sql
from salamat.store.records import RecordCounts, create_region_lookup

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CELL_TABLES",
    "cell_problems",
    "cells_outside_scope",
    "keep_valid_cells",
    "merge_population",
    "reason_counts",
    "stage_cells",
    "stage_cells_frame",
]

POPULATION_FIELDS = ("region", "year", "sex", "age", "population")
_ERRS = ("e_region", "e_year", "e_sex", "e_age", "e_population")
_RAW = ("region_raw", "year_raw", "sex_raw", "age_raw", "pop_raw")
_FILE_KEY = ("_file", "_k")
# the temp tables of a cells import (with ``_pop`` and ``_pop_cmp`` of the merge)
CELL_TABLES = ("_popc", "_popc_extra", "_pop", "_pop_cmp")


def stage_cells_frame(store: Store, cells: pd.DataFrame, source: str) -> None:
    """The temp table ``_pop`` that :func:`merge_population` writes, from cells counted
    elsewhere (``--engine spark``: region, year, sex, age, open_age, population)."""
    store.con.register("_pop_frame", cells)
    try:
        store.con.execute(
            """CREATE OR REPLACE TEMP TABLE _pop AS
            SELECT CAST(region AS VARCHAR) AS region, CAST(year AS INTEGER) AS year,
                   CAST(sex AS VARCHAR) AS sex, CAST(age AS INTEGER) AS age,
                   CAST(open_age AS BOOLEAN) AS open_age,
                   CAST(population AS DOUBLE) AS population, ? AS source
            FROM _pop_frame""",
            [source],
        )
    finally:
        store.con.unregister("_pop_frame")


def reason_counts(store: Store, problems_sql: str) -> Counter[str]:
    """Problems by reason (``field: reason`` with every number written N) from a query of
    ``field, reason`` rows (``reason``: the message, or what it is counted under when it names
    a file): the summary's counts, one query over all the problems, in the order of field and
    reason (so that reasons with equal counts are listed alike from run to run)."""
    reasons: Counter[str] = Counter()
    for field, msg, n in store.con.execute(
        f"SELECT field, regexp_replace(reason, '\\d+', 'N', 'g'), count(*) FROM ({problems_sql}) "
        "GROUP BY ALL ORDER BY 1, 2"
    ).fetchall():
        reasons[f"{field}: {msg}"] += int(n)
    return reasons


def stage_cells(
    store: Store, sources: list[tuple[str, str]], *, default_region: str | None = None
) -> int:
    """Every row of the cell files ``sources`` (file name, relation) normalised and checked
    into the temp table ``_popc`` (``_file``, ``_k``: the file's position in the import,
    ``_row``, the fields, ``e_<field>``: the reason a field is wrong, ``bad``: any is,
    ``outside``: set by :func:`cells_outside_scope`), and their cross-row problems into
    ``_popc_extra`` (:func:`salamat.store.population_sql.cell_extra_sql` over all the files: a
    cell given twice, in one file or in two, an age above the open band, two open bands).
    Returns the rows read."""
    create_region_lookup(store)
    parts = [
        cells_sql(
            DUCKDB,
            rel,
            default_region=default_region,
            carry={"_file": DUCKDB.lit(name), "_k": str(k)},
        )
        for k, (name, rel) in enumerate(sources)
    ]
    bad = " OR ".join(f"{e} IS NOT NULL" for e in _ERRS)
    con = store.con
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _popc AS SELECT *, "
        f"({bad}) AS bad, false AS outside FROM ({' UNION ALL '.join(f'({p})' for p in parts)})"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _popc_extra AS "
        + cell_extra_sql(DUCKDB, "_popc", file_key=_FILE_KEY)
    )
    row = con.execute("SELECT count(*) FROM _popc").fetchall()[0]
    return int(row[0])


def cell_problems(store: Store, limit: int) -> tuple[Counter[str], list[Problem], int]:
    """Every problem of ``_popc`` (field errors) and ``_popc_extra``: the counts by reason,
    the first ``limit`` problems (by file, row, field, message) and the rows with a problem
    (a row outside the editor's scope too: :func:`cells_outside_scope`)."""
    con = store.con
    parts = [
        f"SELECT _file, _k, _row, '{f}' AS field, {e} AS message, {raw} AS value, {e} AS reason "
        f"FROM _popc WHERE {e} IS NOT NULL"
        for f, e, raw in zip(POPULATION_FIELDS, _ERRS, _RAW, strict=True)
    ]
    parts.append("SELECT _file, _k, _row, field, message, value, reason FROM _popc_extra")
    union = " UNION ALL ".join(parts)
    reasons = reason_counts(store, union)
    rows = con.execute(
        f"SELECT _file, _row, field, message, value FROM ({union}) ORDER BY _k, _row, field, "
        "message LIMIT ?",
        [limit],
    ).fetchall()
    problems = [Problem(str(f), int(r), fld, m, v) for f, r, fld, m, v in rows]
    bad = con.execute(
        f"""SELECT count(*) FROM (SELECT _k, _row FROM ({union})
            UNION SELECT _k, _row FROM _popc WHERE outside)"""
    ).fetchall()[0]
    return reasons, problems, int(bad[0])


def cells_outside_scope(
    store: Store, units: list[str], limit: int
) -> tuple[Counter[str], list[tuple[str, int, str]]]:
    """The rows of ``_popc`` whose every field is valid but whose region is not one of
    ``units`` (a scoped editor's): the count by region and the first ``limit`` (file, row,
    region), by file and row; they are marked ``outside`` (not written)."""
    con = store.con
    where = "NOT bad AND NOT list_contains(?, region)"
    counts = Counter(
        {
            str(code): int(n)
            for code, n in con.execute(
                f"SELECT region, count(*) FROM _popc WHERE {where} GROUP BY region", [units]
            ).fetchall()
        }
    )
    rows = con.execute(
        f"SELECT _file, _row, region FROM _popc WHERE {where} ORDER BY _k, _row LIMIT ?",
        [units, limit],
    ).fetchall()
    con.execute(f"UPDATE _popc SET outside = true WHERE {where}", [units])
    return counts, [(str(f), int(r), str(c)) for f, r, c in rows]


def keep_valid_cells(store: Store, source: str) -> int:
    """The temp table ``_pop`` that :func:`merge_population` writes: the rows of ``_popc``
    without a problem and inside the scope (of a cell given twice, the first: the row of the
    earlier file, or the earlier row of one file); returns the cells kept."""
    con = store.con
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _pop AS
        SELECT region, year, sex, age, open_age, population, ? AS source FROM _popc c
        WHERE NOT bad AND NOT outside AND NOT EXISTS (
            SELECT 1 FROM _popc_extra x WHERE x._k = c._k AND x._row = c._row)""",
        [source],
    )
    row = con.execute("SELECT count(*) FROM _pop").fetchall()[0]
    return int(row[0])


def merge_population(
    store: Store,
    import_id: int,
    imported_at: datetime,
    *,
    write: bool,
    keep_source: bool = False,
) -> RecordCounts:
    """Upsert ``_pop`` into ``population``: new cells created, changed values updated.

    A replaced cell moves to ``population_version`` (kept for undo). With ``keep_source`` (no
    ``--source`` was given) a stored cell keeps its source and only its value is compared, so
    the same numbers under another file name change nothing.
    """
    con = store.con
    source_differs = "false" if keep_source else "o.source <> n.source"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _pop_cmp AS
        SELECT n.region, n.year, n.sex, n.age, n.open_age, n.population,
               {"coalesce(o.source, n.source)" if keep_source else "n.source"} AS source,
               CASE WHEN o.region IS NULL THEN 'created'
                    WHEN o.population <> n.population OR o.open_age <> n.open_age
                         OR {source_differs} THEN 'updated'
                    ELSE 'unchanged' END AS action
        FROM _pop n LEFT JOIN population o USING (region, year, sex, age)""")
    counts = dict(con.execute("SELECT action, count(*) FROM _pop_cmp GROUP BY 1").fetchall())
    if write and counts.get("updated", 0):
        con.execute(
            """INSERT INTO population_version
            SELECT o.*, ? FROM population o SEMI JOIN _pop_cmp n
            ON n.region = o.region AND n.year = o.year AND n.sex = o.sex AND n.age = o.age
               AND n.action = 'updated'""",
            [import_id],
        )
    if write:
        con.execute(
            """INSERT OR REPLACE INTO population
            SELECT region, year, sex, age, open_age, population, source, ?, ?
            FROM _pop_cmp WHERE action <> 'unchanged'""",
            [import_id, imported_at],
        )
    return RecordCounts(
        int(counts.get("created", 0)),
        int(counts.get("updated", 0)),
        int(counts.get("unchanged", 0)),
    )
