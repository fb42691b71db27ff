"""Who is asking: every request signs in once the store has a user (issue 13).

:class:`Authenticate` is plain ASGI (no per-request task group) and is only installed when the
store has users; with none, the server runs as before, in local mode. It accepts an API token
(``Authorization: Bearer slm_...``) or a session cookie from the sign-in page, looks both up in
the store on every request (so a disabled user or a revoked token is refused at once), puts the
user on ``request.state.user`` and answers:

* 401 with ``WWW-Authenticate: Bearer`` on the API, or a redirect to ``/login`` on a page,
  without valid credentials;
* 403 on an unsafe method (POST, PUT, PATCH, DELETE) signed in by cookie whose CSRF token
  (header ``X-CSRF-Token`` or form field ``csrf_token``) is not the session's (synchronizer
  token, OWASP CSRF Prevention Cheat Sheet). A bearer token is not sent by a browser on its own,
  so token requests need none. A multipart upload (``POST /api/v1/imports``) without the header
  is not read here (it may be large): the route checks its ``csrf_token`` field
  (:func:`check_form_csrf`) before anything else.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, quote

import anyio.to_thread
from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from salamat.api.deps import StoreProvider
from salamat.errors import AccessError
from salamat.ingest.registry import WriteScope
from salamat.services import accounts as acc
from salamat.store.accounts import Account
from salamat.store.connection import Store
from salamat.store.scope import resolve_code, scope_units

__all__ = [
    "ANONYMOUS",
    "CSRF_FIELD",
    "LOCAL_USER",
    "LOGIN_CSRF_COOKIE",
    "SESSION_COOKIE",
    "WARM_EXTENSION",
    "Authenticate",
    "check_form_csrf",
    "client_ip",
    "current_user",
    "hidden_areas",
    "in_scope",
    "min_count",
    "require_admin",
    "require_area",
    "require_editor",
    "write_scope",
]

SESSION_COOKIE = "salamat_session"
LOGIN_CSRF_COOKIE = "salamat_login_csrf"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# what the sign-in page needs before anyone has signed in
PUBLIC_PATHS = frozenset({"/login", "/static/salamat.css", "/static/favicon.svg"})
LOCAL_USER = Account("local", "admin", (), False)
# a reader without credentials on a server run with ``salamat serve --public``: reads only, and
# sees small cells suppressed everywhere (services.disclosure)
ANONYMOUS = Account("anonymous", "public", (), False)
# multipart uploads whose CSRF field the route checks (check_form_csrf), not the middleware
MULTIPART_CSRF_PATHS = frozenset({"/api/v1/imports"})
# the server's own warm-up requests at start (api/app.py) carry this ASGI extension; a request
# from outside cannot: the server builds the scope
WARM_EXTENSION = "salamat.warm"


def _cookies(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is no credential
                continue
    return {k: m.value for k, m in jar.items()}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _problem(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(
        {"status": status, "error": message, "problems": []}, status_code=status, headers=headers
    )


class Authenticate:
    """The ASGI middleware of the module docstring, over the server's store provider."""

    def __init__(self, app: ASGIApp, provider: StoreProvider, public: bool = False) -> None:
        self.app = app
        self.provider = provider
        self.public = public

    def _lookup(self, token: str | None, cookie: str | None) -> tuple[Account | None, str | None]:
        store = self.provider.cursor()
        try:
            if token is not None:
                return acc.token_user(store, token), None
            if cookie:
                found = acc.session_user(store, cookie)
                if found is not None:
                    return found
            return None, None
        finally:
            store.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] in PUBLIC_PATHS
            or WARM_EXTENSION in (scope.get("extensions") or {})
        ):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        api = path.startswith("/api/")
        auth = _header(scope, b"authorization")
        token: str | None = None
        if auth is not None:
            scheme, _, credential = auth.partition(" ")
            if scheme.lower() != "bearer":
                await _problem(
                    401,
                    "only Authorization: Bearer TOKEN is accepted (salamat tokens create NAME)",
                    {"WWW-Authenticate": "Bearer"},
                )(scope, receive, send)
                return
            token = credential.strip()
        cookie = _cookies(scope).get(SESSION_COOKIE)
        user, csrf = await anyio.to_thread.run_sync(self._lookup, token, cookie)
        if user is None and token is None and self.public and scope["method"] in SAFE_METHODS:
            # ``serve --public``: a read without credentials (or with an expired session
            # cookie) is answered as the anonymous reader; a write still signs in
            user, csrf = ANONYMOUS, None
        if user is None:
            if token is not None:
                response = _problem(
                    401,
                    "the token is not valid: revoked, its user disabled, or mistyped",
                    {"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
            elif api:
                response = _problem(
                    401,
                    "sign in first: send Authorization: Bearer TOKEN (salamat tokens create NAME)",
                    {"WWW-Authenticate": "Bearer"},
                )
            else:
                query = scope.get("query_string", b"").decode("latin-1")
                target = path + (f"?{query}" if query else "")
                response = RedirectResponse(f"/login?next={quote(target, safe='')}", 303)
            await response(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        if token is None and scope["method"] not in SAFE_METHODS:
            receive, sent = await _csrf_from(scope, receive)
            kind = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
            if sent is None and kind == "multipart/form-data" and path in MULTIPART_CSRF_PATHS:
                state["csrf_in_form"] = True  # the route checks the form's field
            elif csrf is None or sent is None or not hmac.compare_digest(sent, csrf):
                await _problem(
                    403, "the form's CSRF token is missing or wrong: reload the page and try again"
                )(scope, receive, send)
                return
        state["user"] = user
        state["csrf"] = csrf
        if path.startswith("/static/"):
            await self.app(scope, receive, send)
            return

        async def private(message: Message) -> None:
            # the answer depends on who asked (disclosure control, scope): no shared cache
            # (a proxy) may keep it for another reader (RFC 9111, 5.2.2.7; RFC 9110, 12.5.5)
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"cache-control", b"vary")
                ]
                headers += [(b"cache-control", b"private"), (b"vary", b"Authorization, Cookie")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, private)


async def _csrf_from(scope: Scope, receive: Receive) -> tuple[Receive, str | None]:
    """The CSRF token of a request: its ``X-CSRF-Token`` header, else the ``csrf_token`` field
    of a URL-encoded form (the body is read and handed on unchanged)."""
    header = _header(scope, b"x-csrf-token")
    if header is not None:
        return receive, header
    kind = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return receive, None
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    done = False

    async def replay() -> Message:
        nonlocal done
        if not done:
            done = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    values = parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD)
    return replay, (values[0] if values else None)


