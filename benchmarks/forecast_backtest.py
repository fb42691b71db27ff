"""Backtests of the forecasts: fit up to a year, forecast the following years, compare.

Usage: python benchmarks/forecast_backtest.py [--small] [--horizon 10] [--paths 500]
       [--level 0.95] [--record]

For each data set, origin year ``J`` and method: fit on the years up to ``J``, forecast life
expectancy at birth for ``J + 1 ... J + H``, and compare with the value computed from what
happened (the same life table for the truth and for the forecast rates, so only the forecast
differs). Reported per data set and method: the number of forecasts, the mean absolute error
(MAE, years; overall and at horizons 1, 5 and 10), the mean error (bias; positive = forecast too
high), the coverage of the prediction intervals (share of truths inside) and their mean width.
The naive method every other is measured against is the random walk with drift on e0 itself
(``rwd``); the ratio ``MAE / MAE(rwd)`` is printed (below 1: better than the naive).

Data sets (all in the repository, real, with provenance):

* ``hmd-gbr``: HMD United Kingdom death rates and exposures 1950-2016 (tests/reference/
  hmd_gbr_np_2018), females and males, single ages 0-89 and 90+ pooled from deaths and
  exposures; fit from 1950 (Lee & Miller's start); origins 1975-2006; Lee-Carter with the
  deaths second stage, Lee-Miller (e0 second stage, observed jump-off).
* ``wpp-e0``: UN WPP 2024 annual e0 1950-2023 of every country (location type 4), both
  sexes (tests/data/wpp); ``rwd`` fitted from 1950 and ``rwd-20`` on the last 20 years only
  (annual rates by age are not in WPP's files here, so no Lee-Carter).
* ``wpp-5yr``: UN WPP 2024 abridged death rates by five-year period 1950-1955 ... 2015-2020,
  eight locations (the OTS countries, Hungary, the World) x 3 sexes; the models step by
  period (drift per five years) and forecast two periods (ten years); Lee-Carter without
  second stage (no deaths), Lee-Miller.

WPP's values are themselves modelled estimates (smoothed, and for many countries with few
registered deaths largely model-based), so a forecast of them is scored against a smooth truth:
read ``wpp-e0`` as a check of calibration on many series, not of skill on registration data.

``--small`` runs a few origins and locations in seconds (tests/test_forecast_backtest.py calls
it). ``--record`` appends the results with the date to benchmarks/results.jsonl.

``--scorecard`` instead checks the calibration of the targets scorecard's probabilities: the
scorecard's own trend (:func:`salamat.methods.trends.fit_drift`, linear, on the last ``window``
years up to an origin) gives each later year's forecast distribution; the probability integral
transform ``P(Y <= truth)`` of every WPP country's e0 (origins 1985-2009, horizons 1-10, truths up
to 2019, before COVID-19) should be uniform, and the share inside the central 80% and 95% should
be 0.80 and 0.95. Below those, the scorecard's ``P(meet)`` is too sure (too near 0 or 1).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from salamat.errors import SalamatError
from salamat.methods import forecast as fm

ROOT = Path(__file__).resolve().parent.parent
HMD = ROOT / "tests" / "reference" / "hmd_gbr_np_2018"
WPP = ROOT / "tests" / "data" / "wpp"
RESULTS = Path(__file__).resolve().parent / "results.jsonl"
FAILURES: dict[str, dict[str, list[str]]] = {}


@dataclass
class Scores:
    """Forecast errors of one method on one data set."""

    errors: list[float] = field(default_factory=list)
    horizons: list[int] = field(default_factory=list)
    inside: list[bool] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def add(self, f: fm.Forecast, truth: np.ndarray, step: int = 1) -> None:
        n = truth.size
        err = f.value[:n] - truth
        self.errors += err.tolist()
        self.horizons += [step * (i + 1) for i in range(n)]
        self.inside += ((f.lower[:n] <= truth) & (truth <= f.upper[:n])).tolist()
        self.widths += (f.upper[:n] - f.lower[:n]).tolist()

    def summary(self) -> dict[str, object]:
        e = np.abs(np.array(self.errors))
        h = np.array(self.horizons)

        def at(k: int) -> float | None:
            return round(float(e[h == k].mean()), 3) if np.any(h == k) else None

        return {
            "n": int(e.size),
            "mae": round(float(e.mean()), 3) if e.size else None,
            "mae_h1": at(1),
            "mae_h5": at(5),
            "mae_h10": at(10),
            "bias": round(float(np.mean(self.errors)), 3) if e.size else None,
            "coverage": round(float(np.mean(self.inside)), 3) if e.size else None,
            "width": round(float(np.mean(self.widths)), 3) if e.size else None,
            "failed": len(self.failed),
        }


# -- data -----------------------------------------------------------------------------------------


def _hmd(name: str) -> pd.DataFrame:
    df = pd.read_csv(HMD / name, sep=r"\s+", skiprows=2, na_values=".")
    df["Age"] = df["Age"].astype(str).str.rstrip("+").astype(int)
    return df[df["Year"] >= 1950]


def hmd_gbr(sex: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Years, ages (0-89, 90+), deaths and exposures of HMD GBR for ``Female``/``Male``."""
    mx = _hmd("GBR_NP.Mx_1x1.txt.gz").pivot(index="Year", columns="Age", values=sex)
    ex = _hmd("GBR_NP.Exposures_1x1.txt.gz").pivot(index="Year", columns="Age", values=sex)
    deaths = (mx.fillna(0.0) * ex).to_numpy()
    exposure = ex.to_numpy()
    d = np.concatenate([deaths[:, :90], deaths[:, 90:].sum(axis=1, keepdims=True)], axis=1)
    e = np.concatenate([exposure[:, :90], exposure[:, 90:].sum(axis=1, keepdims=True)], axis=1)
    return mx.index.to_numpy(), np.arange(91.0), d, e


