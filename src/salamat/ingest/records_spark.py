"""``salamat import deaths PATH... --engine spark``: death records checked and aggregated by Spark.

The records stay where they are (Parquet files, folders or globs on any filesystem Spark reads);
Spark runs the checks and the aggregation of :mod:`salamat.store.deaths_sql`, the same SQL as
the DuckDB import, and the store receives what Salamat keeps of them: the deaths by region x
year x sex x age x cause group, the import summary with its problems (file and record number),
and the files' digests, in one transaction. Importing the same files again changes nothing.

What a Spark import does not give, because the records are not in the store: record-level
corrections and their versions, the undo of the import and re-aggregation (new cause groups)
for its region-years. The record-level quality rules (ill-defined causes, garbage codes,
unspecified injuries, unknown age or sex) run on the deaths by ICD-10 code that Spark counts
with the aggregates (``death_aggregate_code``), as on stored records. A region and year is held
either as records or as aggregates (this import, or ``--aggregates-only``): each import refuses
a region and year the other holds. The write is :func:`salamat.ingest.death_aggregates.
write_aggregates`, shared with the DuckDB aggregates-only import.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from salamat.errors import InputError, Problem
from salamat.ingest.death_aggregates import not_kept, refuse_accounts, write_aggregates
from salamat.ingest.pipeline import Progress, check_area_option, file_digest
from salamat.ingest.records import (
    DEATH_COLUMNS,
    DEATH_REQUIRED,
    _check_columns,
    refuse_if_problems,
    report_cross_file,
)
from salamat.ingest.summary import MAX_PROBLEMS_KEPT, ImportSummary
from salamat.store.connection import Store
from salamat.store.death_aggregates import cause_ranges, region_lookup_rows
from salamat.store.reference import load_catalog

__all__ = ["import_deaths_spark", "start_spark"]


def start_spark(master: str | None) -> Any:
    """A SparkSession, or a clear error when pyspark or Java is missing."""
    try:
        from salamat.store.spark import spark_session

        return spark_session(master)
    except ImportError as exc:
        raise InputError(
            "--engine spark needs pyspark: pip install 'salamat[spark]' (and Java 17)"
        ) from exc
    except Exception as exc:  # the JVM did not start (no java, a wrong master URL ...)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"cannot start Spark{f' at {master}' if master else ''}: {first} "
            "(Spark needs Java 17: apt-get install openjdk-17-jre-headless)"
        ) from exc


def _first_line(exc: BaseException) -> str:
    """The first line of an error; of a JVM error, its root cause's (Spark's messages carry a
    Java stack trace, whose first line names only the call that failed)."""
    text = str(exc).strip()
    java = getattr(exc, "java_exception", None)
    try:
        while java is not None:
            text = str(java.toString())
            java = java.getCause()
    except Exception:  # the JVM is gone: keep what was read
        pass
    return text.splitlines()[0] if text else type(exc).__name__


def _digest(files: list[str]) -> str:
    """SHA-256 over the files' bytes in order when they are local (the DuckDB import's digest
    of the same files); for files elsewhere, over their URIs (Salamat does not copy them)."""
    local = [Path(f.removeprefix("file://").removeprefix("file:")) for f in files]
    if all(f.startswith("file:") or "://" not in f for f in files) and all(
        p.is_file() for p in local
    ):
        return file_digest(local)
    return hashlib.sha256("\n".join(files).encode()).hexdigest()


def import_deaths_spark(
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
    """Check and aggregate death records with Spark, write the aggregates in one transaction
    (options as for :func:`salamat.ingest.records.import_deaths`; ``master``: the Spark master
    URL; ``spark``: a running SparkSession to use instead)."""
    from salamat.store.spark import check_deaths, open_sources, register_reference

    refuse_accounts(store, "--engine spark")
    tick = progress or (lambda _stage: None)
    t0 = time.perf_counter()
    started = datetime.now()
    summary = ImportSummary(kind="deaths", files=[str(p) for p in paths])
    region = check_area_option(load_catalog(store), area)
    tick("starting Spark")
    session = spark if spark is not None else start_spark(master)
    register_reference(session, region_lookup_rows(store), cause_ranges(store))
    tick("reading the files")
    sources = []
    refused = 0
    for path, src in zip(paths, open_sources(session, list(paths)), strict=True):
        try:
            if isinstance(src, Exception):
                raise InputError(f"{path}: cannot be read as Parquet: {src}")
            _check_columns(path, src.columns, DEATH_REQUIRED, DEATH_COLUMNS)
            if "birth_date" not in src.columns and "age" not in src.columns:
                raise InputError(
                    f"{path}: give a birth_date or an age column",
                    [Problem(str(path), 1, "age", "a birth_date or an age column is required")],
                )
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
        tick("checking and aggregating the records")
        try:
            check = check_deaths(
                session,
                sources,
                date.today(),
                default_region=region,
                limit=MAX_PROBLEMS_KEPT,
                skip_invalid=skip_invalid,
            )
        except Exception as exc:  # a file Spark fails on while reading it (corrupt, unlike)
            raise InputError(
                f"Spark could not read the records of {', '.join(paths)}: {_first_line(exc)}"
            ) from exc
        summary.total += check.total
        summary.rejected += check.rejected
        summary.add_problem_counts(check.reasons)
        summary.problem_count += sum(check.reasons.values())
        summary.problems.extend(check.problems[: max(0, MAX_PROBLEMS_KEPT - len(summary.problems))])
        report_cross_file(check.cross, summary, skip_invalid)
    summary.notes.append(not_kept("spark"))
    if refuse_if_problems(summary, skip_invalid=skip_invalid, refused=refused) or check is None:
        if check is None and summary.status != "ERROR":
            summary.status = "ERROR"
            summary.notes.append("nothing was written: no file could be read")
        summary.seconds = time.perf_counter() - t0
        return summary
    assert check.aggregates is not None and check.records is not None
    assert check.codes is not None
    tick("writing")
    write_aggregates(
        store,
        summary,
        (check.aggregates, check.records, check.codes),
        engine="spark",
        file=", ".join(paths),
        digest=_digest([f for src in sources for f in src.files]),
        paths=[],
        source=source,
        started=started,
        dry_run=dry_run,
    )
    summary.seconds = time.perf_counter() - t0
    return summary
