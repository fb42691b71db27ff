"""Life tables and decompositions from the store's unit records."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from salamat.errors import InputError, Problem
from salamat.methods.ages import band_labels
from salamat.methods.computed import ABRIDGED_TO_85, regroup
from salamat.methods.lifetable import life_table
from salamat.services import carried
from salamat.services import targets as services_targets
from salamat.services.compute import flag_areas, year_spans
from salamat.services.web.common import (
    SYNTHETIC_NOTE,
    NotFoundError,
    _cached,
    _resolve,
    _sex,
    units,
)
from salamat.store.connection import Store
from salamat.store.indicators import aggregates, leaf_regions
from salamat.store.web import (
    record_coverage,
    record_region_years,
)

__all__ = [
    "A0_NAMES",
    "decomposition",
    "life_table_for",
    "lifetable_coverage",
    "record_years",
    "year_spans",
]


A0_NAMES = {"andreev_kingkade": "Andreev-Kingkade (2015)", "coale_demeny": "Coale-Demeny"}


def record_years(store: Store) -> tuple[list[int], list[str]]:
    """Years and regions covered by unit records and population (cached per store file)."""
    return _cached(store, "records", lambda: record_coverage(store))


def lifetable_coverage(store: Store) -> dict[str, dict[int, tuple[str, ...]]]:
    """For each area a life table can be computed for: its years and the regions summed.

    A year is answerable when every region that makes up the area in that year (its own cells
    while it exists, its successors after it was split) has unit-record deaths and population;
    a region created in 2022 has no years before, and an area missing one of its regions in a
    year is not offered for that year rather than shown as a partial sum.
    """

    def build() -> dict[str, dict[int, tuple[str, ...]]]:
        pairs = record_region_years(store)
        have: dict[int, set[str]] = {}
        for region, year in pairs:
            have.setdefault(year, set()).add(region)
        all_units = units(store)
        regions = {r for r, _y in pairs}
        candidates = set(regions)
        candidates |= {all_units[r].parent or r for r in regions if r in all_units}
        candidates |= {c for c, u in all_units.items() if set(u.successors) & regions}
        out: dict[str, dict[int, tuple[str, ...]]] = {}
        for code in sorted(candidates):
            leaves = [r for r in leaf_regions(store, code) if r in all_units]
            years: dict[int, tuple[str, ...]] = {}
            for year, got in sorted(have.items()):
                valid = tuple(r for r in leaves if all_units[r].valid_in(year))
                if valid and set(valid) <= got:
                    years[year] = valid
            if years:
                out[code] = years
        return out

    return _cached(store, "lifetable-coverage", build)


def _no_table(store: Store, code: str, year: int) -> NotFoundError:
    """Why there is no life table for ``code`` in ``year``, in a sentence."""
    covered = sorted(lifetable_coverage(store).get(code, {}))
    unit = units(store).get(code)
    why = ""
    if unit is not None and unit.valid_from is not None and year < unit.valid_from.year:
        why = f"{code} exists from {unit.valid_from.isoformat()}; "
    elif unit is not None and unit.valid_to is not None and year > unit.valid_to.year:
        why = f"{code} ended on {unit.valid_to.isoformat()} and its successors lack records; "
    return NotFoundError(
        f"no life table for {code} in {year}: {why}the unit records give {code} "
        f"for {year_spans(covered)}",
        [Problem("query", None, "year", f"expected one of {year_spans(covered)}", str(year))],
    )


def life_table_for(
    store: Store, area: str, year: int, sex: str = "total", *, level: float = 0.95
) -> dict[str, Any]:
    """An abridged life table (0, 1-4, ..., 85+) from the store's deaths and population.

    A country or an abolished region sums the deaths and exposures of its regions. The source
    names the unit records, which in the demo are SYNTHETIC. ``flags`` lists the quality flags
    of the deaths it is computed from (the death-record rules and completeness on the records
    of the area, or of the regions it sums, in that year), each naming its input, as
    ``salamat compute`` gives them.
    """
    s = _sex(sex)
    if not 0.5 <= level < 1:
        raise InputError(
            f"level {level}: expected a confidence level such as 0.95",
            [Problem("query", None, "level", "expected 0.5 <= level < 1", str(level))],
        )
    code = _resolve(store, area)
    made_of = lifetable_coverage(store).get(code, {}).get(year)
    if made_of is None:
        raise _no_table(store, code, year)
    agg = aggregates(store, regions=list(made_of), sex=sex, cause="all", start=year, end=year)
    if agg.year.size == 0:
        raise _no_table(store, code, year)
    unit = units(store).get(code)
    rebuilt = unit is not None and bool(unit.successors) and code not in made_of
    d = regroup(agg.age, agg.deaths[0], ABRIDGED_TO_85)
    e = regroup(agg.age, agg.exposure[0], ABRIDGED_TO_85)
    table = life_table(ABRIDGED_TO_85, deaths=d, exposure=e, sex=s, ci=level)
    assert table.ex_lower is not None and table.ex_upper is not None
    source = f"{agg.deaths_source}; exposures: {agg.population_source}"
    rows = pd.DataFrame(
        {
            "age": band_labels(ABRIDGED_TO_85),
            "age_start": ABRIDGED_TO_85,
            "width": table.width,
            "deaths": d,
            "exposure": e,
            "mx": table.mx,
            "qx": table.qx,
            "ax": table.ax,
            "lx": table.lx,
            "dx": table.dx,
            "Lx": table.Lx,
            "Tx": table.Tx,
            "ex": table.ex,
            "ex_lower": table.ex_lower,
            "ex_upper": table.ex_upper,
        }
    )
    rows["width"] = rows["width"].where(np.isfinite(rows["width"]), None)
    return {
        "area": code,
        "year": year,
        "sex": sex,
        "e0": float(table.ex[0]),
        "e0_lower": float(table.ex_lower[0]),
        "e0_upper": float(table.ex_upper[0]),
        "level": level,
        "regions": list(agg.regions),
        "source": source,
        "synthetic": "SYNTHETIC" in source,
        "published": _published_e0(store, code, sex, {str(year): float(table.ex[0])}),
        "note": SYNTHETIC_NOTE if "SYNTHETIC" in source else None,
        "method": f"{table.method}; a0: {A0_NAMES.get(table.a0_rule, table.a0_rule)}; "
        f"{table.ci_method}",
        "rebuilt_from": list(made_of) if rebuilt else None,
        "flags": carried.attach(
            store, 1, carried.record_inputs([str(year)], flag_areas(code, agg))
        )[0],
        "table": rows,
    }


def _published_e0(
    store: Store, area: str, sex: str, computed: dict[str, float]
) -> dict[str, Any] | None:
    """The published e0 of ``area`` for the computed period: ``{value, source, differs}``."""
    found = services_targets.published_values(store, "le0", area, sex, list(computed))
    if not found:
        return None
    period, (value, source) = next(iter(found.items()))
    gap = abs(computed[period] - value)
    return {"value": value, "source": source, "differs": gap > services_targets.PUBLISHED_TOLERANCE}


def decomposition(
    store: Store,
    area: str,
    year_from: int,
    year_to: int,
    *,
    sex: str = "total",
    by: Literal["age", "cause"] = "cause",
) -> dict[str, Any]:
    """Arriaga decomposition of the change in e0 between two years, by age (and cause)."""
    _sex(sex)
    code = _resolve(store, area)
    if year_from == year_to:
        raise InputError(
            "from and to must be different years",
            [Problem("query", None, "to", "expected a year other than 'from'", str(year_to))],
        )
    ex = services_targets.explain(store, code, year_from, year_to, by=by, sex=sex)
    table = ex.table
    causes = [c for c in table.columns if c not in ("age", "total", "contribution")]
    long = (
        table.melt(id_vars=["age"], value_vars=causes, var_name="cause", value_name="contribution")
        if causes
        else table.assign(cause="all")[["age", "cause", "contribution"]]
    )
    return {
        "area": code,
        "sex": sex,
        "from": ex.period_from,
        "to": ex.period_to,
        "e0_from": ex.e0_from,
        "e0_to": ex.e0_to,
        "difference": ex.e0_to - ex.e0_from,
        "by": by,
        "causes": causes,
        "table": table,
        "long": long,
        "source": ex.source,
        "synthetic": ex.synthetic,
        "published": None
        if ex.published_line() is None
        else {
            "from": ex.published_from,
            "to": ex.published_to,
            "source": ex.published_source,
            "differs": ex.differs,
            "from_period": ex.published_period_from,
            "to_period": ex.published_period_to,
        },
        "method": ex.method,
        "note": "; ".join(
            x for x in (ex.note, SYNTHETIC_NOTE if "SYNTHETIC" in ex.source else "") if x
        ),
        "flags": list(ex.flags),
        "published_flags": list(ex.published_flags),
    }
