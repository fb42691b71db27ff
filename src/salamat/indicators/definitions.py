"""The indicator catalogue: each indicator is a definition (data), not code.

A definition says what an indicator is (names in English, Kazakh and Russian, unit, a
paragraph with its source), how it is made (``method``: count, crude rate, proportion,
age-standardised rate, life expectancy, 30q70, or ``reported`` for a published value), from
what (``inputs``, e.g. ``deaths(cause=circulatory) and population by age``), its multiplier,
whether higher is better, its international codes (WHO GHO, SDG) and the trend model used to
project it. The bundled definitions are ``data/data_elements.csv``, loaded into the store's
``data_element`` table; users add their own there (origin ``'user'``).

The ``inputs`` text is read for two parameters when a value is computed from unit records:
``cause=<group>`` (default ``all``) and ``at age <x>`` (life expectancy at age x, default 0).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, cast

from salamat.errors import InputError, Problem
from salamat.methods.trends import TrendModel

__all__ = [
    "COMPUTABLE",
    "IndicatorDefinition",
    "Method",
    "definition_from_row",
]

Method = Literal[
    "count",
    "crude_rate",
    "proportion",
    "ratio",
    "age_standardised_rate",
    "life_expectancy",
    "probability_30q70",
    "reported",
]
_METHODS: tuple[str, ...] = (
    "count",
    "crude_rate",
    "proportion",
    "ratio",
    "age_standardised_rate",
    "life_expectancy",
    "probability_30q70",
    "reported",
)
COMPUTABLE: frozenset[str] = frozenset(
    {"age_standardised_rate", "life_expectancy", "probability_30q70"}
)
"""Methods Salamat computes from deaths and population (the unit-record aggregates)."""


@dataclass(frozen=True)
class IndicatorDefinition:
    """One indicator of the catalogue."""

    code: str
    name_en: str
    name_kk: str | None
    name_ru: str | None
    unit: str | None
    description: str | None
    international_code: str | None
    sdg: str | None
    method: Method | None
    inputs: str | None
    multiplier: float
    higher_is_better: bool | None
    trend: TrendModel
    definition_source: str | None
    origin: str = "bundled"

    @property
    def cause(self) -> str:
        """The cause group of the deaths it needs (``cause=...`` in ``inputs``; else ``all``)."""
        m = re.search(r"cause=([a-z0-9_]+)", self.inputs or "")
        return m[1] if m else "all"

    @property
    def at_age(self) -> float:
        """For life expectancy: the exact age (``at age 60`` in ``inputs``; else 0)."""
        m = re.search(r"at age (\d+)", self.inputs or "")
        return float(m[1]) if m else 0.0

    @property
    def computable(self) -> bool:
        return self.method in COMPUTABLE


def _text(row: Mapping[str, object], key: str) -> str | None:
    v = row.get(key)
    if v is None or (isinstance(v, float) and v != v):
        return None
    s = str(v).strip()
    return s or None


def definition_from_row(row: Mapping[str, object]) -> IndicatorDefinition:
    """Build and check a definition from a catalogue row (CSV or ``data_element``).

    Raises
    ------
    InputError
        An unknown method or trend, a multiplier that is not a positive number, or a
        ``higher_is_better`` that is not true/false.
    """
    code = _text(row, "code") or ""
    problems: list[Problem] = []
    method = _text(row, "method")
    if method is not None and method not in _METHODS:
        problems.append(
            Problem(code, None, "method", "expected one of " + ", ".join(_METHODS), method)
        )
    trend = _text(row, "trend") or "linear"
    if trend not in ("linear", "log_linear", "logit"):
        problems.append(Problem(code, None, "trend", "expected linear, log_linear or logit", trend))
    mult_text = _text(row, "multiplier") or "1"
    try:
        multiplier = float(mult_text)
        if not multiplier > 0:
            raise ValueError
    except ValueError:
        problems.append(Problem(code, None, "multiplier", "expected a number > 0", mult_text))
        multiplier = 1.0
    hib_text = (_text(row, "higher_is_better") or "").lower()
    if hib_text not in ("", "true", "false"):
        problems.append(Problem(code, None, "higher_is_better", "expected true or false", hib_text))
    if not code:
        problems.append(Problem(code, None, "code", "a code is required", None))
    if problems:
        raise InputError(f"indicator definition {code!r} is not valid", problems)
    return IndicatorDefinition(
        code=code,
        name_en=_text(row, "name_en") or code,
        name_kk=_text(row, "name_kk"),
        name_ru=_text(row, "name_ru"),
        unit=_text(row, "unit"),
        description=_text(row, "description"),
        international_code=_text(row, "international_code"),
        sdg=_text(row, "sdg"),
        method=cast(Method | None, method),
        inputs=_text(row, "inputs"),
        multiplier=multiplier,
        higher_is_better=None if hib_text == "" else hib_text == "true",
        trend=cast(TrendModel, trend),
        definition_source=_text(row, "definition_source"),
        origin=_text(row, "origin") or "bundled",
    )