def wpp_e0(limit: int | None) -> pd.DataFrame:
    """WPP 2024 annual e0 (both sexes) of every country: rows locations, columns years."""
    loc = pd.read_csv(WPP / "wpp2024_UNlocations.txt", sep="\t")
    countries = set(loc.loc[loc["location_type"] == 4, "country_code"])
    e0 = pd.read_csv(WPP / "wpp2024_e0B.txt.gz", sep="\t")
    e0 = e0[e0["country_code"].isin(countries)].set_index("name" if "name" in e0 else "country")
    years = [c for c in e0.columns if str(c).isdigit()]
    out = e0[years].astype(float)
    out.columns = [int(c) for c in years]
    return out.iloc[:limit] if limit else out


def wpp_5yr() -> dict[tuple[str, str], tuple[list[str], np.ndarray, np.ndarray]]:
    """WPP 2024 abridged mx by five-year period: (iso3, sex) -> (periods, ages, mx)."""
    df = pd.read_csv(WPP / "wpp2024_mx_5yr_age_by_sex_OTS_1950-2025.csv")
    df["start"] = df["age"].astype(str).str.rstrip("+").astype(float)
    out = {}
    for (iso, sex), g in df.groupby(["iso3", "sex"], sort=True):
        w = g.pivot(index="period", columns="start", values="mx").sort_index()
        w = w[[p <= "2015-2020" for p in w.index]]
        out[(str(iso), str(sex))] = (list(w.index), w.columns.to_numpy(float), w.to_numpy(float))
    return out


# -- backtests -------------------------------------------------------------------------------------


def _sex(name: str) -> fm.Sex:
    return {"Female": "female", "Male": "male", "female": "female", "male": "male"}.get(
        name, "total"
    )  # type: ignore[return-value]


