"""Flags carried to computed values: the flags of their inputs, and ``input_flag`` on saved ones."""

from __future__ import annotations

import json

import pandas as pd

from salamat.store.connection import Store
from salamat.store.quality.deaths import DEATH_RULES
from salamat.store.quality.table import FLAG_COLUMNS, merge_flags

__all__ = ["INPUT_COLUMNS", "input_flags", "refresh_input_flags", "store_input_flags"]

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
    """Record what computed values being saved were computed from, and flag them.

    ``saved`` holds the saved values' key (``indicator, area, period, sex, source``) and
    ``inputs`` (per value, a list of input keys as in :func:`input_flags`: ``input``,
    ``indicator``, ``area``, ``period``, ``sex``, ``source``, ``records_only``). The inputs are
    kept in ``computed_input`` with ``import_id``, and the ``input_flag`` flags of every saved
    value are made those of its inputs (:func:`refresh_input_flags`). Call inside the
    transaction that writes the values. Returns the number of ``input_flag`` flags of the saved
    values.
    """
    rows = saved.loc[:, ["indicator", "area", "period", "sex", "source", "inputs"]].explode(
        "inputs", ignore_index=True
    )
    rows = rows[rows["inputs"].notna()]
    listed = pd.DataFrame(list(rows["inputs"]), columns=list(INPUT_COLUMNS[1:]))
    frame = pd.DataFrame(
        {
            "indicator": rows["indicator"].to_numpy(),
            "area": rows["area"].to_numpy(),
            "period": rows["period"].astype(str).to_numpy(),
            "sex": rows["sex"].to_numpy(),
            "source": rows["source"].to_numpy(),
            "input": listed["input"].to_numpy(),
            "input_indicator": listed["indicator"].to_numpy(),
            "input_area": listed["area"].to_numpy(),
            "input_period": listed["period"].astype(str).to_numpy(),
            "input_sex": listed["sex"].to_numpy(),
            "input_source": listed["source"].to_numpy(),
            "records_only": listed["records_only"].astype(bool).to_numpy(),
        }
    ).astype({"input_sex": object, "input_source": object})
    con = store.con
    con.register("_computed_inputs", frame)
    try:
        con.execute("INSERT INTO computed_input SELECT *, ? FROM _computed_inputs", [import_id])
    finally:
        con.unregister("_computed_inputs")
    refresh_input_flags(store, import_id)
    keys = saved.loc[:, ["indicator", "area", "period", "sex", "source"]].astype(str)
    con.register("_saved_keys", keys)
    try:
        rows_n = con.execute(
            "SELECT count(*) FROM quality_flag f JOIN _saved_keys k USING "
            "(indicator, area, period, sex, source) WHERE f.rule = 'input_flag'"
        ).fetchall()
    finally:
        con.unregister("_saved_keys")
    return int(rows_n[0][0]) if rows_n else 0


def refresh_input_flags(store: Store, import_id: int | None) -> int:
    """Make the ``input_flag`` flags of saved computed values those of their inputs now.

    A saved value's inputs are the ``computed_input`` rows of its latest save (the highest
    ``import_id`` for its key; the value must still be stored). Each flag of an input (found as
    :func:`input_flags` finds them, ``input_flag`` itself excepted) gives one ``input_flag``
    flag on the value, with the input's severity and a message naming the input and its own
    message. Merged like any rule's flags (:func:`~salamat.store.quality.table.merge_flags`):
    a flag whose input was unflagged since moves to ``quality_flag_version`` with
    ``import_id`` as ``superseded_by``, a new one carries ``import_id``. Values saved before
    their inputs were kept (schema 10) keep the flags they were saved with. Runs after every
    change of flags, inside the caller's transaction. Returns the number of ``input_flag``
    flags of values with known inputs.
    """
    con = store.con
    known = con.execute("SELECT count(*) FROM computed_input").fetchall()
    if not known or not known[0][0]:
        return 0
    marks = ", ".join(f"'{r}'" for r in DEATH_RULES)
    con.execute("CREATE OR REPLACE TEMP TABLE _qin AS SELECT * FROM quality_flag LIMIT 0")
    try:
        con.execute(
            f"""
            INSERT INTO _qin ({", ".join(FLAG_COLUMNS)})
            WITH c AS (
                SELECT * FROM computed_input
                QUALIFY import_id = max(import_id) OVER (
                    PARTITION BY indicator, area, period, sex, source)
            )
            SELECT 'input_flag', f.severity, c.indicator, c.area, c.period, c.sex, 'all', 'all',
                   'total', c.source,
                   printf('computed from a flagged input: %s: %s in %s: %s', c.input, f.rule,
                          CAST(TRY_CAST(substr(f.period, 1, 4) AS INTEGER) AS VARCHAR),
                          f.message),
                   CAST(to_json({{'input': c.input, 'code': f.rule,
                                 'year': TRY_CAST(substr(f.period, 1, 4) AS INTEGER),
                                 'severity': f.severity}}) AS VARCHAR),
                   ?
            FROM c
            JOIN observation o
              ON o.indicator = c.indicator AND o.area = c.area AND o.period = c.period
             AND o.sex = c.sex AND o.age = 'all' AND o.cause = 'all'
             AND o.residence = 'total' AND o.source = c.source
            JOIN quality_flag f
              ON f.indicator = c.input_indicator AND f.area = c.input_area
             AND f.period = c.input_period
             AND (c.input_sex IS NULL OR f.sex = c.input_sex)
             AND (c.input_source IS NULL OR f.source = c.input_source)
            WHERE f.rule <> 'input_flag'
              AND (NOT c.records_only OR f.rule IN ({marks})
                   OR (f.rule = 'completeness'
                       AND json_extract_string(f.details, '$.basis') = 'records'))""",
            [import_id],
        )
        scope = (
            "rule = 'input_flag' AND EXISTS (SELECT 1 FROM computed_input c "
            "WHERE c.indicator = q.indicator AND c.area = q.area AND c.period = q.period "
            "AND c.sex = q.sex AND c.source = q.source)"
        )
        return merge_flags(store, scope, [], import_id, new="_qin", inputs=False)
    finally:
        con.execute("DROP TABLE IF EXISTS _qin")
