"""Helpers shared by the exports: numbers as text, and the selection of observations."""

from __future__ import annotations

import math

import pandas as pd

from salamat.errors import InputError
from salamat.store.connection import Store
from salamat.store.export import export_observations
from salamat.store.reference import load_catalog

__all__ = ["number", "select"]


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
