"""``salamat import deaths`` and ``salamat import population``: unit records, CSV or Parquet.

Deaths: ``id``, ``sex`` (female/male, also F/M and 2/1), ``birth_date`` (ISO date) and/or ``age``
(completed years), ``death_date`` (ISO date), ``region`` (an org-unit code such as KZ-75 or a
declared alias), ``icd10`` (underlying cause, I21.9 or I219). ``sex`` ``unknown`` (U, 9) and
``age`` ``unknown`` (U) are kept for a registration that does not state them (quality rule
``unknown_age_sex``) and left out of the age-sex aggregates.

Population: ``region``, ``year``, ``sex``, ``age`` (single years; the last may be open, ``85+``),
``population`` (mid-year residents, used as person-years of exposure).

The files are read by DuckDB (Parquet directly; CSV through an Arrow table of strings, so that
nothing is inferred and row numbers are exact: :mod:`salamat.ingest.record_files`) and validated
and aggregated in SQL.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Literal

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
from salamat.ingest.registry import ImportOptions, WriteScope, register_runner
from salamat.ingest.summary import MAX_PROBLEMS_KEPT, ImportSummary
from salamat.store.completeness import recompute_completeness
from salamat.store.connection import Store
from salamat.store.death_aggregates import cells_held_by_aggregates
from salamat.store.imports import flags_raised_by
from salamat.store.quality import recompute_death_flags
from salamat.store.records import (
    STAGING_TABLES,
    DeathCheck,
    RecordCounts,
    cross_file_duplicate_ids,
    death_problems,
    describe,
    drop_staged_rows,
    holds_no_deaths,
    holds_records,
    keep_valid_deaths,
    merge_deaths,
    reaggregate_deferred,
    rename_table,
    stage_deaths,
    staged_outside_scope,
    write_first_file,
)
from salamat.store.reference import load_catalog

__all__ = ["import_deaths", "import_population"]

DEATH_REQUIRED = ("id", "sex", "death_date", "region", "icd10")
DEATH_COLUMNS = ("id", "sex", "birth_date", "age", "death_date", "region", "icd10")
POPULATION_REQUIRED = ("region", "year", "sex", "age", "population")


# records_spark.py and population_spark.py import the column check from here
_check_columns = check_columns


def _run(
    store: Store,
    paths: Sequence[Path],
    *,
    dry_run: bool,
    source: str | None,
    progress: Progress | None,
    area: str | None = None,
    skip_invalid: bool = False,
    scope: WriteScope | None = None,
) -> ImportSummary:
    tick = progress or (lambda _stage: None)
    t0 = time.perf_counter()
    started = datetime.now()
    summary = ImportSummary(kind="deaths", files=[str(p) for p in paths])
    region = check_area_option(load_catalog(store), area)
    staged: list[tuple[Path, str]] = []
    checks: dict[str, DeathCheck] = {}
    # the source is the publisher's (--source), never the file's name: the same records
    # under another name are the same records
    label = source or "unit records (no --source given)"
    if (
        len(paths) == 1
        and scope is None
        and not dry_run
        and _first_import(store, paths[0], summary, tick, label, region, source, started)
    ):
        summary.seconds = time.perf_counter() - t0
        return summary
    try:
        refused = check_death_files(
            store, paths, summary, staged, tick, label, region, skip_invalid, scope, checks
        )
        if refuse_if_problems(summary, skip_invalid=skip_invalid, refused=refused):
            summary.seconds = time.perf_counter() - t0
            return summary
        if any(
            refuse_held_cells(
                summary,
                str(p),
                cells_held_by_aggregates(store, t),
                "as aggregates without their records (imported with --aggregates-only or --engine spark)",
            )
            for p, t in staged
        ):
            summary.seconds = time.perf_counter() - t0
            return summary
        # 2. one transaction for all files
        tick("writing")

        # every file clean and whole (no row dropped): every staged record is written, so
        # neither the records nor the dictionary entries they use are counted again
        all_clean = all(t in checks and checks[t].clean for _p, t in staged)

        def write(import_id: int) -> tuple[int, int, int]:
            total = RecordCounts(0, 0, 0)
            # the deaths are re-aggregated once, after the last file
            held = holds_records(store)
            for _path, table in staged:
                clean = checks[table].records if all_clean else None
                rename_table(store, table, "_dr")
                c = merge_deaths(
                    store,
                    import_id,
                    label,
                    write=not dry_run,
                    clean=clean,
                    defer=True,
                    all_new=not held,
                )
                total = RecordCounts(
                    total.created + c.created,
                    total.updated + c.updated,
                    total.unchanged + c.unchanged,
                )
            if not dry_run and total.created + total.updated:
                reaggregate_deferred(store, held_records=held)
            if not dry_run:
                recompute_record_flags(store, "deaths", import_id, summary)
            return total.created, total.updated, total.unchanged

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
        _drop(store, paths, staged)
    summary.seconds = time.perf_counter() - t0
    return summary


def recompute_record_flags(store: Store, kind: str, import_id: int, summary: ImportSummary) -> None:
    """The quality flags an import of ``kind`` (deaths or population) changes, in its
    transaction: their count, notes and the flags it raised go to ``summary``."""
    if kind == "deaths":
        summary.flags = recompute_death_flags(store, import_id=import_id)
    # registered deaths against population x reference rates: both kinds change it
    n, notes = recompute_completeness(store, import_id=import_id)
    summary.flags = (summary.flags or 0) + n
    summary.notes.extend(notes)
    summary.flags_raised = flags_raised_by(store, import_id)


class _NotClean(Exception):
    """Raised inside the transaction of :func:`_first_import` to roll it back."""


def _first_import(
    store: Store,
    path: Path,
    summary: ImportSummary,
    tick: Progress,
    label: str,
    region: str | None,
    source: str | None,
    started: datetime,
) -> bool:
    """Import one death-record file into a store that holds no deaths in one pass over it
    (:func:`salamat.store.records.write_first_file`); False, with nothing written and
    ``summary`` as it was, when that is not possible (the store holds deaths, the file cannot be
    read, or it has a problem): the caller then checks it record by record and names every
    problem. A clean file is written with the same records, counts and flags either way."""
    if not holds_no_deaths(store):
        return False
    try:
        tick(f"reading {path.name}")
        rel = open_source(store, path, source_view(0))
        columns = describe(store, rel)
        check_columns(path, columns, DEATH_REQUIRED, DEATH_COLUMNS)
        if "birth_date" not in columns and "age" not in columns:
            return False
        tick(f"validating {path.name}")

        def write(import_id: int) -> tuple[int, int, int]:
            n = write_first_file(
                store,
                rel,
                columns,
                date.today(),
                default_region=region,
                import_id=import_id,
                source=label,
            )
            if n is None:
                raise _NotClean
            tick("writing")
            summary.total = n
            recompute_record_flags(store, "deaths", import_id, summary)
            return n, 0, 0

        write_once(
            store, summary, paths=[path], source=source, started=started, dry_run=False, write=write
        )
    except (InputError, OSError, _NotClean):
        summary.total, summary.flags, summary.flags_raised = 0, None, None
        summary.notes.clear()
        return False
    finally:
        _drop(store, [path], [])
    return True


def _cross_file(summary: ImportSummary) -> bool:
    return any("more than one of the files" in r for r in summary.reasons)


def _drop(store: Store, paths: Sequence[Path], staged: list[tuple[Path, str]]) -> None:
    """Drop every staged table and source view: nothing of a source file stays in the store."""
    per_file = [f"_dv{i}_{c}" for i in range(len(paths)) for c in ("sex", "icd10", "region")]
    drop_staged(store, len(paths), [t for _p, t in staged] + list(STAGING_TABLES) + per_file)


def _validate_files(
    store: Store,
    kind: Literal["deaths"],
    paths: Sequence[Path],
    summary: ImportSummary,
    staged: list[tuple[Path, str]],
    tick: Progress,
    label: str,
    region: str | None,
    skip_invalid: bool,
    scope: WriteScope | None = None,
    checks: dict[str, DeathCheck] | None = None,
) -> int:
    """Stage and check every death-record file (``kind``: deaths only, and ``label`` unused:
    population cells are checked all files together, :mod:`salamat.ingest.population_cells`):
    problems go to ``summary``, staged tables to ``staged``, what the check of each found to
    ``checks`` (by staged table).
    With ``skip_invalid`` the rows with problems are removed from the staged tables. With
    ``scope``, a valid row for a region outside it is a problem too. Returns the number of
    files refused as a whole."""
    refused = 0
    for i, path in enumerate(paths):
        tick(f"reading {path.name}")
        try:
            rel = open_source(store, path, source_view(i))
            columns = describe(store, rel)
            check_columns(path, columns, DEATH_REQUIRED, DEATH_COLUMNS)
            if "birth_date" not in columns and "age" not in columns:
                raise InputError(
                    f"{path}: give a birth_date or an age column",
                    [Problem(str(path), 1, "age", "a birth_date or an age column is required")],
                )
        except (InputError, OSError) as exc:
            refused += 1
            refuse_file(summary, path, exc)
            continue
        tick(f"validating {path.name}")
        table = f"_staged{i}"
        today = date.today()
        dv = f"_dv{i}"  # the file's own distinct values: its view reads them
        check = stage_deaths(store, rel, columns, today, default_region=region, dv=dv)
        reasons, problems, bad = death_problems(
            store, str(path), MAX_PROBLEMS_KEPT, rel, columns, today, check, dv
        )
        if skip_invalid and bad:
            keep_valid_deaths(store)
        rename_table(store, "_dr", table)
        if checks is not None:
            checks[table] = check
        summary.total += check.records
        if scope is not None:
            outside = staged_outside_scope(store, table, sorted(scope.units))
            if outside:
                reason = f"region: area {{}} is outside your scope ({scope.label})"
                for code, k in Counter(code for _row, code in outside).items():
                    reasons[reason.format(code)] += k
                problems = sorted(
                    [
                        *problems,
                        *(
                            Problem(str(path), row, "region", scope.message(code), code)
                            for row, code in outside
                        ),
                    ],
                    key=lambda p: p.row or 0,
                )
                bad += len(outside)
                if skip_invalid:
                    drop_staged_rows(store, table, [row for row, _code in outside])
                    if checks is not None:
                        checks.pop(table, None)
        add_row_problems(summary, reasons, problems, bad)
        staged.append((path, table))
    return refused


def check_death_files(
    store: Store,
    paths: Sequence[Path],
    summary: ImportSummary,
    staged: list[tuple[Path, str]],
    tick: Progress,
    label: str,
    region: str | None,
    skip_invalid: bool,
    scope: WriteScope | None,
    checks: dict[str, DeathCheck],
) -> int:
    """Check every death-record file record by record (:func:`_validate_files`) and the ids
    across them (:func:`_cross_file_duplicates`); the number of files refused as a whole. The
    default import and ``--aggregates-only`` both check files so."""
    refused = _validate_files(
        store, "deaths", paths, summary, staged, tick, label, region, skip_invalid, scope, checks
    )
    if len(staged) > 1:
        _cross_file_duplicates(store, staged, summary, skip_invalid, checks)
    return refused


def _cross_file_duplicates(
    store: Store,
    staged: list[tuple[Path, str]],
    summary: ImportSummary,
    skip_invalid: bool,
    checks: dict[str, DeathCheck],
) -> None:
    """A record id may appear in only one of the files imported together (see
    :func:`report_cross_file`); with ``skip_invalid`` the later files' rows are dropped."""
    rows = cross_file_duplicate_ids(store, [(str(p), t) for p, t in staged])
    later = report_cross_file(rows, summary, skip_invalid)
    for _path, table in staged:
        dropped = [r for f, r, _i in later if f == str(_path)]
        drop_staged_rows(store, table, dropped)
        if dropped:
            checks.pop(table, None)


