"""What-if scenarios from the store: a cause of death falls, when is a life-expectancy target met.

The use case behind ``salamat scenario``: unit-record deaths by cause group and population
(SYNTHETIC where the demo's are used, and said so), abridged to 0, 1-4, ..., 85+, the last year
as the base; :mod:`salamat.methods.scenario` does the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from salamat.errors import InputError, MethodError
from salamat.methods import scenario as sm
from salamat.methods.computed import ABRIDGED_TO_85, regroup
from salamat.services.compute import catalogue
from salamat.services.suggest import area_hint, indicator_hint
from salamat.store.connection import Store
from salamat.store.indicators import aggregates, leaf_regions
from salamat.store.reference import load_catalog

__all__ = ["ScenarioInputs", "inputs", "run", "solve"]

NCD4_MEMBERS = ("circulatory", "cancer", "diabetes", "respiratory_chronic")


@dataclass(frozen=True)
class ScenarioInputs:
    """Abridged deaths (all causes and the chosen causes) and exposures by year."""

    indicator: str
    at: float
    area: str
    sex: str
    causes: tuple[str, ...]
    year: np.ndarray
    age: np.ndarray
    deaths_all: np.ndarray
    deaths_cause: np.ndarray
    exposure: np.ndarray
    source: str

    @property
    def synthetic(self) -> bool:
        return "SYNTHETIC" in self.source


def _causes(causes: list[str]) -> tuple[str, ...]:
    if not causes:
        raise InputError("--cause: name at least one cause group (circulatory, cancer ...)")
    picked = tuple(dict.fromkeys(causes))
    if "all" in picked:
        raise InputError("--cause all: a scenario changes one or several cause groups, not all")
    if "ncd4" in picked and any(c in picked for c in NCD4_MEMBERS):
        raise InputError(
            "--cause ncd4 already holds circulatory, cancer, diabetes and respiratory_chronic: "
            "name either ncd4 or its members"
        )
    return picked


def inputs(
    store: Store,
    indicator: str,
    area: str,
    *,
    causes: list[str],
    sex: str = "total",
    start: int | None = None,
) -> ScenarioInputs:
    """The unit-record inputs of a scenario for ``indicator`` (a life expectancy) in ``area``."""
    defs = catalogue(store)
    if indicator not in defs:
        raise InputError(f"unknown indicator {indicator!r}: {indicator_hint(store, indicator)}")
    d = defs[indicator]
    if d.method != "life_expectancy":
        raise MethodError(
            f"{indicator}: a scenario recomputes life tables, so it answers for life "
            "expectancy (le0, le60 ...)"
        )
    code = load_catalog(store).resolve(area)
    if code is None:
        raise InputError(f"unknown area {area!r}: {area_hint(store, area)}")
    if sex not in ("female", "male", "total"):
        raise InputError(f"--sex {sex!r}: expected total, female or male")
    picked = _causes(causes)
    regions = leaf_regions(store, code)
    agg = aggregates(store, regions=regions, sex=sex, cause="all", start=start)
    if agg.year.size == 0:
        raise InputError(
            f"no deaths with population for {code} ({sex}) in the store: a scenario needs "
            "unit records by cause (salamat import deaths) and population"
        )
    d_cause = np.zeros_like(agg.deaths)
    for cause in picked:
        part = aggregates(store, regions=regions, sex=sex, cause=cause, start=start)
        if part.year.size != agg.year.size or np.any(part.year != agg.year):
            raise InputError(f"--cause {cause!r}: not the same years as all causes")
        if not part.deaths.any():
            raise InputError(
                f"--cause {cause!r}: no deaths from it for {code} (a cause group such as "
                "circulatory, cancer, diabetes, respiratory_chronic, ncd4, tuberculosis, "
                "external, ill_defined)"
            )
        d_cause = d_cause + part.deaths
    age = ABRIDGED_TO_85
    return ScenarioInputs(
        indicator=indicator,
        at=d.at_age,
        area=code,
        sex=sex,
        causes=picked,
        year=agg.year,
        age=age,
        deaths_all=regroup(agg.age, agg.deaths, age),
        deaths_cause=regroup(agg.age, d_cause, age),
        exposure=regroup(agg.age, agg.exposure, age),
        source=f"{agg.deaths_source}; exposures: {agg.population_source}",
    )


def run(
    data: ScenarioInputs,
    *,
    change: float,
    until: int,
    target: float | None = None,
    level: float = 0.95,
    paths: int = 1000,
    seed: int = 2026,
) -> tuple[sm.ScenarioPath, list[dict[str, Any]]]:
    """The scenario path and its records (one a year, JSON-ready)."""
    p = sm.scenario_path(
        data.age,
        data.year,
        data.deaths_all,
        data.deaths_cause,
        data.exposure,
        change=change,
        until=until,
        sex=data.sex,  # type: ignore[arg-type]
        at=data.at,
        target=target,
        level=level,
        n_paths=paths,
        seed=seed,
    )
    rows = [
        {
            "year": int(y),
            "value": float(v),
            "lower": float(lo),
            "upper": float(hi),
            "baseline": float(b),
            "baseline_lower": float(bl),
            "baseline_upper": float(bu),
            "indicator": data.indicator,
            "area": data.area,
            "sex": data.sex,
            "cause": "+".join(data.causes),
            "change_per_year": change,
            "base_year": p.base_year,
            "fitted_from": p.fitted_from,
            "level": level,
            "target": target,
            "reached": p.reached,
            "synthetic": data.synthetic,
            "source": data.source,
            "method": p.method,
        }
        for y, v, lo, hi, b, bl, bu in zip(
            p.year,
            p.value,
            p.lower,
            p.upper,
            p.baseline,
            p.baseline_lower,
            p.baseline_upper,
            strict=True,
        )
    ]
    return p, rows


def solve(data: ScenarioInputs, *, until: int, target: float) -> dict[str, Any]:
    """The constant annual change of the causes (alone) that reaches ``target`` in ``until``."""
    base = int(data.year[-1])
    rate = sm.solve_change(
        data.age,
        data.deaths_all,
        data.deaths_cause,
        data.exposure,
        years_ahead=int(until) - base,
        target=target,
        sex=data.sex,  # type: ignore[arg-type]
        at=data.at,
    )
    return {
        "indicator": data.indicator,
        "area": data.area,
        "sex": data.sex,
        "cause": "+".join(data.causes),
        "target": target,
        "until": int(until),
        "base_year": base,
        "change_per_year": rate,
        "synthetic": data.synthetic,
        "source": data.source,
        "method": (
            f"constant annual change of the cause's rates from {base} that brings the "
            f"{data.indicator} of {until} to {target:g} with every other cause held at its "
            f"{base} rates (bisection on the rate; life table a0 Andreev-Kingkade; causes "
            "assumed independent)"
        ),
    }
