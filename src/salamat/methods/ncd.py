"""SDG indicator 3.4.1: probability of dying between exact ages 30 and 70 from the four NCDs.

The four main noncommunicable diseases are cardiovascular disease, cancer, diabetes and chronic
respiratory disease (ICD-10 I00-I99, C00-C97, E10-E14, J30-J98). Inputs are NCD deaths and
population in the eight five-year bands 30-34, ..., 65-69, shaped ``(..., 8)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from salamat.errors import InputError, MethodError, Problem
from salamat.methods.ages import FloatArray
from salamat.methods.intervals import z_value

__all__ = ["NCD_AGES", "NCDProbability", "m_to_5q", "ncd_30q70"]

NCD_AGES = np.arange(30.0, 70.0, 5.0)
NCD_AGES.setflags(write=False)


def m_to_5q(m: FloatArray) -> FloatArray:
    """``5qx = 5 5Mx / (1 + 2.5 5Mx)`` (WHO SDG 3.4.1 metadata; ``ax`` = half the band)."""
    return np.asarray(5.0 * m / (1.0 + 2.5 * m), dtype=np.float64)


@dataclass(frozen=True)
class NCDProbability:
    """``30q70`` as a proportion (not percent), shaped ``(...)``, with its interval."""

    ncd_deaths: FloatArray
    population: FloatArray
    q30_70: FloatArray
    lower: FloatArray
    upper: FloatArray
    method: str
    level: float


def ncd_30q70(
    ncd_deaths: npt.ArrayLike,
    population: npt.ArrayLike,
    *,
    age: npt.ArrayLike | None = None,
    level: float = 0.95,
) -> NCDProbability:
    """Unconditional probability of dying between 30 and 70 from the four main NCDs.

    Parameters
    ----------
    ncd_deaths, population
        NCD deaths and population (person-years) in the bands 30-34, ..., 65-69,
        shaped ``(..., 8)``.
    age
        Band starts, if given must be ``30, 35, ..., 65``.
    level
        Confidence level of the interval.

    Returns
    -------
    NCDProbability

    Raises
    ------
    InputError
        Negative deaths, non-positive population, or other bands.
    MethodError
        A rate that makes a ``5qx`` exceed one.

    Notes
    -----
    ``5Mx = D_x / P_x``; ``5qx = 5 5Mx / (1 + 2.5 5Mx)``; ``30q70 = 1 - prod_x (1 - 5qx)``.

    Interval: deaths are taken as Poisson, ``Var(5Mx) = D_x / P_x^2``; by the delta method
    ``Var(5qx) = (5 / (1 + 2.5 5Mx)^2)^2 Var(5Mx)``; on the log-survival scale
    ``S = ln(1 - 30q70) = sum_x ln(1 - 5qx)`` with ``Var(S) = sum_x Var(5qx) / (1 - 5qx)^2``
    (independent bands). The limits ``1 - exp(S +/- z sqrt(Var S))`` stay within [0, 1] and
    always contain the estimate; this is the delta method applied to the product of the
    survival probabilities (Chiang 1984, ch. 8, for the variance of a survival probability).

    References
    ----------
    World Health Organization. SDG indicator metadata, 3.4.1: Mortality rate attributed to
    cardiovascular disease, cancer, diabetes or chronic respiratory disease (UN Statistics
    Division SDG metadata repository; WHO Global Health Observatory indicator NCDMORT3070).
    World Health Organization (2014). *Global status report on noncommunicable diseases 2014*,
    Geneva, annex on methods.
    Chiang C.L. (1984). *The Life Table and its Applications*. Malabar: Krieger.

    Examples
    --------
    >>> r = ncd_30q70([[10] * 8], [[10_000] * 8])
    >>> round(float(r.q30_70[0]), 6)
    0.039211
    """
    z = z_value(level)
    if age is not None:
        starts = np.asarray(age, dtype=np.float64)
        if starts.shape != NCD_AGES.shape or np.any(starts != NCD_AGES):
            raise InputError(
                "30q70 needs the bands 30-34, 35-39, ..., 65-69",
                [
                    Problem(
                        "argument",
                        None,
                        "age",
                        "expected 30, 35, 40, 45, 50, 55, 60, 65",
                        ", ".join(f"{a:g}" for a in np.ravel(starts)),
                    )
                ],
            )
    d = np.asarray(ncd_deaths, dtype=np.float64)
    p = np.asarray(population, dtype=np.float64)
    problems: list[Problem] = []
    if d.ndim == 0 or d.shape[-1] != NCD_AGES.size:
        problems.append(Problem("argument", None, "ncd_deaths", "expected (..., 8) values", None))
    elif np.any(~np.isfinite(d)) or np.any(d < 0):
        problems.append(Problem("argument", None, "ncd_deaths", "expected deaths >= 0", None))
    if np.any(~np.isfinite(p)) or np.any(p <= 0):
        problems.append(Problem("argument", None, "population", "expected population > 0", None))
    if problems:
        raise InputError("invalid NCD deaths or population", problems)
    try:
        d, p = np.broadcast_arrays(d, p)
    except ValueError as exc:
        raise InputError(
            "NCD deaths and population have different shapes",
            [Problem("argument", None, "population", "expected the shape of ncd_deaths", None)],
        ) from exc
    m = d / p
    q = m_to_5q(m)
    if np.any(q >= 1.0):
        where = np.argwhere(q >= 1.0)[0]
        index, col = tuple(int(i) for i in where[:-1]), int(where[-1])
        raise MethodError(
            f"NCD death rate {m[(*index, col)]:.6g} at age {NCD_AGES[col]:g} in stratum {index} "
            "gives 5qx >= 1"
        )
    survival = np.prod(1.0 - q, axis=-1)
    var_m = d / (p * p)
    var_q = (5.0 / (1.0 + 2.5 * m) ** 2) ** 2 * var_m
    var_log_s = np.sum(var_q / (1.0 - q) ** 2, axis=-1)
    log_s = np.log(survival)
    half = z * np.sqrt(var_log_s)
    return NCDProbability(
        ncd_deaths=np.asarray(d.sum(axis=-1)),
        population=np.asarray(p.sum(axis=-1)),
        q30_70=np.asarray(1.0 - survival),
        lower=np.asarray(1.0 - np.exp(log_s + half)),
        upper=np.asarray(1.0 - np.exp(log_s - half)),
        method=(
            "WHO SDG 3.4.1: 5qx = 5M/(1+2.5M), 30q70 = 1 - prod(1 - 5qx); interval by the "
            "delta method on ln(1 - 30q70) with Poisson deaths"
        ),
        level=float(level),
    )
