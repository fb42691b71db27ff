"""Exports: observations as SDMX-CSV with a structure message, as a DHIS2 data value set, or as
tidy CSV with a metadata file per indicator. Each reads the store through
:mod:`salamat.store.export` and writes files that the matching import reads back unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from salamat.errors import InputError
from salamat.export.common import select
from salamat.export.dhis2 import write_dhis2
from salamat.export.sdmx import write_sdmx
from salamat.export.tidy import write_tidy
from salamat.store.connection import Store

__all__ = ["ExportFormat", "export"]

ExportFormat = Literal["sdmx", "dhis2", "tidy"]


def export(
    store: Store,
    fmt: ExportFormat,
    output: Path | None,
    *,
    indicators: list[str] | None = None,
    areas: list[str] | None = None,
    source: str | None = None,
    mapping: dict[str, dict[str, str]] | None = None,
) -> tuple[list[Path], str | None]:
    """Write the export; returns the files written, and the text when written to no file."""
    frame = select(store, indicators, areas, source)
    if fmt == "sdmx":
        if output is None:
            raise InputError("give -o FILE.csv: SDMX writes the data and a structure message")
        return write_sdmx(store, frame, output), None
    if fmt == "dhis2":
        text = write_dhis2(frame, output, mapping or {})
        return ([output] if output else []), (None if output else text)
    if fmt == "tidy":
        if output is None:
            raise InputError("give -o FOLDER: tidy writes one CSV and one JSON per indicator")
        return write_tidy(store, frame, output), None
    raise InputError(f"unknown export format {fmt!r}: expected sdmx, dhis2 or tidy")
