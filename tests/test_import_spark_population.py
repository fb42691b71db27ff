"""``import population --engine spark``: the same checks, problems and cells as the DuckDB import.

Spark in local mode (``local[2]``) on a population register made from the demo's cells and on
the demo's cells themselves, whole and broken: summary counts, reasons, the problem list (file,
row, field, message, value) and the ``population`` table, all exactly equal to the DuckDB
import of the same files.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from population_helpers import broken_cells, broken_register, demo_cells, register_of
from salamat.cli.app import app
from salamat.ingest.population_spark import import_population_spark
from salamat.ingest.summary import ImportSummary
from salamat.services import imports as services
from salamat.store.connection import Store

pytestmark = [pytest.mark.spark, pytest.mark.filterwarnings("ignore::ResourceWarning")]

POP_SQL = "SELECT region, year, sex, age, open_age, population, source FROM population ORDER BY ALL"
_OPEN = ExitStack()


@pytest.fixture(autouse=True)
def _close_stores() -> Iterator[None]:
    yield
    _OPEN.close()


@pytest.fixture(scope="module")
def cells() -> pd.DataFrame:
    return demo_cells()


@pytest.fixture(scope="module")
def register(cells: pd.DataFrame) -> pd.DataFrame:
    return register_of(cells)


def _both(
    store_dir: Path, spark: Any, files: list[Path], **options: Any
) -> tuple[ImportSummary, ImportSummary, Store, Store]:
    a = _OPEN.enter_context(Store.open(store_dir / "duckdb.duckdb"))
    b = _OPEN.enter_context(Store.open(store_dir / "spark.duckdb"))
    s_duck = services.run_import(a, "population", files, **options)
    s_spark = import_population_spark(b, [str(f) for f in files], spark=spark, **options)
    return s_duck, s_spark, a, b


def _same(s_duck: ImportSummary, s_spark: ImportSummary, a: Store, b: Store) -> None:
    for name in ("status", "total", "rejected", "problem_count", "created", "updated"):
        assert getattr(s_spark, name) == getattr(s_duck, name), name
    assert dict(s_spark.reasons) == dict(s_duck.reasons)
    assert s_spark.problems == s_duck.problems
    assert b.con.execute(POP_SQL).fetchall() == a.con.execute(POP_SQL).fetchall()
    sql = "SELECT sha256, created, updated, unchanged, rejected FROM import_log"
    assert b.con.execute(sql).fetchall() == a.con.execute(sql).fetchall()


def test_register_gives_the_same_cells(
    spark: Any, cells: pd.DataFrame, register: pd.DataFrame, tmp_path: Path
) -> None:
    f = tmp_path / "register.parquet"
    register.to_parquet(f)
    s_duck, s_spark, a, b = _both(tmp_path, spark, [f])
    assert s_duck.status == "SUCCESS" and s_duck.created == len(cells)
    _same(s_duck, s_spark, a, b)
    assert [n for n in s_spark.notes if "counted into" in n] == [
        n for n in s_duck.notes if "counted into" in n
    ]
    total = b.con.execute("SELECT sum(population) FROM population").fetchall()[0][0]
    assert total == len(register) == cells["population"].sum()
    # again: nothing changes (the same cells, under the same label)
    again = import_population_spark(b, [str(f)], spark=spark)
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(cells))


def test_broken_register_gives_the_same_problems(
    spark: Any, register: pd.DataFrame, tmp_path: Path
) -> None:
    f = tmp_path / "broken.parquet"
    broken_register(register).to_parquet(f)
    s_duck, s_spark, a, b = _both(tmp_path, spark, [f])
    assert s_duck.status == "ERROR" and len(s_duck.problems) == 20
    assert {p.field for p in s_duck.problems} == {"id", "sex", "birth_date", "region", "ref_date"}
    _same(s_duck, s_spark, a, b)


def test_skip_invalid_writes_the_same_cells(
    spark: Any, register: pd.DataFrame, cells: pd.DataFrame, tmp_path: Path
) -> None:
    reg, cel = tmp_path / "reg.parquet", tmp_path / "cells.parquet"
    broken_register(register).to_parquet(reg)
    broken_cells(cells).to_parquet(cel)
    for f in (reg, cel):
        sub = tmp_path / f.stem
        sub.mkdir()
        s_duck, s_spark, a, b = _both(sub, spark, [f], skip_invalid=True)
        assert s_duck.status == "WARNING" and s_duck.rejected > 15
        _same(s_duck, s_spark, a, b)


def test_register_in_two_files_with_a_shared_id(
    spark: Any, register: pd.DataFrame, tmp_path: Path
) -> None:
    one, two = tmp_path / "one.parquet", tmp_path / "two.parquet"
    register.iloc[::2].to_parquet(one)
    later = register.iloc[1::2].copy()
    later.iloc[[5, 9], later.columns.get_loc("id")] = register["id"].iloc[[0, 2]].to_numpy()
    later.to_parquet(two)
    for skip in (False, True):
        sub = tmp_path / str(skip)
        sub.mkdir()
        s_duck, s_spark, a, b = _both(sub, spark, [one, two], skip_invalid=skip)
        assert s_duck.status == ("WARNING" if skip else "ERROR")
        assert [(p.file, p.row) for p in s_duck.problems] == [(str(two), 6), (str(two), 10)]
        _same(s_duck, s_spark, a, b)


def test_cells_give_the_same_cells_and_problems(
    spark: Any, cells: pd.DataFrame, tmp_path: Path
) -> None:
    f = tmp_path / "cells.parquet"
    with_open = cells.astype(str)
    with_open.loc[with_open["age"] == "100", "age"] = "100+"
    with_open.to_parquet(f)
    s_duck, s_spark, a, b = _both(tmp_path, spark, [f])
    assert s_duck.status == "SUCCESS" and s_duck.created == len(cells)
    _same(s_duck, s_spark, a, b)
    g = tmp_path / "broken.parquet"
    broken_cells(cells).to_parquet(g)
    sub = tmp_path / "broken"
    sub.mkdir()
    s_duck, s_spark, a, b = _both(sub, spark, [g])
    assert s_duck.status == "ERROR" and len(s_duck.problems) >= 15
    assert {p.field for p in s_duck.problems} == {"region", "year", "sex", "age", "population"}
    messages = {p.message for p in s_duck.problems}
    assert "a population cannot be negative" in messages
    assert any(m.startswith("the same region, year, sex and age as row") for m in messages)
    assert any(m.startswith("an age above the open band") for m in messages)
    _same(s_duck, s_spark, a, b)


def test_cli_a_folder_of_register_parts(
    spark: Any, cells: pd.DataFrame, register: pd.DataFrame, tmp_path: Path
) -> None:
    lake = tmp_path / "register"
    lake.mkdir()
    for k, part in enumerate((register.iloc[::3], register.iloc[1::3], register.iloc[2::3])):
        part.to_parquet(lake / f"part-{k}.parquet")
    db = tmp_path / "s.duckdb"
    args = ["import", "population", str(lake), "--engine", "spark", "--db", str(db)]
    r = CliRunner().invoke(app, [*args, "--spark-master", "local[2]", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert f'"created": {len(cells)}' in r.output
    with Store.open(db) as store:
        got = store.con.execute(
            "SELECT region, year, sex, age, population FROM population ORDER BY ALL"
        ).fetchall()
    assert got == sorted(
        (r.region, int(r.year), r.sex, int(r.age), float(r.population)) for r in cells.itertuples()
    )
    # one person in two parts: named with the part it was first in
    dup = register.iloc[1::3].copy()
    dup.iloc[0, dup.columns.get_loc("id")] = register["id"].iloc[0]
    dup.to_parquet(lake / "part-1.parquet")
    r = CliRunner().invoke(app, [*args, "--format", "json"])
    assert r.exit_code == 1 and "part-0.parquet, row 1)" in r.output
    assert "Traceback" not in r.output


def test_a_hive_partitioned_lake_of_cells(spark: Any, cells: pd.DataFrame, tmp_path: Path) -> None:
    """Cells laid out as ``year=YYYY/region=CODE/*.parquet`` (the partition columns are in the
    folder names, not in the files): the lake gives the cells of the flat file, and a PATH
    below its root (a year, a glob of regions) reads only those folders, keeping their
    columns."""
    lake = tmp_path / "population"
    for (year, region), part in cells.groupby(["year", "region"]):
        folder = lake / f"year={year}" / f"region={region}"
        folder.mkdir(parents=True)
        part.drop(columns=["year", "region"]).astype(str).to_parquet(
            folder / "part-0.parquet", index=False
        )
    flat = tmp_path / "flat.parquet"
    cells.astype(str).to_parquet(flat)
    sql = "SELECT region, year, sex, age, open_age, population FROM population ORDER BY ALL"
    with Store.open(tmp_path / "flat.duckdb") as a, Store.open(tmp_path / "lake.duckdb") as b:
        assert services.run_import(a, "population", [flat]).ok
        s = import_population_spark(b, [str(lake)], spark=spark)
        assert s.status == "SUCCESS" and s.created == len(cells)
        assert b.con.execute(sql).fetchall() == a.con.execute(sql).fetchall()
    for (year, region), part in cells.groupby(["year", "region"]):
        for path in (lake / f"year={year}", lake / f"year={year}" / "region=KZ-*"):
            with Store.open(tmp_path / f"{year}.duckdb") as c:
                s = import_population_spark(c, [str(path)], spark=spark)
                assert (s.status, s.total, s.created) == ("SUCCESS", len(part), len(part))
                got = c.con.execute("SELECT DISTINCT region, year FROM population").fetchall()
                assert got == [(region, year)]
            (tmp_path / f"{year}.duckdb").unlink()


def test_partition_base() -> None:
    from salamat.store.spark import partition_base

    assert partition_base("/lake/pop/year=2023/region=KZ-75") == "/lake/pop"
    assert partition_base("hdfs://nn:8020/lake/year=202[0-3]/") == "hdfs://nn:8020/lake"
    assert partition_base("year=2023") == "."
    assert partition_base("/lake/pop/part-*.parquet") is None


def test_cells_in_two_files_with_a_shared_cell(
    spark: Any, cells: pd.DataFrame, tmp_path: Path
) -> None:
    """A cell in two files of one import, and an open band in one file below ages given in the
    other: the same problems (the later row naming the file and row of the first), counts and
    reasons on both engines; with ``--skip-invalid`` the same cells, the first file's kept."""
    one, two = tmp_path / "one.parquet", tmp_path / "two.parquet"
    first = cells.iloc[::2].astype(str).reset_index(drop=True)
    later = cells.iloc[1::2].astype(str).reset_index(drop=True)
    later.loc[5] = first.loc[3]
    later.loc[5, "population"] = "999"  # another value for a cell of the first file
    later.loc[9] = first.loc[7]  # the same value
    group = (first["region"] == "KZ-71") & (first["year"] == "2023") & (first["sex"] == "male")
    first.loc[group & (first["age"] == "71"), "age"] = "71+"  # ages 72-84 above it
    first.to_parquet(one)
    later.to_parquet(two)
    for skip in (False, True):
        sub = tmp_path / str(skip)
        sub.mkdir()
        s_duck, s_spark, a, b = _both(sub, spark, [one, two], skip_invalid=skip)
        assert s_duck.status == ("WARNING" if skip else "ERROR")
        dups = [p for p in s_duck.problems if p.message.startswith("the same region")]
        assert [(p.file, p.row, p.field) for p in dups] == [
            (str(two), 6, "age"),
            (str(two), 10, "age"),
        ]
        assert dups[0].message == f"the same region, year, sex and age as {one}, row 4"
        above = [p for p in s_duck.problems if p.message == "an age above the open band 71+"]
        assert {p.file for p in above} == {str(one), str(two)} and len(above) == 13
        assert s_duck.rejected == 15
        _same(s_duck, s_spark, a, b)
        if skip:
            row = first.loc[3]
            got = a.con.execute(
                "SELECT population FROM population WHERE region = ? AND year = ? AND sex = ? "
                "AND age = ?",
                [row["region"], int(row["year"]), row["sex"], int(row["age"])],
            ).fetchall()
            assert got == [(float(row["population"]),)]
