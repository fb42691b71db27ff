"""What if a cause of death fell: scaled cause-specific rates, life tables, the year a target is met.

The scenario changes one cause group's death rates and nothing else ("the cause alone"):

``m(x, B + h) = o(x, B) + c(x, B) (1 + r)^h``,

``o`` the rates of every other cause and ``c`` the cause's rates in the base year ``B``, ``r`` the
annual change (``-0.03``: the cause's rates fall 3 % a year, compounded). With age ranges
given (``30-69``), ``c(x, B)`` is scaled only in the bands inside them and kept at its base-year
level elsewhere: ``m(x, B + h) = o(x, B) + c(x, B) (1 + r)^{h [x in A]}``. ``r = -1`` is the
cause's elimination from the first year: the cause-deleted life table (Preston, Heuveline &
Guillot 2001, section 4.6, under the usual assumption that the causes act independently), so
elimination is the limit of the scenario, not a separate method. With ``r = 0`` the scenario is
the baseline: every rate held at its base-year level.

**Interval.** Rates are not constant from year to year even when nothing changes: the
baseline and the scenario carry the year-to-year variability of mortality seen in the fitted
years, as a random walk without drift on the level of all rates,
``m_p(x, B + h) = m(x, B + h) exp(W_p(h))``, ``W_p(h)`` the sum of ``h`` innovations
``N(0, sigma_p^2)`` with ``sigma_p^2 = df sigma^2 / chi^2_df`` (the Student *t* predictive margin,
as in :mod:`salamat.methods.forecast`); ``sigma`` is the standard deviation of the annual changes
of ``ln`` of the all-cause death rate standardised to the base year's exposures, about their mean
(the trend itself is not projected: the scenario asks what the cause alone would do). The
interval therefore widens with the horizon, and a zero change gives exactly the baseline's
values and interval (same seed, same paths). The point is the life expectancy at ``W = 0``,
the paths' median.

References
----------
Preston S.H., Heuveline P., Guillot M. (2001). *Demography: Measuring and Modeling Population
Processes*. Oxford: Blackwell, ch. 4 (multiple decrement processes; cause-deleted life tables).
Chiang C.L. (1968). *Introduction to Stochastic Processes in Biostatistics*. New York: Wiley
(competing risks, independence of causes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from salamat.errors import InputError, MethodError, Problem
from salamat.methods.ages import FloatArray
from salamat.methods.forecast import ex_from_mx
from salamat.methods.intervals import check_level
from salamat.methods.lifetable import Sex
from salamat.methods.trends import fit_drift

__all__ = [
    "ScenarioPath",
    "ages_text",
    "cause_deleted_rates",
    "scaled_rates",
    "scenario_path",
    "scenario_rates",
    "solve_change",
]


@dataclass(frozen=True)
class ScenarioPath:
    """Life expectancy by year under a scenario, with its interval, and the baseline beside it.

    ``reached`` is the first year whose value reaches ``target`` (None without a target or when
    it is not reached by the last year).
    """

    year: npt.NDArray[np.int64]
    value: FloatArray
    lower: FloatArray
    upper: FloatArray
    baseline: FloatArray
    baseline_lower: FloatArray
    baseline_upper: FloatArray
    change: float
    base_year: int
    fitted_from: int
    level: float
    sigma: float
    target: float | None
    reached: int | None
    method: str
    ages: tuple[str, ...] = ()


def scaled_rates(
    mx_all: npt.ArrayLike, mx_cause: npt.ArrayLike, factor: npt.ArrayLike
) -> FloatArray:
    """``m_all + (factor - 1) m_cause``: all-cause rates with the cause's rates times ``factor``.

    ``factor`` broadcasts against the rates (``(..., 1)`` for one factor per stratum, or by age).

    Examples
    --------
    >>> scaled_rates([0.02], [0.005], 0.5).tolist()
    [0.0175]
    """
    m = np.asarray(mx_all, dtype=np.float64)
    c = np.asarray(mx_cause, dtype=np.float64)
    f = np.asarray(factor, dtype=np.float64)
    if np.any(c < 0) or np.any(c > m) or np.any(f < 0):
        raise InputError(
            "cause-specific rates must lie between 0 and the all-cause rate, factors >= 0",
            [Problem("argument", None, "mx_cause", "expected 0 <= cause <= all causes", None)],
        )
    return np.asarray(m + (f - 1.0) * c)


def cause_deleted_rates(mx_all: npt.ArrayLike, mx_cause: npt.ArrayLike) -> FloatArray:
    """``m_all - m_cause``: the rates of the cause-deleted life table (independent causes)."""
    return scaled_rates(mx_all, mx_cause, 0.0)


def _in_ages(age: FloatArray, in_ages: npt.ArrayLike | None) -> npt.NDArray[np.bool_]:
    """The bands the change applies to: all of them, or the mask given (one flag a band)."""
    if in_ages is None:
        return np.ones(age.size, dtype=bool)
    mask = np.asarray(in_ages)
    if mask.dtype != np.bool_ or mask.shape != age.shape:
        raise InputError(
            f"in_ages: expected one True/False a band ({age.size} bands)",
            [Problem("argument", None, "in_ages", "expected a boolean mask over the bands", None)],
        )
    if not mask.any():
        raise InputError(
            "in_ages: no band is chosen, so the scenario would change nothing",
            [Problem("argument", None, "in_ages", "expected at least one band", None)],
        )
    return mask


def ages_text(age: npt.ArrayLike, mask: npt.ArrayLike) -> tuple[str, ...]:
    """The chosen bands as runs of ages (``("30-69", "85+")``), for the method's sentence.

    Examples
    --------
    >>> ages_text([0, 1, 5, 10], [False, True, True, True])
    ('1+',)
    """
    a = np.asarray(age, dtype=np.float64)
    chosen = np.asarray(mask, dtype=bool)
    ends = np.append(a[1:], np.inf)
    runs: list[str] = []
    i = 0
    while i < a.size:
        if not chosen[i]:
            i += 1
            continue
        j = i
        while j + 1 < a.size and chosen[j + 1]:
            j += 1
        runs.append(f"{a[i]:g}+" if ends[j] == np.inf else f"{a[i]:g}-{ends[j] - 1:g}")
        i = j + 1
    return tuple(runs)


def scenario_rates(
    mx_all: npt.ArrayLike,
    mx_cause: npt.ArrayLike,
    change: float,
    years_ahead: npt.ArrayLike,
    in_ages: npt.ArrayLike | None = None,
) -> FloatArray:
    """The scenario's death rates ``(years, ages)``, ``h`` years after the base year.

    ``m(x, B + h) = m_all(x, B) + ((1 + r)^h - 1) c(x, B)`` in the bands of ``in_ages`` (every
    band when ``None``), ``m_all(x, B)`` unchanged elsewhere.

    Examples
    --------
    >>> scenario_rates([0.01, 0.02], [0.004, 0.01], -0.5, [1], [False, True]).tolist()
    [[0.01, 0.015]]
    """
    m = np.asarray(mx_all, dtype=np.float64)
    mask = _in_ages(m, in_ages)
    h = np.asarray(years_ahead, dtype=np.float64)
    factor = np.where(mask[None, :], ((1.0 + change) ** h)[:, None], 1.0)
    return scaled_rates(m, mx_cause, factor)


def _sigma(
    deaths_all: FloatArray, exposure: FloatArray, years: npt.NDArray[np.int64]
) -> tuple[float, int]:
    """``sigma`` and its degrees of freedom: the annual changes of ``ln`` of the all-cause rate
    standardised to the last year's exposures, about their mean."""
    weights = exposure[-1] / exposure[-1].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = deaths_all / exposure
    level = np.log((rates * weights).sum(axis=1))
    fit = fit_drift(years, level, "linear")
    return fit.sigma, fit.df


