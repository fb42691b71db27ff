"""Indicators computed from deaths and exposures: regroup ages, then the methods core.

Inputs are arrays shaped ``(..., ages)`` of deaths and person-years by single year of age (the
store's unit-record aggregates), already summed over the regions of the area: rates are never
averaged, so a country's value is computed from its pooled deaths and exposures and equals the
value computed from the pooled records themselves.

* life expectancy at age x: :func:`salamat.methods.lifetable.life_table` on the abridged bands
  0, 1-4, 5-9, ..., 85+ with Chiang's interval;
* age-standardised death rate: :func:`salamat.methods.standardise.standardise` on 5-year bands to 85+,
  WHO World Standard Population 2000-2025, Dobson interval;
* 30q70: :func:`salamat.methods.ncd.ncd_30q70` on the 5-year bands 30-34, ..., 65-69.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from salamat.errors import InputError, Problem
from salamat.methods.ages import FloatArray
from salamat.methods.lifetable import Sex, life_table
from salamat.methods.ncd import NCD_AGES, ncd_30q70
from salamat.methods.standardise import standardise

__all__ = [
    "ABRIDGED_TO_85",
    "FIVE_YEAR_TO_85",
    "ComputedValues",
    "age_standardised_rate",
    "life_expectancy",
    "probability_30q70",
    "regroup",
]

ABRIDGED_TO_85: FloatArray = np.array([0.0, 1.0, *range(5, 90, 5)])
"""0, 1-4, 5-9, ..., 80-84, 85+."""
FIVE_YEAR_TO_85: FloatArray = np.arange(0.0, 90.0, 5.0)
"""0-4, 5-9, ..., 80-84, 85+ (band starts of the WHO 2000 standard, its top bands pooled)."""


@dataclass(frozen=True)
class ComputedValues:
    """Values shaped ``(...)`` with their interval, multiplier already applied.

    ``suppressed`` rows have ``NaN`` values and say why in ``reason``.
    """

    value: FloatArray
    lower: FloatArray
    upper: FloatArray
    suppressed: npt.NDArray[np.bool_]
    reason: npt.NDArray[np.object_]
    method: str


def regroup(age: npt.ArrayLike, counts: npt.ArrayLike, starts: npt.ArrayLike) -> FloatArray:
    """Sum counts by single year of age into bands starting at ``starts`` (the last open).

    Parameters
    ----------
    age
        Single years of age of the last axis of ``counts`` (any order, each once); an open top
        age group counts as its start.
    counts
        ``(..., len(age))``.
    starts
        Band starts; the first must be ``<= min(age)``.

    Returns
    -------
    numpy.ndarray
        ``(..., len(starts))``; band ``i`` holds ``starts[i] <= age < starts[i+1]``.

    Examples
    --------
    >>> regroup([0, 1, 2, 3], [[1, 2, 3, 4]], [0, 1, 3]).tolist()
    [[1.0, 5.0, 4.0]]
    """
    a = np.asarray(age, dtype=np.float64)
    c = np.asarray(counts, dtype=np.float64)
    s = np.asarray(starts, dtype=np.float64)
    if c.shape[-1:] != a.shape or a.size == 0 or s.size == 0 or s[0] > a.min():
        raise InputError(
            "cannot regroup ages",
            [
                Problem(
                    "argument", None, "age", "expected one count per age, ages >= first band", None
                )
            ],
        )
    band = np.searchsorted(s, a, side="right") - 1
    out = np.zeros((*c.shape[:-1], s.size))
    for i in range(s.size):
        out[..., i] = c[..., band == i].sum(axis=-1)
    return out


def life_expectancy(
    age: npt.ArrayLike,
    deaths: npt.ArrayLike,
    exposure: npt.ArrayLike,
    *,
    at: float = 0.0,
    sex: Sex = "total",
    level: float = 0.95,
) -> ComputedValues:
    """Life expectancy at exact age ``at`` from single-year deaths and exposures.

    Notes
    -----
    Abridged period life table (Preston, Heuveline & Guillot 2001, ch. 3) on 0, 1-4, ...,
    85+; ``a0`` by Andreev & Kingkade (HMD v6); the interval is Chiang's (Chiang 1984).
    """
    d = regroup(age, deaths, ABRIDGED_TO_85)
    e = regroup(age, exposure, ABRIDGED_TO_85)
    hits = np.flatnonzero(np.isclose(ABRIDGED_TO_85, at))
    if hits.size == 0:
        raise InputError(
            f"life expectancy at age {at:g}: expected a band start of 0, 1, 5, ..., 85",
            [Problem("argument", None, "at", "expected 0, 1, 5, 10, ..., 85", str(at))],
        )
    i = int(hits[0])
    table = life_table(ABRIDGED_TO_85, deaths=d, exposure=e, sex=sex, ci=level)
    assert table.ex_lower is not None and table.ex_upper is not None
    shape = table.ex.shape[:-1]
    return ComputedValues(
        value=np.asarray(table.ex[..., i]),
        lower=np.asarray(table.ex_lower[..., i]),
        upper=np.asarray(table.ex_upper[..., i]),
        suppressed=np.zeros(shape, dtype=bool),
        reason=np.full(shape, "", dtype=object),
        method=f"{table.method}; bands 0, 1-4, ..., 85+; "
        f"a0: {table.a0_rule.replace('_', '-').title()}; {table.ci_method} ({level:.0%})",
    )


def age_standardised_rate(
    age: npt.ArrayLike,
    deaths: npt.ArrayLike,
    exposure: npt.ArrayLike,
    *,
    per: float = 100_000.0,
    level: float = 0.95,
    min_count: float = 10.0,
) -> ComputedValues:
    """Directly age-standardised death rate (WHO World Standard 2000-2025), Dobson interval."""
    d = regroup(age, deaths, FIVE_YEAR_TO_85)
    e = regroup(age, exposure, FIVE_YEAR_TO_85)
    r = standardise(
        d, e, FIVE_YEAR_TO_85, standard="who2000", per=per, level=level, min_count=min_count
    )
    return ComputedValues(
        value=r.asr,
        lower=r.lower,
        upper=r.upper,
        suppressed=r.suppressed,
        reason=r.reason,
        method=f"{r.method}; standard {r.standard}; 5-year bands to 85+",
    )


def probability_30q70(
    age: npt.ArrayLike,
    ncd_deaths: npt.ArrayLike,
    exposure: npt.ArrayLike,
    *,
    per: float = 100.0,
    level: float = 0.95,
) -> ComputedValues:
    """SDG 3.4.1, 30q70 from deaths from the four NCD groups, in percent by default."""
    a = np.asarray(age, dtype=np.float64)
    keep = (a >= 30) & (a < 70)
    d = regroup(a[keep], np.asarray(ncd_deaths, dtype=np.float64)[..., keep], NCD_AGES)
    e = regroup(a[keep], np.asarray(exposure, dtype=np.float64)[..., keep], NCD_AGES)
    r = ncd_30q70(d, e, level=level)
    shape = r.q30_70.shape
    return ComputedValues(
        value=r.q30_70 * per,
        lower=r.lower * per,
        upper=r.upper * per,
        suppressed=np.zeros(shape, dtype=bool),
        reason=np.full(shape, "", dtype=object),
        method=r.method,
    )
