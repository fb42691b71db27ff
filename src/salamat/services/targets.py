"""Use cases for indicators and targets: the catalogue, computed values, the scorecard, explain.

Shared by the CLI (:mod:`salamat.cli.targets`), the API and the web pages. Store access goes
through :mod:`salamat.store`; the numbers come from the pure modules (:mod:`salamat.methods.computed`,
:mod:`salamat.methods.targets`, :mod:`salamat.methods.trends`, :mod:`salamat.methods.decompose`).
"""

from __future__ import annotations

import csv
import functools
import importlib
import io
import json
import math
from collections.abc import Callable
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from salamat.errors import InputError, Problem
from salamat.indicators.definitions import definition_from_row
from salamat.ingest.canonical import is_projection
from salamat.ingest.pipeline import file_digest
from salamat.methods.targets import (
    Assessment,
    Target,
    assess,
    select_series,
    target_from_row,
    trend_verdict,
)
from salamat.methods.trend_calibration import Calibration, calibration_for
from salamat.services.quality import bound_rows, indicator_bounds
from salamat.store.connection import Store
from salamat.store.imports import finish_import, next_import_id
from salamat.store.indicators import (
    upsert_user_definitions,
)
from salamat.store.orgunits import member_codes
from salamat.store.quality import upsert_user_bounds
from salamat.store.queries import series_frame
from salamat.store.reference import load_catalog
from salamat.store.targets import (
    load_target_rows,
    sync_bundled_targets,
    upsert_user_targets,
)

__all__ = [
    "EXPLAIN_CAUSES",
    "FLAG_COLUMNS",
    "PUBLISHED_TOLERANCE",
    "CatalogueImport",
    "Explanation",
    "FlagsProvider",
    "catalogue",
    "compute",
    "compute_from_mx",
    "explain",
    "flat_record",
    "import_definitions",
    "import_targets",
    "published_values",
    "save_computed",
    "scorecard",
    "shock_years",
    "store_flags",
    "targets",
]


# -- the catalogue -------------------------------------------------------------------------


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [
            {k.strip().lower(): (v or "").strip() for k, v in r.items() if k}
            for r in csv.DictReader(fh)
        ]


def _log_catalogue_import(
    store: Store,
    import_id: int,
    kind: str,
    path: Path,
    started: datetime,
    created: int,
    updated: int,
    unchanged: int,
) -> int | None:
    """Log ``indicators --add`` or ``targets --add`` as an import, so that it can be undone.

    A file that changes nothing is not logged (adding the same file twice leaves one import).
    Called inside the transaction that wrote the rows. Returns the import id, None when not
    logged.
    """
    if not (created or updated):
        return None
    finish_import(
        store,
        import_id=import_id,
        kind=kind,
        files=[str(path)],
        sha256=file_digest([path]),
        started=started,
        finished=datetime.now(),
        created=created,
        updated=updated,
        unchanged=unchanged,
        rejected=0,
        status="SUCCESS",
        source=None,
    )
    return import_id


class CatalogueImport(NamedTuple):
    """What ``indicators --add`` or ``targets --add`` did: rows created and replaced, and the
    import it was logged as (None when nothing changed, or with ``--dry-run``)."""

    created: int
    updated: int
    import_id: int | None


def import_definitions(store: Store, path: Path, *, dry_run: bool = False) -> CatalogueImport:
    """Add or replace indicator definitions from a CSV shaped like ``data_elements.csv``.

    Every row is checked first; nothing is written if one is wrong. Definitions and bounds are
    written in one transaction, logged as an import of kind ``indicators`` (``salamat
    imports``) and undoable (``salamat imports undo ID``: the definitions and bounds it created
    go, those it replaced come back; refused while later data use an indicator it defined).
    A definition identical to the stored one is left unchanged. Returns (created, updated,
    import_id).
    """
    rows = _read_csv(path)
    bound_list, problems = bound_rows(str(path), rows)
    for i, row in enumerate(rows, start=2):
        try:
            definition_from_row(row)
        except InputError as exc:
            problems.extend(
                Problem(str(path), i, p.field, p.message, p.value) for p in exc.problems
            )
    if problems:
        raise InputError(f"{path}: {len(problems)} problem(s); nothing was written", problems)
    if dry_run:
        return CatalogueImport(len(rows), 0, None)
    started = datetime.now()
    with store.transaction():
        import_id = next_import_id(store)
        created, updated, kept = upsert_user_definitions(store, [dict(r) for r in rows], import_id)
        # a definition left as it was whose bounds changed is an update too
        rebounded = set(upsert_user_bounds(store, bound_list, import_id)) & set(kept)
        updated += len(rebounded)
        logged = _log_catalogue_import(
            store,
            import_id,
            "indicators",
            path,
            started,
            created,
            updated,
            len(kept) - len(rebounded),
        )
    return CatalogueImport(created, updated, logged)


