"""Crude rates and direct age-standardisation, with intervals and a small-numbers rule.

Counts and populations are shaped ``(..., ages)``; results are shaped ``(...)`` and carry
their method, standard population, multiplier (``per``) and confidence level. A row whose
total count is under ``min_count`` is flagged ``suppressed`` with a ``reason``; its rate and
limits are ``NaN`` only together with that flag.

Standard populations are bundled package data (see ``data/standard_populations/SOURCES.md``)
and are the one thing this module reads, through :mod:`importlib.resources`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from typing import Literal

import numpy as np
import numpy.typing as npt

from salamat.errors import InputError, Problem
from salamat.methods.ages import FloatArray, age_start_from_label, validate_age_starts
from salamat.methods.intervals import (
    CountLimits,
    check_level,
    dobson_interval,
    fay_feuer_interval,
    poisson_exact,
)

__all__ = [
    "CIMethod",
    "CrudeRate",
    "StandardName",
    "StandardPopulation",
    "StandardisedRate",
    "crude_rate",
    "standard_population",
    "standard_weights",
    "standardise",
]

StandardName = Literal["who2000", "esp2013", "esp1976", "segi"]
CIMethod = Literal["dobson", "fay_feuer"]

_FILES: dict[str, tuple[str, str, str]] = {
    # name: (file, age column or "" for labels in the first column, weight column)
    "who2000": (
        "who_world_standard_population_2000-2025_21groups.csv",
        "age_start",
        "who_world_standard_percent",
    ),
    "who2000_single": (
        "who_world_standard_population_2000-2025_single_age_per100k.csv",
        "age",
        "who_world_standard_per_100000",
    ),
    "esp2013": ("esp2013_21groups_eurostat.csv", "age_start", "esp2013"),
    "esp2013_19": ("esp2013_19groups_phe.csv", "age_start", "esp2013"),
    "esp1976": ("segi_world_europe1976_nordic_18groups_popEpi.csv", "", "europe_1976"),
    "segi": ("segi_world_europe1976_nordic_18groups_popEpi.csv", "", "world_segi1960_doll"),
}

_TITLES: dict[str, str] = {
    "who2000": "WHO World Standard Population 2000-2025 (Ahmad et al. 2001)",
    "who2000_single": "WHO World Standard Population 2000-2025, single years (SEER series)",
    "esp2013": "European Standard Population 2013 (Eurostat 2013)",
    "esp2013_19": "European Standard Population 2013, 19 groups (PHE vector)",
    "esp1976": "European Standard Population 1976",
    "segi": "Segi (1960) world standard, as modified by Doll et al. (1966)",
}


@dataclass(frozen=True)
class StandardPopulation:
    """A standard population: band starts (the last band open) and weights in any scale."""

    name: str
    age: FloatArray
    weight: FloatArray
    source: str

    @classmethod
    def from_arrays(
        cls, name: str, age: npt.ArrayLike, weight: npt.ArrayLike, source: str = "user-given"
    ) -> StandardPopulation:
        """Validate and build a user-given standard.

        Raises
        ------
        InputError
            If the starts are not increasing, or a weight is negative, non-finite or all are 0.
        """
        starts = validate_age_starts(age, source=name)
        w = np.asarray(weight, dtype=np.float64)
        if w.shape != starts.shape or np.any(~np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise InputError(
                "standard population weights must be one finite, non-negative number per band",
                [Problem(name, None, "weight", f"expected {starts.size} weights >= 0", None)],
            )
        w.setflags(write=False)
        starts.setflags(write=False)
        return cls(name=name, age=starts, weight=w, source=source)


def standard_population(name: str) -> StandardPopulation:
    """Load a bundled standard population by name.

    Parameters
    ----------
    name
        ``"who2000"``, ``"esp2013"``, ``"esp1976"`` or ``"segi"`` (also ``"who2000_single"``
        and ``"esp2013_19"``, the alternative layouts).

    Raises
    ------
    InputError
        For an unknown name.
    """
    if name not in _FILES:
        raise InputError(
            f"unknown standard population {name!r}",
            [Problem("argument", None, "standard", f"expected one of {sorted(_FILES)}", name)],
        )
    file, age_column, weight_column = _FILES[name]
    text = (
        resources.files("salamat")
        .joinpath("data", "standard_populations", file)
        .read_text(encoding="utf-8")
    )
    rows = list(csv.DictReader(text.splitlines()))
    if age_column:
        starts = [float(row[age_column]) for row in rows]
    else:
        first = next(iter(rows[0]))
        starts = [age_start_from_label(row[first]) for row in rows]
    weights = [float(row[weight_column]) for row in rows]
    return StandardPopulation.from_arrays(
        name, starts, weights, source=f"{_TITLES[name]}; {file}, column {weight_column}"
    )


def _align(standard: StandardPopulation, starts: FloatArray) -> tuple[FloatArray, str]:
    """Sum the standard's weights into the input's bands; weights normalised to one."""
    known = set(standard.age.tolist())
    missing = [s for s in starts.tolist() if s not in known]
    if missing:
        raise InputError(
            f"the age bands do not match the standard population {standard.name}",
            [
                Problem(
                    standard.name,
                    None,
                    "age",
                    "every band start must be one of the standard's: "
                    + ", ".join(f"{a:g}" for a in standard.age),
                    ", ".join(f"{a:g}" for a in missing),
                )
            ],
        )
    # band i of the input covers the standard's bands with starts in [starts[i], starts[i+1])
    which = np.searchsorted(starts, standard.age, side="right") - 1
    keep = which >= 0
    weights = np.bincount(which[keep], weights=standard.weight[keep], minlength=starts.size)
    note = f"{standard.name}: {standard.source}"
    if not np.all(keep):
        note += f"; restricted to ages {starts[0]:g}+ and renormalised"
    if starts.size < standard.age.size - int(np.sum(~keep)):
        note += "; bands summed to the input's " + ", ".join(f"{a:g}" for a in starts)
    return np.asarray(weights / weights.sum(), dtype=np.float64), note


def _resolve(standard: str | StandardPopulation, starts: FloatArray) -> tuple[FloatArray, str]:
    if isinstance(standard, StandardPopulation):
        return _align(standard, starts)
    if standard == "who2000":
        try:
            return _align(standard_population("who2000"), starts)
        except InputError:
            return _align(standard_population("who2000_single"), starts)
    return _align(standard_population(standard), starts)


def standard_weights(standard: str | StandardPopulation, starts: npt.ArrayLike) -> FloatArray:
    """The standard population's weights summed into the bands starting at ``starts``
    (normalised to one; ``who2000`` falls back to its single-year table for single ages).

    Raises
    ------
    InputError
        A band start that is not one of the standard's.

    Examples
    --------
    >>> standard_weights("who2000", [0, 5, 15]).round(4).tolist()
    [0.0886, 0.1728, 0.7386]
    """
    return _resolve(standard, np.asarray(starts, dtype=np.float64))[0]


@dataclass(frozen=True)
class StandardisedRate:
    """Directly standardised rates, shaped ``(...)``; rates and limits are per ``per``."""

    count: FloatArray
    population: FloatArray
    crude_rate: FloatArray
    asr: FloatArray
    lower: FloatArray
    upper: FloatArray
    suppressed: npt.NDArray[np.bool_]
    reason: npt.NDArray[np.object_]
    method: str
    standard: str
    per: float
    level: float


@dataclass(frozen=True)
class CrudeRate:
    """Crude rates with exact Poisson limits, shaped like the counts; per ``per``."""

    count: FloatArray
    population: FloatArray
    rate: FloatArray
    lower: FloatArray
    upper: FloatArray
    suppressed: npt.NDArray[np.bool_]
    reason: npt.NDArray[np.object_]
    method: str
    per: float
    level: float


def _counts_and_population(
    count: npt.ArrayLike, population: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(count, dtype=np.float64)
    n = np.asarray(population, dtype=np.float64)
    problems: list[Problem] = []
    if np.any(~np.isfinite(x)) or np.any(x < 0):
        problems.append(Problem("argument", None, "count", "expected counts >= 0", None))
    if np.any(~np.isfinite(n)) or np.any(n <= 0):
        problems.append(Problem("argument", None, "population", "expected populations > 0", None))
    if problems:
        raise InputError("invalid counts or populations", problems)
    try:
        x, n = np.broadcast_arrays(x, n)
    except ValueError as exc:
        raise InputError(
            "counts and populations have different shapes",
            [Problem("argument", None, "population", "expected the shape of count", None)],
        ) from exc
    return x, n


def _suppression(
    total: FloatArray, min_count: float
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.object_]]:
    flat_total = np.atleast_1d(np.asarray(total, dtype=np.float64)).ravel()
    flat = flat_total < min_count
    reason = np.full(flat.shape, "", dtype=object)
    reason[flat] = [f"total count {t:g} is under {min_count:g}" for t in flat_total[flat]]
    shape = np.shape(total)
    return flat.reshape(shape), reason.reshape(shape)


def crude_rate(
    count: npt.ArrayLike,
    population: npt.ArrayLike,
    *,
    per: float = 100_000.0,
    level: float = 0.95,
    min_count: float = 10.0,
) -> CrudeRate:
    """Crude rate ``x / n * per`` with exact (Garwood) Poisson limits.

    Rows with ``count < min_count`` are flagged ``suppressed`` (rate and limits ``NaN``).

    References
    ----------
    Garwood F. (1936). Fiducial limits for the Poisson distribution. *Biometrika* 28: 437-442.

    Examples
    --------
    >>> r = crude_rate(10, 1000, per=1000)
    >>> float(r.rate), round(float(r.lower), 4), round(float(r.upper), 4)
    (10.0, 4.7954, 18.3904)
    """
    check_level(level)
    x, n = _counts_and_population(count, population)
    lower, upper = poisson_exact(x, level)
    suppressed, reason = _suppression(x, min_count)
    hide = np.where(suppressed, np.nan, 1.0)
    return CrudeRate(
        count=x,
        population=n,
        rate=x / n * per * hide,
        lower=lower / n * per * hide,
        upper=upper / n * per * hide,
        suppressed=suppressed,
        reason=reason,
        method="crude rate; exact Poisson interval (Garwood 1936)",
        per=float(per),
        level=float(level),
    )


def standardise(
    count: npt.ArrayLike,
    population: npt.ArrayLike,
    age: npt.ArrayLike,
    *,
    standard: StandardName | StandardPopulation = "esp2013",
    ci_method: CIMethod = "dobson",
    count_limits: CountLimits = "byars",
    per: float = 100_000.0,
    level: float = 0.95,
    min_count: float = 10.0,
) -> StandardisedRate:
    """Directly age-standardised rate with a Dobson or Fay-Feuer interval.

    Parameters
    ----------
    count, population
        Events and population (person-years) by age band, shaped ``(..., ages)``.
    age
        Start of each band (the last one open); every start must be a band start of the
        standard, whose weights are then summed into the input's bands.
    standard
        ``"who2000"``, ``"esp2013"``, ``"esp1976"``, ``"segi"``, or a
        :class:`StandardPopulation` (for example from :meth:`StandardPopulation.from_arrays`).
    ci_method
        ``"dobson"`` (Dobson et al. 1991) or ``"fay_feuer"`` (Fay & Feuer 1997).
    count_limits
        For Dobson: Byar's approximation (``"byars"``, as PHE) or exact Poisson limits.
    per
        Multiplier (rate per ``per`` population).
    level
        Confidence level.
    min_count
        Small-numbers rule: rows whose total count is under this are flagged ``suppressed``.

    Returns
    -------
    StandardisedRate

    Raises
    ------
    InputError
        For negative counts, non-positive populations, or bands that do not match the standard.

    Notes
    -----
    With standard weights ``s_i`` normalised to ``sum s_i = 1`` and ``w_i = s_i / n_i``:
    ``DSR = sum_i w_i x_i``, ``Var = sum_i w_i^2 x_i``. A total count of zero makes the Dobson
    interval undefined; such rows are flagged whatever ``min_count`` is.

    References
    ----------
    Dobson A.J., Kuulasmaa K., Eberle E., Scherer J. (1991). Confidence intervals for weighted
    sums of Poisson parameters. *Statistics in Medicine* 10: 457-462.
    Fay M.P., Feuer E.J. (1997). Confidence intervals for directly standardized rates: a method
    based on the gamma distribution. *Statistics in Medicine* 16: 791-801.
    Breslow N.E., Day N.E. (1987). *Statistical Methods in Cancer Research, Vol. II*. IARC.

    Examples
    --------
    >>> r = standardise([[5, 10]], [[1000, 1000]], [0, 5],
    ...                 standard=StandardPopulation.from_arrays("two", [0, 5], [1, 1]),
    ...                 min_count=0)
    >>> float(r.asr[0])
    750.0
    """
    check_level(level)
    starts = validate_age_starts(age)
    x, n = _counts_and_population(count, population)
    if x.ndim == 0 or x.shape[-1] != starts.size:
        raise InputError(
            "counts must be shaped (..., ages)",
            [Problem("argument", None, "count", f"expected last axis of {starts.size}", None)],
        )
    weights, note = _resolve(standard, starts)
    w = weights / n
    dsr = np.sum(w * x, axis=-1)
    variance = np.sum(w * w * x, axis=-1)
    total = x.sum(axis=-1)
    total_population = n.sum(axis=-1)
    suppressed, reason = _suppression(total, min_count)
    if ci_method == "dobson":
        undefined = total <= 0
        if np.any(undefined & ~suppressed):
            reason = np.where(
                undefined & ~suppressed, "total count 0: the Dobson interval is undefined", reason
            )
            suppressed = suppressed | undefined
        safe_total = np.where(total > 0, total, 1.0)
        lower, upper = dobson_interval(dsr, variance, safe_total, level, count_limits)
        method = (
            "direct standardisation; Dobson et al. (1991) interval with "
            + ("Byar's" if count_limits == "byars" else "exact Poisson")
            + " limits for the total count"
        )
    elif ci_method == "fay_feuer":
        lower, upper = fay_feuer_interval(dsr, variance, np.max(w, axis=-1), level)
        method = "direct standardisation; Fay & Feuer (1997) gamma interval"
    else:
        raise InputError(
            "unknown interval method",
            [Problem("argument", None, "ci_method", "expected dobson or fay_feuer", ci_method)],
        )
    hide = np.where(suppressed, np.nan, 1.0)
    return StandardisedRate(
        count=np.asarray(total),
        population=np.asarray(total_population),
        crude_rate=np.asarray(total / total_population * per),
        asr=np.asarray(dsr * per * hide),
        lower=np.asarray(lower * per * hide),
        upper=np.asarray(upper * per * hide),
        suppressed=np.asarray(suppressed),
        reason=np.asarray(reason, dtype=object),
        method=method,
        standard=note,
        per=float(per),
        level=float(level),
    )
