"""``import population`` of a population register (one row per person on 1 July), with DuckDB.

The register is made from known cells (:mod:`population_helpers`): the import must give back
exactly those cells. The same checks on Spark: ``test_import_spark_population.py``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from population_helpers import broken_register, demo_cells, register_of
from salamat.cli.app import app
from salamat.services import imports as services
from salamat.store.connection import Store

POP_SQL = "SELECT region, year, sex, age, open_age, population FROM population ORDER BY ALL"


@pytest.fixture(scope="module")
def cells() -> pd.DataFrame:
    return demo_cells()


@pytest.fixture(scope="module")
def register(cells: pd.DataFrame) -> pd.DataFrame:
    return register_of(cells)


def _expected(cells: pd.DataFrame) -> list[tuple[object, ...]]:
    return sorted(
        (r.region, int(r.year), r.sex, int(r.age), False, float(r.population))
        for r in cells.itertuples()
    )


def test_register_gives_the_cells_it_was_made_from(
    cells: pd.DataFrame, register: pd.DataFrame, tmp_path: Path
) -> None:
    f = tmp_path / "register.parquet"
    register.to_parquet(f)
    g = tmp_path / "register.csv"
    register.to_csv(g, index=False)
    with Store.open(tmp_path / "s.duckdb") as store:
        s = services.run_import(store, "population", [f])
        assert s.status == "SUCCESS", s.problems[:3]
        assert (s.total, s.rejected, s.created) == (len(register), 0, len(cells))
        assert store.con.execute(POP_SQL).fetchall() == _expected(cells)
        assert any("counted into" in n for n in s.notes)
        # the same persons as CSV: nothing changes; again: nothing changes
        before = store.con.execute("SELECT * FROM population ORDER BY ALL").fetchall()
        for again in (g, f):
            s = services.run_import(store, "population", [again])
            assert (s.created, s.updated, s.unchanged) == (0, 0, len(cells))
        assert store.con.execute("SELECT * FROM population ORDER BY ALL").fetchall() == before
        # no person is kept in the store
        ids = set(register["id"].head(50))
        for (table,) in store.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
        ).fetchall():
            text = str(store.con.execute(f"SELECT * FROM {table} LIMIT 1000").fetchall())
            assert not any(i in text for i in ids), table


def test_register_in_two_files_is_one_register(
    cells: pd.DataFrame, register: pd.DataFrame, tmp_path: Path
) -> None:
    one, two = tmp_path / "a.parquet", tmp_path / "b.parquet"
    # split by person, not by region: each cell's persons are in both files
    register.iloc[::2].to_parquet(one)
    register.iloc[1::2].to_parquet(two)
    with Store.open(tmp_path / "s.duckdb") as store:
        s = services.run_import(store, "population", [one, two])
        assert s.status == "SUCCESS"
        assert store.con.execute(POP_SQL).fetchall() == _expected(cells)
    # a person in both files on one date: refused, the first file named
    later = register.iloc[1::2].copy()
    later.iloc[4, later.columns.get_loc("id")] = register["id"].iloc[0]
    later.to_parquet(two)
    with Store.open(tmp_path / "r.duckdb") as store:
        s = services.run_import(store, "population", [one, two])
        assert s.status == "ERROR"
        assert [(p.file, p.row, p.field, p.value) for p in s.problems] == [
            (str(two), 5, "id", register["id"].iloc[0])
        ]
        assert s.problems[0].message == (
            f"the person id appears more than once on this ref_date (first at {one}, row 1)"
        )
        # counted under a reason that names no file (its digits are not numbers to count)
        assert dict(s.reasons) == {
            "id: the person id appears more than once on this ref_date (first in an earlier "
            "file of the import)": 1
        }
        assert store.con.execute("SELECT count(*) FROM population").fetchall() == [(0,)]


def test_broken_register_names_each_problem(register: pd.DataFrame, tmp_path: Path) -> None:
    f = tmp_path / "broken.parquet"
    broken = broken_register(register)
    broken.to_parquet(f)
    with Store.open(tmp_path / "s.duckdb") as store:
        s = services.run_import(store, "population", [f])
        assert s.status == "ERROR"
        got = {(p.row, p.field): p.message for p in s.problems}
        # record k of the file is row k + 1 (Parquet: 1-based record number)
        assert got[(11, "sex")] == "expected female or male (also F, M, 2, 1)"
        assert got[(18, "sex")] == got[(11, "sex")]
        assert got[(25, "sex")].startswith("expected female or male")  # U: unknown refused
        assert got[(32, "birth_date")] == "expected an ISO date YYYY-MM-DD"
        assert got[(39, "birth_date")] == "no such date on the calendar"
        assert got[(46, "birth_date")] == "a birth_date is required"
        assert got[(53, "birth_date")] == "birth_date is after ref_date"
        assert got[(60, "birth_date")] == "birth_date gives an age over 130"
        assert got[(67, "ref_date")].startswith("expected a mid-year reference date YYYY-07-01")
        assert got[(74, "ref_date")] == "a ref_date is required"
        assert got[(81, "ref_date")] == "no such date on the calendar"
        assert got[(88, "region")] == "a region is required"
        assert got[(95, "region")] == "unknown org unit: expected a code such as KZ-75"
        assert got[(102, "id")] == "a person id is required"
        assert got[(109, "id")].startswith("the person id contains a control character")
        assert got[(206, "region")].startswith("the region did not exist for the whole year")
        dup = "the person id appears more than once on this ref_date (first at row 4)"
        assert got[(207, "id")] == got[(208, "id")] == dup
        assert (209, "id") not in got  # the same id on another date: another snapshot
        assert not any(p.row in (116, 123) for p in s.problems)  # 'female', '2' are fine
        # row 67 (Almaty region, 2019) moved to 2023: two problems; row 209 to 2022: one
        assert got[(67, "region")].startswith("the region did not exist for the whole year")
        assert got[(209, "region")].startswith("the region did not exist for the whole year")
        assert (s.rejected, len(s.problems)) == (19, 20)
        assert store.con.execute("SELECT count(*) FROM population").fetchall() == [(0,)]
        # --skip-invalid: the others are counted
        s = services.run_import(store, "population", [f], skip_invalid=True)
        assert s.status == "WARNING"
        n = store.con.execute("SELECT sum(population) FROM population").fetchall()[0][0]
        assert n == len(broken) - 19


def test_a_scoped_editor_writes_only_their_regions(
    register: pd.DataFrame, cells: pd.DataFrame, tmp_path: Path
) -> None:
    from salamat.ingest.records import import_population
    from salamat.ingest.registry import WriteScope

    f = tmp_path / "register.parquet"
    register.to_parquet(f)
    scope = WriteScope(frozenset({"KZ-71"}), "KZ-71 and below")
    outside = int((register["region"] != "KZ-71").sum())
    with Store.open(tmp_path / "s.duckdb") as store:
        s = import_population(store, [f], scope=scope)
        assert s.status == "ERROR" and s.rejected == outside > 0
        assert s.reasons == {"region: area KZ-ALM is outside your scope (KZ-71 and below)": outside}
        assert s.problems[0].message == "area KZ-ALM is outside your scope (KZ-71 and below)"
        s = import_population(store, [f], scope=scope, skip_invalid=True)
        assert s.status == "WARNING"
        got = store.con.execute("SELECT DISTINCT region FROM population").fetchall()
        assert got == [("KZ-71",)]
        assert s.created == int((cells["region"] == "KZ-71").sum())


def test_cli_help_and_a_wrong_column(register: pd.DataFrame, tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["import", "--help"], terminal_width=200)
    assert "id, sex, birth_date, region, ref_date" in " ".join(r.output.replace("│", " ").split())
    f = tmp_path / "r.csv"
    register.rename(columns={"ref_date": "refdate"}).to_csv(f, index=False)
    r = CliRunner().invoke(
        app, ["import", "population", str(f), "--db", str(tmp_path / "s.duckdb")]
    )
    assert r.exit_code == 1 and "ref_date" in r.output and "refdate" in r.output
    assert "Traceback" not in r.output
