"""Catalogue rows keyed by ``code`` whose replaced versions are kept for undo.

Indicator definitions (``data_element``), targets (``target``) and policy events
(``policy_event``) are added the same way: a row identical to the stored one is left alone; one
that differs replaces it, and the replaced row moves to ``<table>_version`` with
``superseded_by`` = the import id, so that undoing the import puts it back
(:mod:`salamat.store.revisions`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from salamat.store.connection import Store

__all__ = ["upsert_by_code"]


def upsert_by_code(
    store: Store,
    table: str,
    frame: pd.DataFrame,
    compared: Sequence[str],
    import_id: int,
) -> tuple[int, int, list[str]]:
    """Write ``frame``'s rows into ``table`` in the caller's transaction; returns (created,
    updated, the codes left unchanged, sorted).

    ``compared``: the columns that make two rows the same (``IS NOT DISTINCT FROM``); every
    column of ``frame`` is written.
    """
    cols = ", ".join(str(c) for c in frame.columns)
    same = " AND ".join(f"t.{c} IS NOT DISTINCT FROM n.{c}" for c in compared)
    new, changed = f"_{table}_new", f"_{table}_changed"
    con = store.con
    con.register(new, frame)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {changed} AS SELECT n.* FROM {new} n "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.code = n.code AND {same})"
        )
        n_changed, updated = con.execute(
            f"SELECT (SELECT count(*) FROM {changed}), (SELECT count(*) FROM {table} "
            f"WHERE code IN (SELECT code FROM {changed}))"
        ).fetchall()[0]
        kept = [
            str(r[0])
            for r in con.execute(
                f"SELECT code FROM {new} WHERE code NOT IN (SELECT code FROM {changed}) "
                "ORDER BY code"
            ).fetchall()
        ]
        con.execute(
            f"INSERT INTO {table}_version SELECT *, ? FROM {table} "
            f"WHERE code IN (SELECT code FROM {changed})",
            [import_id],
        )
        con.execute(f"DELETE FROM {table} WHERE code IN (SELECT code FROM {changed})")
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {changed}")
    finally:
        con.unregister(new)
        con.execute(f"DROP TABLE IF EXISTS {changed}")
    return int(n_changed) - int(updated), int(updated), kept