# -- targets -------------------------------------------------------------------------------


def targets(store: Store) -> list[Target]:
    """Every target: bundled (from the package if the store is older) and the users'."""
    out = []
    for row in load_target_rows(store):
        out.append(target_from_row(row, where=str(row["code"]), origin=str(row["origin"])))
    return out


def import_targets(store: Store, path: Path, *, dry_run: bool = False) -> CatalogueImport:
    """Add targets from a CSV (the columns of ``data/targets.csv``); all rows or none.

    Checks each row (fields, indicator and area codes); returns (created, updated, import_id).
    The targets
    are written in one transaction, logged as an import of kind ``targets`` and undoable (the
    targets it added go, those it replaced come back); a target identical to the stored one is
    left alone.
    """
    rows = _read_csv(path)
    catalog = load_catalog(store)
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, row in enumerate(rows, start=2):
        indicator, area, code = row.get("indicator", ""), row.get("area", ""), row.get("code", "")
        if indicator and indicator not in catalog.data_elements:
            problems.append(Problem(str(path), i, "indicator", "unknown indicator", indicator))
        if area and area != "*" and catalog.resolve(area) is None:
            problems.append(Problem(str(path), i, "area", "unknown org unit", area))
        if code and code in seen:
            problems.append(Problem(str(path), i, "code", "the same code twice in the file", code))
        seen.add(code)
        try:
            target_from_row(row, where=str(path), origin="user")
        except InputError as exc:
            problems.extend(
                Problem(str(path), i, p.field, p.message, p.value) for p in exc.problems
            )
    if problems:
        raise InputError(f"{path}: {len(problems)} problem(s); nothing was written", problems)
    if dry_run:
        return CatalogueImport(len(rows), 0, None)
    sync_bundled_targets(store)
    started = datetime.now()
    with store.transaction():
        import_id = next_import_id(store)
        created, updated, unchanged = upsert_user_targets(store, [dict(r) for r in rows], import_id)
        logged = _log_catalogue_import(
            store, import_id, "targets", path, started, created, updated, unchanged
        )
    return CatalogueImport(created, updated, logged)


def _areas_for(store: Store, area: str | None, ts: list[Target]) -> list[tuple[Target, str]]:
    catalog = load_catalog(store)
    if area is None:
        explicit = [(t, t.area) for t in ts if t.area != "*"]
        countries = sorted({a for _, a in explicit if catalog.orgunits[a].kind == "country"})
        wild = [(t, a) for t in ts if t.area == "*" for a in countries]
        return explicit + wild
    code = catalog.resolve(area)
    if code is None:
        raise InputError(f"unknown area {area!r}: expected an org-unit code such as KAZ or KZ-75")
    members = [code]
    if catalog.orgunits[code].kind in ("group", "who_region"):
        members = member_codes(store, code)
    out: list[tuple[Target, str]] = []
    for m in members:
        out.extend((t, m) for t in ts if t.area == m)
        if catalog.orgunits[m].kind == "country":
            out.extend((t, m) for t in ts if t.area == "*")
    return out


