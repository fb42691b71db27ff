"""Quality flags: rules that run over the store in DuckDB SQL and store what they find.

A flag never hides or changes a value: it is a row of ``quality_flag`` beside the value
(rule, severity, the value's key, a message a statistician can read, and the numbers behind it
as JSON in ``details``). The rules and their thresholds are data
(``data/quality/rules.csv``, documented in ``docs/quality.md``):

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

Every function here runs inside the caller's transaction when there is one.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from salamat.store.connection import Store

__all__ = [
    "DEATH_RULES",
    "FLAG_COLUMNS",
    "OBSERVATION_RULES",
    "RuleSet",
    "bounds",
    "flags_for",
    "flags_frame",
    "input_flags",
    "merge_flags",
    "recompute_death_flags",
    "recompute_flags",
    "record_revisions",
    "rule_set",
    "store_input_flags",
    "upsert_user_bounds",
]

FLAG_COLUMNS = (
    "rule",
    "severity",
    "indicator",
    "area",
    "period",
    "sex",
    "age",
    "cause",
    "residence",
    "source",
    "message",
    "details",
    "import_id",
)
# Rules recomputed from the stored observations (a revision is an event: kept, not recomputed).
OBSERVATION_RULES = (
    "yoy_outlier",
    "source_break",
    "source_disagreement",
    "peer_outlier",
    "consistency_over_time",
    "related_indicators",
)
_KEY = ("indicator", "area", "period", "sex", "age", "cause", "residence", "source")
_SERIES = ("indicator", "area", "sex", "age", "cause", "residence", "source")


@dataclass(frozen=True)
class RuleSet:
    """``rules.csv`` read: parameters by (rule, applies_to) and each rule's severity."""

    params: dict[tuple[str, str], dict[str, str]]
    severity: dict[str, str]
    rows: tuple[tuple[str, str, str, str], ...] = ()  # (rule, applies_to, parameter, value)

    def get(self, rule: str, name: str, indicator: str = "*") -> str | None:
        """The parameter for ``indicator`` if the rules name it, else the rule's default."""
        for key in ((rule, indicator), (rule, "*")):
            value = self.params.get(key, {}).get(name)
            if value is not None:
                return value
        return None

    def number(self, rule: str, name: str, indicator: str = "*") -> float | None:
        text = self.get(rule, name, indicator)
        return None if text is None else float(text)


