"""Interrupted time series: did a series change course when a policy came in?

Segmented regression with the pre-period trend (Wagner, Soumerai, Zhang & Ross-Degnan 2002,
"Segmented regression analysis of interrupted time series studies in medication use research",
J Clin Pharm Ther 27:299-309; Bernal, Cummins & Gasparrini 2017, "Interrupted time series
regression for the evaluation of public health interventions: a tutorial", Int J Epidemiol
46:348-355) fitted by ordinary least squares on annual values::

    y_t = b0 + b1 (t - T) + b2 D_t + b3 (t - T) D_t + e_t,    D_t = 1 if t >= T else 0

where ``T`` is the first year wholly after the event (an event on 12 October 2021 makes 2022 the
first year of the new regime; one on 1 January makes its own year the first). ``b1`` is the
trend before, ``b2`` the change in level at ``T`` and ``b3`` the change in the yearly trend.
The effect at year ``t >= T`` (the observed line against the pre-period trend carried on) is
``b2 + b3 (t - T)``; its standard error comes from the coefficients' covariance
``s^2 (X'X)^{-1}``. Intervals are Student t with ``n - 4`` degrees of freedom.

What it cannot say: the estimate is an association in time. Anything else that changed at the
same time (another policy, a pandemic, a change of source or definition) is in it, and the OLS
standard errors assume independent errors (annual health series are often autocorrelated, which
makes the intervals too narrow). Pure numbers: no IO.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from salamat.errors import InputError

__all__ = ["ItsFit", "first_year_after", "segmented_regression"]

MIN_BEFORE = 3
MIN_AFTER = 2


@dataclass(frozen=True)
class ItsFit:
    """A segmented regression: coefficients with their standard errors and intervals."""

    first_after: int
    n_before: int
    n_after: int
    trend_before: float
    trend_before_se: float
    level_change: float
    level_change_se: float
    trend_change: float
    trend_change_se: float
    effect_year: int
    effect: float
    effect_se: float
    df: int
    level: float
    t_quantile: float
    sigma: float

    def interval(self, estimate: float, se: float) -> tuple[float, float]:
        half = self.t_quantile * se
        return estimate - half, estimate + half


def first_year_after(at: float) -> int:
    """The first calendar year wholly after an event at ``at`` (year + fraction gone)."""
    whole = math.floor(at)
    return whole if at - whole < 1e-9 else whole + 1


def segmented_regression(
    years: npt.ArrayLike, values: npt.ArrayLike, at: float, *, level: float = 0.95
) -> ItsFit:
    """Fit the segmented regression around an event at ``at`` (see the module).

    Needs at least three years before and two after, and two more values than coefficients.
    The effect is reported at the last year observed.
    """
    t = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    if t.shape != y.shape or t.ndim != 1:
        raise InputError("years and values must be two lists of the same length")
    if not (np.isfinite(t).all() and np.isfinite(y).all()):
        raise InputError("years and values must be numbers (no missing values)")
    if len(np.unique(t)) != len(t):
        raise InputError("a year appears twice in the series")
    if not 0 < level < 1:
        raise InputError(f"level {level}: expected a probability between 0 and 1")
    first = first_year_after(at)
    after = t >= first
    n_after, n_before = int(after.sum()), int((~after).sum())
    if n_before < MIN_BEFORE or n_after < MIN_AFTER or len(t) < 6:
        raise InputError(
            f"an interrupted time series needs at least {MIN_BEFORE} years before {first} and "
            f"{MIN_AFTER} from it on, and 6 in all: got {n_before} before and {n_after} after"
        )
    x = t - first
    d = after.astype(float)
    design = np.column_stack([np.ones_like(x), x, d, x * d])
    coef, _res, rank, _sv = np.linalg.lstsq(design, y, rcond=None)
    if rank < 4:
        raise InputError("the years do not identify a trend before and after the event")
    resid = y - design @ coef
    df = len(y) - 4
    sigma2 = float(resid @ resid) / df
    cov = sigma2 * np.linalg.inv(design.T @ design)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    last = int(t.max())
    g = np.array([0.0, 0.0, 1.0, float(last - first)])
    from scipy import stats  # imported when needed: it costs about 0.5 s

    return ItsFit(
        first_after=first,
        n_before=n_before,
        n_after=n_after,
        trend_before=float(coef[1]),
        trend_before_se=float(se[1]),
        level_change=float(coef[2]),
        level_change_se=float(se[2]),
        trend_change=float(coef[3]),
        trend_change_se=float(se[3]),
        effect_year=last,
        effect=float(g @ coef),
        effect_se=float(math.sqrt(max(float(g @ cov @ g), 0.0))),
        df=df,
        level=level,
        t_quantile=float(stats.t.ppf(0.5 + level / 2.0, df)),
        sigma=math.sqrt(sigma2),
    )
