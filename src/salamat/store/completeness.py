"""Completeness of death registration: registered deaths against the deaths a reference schedule
expects, in DuckDB SQL (rule ``completeness`` of ``data/quality/rules.csv``).

For one area and year::

    completeness = 100 * registered / expected
    expected     = sum over sex s and age cell a of  P(s, a) * w(a, b) * m_ref(s, b)

where ``P`` is the population of the cell, ``m_ref`` the reference death rate of the age band
``b`` (UN WPP 2024 ``mx`` of the country; a region uses its country's schedule). Rates published
for periods (WPP: five years) are interpolated on the log scale between the periods' mid-points,
``ln m(t) = ln m_k + (t - t_k) / (t_k+1 - t_k) (ln m_k+1 - ln m_k)`` with ``t`` = year + 0.5 and
``t_k`` the mid-point of period ``k`` (held at the nearest period outside them), so that a year at
the edge of a period is not judged against the whole period's average. ``w(a, b)`` is the
share of the population cell's years that lie in band ``b`` (1 for single years of age inside a band; 1/5 and 4/5 for a population band 0-4
against the rate bands 0 and 1-4, i.e. the population is taken as spread evenly within its
band). An open population band (``85+``) is covered only by an open rate band that starts at or
below it. Sexes: a registered total uses the female and male cells when the population has both
(else the both-sexes cells with the both-sexes rates); a registered female or male count uses
that sex.

Two kinds of registered deaths are checked:

* unit records (``death_record``): every record of a region and year, and of the country (the
  sum of its regions), against the unit-record ``population`` (the exposures of every rate
  computed from those records). A region-year imported with ``--engine spark`` or
  ``--aggregates-only`` keeps no records, only its aggregates: its registered deaths are the
  records counted in it at import (``death_aggregate_cell.records``: every record kept, unknown
  age or sex included, as ``count(*)`` of ``death_record``), under its import's source, so that
  it is judged as the same records imported with the default engine would be;
* aggregate series (observations of ``deaths``, all ages and causes, yearly) against the
  observations of ``population`` by age of the same area and year (one source: the first by
  name when there are several). Series that are themselves model estimates (sources matching
  ``registered_sources_exclude``, e.g. UN WPP's own deaths) are not registrations and are not
  checked.

Thresholds (Mathers et al. 2005, Bull World Health Organ 83(3):171-177): below 90% is a
warning, below 70% serious; above 110% a warning (project choice). Not judged below
``min_expected_deaths``. An area-year that cannot be checked (no population by age, no reference
schedule for the year, ages the schedule does not cover) is listed, with the reason, in the
notes this module returns for the import summary; it is never skipped silently.
"""

from __future__ import annotations

from typing import Any

from salamat.store.connection import Store
from salamat.store.quality import FLAG_COLUMNS, merge_flags, rule_set

__all__ = ["COMPLETENESS_INDICATORS", "recompute_completeness"]

# Observation imports of these indicators can change a completeness judgement.
COMPLETENESS_INDICATORS = frozenset({"deaths", "population", "mx"})

_BAND = r"^\d+(-\d+|\+)?$"


def _lo(col: str) -> str:
    return f"CAST(regexp_extract({col}, '^(\\d+)', 1) AS INTEGER)"


def _hi(col: str) -> str:
    """The first age after the band (NULL for an open band): '1-4' -> 5, '0' -> 1, '85+' -> NULL."""
    return (
        f"CASE WHEN {col} LIKE '%+' THEN NULL "
        f"WHEN {col} LIKE '%-%' THEN CAST(regexp_extract({col}, '-(\\d+)$', 1) AS INTEGER) + 1 "
        f"ELSE {_lo(col)} + 1 END"
    )


