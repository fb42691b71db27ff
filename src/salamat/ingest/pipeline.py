"""The shared import pipeline: parse every file, validate every row, write once or not at all.

Guarantees (the same for every kind):

* every row of every file is checked before anything is written, and all problems are reported;
* the write is one DuckDB transaction: a failed, interrupted or killed import leaves the store
  exactly as it was (DuckDB's write-ahead log discards an uncommitted transaction on reopen);
* writing the same file again changes no data: identical values are counted as unchanged;
* ``dry_run`` does all of the above but rolls back.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd

from salamat.errors import InputError, Problem
from salamat.ingest import canonical
from salamat.ingest.registry import (
    NewArea,
    NewIndicator,
    ParseContext,
    WriteScope,
    get_parser,
    parser_kinds,
)
from salamat.ingest.summary import ImportSummary
from salamat.ingest.tables import refused_count
from salamat.store import audit
from salamat.store.approval import import_approval
from salamat.store.completeness import COMPLETENESS_INDICATORS, recompute_completeness
from salamat.store.connection import Store
from salamat.store.imports import finish_import, flags_raised_by, next_import_id
from salamat.store.indicators import add_imported_indicators
from salamat.store.observations import upsert_observations
from salamat.store.orgunits import add_new_areas, new_area_frame, with_new_areas
from salamat.store.quality import recompute_flags, record_revisions
from salamat.store.reference import Catalog, load_catalog

__all__ = [
    "Progress",
    "check_area_option",
    "file_digest",
    "hold_point",
    "import_observations",
    "outside_scope",
    "write_once",
]

Progress = Callable[[str], None]


def file_digest(paths: Sequence[Path]) -> str:
    """SHA-256 over the files' bytes, in order (recorded in the import log); a folder (an Open
    SDG repository) counts as its files in sorted order."""
    digest = hashlib.sha256()
    files = [
        f
        for p in paths
        for f in (sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p])
    ]
    for p in files:
        with open(p, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def hold_point() -> None:
    """Test hook: pause inside the open transaction so a test can kill the process there.

    Active only when ``SALAMAT_TEST_HOLD_IN_TRANSACTION`` names a file: the file is created,
    then the process sleeps until killed (at most 120 s).
    """
    marker = os.environ.get("SALAMAT_TEST_HOLD_IN_TRANSACTION")
    if marker:
        Path(marker).write_text(str(os.getpid()))
        time.sleep(120)


def check_area_option(catalog: Catalog, area: str | None, option: str = "--area") -> str | None:
    """The canonical code of an ``--area`` (or ``--new-areas``) value, a code, alias or name
    (``Armenia``); an unknown or ambiguous one is an error (exit 2) naming the option, never a
    silent default."""
    if area is None:
        return None
    from salamat.ingest.places import resolve_area_names

    code = resolve_area_names(catalog, [area]).get(area)
    if code is None:
        raise InputError(
            f"{option} {area!r}: unknown org unit: expected a code such as KAZ, KZ-75 or WORLD "
            "(salamat info --areas)"
        )
    return code


def import_observations(
    store: Store,
    kind: str,
    paths: Sequence[Path],
    *,
    dry_run: bool = False,
    source: str | None = None,
    new_indicators: bool = False,
    mapping: dict[str, dict[str, str]] | None = None,
    progress: Progress | None = None,
    metadata: Sequence[Path] = (),
    area: str | None = None,
    skip_invalid: bool = False,
    new_areas: str | None = None,
    scope: WriteScope | None = None,
) -> ImportSummary:
    """Run an observation-type import (``observations``, ``wpp`` and the exchange formats).

    ``area`` (``--area``) is given to rows that name no area; without it such rows are rejected.
    ``skip_invalid`` (``--skip-invalid``) writes the valid rows and lists every other row with
    its reason (status WARNING); a file refused as a whole still refuses the import.
    ``new_areas`` (``--new-areas PARENT``) creates, under PARENT, the units a parser proposes.
    ``scope`` (a scoped editor's units, on the server): a row for a known unit outside it is
    rejected with that reason (:func:`outside_scope`).
    """
    tick = progress or (lambda _stage: None)
    parser = get_parser(kind)
    if parser is None:
        raise InputError(
            f"unknown import kind {kind!r}: expected one of {', '.join(parser_kinds())}"
        )
    started = datetime.now()
    t0 = time.perf_counter()
    summary = ImportSummary(kind=kind, files=[str(p) for p in paths])
    catalog = load_catalog(store)
    ctx = ParseContext(
        catalog=catalog,
        mapping=mapping or {},
        metadata=list(metadata),
        area=check_area_option(catalog, area),
        new_areas=check_area_option(catalog, new_areas, "--new-areas"),
        new_indicators=new_indicators,
    )

    frames: list[pd.DataFrame] = []
    problems: list[Problem] = []
    proposed: list[NewArea] = []
    refused: dict[str, int] = {}  # file -> data rows of a file refused as a whole
    refused_as: dict[str, str] = {}  # file -> what they are ("3 data row(s)", "620 observations")
    counted: dict[str, int] = {}  # file -> observations its parser refused, counted by the parser
    declared: list[NewIndicator] = []
    for path in paths:
        tick(f"reading {path.name}")
        try:
            parsed = parser(path, ctx)
        except InputError as exc:
            refused[str(path)], refused_as[str(path)] = refused_count(path)
            problems.extend(
                exc.problems or [Problem(str(path), None, None, str(exc).removeprefix(f"{path}: "))]
            )
            continue
        except (ValueError, KeyError, TypeError, RecursionError, MemoryError) as exc:
            refused[str(path)], refused_as[str(path)] = refused_count(path)
            problems.append(
                Problem(str(path), None, None, f"cannot be read as a {kind} file: {exc!r}")
            )
            continue
        problems.extend(parsed.problems)
        if parsed.rejected_observations is not None:
            counted[str(path)] = parsed.rejected_observations
        summary.notes.extend(parsed.notes)
        proposed.extend(parsed.new_areas)
        declared.extend(parsed.new_indicators)
        frame = parsed.frame
        if "source" not in frame.columns:
            frame = frame.assign(source=source or parsed.default_source or "")
        frames.append(frame)

    tick("validating")
    raw = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=[*canonical.COLUMNS, "_file", "_row"])
    )
    raw = apply_mapping(raw, ctx.mapping)
    if ctx.area is not None and len(raw):
        blank = raw["area"].isna() | (raw["area"].astype(str).str.strip() == "")
        raw.loc[blank, "area"] = ctx.area
    new_units = pd.DataFrame()
    if proposed and ctx.new_areas is not None:
        new_units = new_area_frame(catalog, ctx.new_areas, proposed)
        catalog = with_new_areas(catalog, new_units)
    parse_rows = {
        (p.file, p.row)
        for p in problems
        if p.row is not None and p.file not in refused and p.file not in counted
    }
    summary.total = len(raw) + len(parse_rows) + sum(counted.values()) + sum(refused.values())
    scope_problems: list[Problem] = []
    if scope is not None and len(raw):
        raw, scope_problems = outside_scope(raw, catalog, scope)
        problems.extend(scope_problems)
    checked = canonical.validate(
        raw,
        catalog,
        default_source=source,
        new_indicators=new_indicators,
        current_year=started.year,
    )
    summary.skipped_missing = checked.skipped_missing
    if checked.skipped_missing:
        summary.notes.append(
            f"skipped {checked.skipped_missing} missing value(s) (NaN, NA, :, .., - or empty)"
        )
    problems.extend(checked.problems)
    for file in refused:
        summary.notes.append(
            f"{Path(file).name}: the whole file was refused ({refused_as[file]}): see its problems"
        )
    if problems:
        summary.rejected = (
            checked.rows_with_problems
            + len(parse_rows - {(p.file, p.row) for p in checked.problems})
            + sum(counted.values())
            + sum(refused.values())
            + len(scope_problems)
        )
        summary.add_problems(problems)
        if not skip_invalid or refused or checked.frame.empty:
            summary.status = "ERROR"
            if skip_invalid and not refused:
                summary.notes.append("no valid row to import (--skip-invalid)")
            summary.notes.append("nothing was written: fix the problems and import again")
            summary.seconds = time.perf_counter() - t0
            return summary
        summary.status = "WARNING"
        summary.notes.append(
            f"--skip-invalid: {summary.rejected} row(s) skipped, each listed with its reason; "
            "the valid rows were imported"
        )

    tick("writing")

    def write(import_id: int) -> tuple[int, int, int]:
        if len(new_units):
            made = add_new_areas(store, new_units, write=not dry_run, import_id=import_id)
            if made.created:
                summary.notes.append(
                    f"created {made.created} org unit(s) under {ctx.new_areas} (--new-areas): "
                    + ", ".join(new_units["code"].head(8))
                    + (" ..." if len(new_units) > 8 else "")
                )
        if new_indicators:
            created = _create_indicators(
                store, checked.frame, catalog.data_elements, declared, import_id
            )
            if created:
                summary.notes.append(
                    f"registered {len(created)} new indicator(s) (--new-indicators): "
                    + ", ".join(created[:8])
                    + (" ..." if len(created) > 8 else "")
                )
        if not dry_run:
            record_revisions(store, checked.frame, import_id)
        c = upsert_observations(store, checked.frame, import_id, started, write=not dry_run)
        if not dry_run:
            codes = sorted(set(checked.frame["indicator"].astype(str)))
            summary.flags = recompute_flags(store, codes, import_id=import_id)
            if COMPLETENESS_INDICATORS.intersection(codes):
                n, notes = recompute_completeness(store, import_id=import_id)
                summary.flags = (summary.flags or 0) + n
                summary.notes.extend(notes)
            summary.flags_raised = flags_raised_by(store, import_id)
        return c.created, c.updated, c.unchanged

    write_once(
        store, summary, paths=paths, source=source, started=started, dry_run=dry_run, write=write
    )
    if summary.flags:
        codes = sorted(set(checked.frame["indicator"].astype(str)))
        summary.notes.append(
            f"this import raised {summary.flags_raised or 0} new quality flag(s); "
            f"{summary.flags} in all on the imported indicators ({', '.join(codes[:5])}"
            f"{' ...' if len(codes) > 5 else ''}); every value is kept: "
            f"salamat flags --indicator {codes[0]}"
        )
    summary.seconds = time.perf_counter() - t0
    return summary


def write_once(
    store: Store,
    summary: ImportSummary,
    *,
    paths: Sequence[Path],
    source: str | None,
    started: datetime,
    dry_run: bool,
    write: Callable[[int], tuple[int, int, int]],
    digest: str | None = None,
) -> None:
    """Run ``write(import_id)`` in one transaction and log the import; roll a dry run back.
    ``digest``: the files' digest when it is not :func:`file_digest` of ``paths``.

    ``write`` returns the (created, updated, unchanged) counts. Any error, or the process being
    killed, before the commit leaves the store exactly as it was.
    """
    held = False
    try:
        with store.transaction():
            import_id = next_import_id(store)
            created, updated, unchanged = write(import_id)
            summary.created, summary.updated, summary.unchanged = created, updated, unchanged
            if dry_run:
                raise _DryRun
            # from the import's audit row to its commit, no other thread appends one (a
            # server signs users in meanwhile: two rows with one number fail the commit)
            audit.APPEND_LOCK.acquire()
            held = True
            summary.approval = finish_import(
                store,
                import_id=import_id,
                kind=summary.kind,
                files=summary.files,
                sha256=file_digest(paths) if digest is None else digest,
                started=started,
                finished=datetime.now(),
                created=created,
                updated=updated,
                unchanged=unchanged,
                rejected=summary.rejected,
                status=summary.status,
                source=source,
            )
            hold_point()
            summary.import_id = import_id
            state = import_approval(store, import_id)
            summary.approved_by = state.approved_by if state is not None else None
    except _DryRun:
        summary.status = "DRY_RUN"
        summary.notes.append("dry run: nothing was written")
    finally:
        if held:
            audit.APPEND_LOCK.release()


def outside_scope(
    raw: pd.DataFrame, catalog: Catalog, scope: WriteScope
) -> tuple[pd.DataFrame, list[Problem]]:
    """The rows of ``raw`` (canonical columns, ``_file``, ``_row``) whose area, a code or an
    alias of a known unit, lies outside ``scope``, as problems, and ``raw`` without them. An
    unknown or blank area is left to validation, which names it."""
    areas = raw["area"].astype("string").fillna("").str.strip()
    codes = {a: catalog.resolve(a) or a for a in areas.unique()}
    outside = {a for a, c in codes.items() if c in catalog.orgunits and c not in scope.units}
    if not outside:
        return raw, []
    mask = areas.isin(list(outside)).to_numpy()
    problems = [
        Problem(str(f), int(r), "area", scope.message(codes[a]), a)
        for f, r, a in zip(raw["_file"][mask], raw["_row"][mask], areas[mask], strict=True)
    ]
    return raw.loc[~mask].reset_index(drop=True), problems


def apply_mapping(raw: pd.DataFrame, mapping: dict[str, dict[str, str]]) -> pd.DataFrame:
    """Replace codes by the user's mapping (``--map``), per dimension, before validation."""
    for dimension, table in mapping.items():
        if dimension in raw.columns:
            values = raw[dimension].astype(object)
            raw[dimension] = values.map(lambda v, t=table: t.get(v, v) if isinstance(v, str) else v)
    return raw


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def _create_indicators(
    store: Store,
    frame: pd.DataFrame,
    known: dict[str, str | None],
    declared: Sequence[NewIndicator],
    import_id: int,
) -> list[str]:
    """Register the indicators of ``frame`` not yet in the catalogue, with the name, unit and
    source series a parser read from the file's metadata (else the code and the rows' unit)."""
    info = {d.code: d for d in declared}
    new = frame.loc[~frame["indicator"].isin(list(known)), ["indicator", "unit"]]
    rows = []
    for code, unit in new.drop_duplicates("indicator").itertuples(index=False):
        d = info.get(str(code))
        rows.append(
            {
                "code": str(code),
                "name_en": (d.name if d and d.name else str(code)),
                "unit": unit if isinstance(unit, str) and unit else (d.unit if d else None),
                "description": (
                    f"registered by an import (--new-indicators): {d.source_code} of {d.source}"
                    if d
                    else None
                ),
                "international_code": d.source_code if d else None,
                "import_id": import_id,
            }
        )
    add_imported_indicators(store, rows)
    return [str(r["code"]) for r in rows]
