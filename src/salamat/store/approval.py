"""Approval of imports (issue 13, item 5): the state in the import log, and who reads what.

Every import that writes values (observations, unit records, populations, computed values)
is logged with ``approval`` = ``draft`` when the store has accounts (a ministry's server: an
editor's import waits for a second pair of eyes, as in DHIS2's data approval), ``approved``
at commit in local mode (no accounts: a personal store, where whoever imports is its owner).
Imports of definitions (org units, indicators, targets, policy events), flag recomputations
and undos are approved at commit: they hold no values of their own to approve. The demo and the
bundled data are approved (:func:`approved_at_commit`).

Readers who see approved values only (viewers, anonymous readers) read the store through the
views of :mod:`salamat.store.approved_views`: :func:`set_audience` points a connection at them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from salamat.store.approved_views import APPROVED_SCHEMA
from salamat.store.connection import Store

__all__ = [
    "AUDIENCES",
    "NOT_DRAFTED",
    "Audience",
    "ImportApproval",
    "approval_at_commit",
    "approved_at_commit",
    "draft_ids",
    "has_accounts",
    "import_approval",
    "import_areas",
    "mark_approved",
    "set_audience",
]

Audience = Literal["all", "approved"]
AUDIENCES: tuple[Audience, ...] = ("all", "approved")

# kinds that write no values of their own: approved at commit
NOT_DRAFTED = frozenset({"undo", "orgunits", "indicators", "targets", "events", "flags"})

_AT_COMMIT: ContextVar[str | None] = ContextVar("salamat_approved_at_commit", default=None)


@contextmanager
def approved_at_commit(reason: str) -> Iterator[None]:
    """Imports made inside the block are approved at commit, ``reason`` recorded as the
    approver (``salamat demo``: the bundled and demo data are approved)."""
    token = _AT_COMMIT.set(reason)
    try:
        yield
    finally:
        _AT_COMMIT.reset(token)


def has_accounts(store: Store) -> bool:
    """Whether the store has users (disabled ones too): a server's store, where imports wait
    for approval; none is local mode."""
    row = store.con.execute("SELECT count(*) FROM main.app_user").fetchone()
    return bool(row and int(row[0]))


def approval_at_commit(store: Store, kind: str, user: str) -> tuple[str, str | None]:
    """The state an import of ``kind`` by ``user`` is logged with, and its approver (module
    notes): ``("draft", None)``, or ``("approved", who)`` where ``who`` says why."""
    reason = _AT_COMMIT.get()
    if reason is not None:
        return "approved", reason
    if kind in NOT_DRAFTED:
        return "approved", f"{user} (no values to approve)"
    if not has_accounts(store):
        return "approved", f"{user} (local mode)"
    return "draft", None


@dataclass(frozen=True)
class ImportApproval:
    """One import's approval state as the log holds it."""

    import_id: int
    kind: str
    status: str
    approval: str
    imported_by: str | None
    approved_by: str | None
    approved_at: datetime | None
    undoes: int | None


def import_approval(store: Store, import_id: int) -> ImportApproval | None:
    """The import's state, or None when there is no such import."""
    row = store.con.execute(
        "SELECT import_id, kind, status, approval, imported_by, approved_by, approved_at, undoes "
        "FROM main.import_log WHERE import_id = ?",
        [import_id],
    ).fetchone()
    if row is None:
        return None
    return ImportApproval(
        import_id=int(row[0]),
        kind=str(row[1]),
        status=str(row[2]),
        approval=str(row[3] or "approved"),
        imported_by=None if row[4] is None else str(row[4]),
        approved_by=None if row[5] is None else str(row[5]),
        approved_at=row[6],
        undoes=None if row[7] is None else int(row[7]),
    )


def mark_approved(store: Store, import_id: int, by: str, at: datetime) -> None:
    """Set the import approved (in the caller's transaction, with its audit row)."""
    store.con.execute(
        "UPDATE main.import_log SET approval = 'approved', approved_by = ?, approved_at = ? "
        "WHERE import_id = ? AND approval = 'draft'",
        [by, at, import_id],
    )


def draft_ids(store: Store) -> list[int]:
    """The imports waiting for approval, oldest first."""
    rows = store.con.execute(
        "SELECT import_id FROM main.draft_import ORDER BY import_id"
    ).fetchall()
    return [int(r[0]) for r in rows]


def import_areas(store: Store, import_id: int) -> list[str]:
    """Every org unit the import wrote values for: the areas of its observations and the
    regions of its unit records and population cells (current rows and the versions a later
    import replaced), sorted."""
    rows = store.con.execute(
        """SELECT area FROM main.observation WHERE import_id = $1
        UNION SELECT area FROM main.observation_version WHERE import_id = $1
        UNION SELECT region FROM main.population WHERE import_id = $1
        UNION SELECT region FROM main.population_version WHERE import_id = $1
        UNION SELECT g.region FROM main.death_record_data d
              JOIN main.death_region g ON g.rid = d.rid WHERE d.import_id = $1
        UNION SELECT g.region FROM main.death_record_version_data d
              JOIN main.death_region g ON g.rid = d.rid WHERE d.import_id = $1
        ORDER BY 1""",
        [import_id],
    ).fetchall()
    return [str(r[0]) for r in rows]


def set_audience(store: Store, audience: Audience) -> None:
    """Point the connection at what ``audience`` reads: ``approved`` finds the views of
    :mod:`salamat.store.approved_views` first; ``all`` the tables, drafts included."""
    path = f"{APPROVED_SCHEMA},main" if audience == "approved" else "main"
    store.con.execute(f"SET search_path = '{path}'")
    store.audience = audience
