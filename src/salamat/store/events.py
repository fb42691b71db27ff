"""The ``policy_event`` table: the policy events users add (``salamat events add``).

The bundled events are read from ``data/policy_events.csv`` (never copied into the store, so a
new release's list is seen at once); a user event with the code of a bundled one replaces it.
An added event that replaces an earlier one moves that row to ``policy_event_version`` with
``superseded_by`` = the import id, so that undoing the import puts it back (store/revisions.py).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from importlib import resources
from typing import Any

import pandas as pd

from salamat.store.connection import Store
from salamat.store.versioned import upsert_by_code

__all__ = ["EVENT_COLUMNS", "bundled_event_rows", "stored_event_rows", "upsert_events"]

EVENT_COLUMNS = (
    "code",
    "date",
    "area",
    "title_en",
    "title_kk",
    "title_ru",
    "description_en",
    "description_kk",
    "description_ru",
    "source_url",
    "source",
)


def bundled_event_rows() -> list[dict[str, Any]]:
    """``data/policy_events.csv`` as dictionaries (blank fields are ``None``)."""
    text = (resources.files("salamat") / "data" / "policy_events.csv").read_text("utf-8")
    return [
        {**{c: (r.get(c) or None) for c in EVENT_COLUMNS}, "origin": "bundled"}
        for r in csv.DictReader(io.StringIO(text))
    ]


def stored_event_rows(store: Store) -> list[dict[str, Any]]:
    """The events users added, with the import that added each."""
    cols = ", ".join(EVENT_COLUMNS)
    frame = store.con.execute(
        f"SELECT {cols}, import_id FROM policy_event ORDER BY date, code"
    ).df()
    out = []
    for rec in frame.to_dict(orient="records"):
        row = {str(k): (None if v is None or v != v else v) for k, v in rec.items()}
        row["date"] = pd.Timestamp(str(row["date"])).date().isoformat()
        row["origin"] = "user"
        out.append(row)
    return out


def upsert_events(store: Store, rows: list[dict[str, Any]], import_id: int) -> tuple[int, int, int]:
    """Insert or replace user events in the caller's transaction; (created, updated, unchanged).

    An event identical to the stored one is left alone; one that differs replaces it and the
    replaced row moves to ``policy_event_version``.
    """
    if not rows:
        return 0, 0, 0
    frame = pd.DataFrame([{c: r.get(c) for c in EVENT_COLUMNS} for r in rows])
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    frame["added_at"] = datetime.now()
    frame["import_id"] = import_id
    created, updated, kept = upsert_by_code(store, "policy_event", frame, EVENT_COLUMNS, import_id)
    return created, updated, len(kept)
