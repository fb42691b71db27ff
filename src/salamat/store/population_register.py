"""A population register imported with DuckDB: persons checked and counted into cells.

The SQL is :mod:`salamat.store.population_sql`'s (the Spark import runs the same text). The
files of one import are one register: their persons are checked together (a person id twice on
one reference date, in one file or in two, is a problem) and counted into the cells together,
so a register split into several files gives the cells of the whole.
"""

from __future__ import annotations

from collections import Counter

from salamat.errors import Problem
from salamat.store.connection import Store
from salamat.store.deaths_sql import DUCKDB
from salamat.store.population import reason_counts
from salamat.store.population_sql import (
    REGISTER_ERRORS,
    REGISTER_FIELDS,
    register_cells_sql,
    register_detail_sql,
    register_duplicates_sql,
)
from salamat.store.records import create_region_lookup

__all__ = [
    "REGISTER_TABLES",
    "cells_from_register",
    "register_outside_scope",
    "register_problems",
    "stage_register",
]

REGISTER_TABLES = ("_popr", "_popr_dup")
_FILE_KEY = ("_file", "_k")


def stage_register(
    store: Store, sources: list[tuple[str, str, dict[str, str]]], *, default_region: str | None
) -> None:
    """Every person of ``sources`` (file name, relation, column types) checked into the temp
    table ``_popr`` (``_file``, ``_k``: the file's position, ``_row``, ``e_<field>``, ``bad``)."""
    create_region_lookup(store)
    parts = [
        register_detail_sql(
            DUCKDB,
            rel,
            columns,
            default_region=default_region,
            carry={"_file": DUCKDB.lit(name), "_k": str(k)},
        )
        for k, (name, rel, columns) in enumerate(sources)
    ]
    bad = " OR ".join(f"{e} IS NOT NULL" for e in REGISTER_ERRORS)
    store.con.execute(
        "CREATE OR REPLACE TEMP TABLE _popr AS SELECT *, "
        f"({bad}) AS bad FROM ({' UNION ALL '.join(f'({p})' for p in parts)})"
    )


def register_problems(store: Store, limit: int) -> tuple[Counter[str], list[Problem], int]:
    """Every problem of ``_popr`` (field errors, an id twice on a date): the counts by reason,
    the first ``limit`` problems (by file, row, field, message) and the persons with one."""
    con = store.con
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _popr_dup AS "
        + register_duplicates_sql(DUCKDB, "_popr", file_key=_FILE_KEY)
    )
    parts = [
        f"SELECT _file, _row, '{f}' AS field, {e} AS message, raw_{f} AS value, {e} AS reason "
        f"FROM _popr WHERE {e} IS NOT NULL"
        for f, e in zip(REGISTER_FIELDS, REGISTER_ERRORS, strict=True)
    ]
    parts.append("SELECT _file, _row, field, message, value, reason FROM _popr_dup")
    union = " UNION ALL ".join(parts)
    reasons = reason_counts(store, union)
    rows = con.execute(
        f"""SELECT p._file, p._row, p.field, p.message, p.value FROM ({union}) p
        JOIN (SELECT DISTINCT _file, _k FROM _popr) f ON f._file = p._file
        ORDER BY f._k, p._row, p.field, p.message LIMIT ?""",
        [limit],
    ).fetchall()
    problems = [Problem(str(f), int(r), fld, m, v) for f, r, fld, m, v in rows]
    bad = con.execute(f"SELECT count(*) FROM (SELECT DISTINCT _file, _row FROM ({union}))")
    return reasons, problems, int(bad.fetchall()[0][0])


def cells_from_register(store: Store, source: str) -> int:
    """The valid persons of ``_popr`` (no problem, the first record of an id on a date) counted
    into the temp table ``_pop`` that :func:`salamat.store.population.merge_population` writes;
    returns the persons counted."""
    valid = """(SELECT * FROM _popr p WHERE NOT bad AND NOT EXISTS (
        SELECT 1 FROM _popr_dup d WHERE d._file = p._file AND d._row = p._row))"""
    store.con.execute(
        "CREATE OR REPLACE TEMP TABLE _pop AS SELECT *, ? AS source FROM ("
        + register_cells_sql(valid)
        + ")",
        [source],
    )
    row = store.con.execute("SELECT CAST(sum(population) AS BIGINT) FROM _pop").fetchall()[0]
    return int(row[0] or 0)


def register_outside_scope(
    store: Store, units: list[str], limit: int
) -> tuple[Counter[str], list[tuple[str, int, str]]]:
    """The persons of ``_popr`` without a problem whose region is not one of ``units`` (a
    scoped editor's): the count by region and the first ``limit`` (file, row, region); they
    are marked ``bad``."""
    con = store.con
    where = "NOT bad AND NOT list_contains(?, region)"
    counts = Counter(
        {
            str(code): int(n)
            for code, n in con.execute(
                f"SELECT region, count(*) FROM _popr WHERE {where} GROUP BY region", [units]
            ).fetchall()
        }
    )
    rows = con.execute(
        f"SELECT _file, _row, region FROM _popr WHERE {where} ORDER BY _k, _row LIMIT ?",
        [units, limit],
    ).fetchall()
    con.execute(f"UPDATE _popr SET bad = true WHERE {where}", [units])
    return counts, [(str(f), int(r), str(c)) for f, r, c in rows]
