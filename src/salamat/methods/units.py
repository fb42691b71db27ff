"""Units of measure: read a unit as published, and convert between units only when exact.

A unit is read into three parts (:class:`Unit`):

* ``kind``: ``rate`` (something per N of a base: ``%``, ``per 1,000 live births``,
  ``deaths per 100,000 population``, ``per person-year``), ``count`` (``persons``,
  ``thousands``, ``deaths``), ``years``, or ``other`` (anything else, compared as text);
* ``scale``: for a rate, the N of "per N" (``%`` -> 100, ``per mille`` -> 1,000,
  ``per 100,000`` -> 100,000, ``per person`` -> 1); for a count, how many persons (or deaths ...)
  one unit stands for (``thousands`` -> 1,000, ``millions`` -> 1,000,000);
* ``base``: what the rate is per (``live births``, ``population``, ``gdp``) or what is counted
  (``persons``, ``deaths``); empty when the unit does not say (``%``, ``thousands``).

Conversion (:func:`conversion`) is allowed only between units of the same kind whose bases agree
(equal, or one of them unspecified), and is then a power of ten:

    value_to = value_from * scale_to / scale_from            (rates)
    value_to = value_from * scale_from / scale_to            (counts)

so a child mortality rate of 3.7 ``deaths per 100 live births`` (``%``) is 37 per 1,000 live
births, and a population of 18,592.7 thousands is 18,592,700 persons. Anything else (``%`` of
GDP to per 1,000 population, years to months, two unknown texts that differ) raises
:class:`UnitError` with the reason; nothing is ever guessed. SDMX ``UNIT_MULT`` (a power of ten
the published values are to be multiplied by) is :func:`unit_mult_factor`.

This module is pure: text and numbers in, numbers out.

References
----------
SDMX Content-Oriented Guidelines (2020), Annex 1, cross-domain concepts ``UNIT_MEASURE`` and
``UNIT_MULT``. WHO (2018), Global Reference List of 100 Core Health Indicators: the rate
denominators (per 1,000 live births, per 100,000 population).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

import numpy as np

from salamat.errors import InputError
from salamat.methods.ages import FloatArray

__all__ = [
    "Conversion",
    "Unit",
    "UnitError",
    "conversion",
    "convert",
    "parse_unit",
    "same_unit",
    "unit_mult_factor",
]

UnitKind = Literal["rate", "count", "years", "other"]


class UnitError(InputError):
    """Two units that cannot be converted exactly; the message says why."""


@dataclass(frozen=True)
class Unit:
    """A unit as read from its text (see the module docstring)."""

    text: str
    kind: UnitKind
    scale: float
    base: str


@dataclass(frozen=True)
class Conversion:
    """``value_to = value_from * factor``; ``note`` says it in words for the value's note."""

    factor: float
    note: str

    @property
    def identity(self) -> bool:
        return self.factor == 1.0


# Words that name the same base; the first of each group is the canonical one.
_BASES = (
    ("population", "people", "persons", "person", "inhabitants", "capita", "population"),
    ("live births", "live birth", "births"),
    ("person-years", "person-year", "person years", "person year", "person-years lived"),
    ("gdp", "gross domestic product"),
    ("women", "women in the age group", "females"),
    ("uninfected population", "uninfected people"),
)
_BASE_OF = {w: group[0] for group in _BASES for w in group}
_COUNT_BASES = {
    "persons": "persons",
    "people": "persons",
    "person": "persons",
    "population": "persons",
    "inhabitants": "persons",
    "deaths": "deaths",
    "births": "births",
    "live births": "births",
    "cases": "cases",
    "number": "",
    "count": "",
}
_MULTIPLIERS = {"thousand": 1e3, "thousands": 1e3, "million": 1e6, "millions": 1e6}
_PERCENT = re.compile(r"^(?:%|percent|per cent|percentage|pct)(?:\s+of\s+(?P<base>.+))?$")
_PER = re.compile(r"^(?:(?P<num>.*?)\s+)?(?:\bper\b|/)\s*(?P<n>[\d][\d,\s ]*)?\s*(?P<base>.*)$")
_YEARS = frozenset({"years", "year", "yrs", "years of life", "yr"})


def _clean(text: str) -> str:
    t = text.strip().lower().replace("\u00a0", " ").replace("\u202f", " ")
    t = re.sub(r"\s+", " ", t)
    t = re.sub(r"^\((.*)\)$", r"\1", t)
    return t.strip()


def _number(text: str) -> float | None:
    digits = re.sub(r"[,\s ]", "", text)
    return float(digits) if digits.isdigit() else None


def _base(text: str) -> str:
    t = text.strip().strip(".").strip()
    t = re.sub(r"^(?:of|the)\s+", "", t)
    return _BASE_OF.get(t, t)


