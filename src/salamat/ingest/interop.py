"""What the exchange-format parsers (GHO, DHIS2, SDMX, Open SDG) share: code look-ups, the
``--map`` conventions, and turning unknown codes into problems that say what to map them to.

Conventions of ``--map FILE`` (CSV ``dimension,from,to``) for the exchange formats:

* ``indicator,<source code>,<our code>``: a source indicator (GHO IndicatorCode, DHIS2 data
  element, SDMX INDICATOR, Open SDG indicator id) to one of ours. A source disaggregation that
  Salamat has no column for (a GHO ``Dim1Type``, an SDMX dimension such as ``WEALTH_QUINTILE``,
  an Open SDG ``SERIES``) is part of the source code: ``IM_MCV1/VACCINE=MCV1``, written as the
  code, then ``/DIMENSION=VALUE`` for each such disaggregation that is not a total.
* ``area,<source code>,<our org unit>``.
* ``to`` = ``-`` means "do not import these rows": they are counted in the summary's notes. A
  bare source code mapped to ``-`` leaves out every row of that code that has no mapping of
  its own.

Nothing is guessed: a code that is neither mapped nor known is a :class:`Problem` naming the
row and the ``--map`` line that would resolve it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from salamat.errors import Problem
from salamat.ingest.registry import ParseContext

__all__ = [
    "DEFINITIONAL_AGE",
    "DISAGGREGATIONS",
    "SKIP",
    "as_text",
    "definitional_age",
    "international_codes",
    "lookup",
    "parse_disaggregation",
    "resolve_indicator",
    "row_problems",
    "skip_note",
]

SKIP = "-"
# Canonical columns a source disaggregation may be mapped to.
DISAGGREGATIONS = ("sex", "age", "cause", "residence")
# Indicators defined on a fixed age band: a source that does not state the band still means it.
DEFINITIONAL_AGE = {"ncd30q70": "30-69"}


@cache
def international_codes() -> dict[str, str]:
    """International codes (WHO GHO IndicatorCode) of the bundled data elements -> our codes."""
    path = resources.files("salamat") / "data" / "data_elements.csv"
    with path.open(encoding="utf-8") as fh:
        return {
            row["international_code"].strip(): row["code"]
            for row in csv.DictReader(fh)
            if (row.get("international_code") or "").strip()
        }


def lookup(ctx: ParseContext, dimensions: Iterable[str], code: str) -> str | None:
    """The ``--map`` target of ``code`` under the first of ``dimensions`` that maps it."""
    for dimension in dimensions:
        table = ctx.mapping.get(dimension)
        if table is not None and code in table:
            return table[code]
    return None


def resolve_indicator(
    ctx: ParseContext,
    key: str,
    base: str,
    *,
    dimensions: Iterable[str] = ("indicator",),
    defaults: Mapping[str, str] | None = None,
) -> str | None:
    """Our indicator for a source ``key`` (``base`` plus any ``/DIM=VALUE``), :data:`SKIP`, or
    None when unknown.

    Order: ``--map`` of the full key; ``--map`` of the bare code to ``-`` (leave out); the
    format's built-in table (``defaults``) for the full key; then, for a key without extra
    disaggregations only, a data element whose international code it is, or our own code.
    """
    dims = tuple(dimensions)
    mapped = lookup(ctx, dims, key)
    if mapped is not None:
        return mapped
    if lookup(ctx, dims, base) == SKIP:
        return SKIP
    if defaults and key in defaults:
        return defaults[key]
    if key != base:
        return None
    if base in international_codes():
        return international_codes()[base]
    if base in ctx.catalog.data_elements:
        return base
    return None


_DISAGG_RE = re.compile(r"^\s*(sex|age|cause|residence)\s*=\s*([^;=]+?)\s*$")


def parse_disaggregation(text: str) -> dict[str, str] | None:
    """``sex=female;age=0-4`` -> ``{"sex": "female", "age": "0-4"}``; ``total`` -> ``{}``.

    Returns None when the text is not of this form (``-`` is handled by the caller).
    """
    t = text.strip()
    if t.lower() in ("total", "default", ""):
        return {}
    out: dict[str, str] = {}
    for part in t.split(";"):
        m = _DISAGG_RE.match(part)
        if m is None or m[1] in out:
            return None
        out[m[1]] = m[2]
    return out


def definitional_age(indicator: pd.Series, age: pd.Series) -> pd.Series:
    """Fill a blank age with the band the indicator is defined on (30q70: ``30-69``)."""
    default = indicator.map(lambda c: DEFINITIONAL_AGE.get(c, "")).astype(object)
    blank = age.isna() | (age.astype(str).str.strip() == "")
    return age.astype(object).where(~blank, default)


def as_text(values: pd.Series) -> pd.Series:
    """Values read from JSON or XML as the text a user would type: None -> "", 2015 -> "2015",
    66.45919 -> "66.45919" (the shortest text that gives the same float)."""

    def one(v: object) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, bool):
            return str(v).lower()
        if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return str(v)

    return values.map(one).astype(object)


def row_problems(
    frame: pd.DataFrame,
    mask: pd.Series,
    field: str,
    message: Callable[[str], str],
    value_column: str,
) -> list[Problem]:
    """One problem per masked row; ``message`` is called once per distinct value."""
    if not bool(mask.any()):
        return []
    rows = frame.loc[mask]
    texts: dict[str, str] = {}
    out = []
    for file, row, value in zip(
        rows["_file"].astype(str), rows["_row"], rows[value_column].astype(str), strict=True
    ):
        if value not in texts:
            texts[value] = message(value)
        out.append(Problem(file, int(row), field, texts[value], value))
    return out


def skip_note(name: str, frame: pd.DataFrame, mask: pd.Series, what: pd.Series) -> list[str]:
    """A note for rows left out with ``--map ... ,-``."""
    if not bool(mask.any()):
        return []
    codes = sorted(set(what[mask].astype(str)))
    shown = ", ".join(codes[:8]) + (" ..." if len(codes) > 8 else "")
    return [f"{name}: {int(mask.sum())} row(s) not imported, mapped to '-' with --map ({shown})"]
