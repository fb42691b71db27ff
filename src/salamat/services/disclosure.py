"""Disclosure control on what leaves the server (issue 13, item 7).

The rules are those of :mod:`salamat.methods.disclosure` (a count of 1 to ``N - 1`` deaths is
not shown; a statistic resting on any cell under ``N`` deaths is not shown), applied to what the
API and the pages return for readers who are not entitled to the unit records: anonymous
readers of a server run with ``salamat serve --public``, and signed-in users reading outside
their org units. Who those are is decided in :mod:`salamat.api.auth`; this module only hides.

Every function takes a service result (as :mod:`salamat.services.web` returns it, possibly
from the server's memo: it is never changed in place) and returns a copy in which each hidden
value is ``None`` and the record says why in ``suppressed``. Values whose source is a
publisher's aggregate (UN WPP, WHO, OWID, the statistics office's published series, and values
computed from published death rates) are returned unchanged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from salamat.methods.ages import band_labels
from salamat.methods.computed import ABRIDGED_TO_85, FIVE_YEAR_TO_85, regroup
from salamat.methods.disclosure import small_counts, too_few
from salamat.methods.ncd import NCD_AGES
from salamat.store.connection import Store
from salamat.store.indicators import aggregates, leaf_regions
from salamat.store.quality.deaths import DEATH_RULES
from salamat.store.web import computed_sources

__all__ = [
    "COUNT_COLUMNS",
    "cells_reason",
    "count_reason",
    "decomposition",
    "flag_records",
    "flags",
    "import_log",
    "input_flags",
    "life_table",
    "records_derived",
    "rests_on_records",
    "values",
]

RULE = "disclosure control: PHE's rule, no statistic on fewer than {n} events"

# the life table's columns computed from the cells (age, age_start and width are not)
_TABLE_VALUES = (
    "deaths",
    "exposure",
    "mx",
    "qx",
    "ax",
    "lx",
    "dx",
    "Lx",
    "Tx",
    "ex",
    "ex_lower",
    "ex_upper",
)
_RECORD_RULES = frozenset({*DEATH_RULES, "completeness"})
COUNT_COLUMNS = ("created", "updated", "unchanged", "rejected", "total", "removed")
"""The import log's counts: a deaths import's are numbers of death records."""


def count_reason(n: int) -> str:
    """Why a count is not shown."""
    return f"count under {n} not shown ({RULE.format(n=n)})"


def cells_reason(n: int, where: Iterable[str]) -> str:
    """Why a statistic is not shown: the cells under ``n`` it rests on, by name."""
    cells = list(dict.fromkeys(where))
    shown = ", ".join(cells[:8]) + (f" and {len(cells) - 8} more" if len(cells) > 8 else "")
    return (
        f"not shown: computed from cells with fewer than {n} deaths ({shown}); {RULE.format(n=n)}"
    )


def records_derived(source: str | None) -> bool:
    """Whether a stored value was computed from the store's unit records (``salamat compute
    --save``: source ``Salamat (computed from <records>; exposures: ...)``), not from a
    publisher's death rates (``Salamat (computed from UN WPP 2024 mx)``) or imported."""
    s = str(source or "")
    return s.startswith("Salamat (computed from ") and not s.endswith(" mx)")


def rests_on_records(store: Store, indicator: str) -> bool:
    """Whether any stored value of ``indicator`` was computed from the store's unit records
    (read once per store file: the server's store does not change while it runs)."""
    from salamat.services.web.common import _cached

    found = _cached(store, "computed-sources", lambda: computed_sources(store))
    return any(records_derived(s) for s in found.get(indicator, ()))


# -- life tables and decompositions ----------------------------------------------------------


