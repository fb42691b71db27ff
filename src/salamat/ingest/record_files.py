"""Unit-record files (CSV or Parquet) as DuckDB relations: the file handling shared by the
imports of death records and population estimates (:mod:`salamat.ingest.records`) and of a
population register (:mod:`salamat.ingest.population_register`).

A file is opened as the temp view ``_src<i>`` with a ``_row`` column (the line a spreadsheet
shows for CSV, the header being row 1; the 1-based record number for Parquet), its columns are
checked against what the kind reads, and a file that cannot be read or has the wrong columns is
refused as a whole: its data rows are counted as read and rejected, and its problems are listed.
Whatever happens, the staged tables and the source views are dropped at the end, so that nothing
of a source file stays in the store.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from salamat.errors import InputError, Problem
from salamat.ingest.summary import MAX_PROBLEMS_KEPT, ImportSummary
from salamat.ingest.tables import count_data_rows, delimiter_hint, file_kind
from salamat.store.connection import Store
from salamat.store.records import describe, drop_sources, drop_tables, open_arrow, open_parquet

__all__ = [
    "add_row_problems",
    "check_columns",
    "drop_staged",
    "open_source",
    "refuse_file",
    "source_view",
]


def source_view(i: int) -> str:
    """The name of the temp view over the ``i``-th file of an import (``_src0``, ``_src1`` ...)."""
    return f"_src{i}"


def open_source(store: Store, path: Path, name: str) -> str:
    """Register the file as a relation with a ``_row`` column; return its SQL name."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    kind = file_kind(path)
    if kind == "parquet":
        try:
            open_parquet(store, path, name)
            describe(store, name)
        except (OSError, duckdb.Error) as exc:
            raise InputError(f"{path}: cannot be read as Parquet: {exc}") from exc
        return name
    try:
        with open(path, encoding="utf-8-sig") as fh:
            header = fh.readline().rstrip("\r\n")
        names = next(csv.reader([header])) if header else []
        if not names:
            raise InputError(f"{path}: the file is empty (expected a header row)")
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding="utf8", use_threads=True),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as CSV: {exc}") from exc
    table = table.rename_columns([c.lstrip("\ufeff").strip().lower() for c in table.column_names])
    table = table.append_column("_row", pa.array(range(2, 2 + table.num_rows), pa.int64()))
    open_arrow(store, table, name)
    return name


def check_columns(
    path: Path | str, columns: dict[str, str], required: Sequence[str], allowed: Sequence[str]
) -> None:
    """Required columns present, and no column the kind does not read (a misspelt ``regoin``
    is never ignored): every one is named in its own problem."""
    have = [c for c in columns if c != "_row"]
    missing = [c for c in required if c not in columns]
    unknown = [c for c in have if c not in allowed]
    if not missing and not unknown:
        return
    hint = delimiter_hint(have)
    problems = [
        Problem(
            str(path),
            1,
            c,
            f"required column is missing (the header has: {', '.join(have)}){hint}",
        )
        for c in missing
    ] + [
        Problem(
            str(path),
            1,
            c,
            f"unknown column: expected only {', '.join(allowed)} (remove or rename it)",
        )
        for c in unknown
        if not hint
    ]
    what = []
    if missing:
        what.append(f"missing column(s) {', '.join(missing)}")
    if unknown and not hint:
        what.append(f"unknown column(s) {', '.join(unknown)}")
    raise InputError(f"{path}: {'; '.join(what)}{hint}", problems)


def refuse_file(summary: ImportSummary, path: Path, exc: InputError | OSError) -> None:
    """Record in ``summary`` that ``path`` was refused as a whole because of ``exc``.

    Its data rows (:func:`salamat.ingest.tables.count_data_rows`) count as read and rejected, a
    note says how many there were, and the problems of ``exc`` are listed (an error without
    problems, such as an unreadable file, is listed as one problem of the file, without a row).
    """
    rows = count_data_rows(path)
    summary.total += rows
    summary.rejected += rows
    if rows:
        summary.notes.append(f"{path.name}: the whole file was refused ({rows} data row(s))")
    problems = exc.problems if isinstance(exc, InputError) else []
    summary.add_problems(
        problems or [Problem(str(path), None, None, str(exc).removeprefix(f"{path}: "))]
    )


def add_row_problems(
    summary: ImportSummary, reasons: Counter[str], problems: list[Problem], rejected: int
) -> None:
    """Record what the check of a file's rows found: ``rejected`` rows, every problem counted by
    its reason (``reasons``, counted in SQL over all rows) and the first of ``problems`` kept in
    full, up to ``MAX_PROBLEMS_KEPT`` for the whole import."""
    summary.rejected += rejected
    summary.add_problem_counts(reasons)
    summary.problem_count += sum(reasons.values())
    summary.problems.extend(problems[: max(0, MAX_PROBLEMS_KEPT - len(summary.problems))])


def drop_staged(store: Store, files: int, tables: Sequence[str]) -> None:
    """Drop the staged ``tables`` (those that exist) and the source views of an import of
    ``files`` files (:func:`source_view`): nothing of a source file stays in the store."""
    drop_tables(store, list(tables))
    drop_sources(store, [source_view(i) for i in range(files)])
