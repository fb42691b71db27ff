"""Population registers for the tests: persons made from the demo's cells, so that the cells a
register import must give are known before it runs."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from salamat.demo.synthetic import synthetic_population

# Astana 2023 and Almaty region 2019 (in its borders before 2022: a unit that ended in 2021)
CELLS = (("KZ-71", 2023), ("KZ-ALM", 2019))


def demo_cells(scale: int = 2000) -> pd.DataFrame:
    """The demo's population of :data:`CELLS` divided by ``scale`` (whole persons; the open
    band ``100+`` read as age 100): region, year, sex, age, population."""
    pop = synthetic_population()
    keep = pd.Series(False, index=pop.index)
    for region, year in CELLS:
        keep |= (pop["region"] == region) & (pop["year"] == year)
    pop = pop[keep].copy()
    pop["age"] = pop["age"].astype(str).str.rstrip("+").astype(int)
    pop["population"] = (pop["population"] / scale).round().astype(int)
    return pop[pop["population"] > 0].reset_index(drop=True)


def register_of(cells: pd.DataFrame) -> pd.DataFrame:
    """One row per person of ``cells``: id, sex (F/M), birth_date, region, ref_date (1 July of
    the year). The n persons of age a are born on days spread over the year that ends on their
    a-th birthday on 1 July: from (year - a - 1)-07-02 to (year - a)-07-01, so that each has
    completed exactly a years on the reference date."""
    rows = []
    k = 0
    for c in cells.itertuples():
        n = int(c.population)
        first = date(int(c.year) - int(c.age) - 1, 7, 2)
        for j in range(n):
            k += 1
            born = first + timedelta(days=j * 364 // max(n - 1, 1))
            sex = "F" if c.sex == "female" else "M"
            rows.append((f"P{k:07d}", sex, born.isoformat(), c.region, f"{c.year}-07-01"))
    return pd.DataFrame(rows, columns=["id", "sex", "birth_date", "region", "ref_date"])


def broken_register(reg: pd.DataFrame) -> pd.DataFrame:
    """``reg`` with one of each problem the register checks know."""
    d = reg.astype(str).reset_index(drop=True)
    edits = [
        ("sex", "X"),
        ("sex", ""),
        ("sex", "U"),  # a cell is female, male or total: unknown sex is refused
        ("birth_date", "15.03.1980"),
        ("birth_date", "1980-02-30"),
        ("birth_date", ""),
        ("birth_date", "2024-01-01"),  # after the reference date
        ("birth_date", "1880-01-01"),  # over 130 years
        ("ref_date", "2023-01-01"),  # not mid-year
        ("ref_date", ""),
        ("ref_date", "2023-13-01"),
        ("region", ""),
        ("region", "KZ-99"),
        ("id", ""),
        ("id", "A\tB"),
        ("sex", "female"),  # fine
        ("sex", "2"),  # fine
    ]
    for i, (col, value) in enumerate(edits):
        d.loc[10 + 7 * i, col] = value
    # a unit that ended in 2021, given for 2023; a person twice on one date
    d.loc[205, ["region", "ref_date"]] = ["KZ-ALM", "2023-07-01"]
    d.loc[206, "id"] = d.loc[3, "id"]
    d.loc[207, "id"] = d.loc[3, "id"]
    # the same id on another date is another snapshot, not a duplicate
    d.loc[208, ["id", "ref_date"]] = [d.loc[4, "id"], "2022-07-01"]
    return d


def broken_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """The demo's cells as text with one of each problem the cell checks know."""
    d = cells.astype(str).reset_index(drop=True)
    edits = [
        ("sex", "X"),
        ("population", "-5"),
        ("population", "abc"),
        ("population", "nan"),
        ("population", ""),
        ("year", "20x3"),
        ("year", "999"),
        ("age", "131"),
        ("age", "85++"),
        ("age", ""),
        ("region", ""),
        ("region", "KZ-99"),
        ("population", "12.5"),  # fine: a mid-year estimate need not be whole
        ("sex", "total"),  # fine
    ]
    for i, (col, value) in enumerate(edits):
        d.loc[10 + 7 * i, col] = value
    d.loc[200] = d.loc[3]  # a cell given twice
    # an open band below ages given, and a second open band, in one region, year and sex
    group = d.loc[150, ["region", "year", "sex"]]
    same = (d[["region", "year", "sex"]] == group.to_numpy()).all(axis=1)
    ages = d.index[same & (d["age"].isin(["60", "70"]))]
    d.loc[ages[0], "age"] = "60+"
    d.loc[ages[-1], "age"] = "70+"
    return d
