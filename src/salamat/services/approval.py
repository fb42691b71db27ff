"""Approving an import (issue 13, item 5): who may, and the approval itself.

Who may approve import *X* (DHIS2's data approval is the model: approval moves up the
hierarchy):

* an admin, any import, their own included;
* an editor, the import of someone else when every org unit *X* wrote values for lies strictly
  below one of the editor's units (:func:`salamat.store.scope.scope_units` of the units,
  without the units themselves; across border changes: a unit that ended counts as below when
  every unit it became is). An editor without org units works on the whole tree and may
  approve any import but their own;
* nobody else: a viewer approves nothing, and an editor never approves their own import (a
  second pair of eyes is the point).

The approval is one transaction: the import log's state and the audit row
(:func:`salamat.store.audit.append`, action ``approve``). Approving an approved import changes
nothing and says so (idempotent); an undone import or an undo cannot be approved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from salamat.errors import AccessError, ConflictError
from salamat.services.web.common import NotFoundError
from salamat.store import audit
from salamat.store.accounts import Account
from salamat.store.approval import ImportApproval, import_approval, import_areas, mark_approved
from salamat.store.connection import Store
from salamat.store.scope import resolve_code, scope_units

__all__ = ["ApprovalOutcome", "approve_import", "may_approve"]


@dataclass(frozen=True)
class ApprovalOutcome:
    """What :func:`approve_import` did: ``changed`` is false when it was approved already."""

    import_id: int
    kind: str
    approval: str
    approved_by: str | None
    approved_at: datetime | None
    changed: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "import_id": self.import_id,
            "kind": self.kind,
            "approval": self.approval,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at.isoformat() if self.approved_at else None,
            "changed": self.changed,
        }


def may_approve(store: Store, user: Account, state: ImportApproval) -> str | None:
    """None when ``user`` may approve the import, else why not (module notes)."""
    if user.role == "admin":
        return None
    if user.role != "editor":
        return f"a {user.role} cannot approve imports: ask an admin or an editor a level above"
    if state.imported_by == user.name:
        return (
            f"import {state.import_id} is your own: an editor a level above you, or an admin, "
            "approves it"
        )
    if not user.orgunits:
        return None
    own = {resolve_code(store, u) for u in user.orgunits}
    below = scope_units(store, sorted(own)) - own
    outside = [a for a in import_areas(store, state.import_id) if a not in below]
    if outside:
        shown = ", ".join(outside[:5]) + (
            f" and {len(outside) - 5} more" if len(outside) > 5 else ""
        )
        return (
            f"import {state.import_id} has values for {shown}, not below your org units "
            f"({', '.join(user.orgunits)}): an editor approves the imports of the units below "
            "their own; ask an admin or an editor a level above"
        )
    return None


def approve_import(store: Store, import_id: int, user: Account) -> ApprovalOutcome:
    """Approve ``import_id`` as ``user`` in one transaction with its audit row.

    Raises
    ------
    NotFoundError
        No such import.
    AccessError
        ``user`` may not approve it (:func:`may_approve` says why).
    ConflictError
        The import was undone, or is itself an undo.
    """
    with store.transaction():
        state = import_approval(store, import_id)
        if state is None:
            raise NotFoundError(
                f"no import {import_id} in this store: `salamat imports` lists them"
            )
        if state.undoes is not None:
            raise ConflictError(f"import {import_id} is an undo: there is nothing to approve")
        if state.status == "UNDONE":
            raise ConflictError(
                f"import {import_id} was undone: there is nothing to approve (import the files "
                "again for a new draft)"
            )
        refusal = may_approve(store, user, state)
        if refusal is not None:
            raise AccessError(refusal)
        if state.approval == "approved":
            return ApprovalOutcome(
                import_id, state.kind, "approved", state.approved_by, state.approved_at, False
            )
        at = datetime.now()
        mark_approved(store, import_id, user.name, at)
        audit.append(
            store,
            "approve",
            f"import {import_id}",
            details={"kind": state.kind, "imported_by": state.imported_by},
        )
    return ApprovalOutcome(import_id, state.kind, "approved", user.name, at, True)
