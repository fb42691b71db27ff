"""The death-record check and aggregation, written once as SQL that DuckDB and Spark SQL both run.

One definition of what a valid death record is and how records become deaths by region x year
x sex x single year of age x cause group (issue 16). The SQL text is generated here for a
:class:`Dialect`; the few places where the engines' SQL differs are the dialect's fields:

==================  ==========================================  ===================================
what                DuckDB                                      Spark SQL
==================  ==========================================  ===================================
text type           ``VARCHAR``                                 ``STRING``
regex match         ``regexp_matches(x, 're')`` (RE2)           ``x RLIKE 're'`` (java.util.regex)
control character   ``[[:cntrl:]]``                             ``\\p{Cntrl}`` (both [\\x00-\\x1F\\x7F])
text to integer     ``try_cast(x AS INTEGER)``                  number pattern, then
                                                                ``CAST(round(CAST(x AS DOUBLE)) AS INT)``
string literal      ``'...'`` (quote doubled)                   backslash and quote escaped
today               ``DATE 'YYYY-MM-DD'``                       ``DATE 'YYYY-MM-DD'``
==================  ==========================================  ===================================

DuckDB's ``try_cast`` of a text to an integer accepts a decimal and rounds it (``'5.5'`` gives 6,
``'1e2'`` gives 100); the Spark form does the same for decimal and exponent notation. DuckDB also
accepts ``'1_000'`` and ``'0x10'``, the Spark form does not (such an age text is rejected on
both engines, with a different message). Completed years are one text on both engines
(:meth:`Dialect.years`: year difference less one before the birthday, the last day of a month
counting as the anniversary of a later day: 29 Feb -> 28 Feb is a year), checked against
DuckDB's ``date_sub('year', b, d)`` on every pair of birth dates 1999-06-01..2001-06-04 and
death dates 2003-01-20..2005-04-09 (596,085 pairs, no difference) and on the 10 million pairs
of ``benchmarks/bench_import_deaths.py`` (no difference).

Reading the files, the dictionary ids of the DuckDB store and the temporary tables are each
engine's own (:mod:`salamat.store.records`, :mod:`salamat.store.spark`); the checks, the
messages and the aggregation are these functions'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

__all__ = [
    "DEATH_FIELDS",
    "DUCKDB",
    "ERR_COLUMNS",
    "MAX_AGE",
    "SPARK",
    "Dialect",
    "aggregate_sql",
    "date_expr",
    "detail_sql",
    "dv_icd10_sql",
    "dv_region_sql",
    "dv_sex_sql",
    "region_expr",
]

DEATH_FIELDS = ("id", "sex", "birth_date", "age", "death_date", "region", "icd10")
ERR_COLUMNS = ("e_id", "e_sex", "e_birth_date", "e_age", "e_death_date", "e_region", "e_icd10")
MAX_AGE = 130

# Sex: female/male (F/M, 2/1), or a registry's explicit "not stated": 'unknown', 'U' or 9 (the
# WHO Mortality Database code for unspecified sex). Such a record is kept and counted by the
# unknown_age_sex rule; a blank cell stays an error (a file that lost its sex column must not
# pass as "sex unknown").
_SEX_SQL = """CASE lower(trim({c}))
    WHEN 'female' THEN 'female' WHEN 'f' THEN 'female' WHEN '2' THEN 'female'
    WHEN 'male' THEN 'male' WHEN 'm' THEN 'male' WHEN '1' THEN 'male'
    WHEN 'unknown' THEN 'unknown' WHEN 'u' THEN 'unknown' WHEN '9' THEN 'unknown' END"""
# Age: completed years, or an explicit 'unknown' / 'U' when the registration does not give it.
_AGE_UNKNOWN = "('unknown', 'u')"
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
# ICD-10 code: a letter, two digits, then optionally a dot and one or two digits (I21.9, I219).
_ICD10 = r"^[A-Z]\d{2}(\.?\d{1,2})?$"
# A number as DuckDB's try_cast to INTEGER reads it (sign, decimals, exponent), for Spark.
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


@dataclass(frozen=True)
class Dialect:
    """What differs between the engines' SQL (the table in the module's docstring)."""

    name: Literal["duckdb", "spark"]
    text: str
    cntrl: str

    def lit(self, value: str) -> str:
        """A string literal."""
        if self.name == "spark":
            return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        return "'" + value.replace("'", "''") + "'"

    def matches(self, expr: str, pattern: str) -> str:
        """True when the regular expression ``pattern`` matches somewhere in ``expr``."""
        if self.name == "spark":
            return f"({expr} RLIKE {self.lit(pattern)})"
        return f"regexp_matches({expr}, {self.lit(pattern)})"

    def to_int(self, expr: str) -> str:
        """A text as a whole number (NULL when it is none), rounding as DuckDB's try_cast."""
        if self.name == "spark":
            return (
                f"CASE WHEN {self.matches(expr, _NUMBER)} "
                f"THEN CAST(round(CAST({expr} AS DOUBLE)) AS INT) END"
            )
        return f"try_cast({expr} AS INTEGER)"

    def to_date(self, expr: str) -> str:
        """An ISO date text as a date (NULL when no such day exists)."""
        if self.name == "spark":
            return f"CAST({expr} AS DATE)"
        return f"try_cast({expr} AS DATE)"

    def years(self, birth: str, death: str) -> str:
        """Completed years from ``birth`` to ``death`` (birth <= death): the year difference,
        less one before the birthday, the last day of a month counting as the anniversary of a
        later day (29 Feb -> 28 Feb is a year). DuckDB's ``date_sub('year', b, d)`` gives the
        same (checked on 596,085 pairs of dates), at about twice the cost; one text for both
        engines."""
        return (
            f"(year({death}) - year({birth}) - CASE WHEN month({death}) < month({birth}) "
            f"OR (month({death}) = month({birth}) AND day({death}) < day({birth}) "
            f"AND {death} <> last_day({death})) THEN 1 ELSE 0 END)"
        )

    def today(self, today: date) -> str:
        """Today's date, as a literal (a view cannot take parameters)."""
        return f"DATE '{today.isoformat()}'"


