"""``salamat import population REGISTER...``: a population register counted into cells (DuckDB).

A register extract has one row per person resident on the reference date: ``id``, ``sex``
(female/male, also F/M and 2/1), ``birth_date`` and ``ref_date`` (ISO dates; ``ref_date`` is
1 July, ``YYYY-07-01``: the store holds mid-year population) and ``region`` (an org-unit code or
a declared alias). The persons are checked (:mod:`salamat.store.population_sql`, the same SQL as
``--engine spark``) and counted by region x year x sex x completed years on the reference date;
the cells are written as ``import population`` writes estimates (created, updated, unchanged),
in one transaction. The persons are not stored.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from salamat.errors import InputError, Problem
from salamat.ingest.pipeline import Progress, check_area_option, write_once
from salamat.ingest.record_files import (
    add_row_problems,
    check_columns,
    drop_staged,
    open_source,
    refuse_file,
    source_view,
)
from salamat.ingest.registry import WriteScope
from salamat.ingest.summary import MAX_PROBLEMS_KEPT, ImportSummary
from salamat.store.connection import Store
from salamat.store.population import merge_population
from salamat.store.population_register import (
    REGISTER_TABLES,
    cells_from_register,
    register_outside_scope,
    register_problems,
    stage_register,
)
from salamat.store.population_sql import REGISTER_FIELDS
from salamat.store.records import count_rows, describe
from salamat.store.reference import load_catalog

__all__ = ["REGISTER_LABEL", "import_register", "is_register", "register_note"]

REGISTER_LABEL = "population register (no --source given)"


def is_register(columns: Sequence[str]) -> bool:
    """Whether a file's columns are a register's (persons), not cells: it names a
    ``ref_date`` or a ``birth_date`` and no ``population``."""
    have = {c.strip().lower() for c in columns}
    return "population" not in have and bool(have & {"ref_date", "birth_date"})


def header(path: Path) -> list[str]:
    """The column names of a CSV or Parquet file ([] when it cannot be read: the import then
    reports why)."""
    try:
        if path.name.lower().endswith((".parquet", ".pq")):
            return list(pq.read_schema(path).names)
        with open(path, encoding="utf-8-sig") as fh:
            return next(csv.reader([fh.readline()]), [])
    except (OSError, UnicodeDecodeError, pa.ArrowInvalid, csv.Error):
        return []


def register_note(persons: int, cells: int) -> str:
    return (
        f"population register: {persons} person(s) counted into {cells} population cell(s) "
        "(region x year x sex x completed years on 1 July); the persons are not stored"
    )


def import_register(
    store: Store,
    paths: Sequence[Path],
    *,
    dry_run: bool = False,
    source: str | None = None,
    progress: Progress | None = None,
    area: str | None = None,
    skip_invalid: bool = False,
    scope: WriteScope | None = None,
) -> ImportSummary:
    """Check a register's persons, count them into population cells and write the cells in
    one transaction (options as for :func:`salamat.ingest.records.import_population`)."""
    from salamat.ingest.records import recompute_record_flags, refuse_if_problems

    tick = progress or (lambda _stage: None)
    t0 = time.perf_counter()
    started = datetime.now()
    summary = ImportSummary(kind="population", files=[str(p) for p in paths])
    region = check_area_option(load_catalog(store), area)
    label = source or REGISTER_LABEL
    sources: list[tuple[str, str, dict[str, str]]] = []
    refused = 0
    try:
        for i, path in enumerate(paths):
            tick(f"reading {path.name}")
            try:
                rel = open_source(store, path, source_view(i))
                columns = describe(store, rel)
                check_columns(path, columns, REGISTER_FIELDS, REGISTER_FIELDS)
            except (InputError, OSError) as exc:
                refused += 1
                refuse_file(summary, path, exc)
                continue
            sources.append((str(path), rel, columns))
        if sources:
            tick("checking the persons")
            stage_register(store, sources, default_region=region)
            reasons, problems, bad = register_problems(store, MAX_PROBLEMS_KEPT)
            if scope is not None:
                outside, listed = register_outside_scope(
                    store, sorted(scope.units), MAX_PROBLEMS_KEPT
                )
                for code, k in outside.items():
                    reasons[f"region: area {code} is outside your scope ({scope.label})"] += k
                problems = sorted(
                    [
                        *problems,
                        *(Problem(f, r, "region", scope.message(c), c) for f, r, c in listed),
                    ],
                    key=lambda p: ([s[0] for s in sources].index(p.file), p.row or 0),
                )
                bad += sum(outside.values())
            summary.total += count_rows(store, "_popr")
            add_row_problems(summary, reasons, problems, bad)
        if refuse_if_problems(summary, skip_invalid=skip_invalid, refused=refused) or not sources:
            if not sources and summary.status != "ERROR":
                summary.status = "ERROR"
            summary.seconds = time.perf_counter() - t0
            return summary
        tick("counting the persons into cells")
        persons = cells_from_register(store, label)
        cells = count_rows(store, "_pop")
        summary.notes.append(register_note(persons, cells))

        def write(import_id: int) -> tuple[int, int, int]:
            c = merge_population(
                store, import_id, started, write=not dry_run, keep_source=source is None
            )
            if not dry_run:
                recompute_record_flags(store, "population", import_id, summary)
            return c.created, c.updated, c.unchanged

        tick("writing")
        write_once(
            store,
            summary,
            paths=paths,
            source=source,
            started=started,
            dry_run=dry_run,
            write=write,
        )
    finally:
        drop_staged(store, len(paths), [*REGISTER_TABLES, "_pop", "_pop_cmp"])
    summary.seconds = time.perf_counter() - t0
    return summary
