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
    "keep_valid_population",
    "merge_population",
    "population_problems",
    "stage_cells_frame",
    "stage_population",
]

POPULATION_FIELDS = ("region", "year", "sex", "age", "population")
_ERRS = ("e_region", "e_year", "e_sex", "e_age", "e_population")


def keep_valid_population(store: Store) -> None:
    """Remove from ``_pop`` every row with a problem (``--skip-invalid``): a field error or a
    row of ``_pop_extra`` (duplicates, misplaced open bands; from :func:`population_problems`)."""
    any_err = " OR ".join(f"{e} IS NOT NULL" for e in _ERRS)
    store.con.execute(
        f"DELETE FROM _pop WHERE ({any_err}) OR _row IN (SELECT _row FROM _pop_extra)"
    )


def stage_population(
    store: Store, source_sql: str, source: str, *, default_region: str | None = None
) -> None:
    """Normalise and check every row into the temp table ``_pop`` (``e_<field>``: the reason)."""
    create_region_lookup(store)
    store.con.execute(
        "CREATE OR REPLACE TEMP TABLE _pop AS SELECT *, ? AS source FROM ("
        + cells_sql(DUCKDB, source_sql, default_region=default_region)
        + ")",
        [source],
    )


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
    """Problems by reason (``field: message`` with every number written N) from a query of
    ``field, message`` rows: the summary's counts, one query over all the problems."""
    reasons: Counter[str] = Counter()
    for field, msg, n in store.con.execute(
        f"SELECT field, regexp_replace(message, '\\d+', 'N', 'g'), count(*) FROM ({problems_sql}) "
        "GROUP BY ALL"
    ).fetchall():
        reasons[f"{field}: {msg}"] += int(n)
    return reasons


def population_problems(
    store: Store, file: str, limit: int
) -> tuple[Counter[str], list[Problem], int]:
    """Every problem in ``_pop``: field errors, duplicated cells, misplaced open bands."""
    con = store.con
    con.execute("CREATE OR REPLACE TEMP TABLE _pop_extra AS " + cell_extra_sql(DUCKDB, "_pop"))
    parts = [
        f"SELECT _row, '{f}' AS field, {e} AS message, "
        f"{'region_raw' if f == 'region' else f + '_raw' if f != 'population' else 'pop_raw'}"
        f" AS value FROM _pop WHERE {e} IS NOT NULL"
        for f, e in zip(POPULATION_FIELDS, _ERRS, strict=True)
    ]
    parts.append("SELECT _row, field, message, value FROM _pop_extra")
    union = " UNION ALL ".join(parts)
    reasons = reason_counts(store, union)
    problems = [
        Problem(file, int(r), f, m, v)
        for r, f, m, v in con.execute(
            f"SELECT * FROM ({union}) ORDER BY 1, 2, 3 LIMIT ?", [limit]
        ).fetchall()
    ]
    bad = con.execute(f"SELECT count(DISTINCT _row) FROM ({union})").fetchall()[0]
    assert bad is not None
    return reasons, problems, int(bad[0])


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
