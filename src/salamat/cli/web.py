"""``salamat serve``: the dashboard and the REST API on a store, for a browser on this machine.

:func:`register` adds the command to the ``salamat`` Typer app. Exit codes as for the other
commands: 2 bad usage, 3 the store cannot be opened (none yet: run ``salamat demo``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from salamat.api.cache import DEFAULT_BYTES
from salamat.errors import StoreError

__all__ = ["register"]

err = Console(stderr=True, highlight=False)


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
) -> None:
    """Serve the dashboard (targets, indicators, map, comparison, life tables) and the REST API
    (/api/v1) on the store, read-only. Stop with Ctrl+C; imports wait until it stops."""
    import uvicorn

    from salamat.api.app import create_app
    from salamat.store.connection import resolve_store_path

    path = resolve_store_path(db)
    if not path.exists():
        err.print(
            f"[bold red]error:[/] no store at {path}: build the demo store with "
            "`salamat demo` (or import data with `salamat import`), or point --db at a store"
        )
        raise typer.Exit(3)
    try:
        app = create_app(path, cache_bytes=cache_mb * 2**20)
    except StoreError as exc:
        err.print(f"[bold red]error:[/] {exc}", markup=True)
        raise typer.Exit(3) from None
    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(
            f"[yellow]note:[/] listening on {host}: anyone who can reach this address can read "
            "the store (there is no login)"
        )
    err.print(f"Salamat on http://{host}:{port}/  (store {path}, read-only; Ctrl+C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def register(app: typer.Typer) -> None:
    """Add ``salamat serve`` to the command line."""
    app.command("serve")(serve)