def _series(store: Store, t: Target, area: str) -> pd.DataFrame:
    df = series_frame(
        store,
        indicator=t.indicator,
        areas=[area],
        sex=t.sex,
        age="all",
    )
    df = df[df["period"].astype(str).str.fullmatch(r"\d{4}")]
    # a target is judged on observed values: projections (WPP's probabilistic or medium-variant
    # rows, whatever their source prefix) never enter its series
    df = df[~is_projection(df)]
    frame = pd.DataFrame(
        {
            "year": df["period"].astype(int),
            "value": df["value"].astype(float),
            "source": df["source"].astype(str),
            "vintage": df["vintage"],
            "note": df["note"],
        }
    )
    return select_series(frame, t.series_source, from_year=t.baseline_year)


def _round(x: float | None, digits: int = 4) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), digits)


# -- shock years and quality flags ---------------------------------------------------------

SHOCK_COLUMNS = ("indicator", "area", "first_year", "last_year", "event", "treatment", "source")


@cache
def _shock_rows() -> tuple[tuple[str, str, int, int, str], ...]:
    """``data/shock_years.csv``, checked: (indicator, area, first, last, event) rows."""
    name = "data/shock_years.csv"
    text = (resources.files("salamat") / "data" / "shock_years.csv").read_text("utf-8")
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != SHOCK_COLUMNS:
        raise InputError(
            f"{name}: expected the columns {', '.join(SHOCK_COLUMNS)}",
            [Problem(name, 1, "header", f"expected {','.join(SHOCK_COLUMNS)}", None)],
        )
    rows: list[tuple[str, str, int, int, str]] = []
    problems: list[Problem] = []
    for i, r in enumerate(reader, start=2):
        try:
            first, last = int(r["first_year"]), int(r["last_year"])
        except ValueError:
            problems.append(Problem(name, i, "first_year", "expected whole years", None))
            continue
        if last < first:
            problems.append(Problem(name, i, "last_year", "expected last_year >= first_year", None))
        if r["treatment"] != "exclude":
            problems.append(Problem(name, i, "treatment", "expected exclude", r["treatment"]))
        rows.append((r["indicator"], r["area"], first, last, r["event"]))
    if problems:
        raise InputError(f"{name}: {len(problems)} problem(s)", problems)
    return tuple(rows)


def shock_years(indicator: str, area: str) -> list[dict[str, Any]]:
    """The shock years that apply to ``indicator`` in ``area`` (``*`` matches any), as data.

    Returns ``[{"year": 2020, "event": "COVID-19 pandemic ..."}, ...]``, sorted by year.
    """
    out: dict[int, str] = {}
    for ind, ar, first, last, event in _shock_rows():
        if ind in ("*", indicator) and ar in ("*", area):
            for y in range(first, last + 1):
                out.setdefault(y, event)
    return [{"year": y, "event": out[y]} for y in sorted(out)]


@cache
def _bounds() -> dict[str, tuple[float | None, float | None]]:
    """Each indicator's hard bounds (``data/quality/indicator_bounds.csv``): (lower, upper)."""
    path = resources.files("salamat") / "data" / "quality" / "indicator_bounds.csv"
    if not path.is_file():
        return {}
    out: dict[str, tuple[float | None, float | None]] = {}
    for r in csv.DictReader(io.StringIO(path.read_text("utf-8"))):
        lo, hi = (r.get("lower") or "").strip(), (r.get("upper") or "").strip()
        out[r["indicator"]] = (float(lo) if lo else None, float(hi) if hi else None)
    return out


def _cap_to_bounds(record: dict[str, Any]) -> None:
    """Show an interval limit beyond the indicator's possible range as the bound, and say so.

    A log-linear trend on a bounded indicator (a share in percent with a ``trend`` of
    ``log_linear`` in a user's catalogue) can put the upper limit above 100; the limit is then
    reported as 100 with the computed value in the reason, never silently. Probabilities in
    the bundled catalogue (30q70) use the logit trend, whose limits never leave the bounds.
    """
    lower, upper = _bounds().get(str(record["indicator"]), (None, None))
    p = record["projection"]
    if p is None:
        return
    said: list[str] = []

    def beyond(key: str, v: float, bound: float) -> bool:
        return v > bound if key == "upper" else v < bound

    for key, bound in (("upper", upper), ("lower", lower)):
        v = p[key]
        if bound is not None and v is not None and beyond(key, v, bound):
            said.append(
                f"the interval's {key} limit {v:g} lies outside the indicator's range and is "
                f"shown as {bound:g}"
            )
            p[key] = bound
            for q in record["path"]:
                if q[key] is not None and beyond(key, q[key], bound):
                    q[key] = bound
    if said:
        p["capped"] = True
        record["reason"] = "; ".join([record["reason"], *said])


