"""Population estimates by region x year x sex x single year of age: the exposures.

A population file gives mid-year (1 July) resident population, which serves as the person-years
of exposure for the year's deaths (the usual approximation, e.g. WHO and UN WPP rates). The
last age of a group may be open, written ``85+``.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from salamat.errors import Problem
from salamat.store.connection import Store
from salamat.store.records import RecordCounts, create_region_lookup, region_expr

__all__ = ["keep_valid_population", "merge_population", "population_problems", "stage_population"]

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
        f"""
        CREATE OR REPLACE TEMP TABLE _pop AS
        WITH s AS (
            SELECT _row,
                   {region_expr(default_region)} AS region_raw,
                   trim(CAST(year AS VARCHAR)) AS year_raw,
                   trim(CAST(sex AS VARCHAR)) AS sex_raw,
                   replace(trim(CAST(age AS VARCHAR)), ' ', '') AS age_raw,
                   trim(CAST(population AS VARCHAR)) AS pop_raw
            FROM {source_sql}
        ), c AS (
            SELECT s.*, r.code AS region, r.valid_from, r.valid_to,
                   try_cast(year_raw AS INTEGER) AS year,
                   CASE lower(sex_raw) WHEN 'female' THEN 'female' WHEN 'f' THEN 'female'
                        WHEN '2' THEN 'female' WHEN 'male' THEN 'male' WHEN 'm' THEN 'male'
                        WHEN '1' THEN 'male' WHEN 'total' THEN 'total' WHEN 'both' THEN 'total'
                        WHEN 't' THEN 'total' END AS sex,
                   try_cast(rtrim(age_raw, '+') AS INTEGER) AS age,
                   ends_with(age_raw, '+') AS open_age,
                   try_cast(pop_raw AS DOUBLE) AS population
            FROM s LEFT JOIN _region_lookup r ON r.key = s.region_raw
        )
        SELECT *, ? AS source,
            CASE WHEN region_raw IS NULL THEN 'a region is required'
                 WHEN region IS NULL THEN 'unknown org unit: expected a code such as KZ-75'
                 WHEN year IS NOT NULL AND (make_date(year, 1, 1) < valid_from
                                            OR make_date(year, 12, 31) > valid_to)
                 THEN 'the region did not exist for the whole year (valid '
                      || coalesce(CAST(valid_from AS VARCHAR), '...') || ' to '
                      || coalesce(CAST(valid_to AS VARCHAR), 'today') || ')' END AS e_region,
            CASE WHEN year IS NULL OR year < 1000 OR year > 2200
                 THEN 'expected a calendar year such as 2023' END AS e_year,
            CASE WHEN sex IS NULL THEN 'expected female, male or total' END AS e_sex,
            CASE WHEN age IS NULL OR age < 0 OR age > 130 OR age_raw LIKE '%+%+'
                 THEN 'expected a single year of age 0 to 130, or an open band such as 85+'
                 END AS e_age,
            CASE WHEN population IS NULL OR NOT isfinite(population)
                 THEN 'expected a number of persons'
                 WHEN population < 0 THEN 'a population cannot be negative' END AS e_population
        FROM c
    """,
        [source],
    )


def population_problems(
    store: Store, file: str, limit: int
) -> tuple[Counter[str], list[Problem], int]:
    """Every problem in ``_pop``: field errors, duplicated cells, misplaced open bands."""
    con = store.con
    con.execute("""CREATE OR REPLACE TEMP TABLE _pop_extra AS
        WITH ok AS (SELECT * FROM _pop WHERE e_region IS NULL AND e_year IS NULL
                    AND e_sex IS NULL AND e_age IS NULL),
        dup AS (SELECT _row, 'age' AS field,
                   'the same region, year, sex and age as row ' || first_value(_row) OVER w
                   AS message, age_raw AS value,
                   row_number() OVER w AS k
                FROM ok WINDOW w AS (PARTITION BY region, year, sex, age ORDER BY _row)),
        opened AS (SELECT region, year, sex, min(age) FILTER (WHERE open_age) AS open_at,
                          count(*) FILTER (WHERE open_age) AS n_open
                   FROM ok GROUP BY ALL)
        SELECT _row, field, message, value FROM dup WHERE k > 1
        UNION ALL
        SELECT o._row, 'age', 'an age above the open band ' || p.open_at || '+', o.age_raw
        FROM ok o JOIN opened p USING (region, year, sex)
        WHERE p.open_at IS NOT NULL AND o.age > p.open_at
        UNION ALL
        SELECT o._row, 'age', 'more than one open age band for this region, year and sex',
               o.age_raw
        FROM ok o JOIN opened p USING (region, year, sex) WHERE o.open_age AND p.n_open > 1""")
    parts = [
        f"SELECT _row, '{f}' AS field, {e} AS message, "
        f"{'region_raw' if f == 'region' else f + '_raw' if f != 'population' else 'pop_raw'}"
        f" AS value FROM _pop WHERE {e} IS NOT NULL"
        for f, e in zip(POPULATION_FIELDS, _ERRS, strict=True)
    ]
    parts.append("SELECT _row, field, message, value FROM _pop_extra")
    union = " UNION ALL ".join(parts)
    reasons: Counter[str] = Counter()
    for field, msg, n in con.execute(
        f"SELECT field, regexp_replace(message, '\\d+', 'N', 'g'), count(*) FROM ({union}) "
        "GROUP BY ALL"
    ).fetchall():
        reasons[f"{field}: {msg}"] += int(n)
    problems = [
        Problem(file, int(r), f, m, v)
        for r, f, m, v in con.execute(
            f"SELECT * FROM ({union}) ORDER BY 1, 2 LIMIT ?", [limit]
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
