"""``salamat export``: observations as SDMX-CSV (with a structure message), a DHIS2 data value
set (JSON) or tidy CSV with a metadata file per indicator."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from salamat.errors import SalamatError, StoreError

__all__ = ["register"]

err = Console(stderr=True, highlight=False)


class ExportFmt(StrEnum):
    sdmx = "sdmx"
    dhis2 = "dhis2"
    tidy = "tidy"


def export_command(
    fmt: Annotated[ExportFmt, typer.Argument(metavar="FORMAT", help="sdmx, dhis2 or tidy.")],
    indicator: Annotated[
        list[str] | None, typer.Option("--indicator", help="Indicator code (repeatable).")
    ] = None,
    area: Annotated[
        list[str] | None, typer.Option("--area", help="Org-unit code (repeatable).")
    ] = None,
    source: Annotated[str | None, typer.Option(help="Only values of this source.")] = None,
    map_file: Annotated[
        Path | None,
        typer.Option("--map", help="CSV dimension,from,to: Salamat codes to DHIS2 ids."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="File (sdmx: FILE.csv; dhis2) or folder (tidy)."),
    ] = None,
    db: Annotated[Path | None, typer.Option("--db", help="Store file.", show_default=False)] = None,
) -> None:
    """Export observations in an exchange format; the matching import reads them back."""
    from salamat.export import export
    from salamat.services.imports import read_mapping
    from salamat.store.connection import Store, resolve_store_path

    try:
        with Store.open(resolve_store_path(db), read_only=True) as store:
            files, text = export(
                store,
                fmt.value,
                output,
                indicators=indicator,
                areas=area,
                source=source,
                mapping=read_mapping(map_file),
            )
    except StoreError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(3) from None
    except SalamatError as exc:
        err.print(f"[bold red]error:[/] {str(exc).replace('[', chr(92) + '[')}")
        raise typer.Exit(2) from None
    if text is not None:
        sys.stdout.write(text)
    for f in files:
        err.print(f"wrote {f}")


def register(app: typer.Typer) -> None:
    """Add the ``export`` command."""
    app.command("export")(export_command)
