"""No traceback, ever: every import kind on broken input ends in a summary (exit 1) or a usage
error (exit 2), naming the file (and row and field where there is one)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import table_snapshot
from salamat.cli.app import app
from salamat.services import imports as services
from salamat.store.connection import Store

DEATHS = Path(__file__).parent / "data" / "deaths_sample.csv"


def garbage(tmp_path: Path) -> dict[str, Path]:
    files = {
        "empty.csv": b"",
        "binary.csv": bytes(range(256)) * 20,
        "binary.parquet": b"PAR1" + bytes(range(200)) + b"PAR1",
        "semicolon.csv": b"region;year;sex;age;population\nKZ-75;2020;F;0;100\n",
        "missing_columns.csv": b"foo,bar\n1,2\n3,4\n",
        "nested.json": b"[" * 200_000,
        "nested.xml": b"<a>" * 50_000,
        "binary.json": bytes(range(256)) * 4,
    }
    out = {}
    for name, data in files.items():
        p = tmp_path / name
        p.write_bytes(data)
        out[name] = p
    return out


KINDS = sorted(services.import_kinds())


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_on_garbage_exits_cleanly(kind: str, tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    for name, path in garbage(tmp_path).items():
        r = CliRunner().invoke(app, ["import", kind, str(path), "--db", str(db)])
        assert r.exit_code in (1, 2), (kind, name, r.output)
        assert r.exception is None or isinstance(r.exception, SystemExit), (kind, name)
        assert "Traceback" not in r.output, (kind, name)
        assert path.name in r.output, (kind, name, r.output)


def test_population_without_its_columns_is_a_rejection(store: Store, tmp_path: Path) -> None:
    g = garbage(tmp_path)
    s = services.run_import(store, "population", [g["missing_columns.csv"]])
    assert (s.status, s.rejected, s.total) == ("ERROR", 2, 2)
    assert {p.field for p in s.problems} >= {"region", "population", "foo", "bar"}
    s = services.run_import(store, "population", [g["semicolon.csv"]])
    assert s.status == "ERROR"
    assert "seems to use ';' as delimiter" in s.problems[0].message


def test_deeply_nested_json_is_a_rejection(store: Store, tmp_path: Path) -> None:
    nested = garbage(tmp_path)["nested.json"]
    for kind in ("gho", "dhis2", "sdmx"):
        s = services.run_import(store, kind, [nested])
        assert s.status == "ERROR" and s.problems[0].file == str(nested), kind


def test_a_deaths_file_with_an_extra_column_is_rejected(store: Store, tmp_path: Path) -> None:
    text = DEATHS.read_text().splitlines()
    extra = [text[0] + ",comment"] + [line + ",x" for line in text[1:]]
    f = tmp_path / "deaths_extra.csv"
    f.write_text("\n".join(extra) + "\n")
    s = services.run_import(store, "deaths", [f])
    assert s.status == "ERROR"
    assert [(p.row, p.field) for p in s.problems] == [(1, "comment")]
    assert "unknown column" in s.problems[0].message


def test_a_control_character_in_a_record_id_is_rejected(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "deaths_nul.csv"
    text = DEATHS.read_text().replace("KZ75-2023-000002", "KZ75-2023-\x00002", 1)
    f.write_text(text)
    s = services.run_import(store, "deaths", [f])
    assert s.status == "ERROR"
    assert [(p.row, p.field) for p in s.problems] == [(3, "id")]
    assert "control character" in s.problems[0].message


def test_a_record_id_with_a_tab_is_skipped_with_skip_invalid(store: Store, tmp_path: Path) -> None:
    """The ids are searched for control characters block by block; the record with one is
    still the one marked, skipped and listed, and every other record is written."""
    f = tmp_path / "deaths_tab.csv"
    text = DEATHS.read_text().replace("KZ75-2023-000002", "KZ75-2023-\t000002", 1)
    f.write_text(text)
    s = services.run_import(store, "deaths", [f], skip_invalid=True)
    assert s.status == "WARNING"
    assert [(p.row, p.field, p.value) for p in s.problems] == [(3, "id", "KZ75-2023-\t000002")]
    assert "control character" in s.problems[0].message
    n_records = len(text.splitlines()) - 1
    assert (s.created, s.rejected) == (n_records - 1, 1)
    ids = [r[0] for r in store.con.execute("SELECT id FROM death_record").fetchall()]
    assert len(ids) == n_records - 1 and not any("\t" in i for i in ids)


def _leftovers(con: duckdb.DuckDBPyConnection, names: list[str]) -> list[str]:
    """Views and tables of the staging (``_src``, ``_staged``, ``_dr``, ``_pop``) or naming a
    source file, temporary ones included."""
    views = con.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal").fetchall()
    tables = con.execute("SELECT table_name, sql FROM duckdb_tables()").fetchall()
    return [
        str(name)
        for name, sql in views + tables
        if str(name).startswith(("_src", "_staged", "_dr", "_pop"))
        or any(n in str(sql) for n in names)
    ]


def test_no_import_leaves_a_view_or_table_naming_its_file(tmp_path: Path) -> None:
    """Deaths and population, CSV and Parquet, written, rejected, refused, unreadable and dry
    runs: nothing of the staging stays in the connection, nor in the store file (opened again
    in a new connection)."""
    good = pd.read_csv(DEATHS, dtype=str, keep_default_na=False)
    pop = pd.DataFrame(
        {
            "region": ["KZ-75"] * 2,
            "year": ["2020"] * 2,
            "sex": ["F", "M"],
            "age": ["0"] * 2,
            "population": ["100", "90"],
        }
    )
    files: list[tuple[str, Path, bool]] = []  # kind, file, dry run

    def put(name: str, frame: pd.DataFrame, kind: str, dry: bool = False) -> None:
        path = tmp_path / name
        if name.endswith(".parquet"):
            frame.to_parquet(path)
        else:
            frame.to_csv(path, index=False)
        files.append((kind, path, dry))

    for ext in ("csv", "parquet"):
        put(f"deaths_ok.{ext}", good, "deaths", dry=True)
        put(f"deaths_ok.{ext}", good, "deaths")
        put(f"deaths_bad.{ext}", good.assign(region="KZ-99"), "deaths")
        put(f"deaths_cols.{ext}", good[["id", "sex"]], "deaths")
        put(f"pop_ok.{ext}", pop, "population")
        put(f"pop_bad.{ext}", pop.assign(population="-1"), "population")
        put(f"pop_cols.{ext}", pop[["region"]], "population")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1" + bytes(range(200)) + b"PAR1")
    files += [("deaths", broken, False), ("population", broken, False)]
    names = [p.name for _k, p, _d in files]
    db = tmp_path / "store.duckdb"
    statuses = set()
    with Store.open(db) as store:
        for kind, path, dry in files:
            s = services.run_import(store, kind, [path], dry_run=dry)
            statuses.add(s.status)
            assert _leftovers(store.con, names) == [], (kind, path.name, s.status)
    assert statuses == {"SUCCESS", "ERROR", "DRY_RUN"}
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert _leftovers(con, names) == []
        assert con.execute("SELECT count(*) FROM death_record").fetchall() == [(len(good),)]
    finally:
        con.close()
    # into a store without deaths (one pass over the file, rolled back when it has a problem)
    for ext in ("csv", "parquet"):
        with Store.open(tmp_path / f"first_{ext}.duckdb") as store:
            for name, status in ((f"deaths_bad.{ext}", "ERROR"), (f"deaths_ok.{ext}", "SUCCESS")):
                s = services.run_import(store, "deaths", [tmp_path / name])
                assert s.status == status
                assert _leftovers(store.con, names) == [], (name, s.status)


def test_views_on_a_source_file_left_by_old_imports_are_removed(tmp_path: Path) -> None:
    """Imports before the source views were temporary left ``_src0`` and ``_src0_raw`` in the
    store, naming the file: opening the store removes them."""
    f = tmp_path / "deaths.parquet"
    pd.read_csv(DEATHS, dtype=str, keep_default_na=False).to_parquet(f)
    db = tmp_path / "old.duckdb"
    with Store.open(db) as store:
        store.con.execute(f"CREATE VIEW _src0_raw AS SELECT * FROM read_parquet('{f}')")
        store.con.execute("CREATE VIEW _src0 AS SELECT * FROM _src0_raw")
        store.con.execute("CREATE VIEW _src1_raw AS SELECT 1 AS x")
    with Store.open(db) as store:
        assert _leftovers(store.con, [f.name]) == []


def test_a_missing_file_creates_no_store(tmp_path: Path) -> None:
    db = tmp_path / "new" / "store.duckdb"
    r = CliRunner().invoke(app, ["import", "deaths", str(tmp_path / "nope.csv"), "--db", str(db)])
    assert r.exit_code == 1 and "no such file" in r.output
    assert not db.exists()


def test_skip_invalid_and_area_for_unit_records(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "pop.csv"
    f.write_text("region,year,sex,age,population\n,2020,F,0,100\nKZ-99,2020,F,1,90\n,2020,F,2,80\n")
    before = table_snapshot(store)
    s = services.run_import(store, "population", [f])
    assert s.status == "ERROR" and table_snapshot(store) == before
    s = services.run_import(store, "population", [f], area="KZ-75", skip_invalid=True)
    assert (s.status, s.created, s.rejected, s.total) == ("WARNING", 2, 1, 3)
    assert [(p.row, p.field) for p in s.problems] == [(3, "region")]
    rows = store.con.execute("SELECT region, age FROM population ORDER BY age").fetchall()
    assert rows == [("KZ-75", 0), ("KZ-75", 2)]


def test_an_orgunits_file_with_an_extra_column_is_rejected(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "units.csv"
    f.write_text("code,parent,name_en,kind,colour\nKZ-75-D1,KZ-75,District 1,district,red\n")
    s = services.run_import(store, "orgunits", [f])
    assert s.status == "ERROR" and [(p.row, p.field) for p in s.problems] == [(1, "colour")]
    assert (s.rejected, s.total) == (1, 1)
