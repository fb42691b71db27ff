"""Series rules: quality flags on stored observations, in DuckDB SQL.

The rules and their thresholds are data (``data/quality/rules.csv``, documented in
``docs/quality.md``):

* ``yoy_outlier``: the year-on-year change of a series against the changes of the same series
  before it. Change ``c_t = ln(v_t / v_t-1)`` for indicators whose catalogue trend is
  ``log_linear`` or ``logit``, else ``v_t - v_t-1``; modified z-score ``M = 0.6745 (c_t - median) / MAD``
  over the earlier changes only (Iglewicz & Hoaglin 1993; the same score as DHIS2's outlier
  detection), flagged when ``|M| > k`` (3.5) and the change also exceeds the indicator's floor
  (``|v_t - v_t-1| > floor_abs`` and/or ``|v_t / v_t-1 - 1| > floor_rel``).
  Changes into or out of a shock year (2020, 2021) are neither tested nor used as history; a
  series needs ``min_history`` (5) earlier changes to be tested. A MAD of zero (a flat
  history) makes any change that differs from the median exceed ``k``: the floor decides.
* ``source_break``: what reads as one series changes source (one source's values end the year
  before another's begin, for the same indicator, area and disaggregation), or its unit changes
  within one source.
* ``source_disagreement``: the same indicator, area, period and disaggregation from two sources
  differ by more than a tolerance (absolute where the rules give one, else relative to the
  mean of the two values).
* ``peer_outlier``: a value far from its peers' in the same period, source and disaggregation
  (countries: the OTS members and observers; a region: the other units under the same
  parent), modified z-score across peers, ``|M| > k`` with at least ``min_peers`` peers (and,
  where the rules give one, more than ``floor_abs`` from the peers' median). Consecutive
  periods outside on the same side are one lasting difference, flagged on its first period with
  its length in the message. Indicators in ``skip_indicators`` (age-specific ``mx``) and counts
  are not compared. ``yoy_outlier`` tests population on all-age totals only (``ages``).
* ``revision``: a value changed on re-import (recorded when it happens, never recomputed).

Projections are not observations: a value whose source, vintage or note says projection
(:func:`salamat.ingest.canonical.is_projection`, the test the import applies to future periods)
is left out of ``yoy_outlier``, ``source_break`` (so the jump-off from estimates to a projection
is no break), ``source_disagreement``, ``peer_outlier`` and ``consistency_over_time``; the unit
check of ``source_break`` and ``related_indicators`` (an order that no figure of one publisher
may break) still read them.

Every function here runs inside the caller's transaction when there is one.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from salamat.ingest.canonical import is_projection
from salamat.store.connection import Store
from salamat.store.quality.table import (
    _KEY,
    _SERIES,
    FLAG_COLUMNS,
    RuleSet,
    _count,
    merge_flags,
    rule_set,
)

__all__ = ["OBSERVATION_RULES", "recompute_flags", "record_revisions"]

OBSERVATION_RULES = (
    "yoy_outlier",
    "source_break",
    "source_disagreement",
    "peer_outlier",
    "consistency_over_time",
    "related_indicators",
)

# -- computing flags ----------------------------------------------------------------------


def recompute_flags(
    store: Store, indicators: Sequence[str] | None = None, *, import_id: int | None = None
) -> int:
    """Replace the observation-rule flags of ``indicators`` (None: all) with fresh ones.

    Must run inside the caller's transaction (an import's, or ``salamat flags --recompute``'s)
    so that values and their flags are committed together. Returns the number of flags stored.
    """
    con = store.con
    codes = (
        [str(r[0]) for r in con.execute("SELECT code FROM data_element").fetchall()]
        if indicators is None
        else sorted(set(indicators))
    )
    if not codes:
        return 0
    _stage_parameters(store, codes)
    _stage_observed(store)
    marks = ", ".join("?" for _ in OBSERVATION_RULES)
    try:
        scope = (
            f"(rule IN ({marks}) AND indicator IN (SELECT indicator FROM _qp)) OR "
            "(rule = 'related_indicators' AND indicator IN "
            "(SELECT a FROM _qrel WHERE b IN (SELECT indicator FROM _qp) "
            "UNION SELECT b FROM _qrel WHERE a IN (SELECT indicator FROM _qp)))"
        )
        con.execute("CREATE OR REPLACE TEMP TABLE _qnew AS SELECT * FROM quality_flag LIMIT 0")
        rules = rule_set()
        for sql, severity in (
            (_YOY_SQL, rules.severity.get("yoy_outlier", "warning")),
            (_BREAK_SQL, rules.severity.get("source_break", "warning")),
            (_UNIT_BREAK_SQL, rules.severity.get("source_break", "warning")),
            (_DISAGREE_SQL, rules.severity.get("source_disagreement", "info")),
            (_PEER_SQL, rules.severity.get("peer_outlier", "info")),
            (_CONSISTENCY_SQL, rules.severity.get("consistency_over_time", "info")),
            (_RELATED_SQL, rules.severity.get("related_indicators", "warning")),
        ):
            con.execute(
                f"INSERT INTO _qnew ({', '.join(FLAG_COLUMNS)}) "
                f"SELECT rule, ?, {', '.join(_KEY)}, message, details, ? FROM ({sql})",
                [severity, import_id],
            )
        return merge_flags(store, scope, list(OBSERVATION_RULES), import_id)
    finally:
        con.execute("DROP VIEW IF EXISTS _qobs")
        for name in ("_qp", "_qshock", "_qrel", "_qnew", "_qproj"):
            con.execute(f"DROP TABLE IF EXISTS {name}")


def record_revisions(store: Store, frame: pd.DataFrame, import_id: int) -> int:
    """Flag the values of ``frame`` (a validated import) that change a stored value.

    Call inside the import's transaction, before the new values are written. A change larger
    than ``large_rel`` of the earlier value is a warning, any other change is info. Returns the
    number of flags recorded.
    """
    rules = rule_set()
    large = rules.number("revision", "large_rel") or 0.05
    con = store.con
    con.register("_staged_rev", frame)
    try:
        join = " AND ".join(f"o.{k} = s.{k}" for k in _KEY)
        # an earlier revision flag describes the value being replaced: it goes with it
        revised = (
            f"rule = 'revision' AND EXISTS (SELECT 1 FROM _staged_rev s JOIN observation o "
            f"ON {join} WHERE o.value IS DISTINCT FROM s.value AND "
            + " AND ".join(f"q.{k} = s.{k}" for k in _KEY)
            + ")"
        )
        con.execute(
            f"INSERT INTO quality_flag_version SELECT q.*, ? FROM quality_flag q WHERE {revised}",
            [import_id],
        )
        con.execute(f"DELETE FROM quality_flag q WHERE {revised}")
        before = _count(store)
        con.execute(
            f"""
            INSERT INTO quality_flag ({", ".join(FLAG_COLUMNS)})
            SELECT 'revision',
                   CASE WHEN abs(s.value - o.value) > ? * abs(o.value) THEN 'warning'
                        ELSE 'info' END,
                   {", ".join(f"s.{k}" for k in _KEY)},
                   printf('revised from %s to %s (import %d replaced import %d)',
                          CAST(o.value AS VARCHAR), CAST(s.value AS VARCHAR), ?, o.import_id),
                   CAST(to_json({{'old_value': o.value, 'new_value': s.value,
                                 'old_vintage': o.vintage, 'new_vintage': s.vintage,
                                 'old_import_id': o.import_id}}) AS VARCHAR),
                   ?
            FROM _staged_rev s JOIN observation o ON {join}
            WHERE o.value IS DISTINCT FROM s.value""",
            [large, import_id, import_id],
        )
        return _count(store) - before
    finally:
        con.unregister("_staged_rev")


def _stage_parameters(store: Store, codes: list[str]) -> None:
    """One row of rule parameters per indicator, as the temp table ``_qp`` the SQL joins."""
    rules = rule_set()
    info = {
        str(r[0]): (str(r[1] or ""), str(r[2] or ""), str(r[3] or ""))
        for r in store.con.execute("SELECT code, trend, unit, method FROM data_element").fetchall()
    }
    skip_methods = set((rules.get("peer_outlier", "skip_methods") or "").split(";"))
    skip_peer = {c.strip() for c in (rules.get("peer_outlier", "skip_indicators") or "").split(";")}
    rows = []
    for code in codes:
        trend, unit, method = info.get(code, ("", "", ""))
        # a probability with a logit trend (30q70) changes by ratios like a rate
        log_scale = trend in ("log_linear", "logit")
        floor_abs = _own(rules, "yoy_outlier", "floor_abs", code)
        floor_rel = _own(rules, "yoy_outlier", "floor_rel", code)
        if floor_abs is None and floor_rel is None:
            if unit.strip() in ("%", "percent"):
                floor_abs = rules.number("yoy_outlier", "floor_abs_if_unit_percent") or 5.0
            else:
                floor_rel = rules.number("yoy_outlier", "floor_rel") or 0.2
        tol_abs = _own(rules, "source_disagreement", "tolerance_abs", code)
        tol_rel = rules.number("source_disagreement", "tolerance_rel", code)
        rows.append(
            {
                "indicator": code,
                "log_scale": log_scale,
                "floor_abs": floor_abs,
                "floor_rel": floor_rel,
                "k": rules.number("yoy_outlier", "k", code) or 3.5,
                "min_history": int(rules.number("yoy_outlier", "min_history", code) or 5),
                "tol_abs": tol_abs,
                "tol_rel": tol_rel if tol_abs is None else None,
                "peer_k": rules.number("peer_outlier", "k", code) or 3.5,
                "min_peers": int(rules.number("peer_outlier", "min_peers", code) or 5),
                "peer_skip": method in skip_methods or code in skip_peer,
                "peer_floor_abs": _own(rules, "peer_outlier", "floor_abs", code),
                "yoy_totals_only": (rules.get("yoy_outlier", "ages", code) or "") == "all",
                "consistency_tol": _own(rules, "consistency_over_time", "tolerance_rel", code),
            }
        )
    frame = pd.DataFrame(rows).astype(
        {
            "floor_abs": "float64",
            "floor_rel": "float64",
            "tol_abs": "float64",
            "tol_rel": "float64",
            "consistency_tol": "float64",
            "peer_floor_abs": "float64",
        }
    )
    pairs: dict[tuple[str, str], dict[str, float | None]] = {}
    for rule, applies_to, name, value in rules.rows:
        if rule == "related_indicators" and applies_to.count(";") == 1:
            a, b = (x.strip() for x in applies_to.split(";"))
            spec = pairs.setdefault((a, b), {"tol_rel": None, "plus": None})
            if name == "a_le_b_rel_tol":
                spec["tol_rel"] = float(value)
            elif name == "a_le_b_plus":
                spec["plus"] = float(value)
    rel = pd.DataFrame(
        [{"a": a, "b": b, **spec} for (a, b), spec in pairs.items()]
        or [{"a": "", "b": "", "tol_rel": None, "plus": None}],
    ).astype({"tol_rel": "float64", "plus": "float64"})
    store.con.register("_qrel_frame", rel)
    try:
        store.con.execute("CREATE OR REPLACE TEMP TABLE _qrel AS SELECT * FROM _qrel_frame")
    finally:
        store.con.unregister("_qrel_frame")
    shock = [int(y) for y in (rules.get("yoy_outlier", "shock_years") or "").split(";") if y]
    store.con.register("_qp_frame", frame)
    try:
        store.con.execute("CREATE OR REPLACE TEMP TABLE _qp AS SELECT * FROM _qp_frame")
    finally:
        store.con.unregister("_qp_frame")
    store.con.execute(
        "CREATE OR REPLACE TEMP TABLE _qshock AS SELECT unnest(?::INTEGER[]) AS y", [shock or [-1]]
    )


def _stage_observed(store: Store) -> None:
    """The temp view ``_qobs``: the staged indicators' observations that are not projections.

    Which (source, vintage, note) say projection is decided in Python by the import's own test
    (:func:`salamat.ingest.canonical.is_projection`) over the distinct texts, staged as
    ``_qproj``; the view leaves their rows out.
    """
    con = store.con
    texts = con.execute(
        "SELECT DISTINCT source, coalesce(vintage, '') AS vintage, coalesce(note, '') AS note "
        "FROM observation WHERE indicator IN (SELECT indicator FROM _qp)"
    ).df()
    said = texts[is_projection(texts).to_numpy(dtype=bool)].reset_index(drop=True)
    con.register("_qproj_frame", said)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _qproj AS SELECT * FROM _qproj_frame")
    finally:
        con.unregister("_qproj_frame")
    con.execute(
        "CREATE OR REPLACE TEMP VIEW _qobs AS SELECT o.* FROM observation o "
        "WHERE NOT EXISTS (SELECT 1 FROM _qproj p WHERE p.source = o.source "
        "AND p.vintage = coalesce(o.vintage, '') AND p.note = coalesce(o.note, ''))"
    )


def _own(rules: RuleSet, rule: str, name: str, code: str) -> float | None:
    """The parameter the rules give for ``code`` itself (not the rule's default), or None."""
    text = rules.params.get((rule, code), {}).get(name)
    return None if text is None else float(text)


_PARTITION = ", ".join(_SERIES)

_YOY_SQL = f"""
WITH s AS (
    SELECT o.*, year(o.period_start) AS yr, q.log_scale, q.floor_abs, q.floor_rel, q.k,
           q.min_history
    FROM _qobs o JOIN _qp q ON q.indicator = o.indicator
    WHERE o.period_type = 'yearly' AND NOT (q.yoy_totals_only AND o.age <> 'all')
), c AS (
    SELECT *, lag(value) OVER w AS prev, lag(yr) OVER w AS prev_yr
    FROM s WINDOW w AS (PARTITION BY {_PARTITION} ORDER BY yr)
), ch AS (
    SELECT *, CASE WHEN log_scale THEN
                   CASE WHEN prev > 0 AND value > 0 THEN ln(value / prev) END
              ELSE value - prev END AS change
    FROM c
    WHERE prev IS NOT NULL AND prev_yr = yr - 1
      AND yr NOT IN (SELECT y FROM _qshock) AND prev_yr NOT IN (SELECT y FROM _qshock)
), st AS (
    SELECT *, median(change) OVER h AS med, mad(change) OVER h AS mad,
           count(change) OVER h AS n, min(prev_yr) OVER h AS since
    FROM ch WHERE change IS NOT NULL
    WINDOW h AS (PARTITION BY {_PARTITION} ORDER BY yr
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
), z AS (
    SELECT *, CASE WHEN mad > 0 THEN 0.6745 * (change - med) / mad END AS mz FROM st
    WHERE n >= min_history
)
SELECT 'yoy_outlier' AS rule, {", ".join(_KEY)},
       printf('%s in %d after %s in %d (%s): beyond the series'' own history (modified z %s, '
              'limit %s, over %d earlier changes since %d; floor %s)',
              CAST(value AS VARCHAR), yr, CAST(prev AS VARCHAR), prev_yr,
              CASE WHEN log_scale THEN printf('%+.1f%%', 100 * (value / prev - 1))
                   ELSE printf('%+.4g', value - prev) END,
              CASE WHEN mz IS NULL THEN 'infinite (no earlier variation)'
                   ELSE printf('%.1f', mz) END,
              CAST(k AS VARCHAR), n, since,
              CASE WHEN floor_abs IS NOT NULL THEN printf('%g', floor_abs)
                   ELSE printf('%g%%', 100 * floor_rel) END) AS message,
       CAST(to_json({{'value': value, 'previous': prev, 'previous_period': prev_yr,
                     'change': change, 'median': med, 'mad': mad, 'modified_z': mz,
                     'k': k, 'history': n, 'floor_abs': floor_abs,
                     'floor_rel': floor_rel}}) AS VARCHAR) AS details
FROM z
WHERE (mz IS NULL AND change <> med OR abs(mz) > k)
  AND (floor_abs IS NULL OR abs(value - prev) > floor_abs)
  AND (floor_rel IS NULL OR prev <> 0 AND abs(value / prev - 1) > floor_rel)
"""

_BREAK_SQL = """
WITH spans AS (
    SELECT o.indicator, o.area, o.sex, o.age, o.cause, o.residence, o.source,
           min(year(o.period_start)) AS first_yr, max(year(o.period_start)) AS last_yr,
           arg_min(o.period, o.period_start) AS first_period
    FROM _qobs o JOIN _qp q ON q.indicator = o.indicator
    WHERE o.period_type = 'yearly' GROUP BY ALL
)
SELECT 'source_break' AS rule, b.indicator, b.area, b.first_period AS period, b.sex, b.age,
       b.cause, b.residence, b.source,
       printf('the series changes source in %d: %s until %d, %s from %d',
              b.first_yr, a.source, a.last_yr, b.source, b.first_yr) AS message,
       CAST(to_json({'previous_source': a.source, 'previous_last_year': a.last_yr,
                     'first_year': b.first_yr}) AS VARCHAR) AS details
FROM spans b JOIN spans a
  ON a.indicator = b.indicator AND a.area = b.area AND a.sex = b.sex AND a.age = b.age
 AND a.cause = b.cause AND a.residence = b.residence
WHERE a.source <> b.source AND a.last_yr = b.first_yr - 1 AND a.first_yr < b.first_yr
"""

_UNIT_BREAK_SQL = f"""
WITH s AS (
    SELECT o.*, lag(o.unit) OVER w AS prev_unit, lag(o.period) OVER w AS prev_period
    FROM observation o JOIN _qp q ON q.indicator = o.indicator
    WINDOW w AS (PARTITION BY {", ".join("o." + c for c in _SERIES)}
                 ORDER BY o.period_start, o.period_end)
)
SELECT 'source_break' AS rule, {", ".join(_KEY)},
       printf('the unit changes in %s: %s until %s, %s from %s',
              period, prev_unit, prev_period, unit, period) AS message,
       CAST(to_json({{'previous_unit': prev_unit, 'unit': unit}}) AS VARCHAR) AS details
FROM s WHERE prev_unit IS NOT NULL AND unit IS NOT NULL AND prev_unit <> unit
"""

_DISAGREE_SQL = """
SELECT 'source_disagreement' AS rule, a.indicator, a.area, a.period, a.sex, a.age, a.cause,
       a.residence, a.source,
       printf('%s from %s, %s from %s: they differ by %s (%s)',
              CAST(a.value AS VARCHAR), a.source, CAST(b.value AS VARCHAR), b.source,
              printf('%.4g', abs(a.value - b.value)),
              CASE WHEN q.tol_abs IS NOT NULL THEN printf('tolerance %g', q.tol_abs)
                   ELSE printf('%.1f%% of their mean; tolerance %g%%',
                               200 * abs(a.value - b.value) / (abs(a.value) + abs(b.value)),
                               100 * q.tol_rel) END) AS message,
       CAST(to_json({'other_source': b.source, 'other_value': b.value, 'value': a.value,
                     'tolerance_abs': q.tol_abs, 'tolerance_rel': q.tol_rel}) AS VARCHAR)
           AS details
FROM _qobs a JOIN _qp q ON q.indicator = a.indicator
JOIN _qobs b
  ON b.indicator = a.indicator AND b.area = a.area AND b.period = a.period AND b.sex = a.sex
 AND b.age = a.age AND b.cause = a.cause AND b.residence = a.residence AND b.source <> a.source
WHERE CASE WHEN q.tol_abs IS NOT NULL THEN abs(a.value - b.value) > q.tol_abs
           ELSE abs(a.value - b.value) > q.tol_rel * (abs(a.value) + abs(b.value)) / 2 END
"""

_PEER_SQL = f"""
WITH peer AS (
    SELECT DISTINCT member AS area, 'the OTS countries' AS peer_group
    FROM orgunit_group WHERE group_code = 'OTS'
    UNION ALL
    SELECT code AS area, 'the units under ' || parent AS peer_group FROM orgunit
    WHERE kind IN ('region', 'city', 'district', 'facility') AND parent IS NOT NULL
), v AS (
    SELECT o.*, p.peer_group, q.peer_k, q.min_peers, q.log_scale, q.peer_floor_abs,
           CASE WHEN q.log_scale THEN CASE WHEN o.value > 0 THEN ln(o.value) END
                ELSE o.value END AS x
    FROM _qobs o JOIN _qp q ON q.indicator = o.indicator JOIN peer p ON p.area = o.area
    WHERE NOT q.peer_skip
), s AS (
    SELECT *, median(x) OVER g AS med, mad(x) OVER g AS mad, count(x) OVER g AS n,
           median(value) OVER g AS med_value
    FROM v WHERE x IS NOT NULL
    WINDOW g AS (PARTITION BY indicator, period, sex, age, cause, residence, source, peer_group)
), t AS (
    SELECT *, 0.6745 * (x - med) / mad AS mz,
           n - 1 >= min_peers AND mad > 0 AND abs(0.6745 * (x - med) / mad) > peer_k
           AND (peer_floor_abs IS NULL OR abs(value - med_value) > peer_floor_abs) AS outside
    FROM s
), r AS (
    -- runs of consecutive periods outside on the same side: a lasting difference is flagged
    -- where it begins, and the message says how long it lasts
    SELECT *, coalesce(outside, false) AS o, sign(coalesce(mz, 0)) AS side,
           row_number() OVER w - row_number() OVER (
               PARTITION BY {_PARTITION}, peer_group, coalesce(outside, false),
                            sign(coalesce(mz, 0))
               ORDER BY period_start, period_end) AS island
    FROM t WINDOW w AS (PARTITION BY {_PARTITION}, peer_group ORDER BY period_start, period_end)
), runs AS (
    SELECT *, count(*) OVER i AS run_length, max(period) OVER i AS run_last,
           row_number() OVER (PARTITION BY {_PARTITION}, peer_group, o, side, island
                              ORDER BY period_start, period_end) AS run_pos
    FROM r WINDOW i AS (PARTITION BY {_PARTITION}, peer_group, o, side, island)
)
SELECT 'peer_outlier' AS rule, {", ".join(_KEY)},
       printf('%s is far from %s in %s (median %s of %d values; modified z %.1f, limit %s)%s',
              CAST(value AS VARCHAR), peer_group, period, printf('%.4g', med_value), n,
              mz, CAST(peer_k AS VARCHAR),
              CASE WHEN run_length > 1
                   THEN printf('; %s in every one of the %d periods from %s to %s (a lasting '
                               'difference, flagged where it begins)',
                               CASE WHEN mz > 0 THEN 'above' ELSE 'below' END, run_length,
                               period, run_last)
                   ELSE '' END) AS message,
       CAST(to_json({{'peers': peer_group, 'median': med_value, 'count': n,
                     'modified_z': mz, 'k': peer_k, 'run_length': run_length,
                     'run_last_period': run_last}}) AS VARCHAR)
           AS details
FROM runs
WHERE o AND run_pos = 1
"""


_CONSISTENCY_SQL = f"""
WITH s AS (
    SELECT o.*, year(o.period_start) AS yr
    FROM _qobs o JOIN _qp q ON q.indicator = o.indicator
    WHERE o.period_type = 'yearly' AND q.consistency_tol IS NOT NULL
), w AS (
    SELECT *, avg(value) OVER h AS mean3, count(value) OVER h AS n3, min(yr) OVER h AS first3
    FROM s WINDOW h AS (PARTITION BY {_PARTITION} ORDER BY yr
                        ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING)
)
SELECT 'consistency_over_time' AS rule, w.indicator, w.area, w.period, w.sex, w.age, w.cause,
       w.residence, w.source,
       printf('%s in %d is %.2f times the mean of %d-%d (%s); outside 1 +/- %g (WHO DQR '
              'consistency over time)', CAST(value AS VARCHAR), yr, value / mean3, yr - 3,
              yr - 1, printf('%.4g', mean3), q.consistency_tol) AS message,
       CAST(to_json({{'value': value, 'mean_of_3_preceding': mean3, 'ratio': value / mean3,
                     'tolerance_rel': q.consistency_tol}}) AS VARCHAR) AS details
FROM w JOIN _qp q ON q.indicator = w.indicator
WHERE n3 = 3 AND first3 = yr - 3 AND mean3 > 0 AND abs(value / mean3 - 1) > q.consistency_tol
"""

_RELATED_SQL = """
WITH j AS (
    SELECT r.a, r.b, r.tol_rel, r.plus, x.area, x.period, x.sex, x.residence, x.source,
           x.age AS a_age, x.cause AS a_cause, x.value AS a_value,
           y.age AS b_age, y.cause AS b_cause, y.value AS b_value
    FROM _qrel r
    JOIN observation x ON x.indicator = r.a
    JOIN observation y ON y.indicator = r.b AND y.area = x.area AND y.period = x.period
     AND y.sex = x.sex AND y.residence = x.residence AND y.source = x.source
    WHERE (r.a IN (SELECT indicator FROM _qp) OR r.b IN (SELECT indicator FROM _qp))
      AND CASE WHEN r.plus IS NOT NULL THEN x.value > y.value + r.plus
               ELSE x.value > y.value * (1 + r.tol_rel) END
), msg AS (
    SELECT *, printf('%s = %s is above %s = %s%s (they cannot be in that order%s)',
                     a, CAST(a_value AS VARCHAR), b, CAST(b_value AS VARCHAR),
                     CASE WHEN plus IS NOT NULL THEN printf(' + %g', plus) ELSE '' END,
                     CASE WHEN plus IS NULL AND tol_rel > 0
                          THEN printf(' beyond a %g%% margin', 100 * tol_rel) ELSE '' END)
              AS message,
           CAST(to_json({'a': a, 'a_value': a_value, 'b': b, 'b_value': b_value,
                         'tolerance_rel': tol_rel, 'plus': plus}) AS VARCHAR) AS details
    FROM j
)
SELECT 'related_indicators' AS rule, a AS indicator, area, period, sex, a_age AS age,
       a_cause AS cause, residence, source, message, details FROM msg
UNION ALL
SELECT 'related_indicators' AS rule, b AS indicator, area, period, sex, b_age AS age,
       b_cause AS cause, residence, source, message, details FROM msg
"""