FLAG_COLUMNS = ("rule", "period", "year", "source", "severity", "message")
FlagsProvider = Callable[[Store, str, str, str], pd.DataFrame]
"""``(store, indicator, area, sex) -> DataFrame[rule, period, year, source, severity, message]``."""


def store_flags(store: Store, indicator: str, area: str, sex: str) -> pd.DataFrame:
    """Quality flags from :func:`salamat.store.quality.flags_for` when that module is present.

    The quality flags are built by another part of the project (issue 9, parts 1-2); until
    ``salamat.store.quality`` exists, no value is flagged (an empty frame).
    """
    try:
        quality = importlib.import_module("salamat.store.quality")
    except ModuleNotFoundError:
        return pd.DataFrame({c: [] for c in FLAG_COLUMNS})
    frame: pd.DataFrame = quality.flags_for(store, indicator, area, sex=sex, source=None)
    return frame


JUDGED_SEVERITIES = ("warning", "serious", "error", "reject")
# Rules that describe the series rather than one value: a source break says the series changes
# publication at that year, not that the value is doubtful. Such a flag is listed with the
# judgement, but leaving that value out would not answer it (the values on both sides of the
# break stay), so it does not lead to a ``status_without_flagged``; the record says instead
# whether the pace compares values across the break (``pace_across_source_break``).
SERIES_RULES = ("source_break",)
"""Flags that put a judgement in doubt; ``info`` flags (e.g. two sources differ) do not."""


def _flags_used(flags: pd.DataFrame, series: pd.DataFrame, a: Assessment) -> list[dict[str, Any]]:
    """The flags on values the judgement used: baseline, latest and the trend's window."""
    if flags.empty or series.empty or a.latest_year is None:
        return []
    start = a.window_from if a.window_from is not None else a.latest_year
    used = series[(series["year"] >= start) | (series["year"] == a.baseline_year)]
    source_by_year = dict(zip(used["year"].astype(int), used["source"].astype(str), strict=True))
    every_year = dict(zip(series["year"].astype(int), series["source"].astype(str), strict=True))
    out: list[dict[str, Any]] = []
    for f in flags.to_dict(orient="records"):
        year = f.get("year")
        if year is None or pd.isna(year) or int(year) not in source_by_year:
            continue
        if str(f.get("severity") or "").lower() not in JUDGED_SEVERITIES:
            continue
        src = f.get("source")
        if src is not None and not pd.isna(src) and str(src) != source_by_year[int(year)]:
            continue
        if not _break_in_series(f, every_year):
            continue
        out.append(
            {
                "code": str(f["rule"]),
                "year": int(year),
                "severity": str(f.get("severity") or ""),
                "message": str(f.get("message") or ""),
                "on": "series" if str(f["rule"]) in SERIES_RULES else "value",
            }
        )
    return sorted(out, key=lambda d: (d["year"], d["code"]))


def _break_in_series(flag: dict[Any, Any], source_by_year: dict[int, str]) -> bool:
    """Whether a source-break flag describes the series the judgement reads.

    The rule flags every source whose values end the year before another's begin. Where several
    sources overlap, the one ending there may not be the one the series used that year (a
    one-year download from another publisher beside the national series): then the series does
    not change source there and the flag is not about it. Other flags, and a break whose earlier
    year the series does not hold, are kept."""
    if str(flag.get("rule")) != "source_break":
        return True
    raw = flag.get("details")
    try:
        details = json.loads(raw) if isinstance(raw, str) and raw else {}
    except json.JSONDecodeError:
        return True
    before, last = details.get("previous_source"), details.get("previous_last_year")
    if before is None or last is None or int(last) not in source_by_year:
        return True
    return source_by_year[int(last)] == str(before)