def recompute_completeness(
    store: Store, *, import_id: int | None = None, max_notes: int = 10
) -> tuple[int, list[str]]:
    """Replace the ``completeness`` flags; return (flags stored, notes for the summary).

    The notes say how many area-years were assessed (with the range of completeness found)
    and which could not be, with the reason (at most ``max_notes`` named, then a count). Must
    run inside the caller's transaction.
    """
    rules = rule_set()

    def num(name: str, default: float) -> float:
        value = rules.number("completeness", name, "deaths")
        return default if value is None else value

    reference = rules.get("completeness", "reference_source", "deaths") or "UN WPP 2024"
    exclude = [
        p.strip()
        for p in (rules.get("completeness", "registered_sources_exclude", "deaths") or "").split(
            ";"
        )
        if p.strip()
    ]
    con = store.con
    # the flags found are merged (salamat.store.quality.merge_flags): one found again keeps
    # the import that first raised it, one no longer found is kept as replaced by this import
    con.execute("CREATE OR REPLACE TEMP TABLE _qnew AS SELECT * FROM quality_flag LIMIT 0")
    params: dict[str, Any] = {
        "reference": reference,
        "exclude": exclude or ["\x00"],
        "import_id": import_id,
        "min_expected": num("min_expected_deaths", 100),
        "warn_below": num("warning_below_pct", 90),
        "serious_below": num("serious_below_pct", 70),
        "warn_above": num("warning_above_pct", 110),
        "shock": [
            int(y)
            for y in (rules.get("completeness", "shock_years", "deaths") or "").split(";")
            if y.strip()
        ]
        or [-1],
    }
    try:
        for sql in _STATEMENTS:
            con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
        stored = merge_flags(store, "rule = 'completeness'", [], import_id)
        notes = _notes(store, params["min_expected"], reference, max_notes)
    finally:
        for name in ("_cmx", "_cpop", "_creg", "_cres", "_qnew"):
            con.execute(f"DROP TABLE IF EXISTS {name}")
    return stored, notes


def _notes(store: Store, min_expected: float, reference: str, max_notes: int) -> list[str]:
    con = store.con
    head = con.execute(
        """SELECT count(*) FILTER (WHERE reason IS NULL AND expected >= $m),
                  min(pct) FILTER (WHERE reason IS NULL AND expected >= $m),
                  max(pct) FILTER (WHERE reason IS NULL AND expected >= $m),
                  count(*) FILTER (WHERE reason IS NOT NULL OR expected < $m)
           FROM _cres""",
        {"m": min_expected},
    ).fetchall()[0]
    assessed, low, high, missing = int(head[0] or 0), head[1], head[2], int(head[3] or 0)
    if not assessed and not missing:
        return []
    notes = []
    if assessed:
        notes.append(
            f"completeness of death registration (registered / expected from population and "
            f"{reference} death rates): assessed for {assessed} area-year(s), "
            f"{low:.1f}% to {high:.1f}%"
        )
    if missing:
        rows = con.execute(
            """SELECT area, year, sex, source,
                      coalesce(reason, printf('%.0f expected deaths, fewer than %d', expected,
                                              CAST($m AS INTEGER))) AS why
               FROM _cres WHERE reason IS NOT NULL OR expected < $m
               ORDER BY area, year, sex, source LIMIT $n""",
            {"m": min_expected, "n": max_notes},
        ).fetchall()
        named = "; ".join(
            f"{a} {y}{'' if s == 'total' else ' ' + s} ({src}): {why}" for a, y, s, src, why in rows
        )
        more = f"; and {missing - len(rows)} more" if missing > len(rows) else ""
        notes.append(
            f"completeness of death registration not assessed for {missing} area-year(s): "
            f"{named}{more}"
        )
    return notes


