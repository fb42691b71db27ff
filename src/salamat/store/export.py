"""Read queries for the exports: observations with their org-unit names, and indicator metadata."""

from __future__ import annotations

from typing import Any

import pandas as pd

from salamat.store.connection import Store

__all__ = ["export_indicators", "export_observations"]


def export_observations(
    store: Store,
    *,
    indicators: list[str] | None = None,
    areas: list[str] | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    """Observations (optionally of some indicators, areas, one source) in a stable order."""
    where = ["TRUE"]
    params: list[Any] = []
    for col, values in (("indicator", indicators), ("area", areas)):
        if values:
            where.append(f"o.{col} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    if source is not None:
        where.append("o.source = ?")
        params.append(source)
    sql = f"""
        SELECT o.indicator, o.area, u.name_en AS area_name, o.period, o.period_type,
               o.period_start, o.sex, o.age, o.cause, o.residence, o.value, o.lower, o.upper,
               o.unit, o.source, o.vintage, o.note
        FROM observation o LEFT JOIN orgunit u ON u.code = o.area
        WHERE {" AND ".join(where)}
        ORDER BY o.indicator, o.area, o.period_start, o.period_end, o.period, o.sex, o.age,
                 o.cause, o.residence, o.source
    """
    return store.con.execute(sql, params).df()


def export_indicators(store: Store, codes: list[str]) -> pd.DataFrame:
    """The catalogue rows of some indicators (names in three languages, unit, definition)."""
    if not codes:
        return pd.DataFrame(
            columns=["code", "name_en", "name_kk", "name_ru", "unit", "description",
                     "international_code", "sdg", "definition_source"]
        )  # fmt: skip
    sql = f"""
        SELECT code, name_en, name_kk, name_ru, unit, description, international_code, sdg,
               definition_source
        FROM data_element WHERE code IN ({", ".join("?" for _ in codes)}) ORDER BY code
    """
    return store.con.execute(sql, codes).df()
