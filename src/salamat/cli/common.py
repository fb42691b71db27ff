"""What every ``salamat`` command shares: consoles, the --db option, output formats, errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from salamat.errors import SalamatError, StoreError

if TYPE_CHECKING:
    from rich.progress import Progress

__all__ = ["DbOption", "Fmt", "err", "errors", "escape", "out", "percent_bar"]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="Store file (else $SALAMAT_DB, else ~/.local/share/salamat/salamat.duckdb).",
        show_default=False,
    ),
]


def percent_bar() -> Progress:
    """The bar long work shows on stderr (spinner, what it is doing, bar, percent, time), gone
    when it ends; rich.progress is imported here, not at start-up."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


class Fmt(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def escape(text: str) -> str:
    """Text printed through Rich as it is (no markup)."""
    return text.replace("[", r"\[")


@contextmanager
def errors() -> Iterator[None]:
    """Print Salamat's own errors as one clear message and exit with its code: 3 when the store
    is busy or cannot be opened, 2 for bad input or a method that cannot apply."""
    try:
        yield
    except StoreError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        raise typer.Exit(3) from None
    except SalamatError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
