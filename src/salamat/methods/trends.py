"""Trend models for projecting an indicator to a target year, with prediction intervals.

Two models, chosen per indicator in the catalogue (``data_element.trend``):

* ``"linear"``: ``y_t = a + b t + e_t`` (life expectancy, shares): the indicator gains a fixed
  amount a year;
* ``"log_linear"``: ``ln y_t = a + b t + e_t`` (death rates, incidence, probabilities of dying):
  the indicator changes by a fixed percentage a year, which is how rates usually decline and
  never crosses zero.

Both are fitted by ordinary least squares to the most recent years. The prediction interval and
the probability of reaching a value come from the Student *t* predictive distribution of a new
observation. This is a deliberately simple, transparent model: it assumes independent errors
(no autocorrelation) and a constant trend, so the interval is too narrow when the recent past
contains a shock such as 2020-2021 and the trend then bends. Say so next to every projection.

References
----------
Draper N.R., Smith H. (1998). *Applied Regression Analysis*, 3rd ed. New York: Wiley, ch. 1
(prediction of a new observation, its variance and the *t* interval).
Montgomery D.C., Peck E.A., Vining G.G. (2012). *Introduction to Linear Regression Analysis*,
5th ed. Hoboken: Wiley, section 2.4.2 (prediction interval of a future observation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

from salamat.errors import InputError, MethodError, Problem
from salamat.methods.ages import FloatArray
from salamat.methods.intervals import check_level

__all__ = [
    "Projection",
    "TrendFit",
    "TrendModel",
    "fit_trend",
    "probability_of_reaching",
    "project",
]

TrendModel = Literal["linear", "log_linear"]
Direction = Literal["increase", "decrease"]

MIN_POINTS = 3
"""A prediction interval needs at least one residual degree of freedom: three years."""


@dataclass(frozen=True)
class TrendFit:
    """An OLS line through ``(year, g(value))`` with ``g`` the identity or ``ln``.

    ``intercept`` is the fitted value at ``year_mean`` (centred, for numerical stability);
    ``residual_se`` is ``s = sqrt(SSE / (n - 2))`` on the model's scale.
    """

    model: TrendModel
    year: FloatArray
    value: FloatArray
    intercept: float
    slope: float
    residual_se: float
    n: int
    df: int
    year_mean: float
    sxx: float
    method: str

    def fitted(self, year: float) -> float:
        """The fitted line at ``year`` on the model's scale (``ln`` for log-linear)."""
        return self.intercept + self.slope * (year - self.year_mean)

    def prediction_se(self, year: float) -> float:
        """``s sqrt(1 + 1/n + (t0 - mean t)^2 / Sxx)``: the standard error of a new value."""
        return self.residual_se * math.sqrt(
            1.0 + 1.0 / self.n + (year - self.year_mean) ** 2 / self.sxx
        )


@dataclass(frozen=True)
class Projection:
    """A projected value with its prediction interval (original scale).

    For the log-linear model ``value`` is the median ``exp(fitted)``, and the limits are the
    exponentiated limits on the log scale.
    """

    year: int
    value: float
    lower: float
    upper: float
    level: float
    model: TrendModel
    method: str