_STAGE_SQL = f"""
CREATE OR REPLACE TEMP TABLE _cmx AS
WITH m AS (
    SELECT area AS country, sex, age, period, year(period_start) AS y0, year(period_end) AS y1,
           (year(period_start) + year(period_end) + 1) / 2.0 AS mid,
           {_lo("age")} AS lo, {_hi("age")} AS hi, value AS mx
    FROM observation
    WHERE indicator = 'mx' AND source = $reference AND cause = 'all' AND residence = 'total'
      AND regexp_matches(age, '{_BAND}')
    QUALIFY row_number() OVER (PARTITION BY area, sex, age, mid ORDER BY y1 - y0, period) = 1
), yrs AS (
    SELECT country, sex, age, any_value(lo) AS lo, any_value(hi) AS hi,
           unnest(range(min(y0), max(y1) + 1)) AS year
    FROM m GROUP BY country, sex, age
), t AS (SELECT *, year + 0.5 AS t FROM yrs)
SELECT t.country, t.sex, t.year, t.lo, t.hi,
       CASE WHEN a.mid IS NULL THEN b.mx
            WHEN b.mid IS NULL OR b.mid = a.mid THEN a.mx
            WHEN a.mx > 0 AND b.mx > 0
            THEN exp(ln(a.mx) + (t.t - a.mid) / (b.mid - a.mid) * (ln(b.mx) - ln(a.mx)))
            ELSE a.mx + (t.t - a.mid) / (b.mid - a.mid) * (b.mx - a.mx) END AS mx,
       CASE WHEN a.mid IS NULL THEN b.period
            WHEN b.mid IS NULL OR b.mid = a.mid THEN a.period
            ELSE a.period || ' and ' || b.period || ' (interpolated)' END AS period
FROM t
ASOF LEFT JOIN m a ON a.country = t.country AND a.sex = t.sex AND a.age = t.age AND t.t >= a.mid
ASOF LEFT JOIN m b ON b.country = t.country AND b.sex = t.sex AND b.age = t.age AND t.t <= b.mid
"""

_POP_SQL = f"""
CREATE OR REPLACE TEMP TABLE _cpop AS
WITH rp AS (
    SELECT region AS area, year, sex, age AS lo, CASE WHEN open_age THEN NULL ELSE age + 1 END
           AS hi, population AS pop, source
    FROM population
)
SELECT 'records' AS basis, area, year, sex, lo, hi, pop, source FROM rp
UNION ALL
SELECT 'records', u.parent, rp.year, rp.sex, rp.lo, rp.hi, sum(rp.pop ORDER BY rp.area),
       string_agg(DISTINCT rp.source, '; ' ORDER BY rp.source)
FROM rp JOIN orgunit u ON u.code = rp.area
WHERE u.parent IS NOT NULL AND u.kind IN ('region', 'city')
GROUP BY ALL
UNION ALL
SELECT * FROM (
    SELECT 'observations', area, year(period_start) AS year, sex, {_lo("age")}, {_hi("age")},
           value, source
    FROM observation
    WHERE indicator = 'population' AND period_type = 'yearly' AND cause = 'all'
      AND residence = 'total' AND regexp_matches(age, '{_BAND}')
    QUALIFY dense_rank() OVER (PARTITION BY area, year(period_start) ORDER BY source) = 1
)
"""

