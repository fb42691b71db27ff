"""Helpers shared by the exports: numbers as text, CSV text a spreadsheet cannot run, and the
selection of observations."""

from __future__ import annotations

import math
import re

import pandas as pd

from salamat.errors import InputError
from salamat.store.connection import Store
from salamat.store.export import export_observations
from salamat.store.reference import load_catalog

__all__ = ["csv_text", "neutralised", "number", "select"]


def number(v: object) -> str:
    """A float as the shortest text that reads back as the same float (``12`` for 12.0);
    empty for a missing value."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    f = float(v)  # type: ignore[arg-type]
    return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)


def select(
    store: Store, indicators: list[str] | None, areas: list[str] | None, source: str | None
) -> pd.DataFrame:
    """The observations to export; unknown indicator or area codes are an error."""
    catalog = load_catalog(store)
    unknown = [i for i in indicators or [] if i not in catalog.data_elements]
    if unknown:
        raise InputError(f"unknown indicator(s) {', '.join(unknown)}")
    codes = []
    for a in areas or []:
        code = catalog.resolve(a)
        if code is None:
            raise InputError(f"unknown area {a!r}: expected an org-unit code such as KAZ")
        codes.append(code)
    frame = export_observations(store, indicators=indicators, areas=codes or None, source=source)
    if frame.empty:
        raise InputError("no observations match: nothing to export")
    return frame


# A text cell a spreadsheet would read as a formula (OWASP, "CSV Injection"): = + - @ tab CR.
_FORMULA_START = re.compile(r"^[=+\-@\t\r]")
# ... unless the whole cell is a number ("-5", "+1.5e-3"): numbers stay numbers
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell that a spreadsheet would run as a formula (it begins with
    ``=``, ``+``, ``-``, ``@``, a tab or a carriage return and is not a number) prefixed with a
    single quote, as OWASP recommends for CSV files ("CSV Injection": the quote makes Excel,
    LibreOffice and Google Sheets show the text instead of evaluating it). Numeric columns, and
    text cells that are numbers (``-5``), are left as they are. Used by every CSV Salamat writes:
    the API's ``format=csv``, the CLI's ``--format csv``, ``export tidy`` and ``export sdmx``."""
    out = frame
    for col in frame.columns:
        if frame[col].dtype != object and not pd.api.types.is_string_dtype(frame[col]):
            continue
        text = frame[col]
        try:
            # each distinct text judged once, then found in the column (vectorised): the API's
            # CSV of a series would otherwise spend several times its writing on this
            distinct = text.dropna().unique()
        except TypeError:  # unhashable cells (lists): judge every cell
            distinct = text.dropna().to_numpy()
        bad = [v for v in distinct if isinstance(v, str) and _risky(v)]
        if bad:
            if out is frame:
                out = frame.copy()
            risky = text.isin(bad).to_numpy(dtype=bool)
            out.loc[risky, col] = "'" + text[risky].astype(str)
    return out


def _risky(text: str) -> bool:
    """Would a spreadsheet run ``text`` as a formula (and it is not a number)?"""
    return _FORMULA_START.match(text) is not None and _NUMBER.fullmatch(text) is None


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (no index, LF line ends) with formula-like text neutralised
    (:func:`neutralised`)."""
    return neutralised(frame).to_csv(index=False, lineterminator="\n")
