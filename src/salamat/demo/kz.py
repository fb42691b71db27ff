"""Kazakhstan's official regional series (Bureau of National Statistics), each value on the
org unit of its year.

The statistics office's workbooks keep one row per region name across border changes and say
in footnotes what the row meant in earlier years (the Turkistan row is South Kazakhstan Region
for 1999-2016 in the life-expectancy workbook, 2000-2016 in the population workbook, 2003-2017
in the physicians workbook; Almaty, East Kazakhstan and Karaganda regions are in their pre-2022
borders up to 2021). ``unit_rules.csv`` writes those footnotes down as data; :func:`assign_units`
applies them, so that no series chains values across a border change.
"""

from __future__ import annotations

import io
from importlib import resources

import numpy as np
import pandas as pd

__all__ = ["SOURCES", "assign_units", "kz_observations"]

_DIR = resources.files("salamat") / "data" / "demo" / "kz"

SOURCES = {
    "le": (
        "kz_life_expectancy_by_region_sex_settlement_1999-2022_tidy.csv",
        "BNS Kazakhstan: life expectancy at birth by region 1999-2022",
        "2023-09",
    ),
    "population": (
        "kz_population_by_region_sex_2000-2023_tidy.csv",
        "BNS Kazakhstan: population on 1 January by region 2000-2023",
        "2023",
    ),
    "hospitals": (
        "kz_hospital_organisations_by_region_2000-2022_tidy.csv",
        "BNS Kazakhstan (gender.stat.gov.kz): hospital organisations 2000-2022",
        "2023",
    ),
    "physicians": (
        "kz_physicians_by_region_2003-2022_tidy.csv",
        "BNS Kazakhstan: physicians of all specialties 2003-2022",
        "2023",
    ),
}


def _read(name: str) -> pd.DataFrame:
    text = (_DIR / name).read_text(encoding="utf-8")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def assign_units(dataset: str, row_key: pd.Series, year: pd.Series) -> pd.Series:
    """The org unit each (row, year) means, by the rules in ``unit_rules.csv``.

    A rule applies to its dataset (or ``*``), its row (ISO code, or the row's name where the
    source has no code) and an inclusive year range (open ends allowed). Rows no rule matches
    keep their own code.
    """
    rules = _read("unit_rules.csv")
    years = year.astype(int).to_numpy()
    unit = row_key.to_numpy(dtype=object).copy()
    done = np.zeros(len(unit), dtype=bool)
    for r in rules.itertuples(index=False):
        if r.dataset not in ("*", dataset):
            continue
        lo = int(str(r.from_year)) if r.from_year else -(10**6)
        hi = int(str(r.to_year)) if r.to_year else 10**6
        hit = ~done & (row_key.to_numpy() == r.row) & (years >= lo) & (years <= hi)
        unit[hit] = r.unit
        done |= hit
    return pd.Series(unit, index=row_key.index, dtype=object)


def _frame(
    dataset: str,
    indicator: str,
    value_col: str,
    year_col: str,
    extra: dict[str, pd.Series] | None = None,
) -> pd.DataFrame:
    name, source, vintage = SOURCES[dataset]
    df = _read(name)
    key = df["iso_3166_2"].where(df["iso_3166_2"] != "", df["area_en"])
    out = pd.DataFrame(
        {
            "indicator": indicator,
            "area": assign_units(dataset, key, df[year_col]),
            "period": df[year_col],
            "value": df[value_col],
            "source": source,
            "vintage": vintage,
            "note": df["note"] if "note" in df.columns else "",
        }
    )
    for col, series in (extra or {}).items():
        out[col] = series
    return out


def kz_observations() -> pd.DataFrame:
    """All four BNS series in the canonical observation columns."""
    le = _read(SOURCES["le"][0])
    pop = _read(SOURCES["population"][0])
    sex = {"both": "total", "female": "female", "male": "male"}
    frames = [
        _frame(
            "le",
            "le0",
            "life_expectancy_at_birth_years",
            "year",
            {"sex": le["sex"].map(sex), "residence": le["settlement"]},
        ),
        _frame(
            "population",
            "population_jan1",
            "population",
            "year_start_of_year",
            {"sex": pop["sex"].map(sex), "residence": pop["settlement"]},
        ),
        _frame("hospitals", "hospitals", "hospital_organisations", "year"),
        _frame("physicians", "physicians", "physicians_all_specialties_end_of_year", "year"),
    ]
    return pd.concat(frames, ignore_index=True)