def report_cross_file(
    rows: list[tuple[str, int, str]], summary: ImportSummary, skip_invalid: bool
) -> list[tuple[str, int, str]]:
    """Report the (file, row, id) of every record whose id is in more than one file, in the
    order of the files, then rows. Without ``skip_invalid`` every row of such an id is a problem
    (the import is refused); with it, the first file's record is kept, as within a file, and the
    rows of the later files are to be skipped (returned) and are listed like any invalid row."""
    if skip_invalid:
        first: dict[str, tuple[str, int]] = {}
        for file, row, rid in rows:
            first.setdefault(rid, (file, row))
        later = [(f, r, rid) for f, r, rid in rows if first[rid] != (f, r)]
        message = (
            "the record id appears in an earlier file of the import (first at "
            "{0}, row {1}): this row is skipped"
        )
        for file, row, rid in later:
            summary.problems.append(Problem(file, int(row), "id", message.format(*first[rid]), rid))
        if later:
            summary.reasons["id: the record id appears in an earlier file of the import"] += len(
                later
            )
            summary.problem_count += len(later)
            summary.rejected += len(later)
        return later
    for file, row, rid in rows:
        summary.problems.append(
            Problem(
                file, int(row), "id", "the record id appears in more than one of the files", rid
            )
        )
    if rows:
        summary.reasons["id: the record id appears in more than one of the files"] += len(rows)
        summary.problem_count += len(rows)
    return []


