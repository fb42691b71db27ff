"""Population: the checks and the aggregation to cells, one SQL text for DuckDB and for Spark.

Two shapes of input give the store's population cells (region x year x sex x single year of
age, ``population``: mid-year residents, the person-years of exposure):

* **cells** (``region, year, sex, age, population``): estimates as published, one row a cell;
  the last age of a group may be open (``85+``).
* **a population register** (``id, sex, birth_date, region, ref_date``): one row per person
  resident on the reference date, as a statistical office extracts its register for a date
  (the Nordic registers, Kazakhstan's register-based population). ``ref_date`` must be 1 July
  (``YYYY-07-01``): the store holds mid-year population, and a person counts in the cell of
  ``year(ref_date)`` and their completed years on that day. A person appears once a date; the
  same id on two dates is two snapshots, not a duplicate. Unknown sex is refused (a cell is
  female, male or total). The cells built from a register have no open age band.

``salamat import population`` runs these on DuckDB (:mod:`salamat.store.population`), ``--engine
spark`` on Spark (:mod:`salamat.store.spark_population`), with the same messages. What differs
between the engines' SQL is the :class:`~salamat.store.deaths_sql.Dialect` (text type, regular
expressions, numbers, completed years), and two helpers here:

==================  ==========================================  ===================================
what                DuckDB                                      Spark
==================  ==========================================  ===================================
text to a number    ``try_cast(x AS DOUBLE)``                   number pattern, then
                                                                ``CAST(x AS DOUBLE)``
finite              ``isfinite(x)``                             not NaN, below the largest double
strip trailing +    ``rtrim(x, '+')``                           ``regexp_replace(x, '\\+*$', '')``
==================  ==========================================  ===================================

DuckDB's ``try_cast`` to DOUBLE also reads ``'1_000'`` and ``'0x10'``; Spark's form refuses
them (``expected a number of persons``).
"""

from __future__ import annotations

from salamat.store.deaths_sql import MAX_AGE, Dialect, date_expr, region_expr

__all__ = [
    "CELL_ERRORS",
    "CELL_FIELDS",
    "REGISTER_ERRORS",
    "REGISTER_FIELDS",
    "cell_extra_sql",
    "cells_sql",
    "register_cells_sql",
    "register_detail_sql",
    "register_duplicates_sql",
]

CELL_FIELDS = ("region", "year", "sex", "age", "population")
CELL_ERRORS = ("e_region", "e_year", "e_sex", "e_age", "e_population")
REGISTER_FIELDS = ("id", "sex", "birth_date", "region", "ref_date")
REGISTER_ERRORS = ("e_id", "e_sex", "e_birth_date", "e_region", "e_ref_date")

# the same as DuckDB's try_cast to a number reads: sign, decimals, exponent
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_CELL_SEX = """CASE lower({c}) WHEN 'female' THEN 'female' WHEN 'f' THEN 'female'
                        WHEN '2' THEN 'female' WHEN 'male' THEN 'male' WHEN 'm' THEN 'male'
                        WHEN '1' THEN 'male' WHEN 'total' THEN 'total' WHEN 'both' THEN 'total'
                        WHEN 't' THEN 'total' END"""
_PERSON_SEX = """CASE lower(trim({c})) WHEN 'female' THEN 'female' WHEN 'f' THEN 'female'
                        WHEN '2' THEN 'female' WHEN 'male' THEN 'male' WHEN 'm' THEN 'male'
                        WHEN '1' THEN 'male' END"""


def _to_double(d: Dialect, expr: str) -> str:
    if d.name == "spark":
        return f"CASE WHEN {d.matches(expr, _NUMBER)} THEN CAST({expr} AS DOUBLE) END"
    return f"try_cast({expr} AS DOUBLE)"


def _finite(d: Dialect, expr: str) -> str:
    if d.name == "spark":
        return f"(NOT isnan({expr}) AND abs({expr}) <= 1.7976931348623157E308)"
    return f"isfinite({expr})"