def current_user(request: Request) -> Account:
    """The signed-in user; in local mode (no accounts) the local user, an admin."""
    user: Account | None = getattr(request.state, "user", None)
    return user if user is not None else LOCAL_USER


def require_admin(request: Request) -> Account:
    """FastAPI dependency: 403 unless the user is an admin."""
    user = current_user(request)
    if user.role != "admin":
        raise AccessError(f"only an admin may do this ({user.name} is a {user.role})")
    return user


def require_editor(request: Request) -> Account:
    """FastAPI dependency for the routes that write data: 403 unless the user is an editor or
    an admin. In local mode (no accounts, this computer only) the local user is an admin, as
    on the command line."""
    user = current_user(request)
    if user.role not in ("admin", "editor"):
        raise AccessError(
            f"only an editor or an admin may import data ({user.name} is a {user.role})"
        )
    return user


def check_form_csrf(request: Request, sent: str | None) -> None:
    """The CSRF check of a multipart form signed in by cookie (the middleware left it to the
    route: module docstring): 403 unless ``sent`` is the session's token.

    In local mode there is no session, but a page of another site open in the same browser
    could still post a form to this computer's server: the request is refused when the
    browser says it comes from another origin (``Origin`` other than this server, or
    ``Sec-Fetch-Site`` cross-site or same-site; OWASP CSRF Prevention Cheat Sheet, "Verifying
    origin with standard headers"). The command line and scripts send neither header."""
    if getattr(request.state, "user", None) is None:
        origin = request.headers.get("origin")
        site = (request.headers.get("sec-fetch-site") or "").lower()
        host = request.headers.get("host", "")
        if site in ("cross-site", "same-site") or (
            origin is not None and origin.split("://", 1)[-1] != host
        ):
            raise AccessError(
                "refused: this request comes from a page of another site "
                f"({origin or site}); imports are sent from this server's own pages, the "
                "command line or a script"
            )
        return
    if not getattr(request.state, "csrf_in_form", False):
        return
    expected: str | None = getattr(request.state, "csrf", None)
    if expected is None or sent is None or not hmac.compare_digest(sent, expected):
        raise AccessError(
            "the form's CSRF token is missing or wrong: reload the page and try again"
        )


