"""``salamat import population FILE...``: population cells (estimates) checked together (DuckDB).

A cells file has one row a cell: ``region, year, sex, age, population`` (single years of age,
the last of a region, year and sex may be open, ``85+``; mid-year residents). The files of one
import are one data set, as with ``--engine spark`` and as for a register: every row is checked
with the SQL of :mod:`salamat.store.population_sql` over all the files, so a cell (region,
year, sex, age) given twice is a problem wherever the two rows are, in one file or in two (the
later row names the file and row of the first), and so are an age above a region's open band
and a second open band given in another file. Nothing is replaced silently by a later file:
without ``--skip-invalid`` the import is refused; with it the first row of the cell is kept
(the earlier file's, or the earlier row of one file) and the later ones are skipped and listed.
The cells kept are written in one transaction (created, updated with the old value kept, or
unchanged).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

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
from salamat.store.population import (
    CELL_TABLES,
    cell_problems,
    cells_outside_scope,
    keep_valid_cells,
    merge_population,
    stage_cells,
)
from salamat.store.records import describe
from salamat.store.reference import load_catalog

__all__ = ["CELLS_LABEL", "import_cells"]

CELLS_LABEL = "population estimates (no --source given)"


def import_cells(
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
    """Check population cells, all the files together, and upsert the valid ones in one
    transaction (options as for :func:`salamat.ingest.records.import_population`)."""
    from salamat.ingest.records import (
        POPULATION_REQUIRED,
        recompute_record_flags,
        refuse_if_problems,
    )

    tick = progress or (lambda _stage: None)
    t0 = time.perf_counter()
    started = datetime.now()
    summary = ImportSummary(kind="population", files=[str(p) for p in paths])
    region = check_area_option(load_catalog(store), area)
    label = source or CELLS_LABEL
    opened: list[tuple[str, str]] = []
    refused = 0
    try:
        for i, path in enumerate(paths):
            tick(f"reading {path.name}")
            try:
                rel = open_source(store, path, source_view(i))
                columns = describe(store, rel)
                check_columns(path, columns, POPULATION_REQUIRED, POPULATION_REQUIRED)
            except (InputError, OSError) as exc:
                refused += 1
                refuse_file(summary, path, exc)
                continue
            opened.append((str(path), rel))
        if opened:
            tick("validating the cells")
            summary.total += stage_cells(store, opened, default_region=region)
            listed: list[Problem] = []
            if scope is not None:
                outside, rows = cells_outside_scope(store, sorted(scope.units), MAX_PROBLEMS_KEPT)
                for code, k in outside.items():
                    summary.reasons[
                        f"region: area {code} is outside your scope ({scope.label})"
                    ] += k
                summary.problem_count += sum(outside.values())
                listed = [Problem(f, r, "region", scope.message(c), c) for f, r, c in rows]
            reasons, problems, bad = cell_problems(store, MAX_PROBLEMS_KEPT)
            if listed:
                order = [name for name, _r in opened]
                problems = sorted(
                    [*problems, *listed], key=lambda p: (order.index(p.file), p.row or 0)
                )
            add_row_problems(summary, reasons, problems, bad)
        if refuse_if_problems(summary, skip_invalid=skip_invalid, refused=refused) or not opened:
            if not opened and summary.status != "ERROR":
                summary.status = "ERROR"
            summary.seconds = time.perf_counter() - t0
            return summary
        keep_valid_cells(store, label)

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
        drop_staged(store, len(paths), CELL_TABLES)
    summary.seconds = time.perf_counter() - t0
    return summary
