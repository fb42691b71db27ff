"""Use cases for indicators and targets: the catalogue, computed values, the scorecard, explain.

Shared by the CLI (:mod:`salamat.cli.targets`), the API and the web pages. Store access goes
through :mod:`salamat.store`; the numbers come from the pure modules (:mod:`salamat.methods.computed`,
:mod:`salamat.methods.targets`, :mod:`salamat.methods.trends`, :mod:`salamat.methods.decompose`).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import pandas as pd

from salamat.errors import InputError, Problem
from salamat.indicators.definitions import definition_from_row
from salamat.methods.targets import Assessment, Target, assess, select_series, target_from_row
from salamat.store.connection import Store
from salamat.store.indicators import (
    upsert_user_definitions,
)
from salamat.store.queries import series_frame
from salamat.store.reference import load_catalog
from salamat.store.targets import (
    load_target_rows,
    sync_bundled_targets,
    upsert_user_targets,
)

__all__ = [
    "EXPLAIN_CAUSES",
    "Explanation",
    "catalogue",
    "compute",
    "compute_from_mx",
    "explain",
    "import_definitions",
    "import_targets",
    "save_computed",
    "scorecard",
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


def import_definitions(store: Store, path: Path, *, dry_run: bool = False) -> tuple[int, int]:
    """Add or replace indicator definitions from a CSV shaped like ``data_elements.csv``.

    Every row is checked first; nothing is written if one is wrong.
    """
    rows = _read_csv(path)
    problems: list[Problem] = []
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
        return len(rows), 0
    return upsert_user_definitions(store, [dict(r) for r in rows])


# -- targets -------------------------------------------------------------------------------


def targets(store: Store) -> list[Target]:
    """Every target: bundled (from the package if the store is older) and the users'."""
    out = []
    for row in load_target_rows(store):
        out.append(target_from_row(row, where=str(row["code"]), origin=str(row["origin"])))
    return out


def import_targets(store: Store, path: Path, *, dry_run: bool = False) -> tuple[int, int]:
    """Add targets from a CSV (the columns of ``data/targets.csv``); all rows or none.

    Checks each row (fields, indicator and area codes); returns (created, updated).
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
        return len(rows), 0
    sync_bundled_targets(store)
    return upsert_user_targets(store, [dict(r) for r in rows])


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
        members = [
            r[0]
            for r in store.con.execute(
                "SELECT member FROM orgunit_group WHERE group_code = ? ORDER BY member", [code]
            ).fetchall()
        ]
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
        start_year=None,
        end_year=None,
        source=None,
        age="all",
        cause="all",
        residence="total",
    )
    df = df[df["period"].astype(str).str.fullmatch(r"\d{4}")]
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


def assessment_record(a: Assessment, area: str) -> dict[str, Any]:
    """One scorecard entry in the documented JSON shape."""
    t = a.target
    p = a.projection
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
        "method": a.method,
        "document": t.document,
        "document_date": t.document_date,
        "source_url": t.source_url,
        "series_source": list(t.series_source),
        "note": t.note,
        "origin": t.origin,
    }


def scorecard(
    store: Store, area: str | None = None, *, window: int = 10, level: float = 0.95
) -> list[dict[str, Any]]:
    """Every target for ``area`` (a country, a region or a group) with its assessment.

    Without ``area``: targets set for a named area, and the every-country targets (SDG, End TB)
    for the countries those name.
    """
    if window < 3:
        raise InputError(f"--window {window}: a trend needs at least 3 years")
    defs = catalogue(store)
    out = []
    for t, a in _areas_for(store, area, targets(store)):
        definition = defs.get(t.indicator)
        trend = t.trend or (definition.trend if definition else "linear")
        series = _series(store, t, a)
        record = assessment_record(assess(t, series, trend=trend, window=window, level=level), a)
        latest = series[series["year"] == record["latest"]["year"]]
        note = latest["note"].iloc[0] if len(latest) else None
        record["latest"]["note"] = None if note is None or note != note else str(note)
        out.append(record)
    return out


# -- computed values -----------------------------------------------------------------------


# Re-exported: computing and explaining live in services_compute.
from salamat.services.compute import (  # noqa: E402
    EXPLAIN_CAUSES,
    Explanation,
    catalogue,
    compute,
    compute_from_mx,
    explain,
    save_computed,
)