def backtest_rates(
    scores: dict[str, Scores],
    t: np.ndarray,
    age: np.ndarray,
    mx: np.ndarray,
    sex: fm.Sex,
    origins: Iterable[int],
    horizon: int,
    *,
    level: float,
    paths: int,
    deaths: np.ndarray | None = None,
    exposure: np.ndarray | None = None,
    step: int = 1,
    label: str = "",
    names: list[str] | None = None,
) -> None:
    """Random walk with drift on e0, Lee-Carter and Lee-Miller from each origin index."""
    truth_all = fm.e0_from_mx(age, mx, sex)
    for j in origins:
        fit_t = t[: j + 1]
        truth = truth_all[j + 1 : j + 1 + horizon]
        if truth.size == 0:
            continue
        until = int(fit_t[-1]) + horizon
        scores["rwd"].add(
            fm.forecast_rwd(fit_t, truth_all[: j + 1], until, level=level), truth, step
        )
        for name, kw in (
            (
                "lee-carter",
                {"adjust": "deaths" if deaths is not None else "none", "jump_off": "fitted"},
            ),
            ("lee-miller", {"adjust": "e0", "jump_off": "observed"}),
        ):
            try:
                fit = fm.fit_lee_carter(
                    age,
                    fit_t,
                    mx[: j + 1],
                    deaths=None if deaths is None else deaths[: j + 1],
                    exposure=None if exposure is None else exposure[: j + 1],
                    sex=sex,
                    **kw,  # type: ignore[arg-type]
                )
                fc = fm.forecast_lee_carter(fit, until, level=level, n_paths=paths, seed=j)
                f = fm.forecast_indicator(fc, lambda m: fm.e0_from_mx(age, m, sex))
            except SalamatError as exc:
                origin = names[j] if names else str(int(fit_t[-1]))
                scores[name].failed.append(f"{label} origin {origin}: {exc}")
                continue
            scores[name].add(f, truth, step)


def run(small: bool, horizon: int, paths: int, level: float) -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    methods = ("rwd", "lee-carter", "lee-miller")

    # HMD United Kingdom, annual, fit from 1950
    scores = {m: Scores() for m in methods}
    sexes = ("Female",) if small else ("Female", "Male")
    for sex in sexes:
        years, age, d, e = hmd_gbr(sex)
        last_origin = int(years[-1]) - horizon
        first = 1990 if small else 1975
        step_o = 10 if small else 1
        origins = [
            int(np.flatnonzero(years == y)[0]) for y in range(first, last_origin + 1, step_o)
        ]
        backtest_rates(
            scores,
            years,
            age,
            d / e,
            _sex(sex),
            origins,
            horizon,
            level=level,
            paths=paths,
            deaths=d,
            exposure=e,
            label=sex,
        )
    results["hmd-gbr"] = {m: s.summary() for m, s in scores.items()}
    FAILURES["hmd-gbr"] = {m: s.failed for m, s in scores.items()}

    # WPP annual e0, every country: the random walk with drift (all years; last 20 years)
    e0 = wpp_e0(10 if small else None)
    scores = {m: Scores() for m in ("rwd", "rwd-20")}
    origins_y = (2000,) if small else (1980, 1985, 1990, 1995, 2000, 2005)
    for _, row in e0.iterrows():
        y = row.to_numpy(float)
        yrs = np.array(row.index, dtype=np.int64)
        for o in origins_y:
            j = int(np.flatnonzero(yrs == o)[0])
            truth = y[j + 1 : j + 1 + horizon]
            scores["rwd"].add(
                fm.forecast_rwd(yrs[: j + 1], y[: j + 1], o + horizon, level=level), truth
            )
            k = j + 1 - 20
            scores["rwd-20"].add(
                fm.forecast_rwd(yrs[k : j + 1], y[k : j + 1], o + horizon, level=level), truth
            )
    results["wpp-e0"] = {m: s.summary() for m, s in scores.items()}

    # WPP five-year periods: two periods (ten years) ahead
    scores = {m: Scores() for m in methods}
    data = wpp_5yr()
    keys = [("KAZ", "both")] if small else sorted(data)
    for key in keys:
        periods, age, mx = data[key]
        t = np.arange(1950, 1950 + len(periods))  # one step = one period
        # origins: the last fitted period 1985-1990 ... 2005-2010, truth up to 2015-2020
        origins = [i for i, p in enumerate(periods) if "1985-1990" <= p <= "2005-2010"]
        if small:
            origins = origins[-1:]
        backtest_rates(
            scores,
            t,
            age,
            mx,
            _sex(key[1]),
            origins,
            2,
            level=level,
            paths=paths,
            step=5,
            label=" ".join(key),
            names=periods,
        )
    results["wpp-5yr"] = {m: s.summary() for m, s in scores.items()}
    FAILURES["wpp-5yr"] = {m: s.failed for m, s in scores.items()}
    return results


