"""``import deaths --engine spark``: the same checks, problems and aggregates as the DuckDB import.

Every test here runs Apache Spark in local mode (``local[2]``, one session for the module) on the
demo's records and on broken copies of them, and compares the Spark import with the DuckDB
import of the same files: summary counts, reasons, the problem list (file, row, field, message,
value) and the ``deaths`` table, all exactly equal.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import DATA
from salamat.cli.app import app
from salamat.errors import InputError
from salamat.ingest.records_spark import import_deaths_spark
from salamat.ingest.summary import ImportSummary
from salamat.services import imports as services
from salamat.services.revisions import undo_import
from salamat.store.connection import Store
from salamat.store.deaths_sql import DUCKDB, SPARK, aggregate_sql, detail_sql, dv_region_sql

# py4j's sockets to the JVM are closed by the JVM's shutdown, not by Python's collector
pytestmark = [pytest.mark.spark, pytest.mark.filterwarnings("ignore::ResourceWarning")]

SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The demo's synthetic death records of Astana 2023 and of South Kazakhstan region 2016
    (a unit that ended in 2018), every fourth: about 2,000 records."""
    from salamat.demo.synthetic import synthetic_deaths, synthetic_population

    pop = synthetic_population()
    pop = pop[
        ((pop["region"] == "KZ-71") & (pop["year"] == 2023))
        | ((pop["region"] == "KZ-ONT") & (pop["year"] == 2016))
    ]
    return synthetic_deaths(pop.reset_index(drop=True), seed=11).iloc[::4].reset_index(drop=True)


def _broken(demo: pd.DataFrame) -> pd.DataFrame:
    """The demo's records as text, with one of each problem the checks know."""
    d = demo.astype(str).reset_index(drop=True)
    d["birth_date"] = ""
    edits = [
        ("sex", "X"),
        ("sex", ""),
        ("death_date", "05.01.2023"),
        ("death_date", "2023-02-30"),
        ("death_date", "2999-01-01"),
        ("death_date", ""),
        ("age", "abc"),
        ("age", "131"),
        ("age", ""),
        ("age", "5.0"),  # read as 5 by both engines
        ("region", ""),
        ("region", "KZ-99"),
        ("icd10", "I2"),
        ("icd10", ""),
        ("icd10", "i21.9"),  # fine: upper-cased
        ("id", ""),
        ("id", "A\tB"),
    ]
    for i, (col, value) in enumerate(edits):
        d.loc[10 + 7 * i, col] = value
    # birth dates: after death, over 130 years, and an age that does not match them
    d.loc[200, ["birth_date", "death_date", "age"]] = ["2023-05-01", "2023-04-01", ""]
    d.loc[201, ["birth_date", "death_date", "age"]] = ["1880-01-01", "2023-04-01", ""]
    d.loc[202, ["birth_date", "death_date", "age"]] = ["1950-06-01", "2023-04-01", "60"]
    # 29 February: a year on 28 February of the next year, on both engines
    d.loc[203, ["birth_date", "death_date", "age"]] = ["2020-02-29", "2023-02-28", "3"]
    d.loc[204, ["sex", "age"]] = ["U", "unknown"]
    # a region that had ended on the death date, and a duplicate id within the file
    d.loc[205, ["region", "death_date"]] = ["KZ-ONT", "2022-03-01"]
    d.loc[206, "id"] = d.loc[3, "id"]
    d.loc[207, "id"] = d.loc[3, "id"]
    return d


def _both(
    store_dir: Path,
    spark: Any,
    files: list[Path],
    **options: Any,
) -> tuple[ImportSummary, ImportSummary, Store, Store]:
    """Import ``files`` with DuckDB into one new store and with Spark into another."""
    a = _OPEN.enter_context(Store.open(store_dir / "duckdb.duckdb"))
    b = _OPEN.enter_context(Store.open(store_dir / "spark.duckdb"))
    s_duck = services.run_import(a, "deaths", files, **options)
    s_spark = import_deaths_spark(b, [str(f) for f in files], spark=spark, **options)
    return s_duck, s_spark, a, b


