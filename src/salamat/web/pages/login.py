"""Sign in and sign out (issue 13): the one page that answers before anyone has signed in.

The sign-in form carries a CSRF token that is also in a short-lived cookie (double submit:
there is no session yet to hold it); sign-out is a POST checked against the session's token
by :class:`salamat.api.auth.Authenticate`. The session cookie is ``HttpOnly``,
``SameSite=Lax`` and ``Secure`` when the request came over HTTPS (directly, or through a proxy
that says so in ``X-Forwarded-Proto``).
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import parse_qs, urlencode

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from salamat.api.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, client_ip, current_user
from salamat.api.deps import StoreProvider
from salamat.errors import AccessError
from salamat.services import accounts as acc
from salamat.web.i18n import LANG_NAMES, LANGS, translator
from salamat.web.pages.common import _env, _lang, router

__all__ = ["login_page", "login_submit", "logout"]


def _https(request: Request) -> bool:
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or proto == "https"


def _safe_next(target: str | None) -> str:
    """Only a path on this server: never ``//host`` or ``https://...`` (an open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _page(request: Request, *, status: int = 200, message: str = "", name: str = "") -> Response:
    lang = _lang(request)
    csrf = secrets.token_urlsafe(32)
    next_path = _safe_next(request.query_params.get("next"))

    def lang_url(code: str) -> str:
        return f"/login?{urlencode({'lang': code, 'next': next_path})}"

    html = _env.get_template("login.html").render(
        lang=lang,
        langs=LANGS,
        lang_names=LANG_NAMES,
        lang_url=lang_url,
        local=not request.app.state.accounts,
        csrf=csrf,
        next=next_path,
        message=message,
        name=name,
        _=translator(lang),
    )
    response = HTMLResponse(html, status_code=status)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        csrf,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=_https(request),
    )
    if request.query_params.get("lang") in LANGS:
        response.set_cookie("salamat_lang", lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return _page(request)


@router.post("/login", response_class=HTMLResponse)
async def login_submit(request: Request) -> Response:
    _ = translator(_lang(request))
    if not request.app.state.accounts:
        return RedirectResponse("/", 303)
    form = parse_qs((await request.body()).decode("utf-8", "replace"))

    def field(key: str) -> str:
        return form.get(key, [""])[0]

    sent, kept = field("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not sent or not kept or not hmac.compare_digest(sent, kept):
        return _page(
            request,
            status=403,
            message=_("The form was too old or not sent from this page: try again."),
            name=field("name")[:64],
        )
    provider: StoreProvider = request.app.state.stores

    def sign_in() -> acc.Session:
        store = provider.cursor()
        try:
            return acc.login(
                store,
                field("name"),
                field("password"),
                client_ip(request),
                request.app.state.lockout,
            )
        finally:
            store.close()

    try:
        session = await run_in_threadpool(sign_in)
    except AccessError:
        return _page(
            request,
            status=401,
            message=_("Wrong user name or password, or the account is locked or disabled."),
            name=field("name")[:64],
        )
    response = RedirectResponse(_safe_next(field("next")), 303)
    response.set_cookie(
        SESSION_COOKIE,
        session.cookie,
        max_age=acc.SESSION_HOURS * 3600,
        httponly=True,
        samesite="lax",
        secure=_https(request),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    """End the session (the CSRF token was checked on the way in)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if request.app.state.accounts and cookie:
        provider: StoreProvider = request.app.state.stores
        store = provider.cursor()
        try:
            acc.end_session(store, cookie, current_user(request).name, client_ip(request))
        finally:
            store.close()
    response = RedirectResponse("/login", 303)
    response.delete_cookie(SESSION_COOKIE)
    return response
