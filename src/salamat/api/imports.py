"""Imports over the API: ``POST /api/v1/imports`` and ``GET /api/v1/imports/{id}`` (issue 13).

``POST`` takes a multipart form: ``kind``, one or more ``file``, and the options of
``salamat import`` as fields (``dry_run``, ``map``, ``metadata``, ``new_indicators``,
``skip_invalid``, ``source``, ``area``, ``new_areas``), and ``wait``: seconds to wait for the
import before answering (0 to 30, default 5). The import runs on the server's one writer
(:mod:`salamat.api.jobs`). The answer is the job's JSON, the summary of ``salamat import
--format json`` plus ``job_id``, ``state``, ``stage`` and ``progress``:

* 200 when it ran and wrote, or was a dry run (``status`` SUCCESS, WARNING or DRY_RUN);
* 409 when it ran and was rejected (``status`` ERROR, nothing written; ``conflicts`` lists
  every problem with file, row, field and reason, as on the command line);
* 202 when it is still queued or running after ``wait``: follow ``Location``
  (``/api/v1/imports/{job_id}``) until ``state`` is done or failed;
* 422 or 503 when it could not run (a bad option; the store unavailable), with ``error``.

``GET /api/v1/imports/{id}`` answers 200 for a job id (``job-...``) or a store import id (a
number), whatever the job's state: the job while the server keeps it (to its sender and the
admins), else the import log's row (to every user, as ``GET /api/v1/imports``). A failed job
carries ``http_status``, the code its ``POST`` would have had. ``import_id`` is the
store's id of a committed import: what ``salamat imports undo ID`` and an approval name.

Only editors and admins may import (a viewer gets 403; without credentials 401). An editor
with org units writes within them only: a row for a unit outside is rejected with the reason
(``area KZ-71 is outside your scope (KZ-75 and below)``), and org units themselves
(``kind=orgunits``, ``new_areas`` outside the scope) are an admin's to import. In local mode
(no accounts, this computer only) the local user imports as on the command line.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse

from salamat.api.auth import (
    check_form_csrf,
    client_ip,
    current_user,
    require_editor,
    write_scope,
)
from salamat.api.deps import get_store
from salamat.api.jobs import ImportJob, ImportQueue, new_job_id, save_upload
from salamat.api.models import ApiError
from salamat.errors import AccessError, InputError, Problem
from salamat.services.imports import import_kinds
from salamat.services.web import NotFoundError
from salamat.store.accounts import Account
from salamat.store.connection import Store

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["imports"])
MAX_WAIT = 30.0

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The import ran: written, or a dry run (the summary)"},
    202: {"description": "Queued or running: follow Location"},
    401: {"model": ApiError, "description": "No credentials"},
    403: {"model": ApiError, "description": "Not an editor, CSRF, or outside the scope"},
    409: {"description": "The import was rejected: nothing written (the summary's conflicts)"},
    413: {"model": ApiError, "description": "Larger than serve --max-upload-mb"},
    422: {"model": ApiError, "description": "Bad form field or option"},
    503: {"model": ApiError, "description": "The store is unavailable or read-only"},
}


_FOLLOW: dict[int | str, dict[str, Any]] = {
    200: {"description": "The job, whatever its state; or the import log's row"},
    401: {"model": ApiError, "description": "No credentials"},
    404: {"model": ApiError, "description": "No such job (or not yours) and no such import"},
    422: {"model": ApiError, "description": "Bad parameter"},
}


def _queue(request: Request) -> ImportQueue:
    jobs: ImportQueue = request.app.state.imports
    return jobs


def job_response(job: ImportJob, *, polled: bool = False) -> JSONResponse:
    """The job's JSON with the status code of the module docstring (``polled``: 200 whatever
    its state, as ``GET`` answers: the job is there; its ``state`` and ``status`` say the rest)."""
    body = job.as_dict()
    if polled:
        return JSONResponse(body)
    if job.state in ("queued", "running"):
        url = f"/api/v1/imports/{job.job_id}"
        return JSONResponse(body, status_code=202, headers={"Location": url})
    if job.state == "failed":
        return JSONResponse(body, status_code=job.error_status)
    return JSONResponse(body, status_code=409 if body.get("status") == "ERROR" else 200)


def _check_kind(kind: str) -> None:
    kinds = import_kinds()
    if kind not in kinds:
        raise InputError(
            f"unknown import kind {kind!r}: expected one of {', '.join(kinds)}",
            [Problem("kind", None, "kind", "unknown import kind", kind)],
        )


def _scope_refusal(kind: str, new_areas: str | None, store: Store, request: Request) -> None:
    scope = write_scope(request, store)
    if scope is None:
        return
    if kind == "orgunits":
        raise AccessError(
            f"org units are imported by an admin: they change the tree every user's scope "
            f"is drawn on (your scope: {scope.label})"
        )
    if new_areas is not None:
        from salamat.store.scope import resolve_code

        parent = resolve_code(store, new_areas)
        if parent not in scope.units:
            raise AccessError(
                f"new_areas {new_areas}: {scope.message(parent).removeprefix('area ')}"
            )


@router.post(
    "/imports",
    summary="Import files (the server writes them, one import at a time)",
    responses=_RESPONSES,
    status_code=200,
)
async def submit_import(
    request: Request,
    # before the form is validated: a viewer is told 403, not what the form lacks
    user: Annotated[Account, Depends(require_editor)],
    store: Annotated[Store, Depends(get_store)],
    kind: Annotated[str, Form(description="What the files hold, as in salamat import KIND.")],
    file: Annotated[list[UploadFile], File(description="One or more files to import.")],
    dry_run: Annotated[bool, Form()] = False,
    map_file: Annotated[
        UploadFile | None, File(alias="map", description="CSV mapping codes: dimension,from,to.")
    ] = None,
    metadata: Annotated[
        list[UploadFile] | None,
        File(description="DHIS2 metadata JSON or SDMX structure message (repeatable)."),
    ] = None,
    new_indicators: Annotated[bool, Form()] = False,
    skip_invalid: Annotated[bool, Form()] = False,
    source: Annotated[str | None, Form()] = None,
    area: Annotated[str | None, Form()] = None,
    new_areas: Annotated[str | None, Form()] = None,
    wait: Annotated[float, Form(ge=0, le=MAX_WAIT)] = 5.0,
    csrf_token: Annotated[str | None, Form()] = None,
) -> JSONResponse:
    """Send files to import; the answer is the import's summary, or the job to follow."""
    check_form_csrf(request, csrf_token)
    jobs = _queue(request)
    if jobs.provider.read_only:
        jobs.provider.writer()  # raises the StoreError that says why (503)
    _check_kind(kind)
    source, area, new_areas = (
        v.strip() if v and v.strip() else None for v in (source, area, new_areas)
    )
    await anyio.to_thread.run_sync(_scope_refusal, kind, new_areas, store, request)
    scope = await anyio.to_thread.run_sync(write_scope, request, store)
    files = [f for f in file if f.filename]
    if not files:
        raise InputError(
            "send at least one file to import (the form field file)",
            [Problem("file", None, "file", "no file was sent")],
        )
    folder = Path(tempfile.mkdtemp(prefix="salamat-import-"))

    def save() -> ImportJob:
        uploads = [save_upload(folder, f.filename or "upload", f.file) for f in files]
        extra = Path(tempfile.mkdtemp(dir=folder))  # beside the files, whatever they are named
        meta = [
            save_upload(extra, m.filename or "metadata", m.file)
            for m in metadata or []
            if m.filename
        ]
        mapping = (
            save_upload(extra, map_file.filename, map_file.file)
            if map_file is not None and map_file.filename
            else None
        )
        return ImportJob(
            job_id=new_job_id(),
            kind=kind,
            uploads=uploads,
            user=user.name,
            origin=client_ip(request),
            options={
                "dry_run": dry_run,
                "source": source,
                "map": mapping.name if mapping else None,
                "metadata": [m.name for m in meta],
                "new_indicators": new_indicators,
                "skip_invalid": skip_invalid,
                "area": area,
                "new_areas": new_areas,
            },
            metadata=meta,
            mapping=mapping,
            scope=scope,
            folder=folder,
        )

    try:
        job = await anyio.to_thread.run_sync(save)
    except BaseException:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        raise
    jobs.submit(job)
    # never past the request time-out (serve --request-timeout): a 202 to follow, not a 503
    timeout: float | None = request.app.state.request_timeout
    if timeout is not None:
        wait = min(wait, timeout * 0.5)
    if wait > 0:
        await anyio.to_thread.run_sync(job.done.wait, wait)
    return job_response(job)


