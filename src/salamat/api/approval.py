"""``POST /api/v1/imports/{import_id}/approve``: approve a draft import (issue 13, item 5).

Who may is :func:`salamat.services.approval.may_approve`: an admin, or an editor a level above
the import's org units who did not import it. Answers: 200 with the import's state (``changed``
false when it was approved already: approving is idempotent), 401 without credentials (the
sign-in middleware), 403 saying why for anyone else, 404 for an unknown import, 409 for an
undone import or an undo. An approval changes what viewers read, so every result the server
keeps (the memo, the series slabs, the cached catalogue) is dropped.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from salamat.api.auth import client_ip, current_user
from salamat.api.deps import get_store
from salamat.api.models import ApiError
from salamat.services.approval import approve_import
from salamat.store import audit
from salamat.store.connection import Store

__all__ = ["forget_results", "router"]

router = APIRouter(prefix="/api/v1", tags=["imports"])
StoreDep = Annotated[Store, Depends(get_store)]


def forget_results(request: Request) -> None:
    """Drop what the server keeps of the data (module notes)."""
    from salamat.services.web.common import forget_cached
    from salamat.services.web.series import forget_slabs

    request.app.state.memo.clear()
    forget_slabs()
    forget_cached()


@router.post(
    "/imports/{import_id}/approve",
    summary="Approve a draft import",
    responses={
        401: {"model": ApiError, "description": "No credentials"},
        403: {"model": ApiError, "description": "Not allowed to approve this import (why)"},
        404: {"model": ApiError, "description": "Unknown import"},
        409: {"model": ApiError, "description": "The import was undone, or is an undo"},
    },
)
def approve(
    request: Request,
    store: StoreDep,
    import_id: Annotated[int, Path(ge=1, description="The import's id (GET /api/v1/imports).")],
) -> dict[str, Any]:
    """Approve the import: its values become visible to viewers and anonymous readers. An
    admin approves any import; an editor the imports of others whose every org unit lies below
    one of the editor's units. Approving an approved import changes nothing (``changed``:
    false)."""
    user = current_user(request)
    with audit.acting_as(user.name, client_ip(request)):
        outcome = approve_import(store, import_id, user)
    if outcome.changed:
        forget_results(request)
    return outcome.as_dict()