def parse_unit(text: str) -> Unit:
    """Read a unit's text: ``"per 1,000 live births"`` -> rate, 1000, ``live births``.

    Examples
    --------
    >>> parse_unit("deaths per 100 live births")
    Unit(text='deaths per 100 live births', kind='rate', scale=100.0, base='live births')
    >>> parse_unit("thousands").scale
    1000.0
    """
    t = _clean(text)
    if t in _YEARS:
        return Unit(text, "years", 1.0, "")
    if m := _PERCENT.match(t):
        return Unit(text, "rate", 100.0, _base(m["base"] or ""))
    if t in ("per mille", "per mil", "‰", "permille"):
        return Unit(text, "rate", 1000.0, "")
    if t in ("per capita", "per person"):
        return Unit(text, "rate", 1.0, "population")
    if m := _PER.match(t):
        n = _number(m["n"]) if m["n"] else 1.0
        if n is not None and n > 0:
            return Unit(text, "rate", n, _base(m["base"]))
    if t in _COUNT_BASES:
        return Unit(text, "count", 1.0, _COUNT_BASES[t])
    words = t.replace("(", " ").replace(")", " ").replace(" of ", " ").split()
    if words and all(w in _MULTIPLIERS or w in _COUNT_BASES for w in words):
        scale = math.prod(_MULTIPLIERS.get(w, 1.0) for w in words)
        counted = [_COUNT_BASES[w] for w in words if _COUNT_BASES.get(w)]
        if len(set(counted)) <= 1:
            return Unit(text, "count", scale, counted[0] if counted else "")
    return Unit(text, "other", 1.0, t)


def _power_of_ten(x: float) -> bool:
    k = round(math.log10(x))
    return math.isclose(x, 10.0**k, rel_tol=1e-12)


def conversion(from_text: str, to_text: str) -> Conversion:
    """The exact factor from one unit to another, or :class:`UnitError` saying why there is none.

    Examples
    --------
    >>> conversion("%", "per 1,000 live births").factor
    10.0
    >>> conversion("thousands", "persons").factor
    1000.0
    """
    a, b = parse_unit(from_text), parse_unit(to_text)
    if _clean(from_text) == _clean(to_text):
        return Conversion(1.0, "")
    why = f"cannot convert {from_text!r} to {to_text!r}"
    if a.kind != b.kind or a.kind == "other":
        kinds = (
            "neither is a unit Salamat can read"
            if a.kind == b.kind == "other"
            else f"{a.kind} and {b.kind} are different kinds of unit"
        )
        raise UnitError(f"{why}: {kinds}")
    if a.base and b.base and a.base != b.base:
        raise UnitError(f"{why}: one is per (or counts) {a.base!r}, the other {b.base!r}")
    if a.kind == "years":
        return Conversion(1.0, "")
    factor = b.scale / a.scale if a.kind == "rate" else a.scale / b.scale
    if not _power_of_ten(factor):
        raise UnitError(f"{why}: the factor {factor:g} is not a power of ten")
    factor = 10.0 ** round(math.log10(factor))
    if factor == 1.0:
        return Conversion(1.0, "")
    return Conversion(
        factor, f"published in {from_text!r}; converted to {to_text!r} (x{_factor_text(factor)})"
    )


def same_unit(a: str, b: str) -> bool:
    """True when the two texts name the same unit (conversion factor 1)."""
    try:
        return conversion(a, b).identity
    except UnitError:
        return False


def _factor_text(factor: float) -> str:
    if factor >= 1:
        return f"{factor:,.0f}"
    return f"1/{1 / factor:,.0f}"


def convert(values: FloatArray, factor: float) -> FloatArray:
    """Multiply by a power of ten and round to 15 significant digits, so that a published
    ``0.07`` x 100 is stored as ``7.0`` (not ``7.000000000000001``). NaN stays NaN."""
    v = np.asarray(values, dtype=np.float64) * factor
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.floor(np.log10(np.abs(v)))
    ok = np.isfinite(mag) & (np.abs(mag) < 280)
    scale = np.power(10.0, np.where(ok, 14 - mag, 0.0))
    out: FloatArray = np.where(ok, np.round(v * scale) / scale, v)
    return out


def unit_mult_factor(unit_mult: int | str) -> float:
    """SDMX ``UNIT_MULT``: the published values are in units of 10**unit_mult (``3`` =
    thousands), so the value in units is ``published * 10**unit_mult``."""
    try:
        k = int(str(unit_mult).strip())
    except ValueError as exc:
        raise UnitError(
            f"UNIT_MULT {unit_mult!r} is not an integer power of ten (expected 0, 3, 6 ...)"
        ) from exc
    if not -12 <= k <= 12:
        raise UnitError(f"UNIT_MULT {k} is outside -12..12")
    return 10.0**k
