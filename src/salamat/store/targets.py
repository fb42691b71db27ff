"""The ``target`` table: bundled targets (``data/targets.csv``) and the ones users add.

Bundled rows (origin ``'bundled'``) are replaced whenever the bundled file changes (its SHA-256
is kept in ``meta`` under ``targets_hash``); rows a user added (origin ``'user'``) are kept.
A store opened read-only cannot be synced: :func:`load_target_rows` then reads the bundled file
itself, so a scorecard is never built on stale bundled targets.
"""

from __future__ import annotations

import csv
import hashlib
from datetime import datetime
from importlib import resources
from typing import Any

import pandas as pd

from salamat.store.connection import Store
from salamat.store.versioned import upsert_by_code

__all__ = [
    "TARGET_COLUMNS",
    "bundled_target_rows",
    "delete_user_target",
    "load_target_rows",
    "sync_bundled_targets",
    "upsert_user_targets",
]

TARGET_COLUMNS = (
    "code",
    "indicator",
    "area",
    "sex",
    "baseline_year",
    "baseline_value",
    "target_year",
    "target_value",
    "target_change",
    "direction",
    "series_source",
    "trend",
    "document",
    "document_date",
    "source_url",
    "note",
)
_NUMERIC = ("baseline_year", "baseline_value", "target_year", "target_value", "target_change")


def _bundled_bytes() -> bytes:
    return (resources.files("salamat") / "data" / "targets.csv").read_bytes()


def bundled_target_rows() -> list[dict[str, Any]]:
    """The bundled targets as dictionaries (blank fields are ``None``)."""
    text = _bundled_bytes().decode("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    return [{**{c: (r.get(c) or None) for c in TARGET_COLUMNS}, "origin": "bundled"} for r in rows]


def _hash() -> str:
    return hashlib.sha256(_bundled_bytes()).hexdigest()


def _frame(rows: list[dict[str, Any]], origin: str, added_at: datetime) -> pd.DataFrame:
    frame = pd.DataFrame(
        [[r.get(c) for c in TARGET_COLUMNS] for r in rows], columns=list(TARGET_COLUMNS)
    )
    for col in _NUMERIC:
        frame[col] = pd.to_numeric(frame[col])
    frame["origin"] = origin
    frame["added_at"] = added_at
    return frame


def _insert(store: Store, frame: pd.DataFrame) -> None:
    cols = ", ".join([*TARGET_COLUMNS, "origin", "added_at"])
    store.con.register("_targets", frame)
    try:
        store.con.execute(f"INSERT OR REPLACE INTO target ({cols}) SELECT {cols} FROM _targets")
    finally:
        store.con.unregister("_targets")


def sync_bundled_targets(store: Store) -> bool:
    """Reload the bundled targets if the bundled file changed; True if it did.

    A user target with the same code as a bundled one is kept (the user's wins).
    """
    digest = _hash()
    row = store.con.execute("SELECT value FROM meta WHERE key = 'targets_hash'").fetchall()
    if row and row[0][0] == digest:
        return False
    with store.transaction():
        store.con.execute("DELETE FROM target WHERE origin = 'bundled'")
        users = {r[0] for r in store.con.execute("SELECT code FROM target").fetchall()}
        rows = [r for r in bundled_target_rows() if r["code"] not in users]
        if rows:
            _insert(store, _frame(rows, "bundled", datetime.now()))
        store.con.execute("INSERT OR REPLACE INTO meta VALUES ('targets_hash', ?)", [digest])
    return True


def upsert_user_targets(
    store: Store, rows: list[dict[str, Any]], import_id: int
) -> tuple[int, int, int]:
    """Insert or replace user targets (``salamat targets --add``) in the caller's transaction;
    returns (created, updated, unchanged).

    A target identical to the stored one is left alone; one that differs replaces it, and the
    replaced row (bundled or an earlier user's) moves to ``target_version`` with
    ``superseded_by`` = ``import_id``, so that undoing the import puts it back.
    """
    if not rows:
        return 0, 0, 0
    frame = _frame(rows, "user", datetime.now())
    frame["import_id"] = import_id
    created, updated, kept = upsert_by_code(store, "target", frame, TARGET_COLUMNS, import_id)
    return created, updated, len(kept)


def delete_user_target(store: Store, code: str) -> bool:
    """Remove a user target; True if one was removed. Bundled targets cannot be removed."""
    with store.transaction():
        n = store.con.execute(
            "SELECT count(*) FROM target WHERE code = ? AND origin = 'user'", [code]
        ).fetchall()[0][0]
        store.con.execute("DELETE FROM target WHERE code = ? AND origin = 'user'", [code])
    return bool(n)


def load_target_rows(store: Store) -> list[dict[str, Any]]:
    """Every target: the store's rows, with bundled rows from the package if the store is stale."""
    cols = ", ".join([*TARGET_COLUMNS, "origin"])
    frame = store.con.execute(f"SELECT {cols} FROM target ORDER BY code").df()
    stored: list[dict[str, Any]] = [
        {str(k): (None if _missing(v) else v) for k, v in rec.items()}
        for rec in frame.to_dict(orient="records")
    ]
    row = store.con.execute("SELECT value FROM meta WHERE key = 'targets_hash'").fetchall()
    if row and row[0][0] == _hash():
        return stored
    users = [r for r in stored if r["origin"] == "user"]
    taken = {r["code"] for r in users}
    bundled = [r for r in bundled_target_rows() if r["code"] not in taken]
    return sorted(users + bundled, key=lambda r: str(r["code"]))


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and v != v)
