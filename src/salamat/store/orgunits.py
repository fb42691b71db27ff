"""Writing user org units (districts, facilities ...) and their aliases."""

from __future__ import annotations

import pandas as pd

from salamat.store.connection import Store
from salamat.store.records import RecordCounts

__all__ = ["bundled_codes", "upsert_orgunits"]

_COLS = (
    "code",
    "parent",
    "level",
    "kind",
    "name_en",
    "name_kk",
    "name_ru",
    "valid_from",
    "valid_to",
    "note",
)


def bundled_codes(store: Store) -> set[str]:
    return {
        r[0]
        for r in store.con.execute("SELECT code FROM orgunit WHERE origin = 'bundled'").fetchall()
    }


def upsert_orgunits(
    store: Store, units: pd.DataFrame, aliases: pd.DataFrame, *, write: bool
) -> RecordCounts:
    """Insert or update user org units (``origin = 'user'``) and their aliases.

    Must run inside the caller's transaction. Counts are of org units.
    """
    con = store.con
    con.register("_ou_new", units)
    try:
        compare = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in _COLS[1:])
        counts = dict(
            con.execute(f"""
            SELECT CASE WHEN o.code IS NULL THEN 'created' WHEN {compare} THEN 'updated'
                        ELSE 'unchanged' END, count(*)
            FROM _ou_new n LEFT JOIN orgunit o ON o.code = n.code GROUP BY 1""").fetchall()
        )
        if write:
            cols = ", ".join(_COLS)
            con.execute(
                f"INSERT OR REPLACE INTO orgunit ({cols}, origin) "
                f"SELECT {cols}, 'user' FROM _ou_new"
            )
            if len(aliases):
                con.register("_ou_alias", aliases)
                con.execute(
                    "INSERT OR REPLACE INTO orgunit_alias (alias, code, note, origin) "
                    "SELECT alias, code, note, 'user' FROM _ou_alias"
                )
                con.unregister("_ou_alias")
    finally:
        con.unregister("_ou_new")
    return RecordCounts(
        int(counts.get("created", 0)),
        int(counts.get("updated", 0)),
        int(counts.get("unchanged", 0)),
    )