_REG_SQL = """
CREATE OR REPLACE TEMP TABLE _creg AS
WITH ri AS (
    SELECT region AS area, year, import_id, count(*) AS n FROM death_record GROUP BY ALL
    UNION ALL
    -- region-years imported as aggregates (--engine spark): the records Spark counted
    SELECT region, year, import_id, records FROM death_aggregate_cell
), r AS (
    -- the records' source is their import's
    SELECT ri.area, ri.year, sum(ri.n) AS n,
           string_agg(DISTINCT s.source, '; ' ORDER BY s.source) AS source
    FROM ri LEFT JOIN (SELECT import_id, source FROM death_record_source
                       UNION ALL SELECT import_id, source FROM death_aggregate_import) s
      ON s.import_id = ri.import_id
    GROUP BY ALL
), nat AS (
    -- a country from its regions' records; 'gaps' counts regions with records but no population
    SELECT u.parent AS area, r.year, sum(r.n) AS n,
           string_agg(DISTINCT r.source, '; ' ORDER BY r.source) AS source,
           count(*) FILTER (WHERE NOT EXISTS (
               SELECT 1 FROM population p WHERE p.region = r.area AND p.year = r.year)) AS gaps
    FROM r JOIN orgunit u ON u.code = r.area
    WHERE u.parent IS NOT NULL AND u.kind IN ('region', 'city')
    GROUP BY ALL
)
SELECT 'records' AS basis, area, year, CAST(year AS VARCHAR) AS period, 'total' AS sex,
       n::DOUBLE AS registered, source, 0 AS gaps FROM r
UNION ALL
SELECT 'records', area, year, CAST(year AS VARCHAR), 'total', n::DOUBLE, source, gaps FROM nat
UNION ALL
SELECT 'observations', area, year(period_start), period, sex, value, source, 0
FROM observation
WHERE indicator = 'deaths' AND period_type = 'yearly' AND age = 'all' AND cause = 'all'
  AND residence = 'total' AND sex IN ('total', 'female', 'male')
  AND NOT list_bool_or([source LIKE p || '%' FOR p IN $exclude])
"""

_RESULT_SQL = """
CREATE OR REPLACE TEMP TABLE _cres AS
WITH reg AS (
    SELECT g.*, CASE WHEN u.kind = 'country' THEN g.area ELSE u.parent END AS country,
           coalesce(u.kind, '') AS kind
    FROM _creg g LEFT JOIN orgunit u ON u.code = g.area
), ps AS (
    SELECT basis, area, year, bool_or(sex = 'female') AND bool_or(sex = 'male') AS by_sex,
           string_agg(DISTINCT source, '; ' ORDER BY source) AS psource
    FROM _cpop GROUP BY ALL
), cells AS (
    SELECT reg.basis, reg.area, reg.year, reg.sex AS reg_sex, reg.source, reg.country,
           p.sex, p.lo, p.hi, p.pop
    FROM reg JOIN ps ON ps.basis = reg.basis AND ps.area = reg.area AND ps.year = reg.year
    JOIN _cpop p ON p.basis = reg.basis AND p.area = reg.area AND p.year = reg.year
     AND CASE WHEN reg.sex <> 'total' THEN p.sex = reg.sex
              WHEN ps.by_sex THEN p.sex IN ('female', 'male') ELSE p.sex = 'total' END
), w AS (
    -- each population cell against the reference bands it overlaps
    SELECT c.*, m.mx, m.period AS mx_period, m.lo AS mx_lo,
           CASE WHEN m.lo IS NULL THEN NULL
                WHEN c.hi IS NULL AND m.hi IS NULL THEN CASE WHEN c.lo >= m.lo THEN 1.0 END
                WHEN c.hi IS NULL THEN NULL
                WHEN m.hi IS NULL THEN (c.hi - greatest(c.lo, m.lo))::DOUBLE / (c.hi - c.lo)
                ELSE (least(c.hi, m.hi) - greatest(c.lo, m.lo))::DOUBLE / (c.hi - c.lo) END
               AS weight
    FROM cells c LEFT JOIN _cmx m
      ON m.country = c.country AND m.year = c.year AND m.sex = c.sex
     AND (m.hi IS NULL OR m.hi > c.lo) AND (c.hi IS NULL OR m.lo < c.hi)
), per_cell AS (
    -- sums of doubles in a fixed order (and sexes listed in order): the flag's details are
    -- then the same each time they are computed, on any store holding the same numbers
    -- (merge_flags keeps a flag found again only when its message and details are equal)
    SELECT basis, area, year, reg_sex, source, sex, lo, hi, any_value(pop) AS pop,
           sum(pop * mx * weight ORDER BY mx_lo) AS expected,
           count(mx) AS bands, bool_and(weight IS NOT NULL) AND abs(sum(weight) - 1) < 1e-9
               AS covered,
           min(mx_period) AS mx_period
    FROM w GROUP BY basis, area, year, reg_sex, source, sex, lo, hi
), per_key AS (
    SELECT basis, area, year, reg_sex, source, sum(expected ORDER BY sex, lo) AS expected,
           count(*) FILTER (WHERE bands = 0) AS no_rate,
           count(*) FILTER (WHERE bands > 0 AND NOT covered) AS uncovered,
           arg_min(CASE WHEN hi IS NULL THEN lo || '+' ELSE lo || '-' || (hi - 1) END, lo)
               FILTER (WHERE bands > 0 AND NOT covered) AS first_uncovered,
           min(mx_period) AS mx_period, string_agg(DISTINCT sex, ';' ORDER BY sex) AS sexes
    FROM per_cell GROUP BY ALL
)
SELECT reg.basis, reg.area, reg.year, reg.period, reg.sex, reg.source, reg.country, reg.kind,
       reg.registered, k.expected, 100.0 * reg.registered / k.expected AS pct, k.mx_period,
       k.sexes, ps.psource,
       CASE WHEN reg.country IS NULL THEN 'not a country or a unit of one'
            WHEN reg.gaps > 0 THEN printf('%d of its regions have death records but no '
                                          'population that year', reg.gaps)
            WHEN ps.area IS NULL OR k.area IS NULL
            THEN printf('no population by age%s for that year',
                        CASE WHEN reg.sex = 'total' THEN '' ELSE ' for ' || reg.sex END)
            WHEN k.no_rate > 0 THEN printf('no %s death rates of %s (mx by age and sex) cover %d',
                                           $reference, reg.country, reg.year)
            WHEN k.uncovered > 0 THEN printf('the population''s age band %s is not covered by '
                                             'the reference schedule''s bands', k.first_uncovered)
       END AS reason
FROM reg
LEFT JOIN ps ON ps.basis = reg.basis AND ps.area = reg.area AND ps.year = reg.year
LEFT JOIN per_key k ON k.basis = reg.basis AND k.area = reg.area AND k.year = reg.year
 AND k.reg_sex = reg.sex AND k.source = reg.source
"""

