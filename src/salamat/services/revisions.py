"""Use cases of the import log: list imports, undo one, read a value's vintages.

The rules (what a vintage is, what undo does and when it is refused) are in
:mod:`salamat.store.revisions`; here they become one transaction and a clear answer.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from salamat.errors import InputError
from salamat.store.connection import Store
from salamat.store.imports import finish_import, next_import_id
from salamat.store.revisions import UndoPlan, apply_undo, import_frame, plan_undo

__all__ = ["check_vintage", "list_imports", "undo_import"]


def check_vintage(vintage: str | None) -> str | None:
    """``latest`` (or None), ``all``, an ISO date or a publisher's vintage; a malformed date
    (``2024-13-01``) is an error, not a publisher's vintage."""
    if vintage is None or vintage in ("latest", "all"):
        return vintage
    text = vintage.strip()
    if not text:
        raise InputError("--vintage: expected latest, all, an import date YYYY-MM-DD or a vintage")
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit():
        try:
            datetime.strptime(text, "%Y-%m-%d")
        except ValueError:
            raise InputError(
                f"--vintage {text!r}: no such date on the calendar (expected YYYY-MM-DD)"
            ) from None
    return text


def list_imports(store: Store) -> pd.DataFrame:
    """Every import, newest first: id, time, kind, files, digest, counts, status, source."""
    return import_frame(store)


def undo_import(store: Store, import_id: int, *, dry_run: bool = False) -> UndoPlan:
    """Undo one import in one transaction (all or nothing), logging the undo as an import.

    Returns the plan: when ``plan.ok`` is false nothing was changed and ``plan.blockers`` or
    ``plan.refusal`` say why. Raises :class:`InputError` for an unknown import id.
    """
    with store.transaction():
        plan = plan_undo(store, import_id)
        if plan is None:
            raise InputError(f"no import {import_id} in this store: `salamat imports` lists them")
        if not plan.ok or dry_run:
            return plan
        started = datetime.now()
        undo_id = next_import_id(store)
        apply_undo(store, plan, undo_id)
        finish_import(
            store,
            import_id=undo_id,
            kind="undo",
            files=plan.files.split(";") if plan.files else [],
            sha256=plan.sha256 or "",
            started=started,
            finished=datetime.now(),
            created=0,
            updated=sum(n for table, n in plan.restored.items() if table != "quality_flag"),
            unchanged=0,
            rejected=0,
            status="SUCCESS",
            source=plan.source,
            # rows of data; the quality flags it drops are derived, and recomputed
            removed=sum(n for table, n in plan.removed.items() if table != "quality_flag"),
            undoes=import_id,
        )
    return plan