def write_scope(request: Request, store: Store) -> WriteScope | None:
    """The org units the user may write to: None (every unit) for an admin or a user without
    org units, else their scope (:func:`salamat.store.scope.scope_units`: their units, all
    below, and the ended units wholly inside them)."""
    user = current_user(request)
    if user.role == "admin" or not user.orgunits:
        return None
    scopes: dict[tuple[str, ...], frozenset[str]] = request.app.state.scopes
    if user.orgunits not in scopes:
        scopes[user.orgunits] = scope_units(store, user.orgunits)
    return WriteScope(scopes[user.orgunits], f"{', '.join(user.orgunits)} and below")


def client_ip(request: Request) -> str:
    """The client's address as the server saw it (behind a proxy: the proxy's)."""
    return request.client.host if request.client else "unknown"


def in_scope(request: Request, store: Store, area: str) -> bool:
    """Whether the user may see what is computed from ``area``'s unit records: admins and
    users with no org unit everywhere, others within their scope
    (:func:`salamat.store.scope.scope_units`, cached per set of units for the server's life:
    the org units do not change while it holds the store)."""
    user = current_user(request)
    if user.role == "admin" or not user.orgunits:
        return True
    scopes: dict[tuple[str, ...], frozenset[str]] = request.app.state.scopes
    if user.orgunits not in scopes:
        scopes[user.orgunits] = scope_units(store, user.orgunits)
    units = scopes[user.orgunits]
    return area in units or resolve_code(store, area) in units


def require_area(request: Request, store: Store, area: str) -> None:
    """403 unless ``area`` is in the user's scope (:func:`in_scope`), saying why."""
    if not in_scope(request, store, area):
        user = current_user(request)
        raise AccessError(
            f"{area} is outside your org units ({', '.join(user.orgunits)}): what is computed "
            "from unit records (life tables, decompositions) is shown within them only; the "
            "published series are open to every user"
        )


def min_count(request: Request) -> int:
    """The server's small-cell threshold (``salamat serve --min-count``, 10 by default)."""
    return int(getattr(request.app.state, "min_count", 10))


def hidden_areas(request: Request, store: Store) -> Callable[[str], bool] | None:
    """Whose small cells this reader may not see (issue 13 item 7): ``None`` when the reader
    sees everything (local mode, an admin, a user with no org unit), else a test on an area
    code: every area for an anonymous reader (``serve --public``), the areas outside a user's
    org units (:func:`in_scope`) for the others. The rules themselves:
    :mod:`salamat.services.disclosure`."""
    if not getattr(request.app.state, "accounts", False):
        return None
    user = current_user(request)
    if user is ANONYMOUS or user.role == "public":
        return lambda _area: True
    if user.role == "admin" or not user.orgunits:
        return None
    return lambda area: not in_scope(request, store, area)
