"""Plausible bounds per indicator (``indicator_bound``): read, and set for user-added indicators."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from salamat.store.connection import Store

__all__ = ["bounds", "upsert_user_bounds"]


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
