"""Interrupted time series for counts: Poisson segmented regression with an offset.

The model of Lopez Bernal, Cummins & Gasparrini (2017), "Interrupted time series regression
for the evaluation of public health interventions: a tutorial", Int J Epidemiol 46(1):348-355,
for a count ``y_t`` (deaths, admissions) observed with an exposure ``N_t`` (population,
person-years)::

    log E[y_t] = log N_t + b0 + b1 (t - T) + b2 D_t [+ b3 (t - T) D_t] [+ seasonal terms]

    D_t = 1 if t >= T else 0

where ``T`` is the first period of the new regime. ``exp(b1)`` is the rate ratio per period
before, ``exp(b2)`` the rate ratio of the change in level at ``T`` (the tutorial's "step
change"), ``exp(b3)`` the ratio by which the trend changed. The rate ratio of the observed
line against the earlier trend carried on at period ``t >= T`` is ``exp(b2 + b3 (t - T))``.

Seasonality (monthly data) by Fourier terms, ``sin(2 pi k m / P)`` and ``cos(2 pi k m / P)``
for ``k = 1..K`` with ``m`` the position in the cycle (the month) and ``P`` its length (12);
the tutorial uses ``K = 2`` (its ``harmonic(month, 2, 12)``).

Fitted by maximum likelihood (iteratively reweighted least squares, the algorithm of R's
``glm``: McCullagh & Nelder 1989, *Generalized Linear Models*, 2nd ed., section 2.5). The
coefficients' covariance is ``phi (X' W X)^{-1}`` with ``W = diag(mu)``; ``phi = 1`` for the
Poisson model, and with over-dispersion (quasi-Poisson) ``phi`` is Pearson's
``sum((y - mu)^2 / mu) / (n - p)``, as R's ``quasipoisson`` family and statsmodels'
``scale="X2"``. Intervals are Wald intervals on the log scale with the normal quantile (R's
``Epi::ci.exp``), exponentiated.

What it cannot say is what the OLS fit cannot (:mod:`salamat.methods.its`): an association in
time, with anything else that changed then in it; and the errors are taken as independent
given the trend and the seasons (autocorrelation left in the residuals makes the intervals too
narrow). Pure numbers: no IO.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from salamat.errors import InputError, MethodError

__all__ = ["PoissonItsFit", "fourier_terms", "poisson_segmented_regression"]

MIN_BEFORE = 3
MIN_AFTER = 2
_MAX_ITERATIONS = 100
_TOLERANCE = 1e-10  # relative change in the deviance that ends the iterations


@dataclass(frozen=True)
class PoissonItsFit:
    """A Poisson segmented regression: log rate ratios with their standard errors.

    ``*_log`` are coefficients on the log scale; :meth:`ratio` turns one with its standard
    error into a rate ratio and its interval. ``trend_change_log`` is ``nan`` when the model
    has no change in trend (the tutorial's step-change model).
    """

    first_after: float
    n_before: int
    n_after: int
    trend_before_log: float
    trend_before_se: float
    level_change_log: float
    level_change_se: float
    trend_change_log: float
    trend_change_se: float
    effect_at: float
    effect_log: float
    effect_se: float
    dispersion: float
    overdispersion: bool
    seasonal_pairs: int
    df: int
    deviance: float
    iterations: int
    level: float
    z: float

    def ratio(self, log: float, se: float) -> tuple[float, float, float]:
        """``(rate ratio, lower, upper)`` of a log-scale coefficient (Wald, normal quantile)."""
        half = self.z * se
        return math.exp(log), math.exp(log - half), math.exp(log + half)


def fourier_terms(position: npt.ArrayLike, period: float, pairs: int) -> npt.NDArray[np.float64]:
    """Columns ``sin(2 pi k m / P)`` for ``k = 1..pairs``, then the cosines (R's
    ``tsModel::harmonic(m, pairs, P)``); shape ``(len(m), 2 * pairs)``.

    >>> fourier_terms([3], 12, 1).round(12).tolist()
    [[1.0, 0.0]]
    """
    m = np.asarray(position, dtype=float)
    k = np.arange(1, pairs + 1) * 2.0 * np.pi / period
    angle = np.outer(m, k)
    return np.column_stack([np.sin(angle), np.cos(angle)])


def _irls(
    design: npt.NDArray[np.float64], y: npt.NDArray[np.float64], offset: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], int]:
    """Poisson log-link maximum likelihood; returns coefficients, fitted means, iterations.

    Starts as R's ``glm`` does (``mu = y + 0.1``) and stops when the deviance changes by less
    than 1e-10 of itself (R's ``glm`` stops at 1e-8) or the coefficients by less than 1e-12.
    """
    mu = y + 0.1
    eta = np.log(mu)
    deviance = math.inf
    coef = np.full(design.shape[1], np.inf)
    for iteration in range(1, _MAX_ITERATIONS + 1):
        z = eta - offset + (y - mu) / mu  # working response
        w = np.sqrt(mu)
        previous = coef
        solved, _res, rank, _sv = np.linalg.lstsq(design * w[:, None], z * w, rcond=None)
        coef = np.asarray(solved, dtype=np.float64)
        if rank < design.shape[1]:
            raise InputError("the periods do not identify a trend before and after the event")
        eta = design @ coef + offset
        if not np.isfinite(eta).all() or eta.max() > 700:
            break
        mu = np.exp(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            unit = np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)
        new = 2.0 * float(unit.sum())
        steady = bool(np.max(np.abs(coef - previous)) < 1e-12)
        if steady or abs(new - deviance) <= _TOLERANCE * (abs(new) + 0.1):
            return coef, mu, iteration
        deviance = new
    raise MethodError(
        "the Poisson segmented regression did not converge (are the counts all zero on one "
        "side of the event?)"
    )


def poisson_segmented_regression(
    time: npt.ArrayLike,
    counts: npt.ArrayLike,
    exposure: npt.ArrayLike,
    first_after: float,
    *,
    slope_change: bool = True,
    season: npt.ArrayLike | None = None,
    period: float = 12.0,
    pairs: int = 2,
    overdispersion: bool = True,
    level: float = 0.95,
) -> PoissonItsFit:
    """Fit the Poisson segmented regression (see the module) around ``first_after``.

    Parameters
    ----------
    time
        The periods on one scale (years, or months numbered 1, 2, ...).
    counts, exposure
        The count of events and the population at risk of each period (``exposure > 0``).
    first_after
        The first period of the new regime, on the scale of ``time``.
    slope_change
        Fit a change in trend as well as in level (``False``: the tutorial's step change).
    season, period, pairs
        With ``season`` (the position of each period in its cycle, e.g. the month 1-12), add
        ``pairs`` Fourier pairs of the cycle of length ``period``.
    overdispersion
        Quasi-Poisson: scale the covariance by Pearson's dispersion (``False``: ``phi = 1``).

    Returns
    -------
    PoissonItsFit
        The effect is reported at the last period observed.

    Raises
    ------
    InputError
        Lists of different lengths, missing or negative counts, an exposure not above zero,
        fewer than three periods before or two from ``first_after`` on, or no degree of
        freedom left for the dispersion.
    """
    t = np.asarray(time, dtype=float)
    y = np.asarray(counts, dtype=float)
    n_at_risk = np.asarray(exposure, dtype=float)
    if t.ndim != 1 or t.shape != y.shape or t.shape != n_at_risk.shape:
        raise InputError("periods, counts and exposures must be three lists of the same length")
    if not (np.isfinite(t).all() and np.isfinite(y).all() and np.isfinite(n_at_risk).all()):
        raise InputError("periods, counts and exposures must be numbers (no missing values)")
    if (y < 0).any():
        raise InputError("a count is negative")
    if (n_at_risk <= 0).any():
        raise InputError("an exposure (population) is zero or negative")
    if len(np.unique(t)) != len(t):
        raise InputError("a period appears twice in the series")
    if not 0 < level < 1:
        raise InputError(f"level {level}: expected a probability between 0 and 1")
    after = t >= first_after
    n_after, n_before = int(after.sum()), int((~after).sum())
    if n_before < MIN_BEFORE or n_after < MIN_AFTER:
        raise InputError(
            f"an interrupted time series needs at least {MIN_BEFORE} periods before "
            f"{first_after:g} and {MIN_AFTER} from it on: got {n_before} before and "
            f"{n_after} after"
        )
    x = t - first_after
    d = after.astype(float)
    columns = [np.ones_like(x), x, d] + ([x * d] if slope_change else [])
    seasonal_pairs = 0
    if season is not None:
        m = np.asarray(season, dtype=float)
        if m.shape != t.shape or not np.isfinite(m).all():
            raise InputError("the season positions must be one number per period")
        columns += list(fourier_terms(m, period, pairs).T)
        seasonal_pairs = pairs
    design = np.column_stack(columns)
    df = len(y) - design.shape[1]
    if df < 1:
        raise InputError(
            f"{len(y)} periods are too few for {design.shape[1]} coefficients: "
            "at least one more period is needed"
        )
    offset = np.log(n_at_risk)
    coef, mu, iterations = _irls(design, y, offset)
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)
    deviance = 2.0 * float(unit.sum())
    dispersion = float(np.sum((y - mu) ** 2 / mu) / df) if overdispersion else 1.0
    cov = dispersion * np.linalg.inv(design.T @ (mu[:, None] * design))
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    last = float(t.max())
    g = np.zeros(design.shape[1])
    g[2] = 1.0
    if slope_change:
        g[3] = last - first_after
    from scipy import stats  # imported when needed: it costs about 0.5 s

    return PoissonItsFit(
        first_after=first_after,
        n_before=n_before,
        n_after=n_after,
        trend_before_log=float(coef[1]),
        trend_before_se=float(se[1]),
        level_change_log=float(coef[2]),
        level_change_se=float(se[2]),
        trend_change_log=float(coef[3]) if slope_change else math.nan,
        trend_change_se=float(se[3]) if slope_change else math.nan,
        effect_at=last,
        effect_log=float(g @ coef),
        effect_se=float(math.sqrt(max(float(g @ cov @ g), 0.0))),
        dispersion=dispersion,
        overdispersion=overdispersion,
        seasonal_pairs=seasonal_pairs,
        df=df,
        deviance=deviance,
        iterations=iterations,
        level=level,
        z=float(stats.norm.ppf(0.5 + level / 2.0)),
    )