def scenario_path(
    age: npt.ArrayLike,
    year: npt.ArrayLike,
    deaths_all: npt.ArrayLike,
    deaths_cause: npt.ArrayLike,
    exposure: npt.ArrayLike,
    *,
    change: float,
    until: int,
    sex: Sex = "total",
    at: float = 0.0,
    target: float | None = None,
    level: float = 0.95,
    n_paths: int = 1000,
    seed: int = 2026,
    in_ages: npt.ArrayLike | None = None,
) -> ScenarioPath:
    """Life expectancy at ``at`` from the last year to ``until`` if the cause changed by
    ``change`` a year (a proportion: ``-0.03``), every other cause held at its last level.

    Parameters
    ----------
    age
        Band starts (last band open).
    year
        Consecutive years of the inputs; the last is the base year, all give ``sigma``.
    deaths_all, deaths_cause, exposure
        ``(years, ages)``: all-cause deaths, the cause's deaths, person-years.
    change
        Annual proportional change of the cause's rates, ``> -1`` (``-1``: eliminated).
    target
        A life expectancy to reach: ``reached`` is the first year the value reaches it.
    in_ages
        One flag a band (:func:`salamat.methods.ages.ages_in_bands`): the change applies to
        the cause's rates in those bands only; ``None``: every age. A mask of all bands is
        the same as ``None``.

    Raises
    ------
    InputError
        Shapes that do not match, a cause with more deaths than all causes, ``change < -1``,
        an ``until`` not after the base year.
    MethodError
        Fewer than three years (no ``sigma``).
    """
    check_level(level)
    a = np.asarray(age, dtype=np.float64)
    t = np.asarray(year, dtype=np.int64)
    d_all = np.asarray(deaths_all, dtype=np.float64)
    d_c = np.asarray(deaths_cause, dtype=np.float64)
    e = np.asarray(exposure, dtype=np.float64)
    shape = (t.size, a.size)
    if d_all.shape != shape or d_c.shape != shape or e.shape != shape:
        raise InputError(
            f"a scenario needs deaths and exposures shaped (years, ages) = {shape}",
            [Problem("argument", None, "deaths", "expected (years, ages)", None)],
        )
    if np.any(e[-1] <= 0) or np.any(d_c > d_all) or np.any(d_c < 0):
        raise InputError(
            "a scenario needs exposures above zero and 0 <= cause deaths <= all deaths",
            [Problem("argument", int(t[-1]), "deaths", "expected 0 <= cause <= all", None)],
        )
    if not math.isfinite(change) or change < -1.0:
        raise InputError(
            f"change {change:g}: expected a proportion of at least -1 (elimination)",
            [Problem("argument", None, "change", "expected >= -1", str(change))],
        )
    base = int(t[-1])
    if int(until) <= base:
        raise InputError(
            f"--until {until}: expected a year after the base year {base}",
            [Problem("argument", None, "until", f"expected a year > {base}", str(until))],
        )
    mask = _in_ages(a, in_ages)
    sigma, df = _sigma(d_all, e, t)
    ahead = np.arange(base + 1, int(until) + 1, dtype=np.int64)
    h = (ahead - base).astype(np.float64)
    m_all, m_c = d_all[-1] / e[-1], d_c[-1] / e[-1]
    rng = np.random.default_rng(seed)
    sd = np.sqrt(df * sigma**2 / rng.chisquare(df, size=n_paths))
    walk = np.cumsum(sd[:, None] * rng.standard_normal((n_paths, ahead.size)), axis=1)

    def path(r: float) -> tuple[FloatArray, FloatArray, FloatArray]:
        rates = scenario_rates(m_all, m_c, r, h, mask)  # (years, ages)
        value = ex_from_mx(a, rates, sex, at)
        sims = ex_from_mx(a, rates[None, :, :] * np.exp(walk)[:, :, None], sex, at)
        tail = (1.0 - level) / 2.0
        lo, hi = np.quantile(sims, [tail, 1.0 - tail], axis=0)
        return value, np.asarray(lo), np.asarray(hi)

    value, lower, upper = path(change)
    b_value, b_lower, b_upper = (value, lower, upper) if change == 0 else path(0.0)
    reached = None
    if target is not None:
        hit = np.flatnonzero(value >= target)
        reached = int(ahead[hit[0]]) if hit.size else None
    ages = () if mask.all() else ages_text(a, mask)
    where = f" at ages {', '.join(ages)}" if ages else ""
    return ScenarioPath(
        year=ahead,
        value=value,
        lower=lower,
        upper=upper,
        baseline=b_value,
        baseline_lower=b_lower,
        baseline_upper=b_upper,
        change=change,
        base_year=base,
        fitted_from=int(t[0]),
        level=level,
        sigma=sigma,
        target=target,
        reached=reached,
        ages=ages,
        method=(
            f"cause's rates x (1 {change:+.2%})^h from {base}{where}, every other cause held at its "
            f"{base} rates; life table per year (a0 Andreev-Kingkade); interval: year-to-year "
            f"variability of all-cause mortality {int(t[0])}-{base} (sigma {sigma:.4f} on ln "
            f"of the standardised rate), a random walk without drift, {n_paths} paths "
            f"(seed {seed}); causes assumed independent (Preston et al. 2001, ch. 4)"
        ),
    )