def _strip_plus(d: Dialect, expr: str) -> str:
    if d.name == "spark":
        return f"regexp_replace({expr}, {d.lit('[+]*$')}, '')"
    return f"rtrim({expr}, '+')"


def _valid_for_year(d: Dialect, year: str) -> str:
    """The error of a region (joined: ``region_raw``, ``region``, ``valid_from``, ``valid_to``)
    for a cell of ``year``: a cell is the population of the whole year."""
    t = d.text
    return f"""CASE WHEN region_raw IS NULL THEN 'a region is required'
                 WHEN region IS NULL THEN 'unknown org unit: expected a code such as KZ-75'
                 WHEN {year} IS NOT NULL AND (make_date({year}, 1, 1) < valid_from
                                            OR make_date({year}, 12, 31) > valid_to)
                 THEN 'the region did not exist for the whole year (valid '
                      || coalesce(CAST(valid_from AS {t}), '...') || ' to '
                      || coalesce(CAST(valid_to AS {t}), 'today') || ')' END"""


def cells_sql(
    d: Dialect,
    source_sql: str,
    *,
    default_region: str | None = None,
    carry: dict[str, str] | None = None,
) -> str:
    """Every row of a cells file normalised (``region``, ``year``, ``sex``, ``age``,
    ``open_age``, ``population``), its texts (``region_raw``, ``year_raw``, ``sex_raw``,
    ``age_raw``, ``pop_raw``) and ``e_<field>``: the reason the field is wrong, or NULL.
    Reads ``_region_lookup`` (key, code, valid_from, valid_to); ``carry``: more columns (name:
    expression over the source) passed through."""
    t = d.text
    more = "".join(f"{expr} AS {name}, " for name, expr in (carry or {}).items())
    return f"""
        WITH s AS (
            SELECT _row, {more}
                   {region_expr(d, default_region)} AS region_raw,
                   trim(CAST(year AS {t})) AS year_raw,
                   trim(CAST(sex AS {t})) AS sex_raw,
                   replace(trim(CAST(age AS {t})), ' ', '') AS age_raw,
                   trim(CAST(population AS {t})) AS pop_raw
            FROM {source_sql}
        ), c AS (
            SELECT s.*, r.code AS region, r.valid_from, r.valid_to,
                   {d.to_int("year_raw")} AS year,
                   {_CELL_SEX.format(c="sex_raw")} AS sex,
                   {d.to_int(_strip_plus(d, "age_raw"))} AS age,
                   age_raw LIKE '%+' AS open_age,
                   {_to_double(d, "pop_raw")} AS population
            FROM s LEFT JOIN _region_lookup r ON r.key = s.region_raw
        )
        SELECT *,
            {_valid_for_year(d, "year")} AS e_region,
            CASE WHEN year IS NULL OR year < 1000 OR year > 2200
                 THEN 'expected a calendar year such as 2023' END AS e_year,
            CASE WHEN sex IS NULL THEN 'expected female, male or total' END AS e_sex,
            CASE WHEN age IS NULL OR age < 0 OR age > {MAX_AGE} OR age_raw LIKE '%+%+'
                 THEN 'expected a single year of age 0 to {MAX_AGE}, or an open band such as 85+'
                 END AS e_age,
            CASE WHEN population IS NULL OR NOT {_finite(d, "population")}
                 THEN 'expected a number of persons'
                 WHEN population < 0 THEN 'a population cannot be negative' END AS e_population
        FROM c
    """


def _first(
    d: Dialect, file_key: tuple[str, str] | None, message: str, reason: str
) -> tuple[list[str], str, str]:
    """(the file's columns kept, the order of a window ``w``, and the SQL of the columns
    ``message`` and ``reason`` of a row after the first of ``w``). ``message`` names the first
    row with ``{first}``: ``row 4`` in the same file, ``FILE, row 4`` in another (one file
    given twice is two files of the import). The reason it is counted under is ``message``
    (numbers written N when counted) in one file, and ``reason`` when the first row is in an
    earlier file: a file's name is no reason (its digits would be counted as numbers)."""
    t = d.text
    row = f"CAST(first_value(_row) OVER w AS {t})"
    if file_key is None:
        text = message.format(first=f"'row ' || {row}")
        return [], "_row", f"{text} AS message, {text} AS reason"
    name, k = file_key
    same = f"first_value({k}) OVER w = {k}"
    text = message.format(
        first=f"CASE WHEN {same} THEN 'row ' || {row} "
        f"ELSE first_value({name}) OVER w || ', row ' || {row} END"
    )
    return (
        [name, k],
        f"{k}, _row",
        f"{text} AS message, CASE WHEN {same} THEN {text} ELSE {d.lit(reason)} END AS reason",
    )