DUCKDB = Dialect("duckdb", "VARCHAR", "[[:cntrl:]]")
SPARK = Dialect("spark", "STRING", r"\p{Cntrl}")


def region_expr(d: Dialect, default_region: str | None, column: str = "region") -> str:
    """The record's region text, or ``default_region`` (``--area``, a known code) when blank."""
    raw = f"nullif(trim(CAST({column} AS {d.text})), '')"
    if default_region is None:
        return raw
    return f"coalesce({raw}, {d.lit(default_region)})"


def _is_date(typ: str) -> bool:
    return typ.upper().startswith(("DATE", "TIMESTAMP"))


def date_expr(d: Dialect, col: str, typ: str) -> tuple[str, str]:
    """(value, error) SQL for a date column that may be typed DATE or text."""
    if _is_date(typ):
        return f"CAST({col} AS DATE)", "NULL"
    txt = f"trim(CAST({col} AS {d.text}))"
    iso = d.matches(txt, _ISO_DATE)
    value = f"CASE WHEN {iso} THEN {d.to_date(txt)} END"
    error = (
        f"CASE WHEN {col} IS NULL OR {txt} = '' THEN NULL "
        f"WHEN NOT {iso} THEN 'expected an ISO date YYYY-MM-DD' "
        f"WHEN {d.to_date(txt)} IS NULL THEN 'no such date on the calendar' END"
    )
    return value, error


def dv_sex_sql(d: Dialect, source_sql: str) -> str:
    """Each distinct sex text of the file (``raw``) and its normalised ``sex`` (NULL: wrong)."""
    return f"""SELECT raw, {_SEX_SQL.format(c="raw")} AS sex
        FROM (SELECT DISTINCT CAST(sex AS {d.text}) AS raw FROM {source_sql})"""


def dv_icd10_sql(d: Dialect, source_sql: str) -> str:
    """Each distinct cause text (``raw``), the code without its dot (``icd10``) and the reason
    it is wrong (``e_icd10``)."""
    return f"""SELECT raw, replace(icd, '.', '') AS icd10,
               CASE WHEN icd IS NULL OR icd = '' THEN 'an underlying cause is required'
                    WHEN NOT {d.matches("icd", _ICD10)}
                    THEN 'expected an ICD-10 code such as I21.9 or I219' END AS e_icd10
        FROM (SELECT raw, upper(trim(raw)) AS icd FROM
              (SELECT DISTINCT CAST(icd10 AS {d.text}) AS raw FROM {source_sql}))"""


def dv_region_sql(d: Dialect, source_sql: str, default_region: str | None) -> str:
    """Each distinct region text (``raw``), the text used (``region_raw``: ``--area`` when
    blank) and the org unit it names (``code``, with its validity) in ``_region_lookup``."""
    return f"""SELECT v.region AS raw, v.region_raw, r.code, r.valid_from, r.valid_to
        FROM (SELECT region, {region_expr(d, default_region)} AS region_raw FROM
              (SELECT DISTINCT CAST(region AS {d.text}) AS region FROM {source_sql})) v
        LEFT JOIN _region_lookup r ON r.key = v.region_raw"""