def assessment_record(a: Assessment, area: str) -> dict[str, Any]:
    """One scorecard entry in the documented JSON shape."""
    t = a.target
    p = a.projection
    fit = a.trend_fit
    return {
        "code": t.code,
        "indicator": t.indicator,
        "area": area,
        "sex": t.sex,
        "baseline": {"year": a.baseline_year, "value": _round(a.baseline_value)},
        "target": {
            "year": t.target_year,
            "value": _round(a.target_value),
            "change": t.target_change,
            "direction": t.direction,
        },
        "latest": {
            "year": a.latest_year,
            "value": _round(a.latest_value),
            "source": a.latest_source,
        },
        "status": a.status,
        "status_detail": a.status_detail,
        "status_by_pace": a.status_by_pace,
        "status_by_trend": trend_verdict(a.probability),
        "ratio": _round(a.ratio),
        "reason": a.reason,
        "projection": None
        if p is None
        else {
            "year": p.year,
            "value": _round(p.value),
            "lower": _round(p.lower),
            "upper": _round(p.upper),
            "level": p.level,
            "model": p.model,
            "method": p.method,
        },
        "probability": _round(a.probability, 3),
        "required_annual_change": _round(a.required_annual_change),
        "required_annual_growth": _round(a.required_annual_growth, 5),
        "window": {"from": a.window_from, "to": a.window_to},
        "trend_fit": None
        if fit is None
        else {
            "model": fit.model,
            "from": fit.first_year,
            "to": fit.last_year,
            "start": {"year": fit.anchor_year, "value": _round(fit.anchor_value)},
            "drift": _round(fit.drift, 6),
            "drift_se": _round(fit.drift_se, 6),
            "sigma": _round(fit.sigma, 6),
            "years_used": fit.n_values,
            "excluded": list(fit.excluded),
        },
        "path": [
            {
                "year": q.year,
                "value": _round(q.value),
                "lower": _round(q.lower),
                "upper": _round(q.upper),
            }
            for q in a.path
        ],
        "method": a.method,
        "document": t.document,
        "document_date": t.document_date,
        "source_url": t.source_url,
        "series_source": list(t.series_source),
        "note": t.note,
        "origin": t.origin,
    }


def calibration_record(c: Calibration) -> dict[str, Any]:
    """The card's ``calibration`` field: which forecast distribution gave its interval and
    ``P`` (:mod:`salamat.methods.trend_calibration`)."""
    return {
        "family": c.family,
        "series_kind": c.series_kind,
        "drift_change": c.drift_change,
        "method": c.method,
        "evidence": c.evidence,
    }


