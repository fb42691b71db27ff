"""Flags carried to computed values: the flags of their inputs, and ``input_flag`` on saved ones."""

from __future__ import annotations

import json

import pandas as pd

from salamat.store.connection import Store
from salamat.store.quality.deaths import DEATH_RULES
from salamat.store.quality.table import FLAG_COLUMNS, _count

__all__ = ["INPUT_COLUMNS", "input_flags", "store_input_flags"]

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
