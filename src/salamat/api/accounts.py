"""``/api/v1/me``, users and tokens (admins), and the audit log (admins).

While the server runs it holds the store, so the command line cannot change accounts: an admin
disables a user or revokes a token here, and it takes effect on the next request.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from salamat.api.auth import client_ip, current_user, require_admin
from salamat.api.deps import get_store
from salamat.errors import AccessError, InputError, Problem
from salamat.services import accounts as acc
from salamat.store import accounts as db
from salamat.store import audit
from salamat.store.accounts import Account
from salamat.store.connection import Store

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["accounts"])
StoreDep = Annotated[Store, Depends(get_store)]
AdminDep = Annotated[Account, Depends(require_admin)]


def _user(user: Account) -> dict[str, Any]:
    return {
        "name": user.name,
        "role": user.role,
        "orgunits": list(user.orgunits),
        "disabled": user.disabled,
    }


def _writable(request: Request) -> None:
    # local mode: no accounts to change (a writable local server takes imports, not users)
    if not request.app.state.accounts:
        raise AccessError(
            "the server is in local mode (no accounts): manage users with `salamat users`"
        )


@router.get("/me", summary="Who is signed in")
def me(request: Request) -> dict[str, Any]:
    """The signed-in user (``local``, an admin, when the server has no accounts)."""
    return _user(current_user(request))


@router.get("/users", summary="Users (admins)")
def users(store: StoreDep, _admin: AdminDep) -> list[dict[str, Any]]:
    """Every user with role, org-unit scope and whether disabled."""
    return [_user(u) for u in db.accounts(store)]


@router.post("/users/{name}/disable", summary="Disable a user (admins)")
def disable(name: str, request: Request, store: StoreDep, admin: AdminDep) -> dict[str, Any]:
    """Disable ``name`` at once: its sessions end and its tokens are refused."""
    _writable(request)
    with audit.acting_as(admin.name, client_ip(request)):
        acc.disable_user(store, name)
    found = db.account(store, name)
    assert found is not None
    return _user(found)


@router.post("/tokens/{token_id}/revoke", summary="Revoke an API token (admins)")
def revoke(token_id: str, request: Request, store: StoreDep, admin: AdminDep) -> dict[str, str]:
    """Revoke the token with this id (the 12 hex digits after ``slm_``), at once."""
    _writable(request)
    with audit.acting_as(admin.name, client_ip(request)):
        done = acc.revoke_token(store, token_id, whole_id=True)
    return {"token_id": done, "status": "revoked"}


def _day(text: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time())
    except ValueError:
        raise InputError(
            "not a calendar date",
            [Problem("since", None, "since", "expected a date as YYYY-MM-DD", text)],
        ) from None


@router.get("/audit", summary="The audit log (admins)")
def audit_log(
    store: StoreDep,
    _admin: AdminDep,
    since: Annotated[
        str | None,
        Query(
            description="Rows from this day on (UTC), as YYYY-MM-DD.",
            pattern=r"^\d{4}-\d{2}-\d{2}$",
        ),
    ] = None,
    user: Annotated[str | None, Query(description="Rows of this user only.")] = None,
) -> list[dict[str, Any]]:
    """Every write, sign-in and account change: who, when (UTC), from where, what, with the
    hash chain (``prev_hash``, ``hash``; see ``salamat audit --verify``)."""
    # a plain string with a pattern, not ``date``: pydantic would also take a number of seconds
    # since 1970 (``since=1700000000``) for a date, which the fuzz test caught
    start = _day(since) if since else None
    df = audit.audit_rows(store, since=start, user=user)
    records: list[dict[str, Any]] = []
    for row in df.astype(object).where(df.notna(), None).to_dict(orient="records"):
        row["at_utc"] = audit.iso(row["at_utc"])
        row["seq"] = int(row["seq"])
        for key in ("counts", "details"):
            row[key] = json.loads(row[key]) if row[key] else None
        records.append({str(k): v for k, v in row.items()})
    return records
