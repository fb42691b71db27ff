"""Writing and reading the long observation table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from salamat.store.connection import Store

__all__ = ["OBSERVATION_COLUMNS", "UpsertCounts", "upsert_observations"]

_KEY = ("indicator", "area", "period", "sex", "age", "cause", "residence", "source")
_PAYLOAD = ("value", "lower", "upper", "unit", "vintage", "note")
OBSERVATION_COLUMNS = (
    "indicator, area, period, period_type, period_start, period_end, sex, age, cause, "
    "residence, value, lower, upper, unit, source, vintage, note, import_id, imported_at"
)


@dataclass(frozen=True)
class UpsertCounts:
    created: int
    updated: int
    unchanged: int


def upsert_observations(
    store: Store, frame: pd.DataFrame, import_id: int, imported_at: datetime, *, write: bool = True
) -> UpsertCounts:
    """Insert new keys, replace changed values, leave identical ones alone (idempotent).

    A replaced value is not lost: its row moves to ``observation_version`` with the import that
    replaced it (``superseded_by``, ``superseded_at``), so every vintage stays queryable and an
    import can be undone (:mod:`salamat.store.revisions`). Must run inside the caller's
    transaction. With ``write=False`` only counts (a dry run).
    """
    con = store.con
    con.register("_staged_obs", frame)
    try:
        join = " AND ".join(f"o.{k} = s.{k}" for k in _KEY)
        differs = " OR ".join(f"o.{c} IS DISTINCT FROM s.{c}" for c in _PAYLOAD)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _obs_delta AS
            SELECT s.*, CASE WHEN o.indicator IS NULL THEN 'created'
                             WHEN {differs} THEN 'updated' ELSE 'unchanged' END AS _action
            FROM _staged_obs s LEFT JOIN observation o ON {join}
        """)
        counts = dict(
            con.execute("SELECT _action, count(*) FROM _obs_delta GROUP BY _action").fetchall()
        )
        if write:
            cols = (
                "indicator, area, period, period_type, period_start, period_end, sex, age, "
                "cause, residence, value, lower, upper, unit, source, vintage, note"
            )
            if counts.get("updated", 0):
                keys = ", ".join(_KEY)
                con.execute(
                    f"""
                    INSERT INTO observation_version ({OBSERVATION_COLUMNS}, superseded_by,
                                                     superseded_at)
                    SELECT {", ".join(f"o.{c}" for c in OBSERVATION_COLUMNS.split(", "))}, ?, ?
                    FROM observation o SEMI JOIN (SELECT {keys} FROM _obs_delta
                                                  WHERE _action = 'updated') s ON {join}
                """,
                    [import_id, imported_at],
                )
            con.execute(
                f"""
                INSERT OR REPLACE INTO observation ({cols}, import_id, imported_at)
                SELECT {cols}, ?, ? FROM _obs_delta WHERE _action <> 'unchanged'
            """,
                [import_id, imported_at],
            )
        con.execute("DROP TABLE _obs_delta")
    finally:
        con.unregister("_staged_obs")
    return UpsertCounts(
        int(counts.get("created", 0)),
        int(counts.get("updated", 0)),
        int(counts.get("unchanged", 0)),
    )
