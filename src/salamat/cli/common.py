"""What every ``salamat`` command shares: consoles, the --db option, output formats, errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from salamat.errors import SalamatError, StoreError

__all__ = ["DbOption", "Fmt", "err", "errors", "escape", "out"]

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