def detail_sql(
    d: Dialect,
    source_sql: str,
    columns: dict[str, str],
    today: date,
    *,
    id_chars: bool = True,
    keys: tuple[str, str] = ("rid", "cid"),
    carry: dict[str, str] | None = None,
    dv: str = "_dv",
) -> str:
    """Every record of ``source_sql`` normalised, with ``e_<field>``: the reason that field is
    wrong, or NULL. Reads the distinct-value relations ``_dv_sex``, ``_dv_region`` and
    ``_dv_icd10`` (:func:`dv_sex_sql` ...; ``dv``: another prefix than ``_dv``, so that each
    file's view reads its own). Without ``id_chars`` a control character in the id
    is not looked for (DuckDB looks for it in blocks of ids at once). ``keys``: the region's and
    the cause's columns returned: the DuckDB store's dictionary ids ``rid``, ``cid`` or the
    texts ``region``, ``icd10``.

    The age of a record is ``floor`` of the completed years from birth_date to death_date
    when both are given (an age given as well must equal it), else the age given.
    """
    has_birth = "birth_date" in columns
    has_age = "age" in columns
    death_value, death_error = date_expr(d, "death_date", columns["death_date"])
    # a typed date is never blank: no per-record text of it
    death_missing = (
        "death_date IS NULL"
        if _is_date(columns["death_date"])
        else f"death_date IS NULL OR trim(CAST(death_date AS {d.text})) = ''"
    )
    if has_birth:
        birth_value, birth_error = date_expr(d, "birth_date", columns["birth_date"])
    else:
        birth_value, birth_error = "CAST(NULL AS DATE)", "NULL"
    if has_age:
        age_txt = f"trim(CAST(age AS {d.text}))"
        age_given = d.to_int(age_txt)
        age_unknown = f"lower({age_txt}) IN {_AGE_UNKNOWN}"
        age_bad = (
            f"CASE WHEN age IS NULL OR {age_txt} = '' OR {age_unknown} THEN NULL "
            f"WHEN {age_given} IS NULL THEN 'expected completed years as a whole number' "
            f"WHEN {age_given} < 0 OR {age_given} > {MAX_AGE} "
            f"THEN 'expected an age from 0 to {MAX_AGE}' END"
        )
    else:
        age_given, age_bad, age_unknown = "CAST(NULL AS INTEGER)", "NULL", "false"
    region_key, code_key = keys
    t = d.text
    more = "".join(f"{expr} AS {name}, " for name, expr in (carry or {}).items())
    names = "".join(f"{name}, " for name in (carry or {}))
    return f"""
        WITH s AS (
            SELECT _row, {more}
                   nullif(trim(CAST(id AS {t})), '') AS id,
                   CAST(sex AS {t}) AS sex_raw, CAST(region AS {t}) AS region_text,
                   CAST(icd10 AS {t}) AS icd_text,
                   {death_value} AS death_date, {death_error} AS e_death_fmt,
                   {death_missing} AS death_missing,
                   {birth_value} AS birth_date, {birth_error} AS e_birth_date,
                   {age_given} AS age_given, {age_bad} AS e_age_fmt,
                   coalesce({age_unknown}, false) AS age_unknown
            FROM {source_sql}
        ), c AS (
            SELECT s.*, vs.sex, vr.region_raw, vr.code AS region, vr.valid_from, vr.valid_to,
                   {"vr.rid, vi.cid, " if keys == ("rid", "cid") else ""}vi.icd10, vi.e_icd10,
                   CASE WHEN s.birth_date IS NOT NULL AND s.death_date IS NOT NULL
                             AND s.birth_date <= s.death_date
                        THEN {d.years("s.birth_date", "s.death_date")} END AS age_from_dates
            FROM s
            LEFT JOIN {dv}_sex vs ON vs.raw IS NOT DISTINCT FROM s.sex_raw
            LEFT JOIN {dv}_region vr ON vr.raw IS NOT DISTINCT FROM s.region_text
            LEFT JOIN {dv}_icd10 vi ON vi.raw IS NOT DISTINCT FROM s.icd_text
        )
        SELECT _row, {names}id, sex, death_date, coalesce(age_from_dates, age_given) AS age,
               {region_key}, {code_key},
               CASE WHEN id IS NULL THEN 'a record id is required'
                    WHEN {"" if id_chars else "false AND "}{d.matches("id", d.cntrl)}
                    THEN 'the record id contains a control character (such as NUL or a tab)'
                    END AS e_id,
               CASE WHEN sex IS NULL THEN 'expected female or male (also F, M, 2, 1), or '
                    || 'unknown (also U, 9) when the registration does not state it' END AS e_sex,
               CASE WHEN e_birth_date IS NOT NULL THEN e_birth_date
                    WHEN birth_date IS NOT NULL AND death_date IS NOT NULL AND birth_date > death_date
                    THEN 'birth_date is after death_date' END AS e_birth_date,
               CASE WHEN e_age_fmt IS NOT NULL THEN e_age_fmt
                    WHEN birth_date IS NULL AND e_birth_date IS NULL AND age_given IS NULL
                         AND NOT age_unknown
                    THEN 'give birth_date or age (completed years), or unknown when the '
                         || 'registration does not state it'
                    WHEN age_from_dates IS NOT NULL AND age_given IS NOT NULL
                         AND age_from_dates <> age_given
                    THEN 'age does not match birth_date and death_date ('
                         || CAST(age_from_dates AS {t}) || ' completed years)'
                    WHEN age_from_dates > {MAX_AGE} THEN 'birth_date gives an age over {MAX_AGE}'
               END AS e_age,
               CASE WHEN death_missing THEN 'a death_date is required'
                    WHEN e_death_fmt IS NOT NULL THEN e_death_fmt
                    WHEN death_date > {d.today(today)} THEN 'death_date is in the future'
                    END AS e_death_date,
               CASE WHEN region_raw IS NULL THEN 'a region is required'
                    WHEN region IS NULL THEN 'unknown org unit: expected a code such as KZ-75'
                    WHEN death_date IS NOT NULL AND (death_date < valid_from OR death_date > valid_to)
                    THEN 'the region did not exist on the death_date (valid '
                         || coalesce(CAST(valid_from AS {t}), '...') || ' to '
                         || coalesce(CAST(valid_to AS {t}), 'today') || ')' END AS e_region,
               e_icd10
        FROM c
    """


