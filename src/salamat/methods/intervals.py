"""Confidence intervals: exact and Byar's Poisson, Wilson, Dobson, Fay-Feuer, Chiang.

Every function is vectorised (arrays of any shape broadcast together) and takes the
confidence ``level`` as a fraction (0.95). None of them clamps: an input outside the domain
raises :class:`~salamat.errors.InputError`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from salamat.errors import InputError, Problem
from salamat.methods.ages import FloatArray

__all__ = [
    "CountLimits",
    "chiang_ex_standard_error",
    "dobson_interval",
    "fay_feuer_interval",
    "poisson_byars",
    "poisson_exact",
    "wilson",
    "z_value",
]

CountLimits = Literal["byars", "exact"]


def z_value(level: float) -> float:
    """Two-sided standard normal quantile ``z = Phi^{-1}((1 + level) / 2)``.

    Raises
    ------
    InputError
        Unless ``0 < level < 1``.

    Examples
    --------
    >>> round(z_value(0.95), 6)
    1.959964
    """
    check_level(level)
    from scipy import stats  # imported when needed: it costs about 0.5 s

    return float(stats.norm.ppf(0.5 + level / 2.0))


def check_level(level: float) -> None:
    """Raise :class:`InputError` unless the confidence level is a fraction in (0, 1)."""
    if not (isinstance(level, float | int) and 0.0 < float(level) < 1.0):
        raise InputError(
            "confidence level must be a fraction between 0 and 1 (for example 0.95)",
            [Problem("argument", None, "level", "expected 0 < level < 1", str(level))],
        )


def _counts(count: npt.ArrayLike, name: str = "count") -> FloatArray:
    x = np.asarray(count, dtype=np.float64)
    if np.any(~np.isfinite(x)) or np.any(x < 0):
        raise InputError(
            f"{name} must be finite and >= 0",
            [Problem("argument", None, name, "expected non-negative finite numbers", None)],
        )
    return x


def poisson_exact(count: npt.ArrayLike, level: float = 0.95) -> tuple[FloatArray, FloatArray]:
    """Exact (Garwood) confidence limits for a Poisson count.

    Notes
    -----
    ``lower = chi2_{alpha/2}(2x) / 2`` and ``upper = chi2_{1-alpha/2}(2x + 2) / 2`` with
    ``alpha = 1 - level``; ``lower = 0`` when ``x = 0``. Equivalent to the gamma-quantile form.

    References
    ----------
    Garwood F. (1936). Fiducial limits for the Poisson distribution. *Biometrika* 28(3/4):
    437-442.

    Examples
    --------
    >>> [round(float(v), 4) for v in poisson_exact(10)]
    [4.7954, 18.3904]
    """
    x = _counts(count)
    alpha = 1.0 - level
    check_level(level)
    from scipy import stats  # imported when needed: it costs about 0.5 s

    with np.errstate(invalid="ignore"):
        lower = np.where(x > 0, stats.chi2.ppf(alpha / 2.0, 2.0 * x) / 2.0, 0.0)
    upper = stats.chi2.ppf(1.0 - alpha / 2.0, 2.0 * x + 2.0) / 2.0
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)


def poisson_byars(count: npt.ArrayLike, level: float = 0.95) -> tuple[FloatArray, FloatArray]:
    """Byar's approximation to the exact Poisson limits.

    Notes
    -----
    ``lower = x (1 - 1/(9x) - z/(3 sqrt(x)))^3`` and
    ``upper = (x+1) (1 - 1/(9(x+1)) + z/(3 sqrt(x+1)))^3``; ``lower = 0`` when ``x = 0``.
    This is what the UK public health agency's tools use inside the Dobson interval.

    References
    ----------
    Breslow N.E., Day N.E. (1987). *Statistical Methods in Cancer Research, Volume II: The
    Design and Analysis of Cohort Studies*. IARC Scientific Publications No. 82, Lyon, p. 69.

    Examples
    --------
    >>> [round(float(v), 4) for v in poisson_byars(804)]
    [749.378, 861.5506]
    """
    x = _counts(count)
    z = z_value(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = np.where(x > 0, x * (1.0 - 1.0 / (9.0 * x) - z / (3.0 * np.sqrt(x))) ** 3, 0.0)
    x1 = x + 1.0
    upper = x1 * (1.0 - 1.0 / (9.0 * x1) + z / (3.0 * np.sqrt(x1))) ** 3
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)


def wilson(
    successes: npt.ArrayLike, trials: npt.ArrayLike, level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for a proportion ``p = x / n``.

    Notes
    -----
    ``(p + z^2/(2n) -/+ z sqrt(p(1-p)/n + z^2/(4n^2))) / (1 + z^2/n)``.

    References
    ----------
    Wilson E.B. (1927). Probable inference, the law of succession, and statistical inference.
    *J Am Stat Assoc* 22(158): 209-212.

    Raises
    ------
    InputError
        If a count is negative, a denominator is not positive, or ``x > n``.

    Examples
    --------
    >>> [round(float(v), 6) for v in wilson(10, 100)]
    [0.055229, 0.174366]
    """
    x = _counts(successes, "successes")
    n = np.asarray(trials, dtype=np.float64)
    if np.any(~np.isfinite(n)) or np.any(n <= 0) or np.any(x > n):
        raise InputError(
            "Wilson interval needs 0 <= successes <= trials and trials > 0",
            [Problem("argument", None, "trials", "expected trials > 0 and >= successes", None)],
        )
    z = z_value(level)
    p = x / n
    centre = p + z * z / (2.0 * n)
    half = z * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
    denom = 1.0 + z * z / n
    # at x = 0 and x = n the limits are exactly 0 and 1; say so rather than trust rounding
    lower = np.where(x == 0, 0.0, (centre - half) / denom)
    upper = np.where(x == n, 1.0, (centre + half) / denom)
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)


