"""The web application: the REST API under ``/api/v1`` and the dashboard pages, on one store.

:func:`create_app` opens the store read-only (a clear :class:`~salamat.errors.StoreError` if
there is none) and serves it until shutdown. Errors are JSON on the API and a page on the
dashboard, with the same sentence.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from salamat import __version__
from salamat.api.accounts import router as accounts_router
from salamat.api.approval import router as approval_router
from salamat.api.auth import WARM_EXTENSION, Authenticate
from salamat.api.cache import DEFAULT_BYTES, Memo
from salamat.api.deps import StoreProvider
from salamat.api.imports import router as imports_router
from salamat.api.jobs import ImportQueue
from salamat.api.limits import BodyLimit, RequestTimeout
from salamat.api.routes import router as api_router
from salamat.errors import (
    AccessError,
    ConflictError,
    InputError,
    MethodError,
    SalamatError,
    StoreError,
)
from salamat.methods.disclosure import DEFAULT_MIN_COUNT, check_min_count
from salamat.services.accounts import Lockout, local_mode
from salamat.services.web import NotFoundError, SeriesQuery, warm_query, warm_series
from salamat.store.stamp import data_changed

__all__ = ["create_app"]

# The browser may talk to this server only: no CDN, no fonts, no analytics. Vega compiles its
# expressions with Function(), hence 'unsafe-eval' for scripts.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


API_DOCS = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Salamat API</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">
</head>
<body>
<p style="font-family: system-ui, sans-serif; margin: 1rem 1.5rem 0"><a href="/">Salamat</a>
&middot; OpenAPI document: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a></p>
<div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script>
</body>
</html>
"""


class HeadAsGet:
    """Answer ``HEAD`` on every page and route as ``GET`` without the body (RFC 9110, 9.3.2)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


_SECURITY_HEADERS = (
    (b"content-security-policy", CSP.encode("latin-1")),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)


class SecurityHeaders:
    """Add the CSP, ``nosniff`` and ``no-referrer`` headers to every response that has none.

    Plain ASGI, not ``@app.middleware("http")``: that wraps each request in a task group and
    memory streams, about 0.3 ms of CPU per request, which a cold series query cannot spare.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in _SECURITY_HEADERS if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def _problems(exc: InputError) -> list[dict[str, Any]]:
    return [{"field": p.field, "message": p.message, "value": p.value} for p in exc.problems]


def _error(
    request: Request,
    status: int,
    message: str,
    problems: list[dict[str, Any]],
    headers: Mapping[str, str] | None = None,
) -> Response:
    if request.url.path.startswith("/api/"):
        response: Response = JSONResponse(
            {"status": status, "error": message, "problems": problems}, status_code=status
        )
    else:
        from salamat.web.pages import error_page

        response = error_page(request, status, message)
    for name, value in (headers or {}).items():  # e.g. Allow on a 405 (RFC 9110, 15.5.6)
        response.headers[name] = value
    return response


async def _warm_routes(app: ASGIApp, query: SeriesQuery) -> None:
    """Send one series request as JSON and one as CSV through the whole app (middleware,
    routing, validation, the route, the response), so that the first request of each kind from
    outside does not pay the first call of every step (lazy imports, pandas' CSV writer)."""
    for fmt in ("json", "csv"):
        qs = urlencode({"area": ",".join(query.areas), "sex": "all", "format": fmt})
        path = f"/api/v1/series/{quote(query.indicator)}"
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": qs.encode(),
            "root_path": "",
            "headers": [(b"host", b"localhost")],
            "client": ("127.0.0.1", 0),
            # made here, never by a client: the sign-in check lets it through (api/auth.py)
            "extensions": {WARM_EXTENSION: {}},
            "server": ("127.0.0.1", 0),
        }

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            return None

        await app(scope, receive, send)


