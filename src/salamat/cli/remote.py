"""``salamat import ... --server URL``: send an import to a running ``salamat serve``.

While a server runs it is the store's one writer, so an import goes to it over HTTP
(``POST /api/v1/imports``, :mod:`salamat.api.imports`) instead of opening the store. The files
are uploaded with the options as form fields; the command follows the job
(``GET /api/v1/imports/{job_id}``) with a progress bar and prints the summary the server sends,
which is the summary of a local import. The token is read from ``SALAMAT_TOKEN`` (never an
option: a command line is visible to every user of the computer); a server in local mode needs
none.

Errors keep the command line's exit codes: 1 the import was rejected (nothing written), 2 bad
input or not allowed (401, 403, 413, 422), 3 the server cannot be reached or cannot write (503).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from salamat.errors import AccessError, InputError, Problem, StoreError

if TYPE_CHECKING:
    import httpx

    from salamat.ingest.summary import ImportSummary

__all__ = ["send_import"]

POLL_SECONDS = 0.5


def _fields(options: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in options.items():
        if value is None or value is False:
            continue
        out[key] = "true" if value is True else str(value)
    return out


def _error(response: httpx.Response, server: str) -> Exception:
    """The exception (and so the exit code) for an answer that is not a summary."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    message = str(body.get("error") or response.text[:200] or response.reason_phrase)
    status = response.status_code
    if status == 401:
        return AccessError(
            f"the server at {server} asks to sign in ({message}): set SALAMAT_TOKEN to a token "
            "of an editor or admin (salamat tokens create NAME, where the server runs)"
        )
    if status == 403:
        return AccessError(f"the server at {server} refused: {message}")
    if status in (503, 500) or status >= 500:
        return StoreError(f"the server at {server} could not import: {message}")
    problems = [
        Problem(
            str(p.get("field") or "form"),
            None,
            p.get("field"),
            str(p.get("message")),
            p.get("value"),
        )
        for p in body.get("problems") or []
        if isinstance(p, dict)
    ]
    return InputError(f"the server at {server} refused the import: {message}", problems)


def _failed(body: dict[str, Any], server: str) -> Exception:
    """The exception for a job that could not run (its ``http_status``: 503 the store, else
    a bad option)."""
    message = str(body.get("error") or "the import could not run")
    if int(body.get("http_status") or 422) >= 500:
        return StoreError(f"the server at {server} could not import: {message}")
    problems = [
        Problem("form", None, p.get("field"), str(p.get("message")), p.get("value"))
        for p in body.get("problems") or []
        if isinstance(p, dict)
    ]
    return InputError(f"the server at {server} refused the import: {message}", problems)


@contextmanager
def _progress(enabled: bool) -> Iterator[Any]:
    from salamat.cli.common import percent_bar

    if not enabled:
        yield None
        return
    with percent_bar() as bar:
        yield bar


def send_import(
    server: str,
    token: str | None,
    kind: str,
    files: list[Path],
    *,
    options: dict[str, Any],
    map_file: Path | None = None,
    metadata: list[Path] | None = None,
    transport: httpx.BaseTransport | None = None,
    progress: bool = True,
) -> ImportSummary:
    """Upload ``files`` to the server at ``server`` as an import of ``kind`` and follow it to
    its end; return its summary. ``options``: the form fields (``dry_run``, ``source``,
    ``new_indicators``, ``skip_invalid``, ``area``, ``new_areas``). ``transport``: for tests.

    Raises
    ------
    AccessError
        No or a wrong token (401), not an editor, outside the scope, CSRF (403).
    InputError
        A bad option or file (413, 422).
    StoreError
        The server cannot be reached, or cannot write (503).
    """
    import httpx

    from salamat.ingest.summary import summary_from_dict

    base = server.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise InputError(f"--server {server!r}: expected a URL such as http://127.0.0.1:8000")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with (
        httpx.Client(base_url=base, headers=headers, timeout=120.0, transport=transport) as client,
        ExitStack() as stack,
        _progress(progress) as bar,
    ):
        uploads: list[tuple[str, tuple[str, Any, str]]] = [
            ("file", (f.name, stack.enter_context(open(f, "rb")), "application/octet-stream"))
            for f in files
        ]
        for m in metadata or []:
            uploads.append(
                (
                    "metadata",
                    (m.name, stack.enter_context(open(m, "rb")), "application/octet-stream"),
                )
            )
        if map_file is not None:
            uploads.append(
                ("map", (map_file.name, stack.enter_context(open(map_file, "rb")), "text/csv"))
            )
        task = bar.add_task(f"uploading to {base}", total=1.0) if bar is not None else None
        try:
            response = client.post(
                "/api/v1/imports",
                data={"kind": kind, "wait": "2", **_fields(options)},
                files=uploads,
            )
            if response.status_code not in (200, 202, 409):
                raise _error(response, base)
            body = response.json()
            # queued or running: follow the job (GET answers 200 with its state)
            while body.get("state") in ("queued", "running"):
                if bar is not None and task is not None:
                    stage = body.get("stage") or body.get("state")
                    bar.update(
                        task, description=f"{stage} (on {base})", completed=body.get("progress", 0)
                    )
                time.sleep(POLL_SECONDS)
                response = client.get(f"/api/v1/imports/{body['job_id']}")
                if response.status_code != 200:
                    raise _error(response, base)
                body = response.json()
        except httpx.HTTPError as exc:
            raise StoreError(
                f"cannot reach the server at {base}: {exc} (is `salamat serve` running there?)"
            ) from exc
    if body.get("state") == "failed":
        raise _failed(body, base)
    return summary_from_dict(body)
