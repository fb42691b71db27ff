"""Tidy CSV with a JSON metadata file per indicator, in the shape Our World in Data publishes
(``<indicator>.csv`` and ``<indicator>.metadata.json``).

The CSV has Salamat's canonical columns (``indicator, area, period, sex, age, cause,
residence, value, lower, upper, unit, source, vintage, note``), so ``salamat import
observations <indicator>.csv`` reads it back; the metadata gives the indicator's names in
English, Kazakh and Russian, unit, definition and its source, the sources of the values, the
time span, and the names of the areas.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from salamat.export.common import neutralised, number
from salamat.store.connection import Store
from salamat.store.export import export_indicators

__all__ = ["COLUMNS", "write_tidy"]

COLUMNS = ("indicator", "area", "period", "sex", "age", "cause", "residence", "value", "lower",
           "upper", "unit", "source", "vintage", "note")  # fmt: skip


def write_tidy(store: Store, frame: pd.DataFrame, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    meta = export_indicators(store, sorted(frame["indicator"].unique())).set_index("code")
    written: list[Path] = []
    for code, part in frame.groupby("indicator", sort=True):
        out = part[list(COLUMNS)].copy()
        for col in ("value", "lower", "upper"):
            out[col] = out[col].map(number)
        for col in ("unit", "vintage", "note"):
            out[col] = out[col].fillna("")
        csv_path = folder / f"{code}.csv"
        neutralised(out).to_csv(csv_path, index=False, lineterminator="\n")
        m = meta.loc[str(code)]
        doc = {
            "columns": {
                str(code): {
                    "title": m["name_en"],
                    "titleKk": m["name_kk"],
                    "titleRu": m["name_ru"],
                    "unit": m["unit"],
                    "descriptionShort": m["description"],
                    "internationalCode": m["international_code"],
                    "sdgIndicator": m["sdg"],
                    "definitionSource": m["definition_source"],
                    "timespan": f"{part['period'].iloc[0]}-{part['period'].iloc[-1]}"
                    if len(part) > 1
                    else str(part["period"].iloc[0]),
                    "sources": sorted(part["source"].unique()),
                }
            },
            "entities": {
                a: n if isinstance(n, str) else a
                for a, n in sorted(set(zip(part["area"], part["area_name"], strict=True)))
            },
            "producer": "Salamat",
        }
        json_path = folder / f"{code}.metadata.json"
        json_path.write_text(
            json.dumps(doc, ensure_ascii=False, indent=2, default=_plain) + "\n", encoding="utf-8"
        )
        written += [csv_path, json_path]
    return written


def _plain(v: object) -> object:
    return None if v is None or (isinstance(v, float) and v != v) else str(v)