def create_app(
    db: str | Path,
    *,
    cache_size: int = 4096,
    cache_bytes: int = DEFAULT_BYTES,
    warm: bool = True,
    lockout: Lockout | None = None,
    cors_origins: tuple[str, ...] = (),
    max_upload_bytes: int | None = 50 * 2**20,
    request_timeout: float | None = 60.0,
    public: bool = False,
    min_count: int = DEFAULT_MIN_COUNT,
    writable: bool | None = None,
) -> FastAPI:
    """The API and the dashboard over the store at ``db``.

    With no user in the store (local mode) every request is answered as it comes. Once a user
    exists, every request signs in (:mod:`.auth`): sign-ins, sessions and account changes are
    written to the store. ``lockout``: failed sign-ins that lock a name, and for how long.

    ``writable``: hold the store open for writing, and take imports (``POST /api/v1/imports``,
    run one at a time by :class:`.jobs.ImportQueue`, the store's one writer). None: only with
    accounts (``salamat serve`` passes True unless ``--read-only``). A read-only server answers
    imports with 503, and other processes may read the store beside it.

    ``cache_size`` and ``cache_bytes`` bound the memo of computed answers (:mod:`.cache`): at
    most that many answers, at most that many bytes together.

    ``warm``: read the catalogue and every indicator's values when the server starts
    (:func:`salamat.services.web.warm_series`), so that no request waits for them.

    ``cors_origins``: the origins (``https://portal.example.kz``) whose pages may call the API
    from a browser (CORS, Starlette's ``CORSMiddleware``); none by default, and then no response
    carries ``Access-Control-Allow-Origin``. Cross-origin calls sign in with a token
    (``Authorization: Bearer``), never the session cookie (credentials are not allowed).
    ``max_upload_bytes``: a larger request body is refused with 413 (:class:`.limits.BodyLimit`);
    ``request_timeout``: seconds until an answer must start, else 503
    (:class:`.limits.RequestTimeout`). ``None`` turns either off.

    ``public`` (``serve --public``): with accounts, a read (GET, HEAD) without credentials is
    answered as the anonymous reader instead of 401 or the sign-in page; writes still sign in.
    ``min_count``: the small-cell threshold of disclosure control
    (:mod:`salamat.services.disclosure`), applied for anonymous readers and for users reading
    outside their org units; in local mode (no accounts) nothing is suppressed.

    Raises
    ------
    StoreError
        No store at ``db`` (build one with ``salamat demo``), or not a Salamat store.
    """
    provider = StoreProvider(db)
    probe = provider.cursor()
    try:
        accounts = not local_mode(probe)
    finally:
        probe.close()
    if writable is None:
        writable = accounts
    if writable:
        provider.close()
        provider = StoreProvider(db, read_only=False)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm:
            # before the first request: the catalogue and each indicator's values, read once
            # (a first-time series request then slices them: services.web.series)
            store = provider.cursor()
            try:
                warm_series(store)
                query = warm_query(store)
            finally:
                store.close()
            if query is not None:
                # only a warm-up: a request that fails here fails again when asked, with its
                # error; the server starts either way
                try:
                    await _warm_routes(app, query)
                except Exception:
                    pass
                finally:
                    app.state.memo.clear()  # the code paths are warm; no answer is kept
            # what was just read lives as long as the server: out of the collector's way, so
            # that a full collection during the first burst of requests does not walk it
            gc.collect()
            gc.freeze()
        yield
        app.state.imports.close()
        provider.close()

    app = FastAPI(
        title="Salamat API",
        version=__version__,
        description=(
            "A Salamat store: org units, indicators, series with intervals and sources, life "
            "tables, decompositions, targets; and imports (POST /api/v1/imports), which the "
            "server writes one at a time."
        ),
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # FastAPI's pages load Swagger UI from a CDN: /api/docs serves it locally
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.stores = provider
    app.state.accounts = accounts
    app.state.lockout = lockout or Lockout()
    app.state.scopes = {}
    app.state.public = public and accounts
    app.state.min_count = check_min_count(min_count)
    app.state.memo = Memo(str(provider.path), cache_size, cache_bytes)

    def committed() -> None:
        # an import wrote: every cached answer and scope is stale (services.web.common)
        data_changed(str(provider.path))
        app.state.memo.clear()
        app.state.scopes.clear()

    app.state.imports = ImportQueue(provider, committed)
    app.state.request_timeout = request_timeout

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        return _error(request, 404, exc.args[0], _problems(exc))

    @app.exception_handler(InputError)
    async def bad_input(request: Request, exc: InputError) -> Response:
        return _error(request, 422, exc.args[0], _problems(exc))

    @app.exception_handler(MethodError)
    async def bad_method(request: Request, exc: MethodError) -> Response:
        return _error(request, 422, str(exc), [])

    @app.exception_handler(AccessError)
    async def forbidden(request: Request, exc: AccessError) -> Response:
        return _error(request, 403, str(exc), [])

    @app.exception_handler(ConflictError)
    async def conflict(request: Request, exc: ConflictError) -> Response:
        return _error(request, 409, str(exc), [])

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> Response:
        return _error(request, 503, str(exc), [])

    @app.exception_handler(SalamatError)
    async def other_error(request: Request, exc: SalamatError) -> Response:
        return _error(request, 422, str(exc), [])

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for e in exc.errors():
            loc = [str(x) for x in e.get("loc", ()) if x not in ("query", "path", "body")]
            value = e.get("input")
            problems.append(
                {
                    "field": ".".join(loc) or None,
                    "message": str(e.get("msg", "invalid")),
                    "value": None if value is None or isinstance(value, dict) else str(value),
                }
            )
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        return _error(request, 422, f"bad parameter ({summary})", problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = "no such page or route" if exc.status_code == 404 else str(exc.detail)
        return _error(request, exc.status_code, f"{message}: {request.url.path}", [], exc.headers)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        """The OpenAPI document in the vendored Swagger UI (offline, under the same CSP)."""
        return HTMLResponse(API_DOCS)

    from salamat.web.pages import router as web_router

    app.include_router(imports_router)
    app.include_router(api_router)
    app.include_router(accounts_router)
    app.include_router(approval_router)
    app.include_router(web_router)
    static = resources.files("salamat") / "web" / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    if accounts:
        app.add_middleware(Authenticate, provider=provider, public=public)
    if request_timeout is not None:
        app.add_middleware(RequestTimeout, seconds=request_timeout)
    if max_upload_bytes is not None:
        app.add_middleware(BodyLimit, max_bytes=max_upload_bytes)
    if cors_origins:
        # outside the limits and the sign-in check: a preflight needs no credentials, and a
        # cross-origin client can read a 401, 413 or 503
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "HEAD", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            allow_credentials=False,
        )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(HeadAsGet)
    return app