KZ_E0 = ROOT / "src" / "salamat" / "data" / "demo" / "kz"
OWID = ROOT / "src" / "salamat" / "data" / "demo" / "owid"
GHO = ROOT / "tests" / "data" / "who_gho"
SPLIT_SALT = "salamat-calibration"


def fitting_half(code: object) -> bool:
    """The seeded split of the WPP countries: ``True`` for the half the calibration is fitted
    on (the first hex digit of ``sha256("salamat-calibration:<country code>")`` is even)."""
    import hashlib

    digest = hashlib.sha256(f"{SPLIT_SALT}:{code}".encode()).hexdigest()
    return int(digest, 16) % 2 == 0


def wpp_e0_by_code() -> pd.DataFrame:
    """WPP 2024 annual e0 (both sexes) of every country, indexed by the UN country code."""
    loc = pd.read_csv(WPP / "wpp2024_UNlocations.txt", sep="\t")
    countries = set(loc.loc[loc["location_type"] == 4, "country_code"])
    e0 = pd.read_csv(WPP / "wpp2024_e0B.txt.gz", sep="\t")
    e0 = e0[e0["country_code"].isin(countries)].set_index("country_code")
    years = [c for c in e0.columns if str(c).isdigit()]
    out = e0[years].astype(float)
    out.columns = [int(c) for c in years]
    return out


def kz_regional_e0() -> pd.DataFrame:
    """BNS Kazakhstan registration e0 1999-2022: rows region x sex (total settlement)."""
    df = pd.read_csv(KZ_E0 / "kz_life_expectancy_by_region_sex_settlement_1999-2022_tidy.csv")
    df = df[df["settlement"] == "total"]
    key = df["iso_3166_2"].astype(str) + ":" + df["sex"].astype(str)
    return df.assign(key=key).pivot_table(
        index="key", columns="year", values="life_expectancy_at_birth_years"
    )


def hmd_gbr_e0() -> pd.DataFrame:
    """HMD United Kingdom e0 1950-2016 (registration), females and males, from the rates."""
    rows = {}
    for sex in ("Female", "Male"):
        years, age, d, e = hmd_gbr(sex)
        rows[sex] = pd.Series(fm.e0_from_mx(age, d / e, _sex(sex)), index=years.astype(int))
    return pd.DataFrame(rows).T


def _owid(name: str) -> pd.DataFrame:
    df = pd.read_csv(OWID / name)
    df = df[df["Code"].notna() & ~df["Code"].astype(str).str.startswith("OWID")]
    return df.pivot(index="Code", columns="Year", values=df.columns[3])


def who_30q70() -> pd.DataFrame:
    """WHO GHE 2021 30q70 (percent), both sexes, every country, 2000-2021."""
    df = pd.read_csv(GHO / "NCDMORT3070_GHO_export_2024-12-18_all_countries.csv.gz")
    df = df[(df["Dim1"] == "SEX_BTSX") & (df["SpatialDimType"] == "COUNTRY")]
    return df.pivot(index="SpatialDim", columns="TimeDim", values="NumericValue")


@dataclass
class TrendForecasts:
    """The scorecard trend's forecasts of a set of series: one row per (series, origin,
    horizon), with the fit (for the package's own probability) and the truth."""

    fits: list[object] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    truths: list[float] = field(default_factory=list)
    horizons: list[int] = field(default_factory=list)
    skipped: int = 0


