"""Population checked and counted into cells by Apache Spark, where the files are.

``salamat import population PATH... --engine spark``: Spark runs the SQL of
:mod:`salamat.store.population_sql` (the DuckDB import's checks and messages) over every file
of the PATHs read as one relation, and returns what the store keeps: the population cells
(region x year x sex x single age), the counts by reason and the first problems (file, record
number, field, message, value). Rows are named as in :mod:`salamat.store.spark`.

The files of one import are one data set: a cell given twice, or a person id twice on one
reference date, is a problem wherever the two rows are (the first is named with its file when
it is another), as in the DuckDB import (:mod:`salamat.ingest.population_cells`,
:mod:`salamat.ingest.population_register`), which checks the files together too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from salamat.errors import Problem
from salamat.store.deaths_sql import SPARK
from salamat.store.population_sql import (
    CELL_ERRORS,
    CELL_FIELDS,
    REGISTER_ERRORS,
    REGISTER_FIELDS,
    cell_extra_sql,
    cells_sql,
    register_cells_sql,
    register_detail_sql,
    register_duplicates_sql,
)
from salamat.store.spark import SparkSource, _frame, _uri_to_name

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PopulationCheck", "check_population"]

Shape = Literal["cells", "register"]
_CELL_VALUES = {
    "region": "region_raw",
    "year": "year_raw",
    "sex": "sex_raw",
    "age": "age_raw",
    "population": "pop_raw",
}
_DIGITS = SPARK.lit(r"\d+")
_VIEWS = ("_spchk", "_spfiles", "_sp", "_spextra", "_spvalid")


@dataclass
class PopulationCheck:
    """What the Spark run found (rows: the files' rows or persons; ``cells``: region, year,
    sex, age, open_age, population of the rows kept)."""

    total: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    cells: pd.DataFrame | None = None


def check_population(
    spark: Any,
    sources: list[SparkSource],
    shape: Shape,
    *,
    default_region: str | None,
    limit: int,
    skip_invalid: bool,
) -> PopulationCheck:
    """Check every row of ``sources`` (all of one ``shape``) and return the cells of the rows
    kept: all when none has a problem; with ``skip_invalid`` the valid ones (of a cell or a
    person given twice, the first)."""
    parts = []
    for i, src in enumerate(sources):
        carry = {"_file": "_file", "_src": str(i)}
        if shape == "cells":
            sql = cells_sql(SPARK, src.view, default_region=default_region, carry=carry)
        else:
            sql = register_detail_sql(
                SPARK, src.view, src.columns, default_region=default_region, carry=carry
            )
        parts.append(spark.sql(sql))
    errors = CELL_ERRORS if shape == "cells" else REGISTER_ERRORS
    chk = parts[0]
    for part in parts[1:]:
        chk = chk.unionByName(part)
    bad = " OR ".join(f"{e} IS NOT NULL" for e in errors)
    chk = chk.selectExpr("*", f"({bad}) AS bad").persist()
    chk.createOrReplaceTempView("_spchk")
    try:
        # the files in the order of the PATHs, then by name; named as the DuckDB import does
        found = spark.sql("SELECT DISTINCT _src, _file FROM _spchk").collect()
        order = sorted((int(r[0]), str(r[1])) for r in found)
        spark.createDataFrame(
            [(uri, _uri_to_name(uri, sources[i].path), k) for k, (i, uri) in enumerate(order)],
            "_file STRING, _name STRING, _k INT",
        ).createOrReplaceTempView("_spfiles")
        spark.sql(
            "SELECT c.*, f._name, f._k FROM _spchk c JOIN _spfiles f ON f._file = c._file"
        ).createOrReplaceTempView("_sp")
        return _collect(spark, shape, limit, skip_invalid)
    finally:
        chk.unpersist()
        if spark.catalog.tableExists("_spextra"):
            spark.table("_spextra").unpersist()
        for view in _VIEWS:
            spark.catalog.dropTempView(view)


def _collect(spark: Any, shape: Shape, limit: int, skip_invalid: bool) -> PopulationCheck:
    out = PopulationCheck()
    sql = spark.sql
    key = ("_name", "_k")
    if shape == "cells":
        extra = cell_extra_sql(SPARK, "_sp", file_key=key)
        values = _CELL_VALUES
        fields, errors = CELL_FIELDS, CELL_ERRORS
    else:
        extra = register_duplicates_sql(SPARK, "_sp", file_key=key)
        values = {f: f"raw_{f}" for f in REGISTER_FIELDS}
        fields, errors = REGISTER_FIELDS, REGISTER_ERRORS
    sql(extra).persist().createOrReplaceTempView("_spextra")
    union = " UNION ALL ".join(
        [
            f"SELECT _name, _row, '{f}' AS field, {e} AS message, {values[f]} AS value, "
            f"{e} AS reason FROM _sp WHERE {e} IS NOT NULL"
            for f, e in zip(fields, errors, strict=True)
        ]
        + ["SELECT _name, _row, field, message, value, reason FROM _spextra"]
    )
    out.total = int(sql("SELECT count(*) FROM _sp").collect()[0][0])
    reasons: Counter[str] = Counter()
    for fld, msg, n in sql(
        f"SELECT field, regexp_replace(reason, {_DIGITS}, 'N'), count(*) "
        f"FROM ({union}) GROUP BY 1, 2"
    ).collect():
        reasons[f"{fld}: {msg}"] += int(n)
    out.reasons = reasons
    if reasons:
        rows = sql(
            f"""SELECT p._name, p._row, p.field, p.message, p.value FROM ({union}) p
            JOIN (SELECT DISTINCT _name, _k FROM _sp) f ON f._name = p._name
            ORDER BY f._k, p._row, p.field, p.message LIMIT {int(limit)}"""
        ).collect()
        out.problems = [Problem(str(f), int(r), fld, m, v) for f, r, fld, m, v in rows]
        out.rejected = int(
            sql(f"SELECT count(*) FROM (SELECT DISTINCT _name, _row FROM ({union}))").collect()[0][
                0
            ]
        )
    if reasons and not skip_invalid:
        return out
    sql("""SELECT * FROM _sp s WHERE NOT bad AND NOT EXISTS (
        SELECT 1 FROM _spextra x WHERE x._name = s._name AND x._row = s._row)""").createOrReplaceTempView(
        "_spvalid"
    )
    if shape == "cells":
        cells = sql("SELECT region, year, sex, age, open_age, population FROM _spvalid")
    else:
        cells = sql(register_cells_sql("_spvalid"))
    out.cells = _frame(cells)
    return out
