"""Projecting an indicator to a target year: random walk with drift, with prediction intervals.

One model, used for the projection, its interval and the probability of meeting a target:

``g(y_t) = g(y_{t-1}) + c + e_t``, ``e_t ~ N(0, sigma^2)`` independent,

with ``g`` the identity (``"linear"``: life expectancy, shares; the indicator gains a fixed
amount a year), ``ln`` (``"log_linear"``: rates; a fixed percentage a year, never crossing zero)
or the scaled logit ``g(y) = ln((y - a) / (b - y))`` between the indicator's hard bounds
``a < b`` (``"logit"``: probabilities such as 30q70 in percent, ``a = 0``, ``b = 100``; on
``q = y / 100`` this is ``logit(q) = ln(q / (1 - q))``), as the indicator catalogue says. The
logit keeps the projection and both limits of its interval strictly inside ``(a, b)`` with no
cap (Hyndman & Athanasopoulos 2021, section 13.3, "Ensuring forecasts stay within limits"). The forecast starts from the
**latest observation** ``y_T``: ``g_hat(T + h) = g(y_T) + h c_hat`` (Hyndman & Athanasopoulos
2021, section 5.2, the drift method), so a projection never starts below or above the last
value, which a least-squares line through the past does whenever the last value is off the line.

Years with gaps or years left out (shock years such as the 2020-2021 COVID-19 pandemic, given as
data) are handled exactly: the change between two kept years ``a < b`` is
``g(y_b) - g(y_a) ~ N((b - a) c, (b - a) sigma^2)``, so the weighted least-squares (and maximum
likelihood) drift is

``c_hat = sum_i d_i / K = (g(y_last) - g(y_first)) / K``, ``K = sum_i k_i = t_last - t_first``,

the classic drift "(y_T - y_1) / (T - 1)" when no year is missing, and

``sigma_hat^2 = sum_i (d_i - k_i c_hat)^2 / k_i / (m - 1)`` over the ``m`` changes ``d_i``
spanning ``k_i`` years. A value left out thus does not bend the drift (the change across the
shock still counts, spread over the years it spans) and its jumps do not inflate ``sigma``.

Forecast variance ``h`` years after the anchor: ``sigma^2 (h + h^2 / K)``: ``h`` innovations
plus the drift's own variance ``sigma^2 / K`` times ``h^2`` (Hyndman & Athanasopoulos 2021,
section 5.5, Table 5.2: ``sigma_h = sigma sqrt(h (1 + h / (T - 1)))``, the same with no gap).
Prediction intervals and probabilities use the Student *t* distribution with ``m - 1`` degrees
of freedom (``sigma`` is estimated from few changes; the book's normal multipliers are the
large-sample limit), back-transformed by ``exp`` for the log-linear model and by
``a + (b - a) / (1 + exp(-g))`` for the logit (the point value is then the median: a monotone
transform keeps quantiles).

**Drift changes** (calibration). Real series change course more than a drift fitted on ten
years allows: on every WPP 2024 country's e0 the plain model's 95% interval covered only 0.71
(benchmarks/README.md). A fit may therefore carry a drift-change ratio ``lambda`` (``drift_change``):
the drift itself is taken to wander as a random walk, ``c_t = c_{t-1} + eta_t``,
``eta_t ~ N(0, tau^2)``, ``tau = lambda sigma`` (Harvey's local linear trend without an
observation error, Harvey 1989, ch. 2; ``lambda^2`` is the ratio of the slope's to the level's
disturbance variance). The value ``h``
years on then carries ``sum_{j=1..h} (h - j + 1) eta_{T+j}`` on top, of variance
``tau^2 sum_{k=1..h} k^2 = tau^2 h (h + 1) (2h + 1) / 6``, so

``Var_h = sigma^2 (h + h^2 / K + lambda^2 h (h + 1) (2h + 1) / 6)``.

The centre (and so the median, and whether ``P >= 0.5``) does not move; the interval and every
probability widen, most at long horizons. ``lambda = 0`` is the plain random walk with drift.
``lambda`` is not estimated from the ten years of one series (it cannot be); it is a constant
fitted once across many series (:mod:`salamat.methods.trend_calibration`).

Assumptions, to be said beside every projection: independent changes and a constant drift
over the window (or, with ``lambda > 0``, a drift that wanders as measured across many series);
a shock that is not listed as one widens the interval.

References
----------
Hyndman R.J., Athanasopoulos G. (2021). *Forecasting: Principles and Practice*, 3rd ed.
Melbourne: OTexts. Section 5.2 (simple forecasting methods: drift method) and section 5.5
(distributional forecasts and prediction intervals, Table 5.2), section 13.3 (ensuring
forecasts stay within limits: the scaled logit transformation). https://otexts.com/fpp3/
Harvey A.C. (1989). *Forecasting, Structural Time Series Models and the Kalman Filter*.
Cambridge University Press, ch. 2 (the local linear trend model).
Box G.E.P., Jenkins G.M., Reinsel G.C., Ljung G.M. (2015). *Time Series Analysis: Forecasting
and Control*, 5th ed. Hoboken: Wiley, ch. 5 (forecasting an ARIMA(0,1,0) process with a
constant).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from salamat.errors import InputError, MethodError, Problem
from salamat.methods.ages import FloatArray
from salamat.methods.intervals import check_level

__all__ = [
    "MIN_POINTS",
    "DriftFit",
    "Projection",
    "TrendModel",
    "fit_drift",
    "probability_of_reaching",
    "project",
]

TrendModel = Literal["linear", "log_linear", "logit"]
Direction = Literal["increase", "decrease"]

MIN_POINTS = 3
"""Three kept years give two changes: one degree of freedom for ``sigma`` after the drift."""


@dataclass(frozen=True)
class DriftFit:
    """A random walk with drift fitted on ``g(value)`` (``g`` the identity, ``ln`` or the
    scaled logit between ``limits``).

    ``anchor_year`` / ``anchor_value`` are where the forecast starts: the latest observation
    (original scale), also when it is a left-out year. ``drift`` and ``sigma`` are on the model's
    scale (years^-1; for log-linear a drift of 0.01 is about +1 % a year). ``span`` is ``K``,
    the years between the first and the last kept value; ``df = m - 1``. ``limits`` are the
    ``(a, b)`` of the logit model (None for the others). ``drift_change`` is ``lambda``, the
    drift-change ratio ``tau / sigma`` (0: the plain random walk with drift).
    """

    model: TrendModel
    anchor_year: int
    anchor_value: float
    first_year: int
    last_year: int
    drift: float
    drift_se: float
    sigma: float
    span: int
    n_values: int
    n_changes: int
    df: int
    excluded: tuple[int, ...]
    method: str
    limits: tuple[float, float] | None = None
    drift_change: float = 0.0

    def _g(self, value: float) -> float:
        if self.model == "log_linear":
            return math.log(value)
        if self.model == "logit":
            a, b = _logit_limits(self.limits)
            return math.log((value - a) / (b - value))
        return float(value)

    def centre(self, year: int) -> float:
        """``g(y_T) + h c_hat``: the forecast's centre on the model's scale."""
        return self._g(self.anchor_value) + (year - self.anchor_year) * self.drift

    def forecast_se(self, year: int) -> float:
        """``sigma sqrt(h + h^2 / K + lambda^2 h (h + 1) (2h + 1) / 6)``, ``h`` years after the
        anchor (0 at the anchor; ``lambda`` = ``drift_change``)."""
        h = float(year - self.anchor_year)
        wander = self.drift_change**2 * h * (h + 1.0) * (2.0 * h + 1.0) / 6.0
        return self.sigma * math.sqrt(h + h * h / self.span + wander)


@dataclass(frozen=True)
class Projection:
    """A projected value with its prediction interval (original scale).

    For the log-linear and logit models ``value`` is the median (the back-transformed centre)
    and the limits are the back-transformed limits on the model's scale.
    """

    year: int
    value: float
    lower: float
    upper: float
    level: float
    model: TrendModel
    method: str


def _logit_limits(limits: tuple[float, float] | None) -> tuple[float, float]:
    """The ``(a, b)`` of a logit trend, checked: finite with ``a < b``."""
    if limits is None or len(limits) != 2:
        raise InputError(
            "a logit trend needs the indicator's lower and upper bounds",
            [Problem("argument", None, "limits", "expected (lower, upper)", None)],
        )
    a, b = float(limits[0]), float(limits[1])
    if not (math.isfinite(a) and math.isfinite(b) and a < b):
        raise InputError(
            "a logit trend needs finite bounds, lower below upper",
            [Problem("argument", None, "limits", "expected lower < upper", f"{a:g}, {b:g}")],
        )
    return a, b


def _from_logit(g: FloatArray, a: float, b: float) -> FloatArray:
    """``a + (b - a) / (1 + exp(-g))``, the inverse of the scaled logit (no overflow: the
    exponent is never positive)."""
    g = np.asarray(g, dtype=np.float64)
    e = np.exp(-np.abs(g))
    share = np.where(g >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return np.asarray(a + (b - a) * share, dtype=np.float64)


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
    elif np.any(t != np.round(t)):
        problems.append(Problem("argument", None, "year", "expected whole years", None))
    elif np.unique(t).size != t.size:
        problems.append(Problem("argument", None, "year", "expected each year once", None))
    if problems:
        raise InputError("invalid series for a trend", problems)
    order = np.argsort(t)
    return t[order], y[order]


def fit_drift(
    year: npt.ArrayLike,
    value: npt.ArrayLike,
    model: TrendModel,
    *,
    exclude: Iterable[int] = (),
    limits: tuple[float, float] | None = None,
    drift_change: float = 0.0,
) -> DriftFit:
    """Fit a random walk with drift to an annual series, leaving out the years in ``exclude``.

    Parameters
    ----------
    year, value
        The series, one value per whole year (any order, gaps allowed).
    model
        ``"linear"`` (``g`` the identity), ``"log_linear"`` (``g = ln``; values must be > 0) or
        ``"logit"`` (``g = ln((y - a) / (b - y))``; values strictly between the limits).
    exclude
        Years not used to estimate the drift and ``sigma`` (shocks). The latest observation
        stays the forecast's anchor even when it is excluded.
    limits
        ``(a, b)``, the indicator's hard bounds, for the logit model (ignored by the others).
    drift_change
        ``lambda >= 0``, the drift-change ratio ``tau / sigma`` that widens the forecast for
        changes of course (module docstring; a constant from
        :mod:`salamat.methods.trend_calibration`, never fitted here). 0: the plain model.

    Returns
    -------
    DriftFit

    Raises
    ------
    InputError
        Mismatched, non-finite, fractional or repeated years; a value <= 0 for log-linear; for
        the logit, missing limits or a value on or beyond them; a negative or non-finite
        ``drift_change``.
    MethodError
        Fewer than three kept years (no degree of freedom left for ``sigma``).

    Notes
    -----
    ``c_hat = (g(y_last) - g(y_first)) / K``; ``sigma_hat^2 = sum (d_i - k_i c_hat)^2 / k_i /
    (m - 1)``; ``se(c_hat) = sigma_hat / sqrt(K)`` (module docstring; Hyndman & Athanasopoulos
    2021, sections 5.2 and 5.5).

    Examples
    --------
    Changes 1, 0, 2, 1: drift 1, residuals 0, -1, 1, 0, so ``sigma^2 = 2 / 3``:

    >>> f = fit_drift([2015, 2016, 2017, 2018, 2019], [70, 71, 71, 73, 74], "linear")
    >>> round(f.drift, 6), round(f.sigma ** 2, 6), f.df
    (1.0, 0.666667, 3)
    """
    t, y = _arrays(year, value)
    if model not in ("linear", "log_linear", "logit"):
        raise InputError(
            f"unknown trend model {model!r}",
            [
                Problem(
                    "argument", None, "model", "expected linear, log_linear or logit", str(model)
                )
            ],
        )
    if model == "log_linear" and np.any(y <= 0):
        raise InputError(
            "a log-linear trend needs values above zero",
            [Problem("argument", None, "value", "expected values > 0", None)],
        )
    kept_limits: tuple[float, float] | None = None
    if model == "logit":
        a, b = kept_limits = _logit_limits(limits)
        if np.any(y <= a) or np.any(y >= b):
            raise InputError(
                f"a logit trend needs values strictly between {a:g} and {b:g}",
                [Problem("argument", None, "value", f"expected {a:g} < value < {b:g}", None)],
            )
    if not (math.isfinite(drift_change) and drift_change >= 0.0):
        raise InputError(
            "the drift-change ratio must be a finite number >= 0",
            [Problem("argument", None, "drift_change", "expected >= 0", str(drift_change))],
        )
    if t.size == 0:
        raise MethodError(f"a trend needs at least {MIN_POINTS} years, got none")
    anchor_year, anchor_value = int(t[-1]), float(y[-1])
    drop = {int(v) for v in exclude}
    keep = ~np.isin(t.astype(np.int64), np.array(sorted(drop), dtype=np.int64))
    excluded = tuple(int(v) for v in t[~keep])
    tk, yk = t[keep], y[keep]
    n = int(tk.size)
    if n < MIN_POINTS:
        left = f" ({len(excluded)} left out as shocks)" if excluded else ""
        raise MethodError(
            f"a trend with a prediction interval needs at least {MIN_POINTS} years, got {n}{left}"
        )
    if model == "log_linear":
        g = np.log(yk)
    elif model == "logit":
        assert kept_limits is not None
        g = np.log((yk - kept_limits[0]) / (kept_limits[1] - yk))
    else:
        g = yk
    k = np.diff(tk)
    d = np.diff(g)
    span = float(tk[-1] - tk[0])
    drift = float(d.sum() / span)
    m = int(d.size)
    resid = (d - k * drift) / np.sqrt(k)
    sigma = math.sqrt(float(np.sum(resid * resid)) / (m - 1))
    scale = {"log_linear": "ln(value)", "linear": "value"}.get(model, "")
    if kept_limits is not None:
        lo_, hi_ = kept_limits
        scale = f"the logit ln((value - {lo_:g}) / ({hi_:g} - value))"
    left_out = f"; left out as shocks: {', '.join(str(v) for v in excluded)}" if excluded else ""
    variance = "sigma^2 (h + h^2/K)"
    if drift_change > 0.0:
        variance = (
            f"sigma^2 (h + h^2/K + lambda^2 h(h+1)(2h+1)/6), lambda = {drift_change:g} "
            "(drift changes, local linear trend; Harvey 1989)"
        )
    return DriftFit(
        model=model,
        anchor_year=anchor_year,
        anchor_value=anchor_value,
        first_year=int(tk[0]),
        last_year=int(tk[-1]),
        drift=drift,
        drift_se=sigma / math.sqrt(span),
        sigma=sigma,
        span=int(span),
        n_values=n,
        n_changes=m,
        df=m - 1,
        excluded=excluded,
        method=(
            f"random walk with drift on {scale} from the latest value ({anchor_year}); drift "
            f"and its standard error from {int(tk[0])}-{int(tk[-1])} ({n} years{left_out}); "
            f"Student t ({m - 1} df) prediction interval, variance {variance} "
            "(Hyndman & Athanasopoulos, Forecasting: Principles and Practice, 3rd ed., "
            + ("sections 5.2, 5.5 and 13.3)" if model == "logit" else "sections 5.2 and 5.5)")
        ),
        limits=kept_limits,
        drift_change=float(drift_change),
    )


def project(fit: DriftFit, year: int, level: float = 0.95) -> Projection:
    """The forecast for ``year`` (after the anchor) with a ``level`` prediction interval.

    Notes
    -----
    ``g_hat = g(y_T) + h c_hat``; limits ``g_hat -/+ t_{m-1, (1+level)/2} se_h`` with
    ``se_h = sigma sqrt(h + h^2/K + lambda^2 h (h + 1) (2h + 1) / 6)`` (:meth:`DriftFit.forecast_se`);
    back-transformed by ``exp`` for the log-linear model and by ``a + (b - a) / (1 + exp(-g))``
    for the logit (limits then strictly inside ``(a, b)``). At the anchor year the interval is
    the observed value itself.

    Raises
    ------
    MethodError
        A year before the anchor (the model forecasts, it does not backcast).

    Examples
    --------
    >>> f = fit_drift([2015, 2016, 2017, 2018, 2019], [70, 71, 71, 73, 74], "linear")
    >>> p = project(f, 2025)  # 74 + 6; se = sqrt(2/3 (6 + 36/4)) = sqrt(10)
    >>> round(p.value, 4), round(p.lower, 3), round(p.upper, 3)
    (80.0, 69.936, 90.064)
    """
    check_level(level)
    if year < fit.anchor_year:
        raise MethodError(f"cannot project to {year}, before the latest value ({fit.anchor_year})")
    centre = fit.centre(year)
    from scipy import stats  # imported when needed: it costs about 0.5 s

    half = float(stats.t.ppf(0.5 + level / 2.0, fit.df)) * fit.forecast_se(year)
    lo, hi = centre - half, centre + half
    if fit.model == "log_linear":
        # a very wide interval may overflow: its limit is then +inf, not an error
        with np.errstate(over="ignore"):
            centre, lo, hi = (float(v) for v in np.exp([centre, lo, hi]))
    elif fit.model == "logit":
        a, b = _logit_limits(fit.limits)
        centre, lo, hi = (float(v) for v in _from_logit(np.array([centre, lo, hi]), a, b))
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
    fit: DriftFit, year: int, threshold: float, direction: Direction
) -> float:
    """Probability that the value in ``year`` is at or beyond ``threshold`` under the model.

    ``P(Y >= threshold)`` for ``direction="increase"``, ``P(Y <= threshold)`` for
    ``"decrease"``, under the Student *t* forecast distribution (``m - 1`` df) on the model's
    scale. Monotone in ``threshold``: non-increasing for ``"increase"``, non-decreasing for
    ``"decrease"``.

    Raises
    ------
    InputError
        A threshold <= 0 for the log-linear model, or an unknown direction. For the logit a
        threshold on or beyond a limit is certain or impossible (``P`` is 1 or 0).
    MethodError
        A year before the anchor.

    Examples
    --------
    >>> f = fit_drift([2015, 2016, 2017, 2018, 2019], [70, 71, 71, 73, 74], "linear")
    >>> round(probability_of_reaching(f, 2025, 80.0, "increase"), 6)
    0.5
    """
    if direction not in ("increase", "decrease"):
        raise InputError(
            f"unknown direction {direction!r}",
            [Problem("argument", None, "direction", "expected increase or decrease", direction)],
        )
    if year < fit.anchor_year:
        raise MethodError(f"cannot project to {year}, before the latest value ({fit.anchor_year})")
    if fit.model == "log_linear":
        if threshold <= 0:
            raise InputError(
                "a log-linear trend cannot reach a value <= 0",
                [Problem("argument", None, "threshold", "expected a value > 0", str(threshold))],
            )
        g = math.log(threshold)
    elif fit.model == "logit":
        a, b = _logit_limits(fit.limits)
        if threshold <= a or threshold >= b:
            # every forecast lies strictly inside (a, b)
            above = threshold <= a
            return 1.0 if above == (direction == "increase") else 0.0
        g = math.log((threshold - a) / (b - threshold))
    else:
        g = float(threshold)
    se = fit.forecast_se(year)
    gap = g - fit.centre(year)
    if se == 0.0:  # the anchor year itself, or a perfectly steady series: no uncertainty
        meets = gap <= 0 if direction == "increase" else gap >= 0
        return 1.0 if meets else 0.0
    from scipy import stats  # imported when needed: it costs about 0.5 s

    below = float(stats.t.cdf(gap / se, fit.df))
    return 1.0 - below if direction == "increase" else below
