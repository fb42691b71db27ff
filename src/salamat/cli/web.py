"""``salamat serve``: the dashboard and the REST API on a store, for a browser on this machine.

:func:`register` adds the command to the ``salamat`` Typer app. Exit codes as for the other
commands: 2 bad usage, 3 the store cannot be opened (none yet: run ``salamat demo``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from salamat.api.cache import DEFAULT_BYTES
from salamat.errors import StoreError

# salamat.methods.disclosure.DEFAULT_MIN_COUNT, written out: that module imports numpy, which
# `salamat --help` should not wait for (tests/test_disclosure.py checks the two agree)
DEFAULT_MIN_COUNT = 10

__all__ = ["register"]

err = Console(stderr=True, highlight=False)

# An origin as a browser sends it (RFC 6454, 6.1): scheme, host, optional port; nothing else.
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+")


def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on; 127.0.0.1 keeps it to this computer.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help="Store file (else $SALAMAT_DB, else ~/.local/share/salamat/salamat.duckdb).",
            show_default=False,
        ),
    ] = None,
    cache_mb: Annotated[
        int,
        typer.Option(
            "--cache-mb",
            min=0,
            help="Memory for computed answers kept to serve again, in MB (0: keep none).",
        ),
    ] = DEFAULT_BYTES // 2**20,
    lockout_failures: Annotated[
        int,
        typer.Option(
            "--lockout-failures", min=1, help="Failed sign-ins under one name that lock it."
        ),
    ] = 5,
    lockout_minutes: Annotated[
        int,
        typer.Option(
            "--lockout-minutes", min=1, help="The window those failures count in, and the lock."
        ),
    ] = 15,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--cors-origin",
            help="An origin (https://portal.example.kz) whose pages may call the API from a "
            "browser; repeat for more. None by default: no CORS headers at all.",
            show_default=False,
        ),
    ] = None,
    max_upload_mb: Annotated[
        int,
        typer.Option(
            "--max-upload-mb", min=1, help="Largest request body accepted, in MB (else 413)."
        ),
    ] = 50,
    request_timeout: Annotated[
        float,
        typer.Option(
            "--request-timeout",
            min=0.1,
            help="Seconds a request may run before its answer starts (else 503).",
        ),
    ] = 60.0,
    public: Annotated[
        bool,
        typer.Option(
            "--public",
            help="Let anyone read without signing in (the store needs accounts); small cells "
            "of the unit records are suppressed for them (--min-count).",
        ),
    ] = False,
    min_count: Annotated[
        int,
        typer.Option(
            "--min-count",
            min=1,
            help="Disclosure control: no count of 1 to N-1 deaths, and no rate, life table, "
            "30q70 or decomposition resting on a cell under N deaths, for anonymous readers "
            "and for users outside their org units (PHE's rule: 10).",
        ),
    ] = DEFAULT_MIN_COUNT,
    read_only: Annotated[
        bool,
        typer.Option(
            "--read-only",
            help="Take no imports; other processes may then read the store beside the server.",
        ),
    ] = False,
) -> None:
    """Serve the dashboard (targets, indicators, map, comparison, life tables) and the REST API
    (/api/v1) on the store. With no user (local mode) only on this computer; once a user
    exists, every request signs in (with --public, reads need not). Anonymous readers and users
    outside their org units see small cells suppressed (--min-count). The server is the store's
    one writer: imports go to it (salamat import ... --server URL, the upload page,
    POST /api/v1/imports). Stop with Ctrl+C."""
    import json
    import os

    import uvicorn

    bad = [o for o in cors_origin or () if not _ORIGIN.fullmatch(o)]
    if bad:
        err.print(
            f"error: --cors-origin {bad[0]!r} is not an origin: expected a scheme and a host, "
            "and a port if not the usual one, with no path (https://portal.example.kz)",
            markup=False,
        )
        raise typer.Exit(2)

    from salamat.api.app import create_app
    from salamat.services.accounts import Lockout, local_mode, serve_refusal
    from salamat.store.connection import Store, resolve_store_path, server_file

    path = resolve_store_path(db)
    if not path.exists():
        err.print(
            f"[bold red]error:[/] no store at {path}: build the demo store with "
            "`salamat demo` (or import data with `salamat import`), or point --db at a store"
        )
        raise typer.Exit(3)
    try:
        with Store.open(path, read_only=True) as store:
            refusal = serve_refusal(store, host, str(path))
            local = local_mode(store)
    except StoreError as exc:
        err.print(f"[bold red]error:[/] {exc}", markup=False)
        raise typer.Exit(3) from None
    if refusal is not None:
        err.print(f"error: {refusal}", markup=False)
        raise typer.Exit(2)
    if public and local:
        err.print(
            "error: --public lets readers in without signing in beside the accounts, and this "
            "store has none (local mode: the server is already open on this computer, with "
            "nothing suppressed). Add an admin first: salamat users add NAME --role admin "
            "--password-stdin",
            markup=False,
        )
        raise typer.Exit(2)
    try:
        app = create_app(
            path,
            cache_bytes=cache_mb * 2**20,
            lockout=Lockout(lockout_failures, lockout_minutes),
            cors_origins=tuple(cors_origin or ()),
            max_upload_bytes=max_upload_mb * 2**20,
            request_timeout=request_timeout,
            public=public,
            min_count=min_count,
            writable=not read_only,
        )
    except StoreError as exc:
        err.print(f"[bold red]error:[/] {exc}", markup=True)
        raise typer.Exit(3) from None
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}"
    mode = "read-only" if read_only else "imports: --server " + url
    if local:
        err.print(
            "local mode: no accounts (this computer only, nothing suppressed; "
            "`salamat users add` to add some)"
        )
        err.print(f"Salamat on {url}/  (store {path}, {mode}; Ctrl+C to stop)", markup=False)
    else:
        who = (
            f"anyone may read, with cells under {min_count} deaths suppressed; writes sign in"
            if public
            else "every request signs in"
        )
        err.print(f"Salamat on {url}/  (store {path}; {who}; {mode}; Ctrl+C to stop)", markup=False)
        err.print(
            f"disclosure control: cells under {min_count} deaths suppressed for "
            + ("anonymous readers and " if public else "")
            + "users outside their org units"
        )
    beacon: Path | None = server_file(path)
    try:
        # where this server listens, for a command that meets its lock (store.connection)
        server_file(path).write_text(json.dumps({"pid": os.getpid(), "url": url}), encoding="utf-8")
    except OSError:
        beacon = None
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        if beacon is not None:
            beacon.unlink(missing_ok=True)


def backup(
    dest: Annotated[
        Path,
        typer.Argument(
            help="The new file to write (never overwritten), e.g. salamat-2026-12-01.duckdb."
        ),
    ],
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help="Store file (else $SALAMAT_DB, else ~/.local/share/salamat/salamat.duckdb).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Copy the store to a new file DEST, consistent as of one moment: written under a
    temporary name, checked (it opens, every table has the same rows) and only then named DEST.
    The store must not be held by another process (stop `salamat serve` first when it has
    accounts). Restore by copying DEST back while nothing runs."""
    from salamat.cli.common import errors
    from salamat.store.backup import backup_store
    from salamat.store.connection import resolve_store_path

    path = resolve_store_path(db)
    with errors():
        result = backup_store(path, dest)
    total = sum(result.rows.values())
    err.print(
        f"backup written: {result.path} ({result.size_bytes / 2**20:.1f} MB; "
        f"{len(result.rows)} tables, {total} rows, the same as in {path})",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    """Add ``salamat serve`` and ``salamat backup`` to the command line."""
    app.command("serve")(serve)
    app.command("backup")(backup)