def cell_extra_sql(d: Dialect, checked: str, *, file_key: tuple[str, str] | None = None) -> str:
    """The problems of cells that are each valid (``_row``, ``field``, ``message``, ``value``,
    ``reason``: the message as counted, and the file's columns of ``file_key`` when given): a
    cell given twice (every row after the first), an age above the open band, more than one
    open band of a region, year and sex.

    ``file_key``: the columns (file, position of the file) naming a row's file when
    ``checked`` holds several files (the files of one import are one data set, on both
    engines); a cell first given in another file is named with that file. Without it,
    ``checked`` is one file."""
    t = d.text
    cols, order, texts = _first(
        d,
        file_key,
        "'the same region, year, sex and age as ' || {first}",
        "the same region, year, sex and age as a row of an earlier file of the import",
    )
    keep = "".join(f"{c}, " for c in cols)
    o_keep = "".join(f"o.{c}, " for c in cols)
    above = f"'an age above the open band ' || CAST(p.open_at AS {t}) || '+'"
    two = "'more than one open age band for this region, year and sex'"
    return f"""
        WITH ok AS (SELECT * FROM {checked} WHERE e_region IS NULL AND e_year IS NULL
                    AND e_sex IS NULL AND e_age IS NULL),
        dup AS (SELECT {keep}_row, 'age' AS field, {texts},
                   age_raw AS value, row_number() OVER w AS k
                FROM ok WINDOW w AS (PARTITION BY region, year, sex, age ORDER BY {order})),
        opened AS (SELECT region, year, sex, min(age) FILTER (WHERE open_age) AS open_at,
                          count(*) FILTER (WHERE open_age) AS n_open
                   FROM ok GROUP BY region, year, sex)
        SELECT {keep}_row, field, message, value, reason FROM dup WHERE k > 1
        UNION ALL
        SELECT {o_keep}o._row, 'age', {above}, o.age_raw, {above}
        FROM ok o JOIN opened p ON p.region = o.region AND p.year = o.year AND p.sex = o.sex
        WHERE p.open_at IS NOT NULL AND o.age > p.open_at
        UNION ALL
        SELECT {o_keep}o._row, 'age', {two}, o.age_raw, {two}
        FROM ok o JOIN opened p ON p.region = o.region AND p.year = o.year AND p.sex = o.sex
        WHERE o.open_age AND p.n_open > 1
    """


