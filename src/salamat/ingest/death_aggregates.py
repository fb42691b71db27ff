"""Death records imported as aggregates: the records stay in the user's files.

``salamat import deaths FILE... --aggregates-only`` (DuckDB, here) and ``--engine spark`` (where
the records are, :mod:`salamat.ingest.records_spark`) check every record with the same SQL and
the same messages as the default import, and store what Salamat needs of them: the deaths by
region x year x sex x age x cause group, the records (and those without age or sex) by region x
year, and the deaths by ICD-10 code that the record-level quality rules read. They replace the
region-years they cover, in one transaction: importing the same files again changes nothing.

What such an import does not give, because the records are not in the store: record-level
corrections and their versions, the undo of the import, and re-aggregation (new cause groups)
for its region-years. A region and year is held either as records or as aggregates: each kind
of import refuses a region and year the other holds.

The DuckDB aggregates-only import reads a clean file twice and writes no record
(:func:`salamat.store.death_aggregates.count_if_clean`); a file with a problem, or whose dates
are text, is checked record by record as by the default import, which names every problem.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from salamat.errors import InputError
from salamat.ingest.pipeline import Progress, check_area_option, write_once
from salamat.ingest.record_files import check_columns, open_source, source_view
from salamat.ingest.records import (
    DEATH_COLUMNS,
    DEATH_REQUIRED,
    _drop,
    check_death_files,
    refuse_held_cells,
    refuse_if_problems,
)
from salamat.ingest.summary import ImportSummary
from salamat.ingest.tables import file_kind
from salamat.store.approval import has_accounts
from salamat.store.completeness import recompute_completeness
from salamat.store.connection import Store
from salamat.store.death_aggregates import (
    cells_held_by_records,
    count_if_clean,
    count_staged,
    counted_frames,
    counted_shape,
    drop_counting,
    merge_death_aggregates,
)
from salamat.store.imports import flags_raised_by
from salamat.store.quality import recompute_death_flags
from salamat.store.records import DeathCheck, RecordCounts, describe
from salamat.store.reference import load_catalog

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Engine", "import_deaths_aggregates", "not_kept", "refuse_accounts", "write_aggregates"]

Engine = Literal["duckdb", "spark"]


def not_kept(engine: Engine) -> str:
    """The note every aggregates-only import adds to its summary."""
    how = (
        "engine spark: the records stayed where they are"
        if engine == "spark"
        else "--aggregates-only: the records stayed in the files"
    )
    return (
        f"{how}; the store holds their deaths by region, year, sex, age and cause group, and by "
        "ICD-10 code for the quality rules. Not available for these regions and years: record "
        "corrections, undo of the import and re-aggregation"
    )


def refuse_accounts(store: Store, option: str) -> None:
    """An aggregates-only import writes into a store without accounts (local mode) only."""
    if has_accounts(store):
        raise InputError(
            f"{option} imports into a store without accounts (local mode) only: the "
            "aggregates it writes replace the deaths they cover and cannot wait as a draft "
            "for approval; import the records without it, or aggregate into a local store"
        )


def write_aggregates(
    store: Store,
    summary: ImportSummary,
    frames: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
    *,
    engine: Engine,
    file: str,
    digest: str | None,
    paths: Sequence[Path],
    source: str | None,
    started: datetime,
    dry_run: bool,
) -> None:
    """Refuse region-years the store holds as records, else write the aggregates ``frames``
    (deaths, records by cell, deaths by code: :func:`counted_frames`) with their quality flags
    and completeness, and log the import, in one transaction (``digest``: of the files, or
    None to hash ``paths``)."""
    aggregates, cells, codes = frames
    if refuse_held_cells(
        summary,
        file,
        cells_held_by_records(store, cells),
        "as unit records (imported without --aggregates-only)",
    ):
        return
    label = source or "unit records (no --source given)"

    def write(import_id: int) -> tuple[int, int, int]:
        c: RecordCounts = merge_death_aggregates(
            store,
            import_id,
            aggregates,
            cells,
            write=not dry_run,
            codes=codes,
            source=label,
            engine=engine,
        )
        if not dry_run:
            summary.flags = recompute_death_flags(store, import_id=import_id)
            n, notes = recompute_completeness(store, import_id=import_id)
            summary.flags = (summary.flags or 0) + n
            summary.notes.extend(notes)
            summary.flags_raised = flags_raised_by(store, import_id)
        return c.created, c.updated, c.unchanged

    write_once(
        store,
        summary,
        paths=paths,
        digest=digest,
        source=source,
        started=started,
        dry_run=dry_run,
        write=write,
    )


def _counted(store: Store, paths: Sequence[Path], region: str | None, tick: Progress) -> int | None:
    """Count the records of ``paths`` into ``_afine_n`` when every file is Parquet with typed
    dates of one shape and every record is proved clean by counting; the number of records,
    or None (nothing counted: the files are checked record by record)."""
    if not paths or any(not p.is_file() or file_kind(p) != "parquet" for p in paths):
        return None
    shapes = set()
    views = []
    try:
        for i, path in enumerate(paths):
            tick(f"reading {path.name}")
            view = open_source(store, path, source_view(i))
            columns = describe(store, view)
            check_columns(path, columns, DEATH_REQUIRED, DEATH_COLUMNS)
            shapes.add(counted_shape(columns))
            views.append((view, [c for c in columns if c != "_row"]))
    except (InputError, OSError):
        return None
    if len(shapes) != 1 or None in shapes:
        return None
    shape = shapes.pop()
    assert shape is not None
    tick("checking and counting the records")
    return count_if_clean(
        store, [v for v, _c in views], views[0][1], shape, date.today(), region, files=paths
    )


def import_deaths_aggregates(
    store: Store,
    paths: Sequence[Path],
    *,
    dry_run: bool = False,
    source: str | None = None,
    progress: Progress | None = None,
    area: str | None = None,
    skip_invalid: bool = False,
) -> ImportSummary:
    """``salamat import deaths FILE... --aggregates-only``: check every record as the default
    import does and write the deaths by region x year x sex x age x cause group, not the
    records (options as for :func:`salamat.ingest.records.import_deaths`)."""
    refuse_accounts(store, "--aggregates-only")
    tick = progress or (lambda _stage: None)
    t0 = time.perf_counter()
    started = datetime.now()
    summary = ImportSummary(kind="deaths", files=[str(p) for p in paths])
    region = check_area_option(load_catalog(store), area)
    label = source or "unit records (no --source given)"
    staged: list[tuple[Path, str]] = []
    try:
        total = _counted(store, paths, region, tick)
        if total is not None:
            summary.total = total
        else:
            checks: dict[str, DeathCheck] = {}
            refused = check_death_files(
                store, paths, summary, staged, tick, label, region, skip_invalid, None, checks
            )
            summary.notes.append(not_kept("duckdb"))
            if refuse_if_problems(summary, skip_invalid=skip_invalid, refused=refused):
                summary.seconds = time.perf_counter() - t0
                return summary
            count_staged(store, [t for _p, t in staged])
        if total is not None:
            summary.notes.append(not_kept("duckdb"))
        tick("writing")
        write_aggregates(
            store,
            summary,
            counted_frames(store),
            engine="duckdb",
            file=", ".join(str(p) for p in paths),
            digest=None,
            paths=paths,
            source=source,
            started=started,
            dry_run=dry_run,
        )
    finally:
        drop_counting(store)
        _drop(store, paths, staged)
    summary.seconds = time.perf_counter() - t0
    return summary
