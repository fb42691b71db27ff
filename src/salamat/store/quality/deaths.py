"""Death-record rules: ill-defined causes, garbage codes, unspecified injuries, unknown age or sex.

Computed in DuckDB SQL from the stored unit records, per region, nation and year, on indicator
``deaths`` (for region-years imported as aggregates with ``--engine spark``, from the deaths by
ICD-10 code that Spark counted with them, ``death_aggregate_code``: the same counts);
thresholds from ``data/quality/rules.csv`` (sources in ``docs/quality.md``).
"""

from __future__ import annotations

import csv
from importlib import resources

import pandas as pd

from salamat.store.connection import Store
from salamat.store.quality.table import FLAG_COLUMNS, merge_flags, rule_set

__all__ = ["DEATH_RULES", "recompute_death_flags"]

DEATH_RULES = ("ill_defined_share", "garbage_share", "injury_unspecified_share", "unknown_age_sex")


def recompute_death_flags(store: Store, *, import_id: int | None = None) -> int:
    """Replace the death-record flags (indicator ``deaths``, per region and nation and year).

    From the stored unit records: the share of ill-defined causes (ICD-10 R00-R99), of garbage
    codes by level (``data/quality/garbage_codes.csv``; levels 1-2 are "major") and of injury
    deaths of unspecified mechanism or intent (X59, Y10-Y34 among V01-Y89), each flagged above
    the thresholds of ``rules.csv`` and judged only on ``min_deaths`` or more deaths; and the
    share of records without age or sex (``unknown_age_sex``: any such record is at least an
    ``info`` flag, because the records are left out of the age-sex aggregates). Must run
    inside the caller's transaction. Returns the number of flags stored.
    """
    rules = rule_set()
    con = store.con
    ref = resources.files("salamat") / "data" / "quality" / "garbage_codes.csv"
    with ref.open("r", encoding="utf-8") as fh:
        codes = pd.DataFrame(
            [
                {
                    "start_n": r["start"].replace(".", "").strip(),
                    "end_n": r["end"].replace(".", "").strip(),
                    "level": int(r["level"]),
                }
                for r in csv.DictReader(fh)
            ]
        )
    marks = ", ".join("?" for _ in DEATH_RULES)
    con.execute("CREATE OR REPLACE TEMP TABLE _qnew AS SELECT * FROM quality_flag LIMIT 0")
    con.register("_gc_frame", codes)
    try:
        con.execute(_DEATH_COUNTS_SQL)
    finally:
        con.unregister("_gc_frame")

    def num(rule: str, name: str, default: float) -> float:
        value = rules.number(rule, name, "deaths")
        return default if value is None else value

    try:
        con.execute(
            _DEATH_FLAGS_SQL,
            {
                "import_id": import_id,
                "ill_min": num("ill_defined_share", "min_deaths", 100),
                "ill_warn": num("ill_defined_share", "warning_at_pct", 10),
                "ill_serious": num("ill_defined_share", "serious_above_pct", 20),
                "gc_min": num("garbage_share", "min_deaths", 100),
                "gc_warn": num("garbage_share", "warning_major_above_pct", 20),
                "gc_serious": num("garbage_share", "serious_major_above_pct", 35),
                "inj_min": num("injury_unspecified_share", "min_deaths", 100),
                "inj_warn": num("injury_unspecified_share", "warning_at_pct", 20),
                "unk_min": num("unknown_age_sex", "min_deaths", 100),
                "unk_warn": num("unknown_age_sex", "warning_above_pct", 1),
                "unk_serious": num("unknown_age_sex", "serious_above_pct", 5),
            },
        )
        return merge_flags(store, f"rule IN ({marks})", list(DEATH_RULES), import_id)
    finally:
        con.execute("DROP TABLE IF EXISTS _dcounts")
        con.execute("DROP TABLE IF EXISTS _qnew")


_DEATH_COUNTS_SQL = """
CREATE OR REPLACE TEMP TABLE _dcounts AS
WITH own AS (
    -- the source is the import's (death_record_source), joined after the records are counted
    SELECT region AS area, year, icd10, import_id, age IS NULL AS no_age,
           sex NOT IN ('female', 'male') AS no_sex, count(*) AS n
    FROM death_record GROUP BY ALL
    UNION ALL
    -- region-years imported as aggregates (--engine spark): the same counts, made by Spark
    SELECT region, year, icd10, import_id, no_age, no_sex, n FROM death_aggregate_code
),
codes AS (SELECT DISTINCT icd10 FROM own),
lv AS (
    SELECT c.icd10, min(g.level) AS level
    FROM codes c JOIN _gc_frame g
      ON c.icd10 >= g.start_n
     AND CASE WHEN length(g.end_n) = 3 THEN left(c.icd10, 3) <= g.end_n
              ELSE c.icd10 <= g.end_n END
    GROUP BY c.icd10
),
cells AS (
    -- a region's counts, and its country's from them (the records are read once)
    SELECT * FROM own
    UNION ALL
    SELECT u.parent AS area, o.year, o.icd10, o.import_id, o.no_age, o.no_sex, sum(o.n) AS n
    FROM own o JOIN orgunit u ON u.code = o.area
    WHERE u.parent IS NOT NULL AND u.kind IN ('region', 'city')
    GROUP BY ALL
)
SELECT c.area, c.year, string_agg(DISTINCT s.source, '; ' ORDER BY s.source) AS source,
       sum(c.n) AS n,
       sum(c.n) FILTER (WHERE left(c.icd10, 1) = 'R') AS ill,
       coalesce(sum(c.n) FILTER (WHERE lv.level = 1), 0) AS l1,
       coalesce(sum(c.n) FILTER (WHERE lv.level = 2), 0) AS l2,
       coalesce(sum(c.n) FILTER (WHERE lv.level = 3), 0) AS l3,
       coalesce(sum(c.n) FILTER (WHERE lv.level = 4), 0) AS l4,
       coalesce(sum(c.n) FILTER (WHERE left(c.icd10, 3) BETWEEN 'V01' AND 'Y89'), 0) AS ext,
       coalesce(sum(c.n) FILTER (WHERE left(c.icd10, 3) = 'X59'
                                  OR left(c.icd10, 3) BETWEEN 'Y10' AND 'Y34'), 0) AS unspec,
       coalesce(sum(c.n) FILTER (WHERE c.no_age OR c.no_sex), 0) AS unknown,
       coalesce(sum(c.n) FILTER (WHERE c.no_age), 0) AS no_age,
       coalesce(sum(c.n) FILTER (WHERE c.no_sex), 0) AS no_sex
FROM cells c LEFT JOIN lv ON lv.icd10 = c.icd10
LEFT JOIN (SELECT import_id, source FROM death_record_source
           UNION ALL SELECT import_id, source FROM death_aggregate_import) s
       ON s.import_id = c.import_id
GROUP BY c.area, c.year
"""