def life_table(out: dict[str, Any], n: int) -> dict[str, Any]:
    """A life table (:func:`salamat.services.web.life_table_for`) for a reader who may not see
    small cells: whole, unless an age band has 1 to ``n - 1`` deaths or all bands together
    fewer than ``n`` (:func:`salamat.methods.disclosure.too_few`); then every value computed
    from the records is ``None`` (lx, ex and the rest would give the band's deaths back), the
    age bands stay, and ``suppressed`` names the bands under ``n``."""
    table: pd.DataFrame = out["table"]
    deaths = table["deaths"].to_numpy(dtype=float)
    if not too_few(deaths, n):
        return {
            **out,
            "flags": input_flags(out.get("flags"), n),
            "suppressed": None,
            "suppressed_bands": [],
        }
    small = small_counts(deaths, n)
    bands = [str(a) for a in table["age"][small]] or ["all"]
    rows = table.copy()
    for col in _TABLE_VALUES:
        if col in rows.columns:
            rows[col] = np.nan
    return {
        **out,
        "e0": None,
        "e0_lower": None,
        "e0_upper": None,
        "table": rows,
        "flags": input_flags(out.get("flags"), n),
        "suppressed": cells_reason(n, (f"age {b}" for b in bands)),
        "suppressed_bands": bands,
    }


def _decomposition_counts(
    store: Store, area: str, years: tuple[int, int], sex: str, by: str
) -> tuple[list[tuple[int, str, str]], np.ndarray]:
    """The cells a decomposition from unit records rests on, as ``(year, band, cause)`` and
    their deaths: by abridged age band in both years (cause ``all``), and with ``by="cause"``
    by cause group too (:data:`salamat.services.compute.EXPLAIN_CAUSES` and the rest,
    ``other``)."""
    from salamat.services.compute import EXPLAIN_CAUSES

    regions = leaf_regions(store, area)
    lo, hi = min(years), max(years)
    labels = band_labels(ABRIDGED_TO_85)

    def bands(cause: str) -> np.ndarray:
        agg = aggregates(store, regions=regions, sex=sex, cause=cause, start=lo, end=hi)
        rows = [int(np.flatnonzero(agg.year == y)[0]) for y in years]
        return regroup(agg.age, agg.deaths[rows], ABRIDGED_TO_85)  # (2, bands)

    total = bands("all")
    groups: list[tuple[str, np.ndarray]] = [("all", total)]
    if by == "cause":
        parts = [bands(c) for c in EXPLAIN_CAUSES]
        groups += list(zip(EXPLAIN_CAUSES, parts, strict=True))
        groups.append(("other", total - np.sum(parts, axis=0)))
    names = [(y, b, cause) for cause, _ in groups for y in years for b in labels]
    return names, np.concatenate([part.ravel() for _, part in groups])


def decomposition(store: Store, d: dict[str, Any], n: int) -> dict[str, Any]:
    """A decomposition (:func:`salamat.services.web.decomposition`) for a reader who may not
    see small cells. One computed from a publisher's death rates (UN WPP) is returned whole;
    one from unit records is whole unless a cell it rests on (deaths by age band, and by cause
    group with ``by="cause"``, in both years) holds 1 to ``n - 1`` deaths (or all of them
    fewer than ``n``: :func:`salamat.methods.disclosure.too_few`); then every
    number in it is ``None``, ``suppressed`` names the cells under ``n`` and
    ``suppressed_bands`` their age bands. All or nothing: the contributions sum to the
    difference, so one hidden cell could be given back by the others."""
    if not records_derived(str(d.get("source"))):
        return {**d, "suppressed": None, "suppressed_bands": []}
    names, counts = _decomposition_counts(
        store, str(d["area"]), (int(d["from"]), int(d["to"])), str(d["sex"]), str(d["by"])
    )
    if not too_few(counts, n):
        return {
            **d,
            "flags": input_flags(d.get("flags"), n),
            "suppressed": None,
            "suppressed_bands": [],
        }
    small = small_counts(counts, n)
    cells = [name for name, s in zip(names, small, strict=True) if s] or [
        (int(d["from"]), "all", "all")
    ]
    long = d["long"].assign(contribution=np.nan)
    table = d["table"].copy()
    for col in table.columns:
        if col != "age":
            table[col] = np.nan
    return {
        **d,
        "e0_from": None,
        "e0_to": None,
        "difference": None,
        "long": long,
        "table": table,
        "flags": input_flags(d.get("flags"), n),
        "suppressed": cells_reason(
            n, (f"{y} age {b}" + ("" if c == "all" else f" {c}") for y, b, c in cells)
        ),
        "suppressed_bands": list(dict.fromkeys(b for _, b, _ in cells)),
    }


# -- flags -------------------------------------------------------------------------------------