def _same(s_duck: ImportSummary, s_spark: ImportSummary, a: Store, b: Store) -> None:
    for name in ("status", "total", "rejected", "problem_count", "created", "updated"):
        assert getattr(s_spark, name) == getattr(s_duck, name), name
    assert dict(s_spark.reasons) == dict(s_duck.reasons)
    assert s_spark.problems == s_duck.problems
    sql = "SELECT region, year, sex, age, cause, deaths FROM deaths ORDER BY ALL"
    assert b.con.execute(sql).fetchall() == a.con.execute(sql).fetchall()


_OPEN = ExitStack()


@pytest.fixture(autouse=True)
def _close_stores() -> Iterator[None]:
    """The stores :func:`_both` opened are closed after each test."""
    yield
    _OPEN.close()


def test_demo_records_give_the_same_deaths(spark: Any, demo: pd.DataFrame, tmp_path: Path) -> None:
    f = tmp_path / "demo.parquet"
    demo.to_parquet(f)
    s_duck, s_spark, a, b = _both(tmp_path, spark, [f])
    assert s_duck.status == "SUCCESS" and s_duck.created == len(demo)
    _same(s_duck, s_spark, a, b)
    n = b.con.execute("SELECT sum(deaths) FROM deaths WHERE cause = 'all'").fetchall()[0][0]
    assert n == len(demo) > 1500
    # the files' digest is the DuckDB import's
    sql = "SELECT sha256 FROM import_log"
    assert b.con.execute(sql).fetchall() == a.con.execute(sql).fetchall()


def test_broken_copy_gives_the_same_problems(
    spark: Any, demo: pd.DataFrame, tmp_path: Path
) -> None:
    f = tmp_path / "broken.parquet"
    _broken(demo).to_parquet(f)
    s_duck, s_spark, a, b = _both(tmp_path, spark, [f])
    assert s_duck.status == "ERROR" and len(s_duck.problems) >= 20
    assert {p.field for p in s_duck.problems} == {
        "id",
        "sex",
        "birth_date",
        "age",
        "death_date",
        "region",
        "icd10",
    }
    _same(s_duck, s_spark, a, b)


def test_skip_invalid_writes_the_same_valid_records(
    spark: Any, demo: pd.DataFrame, tmp_path: Path
) -> None:
    f = tmp_path / "broken.parquet"
    _broken(demo).to_parquet(f)
    s_duck, s_spark, a, b = _both(tmp_path, spark, [f], skip_invalid=True)
    assert s_duck.status == "WARNING" and s_duck.rejected > 20
    _same(s_duck, s_spark, a, b)


def test_typed_columns_and_two_files_with_a_shared_id(
    spark: Any, demo: pd.DataFrame, tmp_path: Path
) -> None:
    typed = demo.copy()
    typed["death_date"] = pd.to_datetime(typed["death_date"]).dt.date
    typed["age"] = typed["age"].astype("int64")
    one, two = tmp_path / "one.parquet", tmp_path / "two.parquet"
    typed.iloc[:1000].to_parquet(one)
    later = typed.iloc[1000:].copy()
    later.iloc[[5, 9], later.columns.get_loc("id")] = typed["id"].iloc[[0, 1]].to_numpy()
    later.to_parquet(two)
    for skip in (False, True):
        sub = tmp_path / str(skip)
        sub.mkdir()
        s_duck, s_spark, a, b = _both(sub, spark, [one, two], skip_invalid=skip)
        assert s_duck.status == ("WARNING" if skip else "ERROR")
        assert len(s_duck.problems) == (2 if skip else 4)
        _same(s_duck, s_spark, a, b)