@cache
def rule_set() -> RuleSet:
    """Read the bundled ``data/quality/rules.csv`` (once per process)."""
    ref = resources.files("salamat") / "data" / "quality" / "rules.csv"
    params: dict[tuple[str, str], dict[str, str]] = {}
    severity: dict[str, str] = {}
    rows: list[tuple[str, str, str, str]] = []
    with ref.open("r", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            rule = row["rule"].strip()
            rows.append(
                (rule, row["applies_to"].strip(), row["parameter"].strip(), row["value"].strip())
            )
            for target in row["applies_to"].split(";"):
                params.setdefault((rule, target.strip()), {})[row["parameter"].strip()] = row[
                    "value"
                ].strip()
            severity.setdefault(rule, row["severity"].strip())
    return RuleSet(params, severity, tuple(rows))


# -- bounds -------------------------------------------------------------------------------


def bounds(store: Store) -> dict[str, tuple[float | None, float | None, bool]]:
    """Plausible bounds per indicator: ``code -> (lower, upper, projection_ok)``."""
    rows = store.con.execute(
        "SELECT indicator, lower, upper, projection_ok FROM indicator_bound"
    ).fetchall()
    return {
        str(r[0]): (
            None if r[1] is None else float(r[1]),
            None if r[2] is None else float(r[2]),
            bool(r[3]),
        )
        for r in rows
    }


def upsert_user_bounds(
    store: Store, rows: Sequence[dict[str, Any]], import_id: int | None = None
) -> list[str]:
    """Set the bounds of user-added indicators (``salamat indicators --add``), origin 'user'.

    Each row: ``indicator``, ``lower``, ``upper`` (None for none), ``projection_ok``, ``basis``.
    Bounds identical to the stored ones are left alone; others replace them, the replaced row
    moving to ``indicator_bound_version`` with ``superseded_by`` = ``import_id`` (so an undo
    puts it back). Runs in the caller's transaction. Returns the indicators whose bounds it
    wrote.
    """
    if not rows:
        return []
    frame = pd.DataFrame(
        [
            {
                "indicator": r["indicator"],
                "lower": r.get("lower"),
                "upper": r.get("upper"),
                "projection_ok": bool(r.get("projection_ok")),
                "basis": r.get("basis"),
            }
            for r in rows
        ],
        columns=["indicator", "lower", "upper", "projection_ok", "basis"],
    ).astype({"lower": "float64", "upper": "float64"})
    con = store.con
    con.register("_bounds", frame)
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _bounds_changed AS SELECT n.* FROM _bounds n "
            "WHERE NOT EXISTS (SELECT 1 FROM indicator_bound b WHERE b.indicator = n.indicator "
            "AND b.lower IS NOT DISTINCT FROM n.lower AND b.upper IS NOT DISTINCT FROM n.upper "
            "AND b.projection_ok = n.projection_ok AND b.origin = 'user')"
        )
        if import_id is not None:
            con.execute(
                "INSERT INTO indicator_bound_version SELECT *, ? FROM indicator_bound "
                "WHERE indicator IN (SELECT indicator FROM _bounds_changed)",
                [import_id],
            )
        con.execute(
            "DELETE FROM indicator_bound WHERE indicator IN (SELECT indicator FROM _bounds_changed)"
        )
        con.execute(
            "INSERT INTO indicator_bound "
            "(indicator, lower, upper, projection_ok, basis, origin, import_id) "
            "SELECT indicator, lower, upper, projection_ok, basis, 'user', ? FROM _bounds_changed",
            [import_id],
        )
        written = con.execute("SELECT indicator FROM _bounds_changed ORDER BY 1").fetchall()
    finally:
        con.unregister("_bounds")
        con.execute("DROP TABLE IF EXISTS _bounds_changed")
    return [str(r[0]) for r in written]


# -- reading flags ------------------------------------------------------------------------


def flags_for(
    store: Store, indicator: str, area: str, sex: str = "total", source: str | None = None
) -> pd.DataFrame:
    """The flags on one indicator's series for one area and sex (optionally one source).

    Returns a DataFrame with columns ``rule, period, year, source, severity, message``
    (``year`` is the first calendar year of the period), ordered by period and rule; empty
    (with those columns) when no value is flagged.
    """
    where = "indicator = ? AND area = ? AND sex = ?"
    params: list[Any] = [indicator, area, sex]
    if source is not None:
        where += " AND source = ?"
        params.append(source)
    frame = store.con.execute(
        f"""
        SELECT rule, period, TRY_CAST(substr(period, 1, 4) AS INTEGER) AS year, source,
               severity, message
        FROM quality_flag WHERE {where}
        ORDER BY year, period, rule, source""",
        params,
    ).df()
    frame["year"] = frame["year"].astype("Int64")
    return frame


def flags_frame(
    store: Store,
    *,
    areas: Sequence[str] | None = None,
    indicator: str | None = None,
    rule: str | None = None,
) -> pd.DataFrame:
    """Every stored flag (optionally for some areas, one indicator, one rule), in key order."""
    where = ["true"]
    params: list[Any] = []
    if areas:
        where.append(f"area IN ({', '.join('?' for _ in areas)})")
        params.extend(areas)
    if indicator is not None:
        where.append("indicator = ?")
        params.append(indicator)
    if rule is not None:
        where.append("rule = ?")
        params.append(rule)
    return store.con.execute(
        f"""
        SELECT {", ".join(FLAG_COLUMNS)} FROM quality_flag WHERE {" AND ".join(where)}
        ORDER BY indicator, area, source, sex, age, cause, residence, period, rule""",
        params,
    ).df()


# -- flags carried to computed values ----------------------------------------------------

INPUT_COLUMNS = ("row", "input", "indicator", "area", "period", "sex", "source", "records_only")


