"""What-if scenarios from the store: a cause of death falls, when is a life-expectancy target met.

The use case behind ``salamat scenario``: unit-record deaths by cause group and population
(SYNTHETIC where the demo's are used, and said so), abridged to 0, 1-4, ..., 85+, the last year
as the base; :mod:`salamat.methods.scenario` does the numbers.

**From imported rates.** Without unit records (or with ``source`` naming an import), the
inputs are death rates by age imported as observations of ``mx`` (``salamat import
observations``: one row per year, age band and cause, ``cause`` ``all`` for all causes and a
cause group such as ``circulatory``; from the WHO Mortality Database or a national registry
tabulation, for example). The rates are used as they are, in their own age bands (starting at
0); with no exposures, the year-to-year variability (``sigma``) is that of the all-cause rate
standardised to the WHO World Standard Population 2000-2025 (Ahmad et al. 2001) instead of to the
base year's exposures.

**Where the path starts.** The scenario starts from the life expectancy of the records' own life
table in the base year, because a scenario changes the records' cause-specific rates and must
start from the table they give. That level differs from the published figure (on the demo,
about 72.4 from SYNTHETIC records against 75.09 published by BNS for 2023), so every answer
carries the published value of the base year beside it (``published_value``,
``published_source``: the series a target on the same indicator and area is judged on, else
the latest vintage) and says which the path rests on. Scaling the rates to the published level
is not offered: a uniform factor fitted to one number would keep the synthetic age and cause
pattern, which is what drives the answer, while hiding that it is synthetic; the years gained
and the year a target is reached therefore stay statements about the records, not the country.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from salamat.errors import InputError, MethodError
from salamat.ingest.canonical import is_projection
from salamat.methods import scenario as sm
from salamat.methods.ages import ages_in_bands
from salamat.methods.computed import ABRIDGED_TO_85, regroup
from salamat.methods.forecast import ex_from_mx
from salamat.methods.standardise import standard_weights
from salamat.methods.targets import select_series
from salamat.services.compute import catalogue
from salamat.services.suggest import area_hint, indicator_hint
from salamat.store.connection import Store
from salamat.store.indicators import aggregates, leaf_regions
from salamat.store.queries import series_frame
from salamat.store.reference import load_catalog

__all__ = ["ScenarioInputs", "age_mask", "inputs", "published", "run", "solve"]

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
    published_value: float | None = None
    published_source: str | None = None
    start_value: float | None = None

    @property
    def synthetic(self) -> bool:
        return "SYNTHETIC" in self.source

    @property
    def start_note(self) -> str:
        """Where the path starts, against the published figure of the base year (one sentence,
        shown beside every answer)."""
        base = int(self.year[-1])
        records = (
            "the imported death rates"
            if "death rates by age and cause" in self.source
            else "SYNTHETIC unit records"
            if self.synthetic
            else "the unit records"
        )
        start = "" if self.start_value is None else f"{self.start_value:.2f}, "
        head = (
            f"the scenario starts from {start}the {self.indicator} of the life table of "
            f"{records} in {base}"
        )
        if self.published_value is None:
            return f"{head}; no published {self.indicator} for {base} in the store to compare"
        return (
            f"{head}, not from the published {self.published_value:g} "
            f"({self.published_source}); its levels and the year a target is reached are "
            f"those of the records"
        )


def published(
    store: Store, indicator: str, area: str, sex: str, year: int
) -> tuple[float, str] | None:
    """The published value of ``indicator`` for ``area`` in ``year`` and its source: observed
    (not a projection, not SYNTHETIC), from the series a target on the same indicator, area and
    sex is judged on (its source preferences), else from the latest vintage."""
    df = series_frame(
        store, indicator=indicator, areas=[area], sex=sex, age="all", start_year=year, end_year=year
    )
    df = df[(df["period"].astype(str) == str(year)) & ~is_projection(df)]
    if df.empty:
        return None
    frame = pd.DataFrame(
        {
            "year": df["period"].astype(int),
            "value": df["value"].astype(float),
            "source": df["source"].astype(str),
            "vintage": df["vintage"],
        }
    )
    prefs: tuple[str, ...] = ()
    from salamat.services.targets import targets  # the catalogue; imported late (it is large)

    for t in sorted(targets(store), key=lambda t: t.code):
        if t.indicator == indicator and t.area == area and t.sex == sex and t.series_source:
            prefs = (*t.series_source, "*")
            break
    chosen = select_series(frame, prefs)
    if chosen.empty:
        return None
    return float(chosen["value"].iloc[0]), str(chosen["source"].iloc[0])


def age_mask(data: ScenarioInputs, ages: list[str] | None) -> np.ndarray | None:
    """The bands of ``data`` inside the age ranges ``ages`` (``30-69``, ``85+``; a range may
    also hold several joined by commas), or None for every age."""
    if not ages:
        return None
    bands = [part.strip() for a in ages for part in a.split(",") if part.strip()]
    try:
        return ages_in_bands(data.age, bands)
    except InputError as exc:
        raise InputError(f"--ages: {exc.args[0]}", exc.problems) from None


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


def _rates_inputs(
    store: Store,
    code: str,
    sex: str,
    causes: tuple[str, ...],
    source: str | None,
    start: int | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """Imported ``mx`` by age for all causes and ``causes``: (years, ages, all-cause rates,
    the causes' rates summed, source), the years every cause has at every age."""
    df = series_frame(store, indicator="mx", areas=[code], sex=sex, age=None, cause=None)
    df = df[df["period"].astype(str).str.fullmatch(r"\d{4}") & ~is_projection(df)]
    if start is not None:
        df = df[df["period"].astype(int) >= start]
    wanted = {"all", *causes}
    usable = sorted(
        str(s) for s, part in df.groupby("source") if wanted <= set(part["cause"].astype(str))
    )
    if source is not None:
        if source not in usable:
            found = "; ".join(usable) or "none"
            raise InputError(
                f"--source {source!r}: no annual death rates (mx) by age for all causes and "
                f"{', '.join(causes)} for {code} ({sex}) from it (sources with them: {found})"
            )
        chosen = source
    elif len(usable) == 1:
        chosen = usable[0]
    elif usable:
        raise InputError(
            f"death rates by cause for {code} ({sex}) from several sources "
            f"({'; '.join(usable)}): name one with --source"
        )
    else:
        raise InputError(
            f"no deaths with population for {code} ({sex}) in the store: a scenario needs "
            "unit records by cause (salamat import deaths) and population, or death rates (mx) "
            "by age for all causes and the cause (salamat import observations)"
        )
    df = df[df["source"] == chosen]
    wide = {}
    for cause in sorted(wanted):
        part = df[df["cause"] == cause]
        starts = part["age"].map(lambda a: float(str(a).split("-")[0].rstrip("+")))
        wide[cause] = part.assign(start=starts, year=part["period"].astype(int)).pivot_table(
            index="year", columns="start", values="value", aggfunc="last"
        )
    years = sorted(set.intersection(*(set(w.index) for w in wide.values())))
    ages = wide["all"].columns
    for cause, w in wide.items():
        if list(w.columns) != list(ages):
            raise InputError(
                f"death rates from {chosen!r} for {code}: {cause} has age bands "
                f"{', '.join(f'{a:g}' for a in w.columns)}, all causes "
                f"{', '.join(f'{a:g}' for a in ages)}: expected the same bands"
            )
        gaps = w.loc[years].isna().to_numpy()
        if gaps.any():
            y, a = np.argwhere(gaps)[0]
            raise InputError(
                f"death rates from {chosen!r} for {code}: {cause} has no rate at age "
                f"{ages[a]:g} in {years[y]}: a scenario needs every age in every year"
            )
    if not years:
        raise InputError(
            f"death rates from {chosen!r} for {code}: no year has all causes and "
            f"{', '.join(causes)}"
        )
    m_all = wide["all"].loc[years].to_numpy(dtype=float)
    m_c = sum(wide[c].loc[years].to_numpy(dtype=float) for c in causes)
    return (
        np.asarray(years, dtype=np.int64),
        ages.to_numpy(dtype=float),
        m_all,
        np.asarray(m_c, dtype=float),
        chosen,
    )


def inputs(
    store: Store,
    indicator: str,
    area: str,
    *,
    causes: list[str],
    sex: str = "total",
    start: int | None = None,
    source: str | None = None,
) -> ScenarioInputs:
    """The inputs of a scenario for ``indicator`` (a life expectancy) in ``area``: the unit
    records (``source`` None or ``"records"``), else imported death rates by age and cause
    (``source`` naming an import, or None when the store has no unit records for the area)."""
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
    if (source is not None and source != "records") or (source is None and agg.year.size == 0):
        return _from_rates(store, d.code, d.at_age, code, sex, picked, source, start)
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
    pub = published(store, indicator, code, sex, int(agg.year[-1]))
    deaths_all = regroup(agg.age, agg.deaths, age)
    exposure = regroup(agg.age, agg.exposure, age)
    e_start: float | None = None
    if np.all(exposure[-1] > 0):
        e_start = float(ex_from_mx(age, deaths_all[-1] / exposure[-1], sex, d.at_age))  # type: ignore[arg-type]
    return ScenarioInputs(
        indicator=indicator,
        at=d.at_age,
        area=code,
        sex=sex,
        causes=picked,
        year=agg.year,
        age=age,
        deaths_all=deaths_all,
        deaths_cause=regroup(agg.age, d_cause, age),
        exposure=exposure,
        source=f"{agg.deaths_source}; exposures: {agg.population_source}",
        published_value=pub[0] if pub else None,
        published_source=pub[1] if pub else None,
        start_value=e_start if e_start is not None and np.isfinite(e_start) else None,
    )


def _from_rates(
    store: Store,
    indicator: str,
    at: float,
    code: str,
    sex: str,
    picked: tuple[str, ...],
    source: str | None,
    start: int | None,
) -> ScenarioInputs:
    """:class:`ScenarioInputs` from imported rates: ``deaths = m w`` and ``exposure = w`` with
    ``w`` the WHO World Standard's weights in the rates' bands, so that ``deaths / exposure`` is
    the rates and ``sigma`` is that of the age-standardised all-cause rate."""
    years, age, m_all, m_c, chosen = _rates_inputs(store, code, sex, picked, source, start)
    if age[0] != 0:
        raise InputError(
            f"death rates from {chosen!r} start at age {age[0]:g}: a life table needs rates "
            "from age 0"
        )
    w = standard_weights("who2000", age)[None, :] * np.ones((years.size, 1))
    pub = published(store, indicator, code, sex, int(years[-1]))
    e_start = float(ex_from_mx(age, m_all[-1], sex, at))  # type: ignore[arg-type]
    return ScenarioInputs(
        indicator=indicator,
        at=at,
        area=code,
        sex=sex,
        causes=picked,
        year=years,
        age=age,
        deaths_all=m_all * w,
        deaths_cause=m_c * w,
        exposure=w,
        source=f"{chosen} (death rates by age and cause; variability standardised to the WHO "
        "World Standard Population 2000-2025)",
        published_value=pub[0] if pub else None,
        published_source=pub[1] if pub else None,
        start_value=e_start if np.isfinite(e_start) else None,
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
    ages: list[str] | None = None,
) -> tuple[sm.ScenarioPath, list[dict[str, Any]]]:
    """The scenario path and its records (one a year, JSON-ready); ``ages`` (``["30-69"]``)
    restricts the change to those ages."""
    mask = age_mask(data, ages)
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
        in_ages=mask,
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
            "ages": ", ".join(p.ages) or "all",
            "change_per_year": change,
            "base_year": p.base_year,
            "fitted_from": p.fitted_from,
            "level": level,
            "target": target,
            "reached": p.reached,
            "synthetic": data.synthetic,
            "source": data.source,
            "published_value": data.published_value,
            "published_source": data.published_source,
            "start_note": data.start_note,
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


def solve(
    data: ScenarioInputs, *, until: int, target: float, ages: list[str] | None = None
) -> dict[str, Any]:
    """The constant annual change of the causes (alone, at ``ages`` if given) that reaches
    ``target`` in ``until``."""
    base = int(data.year[-1])
    mask = age_mask(data, ages)
    rate = sm.solve_change(
        data.age,
        data.deaths_all,
        data.deaths_cause,
        data.exposure,
        years_ahead=int(until) - base,
        target=target,
        sex=data.sex,  # type: ignore[arg-type]
        at=data.at,
        in_ages=mask,
    )
    where = (
        "" if mask is None or mask.all() else f" at ages {', '.join(sm.ages_text(data.age, mask))}"
    )
    return {
        "indicator": data.indicator,
        "area": data.area,
        "sex": data.sex,
        "cause": "+".join(data.causes),
        "ages": where.removeprefix(" at ages ") or "all",
        "target": target,
        "until": int(until),
        "base_year": base,
        "change_per_year": rate,
        "synthetic": data.synthetic,
        "source": data.source,
        "published_value": data.published_value,
        "published_source": data.published_source,
        "start_note": data.start_note,
        "method": (
            f"constant annual change of the cause's rates from {base}{where} that brings the "
            f"{data.indicator} of {until} to {target:g} with every other cause held at its "
            f"{base} rates (bisection on the rate; life table a0 Andreev-Kingkade; causes "
            "assumed independent)"
        ),
    }
