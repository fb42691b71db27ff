"""The import log: one row per import that wrote to the store (and its audit row)."""

from __future__ import annotations

from datetime import datetime

from salamat.store import audit
from salamat.store.approval import approval_at_commit
from salamat.store.connection import Store

__all__ = ["finish_import", "flags_raised_by", "next_import_id"]


def next_import_id(store: Store) -> int:
    row = store.con.execute("SELECT nextval('import_id_seq')").fetchall()[0]
    assert row is not None
    return int(row[0])


def finish_import(
    store: Store,
    *,
    import_id: int,
    kind: str,
    files: list[str],
    sha256: str,
    started: datetime,
    finished: datetime,
    created: int,
    updated: int,
    unchanged: int,
    rejected: int,
    status: str,
    source: str | None,
    removed: int | None = None,
    undoes: int | None = None,
) -> str:
    """Log the import and its audit row (in the caller's transaction); returns its approval
    state, ``draft`` or ``approved`` (:func:`salamat.store.approval.approval_at_commit`)."""
    user = audit.actor()[0]
    approval, approved_by = approval_at_commit(store, kind, user)
    store.con.execute(
        "INSERT INTO import_log (import_id, kind, files, sha256, started, finished, created, "
        "updated, unchanged, rejected, status, source, removed, undoes, approval, approved_by, "
        "approved_at, imported_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            import_id,
            kind,
            ";".join(files),
            sha256,
            started,
            finished,
            created,
            updated,
            unchanged,
            rejected,
            status,
            source,
            removed,
            undoes,
            approval,
            approved_by,
            finished if approval == "approved" else None,
            user,
        ],
    )
    # the audit row, in the same transaction: who wrote, and what (salamat.store.audit)
    audit.append(
        store,
        "undo" if undoes is not None else f"import {kind}",
        f"import {import_id}" + (f" (undoes {undoes})" if undoes is not None else ""),
        sha256=sha256 or None,
        counts={
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
            "rejected": rejected,
            "removed": removed,
        },
        details={"files": files, "status": status, "source": source, "approval": approval},
    )
    return approval


def flags_raised_by(store: Store, import_id: int) -> int:
    """The quality flags that import ``import_id`` raised and that still stand (a flag found
    again by a later import keeps the import that first raised it)."""
    row = store.con.execute(
        "SELECT count(*) FROM quality_flag WHERE import_id = ?", [import_id]
    ).fetchone()
    return int(row[0]) if row else 0