def trend_forecasts(
    series: pd.DataFrame,
    *,
    window: int,
    horizon: int,
    origins: Iterable[int],
    last_truth: int,
    model: str = "linear",
    limits: tuple[float, float] | None = None,
) -> TrendForecasts:
    """Fit the scorecard's trend (:func:`salamat.methods.trends.fit_drift`) on the ``window``
    years up to each origin of each row of ``series`` (columns: years) and pair it with the
    values of the ``horizon`` years after it (up to ``last_truth``)."""
    from salamat.methods.trends import fit_drift

    out = TrendForecasts()
    origins = list(origins)
    for _, row in series.iterrows():
        s = row.dropna()
        for origin in origins:
            fitted = np.arange(origin - window + 1, origin + 1)
            if not set(fitted.tolist()) <= set(s.index):
                continue
            try:
                fit = fit_drift(
                    fitted,
                    s.loc[fitted].to_numpy(dtype=float),
                    model,  # type: ignore[arg-type]
                    limits=limits,
                )
            except SalamatError:
                continue
            if fit.sigma == 0.0:
                continue
            for h in range(1, horizon + 1):
                year = origin + h
                if year > last_truth or year not in s.index:
                    continue
                truth = float(s.loc[year])
                if (model == "log_linear" and truth <= 0) or (
                    limits is not None and not limits[0] < truth < limits[1]
                ):
                    out.skipped += 1  # outside the model's support (a TB incidence of 0)
                    continue
                out.fits.append(fit)
                out.years.append(year)
                out.truths.append(truth)
                out.horizons.append(h)
    return out


def pit_values(f: TrendForecasts, drift_change: float) -> np.ndarray:
    """``P(Y <= truth)`` of each forecast under the scorecard's distribution with the
    drift-change ratio ``drift_change``, by :func:`salamat.methods.trends.probability_of_reaching`
    itself (the code the cards use)."""
    from dataclasses import replace

    from salamat.methods.trends import probability_of_reaching

    out = np.empty(len(f.fits))
    for i, (fit, year, truth) in enumerate(zip(f.fits, f.years, f.truths, strict=True)):
        widened = replace(fit, drift_change=drift_change)  # type: ignore[type-var]
        out[i] = probability_of_reaching(widened, year, truth, "decrease")
    return out


def pit_fast(f: TrendForecasts, drift_change: float) -> np.ndarray:
    """The same PIT vectorised (for root finding): ``t_df((g(truth) - centre) / se_h)``."""
    from scipy import stats

    centre = np.array([fit.centre(y) for fit, y in zip(f.fits, f.years, strict=True)])  # type: ignore[attr-defined]
    g = np.array([fit._g(v) for fit, v in zip(f.fits, f.truths, strict=True)])  # type: ignore[attr-defined]
    sigma = np.array([fit.sigma for fit in f.fits])  # type: ignore[attr-defined]
    span = np.array([fit.span for fit in f.fits], dtype=float)  # type: ignore[attr-defined]
    df = np.array([fit.df for fit in f.fits], dtype=float)  # type: ignore[attr-defined]
    h = np.array(f.horizons, dtype=float)
    se = sigma * np.sqrt(h + h * h / span + drift_change**2 * h * (h + 1) * (2 * h + 1) / 6)
    return np.asarray(stats.t.cdf((g - centre) / se, df))


def pit_summary(p: np.ndarray, horizons: Iterable[int]) -> dict[str, object]:
    """Coverage of the central 80% and 95% (share of PIT strictly inside), the tails, the mean
    PIT (0.5 if unbiased) and the 95% coverage at horizons 1, 5 and 10."""
    hs = np.asarray(list(horizons))

    def inside(mask: np.ndarray, level: float) -> float | None:
        tail = (1.0 - level) / 2.0
        q = p[mask]
        return round(float(np.mean((q > tail) & (q < 1.0 - tail))), 3) if q.size else None

    every = np.ones(p.size, dtype=bool)
    return {
        "n": int(p.size),
        "coverage95": inside(every, 0.95),
        "coverage80": inside(every, 0.80),
        "below": round(float(np.mean(p <= 0.025)), 3) if p.size else None,
        "above": round(float(np.mean(p >= 0.975)), 3) if p.size else None,
        "mean_pit": round(float(p.mean()), 3) if p.size else None,
        **{f"coverage95_h{h}": inside(hs == h, 0.95) for h in (1, 5, 10)},
    }


