"""The regional map: every region's values, each year drawn with the units valid then."""

from __future__ import annotations

from typing import Any

from salamat.services.web.common import (
    _check_indicator,
    _resolve,
    _sex,
    _text,
    units,
)
from salamat.store.connection import Store
from salamat.store.web import (
    regional_series,
)

__all__ = ["map_values"]


def map_values(
    store: Store,
    indicator_code: str,
    country: str = "KAZ",
    *,
    sex: str = "total",
    source_prefix: str | None = "BNS Kazakhstan",
) -> dict[str, Any]:
    """Every region's annual values of an indicator, with the units valid each year.

    Each year is drawn with the regions that existed then: a unit is listed for the years of
    its validity (South Kazakhstan to 2017, Turkistan and Shymkent from 2017 on, the borders
    before 2022 to 2021). Where two units are valid in the same year (2017 in the south), the
    one with a value that year is drawn, successors first.
    """
    _check_indicator(store, indicator_code)
    _sex(sex)
    all_units = units(store)
    code = _resolve(store, country, all_units)
    frame = regional_series(
        store, indicator=indicator_code, parent=code, sex=sex, source_prefix=source_prefix
    )
    if frame.empty and source_prefix:
        frame = regional_series(
            store, indicator=indicator_code, parent=code, sex=sex, source_prefix=None
        )
    frame = frame.drop_duplicates(["area", "year"], keep="first")
    years = sorted(int(y) for y in frame["year"].unique())
    below = [u for u in all_units.values() if u.parent == code and u.kind in ("region", "city")]
    regions = sorted(u.code for u in below)
    drawn: dict[int, list[str]] = {}
    for y in years:
        have = set(frame.loc[frame["year"] == y, "area"])
        valid = [u for u in below if u.valid_in(y)]
        codes = {u.code for u in valid}
        drop: set[str] = set()
        for u in valid:
            succ = [c for c in u.successors if c in codes]
            if not succ:
                continue
            # an overlap year (2017 in the south): draw the side that has values, else the new
            if u.code in have and not any(c in have for c in succ):
                drop.update(succ)
            else:
                drop.add(u.code)
        drawn[y] = sorted(codes - drop)
    values = [
        {
            "area": str(r["area"]),
            "year": int(r["year"]),
            "value": float(r["value"]),
            "source": str(r["source"]),
            "note": _text(r["note"]),
        }
        for r in frame.to_dict(orient="records")
        if str(r["area"]) in drawn.get(int(r["year"]), [])
    ]
    sources = sorted({str(v["source"]) for v in values})
    vintages = sorted({str(v) for v in frame["vintage"].dropna().unique()})
    return {
        "indicator": indicator_code,
        "country": code,
        "sex": sex,
        "years": years,
        "units": {r: all_units[r].as_dict() for r in regions},
        "drawn": {str(y): v for y, v in drawn.items()},
        "values": values,
        "sources": sources,
        "vintages": vintages,
    }
