"""``salamat import population PATH... --engine spark``: population checked and counted by Spark.

The PATHs (Parquet files, folders or globs on any filesystem Spark reads) hold either cells
(``region, year, sex, age, population``: estimates, many files of them) or a population
register (``id, sex, birth_date, region, ref_date``: one row per person resident on 1 July; see
:mod:`salamat.store.population_sql`). Spark runs the checks of the DuckDB import and counts the
persons into cells; the store receives the cells, the import summary with its problems and the
files' digests, in one transaction, written as the DuckDB import writes them (a cell created,
updated with its old value kept, or unchanged). Importing the same files again changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from salamat.errors import InputError, Problem
from salamat.ingest.pipeline import Progress, check_area_option, write_once
from salamat.ingest.population_cells import CELLS_LABEL
from salamat.ingest.population_register import REGISTER_LABEL, is_register, register_note
from salamat.ingest.records import POPULATION_REQUIRED, _check_columns, refuse_if_problems
from salamat.ingest.records_spark import _digest, _first_line, start_spark
from salamat.ingest.summary import MAX_PROBLEMS_KEPT, ImportSummary
from salamat.store.approval import has_accounts
from salamat.store.completeness import recompute_completeness
from salamat.store.connection import Store
from salamat.store.death_aggregates import region_lookup_rows
from salamat.store.imports import flags_raised_by
from salamat.store.population import merge_population, stage_cells_frame
from salamat.store.population_sql import REGISTER_FIELDS
from salamat.store.records import drop_tables
from salamat.store.reference import load_catalog

__all__ = ["import_population_spark"]


def import_population_spark(
    store: Store,
    paths: Sequence[str],
    *,
    dry_run: bool = False,
    source: str | None = None,
    progress: Progress | None = None,
    area: str | None = None,
    skip_invalid: bool = False,
    master: str | None = None,
    spark: Any = None,
) -> ImportSummary:
    """Check population cells or a register's persons with Spark and write the cells in one
    transaction (options as for :func:`salamat.ingest.records.import_population`; ``master``,
    ``spark`` as for :func:`salamat.ingest.records_spark.import_deaths_spark`)."""
    from salamat.store.spark import open_sources, register_reference
    from salamat.store.spark_population import check_population

    if has_accounts(store):
        raise InputError(
            "--engine spark imports into a store without accounts (local mode) only: import "
            "the population with the default engine on a server's store"
        )
    tick = progress or (lambda _stage: None)
    t0 = time.perf_counter()
    started = datetime.now()
    summary = ImportSummary(kind="population", files=[str(p) for p in paths])
    region = check_area_option(load_catalog(store), area)
    tick("starting Spark")
    session = spark if spark is not None else start_spark(master)
    register_reference(session, region_lookup_rows(store), [])
    tick("reading the files")
    opened = open_sources(session, list(paths), partitions=True)
    shapes = {is_register(list(src.columns)) for src in opened if not isinstance(src, Exception)}
    # any file with a register's columns makes the import a register's (as with DuckDB)
    shape = "register" if True in shapes else "cells"
    required = REGISTER_FIELDS if shape == "register" else POPULATION_REQUIRED
    sources = []
    refused = 0
    for path, src in zip(paths, opened, strict=True):
        try:
            if isinstance(src, Exception):
                raise InputError(f"{path}: cannot be read as Parquet: {src}")
            _check_columns(path, src.columns, required, required)
        except InputError as exc:
            refused += 1
            rows = 0 if isinstance(src, Exception) else int(session.table(src.view).count())
            summary.total += rows
            summary.rejected += rows
            if rows:
                name = str(path).rstrip("/").rsplit("/", 1)[-1]
                summary.notes.append(f"{name}: the whole file was refused ({rows} data row(s))")
            summary.add_problems(
                exc.problems or [Problem(str(path), None, None, str(exc).removeprefix(f"{path}: "))]
            )
            continue
        sources.append(src)
    check = None
    if sources:
        tick("checking the rows" if shape == "cells" else "checking and counting the persons")
        try:
            check = check_population(
                session,
                sources,
                "register" if shape == "register" else "cells",
                default_region=region,
                limit=MAX_PROBLEMS_KEPT,
                skip_invalid=skip_invalid,
            )
        except Exception as exc:  # a file Spark fails on while reading it (corrupt, unlike)
            raise InputError(
                f"Spark could not read the rows of {', '.join(paths)}: {_first_line(exc)}"
            ) from exc
        summary.total += check.total
        summary.rejected += check.rejected
        summary.add_problem_counts(check.reasons)
        summary.problem_count += sum(check.reasons.values())
        summary.problems.extend(check.problems[: max(0, MAX_PROBLEMS_KEPT - len(summary.problems))])
    if refuse_if_problems(summary, skip_invalid=skip_invalid, refused=refused) or check is None:
        if check is None and summary.status != "ERROR":
            summary.status = "ERROR"
            summary.notes.append("nothing was written: no file could be read")
        summary.seconds = time.perf_counter() - t0
        return summary
    assert check.cells is not None
    label = source or (REGISTER_LABEL if shape == "register" else CELLS_LABEL)
    if shape == "register":
        persons = int(check.cells["population"].sum()) if len(check.cells) else 0
        summary.notes.append(register_note(persons, len(check.cells)))
    tick("writing")
    files = [f for src in sources for f in src.files]
    cells = check.cells

    def write(import_id: int) -> tuple[int, int, int]:
        stage_cells_frame(store, cells, label)
        try:
            c = merge_population(
                store, import_id, started, write=not dry_run, keep_source=source is None
            )
        finally:
            drop_tables(store, ["_pop"])
        if not dry_run:
            n, notes = recompute_completeness(store, import_id=import_id)
            summary.flags = n
            summary.notes.extend(notes)
            summary.flags_raised = flags_raised_by(store, import_id)
        return c.created, c.updated, c.unchanged

    write_once(
        store,
        summary,
        paths=[],
        digest=_digest(files),
        source=source,
        started=started,
        dry_run=dry_run,
        write=write,
    )
    summary.seconds = time.perf_counter() - t0
    return summary