def dobson_interval(
    rate: npt.ArrayLike,
    variance: npt.ArrayLike,
    count: npt.ArrayLike,
    level: float = 0.95,
    count_limits: CountLimits = "byars",
) -> tuple[FloatArray, FloatArray]:
    """Dobson et al. interval for a weighted sum of Poisson counts (a directly standardised rate).

    Parameters
    ----------
    rate
        The weighted sum ``R = sum_i w_i x_i`` (for a DSR, ``w_i = s_i / n_i`` with standard
        weights ``s_i`` summing to one).
    variance
        ``V = sum_i w_i^2 x_i``.
    count
        The total count ``O = sum_i x_i`` (must be > 0).
    level
        Confidence level.
    count_limits
        How the limits ``O_L, O_U`` of the total count are found: ``"byars"`` (Byar's
        approximation, as the UK public health agency does) or ``"exact"`` (Garwood).

    Notes
    -----
    ``R_L = R + sqrt(V / O) (O_L - O)`` and ``R_U = R + sqrt(V / O) (O_U - O)``.

    References
    ----------
    Dobson A.J., Kuulasmaa K., Eberle E., Scherer J. (1991). Confidence intervals for weighted
    sums of Poisson parameters. *Statistics in Medicine* 10(3): 457-462.
    """
    r = np.asarray(rate, dtype=np.float64)
    v = np.asarray(variance, dtype=np.float64)
    o = _counts(count)
    if np.any(o <= 0):
        raise InputError(
            "the Dobson interval needs a total count above zero",
            [Problem("argument", None, "count", "expected total count > 0", None)],
        )
    if count_limits == "byars":
        o_low, o_high = poisson_byars(o, level)
    else:
        o_low, o_high = poisson_exact(o, level)
    scale = np.sqrt(v / o)
    return r + scale * (o_low - o), r + scale * (o_high - o)