def refuse_if_problems(summary: ImportSummary, *, skip_invalid: bool, refused: int) -> bool:
    """Decide on the problems found: True (status ERROR, nothing to write) when there are
    problems and no ``skip_invalid``, or a file was refused as a whole, or nothing valid is
    left, or an id is in more than one file; else the status is WARNING (valid rows written)
    or stays SUCCESS."""
    if not (summary.problem_count or summary.problems):
        return False
    summary.problem_count = max(summary.problem_count, len(summary.problems))
    if not summary.reasons:
        summary.add_problem_counts(
            Counter(f"{p.field or 'file'}: {p.message}" for p in summary.problems)
        )
    valid = summary.total - summary.rejected
    if not skip_invalid or refused or valid <= 0 or _cross_file(summary):
        summary.status = "ERROR"
        summary.notes.append("nothing was written: fix the problems and import again")
        return True
    summary.status = "WARNING"
    summary.notes.append(
        f"--skip-invalid: {summary.rejected} row(s) skipped, each listed with its "
        "reason; the valid rows were imported"
    )
    return False


def refuse_held_cells(
    summary: ImportSummary, file: str, cells: list[tuple[str, int]], other: str
) -> bool:
    """Refuse (status ERROR) an import into region x year cells the store holds otherwise:
    ``other`` says how (as aggregates without records, or as unit records)."""
    if not cells:
        return False
    summary.add_problems(
        [
            Problem(
                file,
                None,
                "region",
                f"{region} {year}: the store holds the deaths of this region and year {other}; "
                "one region and year is held one way only",
                region,
            )
            for region, year in cells
        ]
    )
    summary.status = "ERROR"
    summary.notes.append("nothing was written: fix the problems and import again")
    return True


