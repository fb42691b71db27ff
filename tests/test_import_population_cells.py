"""``import population`` of cells in several files, with DuckDB: the files are one data set.

A cell (region, year, sex, age) given in two files of one import is refused as within one file:
the later row is a problem naming the file and row where the cell was first given; with
``--skip-invalid`` the first file's value is kept and the later row is skipped and listed. The
same files on Spark give the same summary: ``test_import_spark_population.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from conftest import table_snapshot
from salamat.cli.app import app
from salamat.ingest.registry import WriteScope
from salamat.services import imports as services
from salamat.store.connection import Store

HEAD = "region,year,sex,age,population\n"
POP_SQL = "SELECT region, year, sex, age, open_age, population FROM population ORDER BY ALL"
# the first file: KZ-75 2023 female, ages 0-2 and an open band 3+
FIRST = HEAD + (
    "KZ-75,2023,F,0,12000\n"  # row 2
    "KZ-75,2023,F,1,11800\n"  # row 3
    "KZ-75,2023,F,2,11500\n"  # row 4
    "KZ-75,2023,F,3+,900000\n"  # row 5
)
# the second: the males, and two cells of the first file again (one with another value)
SECOND = HEAD + (
    "KZ-75,2023,M,0,12500\n"  # row 2
    "KZ-75,2023,F,1,11900\n"  # row 3: the first file's row 3, another value
    "KZ-75,2023,M,1,12300\n"  # row 4
    "KZ-75,2023,female,0,12000\n"  # row 5: the first file's row 2, the same value
)


def _files(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text(FIRST)
    b.write_text(SECOND)
    return a, b


def test_a_cell_in_two_files_is_refused_naming_both(store: Store, tmp_path: Path) -> None:
    a, b = _files(tmp_path)
    before = table_snapshot(store)
    s = services.run_import(store, "population", [a, b])
    assert (s.status, s.total, s.rejected, s.problem_count) == ("ERROR", 8, 2, 2)
    got = [(p.file, p.row, p.field, p.message, p.value) for p in s.problems]
    assert got == [
        (str(b), 3, "age", f"the same region, year, sex and age as {a}, row 3", "1"),
        (str(b), 5, "age", f"the same region, year, sex and age as {a}, row 2", "0"),
    ]
    # counted under one reason, not one a file (a file's digits are no numbers to count)
    assert dict(s.reasons) == {
        "age: the same region, year, sex and age as a row of an earlier file of the import": 2
    }
    # nothing written, not even the cells given once
    assert table_snapshot(store) == before
    # the files the other way round: the other file is named, nothing else changes
    s = services.run_import(store, "population", [b, a])
    assert [(p.file, p.row, p.message) for p in s.problems] == [
        (str(a), 2, f"the same region, year, sex and age as {b}, row 5"),
        (str(a), 3, f"the same region, year, sex and age as {b}, row 3"),
    ]
    assert table_snapshot(store) == before


def test_skip_invalid_keeps_the_first_files_cell(store: Store, tmp_path: Path) -> None:
    a, b = _files(tmp_path)
    s = services.run_import(store, "population", [a, b], skip_invalid=True)
    assert (s.status, s.total, s.rejected, s.created, s.updated) == ("WARNING", 8, 2, 6, 0)
    assert [(p.file, p.row) for p in s.problems] == [(str(b), 3), (str(b), 5)]
    assert any("2 row(s) skipped" in n for n in s.notes)
    assert store.con.execute(POP_SQL).fetchall() == [
        ("KZ-75", 2023, "female", 0, False, 12000.0),
        ("KZ-75", 2023, "female", 1, False, 11800.0),  # the first file's, not 11900
        ("KZ-75", 2023, "female", 2, False, 11500.0),
        ("KZ-75", 2023, "female", 3, True, 900000.0),
        ("KZ-75", 2023, "male", 0, False, 12500.0),
        ("KZ-75", 2023, "male", 1, False, 12300.0),
    ]
    # no replaced value was kept for undo: nothing was replaced
    assert store.con.execute("SELECT count(*) FROM population_version").fetchall() == [(0,)]
    # a later import of the second file alone does replace the cell (a revision, kept)
    s = services.run_import(store, "population", [b])
    assert (s.status, s.created, s.updated, s.unchanged) == ("SUCCESS", 0, 1, 3)
    assert store.con.execute("SELECT count(*) FROM population_version").fetchall() == [(1,)]


def test_within_one_file_and_open_bands_across_files(store: Store, tmp_path: Path) -> None:
    a = tmp_path / "a.csv"
    a.write_text(FIRST + "KZ-75,2023,F,1,11800\n")  # row 6: row 3 again
    s = services.run_import(store, "population", [a])
    assert s.status == "ERROR"
    assert [(p.row, p.message) for p in s.problems] == [
        (6, "the same region, year, sex and age as row 3")
    ]
    # an age above the first file's open band 3+, and a second open band, in another file
    a.write_text(FIRST)
    b = tmp_path / "b.csv"
    b.write_text(HEAD + "KZ-75,2023,F,4,100\nKZ-75,2023,F,5+,50\nKZ-75,2023,M,0,12500\n")
    s = services.run_import(store, "population", [a, b])
    assert (s.status, s.rejected) == ("ERROR", 3)
    assert [(p.file, p.row, p.message) for p in s.problems] == [
        (str(a), 5, "more than one open age band for this region, year and sex"),
        (str(b), 2, "an age above the open band 3+"),
        (str(b), 3, "an age above the open band 3+"),
        (str(b), 3, "more than one open age band for this region, year and sex"),
    ]
    assert store.con.execute("SELECT count(*) FROM population").fetchall() == [(0,)]


def test_one_file_given_twice(store: Store, tmp_path: Path) -> None:
    a, _b = _files(tmp_path)
    s = services.run_import(store, "population", [a, a])
    # every row of the second copy is a cell given twice, and its open band 3+ a second one
    assert (s.status, s.rejected, s.problem_count) == ("ERROR", 5, 6)
    assert s.problems[0].message == "more than one open age band for this region, year and sex"
    assert s.problems[1].message == f"the same region, year, sex and age as {a}, row 2"


def test_a_scoped_editor_and_a_shared_cell(store: Store, tmp_path: Path) -> None:
    a, b = _files(tmp_path)
    b.write_text(SECOND + "KZ-71,2023,F,0,9000\n")  # row 6: outside the editor's scope
    scope = WriteScope(frozenset({"KZ-75"}), "KZ-75 and below")
    s = services.run_import(store, "population", [a, b], skip_invalid=True, scope=scope)
    assert (s.status, s.total, s.rejected, s.created) == ("WARNING", 9, 3, 6)
    assert [(p.file, p.row, p.field) for p in s.problems] == [
        (str(b), 3, "age"),
        (str(b), 5, "age"),
        (str(b), 6, "region"),
    ]
    assert s.reasons["region: area KZ-71 is outside your scope (KZ-75 and below)"] == 1


def test_cli_refuses_a_cell_in_two_files(tmp_path: Path) -> None:
    a, b = _files(tmp_path)
    db = tmp_path / "s.duckdb"
    args = ["import", "population", str(a), str(b), "--db", str(db)]
    r = CliRunner().invoke(app, [*args, "--format", "json"])
    assert r.exit_code == 1, r.output
    body = json.loads(r.output)
    assert body["status"] == "ERROR" and body["import_count"]["rejected"] == 2
    assert f"as {a}, row 3" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(app, [*args, "--skip-invalid"])
    assert r.exit_code == 0, r.output
    with Store.open(db) as store:
        assert store.con.execute("SELECT count(*) FROM population").fetchall() == [(6,)]