def fay_feuer_interval(
    rate: npt.ArrayLike,
    variance: npt.ArrayLike,
    max_weight: npt.ArrayLike,
    level: float = 0.95,
) -> tuple[FloatArray, FloatArray]:
    """Fay-Feuer gamma interval for a directly standardised rate.

    Parameters
    ----------
    rate
        ``y = sum_i w_i x_i``.
    variance
        ``v = sum_i w_i^2 x_i``.
    max_weight
        ``w_M = max_i w_i`` over the strata of one rate.
    level
        Confidence level.

    Notes
    -----
    ``lower = v/(2y) chi2_{alpha/2}(2y^2/v)`` (``0`` when ``y = 0``) and
    ``upper = (v + w_M^2)/(2(y + w_M)) chi2_{1-alpha/2}(2(y + w_M)^2/(v + w_M^2))``.

    References
    ----------
    Fay M.P., Feuer E.J. (1997). Confidence intervals for directly standardized rates: a method
    based on the gamma distribution. *Statistics in Medicine* 16(7): 791-801.
    """
    check_level(level)
    y = np.asarray(rate, dtype=np.float64)
    v = np.asarray(variance, dtype=np.float64)
    wm = np.asarray(max_weight, dtype=np.float64)
    alpha = 1.0 - level
    positive = y > 0
    from scipy import stats  # imported when needed: it costs about 0.5 s

    with np.errstate(divide="ignore", invalid="ignore"):
        lower = np.where(
            positive,
            v / (2.0 * y) * stats.chi2.ppf(alpha / 2.0, 2.0 * y * y / v),
            0.0,
        )
    v_up = v + wm * wm
    y_up = y + wm
    upper = v_up / (2.0 * y_up) * stats.chi2.ppf(1.0 - alpha / 2.0, 2.0 * y_up * y_up / v_up)
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)


def chiang_ex_standard_error(
    lx: FloatArray,
    qx: FloatArray,
    ax: FloatArray,
    width: FloatArray,
    ex: FloatArray,
    mx: FloatArray,
    deaths: FloatArray,
) -> FloatArray:
    """Standard error of life expectancy at each age (Chiang II with Silcocks' open band).

    All arrays are shaped ``(..., ages)``; the last band is open.

    Notes
    -----
    Chiang's variance of ``e_x`` (closed bands ``i``, open band ``w``)::

        S^2(e_x) = [ sum_{x<=i<w} l_i^2 ((n_i - a_i) + e_{i+1})^2 S^2(q_i)
                     + l_w^2 / (D_w M_w^2) ] / l_x^2

    with ``S^2(q_i) = q_i^2 (1 - q_i) / D_i`` (zero when ``D_i = 0``). Chiang takes the open
    band's contribution as zero; Silcocks et al. add the variance of its mean survival
    ``1/M_w``: ``Var(1/M_w) = 1 / (D_w M_w^2)`` under Poisson deaths.

    References
    ----------
    Chiang C.L. (1984). *The Life Table and its Applications*. Malabar (FL): Krieger, ch. 8.
    Silcocks P.B.S., Jenner D.A., Reza R. (2001). Life expectancy as a summary of mortality in
    a population: statistical considerations and suitability for use by health authorities.
    *J Epidemiol Community Health* 55(1): 38-43.
    """
    closed = np.isfinite(width)
    with np.errstate(divide="ignore", invalid="ignore"):
        var_q = np.where(deaths > 0, qx * qx * (1.0 - qx) / deaths, 0.0)
        e_next = np.concatenate([ex[..., 1:], np.zeros_like(ex[..., :1])], axis=-1)
        closed_term = lx * lx * ((width - ax) + e_next) ** 2 * var_q
        open_term = lx * lx / (deaths * mx * mx)
    term = np.where(closed, closed_term, open_term)
    # reverse cumulative sum over ages: sum_{i >= x}
    total = np.flip(np.cumsum(np.flip(term, axis=-1), axis=-1), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.sqrt(total) / lx, dtype=np.float64)