def import_deaths(
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
    """Validate death records, aggregate them and write them in one transaction (``area``:
    the region of records without one; ``skip_invalid``: write the valid records only)."""
    return _run(
        store,
        paths,
        dry_run=dry_run,
        source=source,
        progress=progress,
        area=area,
        skip_invalid=skip_invalid,
        scope=scope,
    )


def import_population(
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
    """Validate population estimates, all the files together
    (:mod:`salamat.ingest.population_cells`), and upsert them in one transaction (options as
    for :func:`import_deaths`). Files with a register's columns (``id, sex, birth_date, region,
    ref_date``: one row per person) are counted into the cells first
    (:mod:`salamat.ingest.population_register`)."""
    from salamat.ingest.population_cells import import_cells
    from salamat.ingest.population_register import header, import_register, is_register

    run = (
        import_register
        if paths and any(is_register(header(p)) for p in paths if p.is_file())
        else import_cells
    )
    return run(
        store,
        paths,
        dry_run=dry_run,
        source=source,
        progress=progress,
        area=area,
        skip_invalid=skip_invalid,
        scope=scope,
    )


def _run_deaths(store: Store, files: list[Path], o: ImportOptions) -> ImportSummary:
    """``salamat import deaths``: the records stored, or with ``--aggregates-only`` their counts
    (:mod:`salamat.ingest.death_aggregates`)."""
    if o.aggregates_only:
        from salamat.ingest.death_aggregates import import_deaths_aggregates

        if o.scope is not None:
            raise InputError(
                "--aggregates-only imports into a store without accounts (local mode) only"
            )
        return import_deaths_aggregates(
            store,
            files,
            dry_run=o.dry_run,
            source=o.source,
            progress=o.progress,
            area=o.area,
            skip_invalid=o.skip_invalid,
        )
    return import_deaths(
        store,
        files,
        dry_run=o.dry_run,
        source=o.source,
        progress=o.progress,
        area=o.area,
        skip_invalid=o.skip_invalid,
        scope=o.scope,
    )


register_runner(
    "deaths",
    _run_deaths,
    "unit-record death registrations (CSV/Parquet): id, sex, birth_date/age, death_date, region, icd10",
)
register_runner(
    "population",
    lambda store, files, o: import_population(
        store,
        files,
        dry_run=o.dry_run,
        source=o.source,
        progress=o.progress,
        area=o.area,
        skip_invalid=o.skip_invalid,
        scope=o.scope,
    ),
    "population estimates (CSV/Parquet): region, year, sex, age, population; or a population "
    "register, one row per person: id, sex, birth_date, region, ref_date (1 July)",
)
