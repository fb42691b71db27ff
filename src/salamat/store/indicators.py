"""Reading the indicator catalogue and the unit-record aggregates an indicator is computed from.

Regions roll up by summing deaths and exposures (never by averaging rates): the SQL sums the
``deaths`` and ``population`` cells of every region of the area, per year, sex and age.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from salamat.methods.ages import FloatArray
from salamat.store.connection import Store
from salamat.store.schema import REFERENCE_TABLES
from salamat.store.versioned import upsert_by_code

__all__ = [
    "DEFINITION_COLUMNS",
    "Aggregates",
    "add_imported_indicators",
    "aggregates",
    "leaf_regions",
    "load_definition_rows",
    "upsert_user_definitions",
]

DEFINITION_COLUMNS = REFERENCE_TABLES["data_element"]


def load_definition_rows(store: Store) -> list[dict[str, Any]]:
    """Every ``data_element`` row, with its origin and its plausible bounds (``lower_bound``,
    ``upper_bound``, ``projection_ok``; None where the indicator has none)."""
    cols = ", ".join(f"d.{c}" for c in [*DEFINITION_COLUMNS, "origin"])
    frame = store.con.execute(
        f"SELECT {cols}, b.lower AS lower_bound, b.upper AS upper_bound, b.projection_ok "
        "FROM data_element d LEFT JOIN indicator_bound b ON b.indicator = d.code ORDER BY d.code"
    ).df()
    return [
        {
            str(k): (None if (v is None or (isinstance(v, float) and v != v)) else v)
            for k, v in r.items()
        }
        for r in frame.to_dict(orient="records")
    ]


def upsert_user_definitions(
    store: Store, rows: list[dict[str, Any]], import_id: int
) -> tuple[int, int, list[str]]:
    """Insert or replace indicator definitions as origin 'user' (``salamat indicators --add``);
    returns (created, updated, the codes left unchanged). Runs in the caller's transaction.

    A definition identical to the stored one is left alone; one that differs replaces it, and
    the replaced row (bundled or an earlier user's) moves to ``data_element_version`` with
    ``superseded_by`` = ``import_id``, so that undoing the import puts it back. A user row
    replaces a bundled one with the same code until the bundled data is reloaded.
    """
    frame = pd.DataFrame(
        [[r.get(c) or None for c in DEFINITION_COLUMNS] for r in rows],
        columns=list(DEFINITION_COLUMNS),
        dtype=object,
    )
    frame["origin"] = "user"
    frame["import_id"] = import_id
    return upsert_by_code(store, "data_element", frame, DEFINITION_COLUMNS, import_id)


def add_imported_indicators(store: Store, rows: list[dict[str, Any]]) -> None:
    """Insert indicators registered by an import (``--new-indicators``), origin ``user``: each row
    has ``code``, ``name_en``, ``unit``, ``description``, ``international_code`` and the
    ``import_id`` that registered it (so that undoing the import removes it)."""
    for r in rows:
        store.con.execute(
            "INSERT INTO data_element (code, name_en, unit, description, international_code, "
            "origin, import_id) VALUES (?, ?, ?, ?, ?, 'user', ?)",
            [
                r["code"],
                r["name_en"],
                r["unit"],
                r["description"],
                r["international_code"],
                r["import_id"],
            ],
        )


def leaf_regions(store: Store, area: str) -> list[str]:
    """The regions whose cells make up ``area``.

    A country: every unit whose parent it is (the data of each year exist only for the units
    valid that year, so pre- and post-reform regions never overlap). A region: itself and the
    units that succeeded it (so a region abolished in 2022 is the sum of its successors from
    2022, as its borders were split, not changed).
    """
    kids = [
        r[0]
        for r in store.con.execute(
            "SELECT code FROM orgunit WHERE parent = ? ORDER BY code", [area]
        ).fetchall()
    ]
    if kids:
        return kids
    succ = [
        r[0]
        for r in store.con.execute(
            "SELECT successor FROM orgunit_successor WHERE code = ? ORDER BY successor", [area]
        ).fetchall()
    ]
    return [area, *succ]


@dataclass(frozen=True)
class Aggregates:
    """Deaths and exposures ``(years, ages)`` by single year of age, summed over regions."""

    year: npt.NDArray[np.int64]
    age: FloatArray
    deaths: FloatArray
    exposure: FloatArray
    deaths_source: str
    population_source: str
    regions: tuple[str, ...]


def aggregates(
    store: Store,
    *,
    regions: list[str],
    sex: str,
    cause: str,
    start: int | None = None,
    end: int | None = None,
) -> Aggregates:
    """Sum deaths (of one cause group) and population over ``regions``, by year and age.

    ``sex`` is ``female``, ``male`` or ``total`` (both summed). A year is returned only when
    the same regions have death records (any cause) and population that year, so a national
    total never silently misses a region.
    """
    sexes = ["female", "male"] if sex == "total" else [sex]
    where = (
        f"region IN ({', '.join('?' for _ in regions)}) "
        f"AND sex IN ({', '.join('?' for _ in sexes)})"
    )
    params: list[Any] = [*regions, *sexes]
    if start is not None:
        where += " AND year >= ?"
        params.append(start)
    if end is not None:
        where += " AND year <= ?"
        params.append(end)
    con = store.con
    covered = con.execute(
        f"""
        WITH d AS (SELECT year, list(DISTINCT region ORDER BY region) AS r FROM deaths
                   WHERE {where} AND cause = 'all' GROUP BY year),
             p AS (SELECT year, list(DISTINCT region ORDER BY region) AS r FROM population
                   WHERE {where} GROUP BY year)
        SELECT d.year FROM d JOIN p USING (year) WHERE d.r = p.r ORDER BY d.year""",
        [*params, *params],
    ).fetchall()
    years = [int(r[0]) for r in covered]
    d = con.execute(
        f"SELECT year, age, sum(deaths)::DOUBLE AS n FROM deaths WHERE {where} AND cause = ? "
        "GROUP BY year, age",
        [*params, cause],
    ).df()
    p = con.execute(
        f"SELECT year, age, sum(population)::DOUBLE AS n FROM population WHERE {where} "
        "GROUP BY year, age",
        params,
    ).df()
    top = max([0, *d["age"].tolist(), *p["age"].tolist()])
    ages = np.arange(0, int(top) + 1, dtype=np.float64)
    index = {y: i for i, y in enumerate(years)}
    arrays = []
    for frame in (d, p):
        out = np.zeros((len(years), ages.size))
        sub = frame[frame["year"].isin(years)]
        if len(sub):
            rows = sub["year"].map(index).to_numpy(dtype=np.int64)
            cols = sub["age"].to_numpy(dtype=np.int64)
            np.add.at(out, (rows, cols), sub["n"].to_numpy(dtype=np.float64))
        arrays.append(out)
    used = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT region FROM population WHERE {where} ORDER BY region", params
        ).fetchall()
    ]
    return Aggregates(
        year=np.array(years, dtype=np.int64),
        age=ages,
        deaths=arrays[0],
        exposure=arrays[1],
        deaths_source=_sources(store, "death_record", used, years),
        population_source=_sources(store, "population", used, years),
        regions=tuple(used),
    )


def _sources(store: Store, table: str, regions: list[str], years: list[int]) -> str:
    if not regions or not years:
        return ""
    marks = ", ".join("?" for _ in regions)
    ymarks = ", ".join("?" for _ in years)
    where = f"region IN ({marks}) AND year IN ({ymarks})"
    sql = (
        # a death record's source is its import's
        "SELECT DISTINCT source FROM death_record_source WHERE import_id IN "
        f"(SELECT DISTINCT import_id FROM death_record WHERE {where}) ORDER BY source"
        if table == "death_record"
        else f"SELECT DISTINCT source FROM {table} WHERE {where} ORDER BY source"
    )
    rows = store.con.execute(sql, [*regions, *years]).fetchall()
    return "; ".join(str(r[0]) for r in rows)
