"""The indicator catalogue as the API and the pages show it."""

from __future__ import annotations

from typing import Any

from salamat.services.suggest import indicator_hint
from salamat.services.web.common import (
    NotFoundError,
    _cached,
    _definition_rows,
    _num,
    _text,
)
from salamat.store.connection import Store
from salamat.store.web import (
    indicator_coverage,
    indicator_sources,
    indicators_with_values,
)

__all__ = ["indicator", "indicator_choices", "indicators"]


def _indicator_record(row: dict[str, Any], coverage: tuple[int, int]) -> dict[str, Any]:
    names = {"en": str(row["name_en"])}
    for lang in ("kk", "ru"):
        if row.get(f"name_{lang}"):
            names[lang] = str(row[f"name_{lang}"])
    hib = _text(row.get("higher_is_better"))
    return {
        "code": row["code"],
        "names": names,
        "unit": row.get("unit"),
        "description": row.get("description"),
        "international_code": row.get("international_code"),
        "sdg": row.get("sdg"),
        "method": row.get("method"),
        "inputs": row.get("inputs"),
        "multiplier": _num(row.get("multiplier")),
        "higher_is_better": None if hib is None else hib.lower() == "true",
        "trend": row.get("trend") or "linear",
        "definition_source": row.get("definition_source"),
        "origin": row.get("origin"),
        "lower_bound": _num(row.get("lower_bound")),
        "upper_bound": _num(row.get("upper_bound")),
        "observations": coverage[0],
        "sources": coverage[1],
    }


def indicators(store: Store, *, with_data: bool = False) -> list[dict[str, Any]]:
    """The catalogue; ``with_data`` keeps only indicators with observations in the store."""
    coverage = _cached(store, "coverage", lambda: indicator_coverage(store))
    out = [
        _indicator_record(row, coverage.get(code, (0, 0)))
        for code, row in sorted(_definition_rows(store).items())
    ]
    return [r for r in out if r["observations"] > 0] if with_data else out


def indicator(store: Store, code: str) -> dict[str, Any]:
    """One indicator's definition and the sources of its values."""
    rows = _definition_rows(store)
    if code not in rows:
        raise NotFoundError(f"unknown indicator {code!r}: {indicator_hint(store, code)}")
    coverage = _cached(store, "coverage", lambda: indicator_coverage(store))
    out = _indicator_record(rows[code], coverage.get(code, (0, 0)))
    sources = indicator_sources(store, code)
    out["source_list"] = [
        {
            "source": str(r["source"]),
            "vintage": _text(r["vintage"]),
            "observations": int(r["observations"]),
            "areas": int(r["areas"]),
            "first_year": int(r["first_year"]),
            "last_year": int(r["last_year"]),
            "imported_at": str(r["imported_at"])[:19] if _text(r["imported_at"]) else None,
            "synthetic": "SYNTHETIC" in str(r["source"]),
        }
        for r in sources.to_dict(orient="records")
    ]
    return out


def indicator_choices(
    store: Store, *, areas: list[str] | None = None, parent: str | None = None
) -> list[str]:
    """Indicators with annual values for ``areas`` or for the units under ``parent``."""
    key = f"choices:{','.join(areas or [])}:{parent}"
    return _cached(store, key, lambda: indicators_with_values(store, areas, parent))