def input_flags(flags: Iterable[dict[str, Any]] | None, n: int) -> list[dict[str, Any]]:
    """Input flags of a computed value (``{code, year, severity, message, input}``) for a
    reader who may not see small cells: a death-record flag's message counts records (``3 of
    41 death records ...``), so it is replaced by one that names the rule only."""
    out = []
    for f in flags or []:
        if f.get("code") in _RECORD_RULES:
            f = {
                **f,
                "message": f"{f['code']}: the counts behind this flag are not shown to this "
                f"reader ({RULE.format(n=n)})",
                "suppressed": count_reason(n),
            }
        out.append(f)
    return out


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


_COUNT_KEY = re.compile(r"deaths|unknown|no_age|no_sex|unspecified|ill_defined$|level_\d|count")


def flag_records(records: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """Quality flags (the ``/api/v1/flags`` records, ``details`` parsed) for a reader who may
    not see small cells: a death-record flag whose details hold a count of 1 to ``n - 1`` gets
    those counts as ``None``, its message (which repeats them) replaced, and ``suppressed``."""
    out = []
    for r in records:
        details = r.get("details")
        if r.get("rule") in _RECORD_RULES and isinstance(details, dict):
            hidden = {
                k
                for k, v in details.items()
                if _COUNT_KEY.search(k) and _number(v) and bool(small_counts([v], n)[0])
            }
            if hidden:
                r = {
                    **r,
                    "details": {k: (None if k in hidden else v) for k, v in details.items()},
                    "message": f"{r['rule']}: the counts behind this flag are not shown to this "
                    f"reader ({RULE.format(n=n)})",
                    "suppressed": count_reason(n),
                }
        out.append(r)
    return out


def flags(
    store: Store, records: list[dict[str, Any]], n: int, hidden: Callable[[str], bool]
) -> list[dict[str, Any]]:
    """Quality flags (``/api/v1/flags`` records, ``details`` parsed) for a reader who may not
    see small cells in the areas ``hidden`` says: death-record counts under ``n`` hidden
    (:func:`flag_records`), and a flag on a stored value that :func:`values` hides loses its
    message and details (they repeat the value), with ``suppressed`` saying why."""
    out = []
    for r in records:
        r = {**r, "suppressed": r.get("suppressed")}
        if not hidden(str(r.get("area"))):
            out.append(r)
            continue
        if r.get("rule") in _RECORD_RULES:
            out.append(flag_records([r], n)[0])
            continue
        if records_derived(r.get("source")):
            checked = values(store, [r], n, hidden, fields=())[0]
            if checked["suppressed"]:
                r = {
                    **r,
                    "details": None,
                    "message": f"{r.get('rule')}: on a value not shown to this reader",
                    "suppressed": checked["suppressed"],
                }
        out.append(r)
    return out


# -- the import log ----------------------------------------------------------------------------


def import_log(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """The import log for a reader who may not see small cells: a deaths import's counts are
    numbers of death records, so a count of 1 to ``n - 1`` is ``None`` with ``suppressed``
    saying why; other imports (published series, org units) are shown whole."""
    out = frame.copy()
    out["suppressed"] = None
    if "kind" not in out.columns:
        return out
    deaths = out["kind"].astype(str) == "deaths"
    for col in COUNT_COLUMNS:
        if col not in out.columns:
            continue
        values = pd.to_numeric(out[col], errors="coerce")
        hide = deaths & pd.Series(small_counts(values.fillna(0).to_numpy(), n), index=out.index)
        if hide.any():
            out[col] = out[col].astype(object).where(~hide, None)
            out.loc[hide, "suppressed"] = count_reason(n)
    return out


# -- stored values (series, maps, comparisons, targets) ----------------------------------------


def _method_cells(store: Store, indicator: str) -> tuple[str, np.ndarray, float, float] | None:
    """The cause group and the age bands a computed indicator rests on, or None."""
    from salamat.services.compute import catalogue

    d = catalogue(store).get(indicator)
    if d is None:
        return None
    if d.method == "life_expectancy":
        return d.cause or "all", ABRIDGED_TO_85, 0.0, math.inf
    if d.method == "age_standardised_rate":
        return d.cause or "all", FIVE_YEAR_TO_85, 0.0, math.inf
    if d.method == "probability_30q70":
        return d.cause or "ncd4", np.asarray(NCD_AGES, dtype=float), 30.0, 70.0
    return None


def _value_cells(
    store: Store, indicator: str, area: str, sex: str
) -> dict[str, list[tuple[str, float]]]:
    """For each year with records: the cells a value of ``indicator`` for ``area`` and ``sex``
    rests on (the age bands of its method, deaths of its cause group), as ``(band, deaths)``."""
    found = _method_cells(store, indicator)
    if found is None:
        return {}
    cause, starts, lo, hi = found
    agg = aggregates(
        store,
        regions=leaf_regions(store, area),
        sex=sex if sex in ("female", "male") else "total",
        cause=cause,
    )
    if agg.year.size == 0:
        return {}
    age = np.asarray(agg.age, dtype=float)
    keep = (age >= lo) & (age < hi)
    cells = regroup(age[keep], np.asarray(agg.deaths, dtype=float)[..., keep], starts)
    labels = [f"age {b}" for b in band_labels(starts)]
    return {
        str(int(year)): list(zip(labels, cells[k].tolist(), strict=True))
        for k, year in enumerate(agg.year)
    }


def values(
    store: Store,
    rows: list[dict[str, Any]],
    n: int,
    hidden: Callable[[str], bool],
    *,
    fields: tuple[str, ...] = ("value", "lower", "upper"),
    period_key: str = "period",
) -> list[dict[str, Any]]:
    """Stored values (dicts with ``indicator``, ``area``, ``period``, ``sex``, ``source`` and
    ``fields``) for a reader who may not see small cells in the areas ``hidden`` says: a value
    computed from the store's unit records (:func:`records_derived`) for such an area is
    ``None`` in every one of ``fields`` when the cells its method rests on (the age bands of
    the indicator's definition, its cause group, that year and sex) are too few
    (:func:`salamat.methods.disclosure.too_few`), with ``suppressed`` naming them. Every other row is returned as it is, with
    ``suppressed`` ``None``. A hidden value's own ``flags`` (which repeat it) are emptied."""
    memo: dict[tuple[str, str, str], dict[str, list[tuple[str, float]]]] = {}
    out = []
    for r in rows:
        area = str(r.get("area"))
        if not records_derived(r.get("source")) or not hidden(area):
            out.append({**r, "suppressed": None})
            continue
        key = (str(r.get("indicator")), area, str(r.get("sex") or "total"))
        if key not in memo:
            memo[key] = _value_cells(store, *key)
        period = str(r.get(period_key))[:4]
        cells = memo[key].get(period)
        if cells is None:  # no records left to judge it by: hidden, to be safe
            reason = cells_reason(n, [f"{area} {period}: no unit records to check"])
        else:
            if not too_few([count for _, count in cells], n):
                out.append({**r, "suppressed": None})
                continue
            small = [band for band, count in cells if bool(small_counts([count], n)[0])]
            reason = cells_reason(n, small or ["all ages"])
        # the value's own flags repeat it ("23.0 after 31.0"): they go with it
        gone: dict[str, Any] = {"flags": []} if "flags" in r else {}
        out.append({**r, **dict.fromkeys(fields), **gone, "suppressed": reason})
    return out


def document(
    store: Store,
    out: Any,
    keys: tuple[str, ...],
    n: int,
    hidden: Callable[[str], bool],
) -> Any:
    """A map's or a comparison's document (:func:`salamat.services.web.map_values`,
    :func:`~salamat.services.web.compare`; from the memo: not changed in place) with its lists
    of values under ``keys`` passed through :func:`values` (a value without its own
    ``source`` has the document's; ``year`` is its period)."""
    if not isinstance(out, dict):
        return out
    common = {"indicator": out.get("indicator"), "sex": out.get("sex"), "source": out.get("source")}
    done = dict(out)
    for key in keys:
        rows = [{**common, **v} for v in out.get(key) or []]
        if any(records_derived(r.get("source")) for r in rows):
            checked = values(store, rows, n, hidden, period_key="year")
            # back to the document's own fields, with ``suppressed``
            done[key] = [
                {k: c[k] for k in (*v.keys(), "suppressed")}
                for v, c in zip(out.get(key) or [], checked, strict=True)
            ]
    return done


def frame_rows(
    store: Store, frame: pd.DataFrame, n: int, hidden: Callable[[str], bool]
) -> tuple[pd.DataFrame, list[str]]:
    """A series frame (:func:`salamat.services.web.series`) without the rows :func:`values`
    hides, for a chart that cannot draw a missing value, and the reasons (one per row left
    out)."""
    if frame.empty or "source" not in frame.columns:
        return frame, []
    derived = frame["source"].map(records_derived).astype(bool)
    if not derived.any():
        return frame, []
    part = frame[derived]
    rows = [
        {
            "indicator": str(r.get("indicator")),
            "area": str(r.get("area")),
            "period": str(r.get("period", r.get("year"))),
            "sex": str(r.get("sex")),
            "source": str(r.get("source")),
        }
        for r in part.to_dict(orient="records")
    ]
    checked = values(store, rows, n, hidden)
    drop = [i for i, c in zip(part.index, checked, strict=True) if c["suppressed"]]
    reasons = [str(c["suppressed"]) for c in checked if c["suppressed"]]
    return frame.drop(index=drop), reasons


def rests_on_unit_records(source: str | None) -> bool:
    """Whether a computation's source names the store's unit records: a saved value computed
    from them (:func:`records_derived`), or the records themselves (``<deaths source>;
    exposures: <population source>``, as forecasts and scenarios name them)."""
    s = str(source or "")
    return records_derived(s) or "; exposures: " in s


def years_reason(
    store: Store,
    indicator: str,
    area: str,
    sex: str,
    years: Iterable[int],
    n: int,
) -> str | None:
    """Why a result fitted on the unit records of ``area`` over ``years`` (a forecast, a
    scenario) is not shown to a reader who may not see small cells, or ``None``: the cells of
    ``indicator``'s method (:func:`values`) in any of those years are too few."""
    rows = [
        {
            "indicator": indicator,
            "area": area,
            "sex": sex,
            "period": str(int(y)),
            "source": "Salamat (computed from unit records)",
        }
        for y in years
    ]
    for r in values(store, rows, n, lambda _a: True):
        if r["suppressed"]:
            return str(r["suppressed"])
    return None


# target fields computed from the indicator's values (the target itself is a policy's)
_TARGET_VALUES = (
    "projection",
    "probability",
    "ratio",
    "required_annual_change",
    "required_annual_growth",
    "trend_fit",
    "calibration",
    "probability_method",
)


def target_board(
    store: Store, board: list[dict[str, Any]], n: int, hidden: Callable[[str], bool]
) -> list[dict[str, Any]]:
    """Target records (:func:`salamat.services.web.target_board`; from the memo: not changed
    in place) for a reader who may not see small cells: a target whose series holds a value
    :func:`values` hides shows no value computed from the series (latest, baseline value,
    projection, path, fan, pace), status ``insufficient_data`` and ``suppressed`` saying
    why; its policy target (year, value, document) stays."""
    out = []
    for rec in board:
        series = rec.get("series") or []
        base = {"indicator": rec.get("indicator"), "area": rec.get("area"), "sex": rec.get("sex")}
        rows = [{**base, **p, "period": str(p.get("year"))} for p in series]
        if not hidden(str(rec.get("area"))) or not any(
            records_derived(r.get("source")) for r in rows
        ):
            out.append({**rec, "suppressed": None})
            continue
        reasons = [r["suppressed"] for r in values(store, rows, n, hidden) if r["suppressed"]]
        if not reasons:
            out.append({**rec, "suppressed": None})
            continue
        done = {**rec, **dict.fromkeys(_TARGET_VALUES)}
        done.update(
            latest={**(rec.get("latest") or {}), "value": None},
            baseline={**(rec.get("baseline") or {}), "value": None},
            series=[],
            path=[],
            fan=[],
            flags=[],
            status_without_flagged=None,
            status="insufficient_data",
            status_by_pace="insufficient_data",
            status_by_trend=None,
            status_detail="insufficient data: " + str(reasons[0]),
            reason=str(reasons[0]),
            suppressed=str(reasons[0]),
        )
        out.append(done)
    return out