def synthetic_targets(f: TrendForecasts, drift_change: float) -> dict[str, dict[str, float]]:
    """Brier score and reliability of ``P(meet)`` for two synthetic targets per forecast: a
    value one plain standard error below the projected centre ("likely": the plain model
    gives about 0.83) and one above it ("unlikely": about 0.17), to be met or exceeded in the
    forecast year. Returns, for each, the mean ``P``, the share of truths that met it and the
    Brier score ``mean((P - met)^2)`` (lower is better)."""
    from scipy import stats

    centre = np.array([fit.centre(y) for fit, y in zip(f.fits, f.years, strict=True)])  # type: ignore[attr-defined]
    g = np.array([fit._g(v) for fit, v in zip(f.fits, f.truths, strict=True)])  # type: ignore[attr-defined]
    sigma = np.array([fit.sigma for fit in f.fits])  # type: ignore[attr-defined]
    span = np.array([fit.span for fit in f.fits], dtype=float)  # type: ignore[attr-defined]
    df = np.array([fit.df for fit in f.fits], dtype=float)  # type: ignore[attr-defined]
    h = np.array(f.horizons, dtype=float)
    plain = sigma * np.sqrt(h + h * h / span)
    se = sigma * np.sqrt(h + h * h / span + drift_change**2 * h * (h + 1) * (2 * h + 1) / 6)
    out: dict[str, dict[str, float]] = {}
    for name, sign in (("likely", -1.0), ("unlikely", 1.0)):
        threshold = centre + sign * plain
        p = 1.0 - stats.t.cdf((threshold - centre) / se, df)  # P(Y >= threshold)
        met = (g >= threshold).astype(float)
        out[name] = {
            "mean_p": round(float(p.mean()), 3),
            "met": round(float(met.mean()), 3),
            "brier": round(float(np.mean((p - met) ** 2)), 4),
        }
    return out


def scorecard_calibration(
    series: pd.DataFrame,
    *,
    window: int,
    horizon: int,
    origins: Iterable[int],
    last_truth: int,
    drift_change: float = 0.0,
    model: str = "linear",
    limits: tuple[float, float] | None = None,
) -> dict[str, object]:
    """PIT of the scorecard's trend forecasts (rows: series, columns: years), with the
    drift-change ratio ``drift_change`` (0: the plain random walk with drift): see
    :func:`pit_summary`."""
    f = trend_forecasts(
        series,
        window=window,
        horizon=horizon,
        origins=origins,
        last_truth=last_truth,
        model=model,
        limits=limits,
    )
    return pit_summary(pit_values(f, drift_change), f.horizons)


def fit_drift_change(f: TrendForecasts, level: float = 0.95) -> float:
    """The ``lambda`` at which the central ``level`` interval covers ``level`` of ``f``
    (coverage rises with ``lambda``; bisection by :func:`scipy.optimize.brentq`)."""
    from scipy import optimize

    tail = (1.0 - level) / 2.0

    def gap(lam: float) -> float:
        p = pit_fast(f, lam)
        return float(np.mean((p > tail) & (p < 1.0 - tail))) - level

    if gap(0.0) >= 0.0:
        return 0.0
    return float(optimize.brentq(gap, 0.0, 5.0, xtol=1e-4))


CalibrationSet = tuple[str, pd.DataFrame, str, dict[str, object], str]