_FLAGS_SQL = f"""
INSERT INTO _qnew ({", ".join(FLAG_COLUMNS)})
SELECT 'completeness',
       CASE WHEN list_contains($shock, year) THEN 'info'
            WHEN pct < $serious_below THEN 'serious' ELSE 'warning' END,
       'deaths', area, period, sex, 'all', 'all', 'total', source,
       printf('registered deaths (%s) are %.1f%% of the %s expected in %s %s from its population '
              '(%s) and %s death rates of %s %s%s (warning below %g%% or above %g%%, serious '
              'below %g%%; Mathers et al. 2005)',
              format('{{:,}}', CAST(round(registered) AS BIGINT)), pct,
              format('{{:,}}', CAST(round(expected) AS BIGINT)), area, period, psource,
              $reference, country, mx_period,
              CASE WHEN area <> country THEN ': the country''s schedule used for a region, whose '
                        'real mortality may differ, so read this with care' ELSE '' END ||
              CASE WHEN list_contains($shock, year)
                   THEN printf('; %d is a shock year (the pandemic): the gap may be real excess '
                               'mortality that a smooth reference schedule does not hold', year)
                   ELSE '' END,
              $warn_below, $warn_above, $serious_below),
       CAST(to_json({{'registered': registered, 'expected': expected, 'completeness_pct': pct,
                     'population_source': psource, 'reference': $reference,
                     'reference_area': country, 'reference_period': mx_period,
                     'sexes': sexes, 'basis': basis}}) AS VARCHAR),
       $import_id
FROM _cres
WHERE reason IS NULL AND expected >= $min_expected
  AND (pct < $warn_below OR pct > $warn_above)
"""

_STATEMENTS = (_STAGE_SQL, _POP_SQL, _REG_SQL, _RESULT_SQL, _FLAGS_SQL)