def aggregate_sql(
    records_sql: str,
    *,
    keys: tuple[str, str] = ("region", "icd10"),
    dictionaries: tuple[str, str] | None = None,
    ranges: str = "cause_group_range",
    counted: bool = False,
) -> str:
    """Deaths by region x year x sex x age x cause group of the records ``records_sql``
    (columns ``death_date``, ``sex``, ``age`` and the region's and cause's ``keys``), joined to
    the cause groups' ICD-10 ranges ``ranges`` (``cause``, ``start3``, ``end3``).

    ``keys`` are texts (``region``, ``icd10``: Spark's records) or, with ``dictionaries``, ids
    into the tables named (``(rid, region)`` and ``(cid, icd10)``: the DuckDB store's
    ``death_region`` and ``death_code``), turned into texts on the counts, not on every record.

    With ``counted``, ``records_sql`` holds counts, not records: columns ``year`` (not
    ``death_date``) and ``n``, the records of that region, year, sex, age and cause (the
    aggregates-only import counts the records so, :mod:`salamat.store.death_aggregates`).

    Records without age, or with sex unknown, are left out (the ``unknown_age_sex`` rule counts
    them). The records are counted by region, year, sex, age and code first, the counts summed
    by category (3 characters of the code), and only these few thousand counts meet the range
    join; a death counts once in every group whose ranges contain its category:
    deaths(r, y, s, a, g) = #{records i: region_i = r, year(death_date_i) = y, sex_i = s,
    age_i = a, left(icd10_i, 3) within a range of g}.

    The one definition of the aggregation (issue 16): the DuckDB store's re-aggregation
    (:func:`salamat.store.records.reaggregate`), its approved view and the Spark engine all run
    this text.
    """
    region_key, code_key = keys
    if dictionaries:
        regions, codes = dictionaries
        joins = (
            f"JOIN {regions} dr ON dr.rid = c.{region_key} JOIN {codes} dc ON dc.cid = c.{code_key}"
        )
        region, icd10 = "dr.region", "dc.icd10"
    else:
        joins, region, icd10 = "", f"c.{region_key}", f"c.{code_key}"
    year, n = ("year", "sum(n)") if counted else ("year(death_date)", "count(*)")
    return f"""
        WITH code AS (
            SELECT {region_key}, {year} AS year, sex, age, {code_key}, {n} AS n
            FROM {records_sql}
            WHERE age IS NOT NULL AND sex IN ('female', 'male')
            GROUP BY {region_key}, {year}, sex, age, {code_key}
        ), cat AS (
            SELECT {region} AS region, c.year, c.sex, c.age, left({icd10}, 3) AS icd3,
                   sum(c.n) AS n
            FROM code c {joins}
            GROUP BY {region}, c.year, c.sex, c.age, left({icd10}, 3)
        )
        SELECT c.region, c.year, c.sex, c.age, g.cause, CAST(sum(c.n) AS BIGINT) AS deaths
        FROM cat c JOIN {ranges} g ON c.icd3 BETWEEN g.start3 AND g.end3
        GROUP BY c.region, c.year, c.sex, c.age, g.cause
    """