def test_record_level_quality_rules_give_the_same_flags(
    spark: Any, demo: pd.DataFrame, tmp_path: Path
) -> None:
    """Spark counts the deaths by ICD-10 code with the aggregates: the four record-level rules
    flag the same region-years, with the same messages, as on the stored records."""
    d = demo.astype(str).reset_index(drop=True)
    d.loc[d.index % 5 == 0, "icd10"] = "R99"  # ill-defined, and a level-1 garbage code
    d.loc[d.index % 7 == 0, "icd10"] = "X59"  # unspecified injury
    d.loc[d.index % 9 == 0, "icd10"] = "A41.9"  # septicaemia: a major garbage code
    d.loc[d.index % 11 == 0, ["sex", "age", "birth_date"]] = ["U", "unknown", ""]
    f = tmp_path / "quality.parquet"
    d.to_parquet(f)
    s_duck, s_spark, a, b = _both(tmp_path, spark, [f], source="MoH registry")
    _same(s_duck, s_spark, a, b)
    sql = """SELECT rule, severity, area, period, source, message, details FROM quality_flag
        WHERE rule IN ('ill_defined_share', 'garbage_share', 'injury_unspecified_share',
                       'unknown_age_sex') ORDER BY ALL"""
    flags = b.con.execute(sql).fetchall()
    assert flags == a.con.execute(sql).fetchall()
    assert {f[0] for f in flags} == {
        "ill_defined_share",
        "garbage_share",
        "injury_unspecified_share",
        "unknown_age_sex",
    }
    assert {f[4] for f in flags} == {"MoH registry"}
    assert s_spark.flags_raised == s_duck.flags_raised > 0
    # imported again: the cells and their counts by code are unchanged, and so are the flags
    again = import_deaths_spark(b, [str(f)], spark=spark, source="MoH registry")
    assert (again.created, again.updated) == (0, 0)
    assert b.con.execute(sql).fetchall() == flags


def test_a_file_without_a_required_column_is_refused_alike(
    spark: Any, demo: pd.DataFrame, tmp_path: Path
) -> None:
    f = tmp_path / "cols.parquet"
    demo.drop(columns=["region"]).assign(regoin="KZ-75").to_parquet(f)
    s_duck, s_spark, a, b = _both(tmp_path, spark, [f])
    assert s_duck.status == "ERROR"
    _same(s_duck, s_spark, a, b)
    assert s_spark.notes[0] == s_duck.notes[0]  # the whole file was refused (N rows)


def test_again_is_unchanged_and_cells_are_held_one_way(
    spark: Any, demo: pd.DataFrame, tmp_path: Path
) -> None:
    f = tmp_path / "demo.parquet"
    demo.to_parquet(f)
    with Store.open(tmp_path / "s.duckdb") as store:
        first = import_deaths_spark(store, [str(f)], spark=spark)
        assert (first.status, first.created) == ("SUCCESS", len(demo))
        before = store.con.execute("SELECT * FROM deaths ORDER BY ALL").fetchall()
        again = import_deaths_spark(store, [str(f)], spark=spark)
        assert (again.created, again.updated, again.unchanged) == (0, 0, len(demo))
        assert store.con.execute("SELECT * FROM deaths ORDER BY ALL").fetchall() == before
        assert store.con.execute("SELECT count(*) FROM death_record").fetchall() == [(0,)]
        # a correction: one record's cause changes -> its region-year's records are updated
        fixed = demo.copy()
        fixed.loc[0, "icd10"] = "X59"
        g = tmp_path / "fixed.parquet"
        fixed.to_parquet(g)
        third = import_deaths_spark(store, [str(g)], spark=spark)
        key = (demo.loc[0, "region"], int(str(demo.loc[0, "death_date"])[:4]))
        in_cell = demo[
            (demo["region"] == key[0]) & (demo["death_date"].astype(str).str[:4] == str(key[1]))
        ]
        assert (third.updated, third.unchanged) == (len(in_cell), len(demo) - len(in_cell))
        # undo is refused with the reason; records of a held cell are refused
        plan = undo_import(store, int(third.import_id or 0))
        assert plan.refusal is not None and "--engine spark" in plan.refusal
        s = services.run_import(store, "deaths", [f])
        assert s.status == "ERROR" and "as aggregates without their records" in (
            s.problems[0].message
        )
    with Store.open(tmp_path / "r.duckdb") as store:
        assert services.run_import(store, "deaths", [f]).ok
        s = import_deaths_spark(store, [str(f)], spark=spark)
        assert s.status == "ERROR" and "as unit records" in s.problems[0].message
    # a server's store (accounts: imports wait for approval) refuses aggregates
    from salamat.services.accounts import add_user

    with Store.open(tmp_path / "server.duckdb") as store:
        add_user(store, "ana", "admin", "a long password 1")
        with pytest.raises(InputError, match="without accounts"):
            import_deaths_spark(store, [str(f)], spark=spark)


