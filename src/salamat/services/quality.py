"""Quality flags as a use case: list them for an area or indicator, recompute them on demand.

The rules and their SQL live in :mod:`salamat.store.quality`; thresholds in
``data/quality/rules.csv`` (documented in ``docs/quality.md``).
"""

from __future__ import annotations

import math
from datetime import datetime

import pandas as pd

from salamat.errors import InputError, Problem
from salamat.store.completeness import recompute_completeness
from salamat.store.connection import Store
from salamat.store.imports import finish_import, next_import_id
from salamat.store.orgunits import member_codes
from salamat.store.quality import (
    bounds,
    flag_changes,
    flags_frame,
    recompute_death_flags,
    recompute_flags,
    rules_digest,
)
from salamat.store.reference import load_catalog
from salamat.store.revisions import value_flags

__all__ = [
    "FlagKey",
    "bound_rows",
    "flag_index",
    "flags",
    "indicator_bounds",
    "recompute",
    "version_flag_index",
]


def flags(
    store: Store,
    *,
    area: str | None = None,
    indicator: str | None = None,
    rule: str | None = None,
) -> pd.DataFrame:
    """Stored flags; ``area`` a code or alias (a group gives its members' flags)."""
    catalog = load_catalog(store)
    areas: list[str] | None = None
    if area is not None:
        code = catalog.resolve(area)
        if code is None:
            raise InputError(
                f"unknown area {area!r}: expected an org-unit code such as KAZ or KZ-75"
            )
        areas = [code]
        if catalog.orgunits[code].kind in ("group", "who_region"):
            areas = member_codes(store, code)
    if indicator is not None and indicator not in catalog.data_elements:
        raise InputError(
            f"unknown indicator {indicator!r}: expected one of "
            f"{', '.join(sorted(catalog.data_elements))}"
        )
    return flags_frame(store, areas=areas, indicator=indicator, rule=rule)


def recompute(store: Store) -> tuple[int, list[str]]:
    """Recompute every rule over the whole store (observations and death records), in one
    transaction; returns the number of flags stored and notes (what completeness could not
    assess, and why).

    When the flags change (the rules file changed, or flags were lost), the recompute is logged
    as an import of kind ``flags`` (``salamat imports``; digest of the bundled rule files): a
    flag no longer raised moves to ``quality_flag_version`` with that import as
    ``superseded_by``, like any revision, a new flag carries its id, and ``salamat imports undo
    ID`` puts the earlier flags back. A recompute that changes nothing is not logged.
    """
    with store.transaction():
        started = datetime.now()
        import_id = next_import_id(store)
        n = recompute_flags(store, import_id=import_id)
        n += recompute_death_flags(store, import_id=import_id)
        m, notes = recompute_completeness(store, import_id=import_id)
        created, gone = flag_changes(store, import_id)
        if created or gone:
            finish_import(
                store,
                import_id=import_id,
                kind="flags",
                files=[],
                sha256=rules_digest(),
                started=started,
                finished=datetime.now(),
                created=created,
                updated=0,
                unchanged=n + m - created,
                rejected=0,
                status="SUCCESS",
                source=None,
                removed=gone,
            )
        return n + m, notes


def indicator_bounds(store: Store) -> dict[str, tuple[float | None, float | None, bool]]:
    """Plausible bounds per indicator: ``code -> (lower, upper, projection_ok)``."""
    return bounds(store)


def bound_rows(
    path: str, rows: list[dict[str, str]]
) -> tuple[list[dict[str, object]], list[Problem]]:
    """Read the optional ``lower``, ``upper`` and ``projection_ok`` columns of an indicator
    definitions file (``salamat indicators --add``); returns rows for
    :func:`salamat.store.quality.upsert_user_bounds` and the problems found (row numbers as in a
    spreadsheet: the header is row 1)."""
    out: list[dict[str, object]] = []
    problems: list[Problem] = []
    for i, row in enumerate(rows, start=2):
        if not any(row.get(k) for k in ("lower", "upper", "projection_ok")):
            continue
        parsed: dict[str, object] = {"indicator": row.get("code", ""), "basis": "user"}
        for col in ("lower", "upper"):
            text = (row.get(col) or "").strip()
            try:
                parsed[col] = float(text) if text else None
            except ValueError:
                problems.append(Problem(path, i, col, "expected a number or nothing", text))
                continue
            if parsed[col] is not None and not math.isfinite(float(text)):
                problems.append(Problem(path, i, col, "expected a finite number", text))
        lo, hi = parsed.get("lower"), parsed.get("upper")
        if isinstance(lo, float) and isinstance(hi, float) and lo > hi:
            problems.append(Problem(path, i, "upper", f"upper bound below lower {lo:g}", str(hi)))
        flag = (row.get("projection_ok") or "false").strip().lower()
        if flag not in ("true", "false"):
            problems.append(Problem(path, i, "projection_ok", "expected true or false", flag))
        parsed["projection_ok"] = flag == "true"
        out.append(parsed)
    return out, problems


FlagKey = tuple[
    str, str, str, str, str, str, str
]  # area, period, sex, age, cause, residence, source


def flag_index(
    store: Store, indicator: str, areas: list[str] | None = None
) -> dict[FlagKey, list[tuple[str, str, str]]]:
    """The flags of one indicator (optionally some areas) by value key:
    ``(area, period, sex, age, cause, residence, source) -> [(rule, severity, message)]``."""
    frame = flags_frame(store, areas=areas, indicator=indicator)
    out: dict[FlagKey, list[tuple[str, str, str]]] = {}
    for r in frame.to_dict(orient="records"):
        key = tuple(
            str(r[c]) for c in ("area", "period", "sex", "age", "cause", "residence", "source")
        )
        out.setdefault(key, []).append(  # type: ignore[arg-type]
            (str(r["rule"]), str(r["severity"]), str(r["message"]))
        )
    return out


VersionKey = tuple[str, str, str, str, str, str, str, int]
"""area, period, sex, age, cause, residence, source, import_id (the version of the value)."""


def version_flag_index(
    store: Store, indicator: str, areas: list[str], vintage: str | None
) -> dict[VersionKey, list[tuple[str, str, str]]]:
    """The flags each value of one vintage had (an old version its own, never the flags of the
    value that replaced it), by value key and ``import_id``: ``[(rule, severity, message)]``."""
    out: dict[VersionKey, list[tuple[str, str, str]]] = {}
    for r in value_flags(store, indicator, areas, vintage).to_dict(orient="records"):
        key = (
            *(str(r[c]) for c in ("area", "period", "sex", "age", "cause", "residence", "source")),
            int(r["import_id"]),
        )
        out.setdefault(key, []).append(  # type: ignore[arg-type]
            (str(r["rule"]), str(r["severity"]), str(r["message"]))
        )
    return out
