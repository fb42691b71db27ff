"""``import deaths --aggregates-only``: the records checked as by the default import, only their
counts stored.

Every test compares the aggregates-only import with the default import of the same files into
another store: status, counts, reasons, the problem list (file, row, field, message, value), the
``deaths`` table and the quality flags, all exactly equal. A clean file of typed dates is proved
clean by counting (no record staged); a file with any problem, or with text dates, is checked
record by record: the tests check which way each file went, so that a wrong proof cannot hide
behind the slower path.
"""

from __future__ import annotations

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
from salamat.ingest import death_aggregates as ingest_aggregates
from salamat.ingest.summary import ImportSummary
from salamat.services import imports as services
from salamat.services.revisions import undo_import
from salamat.store.connection import Store

_OPEN = ExitStack()
FLAGS = """SELECT rule, severity, area, period, sex, age, cause, source, message, details
    FROM quality_flag ORDER BY ALL"""
DEATHS = "SELECT region, year, sex, age, cause, deaths FROM deaths ORDER BY ALL"


@pytest.fixture(autouse=True)
def _close_stores() -> Iterator[None]:
    yield
    _OPEN.close()


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    """The demo's synthetic death records of Astana 2023 and of South Kazakhstan region 2016
    (a unit that ended in 2018), every fourth: about 2,500 records, dates typed."""
    from salamat.demo.synthetic import synthetic_deaths, synthetic_population

    pop = synthetic_population()
    pop = pop[
        ((pop["region"] == "KZ-71") & (pop["year"] == 2023))
        | ((pop["region"] == "KZ-ONT") & (pop["year"] == 2016))
    ]
    d = synthetic_deaths(pop.reset_index(drop=True), seed=11).iloc[::4].reset_index(drop=True)
    d["birth_date"] = pd.to_datetime(d["birth_date"]).dt.date
    d["death_date"] = pd.to_datetime(d["death_date"]).dt.date
    return d


def _shape(demo: pd.DataFrame, shape: str) -> pd.DataFrame:
    """The records with birth dates and no age (``dates``) or an age and no birth date."""
    return demo.drop(columns=["age" if shape == "dates" else "birth_date"]).copy()


