"""A group's countries side by side (the Compare page)."""

from __future__ import annotations

from typing import Any

from salamat.ingest.canonical import is_projection
from salamat.services.web.common import (
    _check_indicator,
    _resolve,
    _sex,
    units,
    yearly,
)
from salamat.store.connection import Store
from salamat.store.queries import series_frame
from salamat.store.web import (
    group_members,
)

__all__ = ["compare"]


def compare(
    store: Store,
    indicator_code: str,
    group: str = "OTS",
    *,
    sex: str = "total",
    source: str | None = None,
) -> dict[str, Any]:
    """A group's countries side by side: the latest value of each, and their series.

    One source for all countries, so the values compare: the given one, else the source with
    values for most members (then the most recent), never a mix. Without a given source, a
    projection (:func:`~salamat.ingest.canonical.is_projection`) is never chosen: its "latest"
    value would be a projected 2050.
    """
    _check_indicator(store, indicator_code)
    _sex(sex)
    all_units = units(store)
    code = _resolve(store, group, all_units)
    members = group_members(store, code) or [(code, "member")]
    frame = yearly(
        series_frame(
            store,
            indicator=indicator_code,
            areas=[m for m, _ in members],
            sex=sex,
            source=source,
            age="all",
        )
    )
    chosen = source
    if chosen is None and not frame.empty:
        # observed values only: a projection source (values to 2050) is shown when asked for
        observed = frame[~is_projection(frame)]
        stats = observed.groupby("source").agg(n=("area", "nunique"), last=("year", "max"))
        stats = stats.sort_values(["n", "last"], ascending=False)
        chosen = str(stats.index[0]) if len(stats) else None
    frame = frame[frame["source"] == chosen] if chosen else frame
    role = dict(members)
    latest = []
    for m, _ in members:
        sub = frame[frame["area"] == m]
        if sub.empty:
            continue
        last = sub.sort_values("year").iloc[-1]
        latest.append(
            {"area": m, "role": role[m], "year": int(last["year"]), "value": float(last["value"])}
        )
    vintages = sorted({str(v) for v in frame["vintage"].dropna().unique()})
    return {
        "indicator": indicator_code,
        "group": code,
        "sex": sex,
        "source": chosen,
        "vintages": vintages,
        "members": [{"code": m, "role": r, "names": all_units[m].names} for m, r in members],
        "latest": latest,
        "series": [
            {"area": str(r["area"]), "year": int(r["year"]), "value": float(r["value"])}
            for r in frame.to_dict(orient="records")
        ],
    }
