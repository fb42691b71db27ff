"""Mortality forecasts: random walk with drift, Lee-Carter and the Lee-Miller variant.

Three methods, one output shape (:class:`Forecast`: ``year, value, lower, upper`` with the
method, the fitted years and the level).

**Random walk with drift on the indicator** (``"rwd"``): :func:`salamat.methods.trends.fit_drift`
on the indicator's own series (identity, log or logit scale, as the catalogue says), forecast
``g(y_T) + h c``, variance ``sigma^2 (h + h^2 / (T - 1))`` (``h`` innovations plus the drift's
own uncertainty; Hyndman & Athanasopoulos 2021, sections 5.2 and 5.5), Student *t* limits.

**Lee-Carter** (Lee & Carter 1992) on death rates ``m(x, t)`` by age and year:

``ln m(x, t) = a(x) + b(x) k(t) + e(x, t)``,

* ``a(x)`` = the mean over the fitted years of ``ln m(x, t)``;
* ``b(x)``, ``k(t)`` = the first singular vectors of the centred matrix
  ``Z(t, x) = ln m(x, t) - a(x)`` (the least-squares rank-one fit), normalised so that
  ``sum_x b(x) = 1`` and ``sum_t k(t) = 0``;
* second stage (the original's): where deaths ``D(x, t)`` and exposures ``E(x, t)`` are given,
  ``k(t)`` is re-estimated year by year so that the fitted deaths equal the observed ones,
  ``sum_x E(x, t) exp(a(x) + b(x) k(t)) = sum_x D(x, t)`` (Newton's method, all years at once);
  then ``a(x) += b(x) mean(k)``, ``k -= mean(k)`` so that ``sum k = 0`` again (the fitted rates
  do not change);
* ``k(t)`` is forecast as a random walk with drift (Lee & Carter's ARIMA(0,1,0)); the rates
  ``h`` years on are ``exp(a(x) + b(x) k(T + h))`` from the jump-off ``a(x) + b(x) k(T)``.

**Lee-Miller** (Lee & Miller 2001): the same model, with three changes: the fit period starts
later (1950 in the paper; a chosen year here), the second stage makes each year's fitted rates
reproduce that year's **life expectancy at birth** rather than its deaths (bisection on ``k(t)``;
``e0`` strictly decreasing in ``k`` when every ``b(x) > 0``, and continuous in any case), and the forecast starts from the
**observed** rates of the last year (``ln m(x, T + h) = ln m_obs(x, T) + b(x) (k(T + h) - k(T))``),
not the fitted ones: this removes the jump-off bias Lee & Miller found in the original.

**Intervals.** ``k``: ``k(T) + h c -/+ t_{df} sigma sqrt(h + h^2 / K)``, ``K`` the years
between the first and last fitted year (the drift's own variance included). Indicators derived
from the forecast rates (life expectancy, 30q70) by simulation of ``k`` paths, seeded: each
path draws ``sigma_p^2 = df sigma_hat^2 / chi^2_df``, a drift ``c_p ~ N(c_hat, sigma_p^2 / K)``
and independent innovations ``N(0, sigma_p^2)`` (the predictive distribution of a random walk
with drift under the reference prior, whose margin for ``k`` is the Student *t* interval above,
so the simulated and closed-form intervals of ``k`` agree); the indicator is computed for every
path and year, and its limits are the path quantiles. The point forecast is the indicator of
the central ``k`` path; with every ``b(x) > 0`` the indicator is monotone in ``k`` and the point
is the median of the paths, so it always lies inside the interval. Only ``k``'s uncertainty is
simulated (the fitting error of ``a`` and ``b`` is left out, as in Lee & Carter 1992).

References
----------
Lee R.D., Carter L.R. (1992). Modeling and forecasting U.S. mortality. *Journal of the American
Statistical Association* 87(419): 659-671.
Lee R., Miller T. (2001). Evaluating the performance of the Lee-Carter method for forecasting
mortality. *Demography* 38(4): 537-549.
Hyndman R.J., Athanasopoulos G. (2021). *Forecasting: Principles and Practice*, 3rd ed.,
sections 5.2 and 5.5. https://otexts.com/fpp3/
Gelman A. et al. (2013). *Bayesian Data Analysis*, 3rd ed., section 3.2 (normal model with
unknown mean and variance: the scaled inverse chi-squared draw of the variance).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from salamat.errors import InputError, MethodError, Problem
from salamat.methods.ages import FloatArray
from salamat.methods.intervals import check_level
from salamat.methods.lifetable import Sex, life_table
from salamat.methods.ncd import NCD_AGES, m_to_5q
from salamat.methods.trends import DriftFit, TrendModel, fit_drift, project

__all__ = [
    "Adjust",
    "Forecast",
    "JumpOff",
    "LeeCarterFit",
    "LeeCarterForecast",
    "e0_from_mx",
    "ex_from_mx",
    "fit_lee_carter",
    "forecast_indicator",
    "forecast_lee_carter",
    "forecast_rwd",
    "kt_paths",
    "q30_70_from_mx",
]

Adjust = Literal["deaths", "e0", "none"]
JumpOff = Literal["fitted", "observed"]
IndicatorFn = Callable[[FloatArray], FloatArray]

MIN_YEARS = 3
"""Three years give two changes of ``k``: one degree of freedom for ``sigma``."""


@dataclass(frozen=True)
class Forecast:
    """A forecast of one indicator: ``value`` with its ``level`` prediction interval by year.

    ``fitted_from`` / ``fitted_to`` are the first and last years the model was fitted on; the
    forecast years follow ``fitted_to``.
    """

    year: npt.NDArray[np.int64]
    value: FloatArray
    lower: FloatArray
    upper: FloatArray
    level: float
    method: str
    fitted_from: int
    fitted_to: int


@dataclass(frozen=True)
class LeeCarterFit:
    """A fitted Lee-Carter model: ``ln m(x, t) = ax + bx kt``.

    ``kt_svd`` is the first-stage (SVD) index, ``kt`` the one after the second stage
    (``adjust``); ``explained`` is the share of the centred matrix's sum of squares the first
    singular value carries. ``jump_off_log_mx`` is where the forecast starts (the fitted or the
    observed log rates of the last year), ``kt_drift`` the random walk with drift fitted on
    ``kt``.
    """

    age: FloatArray
    year: npt.NDArray[np.int64]
    ax: FloatArray
    bx: FloatArray
    kt: FloatArray
    kt_svd: FloatArray
    explained: float
    adjust: Adjust
    jump_off: JumpOff
    jump_off_log_mx: FloatArray
    kt_drift: DriftFit
    sex: Sex
    method: str

    def fitted_log_mx(self) -> FloatArray:
        """``ax + bx kt``, shaped ``(years, ages)``."""
        return np.asarray(self.ax[None, :] + self.kt[:, None] * self.bx[None, :])


@dataclass(frozen=True)
class LeeCarterForecast:
    """Forecast rates: ``kt`` (central path) with its closed-form interval, ``mx`` shaped
    ``(years, ages)`` on the central path, and the simulated ``paths`` of ``kt``
    (``(n_paths, years)``), from which derived indicators take their intervals."""

    fit: LeeCarterFit
    year: npt.NDArray[np.int64]
    kt: FloatArray
    kt_lower: FloatArray
    kt_upper: FloatArray
    mx: FloatArray
    paths: FloatArray
    level: float
    seed: int

    def mx_of(self, kt: FloatArray) -> FloatArray:
        """Rates for index values ``kt`` (any shape ``S``): ``(*S, ages)``."""
        base = self.fit.jump_off_log_mx
        k_t = float(self.fit.kt[-1])
        k = np.asarray(kt, dtype=np.float64)[..., None]
        return np.asarray(np.exp(base + self.fit.bx * (k - k_t)))


# --------------------------------------------------------------------------------------------
# indicators from rates
# --------------------------------------------------------------------------------------------


def ex_from_mx(age: npt.ArrayLike, mx: npt.ArrayLike, sex: Sex, at: float = 0.0) -> FloatArray:
    """Life expectancy at exact age ``at`` from rates ``(..., ages)`` (last band open).

    The period life table of :func:`salamat.methods.lifetable.life_table` (a0 by Andreev &
    Kingkade; the constant-hazard ``ax`` where ``n/2`` would give ``qx >= 1``).
    """
    table = life_table(age, mx=mx, sex=sex, qx_over_one="constant_hazard")
    return table.ex_at(at)


def e0_from_mx(age: npt.ArrayLike, mx: npt.ArrayLike, sex: Sex) -> FloatArray:
    """Life expectancy at birth from rates ``(..., ages)``: :func:`ex_from_mx` at 0."""
    return ex_from_mx(age, mx, sex, 0.0)


def q30_70_from_mx(age: npt.ArrayLike, mx: npt.ArrayLike) -> FloatArray:
    """``30q70 = 1 - prod(1 - 5qx)`` over 30-34, ..., 65-69, ``5qx = 5 m / (1 + 2.5 m)``
    (WHO SDG 3.4.1 metadata), as a proportion, from rates in exactly those eight bands."""
    a = np.asarray(age, dtype=np.float64)
    if a.shape != NCD_AGES.shape or np.any(a != NCD_AGES):
        raise InputError(
            "30q70 needs rates in the bands 30-34, 35-39, ..., 65-69",
            [Problem("argument", None, "age", "expected 30, 35, ..., 65", None)],
        )
    m = np.asarray(mx, dtype=np.float64)
    return np.asarray(1.0 - np.prod(1.0 - m_to_5q(m), axis=-1))


# --------------------------------------------------------------------------------------------
# random walk with drift on the indicator
# --------------------------------------------------------------------------------------------


def _check_years(year: npt.ArrayLike, what: str) -> npt.NDArray[np.int64]:
    t = np.asarray(year, dtype=np.float64).ravel()
    if t.size == 0 or np.any(~np.isfinite(t)) or np.any(t != np.round(t)):
        raise InputError(
            f"{what}: expected whole years",
            [Problem("argument", None, "year", "expected whole years", None)],
        )
    years = t.astype(np.int64)
    if np.any(np.diff(years) <= 0):
        raise InputError(
            f"{what}: expected each year once, in increasing order",
            [Problem("argument", None, "year", "expected increasing years", None)],
        )
    missing = sorted(set(range(int(years[0]), int(years[-1]) + 1)) - set(years.tolist()))
    if missing:
        shown = ", ".join(str(y) for y in missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise InputError(
            f"{what}: the years {int(years[0])}-{int(years[-1])} have gaps (missing: {shown}); "
            "fit on a run of consecutive years (--from/--to)",
            [Problem("argument", None, "year", "expected consecutive years", shown)],
        )
    if years.size < MIN_YEARS:
        raise MethodError(
            f"{what}: a forecast with a prediction interval needs at least {MIN_YEARS} "
            f"consecutive years, got {years.size}"
        )
    return years


def _horizon(last: int, until: int) -> npt.NDArray[np.int64]:
    if int(until) <= last:
        raise InputError(
            f"--until {until}: expected a year after the last fitted year {last}",
            [Problem("argument", None, "until", f"expected a year > {last}", str(until))],
        )
    return np.arange(last + 1, int(until) + 1, dtype=np.int64)


def forecast_rwd(
    year: npt.ArrayLike,
    value: npt.ArrayLike,
    until: int,
    *,
    model: TrendModel = "linear",
    level: float = 0.95,
    limits: tuple[float, float] | None = None,
    exclude: tuple[int, ...] = (),
) -> Forecast:
    """Random walk with drift on an indicator's annual series, forecast to ``until``.

    Parameters
    ----------
    year, value
        Consecutive years (increasing) and their values.
    until
        Last forecast year (after the last observed year).
    model
        Scale of the walk: ``"linear"``, ``"log_linear"`` or ``"logit"`` (between ``limits``).
    level
        Prediction interval level, e.g. 0.95.
    limits
        ``(a, b)`` for the logit model.
    exclude
        Shock years left out of the drift and ``sigma`` (the change across them still counts,
        spread over the years it spans; :func:`salamat.methods.trends.fit_drift`).

    Notes
    -----
    ``y_hat(T + h) = g^{-1}(g(y_T) + h c)``, ``c = (g(y_T) - g(y_1)) / (T - 1)``; limits
    ``g(y_T) + h c -/+ t_{T-2} sigma sqrt(h + h^2 / (T - 1))`` back-transformed (Hyndman &
    Athanasopoulos 2021, 5.2 and 5.5). See :mod:`salamat.methods.trends`.

    Examples
    --------
    Changes 1, 0, 2, 1: drift 1, so the forecast for 2021 is 74 + 2 = 76:

    >>> f = forecast_rwd([2015, 2016, 2017, 2018, 2019], [70, 71, 71, 73, 74], 2021)
    >>> f.year.tolist(), f.value.tolist()
    ([2020, 2021], [75.0, 76.0])
    """
    check_level(level)
    years = _check_years(year, "random walk with drift")
    y = np.asarray(value, dtype=np.float64).ravel()
    if y.shape != years.shape:
        raise InputError(
            "random walk with drift: expected one value per year",
            [Problem("argument", None, "value", "expected one value per year", None)],
        )
    fit = fit_drift(years, y, model, limits=limits, exclude=exclude)
    ahead = _horizon(int(years[-1]), until)
    rows = [project(fit, int(t), level) for t in ahead]
    return Forecast(
        year=ahead,
        value=np.array([r.value for r in rows]),
        lower=np.array([r.lower for r in rows]),
        upper=np.array([r.upper for r in rows]),
        level=level,
        method=fit.method,
        fitted_from=int(years[0]),
        fitted_to=int(years[-1]),
    )


# --------------------------------------------------------------------------------------------
# Lee-Carter
# --------------------------------------------------------------------------------------------


def _log_rates(mx: FloatArray, years: npt.NDArray[np.int64], age: FloatArray) -> FloatArray:
    bad = ~np.isfinite(mx) | (mx <= 0)
    if np.any(bad):
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise InputError(
            f"Lee-Carter needs death rates above zero at every age and year: {int(years[i])}, "
            f"age {age[j]:g} has {mx[i, j]:g} ({int(bad.sum())} such cell(s)); "
            "pool ages into wider bands or fit on other years",
            [Problem("argument", int(years[i]), f"age {age[j]:g}", "expected a rate > 0", None)],
        )
    return np.asarray(np.log(mx))


def _negative_bx(age: FloatArray, bx: FloatArray) -> str:
    """The clause naming the ages where ``b(x) < 0`` (empty when there are none)."""
    if not np.any(bx < 0):
        return ""
    ages = ", ".join(f"{x:g}" for x in age[bx < 0])
    return (
        f"; b(x) is below zero at age(s) {ages} (their death rates moved against the others' "
        "over the fitted years, as in noisy, small or SYNTHETIC records)"
    )


def _adjust_to_deaths(
    age: FloatArray,
    ax: FloatArray,
    bx: FloatArray,
    k0: FloatArray,
    deaths: FloatArray,
    exposure: FloatArray,
    years: npt.NDArray[np.int64],
) -> FloatArray:
    """Solve ``sum_x E exp(ax + bx k) = sum_x D`` for every year at once (Newton)."""
    target = deaths.sum(axis=1)
    k = k0.copy()
    for _ in range(100):
        fitted = exposure * np.exp(ax[None, :] + bx[None, :] * k[:, None])
        f = fitted.sum(axis=1) - target
        slope = (fitted * bx[None, :]).sum(axis=1)
        if np.any(slope == 0):
            raise MethodError("Lee-Carter second stage: the fitted deaths do not depend on k")
        step = f / slope
        k = k - step
        if np.all(np.abs(step) <= 1e-12 * (1.0 + np.abs(k))):
            return np.asarray(k, dtype=np.float64)
    fitted = exposure * np.exp(ax[None, :] + bx[None, :] * k[:, None])
    off = np.abs(fitted.sum(axis=1) / target - 1.0) > 1e-9
    negative = _negative_bx(age, bx)
    if negative:
        negative += ", so the fitted deaths have a floor"
    raise MethodError(
        "Lee-Carter second stage: no k(t) gives the observed deaths "
        f"(fitted deaths = observed deaths) in {', '.join(str(int(y)) for y in years[off])}"
        f"{negative}; fit on other years (--from/--to) or use --method rwd"
    )


def _adjust_to_e0(
    age: FloatArray,
    ax: FloatArray,
    bx: FloatArray,
    k0: FloatArray,
    e0: FloatArray,
    sex: Sex,
    years: npt.NDArray[np.int64],
) -> FloatArray:
    """Solve ``e0(exp(ax + bx k)) = e0_observed`` for every year at once (bisection).

    With every ``b(x) > 0``, ``e0`` falls strictly as ``k`` rises and the root is unique. Where
    some ``b(x)`` are below zero (ages whose mortality rose while the rest fell) ``e0`` is
    still continuous in ``k``: the bracket below holds a sign change and bisection converges to
    a root in it; the result is checked to reproduce every year's ``e0``.
    """
    width = 10.0 * (float(np.max(np.abs(k0))) + 1.0)
    lo = k0 - width  # low k: low mortality, high e0
    hi = k0 + width

    def e0_at(k: FloatArray) -> FloatArray:
        return e0_from_mx(age, np.exp(ax[None, :] + bx[None, :] * k[:, None]), sex)

    def fail(off: npt.NDArray[np.bool_]) -> MethodError:
        return MethodError(
            "Lee-Miller second stage: no k(t) reproduces the observed life expectancy at birth "
            f"in {', '.join(str(int(y)) for y in years[off])}{_negative_bx(age, bx)}; fit on "
            "other years (--from/--to) or use --method lee-carter or rwd"
        )

    outside = (e0_at(lo) < e0) | (e0_at(hi) > e0)
    if np.any(outside):
        raise fail(outside)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        above = e0_at(mid) > e0  # e0 too high: k must rise
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    k = np.asarray(0.5 * (lo + hi))
    off = np.abs(e0_at(k) - e0) > 1e-6
    if np.any(off):
        raise fail(off)
    return k


def fit_lee_carter(
    age: npt.ArrayLike,
    year: npt.ArrayLike,
    mx: npt.ArrayLike,
    *,
    deaths: npt.ArrayLike | None = None,
    exposure: npt.ArrayLike | None = None,
    adjust: Adjust = "deaths",
    jump_off: JumpOff = "fitted",
    sex: Sex = "total",
) -> LeeCarterFit:
    """Fit Lee-Carter (or, with ``adjust="e0", jump_off="observed"``, Lee-Miller) to rates.

    Parameters
    ----------
    age
        Band starts (the last band open), ``(ages,)``.
    year
        Consecutive fitted years, ``(years,)``.
    mx
        Death rates ``(years, ages)``, every one above zero.
    deaths, exposure
        ``(years, ages)``; needed for ``adjust="deaths"``.
    adjust
        Second stage: ``"deaths"`` (Lee & Carter 1992), ``"e0"`` (Lee & Miller 2001; the target
        is the life expectancy of each year's observed rates) or ``"none"`` (the SVD ``k``).
    jump_off
        ``"fitted"`` (``ax + bx k(T)``, Lee & Carter) or ``"observed"`` (the last year's observed
        rates, Lee & Miller).
    sex
        For the a0 rule of the life tables (``adjust="e0"`` and derived indicators).

    Returns
    -------
    LeeCarterFit

    Raises
    ------
    InputError
        Shapes that do not match; years with gaps; a rate that is zero, negative or missing.
    MethodError
        Fewer than three years; a second stage that cannot be solved.

    Notes
    -----
    ``ax = mean_t ln m``; ``Z = ln m - ax = s1 u1 v1'`` + rest; ``bx = v1 / sum(v1)``,
    ``kt = s1 u1 sum(v1)`` (so ``sum bx = 1``; ``sum kt = 0`` because ``Z``'s columns sum to
    zero) (Lee & Carter 1992, appendix B).
    """
    a = np.asarray(age, dtype=np.float64).ravel()
    years = _check_years(year, "Lee-Carter")
    m = np.asarray(mx, dtype=np.float64)
    if m.shape != (years.size, a.size):
        raise InputError(
            f"Lee-Carter: expected rates shaped (years, ages) = ({years.size}, {a.size}), "
            f"got {m.shape}",
            [Problem("argument", None, "mx", "expected (years, ages)", str(m.shape))],
        )
    if adjust not in ("deaths", "e0", "none") or jump_off not in ("fitted", "observed"):
        raise InputError(
            f"Lee-Carter: unknown choice adjust={adjust!r}, jump_off={jump_off!r}",
            [Problem("argument", None, "adjust", "deaths, e0 or none; fitted or observed", None)],
        )
    log_m = _log_rates(m, years, a)
    ax = log_m.mean(axis=0)
    z = log_m - ax[None, :]
    u, s, vt = np.linalg.svd(z, full_matrices=False)
    v1 = vt[0]
    total = float(v1.sum())
    if total == 0.0:
        raise MethodError("Lee-Carter: b(x) cannot be normalised (its sum is zero)")
    bx = v1 / total
    kt_svd = u[:, 0] * s[0] * total
    ss = float(np.sum(s * s))
    explained = float(s[0] ** 2 / ss) if ss > 0 else 1.0
    if adjust == "deaths":
        if deaths is None or exposure is None:
            raise InputError(
                "Lee-Carter's second stage needs deaths and exposures (or choose adjust='none')",
                [Problem("argument", None, "deaths", "expected deaths and exposures", None)],
            )
        d = np.asarray(deaths, dtype=np.float64)
        e = np.asarray(exposure, dtype=np.float64)
        if d.shape != m.shape or e.shape != m.shape:
            raise InputError(
                "Lee-Carter: deaths and exposures must be shaped like the rates",
                [Problem("argument", None, "deaths", "expected (years, ages)", None)],
            )
        kt = _adjust_to_deaths(a, ax, bx, kt_svd, d, e, years)
        stage = "k(t) re-estimated so that fitted deaths equal observed deaths (Lee & Carter 1992)"
    elif adjust == "e0":
        target = e0_from_mx(a, m, sex)
        kt = _adjust_to_e0(a, ax, bx, kt_svd, target, sex, years)
        stage = "k(t) re-estimated so that each year's e0 is reproduced (Lee & Miller 2001)"
    else:
        kt = kt_svd.copy()
        stage = "k(t) from the SVD (no second stage)"
    shift = float(kt.mean())
    ax = ax + bx * shift
    kt = kt - shift
    base = log_m[-1] if jump_off == "observed" else ax + bx * kt[-1]
    drift = fit_drift(years, kt, "linear")
    name = "Lee-Miller" if (adjust == "e0" and jump_off == "observed") else "Lee-Carter"
    method = (
        f"{name} on log death rates, {int(years[0])}-{int(years[-1])}, ages {a[0]:g}-{a[-1]:g}+ "
        f"({a.size} bands): a(x) row means, b(x) k(t) from the SVD ({explained:.1%} of the "
        f"variance), sum b = 1, sum k = 0; {stage}; k(t) a random walk with drift "
        f"({drift.drift:+.4f} a year, sigma {drift.sigma:.4f}); jump-off: "
        + ("observed rates of the last year" if jump_off == "observed" else "fitted rates")
    )
    return LeeCarterFit(
        age=a,
        year=years,
        ax=ax,
        bx=bx,
        kt=kt,
        kt_svd=kt_svd,
        explained=explained,
        adjust=adjust,
        jump_off=jump_off,
        jump_off_log_mx=np.asarray(base, dtype=np.float64),
        kt_drift=drift,
        sex=sex,
        method=method,
    )


def kt_paths(fit: DriftFit, horizon: int, n_paths: int, seed: int) -> FloatArray:
    """Simulated paths of a random walk with drift, ``(n_paths, horizon)``, from its anchor.

    Each path draws ``sigma_p^2 = df sigma^2 / chi^2_df``, ``c_p ~ N(c, sigma_p^2 / K)`` and
    innovations ``N(0, sigma_p^2)``; the margin at ``h`` is ``k_T + h c + t_df sigma
    sqrt(h + h^2 / K)``, the closed-form interval (module docstring). Seeded, so the same call
    gives the same paths.
    """
    if n_paths < 1 or horizon < 1:
        raise InputError(
            "a simulation needs at least one path and one year",
            [Problem("argument", None, "paths", "expected >= 1", str(n_paths))],
        )
    rng = np.random.default_rng(seed)
    df = fit.df
    sigma2 = df * fit.sigma**2 / rng.chisquare(df, size=n_paths)
    sd = np.sqrt(sigma2)
    drift = fit.drift + sd / math.sqrt(fit.span) * rng.standard_normal(n_paths)
    steps = sd[:, None] * rng.standard_normal((n_paths, horizon))
    h = np.arange(1, horizon + 1, dtype=np.float64)
    start = fit.centre(fit.anchor_year)
    return np.asarray(start + drift[:, None] * h[None, :] + np.cumsum(steps, axis=1))


def forecast_lee_carter(
    fit: LeeCarterFit,
    until: int,
    *,
    level: float = 0.95,
    n_paths: int = 1000,
    seed: int = 2026,
) -> LeeCarterForecast:
    """Forecast rates to ``until`` from a fitted Lee-Carter (or Lee-Miller) model.

    ``k`` on its central path ``k(T) + h c`` with the closed-form Student *t* interval (drift
    uncertainty included), rates ``exp(jump_off + bx (k - k(T)))``, and ``n_paths`` simulated
    ``k`` paths (seeded) for the intervals of derived indicators (:func:`forecast_indicator`).
    """
    check_level(level)
    ahead = _horizon(int(fit.year[-1]), until)
    rows = [project(fit.kt_drift, int(t), level) for t in ahead]
    kt = np.array([r.value for r in rows])
    paths = kt_paths(fit.kt_drift, ahead.size, n_paths, seed)
    out = LeeCarterForecast(
        fit=fit,
        year=ahead,
        kt=kt,
        kt_lower=np.array([r.lower for r in rows]),
        kt_upper=np.array([r.upper for r in rows]),
        mx=np.empty((0,)),
        paths=paths,
        level=level,
        seed=seed,
    )
    return LeeCarterForecast(**{**out.__dict__, "mx": out.mx_of(kt)})


_CHUNK_CELLS = 2_000_000
"""Rates computed at once when simulating (paths x years x ages), to bound memory."""


def forecast_indicator(
    forecast: LeeCarterForecast, indicator: IndicatorFn, *, name: str = "the indicator"
) -> Forecast:
    """An indicator of the forecast rates, its interval from the simulated ``k`` paths.

    ``indicator`` maps rates ``(..., ages)`` to values ``(...)`` (e.g.
    ``lambda m: e0_from_mx(age, m, sex)``). Value: the indicator of the central path's rates;
    limits: the ``(1 -/+ level) / 2`` quantiles over the paths, year by year.
    """
    fit = forecast.fit
    value = np.asarray(indicator(forecast.mx), dtype=np.float64)
    paths = forecast.paths
    n, horizon = paths.shape
    per = max(1, _CHUNK_CELLS // max(1, horizon * fit.age.size))
    sims = np.empty((n, horizon))
    for i in range(0, n, per):  # chunks of paths, each computed in one vectorised call
        sims[i : i + per] = indicator(forecast.mx_of(paths[i : i + per]))
    tail = (1.0 - forecast.level) / 2.0
    lower, upper = np.quantile(sims, [tail, 1.0 - tail], axis=0)
    return Forecast(
        year=forecast.year,
        value=value,
        lower=np.asarray(lower),
        upper=np.asarray(upper),
        level=forecast.level,
        method=(
            f"{fit.method}; {name} from the forecast rates, interval from {n} simulated k(t) "
            f"paths (seed {forecast.seed}; drift and sigma uncertainty included, a(x) and b(x) "
            "taken as known)"
        ),
        fitted_from=int(fit.year[0]),
        fitted_to=int(fit.year[-1]),
    )