def _halves(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    mask = np.array([fitting_half(c) for c in frame.index])
    return frame[mask], frame[~mask]


def calibration_sets(small: bool) -> list[CalibrationSet]:
    """(name, series, role, trend options, calibration family) of every data set the
    calibration is fitted or checked on; the family names the ``lambda`` shown as "widened"
    (for the registration sets: what the WPP e0 widening would do to them)."""
    wpp = {"origins": range(1985, 2010), "last_truth": 2019}
    late = {"origins": range(2008, 2019), "last_truth": 2019}
    e0 = wpp_e0_by_code()
    e0_fit, e0_check = _halves(e0)
    if small:
        return [
            ("WPP 2024 e0, fitting half", e0_fit.iloc[:6], "fitted", wpp, "wpp_e0"),
            ("WPP 2024 e0, held-out half", e0_check.iloc[:6], "held out", wpp, "wpp_e0"),
        ]
    q_fit, q_check = _halves(who_30q70())
    tb_fit, tb_check = _halves(_owid("incidence-of-tuberculosis-sdgs.csv"))
    logit = {**late, "model": "logit", "limits": (0.0, 100.0)}
    log = {**late, "model": "log_linear"}
    return [
        ("WPP 2024 e0, fitting half", e0_fit, "fitted", wpp, "wpp_e0"),
        ("WPP 2024 e0, held-out half", e0_check, "held out", wpp, "wpp_e0"),
        ("WPP 2024 e0, all, origins 2008-2018", e0, "partly fitted", late, "wpp_e0"),
        ("WHO TB incidence estimates (log), fitting half", tb_fit, "fitted", log, "who_tb"),
        ("WHO TB incidence estimates (log), held-out half", tb_check, "held out", log, "who_tb"),
        ("WHO GHE 30q70 (logit), fitting half", q_fit, "fitted", logit, "who_ghe"),
        ("WHO GHE 30q70 (logit), held-out half", q_check, "held out", logit, "who_ghe"),
        (
            "BNS Kazakhstan e0, 21 areas x 3 sexes (registration)",
            kz_regional_e0(),
            "check",
            late,
            "wpp_e0",
        ),
        (
            "HMD United Kingdom e0, 2 sexes (registration)",
            hmd_gbr_e0(),
            "check",
            {"origins": range(1975, 2016), "last_truth": 2016},
            "wpp_e0",
        ),
        (
            "WHO GHED health expenditure % GDP (reported)",
            _owid("total-healthcare-expenditure-gdp.csv"),
            "check",
            late,
            "wpp_e0",
        ),
    ]


def run_scorecard(small: bool, fit_calibration: bool) -> dict[str, object]:
    """``--scorecard``: the plain and the widened distributions (each set's family's
    ``lambda`` from :data:`salamat.methods.trend_calibration.CALIBRATIONS`) on every set; with
    ``fit_calibration``, each family's ``lambda`` fitted again on its fitting half."""
    from salamat.methods.trend_calibration import CALIBRATIONS

    lam = {c.family: c.drift_change for c in CALIBRATIONS}
    sets = calibration_sets(small)
    forecasts = {
        name: trend_forecasts(frame, window=10, horizon=10, **opts)  # type: ignore[arg-type]
        for name, frame, _, opts, _ in sets
    }
    out: dict[str, object] = {"drift_change": lam}
    if fit_calibration:
        fitted: dict[str, float] = {}
        for name, _, role, _, family in sets:
            if role == "fitted":
                f = forecasts[name]
                fitted[family] = round(fit_drift_change(f), 4)
                print(f"lambda fitted on {name} ({len(f.fits)} forecasts): {fitted[family]}")
        out["fitted_drift_change"] = fitted
    print(
        "| data set | role | n | distribution | 95% covers | 80% covers "
        "| below 2.5% / above 97.5% | mean PIT | 95% at h=1 / 5 / 10 |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    by_set: dict[str, dict[str, object]] = {}
    for name, _, role, _, family in sets:
        f = forecasts[name]
        row: dict[str, object] = {}
        for label, value in (("plain", 0.0), (f"widened, lambda {lam[family]:g}", lam[family])):
            c = pit_summary(pit_values(f, value), f.horizons)
            row["plain" if value == 0.0 else "widened"] = c
            print(
                f"| {name} | {role} | {c['n']} | {label} | {c['coverage95']} | {c['coverage80']} "
                f"| {c['below']} / {c['above']} | {c['mean_pit']} "
                f"| {c['coverage95_h1']} / {c['coverage95_h5']} / {c['coverage95_h10']} |"
            )
        row["synthetic"] = {
            label: synthetic_targets(f, value)
            for label, value in (("plain", 0.0), ("widened", lam[family]))
        }
        by_set[name] = row
    print(
        "\nSynthetic targets (a value one plain standard error below / above the projected "
        "centre, to be met or exceeded): mean P, share met, Brier score"
    )
    print(
        "| data set | distribution | likely: mean P / met / Brier | unlikely: mean P / met / Brier |"
    )
    print("|---|---|---|---|")
    for name, row in by_set.items():
        for label in ("plain", "widened"):
            syn = row["synthetic"][label]  # type: ignore[index]
            cells = [
                f"{syn[k]['mean_p']} / {syn[k]['met']} / {syn[k]['brier']}"
                for k in ("likely", "unlikely")
            ]
            print(f"| {name} | {label} | {cells[0]} | {cells[1]} |")
    out["sets"] = by_set
    return out


def print_results(results: dict[str, dict[str, object]], level: float) -> None:
    print(
        f"| data set | method | n | MAE | MAE h=1 | h=5 | h=10 | bias | coverage ({level:.0%}) "
        "| mean width | MAE / MAE(rwd) | failed |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, by_method in results.items():
        base = by_method["rwd"]["mae"]  # type: ignore[index]
        for method, s in by_method.items():
            assert isinstance(s, dict)
            ratio = f"{s['mae'] / base:.2f}" if s["mae"] is not None and base else "-"
            cells = [
                s[k] if s[k] is not None else "-"
                for k in ("n", "mae", "mae_h1", "mae_h5", "mae_h10", "bias", "coverage", "width")
            ]
            print(
                f"| {name} | {method} | "
                + " | ".join(str(c) for c in cells)
                + f" | {ratio} | {s['failed']} |"
            )


def main(argv: list[str] | None = None) -> dict[str, dict[str, object]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a few origins: seconds, for CI")
    parser.add_argument("--horizon", type=int, default=10, help="years ahead (annual data)")
    parser.add_argument("--paths", type=int, default=500, help="simulated k(t) paths")
    parser.add_argument("--level", type=float, default=0.95, help="interval level")
    parser.add_argument("--record", action="store_true", help="append to results.jsonl")
    parser.add_argument(
        "--scorecard", action="store_true", help="only the scorecard probabilities' calibration"
    )
    parser.add_argument(
        "--fit-calibration",
        action="store_true",
        help="with --scorecard: fit the drift-change ratio again on the WPP fitting half",
    )
    args = parser.parse_args(argv)
    if args.scorecard or args.fit_calibration:
        started = time.perf_counter()
        cal = run_scorecard(args.small, args.fit_calibration)
        print(f"\n{time.perf_counter() - started:.1f} s")
        return {"scorecard": cal}
    horizon = min(args.horizon, 5) if args.small else args.horizon
    paths = min(args.paths, 200) if args.small else args.paths
    started = time.perf_counter()
    results = run(args.small, horizon, paths, args.level)
    seconds = time.perf_counter() - started
    print_results(results, args.level)
    print(f"\n{seconds:.1f} s; horizon {horizon}, {paths} paths, level {args.level}")
    for name, by_method in FAILURES.items():
        for method, reasons in by_method.items():
            for reason in reasons[:3]:
                print(f"failed: {name}, {method}: {reason}")
    if args.record:
        entry = {
            "date": datetime.now().isoformat(timespec="seconds"),
            "benchmark": "forecast_backtest",
            "machine": platform.platform(),
            "small": args.small,
            "horizon": horizon,
            "paths": paths,
            "level": args.level,
            "seconds": round(seconds, 1),
            "results": results,
        }
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