def register_detail_sql(
    d: Dialect,
    source_sql: str,
    columns: dict[str, str],
    *,
    default_region: str | None = None,
    carry: dict[str, str] | None = None,
) -> str:
    """Every person of a register file normalised (``id``, ``sex``, ``region``, ``year``,
    ``age``: completed years on ``ref_date``), their texts (``raw_<field>``) and
    ``e_<field>``: the reason the field is wrong, or NULL (a duplicate id is found over all the
    files: :func:`register_duplicates_sql`). Reads ``_region_lookup``; ``columns``: the
    source's column types (a date may be typed DATE or text); ``carry`` as in
    :func:`cells_sql`."""
    t = d.text
    more = "".join(f"{expr} AS {name}, " for name, expr in (carry or {}).items())
    names = "".join(f"{name}, " for name in (carry or {}))
    birth, e_birth = date_expr(d, "birth_date", columns["birth_date"])
    ref, e_ref = date_expr(d, "ref_date", columns["ref_date"])
    raws = "".join(f"CAST({f} AS {t}) AS raw_{f}, " for f in REGISTER_FIELDS)
    return f"""
        WITH s AS (
            SELECT _row, {more}{raws}
                   nullif(trim(CAST(id AS {t})), '') AS id,
                   {_PERSON_SEX.format(c=f"CAST(sex AS {t})")} AS sex,
                   {region_expr(d, default_region)} AS region_raw,
                   {birth} AS birth_date, {e_birth} AS e_birth_fmt,
                   birth_date IS NULL OR trim(CAST(birth_date AS {t})) = '' AS birth_missing,
                   {ref} AS ref_date, {e_ref} AS e_ref_fmt,
                   ref_date IS NULL OR trim(CAST(ref_date AS {t})) = '' AS ref_missing
            FROM {source_sql}
        ), c AS (
            SELECT s.*, r.code AS region, r.valid_from, r.valid_to,
                   year(s.ref_date) AS year,
                   CASE WHEN s.birth_date <= s.ref_date
                        THEN {d.years("s.birth_date", "s.ref_date")} END AS age
            FROM s LEFT JOIN _region_lookup r ON r.key = s.region_raw
        )
        SELECT _row, {names}{"".join(f"raw_{f}, " for f in REGISTER_FIELDS)}
               id, sex, region, year, age,
               CASE WHEN id IS NULL THEN 'a person id is required'
                    WHEN {d.matches("id", d.cntrl)}
                    THEN 'the person id contains a control character (such as NUL or a tab)'
                    END AS e_id,
               CASE WHEN sex IS NULL THEN 'expected female or male (also F, M, 2, 1)'
                    END AS e_sex,
               CASE WHEN birth_missing THEN 'a birth_date is required'
                    WHEN e_birth_fmt IS NOT NULL THEN e_birth_fmt
                    WHEN ref_date IS NOT NULL AND birth_date > ref_date
                    THEN 'birth_date is after ref_date'
                    WHEN age > {MAX_AGE} THEN 'birth_date gives an age over {MAX_AGE}'
                    END AS e_birth_date,
               {_valid_for_year(d, "year")} AS e_region,
               CASE WHEN ref_missing THEN 'a ref_date is required'
                    WHEN e_ref_fmt IS NOT NULL THEN e_ref_fmt
                    WHEN month(ref_date) <> 7 OR day(ref_date) <> 1
                    THEN 'expected a mid-year reference date YYYY-07-01 (the store holds '
                         || 'population on 1 July)' END AS e_ref_date
        FROM c
    """


def register_duplicates_sql(
    d: Dialect, checked: str, *, file_key: tuple[str, str] | None = None
) -> str:
    """Every person after the first with the same id on the same reference date (``_row``,
    ``field``, ``message``, ``value``, ``reason`` as in :func:`cell_extra_sql`, and the file's columns of ``file_key`` as in
    :func:`cell_extra_sql`). The same id on another date is another snapshot; a record whose
    id or reference date is wrong is left to that error."""
    cols, order, texts = _first(
        d,
        file_key,
        "'the person id appears more than once on this ref_date (first at ' || {first} || ')'",
        "the person id appears more than once on this ref_date (first in an earlier file of "
        "the import)",
    )
    keep = "".join(f"{c}, " for c in cols)
    return f"""
        SELECT {keep}_row, field, message, value, reason FROM (
            SELECT {keep}_row, 'id' AS field, {texts}, id AS value, row_number() OVER w AS k
            FROM {checked}
            WHERE id IS NOT NULL AND e_id IS NULL AND e_ref_date IS NULL
            WINDOW w AS (PARTITION BY id, year ORDER BY {order})
        ) WHERE k > 1
    """


def register_cells_sql(records_sql: str) -> str:
    """The population cells of the register's persons in ``records_sql`` (valid ones): persons
    by region x year x sex x single year of age (no open band). The same text on both
    engines."""
    return f"""
        SELECT region, year, sex, age, false AS open_age,
               CAST(count(*) AS DOUBLE) AS population
        FROM {records_sql}
        GROUP BY region, year, sex, age
    """