def input_flags(store: Store, inputs: pd.DataFrame) -> pd.DataFrame:
    """The flags on the inputs of computed values, one row per computed value that has any.

    ``inputs`` has one row per (computed value, input): ``row`` (the computed value's position),
    ``input`` (what the input is, in words), and the input's key ``indicator, area, period``
    with ``sex`` and ``source`` (None: any) and ``records_only`` (only the flags of unit-record
    rules: the death-record rules and ``completeness`` on records). Returns ``row`` and
    ``flags``, a list of ``{code, year, severity, message, input}`` ordered by year, input and
    code; rows without flagged inputs are absent.
    """
    frame = inputs.loc[:, list(INPUT_COLUMNS)].astype({"row": "int64", "records_only": "bool"})
    if frame.empty:
        return pd.DataFrame({"row": pd.Series(dtype="int64"), "flags": pd.Series(dtype=object)})
    marks = ", ".join(f"'{r}'" for r in DEATH_RULES)
    store.con.register("_inputs", frame)
    try:
        found = store.con.execute(
            f"""
            SELECT i.row,
                   CAST(to_json(list({{'code': f.rule,
                          'year': TRY_CAST(substr(f.period, 1, 4) AS INTEGER),
                          'severity': f.severity, 'message': f.message, 'input': i.input}}
                        ORDER BY f.period, i.input, f.rule)) AS VARCHAR) AS flags
            FROM _inputs i JOIN quality_flag f
              ON f.indicator = i.indicator AND f.area = i.area AND f.period = i.period
             AND (i.sex IS NULL OR f.sex = i.sex) AND (i.source IS NULL OR f.source = i.source)
            WHERE NOT i.records_only OR f.rule IN ({marks})
               OR (f.rule = 'completeness'
                   AND json_extract_string(f.details, '$.basis') = 'records')
            GROUP BY i.row ORDER BY i.row"""
        ).df()
    finally:
        store.con.unregister("_inputs")
    return found.assign(flags=found["flags"].map(json.loads))


def store_input_flags(store: Store, saved: pd.DataFrame, import_id: int) -> int:
    """Record, as ``input_flag`` flags, the input flags of computed values being saved.

    ``saved`` holds the saved values' key (``indicator, area, period, sex, source``) and
    ``flags`` (lists from :func:`input_flags`). The earlier ``input_flag`` flags of those keys are
    replaced. Each flag keeps the input's severity, and its message names the input and the
    input's own message (as they stood when the value was saved). Call inside the transaction
    that writes the values. Returns the number of flags stored.
    """
    keys = saved.loc[:, ["indicator", "area", "period", "sex", "source"]].assign(
        flags=saved["flags"].map(lambda x: json.dumps([] if x is None else list(x)))
    )
    con = store.con
    con.register("_saved_flags", keys)
    try:
        earlier = """rule = 'input_flag' AND EXISTS (
                   SELECT 1 FROM _saved_flags s WHERE s.indicator = f.indicator
                   AND s.area = f.area AND s.period = f.period AND s.sex = f.sex
                   AND s.source = f.source)"""
        # replaced flags are kept with the import that replaced them (undo puts them back)
        con.execute(
            f"INSERT INTO quality_flag_version SELECT f.*, ? FROM quality_flag f WHERE {earlier}",
            [import_id],
        )
        con.execute(f"DELETE FROM quality_flag f WHERE {earlier}")
        before = _count(store)
        con.execute(
            f"""
            INSERT INTO quality_flag ({", ".join(FLAG_COLUMNS)})
            SELECT 'input_flag', x.severity, s.indicator, s.area, s.period, s.sex, 'all', 'all',
                   'total', s.source,
                   printf('computed from a flagged input: %s: %s in %s: %s',
                          x.input, x.code, CAST(x.year AS VARCHAR), x.message),
                   CAST(to_json({{'input': x.input, 'code': x.code, 'year': x.year,
                                 'severity': x.severity}}) AS VARCHAR),
                   ?
            FROM _saved_flags s,
                 unnest(from_json(s.flags, '[{{"code": "VARCHAR", "year": "INTEGER",
                        "severity": "VARCHAR", "message": "VARCHAR", "input": "VARCHAR"}}]'))
                 AS u(x)""",
            [import_id],
        )
        return _count(store) - before
    finally:
        con.unregister("_saved_flags")


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
        for name in ("_qp", "_qshock", "_qrel", "_qnew"):
            con.execute(f"DROP TABLE IF EXISTS {name}")