class _Path:
    """Which way the aggregates-only import checked the records: ``staged`` is 0 when every
    record was proved clean by counting, 1 when they were checked one by one (a spy on the
    proof)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.proofs: list[bool] = []
        real = ingest_aggregates.count_if_clean

        def spy(*args: Any, **kwargs: Any) -> int | None:
            counted = real(*args, **kwargs)
            self.proofs.append(counted is not None)
            return counted

        monkeypatch.setattr(ingest_aggregates, "count_if_clean", spy)

    @property
    def staged(self) -> int:
        return 0 if self.proofs == [True] else 1


@pytest.fixture
def path_taken(monkeypatch: pytest.MonkeyPatch) -> _Path:
    return _Path(monkeypatch)


def _pair(
    tmp_path: Path, files: list[Path], **options: Any
) -> tuple[ImportSummary, ImportSummary, Store, Store]:
    """Import ``files`` with the default import into one new store and with
    ``--aggregates-only`` into another."""
    a = _OPEN.enter_context(Store.open(tmp_path / "records.duckdb"))
    b = _OPEN.enter_context(Store.open(tmp_path / "aggregates.duckdb"))
    s_rec = services.run_import(a, "deaths", files, **options)
    s_agg = services.run_import(b, "deaths", files, aggregates_only=True, **options)
    return s_rec, s_agg, a, b


def _same(s_rec: ImportSummary, s_agg: ImportSummary, a: Store, b: Store) -> None:
    for name in ("status", "total", "rejected", "problem_count", "created", "updated"):
        assert getattr(s_agg, name) == getattr(s_rec, name), name
    assert dict(s_agg.reasons) == dict(s_rec.reasons)
    assert s_agg.problems == s_rec.problems
    assert b.con.execute(DEATHS).fetchall() == a.con.execute(DEATHS).fetchall()
    assert b.con.execute(FLAGS).fetchall() == a.con.execute(FLAGS).fetchall()
    assert b.con.execute("SELECT count(*) FROM death_record").fetchall() == [(0,)]


@pytest.mark.parametrize("shape", ["dates", "age"])
def test_a_clean_typed_file_is_counted_without_staging(
    demo: pd.DataFrame, tmp_path: Path, path_taken: _Path, shape: str
) -> None:
    f = tmp_path / "clean.parquet"
    _shape(demo, shape).to_parquet(f)
    s_rec, s_agg, a, b = _pair(tmp_path, [f])
    assert path_taken.staged == 0
    assert s_agg.status == "SUCCESS" and s_agg.created == s_agg.total == len(demo)
    _same(s_rec, s_agg, a, b)
    assert any("--aggregates-only: the records stayed in the files" in n for n in s_agg.notes)
    assert b.con.execute("SELECT engine FROM death_aggregate_import").fetchall() == [("duckdb",)]
    n = b.con.execute("SELECT sum(deaths) FROM deaths WHERE cause = 'all'").fetchall()[0][0]
    assert n == len(demo) > 2000
    # the import log's digest of the file is the default import's
    sql = "SELECT sha256 FROM import_log"
    assert b.con.execute(sql).fetchall() == a.con.execute(sql).fetchall()


def test_record_level_quality_rules_give_the_same_flags(
    demo: pd.DataFrame, tmp_path: Path, path_taken: _Path
) -> None:
    d = _shape(demo, "dates")
    d.loc[d.index % 5 == 0, "icd10"] = "R99"  # ill-defined, and a level-1 garbage code
    d.loc[d.index % 7 == 0, "icd10"] = "X59"  # unspecified injury
    d.loc[d.index % 9 == 0, "icd10"] = "A41.9"  # septicaemia: a major garbage code
    d.loc[d.index % 11 == 0, "sex"] = "U"  # sex not stated: a valid record
    f = tmp_path / "quality.parquet"
    d.to_parquet(f)
    s_rec, s_agg, a, b = _pair(tmp_path, [f], source="MoH registry")
    assert path_taken.staged == 0
    _same(s_rec, s_agg, a, b)
    rules = {r[0] for r in b.con.execute(FLAGS).fetchall()}
    assert {"ill_defined_share", "garbage_share", "injury_unspecified_share"} <= rules
    assert "unknown_age_sex" in rules
    assert s_agg.flags_raised == s_rec.flags_raised > 0


# One record made wrong (or odd), in a file of typed dates: (shape, column, value, a problem?)
EDITS = [
    ("dates", "birth_date", None, True),
    ("dates", "birth_date", date(2023, 12, 31), True),  # after the death
    ("dates", "birth_date", date(1880, 1, 1), True),  # over 130 years
    ("dates", "death_date", None, True),
    ("dates", "death_date", date(2999, 1, 1), True),  # in the future
    ("dates", "region", "KZ-99", True),
    ("dates", "region", None, True),
    ("dates", "icd10", "I2", True),
    ("dates", "icd10", None, True),
    ("dates", "sex", "X", True),
    ("dates", "sex", None, True),
    ("dates", "id", None, True),
    ("dates", "id", "", True),
    ("dates", "id", "   ", True),
    ("dates", "id", "A\tB", True),
    ("dates", "id", "dup", True),  # the id of another record
    ("dates", "id", "dup\u00a0", True),  # the same after trim (a no-break space)
    ("dates", "id", " lead", False),  # blanks are trimmed: not a problem
    ("dates", "id", "Өскемен-1", False),  # not ASCII
    ("dates", "sex", "u", False),  # sex not stated
    ("age", "age", -1, True),
    ("age", "age", 131, True),
    ("age", "age", None, True),
]


@pytest.mark.parametrize(("shape", "column", "value", "problem"), EDITS)
def test_one_odd_record_is_found_and_named_alike(
    demo: pd.DataFrame,
    tmp_path: Path,
    path_taken: _Path,
    shape: str,
    column: str,
    value: object,
    problem: bool,
) -> None:
    d = _shape(demo, shape)
    if column == "age":
        d["age"] = d["age"].astype("Int64")
    if column == "id" and value in ("dup", "dup\u00a0"):
        d.loc[3, "id"] = "dup"
    d.loc[40, column] = value
    f = tmp_path / "odd.parquet"
    d.to_parquet(f)
    s_rec, s_agg, a, b = _pair(tmp_path, [f])
    _same(s_rec, s_agg, a, b)
    assert (s_agg.status == "ERROR") is problem
    assert bool(s_agg.problems) is problem
    # a problem is never proved away by counting; "Өскемен-1" and "u" are
    if problem or (column == "id" and value == " lead"):
        assert path_taken.staged == 1
    else:
        assert path_taken.staged == 0


def test_a_region_that_had_ended_on_the_death_date(
    demo: pd.DataFrame, tmp_path: Path, path_taken: _Path
) -> None:
    """South Kazakhstan region (KZ-ONT) ended on 31 December 2017; Abai region (KZ-10) began
    on 1 January 2022."""
    d = _shape(demo, "dates")
    d.loc[:9, "region"] = "KZ-ONT"
    d.loc[:9, "death_date"] = date(2017, 6, 1)
    d.loc[:11, "birth_date"] = date(1950, 1, 1)
    f = tmp_path / "valid.parquet"
    d.to_parquet(f)
    (tmp_path / "valid").mkdir()
    s_rec, s_agg, a, b = _pair(tmp_path / "valid", [f])
    assert path_taken.staged == 0 and s_agg.status == "SUCCESS"
    _same(s_rec, s_agg, a, b)
    _OPEN.close()
    d.loc[10, ["region", "death_date"]] = ["KZ-ONT", date(2018, 1, 2)]
    d.loc[11, ["region", "death_date"]] = ["KZ-10", date(2021, 12, 31)]
    d.to_parquet(f)
    s_rec, s_agg, a, b = _pair(tmp_path, [f])
    assert path_taken.proofs[-1] is False and s_agg.status == "ERROR"
    assert [p.row for p in s_agg.problems] == [11, 12]
    assert {p.field for p in s_agg.problems} == {"region"}
    assert "the region did not exist on the death_date" in s_agg.problems[0].message
    _same(s_rec, s_agg, a, b)


def test_area_for_records_without_a_region(
    demo: pd.DataFrame, tmp_path: Path, path_taken: _Path
) -> None:
    d = _shape(demo, "dates")
    d = d[d["region"] == "KZ-71"].copy()
    d.loc[d.index[:50], "region"] = None
    f = tmp_path / "area.parquet"
    d.to_parquet(f)
    s_rec, s_agg, a, b = _pair(tmp_path, [f], area="KZ-71")
    assert path_taken.staged == 0 and s_agg.status == "SUCCESS"
    _same(s_rec, s_agg, a, b)


def test_text_dates_and_skip_invalid_are_checked_record_by_record(
    demo: pd.DataFrame, tmp_path: Path, path_taken: _Path
) -> None:
    sample = DATA / "deaths_sample.csv"
    (tmp_path / "csv").mkdir()
    s_rec, s_agg, a, b = _pair(tmp_path / "csv", [sample])
    assert path_taken.staged == 1 and s_agg.created == 14
    _same(s_rec, s_agg, a, b)
    _OPEN.close()
    d = demo.astype(str)
    d.loc[10, "sex"] = "X"
    d.loc[20, "icd10"] = ""
    d.loc[30, "id"] = d.loc[31, "id"]
    f = tmp_path / "broken.parquet"
    d.to_parquet(f)
    (tmp_path / "skip").mkdir()
    s_rec, s_agg, a, b = _pair(tmp_path / "skip", [f], skip_invalid=True)
    assert s_agg.status == "WARNING" and s_agg.rejected == 3
    _same(s_rec, s_agg, a, b)


def test_two_files_clean_and_with_a_shared_id(
    demo: pd.DataFrame, tmp_path: Path, path_taken: _Path
) -> None:
    d = _shape(demo, "dates")
    one, two = tmp_path / "one.parquet", tmp_path / "two.parquet"
    d.iloc[:1000].to_parquet(one)
    d.iloc[1000:].to_parquet(two)
    (tmp_path / "clean").mkdir()
    s_rec, s_agg, a, b = _pair(tmp_path / "clean", [one, two])
    assert path_taken.staged == 0 and s_agg.created == len(d)
    _same(s_rec, s_agg, a, b)
    _OPEN.close()
    later = d.iloc[1000:].copy()
    later.iloc[[5, 9], later.columns.get_loc("id")] = d["id"].iloc[[0, 1]].to_numpy()
    later.to_parquet(two)
    for skip in (False, True):
        sub = tmp_path / str(skip)
        sub.mkdir()
        s_rec, s_agg, a, b = _pair(sub, [one, two], skip_invalid=skip)
        assert s_agg.status == ("WARNING" if skip else "ERROR")
        assert len(s_agg.problems) == (2 if skip else 4)
        _same(s_rec, s_agg, a, b)
        _OPEN.close()


def test_again_is_unchanged_and_cells_are_held_one_way(demo: pd.DataFrame, tmp_path: Path) -> None:
    d = _shape(demo, "dates")
    f = tmp_path / "demo.parquet"
    d.to_parquet(f)
    with Store.open(tmp_path / "s.duckdb") as store:
        first = services.run_import(store, "deaths", [f], aggregates_only=True)
        assert (first.status, first.created) == ("SUCCESS", len(d))
        before = store.con.execute("SELECT * FROM deaths ORDER BY ALL").fetchall()
        again = services.run_import(store, "deaths", [f], aggregates_only=True)
        assert (again.created, again.updated, again.unchanged) == (0, 0, len(d))
        assert store.con.execute("SELECT * FROM deaths ORDER BY ALL").fetchall() == before
        # a corrected record: its region-year's records are updated, the other's unchanged
        fixed = d.copy()
        fixed.loc[0, "icd10"] = "X59"
        g = tmp_path / "fixed.parquet"
        fixed.to_parquet(g)
        third = services.run_import(store, "deaths", [g], aggregates_only=True)
        in_cell = int((d["region"] == d.loc[0, "region"]).sum())
        assert (third.updated, third.unchanged) == (in_cell, len(d) - in_cell)
        plan = undo_import(store, int(third.import_id or 0))
        assert plan.refusal is not None and "--aggregates-only" in plan.refusal
        s = services.run_import(store, "deaths", [f])
        assert s.status == "ERROR"
        assert "as aggregates without their records" in s.problems[0].message
    with Store.open(tmp_path / "r.duckdb") as store:
        assert services.run_import(store, "deaths", [f]).ok
        s = services.run_import(store, "deaths", [f], aggregates_only=True)
        assert s.status == "ERROR" and "as unit records" in s.problems[0].message
    from salamat.services.accounts import add_user

    with Store.open(tmp_path / "server.duckdb") as store:
        add_user(store, "ana", "admin", "a long password 1")
        with pytest.raises(InputError, match="without accounts"):
            services.run_import(store, "deaths", [f], aggregates_only=True)


def test_dry_run_writes_nothing(demo: pd.DataFrame, tmp_path: Path) -> None:
    f = tmp_path / "demo.parquet"
    _shape(demo, "dates").to_parquet(f)
    with Store.open(tmp_path / "s.duckdb") as store:
        s = services.run_import(store, "deaths", [f], aggregates_only=True, dry_run=True)
        assert s.status == "DRY_RUN" and s.created == len(demo)
        assert store.con.execute("SELECT count(*) FROM deaths").fetchall() == [(0,)]
        assert store.con.execute("SELECT count(*) FROM import_log").fetchall() == [(0,)]


def test_cli(demo: pd.DataFrame, tmp_path: Path) -> None:
    f = tmp_path / "demo.parquet"
    _shape(demo, "dates").to_parquet(f)
    db = tmp_path / "s.duckdb"
    run = CliRunner().invoke
    r = run(
        app, ["import", "deaths", str(f), "--aggregates-only", "--db", str(db), "--format", "json"]
    )
    assert r.exit_code == 0, r.output
    assert f'"created": {len(demo)}' in r.output
    r = run(app, ["import", "population", str(f), "--aggregates-only", "--db", str(db)])
    assert r.exit_code == 2 and "--aggregates-only is for deaths" in r.output
    r = run(
        app,
        ["import", "deaths", str(f), "--aggregates-only", "--server", "http://127.0.0.1:9"],
    )
    assert r.exit_code == 2 and "--server and --aggregates-only" in r.output
    assert "Traceback" not in r.output


def test_integer_and_dictionary_ids(demo: pd.DataFrame, tmp_path: Path, path_taken: _Path) -> None:
    """Ids as integers, and as texts Parquet keeps in a dictionary: proved distinct alike; a
    repeated integer id is found and named as by the default import."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    d = _shape(demo, "dates")
    d["id"] = range(1000, 1000 + len(d))
    f = tmp_path / "int.parquet"
    d.to_parquet(f)
    (tmp_path / "int").mkdir()
    s_rec, s_agg, a, b = _pair(tmp_path / "int", [f])
    assert path_taken.proofs == [True]
    _same(s_rec, s_agg, a, b)
    _OPEN.close()
    d.loc[7, "id"] = 1003
    d.to_parquet(f)
    (tmp_path / "intdup").mkdir()
    s_rec, s_agg, a, b = _pair(tmp_path / "intdup", [f])
    assert path_taken.proofs[-1] is False and s_agg.status == "ERROR"
    _same(s_rec, s_agg, a, b)
    _OPEN.close()
    table = pa.Table.from_pandas(_shape(demo, "dates"), preserve_index=False)
    table = table.set_column(0, "id", table.column("id").dictionary_encode())
    g = tmp_path / "dict.parquet"
    pq.write_table(table, g)
    s_rec, s_agg, a, b = _pair(tmp_path, [g])
    assert path_taken.proofs[-1] is True
    _same(s_rec, s_agg, a, b)


@pytest.mark.parametrize("value", ["ok", "A\tB", "dup", "dup\u00a0", "Өскемен-1"])
def test_ids_too_many_to_hold_are_read_twice_alike(
    demo: pd.DataFrame,
    tmp_path: Path,
    path_taken: _Path,
    monkeypatch: pytest.MonkeyPatch,
    value: str,
) -> None:
    """Ids beyond the memory allowed for them are read twice (hashes by DuckDB, bytes a block
    at a time): the same verdicts as when held once."""
    from salamat.store import death_aggregates

    monkeypatch.setattr(death_aggregates, "ID_MEMORY_BYTES", 0)
    d = _shape(demo, "dates")
    d.loc[3, "id"] = "dup"
    if value != "ok":
        d.loc[40, "id"] = value
    f = tmp_path / "ids.parquet"
    d.to_parquet(f)
    s_rec, s_agg, a, b = _pair(tmp_path, [f])
    _same(s_rec, s_agg, a, b)
    assert path_taken.proofs == [value in ("ok", "Өскемен-1")]
