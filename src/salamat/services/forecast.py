"""Forecast an indicator from the store: random walk with drift, Lee-Carter or Lee-Miller.

The use case behind ``salamat forecast``. The inputs:

* ``rwd``: the indicator's own annual series as published, chosen as the targets choose it
  (:func:`salamat.methods.targets.select_series`: the sources starting with ``--source``, else
  ``BNS``, then ``UN WPP``, then the source with the latest value; never spliced across
  publishers; SYNTHETIC only when named; projections never). The shock years of ``data/shock_years.csv`` (the
  COVID-19 years) are left out of the drift and ``sigma``, as in the targets' projections.
* ``lee-carter`` / ``lee-miller``: annual death rates by age of one source (indicator ``mx``,
  e.g. ``HMD death rates`` imported with ``salamat import hmd``, or a rate file imported as
  observations), else the unit-record aggregates (deaths and population; SYNTHETIC where the
  demo's are used, and said so). Five-year WPP periods are not annual and are not used.

Life expectancy (``le0``, ``le60`` ...) is derived from all-cause rates; ``ncd30q70`` from the
rates of deaths from the four NCD groups at 30-69, which only unit records give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from salamat.errors import InputError, MethodError
from salamat.indicators.definitions import IndicatorDefinition
from salamat.ingest.canonical import is_projection
from salamat.methods import forecast as fm
from salamat.methods.computed import ABRIDGED_TO_85, regroup
from salamat.methods.lifetable import Sex
from salamat.methods.ncd import NCD_AGES
from salamat.methods.targets import select_series
from salamat.services.compute import catalogue
from salamat.services.quality import indicator_bounds
from salamat.services.suggest import area_hint, indicator_hint
from salamat.services.targets import shock_years
from salamat.store.connection import Store
from salamat.store.indicators import aggregates, leaf_regions
from salamat.store.queries import series_frame
from salamat.store.reference import load_catalog

__all__ = ["METHODS", "ForecastResult", "forecast"]

Method = Literal["rwd", "lee-carter", "lee-miller"]
METHODS: tuple[str, ...] = ("rwd", "lee-carter", "lee-miller")
_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class ForecastResult:
    """A forecast with what it rests on: ``rows()`` gives the JSON/CSV records."""

    indicator: str
    area: str
    sex: str
    method: str
    unit: str | None
    source: str
    description: str
    synthetic: bool
    result: fm.Forecast

    def rows(self) -> list[dict[str, Any]]:
        """One record per year: ``year, value, lower, upper`` plus ``method``,
        ``fitted_from``, ``fitted_to``, ``level`` and what the forecast rests on."""
        f = self.result
        return [
            {
                "year": int(y),
                "value": float(v),
                "lower": float(lo),
                "upper": float(hi),
                "method": self.method,
                "fitted_from": f.fitted_from,
                "fitted_to": f.fitted_to,
                "level": f.level,
                "indicator": self.indicator,
                "area": self.area,
                "sex": self.sex,
                "unit": self.unit,
                "source": self.source,
                "synthetic": self.synthetic,
                "description": self.description,
            }
            for y, v, lo, hi in zip(f.year, f.value, f.lower, f.upper, strict=True)
        ]


def _sex(sex: str) -> Sex:
    if sex not in ("female", "male", "total"):
        raise InputError(f"--sex {sex!r}: expected total, female or male")
    return sex  # type: ignore[return-value]


def _window(years: np.ndarray, start: int | None, end: int | None) -> np.ndarray:
    keep = np.ones(years.shape, dtype=bool)
    if start is not None:
        keep &= years >= start
    if end is not None:
        keep &= years <= end
    return keep


def _source_rank(source: str) -> tuple[int, str]:
    return (0 if source.startswith("BNS") else 1 if source.startswith("UN WPP") else 2, source)


def _pick_source(df: pd.DataFrame, source: str | None, what: str) -> tuple[str, pd.DataFrame]:
    sources = sorted({str(s) for s in df["source"]}, key=_source_rank)
    if source is not None:
        if source not in sources:
            listed = "; ".join(sources) or "none"
            raise InputError(f"--source {source!r}: no {what} from it (sources here: {listed})")
        return source, df[df["source"] == source]
    real = [s for s in sources if "SYNTHETIC" not in s and not s.startswith("Salamat")]
    if not real:
        raise InputError(
            f"no published {what}"
            + (f" (only {'; '.join(sources)}: name it with --source)" if sources else "")
        )
    return real[0], df[df["source"] == real[0]]


def _rwd(
    store: Store,
    d: IndicatorDefinition,
    area: str,
    sex: str,
    start: int | None,
    end: int | None,
    until: int,
    level: float,
    source: str | None,
) -> ForecastResult:
    df = series_frame(store, indicator=d.code, areas=[area], sex=sex, age="all")
    # observed values only: a projection (WPP's, or any source, vintage or note saying so) is
    # never fitted on, as the targets leave them out of a series
    df = df[df["period"].astype(str).str.match(_YEAR) & ~is_projection(df)]
    frame = pd.DataFrame(
        {
            "year": df["period"].astype(int),
            "value": df["value"].astype(float),
            "source": df["source"].astype(str),
            "vintage": df["vintage"],
        }
    )
    picked = select_series(frame, (source,) if source else ("BNS", "UN WPP", "*"))
    if picked.empty:
        named = f" from a source starting {source!r}" if source else ""
        found = "; ".join(sorted(set(frame["source"]))) or "none"
        raise InputError(
            f"no annual values of {d.code} for {area} ({sex}){named} (sources here: {found})"
        )
    chosen = "; ".join(sorted(set(picked["source"])))
    years = picked["year"].to_numpy(dtype=np.int64)
    keep = _window(years, start, end)
    years, values = years[keep], picked["value"].to_numpy(dtype=float)[keep]
    lo, hi, _ = indicator_bounds(store).get(d.code, (None, None, False))
    limits = None if lo is None or hi is None else (float(lo), float(hi))
    shocks = tuple(int(x["year"]) for x in shock_years(d.code, area))
    f = fm.forecast_rwd(
        years, values, until, model=d.trend, level=level, limits=limits, exclude=shocks
    )
    return ForecastResult(
        indicator=d.code,
        area=area,
        sex=sex,
        method="rwd",
        unit=d.unit,
        source=chosen,
        description=f.method,
        synthetic="SYNTHETIC" in chosen,
        result=f,
    )


LEE_MILLER_START = 1950
"""Lee & Miller (2001) fit from 1950: the default first year of ``lee-miller`` (``--from``)."""

TOP_AGE = 100.0
"""Rates by single year beyond this age (HMD's 101-110+) are left out and the rate at this age
closes the life table (as ``100+``): the oldest ages of real series hold zero rates in some
years, which Lee-Carter's log cannot take."""


def _rates_from_store(
    store: Store, area: str, sex: str, source: str | None, start: int | None, end: int | None
) -> tuple[str, np.ndarray, np.ndarray, np.ndarray, str] | None:
    """Annual ``mx`` of one source in the fitted years: (source, years, ages, rates (years,
    ages), a note on the ages), or None when the store has no annual rates for the area."""
    df = series_frame(store, indicator="mx", areas=[area], sex=sex, age=None)
    df = df[df["period"].astype(str).str.match(_YEAR) & ~is_projection(df)]
    if df.empty:
        if source is not None:
            raise InputError(f"--source {source!r}: no annual death rates (mx) for {area} ({sex})")
        return None
    chosen, df = _pick_source(df, source, f"annual death rates (mx) for {area} ({sex})")
    start_age = df["age"].map(lambda a: float(str(a).split("-")[0].rstrip("+")))
    wide = df.assign(start=start_age, year=df["period"].astype(int)).pivot_table(
        index="year", columns="start", values="value", aggfunc="last"
    )
    wide = wide[_window(wide.index.to_numpy(), start, end)]
    note = ""
    ages = wide.columns.to_numpy(dtype=float)
    if ages.max() > TOP_AGE and TOP_AGE in ages:
        wide = wide.iloc[:, np.flatnonzero(ages <= TOP_AGE)]
        note = f"ages above {TOP_AGE:g} left out, the rate at {TOP_AGE:g} closes the table"
    missing = wide.isna().to_numpy()
    if wide.empty:
        raise InputError(f"no death rates from {chosen!r} for {area} in the years asked")
    if missing.any():
        y, a = np.argwhere(missing)[0]
        raise InputError(
            f"death rates from {chosen!r} for {area}: {int(wide.index[y])} has no rate at age "
            f"{wide.columns[a]:g} ({int(missing.sum())} missing cell(s)); Lee-Carter needs every "
            "age in every year: choose the years with --from/--to"
        )
    return (
        chosen,
        wide.index.to_numpy(dtype=np.int64),
        wide.columns.to_numpy(dtype=float),
        wide.to_numpy(dtype=float),
        note,
    )


def _lee_carter(
    store: Store,
    d: IndicatorDefinition,
    area: str,
    sex: Sex,
    method: Method,
    start: int | None,
    end: int | None,
    until: int,
    level: float,
    source: str | None,
    paths: int,
    seed: int,
) -> ForecastResult:
    if d.method not in ("life_expectancy", "probability_30q70"):
        raise MethodError(
            f"{d.code} cannot be derived from forecast death rates: Lee-Carter gives life "
            "expectancy (le0, le60 ...) and 30q70; use --method rwd"
        )
    deaths = exposure = None
    rates = None
    if d.method == "life_expectancy" and source != "records":
        rates = _rates_from_store(store, area, sex, source, start, end)
    note = ""
    if rates is not None:
        chosen, years, age, mx, note = rates
        if age[0] != 0:
            raise InputError(f"death rates from {chosen!r} start at age {age[0]:g}, not 0")
    else:
        agg = aggregates(
            store, regions=leaf_regions(store, area), sex=sex, cause=d.cause, start=start, end=end
        )
        if agg.year.size == 0:
            raise InputError(
                f"no annual death rates (mx) and no deaths with population for {area} ({sex}) in "
                "the store: import HMD rates (salamat import hmd), a rate file, or unit records"
            )
        chosen = f"{agg.deaths_source}; exposures: {agg.population_source}"
        years = agg.year
        if d.method == "life_expectancy":
            age = ABRIDGED_TO_85
            deaths = regroup(agg.age, agg.deaths, age)
            exposure = regroup(agg.age, agg.exposure, age)
        else:
            a = agg.age
            keep = (a >= 30) & (a < 70)
            age = NCD_AGES.copy()
            deaths = regroup(a[keep], agg.deaths[:, keep], age)
            exposure = regroup(a[keep], agg.exposure[:, keep], age)
        with np.errstate(divide="ignore", invalid="ignore"):
            mx = deaths / exposure
    if d.method == "probability_30q70" and deaths is None:
        raise MethodError(f"{d.code} needs deaths from the four NCD groups (unit records)")
    if method == "lee-miller" and age[0] != 0:
        raise MethodError(
            f"lee-miller fits k(t) to each year's life expectancy at birth, which the rates "
            f"behind {d.code} (from age {age[0]:g}) cannot give: use --method lee-carter or rwd"
        )
    keep = _window(years, start, end)
    years, mx = years[keep], mx[keep]
    if deaths is not None and exposure is not None:
        deaths, exposure = deaths[keep], exposure[keep]
    if method == "lee-miller":
        fit = fm.fit_lee_carter(age, years, mx, adjust="e0", jump_off="observed", sex=sex)
    else:
        adjust: fm.Adjust = "deaths" if deaths is not None else "none"
        fit = fm.fit_lee_carter(
            age, years, mx, deaths=deaths, exposure=exposure, adjust=adjust, sex=sex
        )
    fc = fm.forecast_lee_carter(fit, until, level=level, n_paths=paths, seed=seed)
    if d.method == "life_expectancy":
        at = d.at_age
        if not np.any(age == at):
            raise InputError(f"{d.code}: the rates have no age band starting at {at:g}")
        f = fm.forecast_indicator(
            fc, lambda m: fm.ex_from_mx(age, m, sex, at), name=f"life expectancy at {at:g}"
        )
    else:
        per = d.multiplier
        f = fm.forecast_indicator(fc, lambda m: fm.q30_70_from_mx(age, m) * per, name="30q70")
    return ForecastResult(
        indicator=d.code,
        area=area,
        sex=sex,
        method=method,
        unit=d.unit,
        source=chosen,
        description=f.method + (f"; {note}" if note else ""),
        synthetic="SYNTHETIC" in chosen,
        result=f,
    )


def forecast(
    store: Store,
    indicator: str,
    area: str,
    *,
    method: str,
    until: int,
    sex: str = "total",
    start: int | None = None,
    end: int | None = None,
    level: float = 0.95,
    source: str | None = None,
    paths: int = 1000,
    seed: int = 2026,
) -> ForecastResult:
    """Forecast ``indicator`` for ``area`` to ``until`` (see the module docstring).

    ``start``/``end`` choose the fitted years (``lee-miller`` starts in 1950 unless told, as
    Lee & Miller did); ``level`` is a proportion (0.95); ``paths`` and ``seed`` set the
    simulation of the Lee-Carter intervals. ``source="records"`` makes Lee-Carter use the unit
    records even where rates are stored.
    """
    if method not in METHODS:
        raise InputError(f"--method {method!r}: expected rwd, lee-carter or lee-miller")
    if paths < 100:
        raise InputError(f"--paths {paths}: expected at least 100 simulated paths")
    defs = catalogue(store)
    if indicator not in defs:
        raise InputError(f"unknown indicator {indicator!r}: {indicator_hint(store, indicator)}")
    code = load_catalog(store).resolve(area)
    if code is None:
        raise InputError(f"unknown area {area!r}: {area_hint(store, area)}")
    s = _sex(sex)
    d = defs[indicator]
    if method == "lee-miller" and start is None:
        start = LEE_MILLER_START
    if method == "rwd":
        return _rwd(store, d, code, s, start, end, until, level, source)
    return _lee_carter(
        store,
        d,
        code,
        s,
        method,  # type: ignore[arg-type]
        start,
        end,
        until,
        level,
        source,
        paths,
        seed,
    )
