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


def scorecard_calibration(
    series: pd.DataFrame, *, window: int, horizon: int, origins: range, last_truth: int
) -> dict[str, object]:
    """PIT of the scorecard's trend forecasts (rows: series, columns: years): the share of
    truths inside the central 80% and 95%, below the 2.5% and above the 97.5% tails, the mean
    PIT (0.5 if unbiased), and the 95% coverage at horizons 1, 5 and 10."""
    from salamat.methods.trends import fit_drift, probability_of_reaching

    pit: list[float] = []
    ahead: list[int] = []
    for _, row in series.iterrows():
        s = row.dropna()
        for origin in origins:
            fitted = np.arange(origin - window + 1, origin + 1)
            if not set(fitted.tolist()) <= set(s.index):
                continue
            try:
                fit = fit_drift(fitted, s.loc[fitted].to_numpy(dtype=float), "linear")
            except SalamatError:
                continue
            for h in range(1, horizon + 1):
                year = origin + h
                if year > last_truth or year not in s.index:
                    continue
                pit.append(probability_of_reaching(fit, year, float(s.loc[year]), "decrease"))
                ahead.append(h)
    p, hs = np.asarray(pit), np.asarray(ahead)

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
    args = parser.parse_args(argv)
    if args.scorecard:
        e0 = wpp_e0(8 if args.small else None)
        cal = {
            f"window {w}": scorecard_calibration(
                e0, window=w, horizon=10, origins=range(1985, 2010), last_truth=2019
            )
            for w in (10, 20)
        }
        for name, c in cal.items():
            print(f"scorecard trend, {name}: {c}")
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
