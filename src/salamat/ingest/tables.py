"""Reading CSV and Parquet files into frames of strings, with the row each value came from."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from salamat.errors import InputError, Problem

__all__ = [
    "count_data_rows",
    "delimiter_hint",
    "file_kind",
    "read_table",
    "refused_count",
    "require_columns",
]


def file_kind(path: Path) -> str:
    """``csv`` or ``parquet`` from the file name; anything else is an error."""
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz", ".txt")):
        return "csv"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    raise InputError(f"{path}: expected a .csv or .parquet file")


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV (UTF-8, header row) or Parquet file as strings, adding ``_file`` and ``_row``.

    ``_row`` is the line a spreadsheet shows for CSV (the header is row 1) and the 1-based record
    number for Parquet. Empty cells are empty strings; nothing is inferred.
    """
    if not path.exists():
        raise InputError(f"{path}: no such file")
    kind = file_kind(path)
    try:
        if kind == "csv":
            df = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                encoding="utf-8-sig",
                quoting=csv.QUOTE_MINIMAL,
            )
            first_row = 2
        else:
            table = pq.read_table(path)
            df = pd.DataFrame(
                {name: _arrow_to_str(table.column(name)) for name in table.column_names}
            )
            first_row = 1
    except (pd.errors.ParserError, UnicodeDecodeError, pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"{path}: cannot be read as {kind.upper()}: {exc}") from exc
    except pd.errors.EmptyDataError as exc:
        raise InputError(f"{path}: the file is empty (expected a header row)") from exc
    df.columns = [str(c).strip().lower() for c in df.columns]
    df["_file"] = str(path)
    df["_row"] = range(first_row, first_row + len(df))
    return df


def count_data_rows(path: Path) -> int:
    """The number of data rows of a file refused as a whole, for the summary: records of a
    Parquet file, non-blank lines after the header of a text file (CSV), and 0 for a folder, a
    missing file, or a file whose rows cannot be counted (JSON, XML, binary)."""
    try:
        if not path.is_file():
            return 0
        name = path.name.lower()
        if name.endswith((".parquet", ".pq")):
            return int(pq.ParquetFile(path).metadata.num_rows)
        if not name.endswith((".csv", ".txt", ".tsv")):
            return 0
        with open(path, "rb") as fh:
            lines = sum(1 for line in fh if line.strip())
        return max(lines - 1, 0)
    except (OSError, pa.ArrowInvalid):
        return 0


def refused_count(path: Path) -> tuple[int, str]:
    """What a file refused as a whole counts for in the summary, and in which unit.

    The summary counts what the import would have stored: data rows of a table, and for a
    Eurostat bulk TSV (one line per series, one column per period, the first header cell
    ``unit,sex,age,geo\\time``) its observations, lines x periods, so that a refused TSV and a
    read one are counted alike. Returns ``(count, "N data row(s)")`` or ``(count, "N
    observation(s): L line(s) x P period(s)")``.
    """
    name = path.name.lower()
    if name.endswith((".tsv", ".tsv.gz")) and path.is_file():
        try:
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rt", encoding="utf-8-sig", errors="replace") as fh:
                header = fh.readline().rstrip("\r\n").split("\t")
                lines = sum(1 for line in fh if line.strip())
        except (OSError, EOFError):
            header, lines = [], 0
        if header and "\\" in header[0]:
            periods = len(header) - 1
            count = lines * periods
            return count, f"{count} observation(s): {lines} line(s) x {periods} period(s)"
    rows = count_data_rows(path)
    return rows, f"{rows} data row(s)"


def _arrow_to_str(col: pa.ChunkedArray) -> list[str]:
    values = col.to_pylist()
    return [
        "" if v is None else (v.isoformat() if hasattr(v, "isoformat") else str(v)) for v in values
    ]


def delimiter_hint(columns: list[str]) -> str:
    """A hint when a CSV header read as one column holds another delimiter (``;``, tab, ``|``)."""
    if len(columns) != 1:
        return ""
    for sep, label in ((";", "';'"), ("\t", "tabs"), ("|", "'|'")):
        if sep in columns[0]:
            return f": the file seems to use {label} as delimiter; expected commas"
    return ""


def require_columns(df: pd.DataFrame, path: Path, required: tuple[str, ...]) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        names = [c for c in df.columns if not c.startswith("_")]
        have = ", ".join(names)
        hint = delimiter_hint(names)
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}{hint}",
            [
                Problem(
                    str(path), 1, c, f"required column is missing (the header has: {have}){hint}"
                )
                for c in missing
            ],
        )
