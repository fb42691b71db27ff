"""Use cases shared by the CLI, the API and the web pages."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from salamat.errors import InputError, Problem
from salamat.ingest.summary import ImportSummary
from salamat.services.revisions import check_vintage
from salamat.services.suggest import area_hint, indicator_hint
from salamat.store.connection import Store
from salamat.store.orgunits import member_codes
from salamat.store.queries import catalogue_frame, series_frame, store_info
from salamat.store.reference import has_data_element, load_catalog, resolve_area

if TYPE_CHECKING:
    from salamat.ingest.pipeline import Progress
    from salamat.ingest.registry import WriteScope

__all__ = [
    "check_spark_kind",
    "import_kinds",
    "info",
    "missing_files",
    "read_mapping",
    "run_import",
    "run_spark_import",
    "series",
    "successor_hint",
]


def import_kinds() -> dict[str, str]:
    from salamat.ingest.registry import kinds

    _load_parsers()
    return kinds()


def _load_parsers() -> None:
    """Register every import kind; done when an import runs, not when this module is imported
    (the readers import pandas, pyarrow and sdmx1, which a ``series`` query does not need)."""
    from salamat.ingest.kinds import load_parsers

    load_parsers()


def missing_files(kind: str, files: list[Path]) -> ImportSummary | None:
    """A rejected summary when a file does not exist (checked before the store is opened, so a
    mistyped name never creates an empty store), else None."""
    absent = [f for f in files if not f.exists()]
    if not absent:
        return None
    summary = ImportSummary(kind=kind, files=[str(f) for f in files], status="ERROR")
    summary.add_problems([Problem(str(f), None, None, "no such file or folder") for f in absent])
    summary.notes.append("nothing was written: fix the problems and import again")
    return summary


def read_mapping(path: Path | None) -> dict[str, dict[str, str]]:
    """A code mapping file: CSV with ``dimension,from,to`` (dimension: area, indicator, sex ...)."""
    if path is None:
        return {}
    out: dict[str, dict[str, str]] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        need = {"dimension", "from", "to"}
        if not need <= set(reader.fieldnames or []):
            raise InputError(f"{path}: a mapping file needs the columns dimension, from, to")
        for row in reader:
            out.setdefault(row["dimension"].strip(), {})[row["from"].strip()] = row["to"].strip()
    return out


def run_import(
    store: Store,
    kind: str,
    files: list[Path],
    *,
    dry_run: bool = False,
    source: str | None = None,
    mapping: Path | None = None,
    new_indicators: bool = False,
    progress: Progress | None = None,
    metadata: list[Path] | None = None,
    area: str | None = None,
    skip_invalid: bool = False,
    new_areas: str | None = None,
    scope: WriteScope | None = None,
    aggregates_only: bool = False,
) -> ImportSummary:
    """Run one import of ``kind`` (see :func:`import_kinds`); the options are those of
    ``salamat import`` (:class:`~salamat.ingest.registry.ImportOptions`), and ``scope``: the
    org units a scoped editor may write to (rows for other units are rejected with that
    reason; None: every unit, as on the command line). ``aggregates_only``: deaths only."""
    from salamat.ingest.pipeline import import_observations
    from salamat.ingest.registry import ImportOptions, get_runner, parser_kinds

    if not files:
        raise InputError("give at least one file to import")
    from salamat.ingest.kinds import load_kind

    load_kind(kind)
    options = ImportOptions(
        dry_run=dry_run,
        source=source,
        mapping=read_mapping(mapping),
        new_indicators=new_indicators,
        progress=progress,
        metadata=metadata or [],
        area=area,
        skip_invalid=skip_invalid,
        new_areas=new_areas,
        scope=scope,
        aggregates_only=aggregates_only,
    )
    if aggregates_only and kind != "deaths":
        raise InputError(
            f"--aggregates-only is for deaths (unit records), not {kind}: other kinds are "
            "stored as they are"
        )
    runner = get_runner(kind)
    if runner is not None:
        return runner(store, files, options)
    if kind not in parser_kinds():
        raise InputError(
            f"unknown import kind {kind!r}: expected one of {', '.join(import_kinds())}"
        )
    return import_observations(
        store,
        kind,
        files,
        dry_run=options.dry_run,
        source=options.source,
        new_indicators=options.new_indicators,
        mapping=options.mapping,
        progress=options.progress,
        metadata=options.metadata,
        area=options.area,
        skip_invalid=options.skip_invalid,
        new_areas=options.new_areas,
        scope=options.scope,
    )


def check_spark_kind(kind: str) -> None:
    """``--engine spark`` is for death records and population (cells or a register): any
    other kind is refused (exit 2)."""
    if kind not in ("deaths", "population"):
        raise InputError(
            f"--engine spark imports deaths and population only (not {kind}): other kinds are "
            "imported with the default engine"
        )


def run_spark_import(
    store: Store,
    kind: str,
    paths: list[str],
    *,
    master: str | None = None,
    dry_run: bool = False,
    source: str | None = None,
    progress: Progress | None = None,
    area: str | None = None,
    skip_invalid: bool = False,
) -> ImportSummary:
    """``salamat import deaths|population PATH... --engine spark``: the records checked and
    aggregated by Spark where they are (:mod:`salamat.ingest.records_spark`,
    :mod:`salamat.ingest.population_spark`); ``paths`` as given (a file, a
    folder or a glob, ``hdfs://`` or ``s3a://`` URIs included)."""
    check_spark_kind(kind)
    if not paths:
        raise InputError("give at least one file to import")
    from salamat.ingest.population_spark import import_population_spark
    from salamat.ingest.records_spark import import_deaths_spark

    run = import_deaths_spark if kind == "deaths" else import_population_spark
    return run(
        store,
        paths,
        master=master,
        dry_run=dry_run,
        source=source,
        progress=progress,
        area=area,
        skip_invalid=skip_invalid,
    )


def series(
    store: Store,
    indicator: str,
    area: str,
    *,
    sex: str | None = "total",
    start: int | None = None,
    end: int | None = None,
    source: str | None = None,
    age: str | None = None,
    cause: str | None = None,
    residence: str | None = "total",
    vintage: str | None = None,
) -> pd.DataFrame:
    """One indicator's values for an area (a code or alias; a group such as OTS gives its
    members), with bounds, unit and source; ``vintage`` as in
    :func:`salamat.store.revisions.observation_relation` (default: the latest)."""
    vintage = check_vintage(vintage)
    if not has_data_element(store, indicator):
        raise InputError(f"unknown indicator {indicator!r}: {indicator_hint(store, indicator)}")
    unit = resolve_area(store, area)
    if unit is None:
        raise InputError(f"unknown area {area!r}: {area_hint(store, area)}")
    code, kind = unit
    areas = [code]
    if kind in ("group", "who_region"):
        areas = member_codes(store, code)
    return series_frame(
        store,
        indicator=indicator,
        areas=areas,
        sex=sex,
        start_year=start,
        end_year=end,
        source=source,
        age=age,
        cause=cause,
        residence=residence,
        vintage=vintage,
    )


def list_indicators(store: Store) -> pd.DataFrame:
    return catalogue_frame(store, "indicators")


def list_causes(store: Store) -> pd.DataFrame:
    return catalogue_frame(store, "causes")


def list_areas(store: Store, under: str) -> pd.DataFrame:
    """Org units directly under ``under`` (a group lists its members), with validity."""
    catalog = load_catalog(store)
    code = catalog.resolve(under)
    if code is None:
        raise InputError(f"unknown area {under!r}: {area_hint(store, under)}")
    below = catalogue_frame(store, "areas", code)
    # a unit with nothing under it (KZ-ONT): the unit itself and what succeeded it
    return below if not below.empty else catalogue_frame(store, "unit", code)


def info(store: Store) -> dict[str, Any]:
    return store_info(store)


def successor_hint(store: Store, area: str, start: int | None = None) -> str:
    """Where the values went when a unit ended: ``; KZ-ONT ended on 2017-12-31, its
    successors are KZ-61 (Turkistan Region), KZ-79 (Shymkent)`` (empty when it did not end)."""
    catalog = load_catalog(store)
    code = catalog.resolve(area)
    if code is None:
        return ""
    units = catalogue_frame(store, "unit", code)
    me = units[units["role"] == "itself"]
    after = units[units["role"] == "successor"]
    if me.empty or after.empty:
        return ""
    ended = me.iloc[0]["valid_to"]
    if ended is None or ended != ended:
        return ""
    names = ", ".join(f"{r['code']} ({r['name_en']})" for r in after.to_dict(orient="records"))
    when = f" ended on {pd.Timestamp(ended).date().isoformat()}"
    return f"; {code}{when}: its successors are {names} (try --area {after.iloc[0]['code']})"