_SAME = " AND ".join(f"n.{c} IS NOT DISTINCT FROM q.{c}" for c in FLAG_COLUMNS[:-1])


def merge_flags(store: Store, scope: str, params: list[Any], import_id: int | None) -> int:
    """Make the flags in ``scope`` (a WHERE clause over ``quality_flag``) those of ``_qnew``.

    A flag found again (same rule, severity, value key, message and details) keeps its row and
    the import that first raised it; a flag no longer raised moves to ``quality_flag_version``
    with ``superseded_by`` = ``import_id`` (deleted when no import runs: ``salamat flags
    --recompute``); a new flag is stored with ``import_id``. So an undo can put back exactly
    the flags an import replaced, and a replaced value keeps the flags it had
    (:func:`salamat.store.revisions.flag_relation`). Returns the number of flags in ``scope``.
    """
    con = store.con
    gone = f"({scope}) AND NOT EXISTS (SELECT 1 FROM _qnew n WHERE {_SAME})"
    if import_id is not None:
        con.execute(
            f"INSERT INTO quality_flag_version SELECT q.*, ? FROM quality_flag q WHERE {gone}",
            [import_id, *params],
        )
    con.execute(f"DELETE FROM quality_flag q WHERE {gone}", params)
    con.execute(
        f"INSERT INTO quality_flag SELECT * FROM _qnew n WHERE NOT EXISTS "
        f"(SELECT 1 FROM quality_flag q WHERE ({scope}) AND {_SAME})",
        params,
    )
    rows = con.execute(f"SELECT count(*) FROM quality_flag WHERE {scope}", params).fetchall()
    return int(rows[0][0]) if rows else 0


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


def _count(store: Store) -> int:
    rows = store.con.execute("SELECT count(*) FROM quality_flag").fetchall()
    return int(rows[0][0]) if rows else 0


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


def _own(rules: RuleSet, rule: str, name: str, code: str) -> float | None:
    """The parameter the rules give for ``code`` itself (not the rule's default), or None."""
    text = rules.params.get((rule, code), {}).get(name)
    return None if text is None else float(text)


_PARTITION = ", ".join(_SERIES)

_YOY_SQL = f"""
WITH s AS (
    SELECT o.*, year(o.period_start) AS yr, q.log_scale, q.floor_abs, q.floor_rel, q.k,
           q.min_history
    FROM observation o JOIN _qp q ON q.indicator = o.indicator
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
    FROM observation o JOIN _qp q ON q.indicator = o.indicator
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
FROM observation a JOIN _qp q ON q.indicator = a.indicator
JOIN observation b
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
    FROM observation o JOIN _qp q ON q.indicator = o.indicator JOIN peer p ON p.area = o.area
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
    FROM observation o JOIN _qp q ON q.indicator = o.indicator
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

# -- death-record rules ---------------------------------------------------------------------

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
WITH codes AS (SELECT DISTINCT icd10 FROM death_record),
lv AS (
    SELECT c.icd10, min(g.level) AS level
    FROM codes c JOIN _gc_frame g
      ON c.icd10 >= g.start_n
     AND CASE WHEN length(g.end_n) = 3 THEN left(c.icd10, 3) <= g.end_n
              ELSE c.icd10 <= g.end_n END
    GROUP BY c.icd10
),
cells AS (
    SELECT region AS area, year, icd10, source, age IS NULL AS no_age,
           sex NOT IN ('female', 'male') AS no_sex, count(*) AS n
    FROM death_record GROUP BY ALL
    UNION ALL
    SELECT u.parent AS area, r.year, r.icd10, r.source, r.age IS NULL AS no_age,
           r.sex NOT IN ('female', 'male') AS no_sex, count(*) AS n
    FROM death_record r JOIN orgunit u ON u.code = r.region
    WHERE u.parent IS NOT NULL AND u.kind IN ('region', 'city')
    GROUP BY ALL
)
SELECT c.area, c.year, string_agg(DISTINCT c.source, '; ' ORDER BY c.source) AS source,
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