@router.get(
    "/imports/{import_ref}",
    summary="One import: a job sent to this server (job-...) or the store's import id",
    responses=_FOLLOW,
)
def import_status(
    request: Request, store: Annotated[Store, Depends(get_store)], import_ref: str
) -> JSONResponse:
    """A job's state, progress and (once it ran) summary; or a committed import's log row."""
    jobs = _queue(request)
    user = current_user(request)

    def mine(found: ImportJob | None) -> ImportJob | None:
        # a job (its rows, its problems) is its sender's and the admins'; the import log is
        # everyone's
        if found is None or (user.role != "admin" and found.user != user.name):
            return None
        return found

    job = mine(jobs.get(import_ref)) if import_ref.startswith("job-") else None
    if job is None and import_ref.isdigit():
        job = mine(jobs.by_import(int(import_ref)))
        if job is None:
            return _logged(request, store, int(import_ref))
    if job is None:
        raise NotFoundError(
            f"no import {import_ref!r}: a job id (job-...) is kept while the server runs "
            "(its import, once written, by its import_id); the import log: /api/v1/imports"
        )
    return job_response(job, polled=True)


def _logged(request: Request, store: Store, import_id: int) -> JSONResponse:
    """The import log's row, under the disclosure control of ``GET /api/v1/imports``."""
    from salamat.api.auth import hidden_areas, min_count
    from salamat.api.routes import records
    from salamat.services import disclosure
    from salamat.services.web import import_log

    log = import_log(store)
    rows = log[log["id"] == import_id]
    if rows.empty:
        raise NotFoundError(f"no import {import_id} in the import log (/api/v1/imports)")
    if hidden_areas(request, store) is not None:
        rows = disclosure.import_log(rows, min_count(request))
    else:
        rows = rows.assign(suppressed=None)
    row = records(rows)[0]
    body: dict[str, Any] = {
        "import_id": import_id,
        "job_id": None,
        "state": "done",
        "stage": "done",
        "progress": 1.0,
        **{k: v for k, v in row.items() if k != "id"},
    }
    return JSONResponse(body)