def _arrays(year: npt.ArrayLike, value: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    t = np.asarray(year, dtype=np.float64).ravel()
    y = np.asarray(value, dtype=np.float64).ravel()
    problems: list[Problem] = []
    if t.shape != y.shape:
        problems.append(Problem("argument", None, "value", "expected one value per year", None))
    elif np.any(~np.isfinite(t)) or np.any(~np.isfinite(y)):
        problems.append(
            Problem("argument", None, "value", "expected finite years and values", None)
        )
    elif np.unique(t).size != t.size:
        problems.append(Problem("argument", None, "year", "expected each year once", None))
    if problems:
        raise InputError("invalid series for a trend", problems)
    return t, y


def fit_trend(year: npt.ArrayLike, value: npt.ArrayLike, model: TrendModel) -> TrendFit:
    """Fit ``g(y_t) = a + b t`` by ordinary least squares.

    Parameters
    ----------
    year, value
        The series, one value per year (any order).
    model
        ``"linear"`` (``g`` the identity) or ``"log_linear"`` (``g = ln``; values must be > 0).

    Returns
    -------
    TrendFit

    Raises
    ------
    InputError
        Mismatched, non-finite or repeated years; a value <= 0 for the log-linear model.
    MethodError
        Fewer than three years (no residual degree of freedom for an interval).

    Notes
    -----
    ``b = Sxy / Sxx`` with ``Sxx = sum (t - mean t)^2`` and ``Sxy = sum (t - mean t)(g(y) -
    mean g(y))``; ``s^2 = SSE / (n - 2)`` (Draper & Smith 1998, ch. 1).

    Examples
    --------
    >>> f = fit_trend([2015, 2016, 2017, 2018, 2019], [70, 71, 71, 73, 74], "linear")
    >>> round(f.slope, 6), round(f.intercept, 6), round(f.residual_se ** 2, 6)
    (1.0, 71.8, 0.266667)
    """
    t, y = _arrays(year, value)
    if model not in ("linear", "log_linear"):
        raise InputError(
            f"unknown trend model {model!r}",
            [Problem("argument", None, "model", "expected linear or log_linear", str(model))],
        )
    if model == "log_linear" and np.any(y <= 0):
        raise InputError(
            "a log-linear trend needs values above zero",
            [Problem("argument", None, "value", "expected values > 0", None)],
        )
    n = int(t.size)
    if n < MIN_POINTS:
        raise MethodError(
            f"a trend with a prediction interval needs at least {MIN_POINTS} years, got {n}"
        )
    g = np.log(y) if model == "log_linear" else y
    t_mean = float(t.mean())
    dt = t - t_mean
    sxx = float(np.sum(dt * dt))
    slope = float(np.sum(dt * (g - g.mean())) / sxx)
    intercept = float(g.mean())
    resid = g - (intercept + slope * dt)
    df = n - 2
    s = math.sqrt(float(np.sum(resid * resid)) / df)
    scale = "ln(value)" if model == "log_linear" else "value"
    return TrendFit(
        model=model,
        year=t,
        value=y,
        intercept=intercept,
        slope=slope,
        residual_se=s,
        n=n,
        df=df,
        year_mean=t_mean,
        sxx=sxx,
        method=(
            f"OLS line through {scale} over {int(t.min())}-{int(t.max())} ({n} years); "
            "Student t prediction interval for a new observation (Draper & Smith 1998, ch. 1)"
        ),
    )


def project(fit: TrendFit, year: int, level: float = 0.95) -> Projection:
    """The fitted value at ``year`` with a ``level`` prediction interval.

    Notes
    -----
    ``g_hat = a + b (t0 - mean t)``; limits ``g_hat -/+ t_{n-2, (1+level)/2} se_pred`` with
    ``se_pred = s sqrt(1 + 1/n + (t0 - mean t)^2 / Sxx)``; back-transformed by ``exp`` for the
    log-linear model.

    Examples
    --------
    >>> f = fit_trend([2015, 2016, 2017, 2018, 2019], [70, 71, 71, 73, 74], "linear")
    >>> p = project(f, 2025)
    >>> round(p.value, 4), round(p.lower, 3), round(p.upper, 3)
    (79.8, 75.269, 84.331)
    """
    check_level(level)
    centre = fit.fitted(year)
    half = float(stats.t.ppf(0.5 + level / 2.0, fit.df)) * fit.prediction_se(year)
    lo, hi = centre - half, centre + half
    if fit.model == "log_linear":
        # a very wide interval may overflow: its limit is then +inf, not an error
        with np.errstate(over="ignore"):
            centre, lo, hi = (float(v) for v in np.exp([centre, lo, hi]))
    return Projection(
        year=int(year),
        value=float(centre),
        lower=float(lo),
        upper=float(hi),
        level=float(level),
        model=fit.model,
        method=fit.method,
    )


def probability_of_reaching(
    fit: TrendFit, year: int, threshold: float, direction: Direction
) -> float:
    """Probability that the value in ``year`` is at or beyond ``threshold`` if the trend holds.

    ``P(Y >= threshold)`` for ``direction="increase"``, ``P(Y <= threshold)`` for
    ``"decrease"``, under the Student *t* predictive distribution of a new observation
    (``n - 2`` degrees of freedom) on the model's scale.

    Raises
    ------
    InputError
        A threshold <= 0 for the log-linear model, or an unknown direction.

    Examples
    --------
    >>> f = fit_trend([2015, 2016, 2017, 2018, 2019], [70, 71, 71, 73, 74], "linear")
    >>> round(probability_of_reaching(f, 2025, 79.8, "increase"), 6)
    0.5
    """
    if direction not in ("increase", "decrease"):
        raise InputError(
            f"unknown direction {direction!r}",
            [Problem("argument", None, "direction", "expected increase or decrease", direction)],
        )
    if fit.model == "log_linear":
        if threshold <= 0:
            raise InputError(
                "a log-linear trend cannot reach a value <= 0",
                [Problem("argument", None, "threshold", "expected a value > 0", str(threshold))],
            )
        g = math.log(threshold)
    else:
        g = float(threshold)
    se = fit.prediction_se(year)
    gap = g - fit.fitted(year)
    if se == 0.0:  # a perfect fit: the projected value is certain
        meets = gap <= 0 if direction == "increase" else gap >= 0
        return 1.0 if meets else 0.0
    below = float(stats.t.cdf(gap / se, fit.df))
    return 1.0 - below if direction == "increase" else below
