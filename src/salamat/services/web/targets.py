"""The targets page: every target's scorecard record with its series and projection fan."""

from __future__ import annotations

from typing import Any

from salamat.methods.targets import select_series
from salamat.methods.trends import TrendModel
from salamat.services import targets as services_targets
from salamat.services.events import event_marks
from salamat.services.web.common import (
    LANGS,
    _definition_rows,
    _resolve,
    yearly,
)
from salamat.store.connection import Store
from salamat.store.queries import series_frame

__all__ = ["target_board"]


def target_board(
    store: Store,
    area: str | None = "KAZ",
    *,
    window: int = 10,
    level: float = 0.95,
    until: int | None = None,
) -> list[dict[str, Any]]:
    """Every target of ``area`` (scorecard records of :mod:`salamat.services.targets`), each
    with the series it was judged on and the projection fan year by year, for the charts."""
    if area is not None:
        area = _resolve(store, area)
    records = services_targets.scorecard(store, area, window=window, level=level, until=until)
    defs = _definition_rows(store)
    by_code = {t.code: t for t in services_targets.targets(store)}
    out = []
    marks: dict[str, list[dict[str, Any]]] = {}
    for rec in records:
        t = by_code[rec["code"]]
        frame = series_frame(
            store,
            indicator=t.indicator,
            areas=[rec["area"]],
            sex=t.sex,
            age="all",
        )
        y = yearly(frame)
        if until is not None:
            y = y[y["year"] <= until]
        chosen = select_series(
            y[["year", "value", "source", "vintage"]], t.series_source, from_year=t.baseline_year
        )
        trend_name = t.trend or str(defs.get(t.indicator, {}).get("trend") or "linear")
        trend: TrendModel = (
            "logit"
            if trend_name == "logit"
            else "log_linear"
            if trend_name == "log_linear"
            else "linear"
        )
        # the fan is the scorecard's own projection path: one model for card and chart
        fan = [
            {"year": q["year"], "value": q["value"], "lower": q["lower"], "upper": q["upper"]}
            for q in rec["path"]
        ]
        row = defs.get(t.indicator, {})
        rec = dict(rec)
        rec["indicator_names"] = {
            lang: str(row.get(f"name_{lang}") or row.get("name_en") or t.indicator)
            for lang in LANGS
        }
        rec["unit"] = row.get("unit")
        rec["series"] = [
            {"year": int(r["year"]), "value": float(r["value"]), "source": str(r["source"])}
            for r in chosen.to_dict(orient="records")
        ]
        rec["fan"] = fan
        rec["trend"] = trend
        if rec["area"] not in marks:  # read once per area, not once per target
            marks[rec["area"]] = [
                e
                for e in event_marks(store, rec["area"], "en")
                if until is None or e["year"] <= until
            ]
        rec["events"] = marks[rec["area"]]
        out.append(rec)
    return out