_DEATH_KEY = "'deaths', area, CAST(year AS VARCHAR), 'total', 'all', 'all', 'total', source"

_DEATH_FLAGS_SQL = f"""
INSERT INTO _qnew ({", ".join(FLAG_COLUMNS)})
SELECT 'ill_defined_share',
       CASE WHEN 100.0 * coalesce(ill, 0) / n > $ill_serious THEN 'serious' ELSE 'warning' END,
       {_DEATH_KEY},
       printf('ill-defined causes (ICD-10 R00-R99) are %.1f%% of %d deaths in %s %d '
              '(warning at %g%%, serious above %g%%; Mathers et al. 2005)',
              100.0 * coalesce(ill, 0) / n, n, area, year, $ill_warn, $ill_serious),
       CAST(to_json({{'deaths': n, 'ill_defined': coalesce(ill, 0),
                     'share_pct': 100.0 * coalesce(ill, 0) / n}}) AS VARCHAR),
       $import_id
FROM _dcounts WHERE n >= $ill_min AND 100.0 * coalesce(ill, 0) / n >= $ill_warn
UNION ALL
SELECT 'garbage_share',
       CASE WHEN 100.0 * (l1 + l2) / n > $gc_serious THEN 'serious' ELSE 'warning' END,
       {_DEATH_KEY},
       printf('major garbage codes (levels 1-2) are %.1f%% of %d deaths in %s %d '
              '(level 1 %.1f%%, 2 %.1f%%, 3 %.1f%%, 4 %.1f%%; warning above %g%%, serious above '
              '%g%%; garbage_codes.csv)',
              100.0 * (l1 + l2) / n, n, area, year, 100.0 * l1 / n, 100.0 * l2 / n,
              100.0 * l3 / n, 100.0 * l4 / n, $gc_warn, $gc_serious),
       CAST(to_json({{'deaths': n, 'level_1': l1, 'level_2': l2, 'level_3': l3, 'level_4': l4,
                     'major_share_pct': 100.0 * (l1 + l2) / n}}) AS VARCHAR),
       $import_id
FROM _dcounts WHERE n >= $gc_min AND 100.0 * (l1 + l2) / n > $gc_warn
UNION ALL
SELECT 'injury_unspecified_share', 'warning', {_DEATH_KEY},
       printf('unspecified injuries (X59, Y10-Y34) are %.1f%% of %d injury deaths in %s %d '
              '(warning at %g%%; Bhalla et al. 2010)',
              100.0 * unspec / ext, ext, area, year, $inj_warn),
       CAST(to_json({{'injury_deaths': ext, 'unspecified': unspec,
                     'share_pct': 100.0 * unspec / ext}}) AS VARCHAR),
       $import_id
FROM _dcounts WHERE ext >= $inj_min AND 100.0 * unspec / ext >= $inj_warn
UNION ALL
SELECT 'unknown_age_sex',
       CASE WHEN n < $unk_min THEN 'info'
            WHEN 100.0 * unknown / n > $unk_serious THEN 'serious'
            WHEN 100.0 * unknown / n > $unk_warn THEN 'warning' ELSE 'info' END,
       {_DEATH_KEY},
       printf('%d of %d death records in %s %d (%.2f%%) have no age or no sex (%d without age, '
              '%d without sex): they are left out of every rate computed from the records, '
              'which needs age and sex (warning above %g%%, serious above %g%%%s)',
              unknown, n, area, year, 100.0 * unknown / n, no_age, no_sex, $unk_warn,
              $unk_serious,
              CASE WHEN n < $unk_min THEN printf('; not judged on fewer than %d deaths',
                                                 CAST($unk_min AS INTEGER))
                   ELSE '' END),
       CAST(to_json({{'deaths': n, 'unknown': unknown, 'no_age': no_age, 'no_sex': no_sex,
                     'share_pct': 100.0 * unknown / n}}) AS VARCHAR),
       $import_id
FROM _dcounts WHERE unknown > 0
"""