def solve_change(
    age: npt.ArrayLike,
    deaths_all: npt.ArrayLike,
    deaths_cause: npt.ArrayLike,
    exposure: npt.ArrayLike,
    *,
    years_ahead: int,
    target: float,
    sex: Sex = "total",
    at: float = 0.0,
    in_ages: npt.ArrayLike | None = None,
) -> float:
    """The constant annual change of the cause (alone) that brings life expectancy at ``at``
    to ``target`` in ``years_ahead`` years, from the last year's rates (central path);
    ``in_ages`` restricts the change to some bands as in :func:`scenario_path`.

    Returns a proportion (``-0.043``: the cause's rates must fall 4.3 % a year; positive when
    the target is already exceeded and the cause could rise).

    Raises
    ------
    MethodError
        When even eliminating the cause at once does not reach the target (the message gives
        the cause-deleted life expectancy).
    """
    a = np.asarray(age, dtype=np.float64)
    m_all = (
        np.asarray(deaths_all, dtype=np.float64)[-1] / np.asarray(exposure, dtype=np.float64)[-1]
    )
    m_c = (
        np.asarray(deaths_cause, dtype=np.float64)[-1] / np.asarray(exposure, dtype=np.float64)[-1]
    )
    mask = _in_ages(a, in_ages)
    if years_ahead < 1:
        raise InputError(
            f"the target year must be after the base year (got {years_ahead} years ahead)",
            [Problem("argument", None, "until", "expected a later year", str(years_ahead))],
        )

    def value(r: float) -> float:
        rates = scenario_rates(m_all, m_c, r, [years_ahead], mask)[0]
        return float(ex_from_mx(a, rates, sex, at))

    deleted = value(-1.0)
    if deleted < target:
        raise MethodError(
            f"not reachable by this cause alone: even with the cause eliminated life expectancy "
            f"would be {deleted:.2f}, below {target:g}"
        )
    lo, hi = -1.0, 1.0  # value(lo) >= target; the target may need the cause to rise
    while value(hi) > target and hi < 64:
        hi *= 2.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if value(mid) >= target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)
