"""Imports: the import log with each import's approval state, and the approve button.

For editors and admins (a viewer gets 403: they read approved values only and approve
nothing). Each draft the user may approve (:func:`salamat.services.approval.may_approve`) has
a button: a POST form carrying the session's CSRF token, checked by
:class:`salamat.api.auth.Authenticate`; the others say why not in the page's language.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from salamat.api.auth import client_ip, current_user, hidden_areas, min_count
from salamat.errors import AccessError, ConflictError
from salamat.services import disclosure
from salamat.services.approval import approve_import, may_approve
from salamat.services.web import NotFoundError
from salamat.store import audit
from salamat.store.approval import import_approval
from salamat.store.connection import Store
from salamat.store.revisions import import_frame
from salamat.web.i18n import Gettext, translator
from salamat.web.pages.common import StoreDep, _lang, _render, router

__all__ = ["approve_submit", "imports_page"]


def _refusal_words(_: Gettext, reason: str) -> str:
    """Why the user may not approve, in the page's language (the services say it in English)."""
    if "your own" in reason:
        return _("Your own import: an editor a level above you, or an admin, approves it.")
    if "not below" in reason:
        return _("Its values are not all for units below yours.")
    return _("Only an admin or an editor a level above approves imports.")


def _approver(_: Gettext, text: str) -> str:
    """Who approved, or why it was approved at commit, in the page's language."""
    name, _sep, why = text.partition(" (")
    reasons = {
        "local mode)": _("local mode"),
        "no values to approve)": _("no values to approve"),
        "bundled and demo data)": _("demo data"),
    }
    if not why:
        return name
    if why in reasons:
        return reasons[why] if why == "bundled and demo data)" else f"{name}, {reasons[why]}"
    return name


def _rows(store: Store, request: Request, _: Gettext) -> list[dict[str, Any]]:
    user = current_user(request)
    frame = import_frame(store)
    if hidden_areas(request, store) is not None:
        # an editor with org units: a deaths import's counts under the threshold are not shown
        # (disclosure control, as GET /api/v1/imports)
        frame = disclosure.import_log(frame, min_count(request))
    out: list[dict[str, Any]] = []
    for r in frame.to_dict(orient="records"):
        import_id = int(r["id"])
        draft = r["approval"] == "draft" and r["status"] != "UNDONE"
        why = None
        if draft:
            state = import_approval(store, import_id)
            refusal = may_approve(store, user, state) if state is not None else "unknown"
            why = None if refusal is None else _refusal_words(_, refusal)
        files = "; ".join(PurePath(p).name for p in str(r["files"]).split(";") if p)
        out.append(
            {
                "id": import_id,
                "time": "" if pd.isna(r["time"]) else str(r["time"])[:16],
                "kind": r["kind"],
                "files": files,
                "created": "" if pd.isna(r["created"]) else int(r["created"]),
                "updated": "" if pd.isna(r["updated"]) else int(r["updated"]),
                "status": r["status"],
                "draft": draft,
                "imported_by": r["imported_by"] if isinstance(r["imported_by"], str) else "",
                "approved_by": (
                    _approver(_, r["approved_by"]) if isinstance(r["approved_by"], str) else ""
                ),
                "may_approve": draft and why is None,
                "why_not": why,
            }
        )
    return out


def _page(request: Request, store: Store, *, status: int = 200, message: str = "") -> Response:
    _ = translator(_lang(request))
    user = current_user(request)
    if user.role not in ("admin", "editor"):
        raise AccessError(
            f"the import log with its drafts is for editors and admins ({user.name} is a "
            f"{user.role})"
        )
    done = request.query_params.get("approved")
    notice = _("Import %(id)s is approved.") % {"id": done} if done and done.isdigit() else ""
    return _render(
        request,
        "imports.html",
        "imports",
        status=status,
        rows=_rows(store, request, _),
        notice=notice,
        message=message,
    )


@router.get("/imports", response_class=HTMLResponse)
def imports_page(request: Request, store: StoreDep) -> Response:
    return _page(request, store)


@router.post("/imports/{import_id}/approve", response_class=HTMLResponse)
def approve_submit(request: Request, store: StoreDep, import_id: int) -> Response:
    """Approve, then back to the list (POST-redirect-GET); a refusal re-renders it saying why."""
    _ = translator(_lang(request))
    user = current_user(request)
    try:
        with audit.acting_as(user.name, client_ip(request)):
            outcome = approve_import(store, import_id, user)
    except NotFoundError:
        return _page(request, store, status=404, message=_("There is no such import."))
    except ConflictError:
        return _page(
            request, store, status=409, message=_("This import was undone: nothing to approve.")
        )
    except AccessError as exc:
        if user.role not in ("admin", "editor"):
            raise
        return _page(request, store, status=403, message=_refusal_words(_, str(exc)))
    if outcome.changed:
        from salamat.api.approval import forget_results

        forget_results(request)
    query = urlencode({"lang": _lang(request), "approved": import_id})
    return RedirectResponse(f"/imports?{query}", 303)