def test_cli_engine_spark_and_a_folder(spark: Any, demo: pd.DataFrame, tmp_path: Path) -> None:
    folder = tmp_path / "lake"
    folder.mkdir()
    demo.iloc[:900].to_parquet(folder / "part-0.parquet")
    demo.iloc[900:].to_parquet(folder / "part-1.parquet")
    db = tmp_path / "s.duckdb"
    r = CliRunner().invoke(
        app,
        [
            *("import", "deaths", str(folder), "--engine", "spark"),
            *("--spark-master", "local[2]", "--db", str(db), "--format", "json"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert f'"created": {len(demo)}' in r.output
    r = CliRunner().invoke(
        app, ["import", "orgunits", str(folder), "--engine", "spark", "--db", str(db)]
    )
    assert r.exit_code == 2 and "deaths and population only" in r.output
    # a corrupt file in the folder: Spark fails while reading it, a clear error (exit 2)
    (folder / "part-2.parquet").write_bytes(b"PAR1" + bytes(range(200)) + b"PAR1")
    r = CliRunner().invoke(
        app, ["import", "deaths", str(folder), "--engine", "spark", "--db", str(db)]
    )
    assert r.exit_code == 2 and "Spark could not read the records" in r.output
    assert "Traceback" not in r.output
    missing = str(tmp_path / "nowhere")
    r = CliRunner().invoke(
        app, ["import", "deaths", missing, "--engine", "spark", "--db", str(db), "--format", "json"]
    )
    assert r.exit_code == 1 and "cannot be read as Parquet" in r.output
    r = CliRunner().invoke(
        app, ["import", "deaths", missing, "--spark-master", "local[2]", "--db", str(db)]
    )
    assert r.exit_code == 2 and "--spark-master is for --engine spark" in r.output


def test_sample_file_as_parquet(spark: Any, tmp_path: Path) -> None:
    """The hand-made sample (aliases, ended and new units, birth dates) as Parquet."""
    f = tmp_path / "sample.parquet"
    pd.read_csv(DATA / "deaths_sample.csv", dtype=str, keep_default_na=False).to_parquet(f)
    s_duck, s_spark, a, b = _both(tmp_path, spark, [f])
    assert s_duck.created == 14
    _same(s_duck, s_spark, a, b)


@pytest.mark.parametrize("dialect", [DUCKDB, SPARK], ids=["duckdb", "spark"])
def test_generated_sql_snapshot(dialect: Any) -> None:
    """The SQL each engine runs, kept as a file: a change to the definition shows in review
    (``SALAMAT_UPDATE_SNAPSHOTS=1`` writes them again)."""
    columns = {
        "id": "VARCHAR",
        "sex": "VARCHAR",
        "birth_date": "VARCHAR",
        "age": "BIGINT",
        "death_date": "DATE",
        "region": "VARCHAR",
        "icd10": "VARCHAR",
    }
    keys = ("rid", "cid") if dialect is DUCKDB else ("region", "icd10")
    text = (
        dv_region_sql(dialect, "_src0", "KZ-75")
        + "\n;\n"
        + detail_sql(dialect, "_src0", columns, date(2026, 1, 1), keys=keys)
        + "\n;\n"
        # the one aggregation: over the store's dictionary ids (DuckDB), over texts (Spark)
        + aggregate_sql(
            "_records",
            keys=keys,
            dictionaries=("death_region", "death_code") if dialect is DUCKDB else None,
        )
    )
    path = SNAPSHOTS / f"deaths_sql_{dialect.name}.sql"
    if os.environ.get("SALAMAT_UPDATE_SNAPSHOTS"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