def scorecard(
    store: Store,
    area: str | None = None,
    *,
    window: int = 10,
    level: float = 0.95,
    flags: FlagsProvider | None = None,
    until: int | None = None,
) -> list[dict[str, Any]]:
    """Every target for ``area`` (a country, a region or a group) with its assessment.

    ``until``: judge each target as it stood with the values of the years up to ``until``
    (a report for that year); later values are left out of the status, trend and flags.

    Without ``area``: targets set for a named area, and the every-country targets (SDG, End TB)
    for the countries those name. ``flags`` gives the quality flags of a series (default
    :func:`store_flags`); when the judgement uses a flagged value (severity warning or worse),
    the record lists them in ``flags`` and gives ``status_without_flagged``, the status with
    those values left out (else ``flags`` is empty and ``status_without_flagged`` is null).
    Flags on the series rather than a value (:data:`SERIES_RULES`: a change of source) are
    listed but leave nothing out; ``pace_across_source_break`` lists the break years that lie
    between the baseline and the latest value, where the pace compares two sources.
    Shock years (``data/shock_years.csv``) are left out of every trend and listed in
    ``shock_years``.
    """
    if window < 3:
        raise InputError(f"--window {window}: a trend needs at least 3 years")
    provider = flags or store_flags
    defs = catalogue(store)
    hard = indicator_bounds(store)
    out = []
    for t, a in _areas_for(store, area, targets(store)):
        definition = defs.get(t.indicator)
        trend = t.trend or (definition.trend if definition else "linear")
        series = _series(store, t, a)
        if until is not None:
            series = series[series["year"] <= until]
        shocks = shock_years(t.indicator, a)
        years = tuple(int(d["year"]) for d in shocks)
        lo, hi, _ = hard.get(t.indicator, (None, None, False))
        # a logit trend runs between the indicator's hard bounds (30q70: 0 and 100)
        limits = None if lo is None or hi is None else (lo, hi)
        calibration = calibration_for(str(series["source"].iloc[-1]) if len(series) else None)
        judge = functools.partial(
            assess,
            trend=trend,
            window=window,
            level=level,
            shock_years=years,
            limits=limits,
            drift_change=calibration.drift_change,
        )
        assessment = judge(t, series)
        record = assessment_record(assessment, a)
        fitted = assessment.trend_fit is not None
        record["calibration"] = calibration_record(calibration) if fitted else None
        record["probability_method"] = (
            f"random walk with drift, last {window} years, {calibration.method}" if fitted else None
        )
        _cap_to_bounds(record)
        excluded = set(record["trend_fit"]["excluded"]) if record["trend_fit"] else set()
        record["shock_years"] = [d for d in shocks if d["year"] in excluded]
        used = _flags_used(provider(store, t.indicator, a, t.sex), series, assessment)
        record["flags"] = used
        record["status_without_flagged"] = None
        base_year = record["baseline"]["year"]
        latest_year = record["latest"]["year"]
        record["pace_across_source_break"] = sorted(
            {
                f["year"]
                for f in used
                if f["on"] == "series"
                and base_year is not None
                and latest_year is not None
                and base_year < f["year"] <= latest_year
            }
        )
        flagged = {f["year"] for f in used if f["on"] == "value"}
        if flagged:
            clean = series[~series["year"].astype(int).isin(flagged)]
            again = judge(t, clean)
            record["status_without_flagged"] = again.status
            record["status_without_flagged_detail"] = again.status_detail
        latest = series[series["year"] == record["latest"]["year"]]
        note = latest["note"].iloc[0] if len(latest) else None
        record["latest"]["note"] = None if note is None or note != note else str(note)
        out.append(record)
    return out


def flat_record(rec: dict[str, Any]) -> dict[str, Any]:
    """A scorecard record as one flat row: the columns of ``salamat targets --format csv``
    and of a report's scorecard sheet."""
    p = rec["projection"] or {}
    return {
        "code": rec["code"],
        "indicator": rec["indicator"],
        "area": rec["area"],
        "sex": rec["sex"],
        "baseline_year": rec["baseline"]["year"],
        "baseline_value": rec["baseline"]["value"],
        "target_year": rec["target"]["year"],
        "target_value": rec["target"]["value"],
        "direction": rec["target"]["direction"],
        "latest_year": rec["latest"]["year"],
        "latest_value": rec["latest"]["value"],
        "latest_source": rec["latest"]["source"],
        "status": rec["status"],
        "status_detail": rec["status_detail"],
        "status_by_pace": rec["status_by_pace"],
        "status_by_trend": rec["status_by_trend"],
        "status_without_flagged": rec["status_without_flagged"],
        "pace_across_source_break": ";".join(
            str(y) for y in rec.get("pace_across_source_break", [])
        ),
        "flags": "; ".join(f"{f['code']} {f['year']}: {f['message']}" for f in rec["flags"]),
        "window_from": rec["window"]["from"],
        "window_to": rec["window"]["to"],
        "shock_years": ";".join(str(d["year"]) for d in rec["shock_years"]),
        "ratio": rec["ratio"],
        "projection_year": p.get("year"),
        "projection": p.get("value"),
        "projection_lower": p.get("lower"),
        "projection_upper": p.get("upper"),
        "probability": rec["probability"],
        "probability_method": rec.get("probability_method"),
        "required_annual_change": rec["required_annual_change"],
        "reason": rec["reason"],
        "document": rec["document"],
        "document_date": rec["document_date"],
        "source_url": rec["source_url"],
    }


# -- computed values -----------------------------------------------------------------------


# Re-exported: computing and explaining live in services_compute.
from salamat.services.compute import (  # noqa: E402
    EXPLAIN_CAUSES,
    PUBLISHED_TOLERANCE,
    Explanation,
    catalogue,
    compute,
    compute_from_mx,
    explain,
    published_values,
    save_computed,
)
