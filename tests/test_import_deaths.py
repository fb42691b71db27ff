from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import DATA, table_snapshot
from salamat.services import imports as services
from salamat.store.connection import Store

SAMPLE = DATA / "deaths_sample.csv"
HEADER = "id,sex,birth_date,age,death_date,region,icd10\n"


def deaths(store: Store, **where: object) -> dict[str, int]:
    sql = "SELECT cause, sum(deaths) FROM deaths"
    if where:
        sql += " WHERE " + " AND ".join(f"{k} = ?" for k in where)
    return {
        c: int(n)
        for c, n in store.con.execute(sql + " GROUP BY cause", list(where.values())).fetchall()
    }


def test_real_shaped_file_is_normalised_and_aggregated(store: Store) -> None:
    s = services.run_import(store, "deaths", [SAMPLE])
    assert (s.status, s.created, s.rejected) == ("SUCCESS", 14, 0)
    rec = dict(store.con.execute("SELECT id, icd10 FROM death_record").fetchall())
    assert rec["KZ75-2023-000001"] == rec["KZ75-2023-000002"] == "I219"
    sex = dict(store.con.execute("SELECT id, sex FROM death_record").fetchall())
    assert sex["KZ75-2023-000003"] == "male" and sex["KZ75-2023-000004"] == "female"
    age = dict(store.con.execute("SELECT id, age FROM death_record").fetchall())
    assert age["KZ71-2023-000002"] == 47  # one day before the 48th birthday
    assert age["KZ71-2023-000003"] == 55
    assert age["KZ75-2023-000005"] == 92
    kz75 = deaths(store, region="KZ-75", year=2023)
    assert kz75 == {"all": 5, "circulatory": 2, "ncd4": 3, "cancer": 1, "ill_defined": 1}
    kz71 = deaths(store, region="KZ-71", year=2023)
    assert kz71 == {
        "all": 5,
        "external": 1,
        "diabetes": 1,
        "respiratory_chronic": 1,
        "ncd4": 2,
        "tuberculosis": 1,
    }
    # each unit on its own side of the border changes
    assert deaths(store, region="KZ-ALM", year=2021) == {"all": 1, "cancer": 1, "ncd4": 1}
    assert deaths(store, region="KZ-19", year=2022)["circulatory"] == 1
    # J18.9 (pneumonia) is outside J30-J98: not a chronic respiratory death
    assert deaths(store, region="KZ-ONT") == {"all": 1}


def test_aggregates_equal_a_recount_of_the_records(store: Store, tmp_path: Path) -> None:
    from salamat.demo.synthetic import synthetic_deaths, synthetic_population

    pop = synthetic_population()
    pop = pop[pop["region"].isin(["KZ-75", "KZ-ONT", "KZ-61"]) | (pop["year"] == 2023)]
    d = synthetic_deaths(pop.reset_index(drop=True), seed=7)
    f = tmp_path / "d.parquet"
    d.to_parquet(f)
    assert services.run_import(store, "deaths", [f]).ok
    year = pd.to_datetime(d["death_date"]).dt.year
    icd3 = d["icd10"].str.replace(".", "", regex=False).str[:3]
    expect_all = d.assign(year=year).groupby(["region", "year", "sex", "age"]).size()
    got = store.con.execute(
        "SELECT region, year, sex, age, deaths FROM deaths WHERE cause = 'all'"
    ).df()
    got["sex"] = got["sex"].map({"female": "F", "male": "M"})
    got = got.set_index(["region", "year", "sex", "age"])["deaths"].sort_index()
    assert got.to_dict() == expect_all.sort_index().to_dict()
    ncd = (
        icd3.between("I00", "I99")
        | icd3.between("C00", "C97")
        | icd3.between("E10", "E14")
        | icd3.between("J30", "J98")
    )
    assert deaths(store)["ncd4"] == int(ncd.sum())
    assert deaths(store)["all"] == len(d)


def test_files_imported_together_are_aggregated_once_and_alike(
    store: Store, tmp_path: Path
) -> None:
    """Several files in one import re-aggregate once, after the last (issue 12): into an empty
    store the deaths equal those of one file holding every record; into a store holding
    records, with corrections that move records between region-years, they equal a recount of
    every stored record."""
    from salamat.demo.synthetic import synthetic_deaths, synthetic_population
    from salamat.store.records import reaggregate

    pop = synthetic_population()
    pop = pop[pop["region"].isin(["KZ-75", "KZ-61"]) & pop["year"].isin([2022, 2023])]
    d = synthetic_deaths(pop.reset_index(drop=True), seed=3).iloc[::3].reset_index(drop=True)
    parts = [tmp_path / f"p{i}.parquet" for i in range(4)]
    for i, part in enumerate(parts):
        d.iloc[i::4].to_parquet(part)
    whole = tmp_path / "whole.parquet"
    d.to_parquet(whole)
    sql = "SELECT region, year, sex, age, cause, deaths FROM deaths ORDER BY ALL"
    with Store.open(tmp_path / "one.duckdb") as one:
        assert services.run_import(one, "deaths", [whole]).ok
        expected = one.con.execute(sql).fetchall()
    s = services.run_import(store, "deaths", parts[:3])
    assert s.ok and s.created == len(d) - len(d.iloc[3::4])
    # the fourth part, with corrections of records of the first: another region, another year
    fixed = d.iloc[0:40:4].copy()
    fixed["region"] = fixed["region"].map({"KZ-75": "KZ-61", "KZ-61": "KZ-75"})
    fixed["death_date"] = fixed["death_date"].astype(str).str.replace("2023-", "2022-")
    fix = tmp_path / "fix.parquet"
    fixed.to_parquet(fix)
    s = services.run_import(store, "deaths", [parts[3], fix])
    assert s.ok and (s.created, s.updated) == (len(d.iloc[3::4]), len(fixed))
    got = store.con.execute(sql).fetchall()
    reaggregate(store)
    assert got == store.con.execute(sql).fetchall()
    assert got != expected  # the corrections moved deaths
    # the corrections undone: the deaths of the four parts, as of the whole file
    from salamat.services.revisions import undo_import

    assert undo_import(store, int(s.import_id or 0)).refusal is None
    assert services.run_import(store, "deaths", [parts[3]]).ok
    assert store.con.execute(sql).fetchall() == expected


BAD = [
    ("X1,F,1950-02-30,,2023-01-05,KZ-75,I21.9", "birth_date", "no such date"),
    ("X1,F,1950-01-01,,2023-13-05,KZ-75,I21.9", "death_date", "no such date"),
    ("X1,F,1950-01-01,,05/01/2023,KZ-75,I21.9", "death_date", "ISO date"),
    ("X1,F,1950-01-01,,2031-01-01,KZ-75,I21.9", "death_date", "in the future"),
    ("X1,F,2024-01-01,,2023-01-01,KZ-75,I21.9", "birth_date", "after death_date"),
    ("X1,F,,-3,2023-01-01,KZ-75,I21.9", "age", "from 0 to 130"),
    ("X1,F,1950-01-01,40,2023-01-01,KZ-75,I21.9", "age", "does not match"),
    ("X1,F,,,2023-01-01,KZ-75,I21.9", "age", "give birth_date or age"),
    ("X1,F,,,2023-01-01,KZ-75,I21.9", "age", "or unknown when the registration does not state"),
    ("X1,F,,unknow,2023-01-01,KZ-75,I21.9", "age", "whole number"),
    ("X1,X,1950-01-01,,2023-01-01,KZ-75,I21.9", "sex", "expected female or male"),
    ("X1,,1950-01-01,,2023-01-01,KZ-75,I21.9", "sex", "or unknown (also U, 9)"),
    ("X1,F,1950-01-01,,2023-01-01,KZ-99,I21.9", "region", "unknown org unit"),
    ("X1,F,1950-01-01,,2015-01-01,KZ-79,I21.9", "region", "did not exist on the death_date"),
    ("X1,F,1950-01-01,,2023-01-01,KZ-75,I2.19", "icd10", "ICD-10 code"),
    ("X1,F,1950-01-01,,2023-01-01,KZ-75,heart", "icd10", "ICD-10 code"),
    ("X1,F,1950-01-01,,2023-01-01,KZ-75,", "icd10", "underlying cause is required"),
    (",F,1950-01-01,,2023-01-01,KZ-75,I21.9", "id", "record id is required"),
]


def test_unknown_age_or_sex_is_kept_and_left_out_of_the_aggregates(
    store: Store, tmp_path: Path
) -> None:
    f = tmp_path / "unknown.csv"
    f.write_text(
        HEADER
        + "U1,9,,unknown,2023-01-01,KZ-75,I21.9\n"  # neither age nor sex stated
        + "U2,F,,U,2023-01-02,KZ-75,I21.9\n"  # age not stated
        + "U3,unknown,1950-01-01,,2023-01-03,KZ-75,I21.9\n"  # sex not stated
        + "U4,M,,60,2023-01-04,KZ-75,I21.9\n"
    )
    s = services.run_import(store, "deaths", [f])
    assert (s.status, s.created, s.rejected) == ("SUCCESS", 4, 0)
    rec = {
        r[0]: r[1:] for r in store.con.execute("SELECT id, sex, age FROM death_record").fetchall()
    }
    assert rec == {
        "U1": ("unknown", None),
        "U2": ("female", None),
        "U3": ("unknown", 73),
        "U4": ("male", 60),
    }
    assert deaths(store) == {"all": 1, "circulatory": 1, "ncd4": 1}  # only U4 has age and sex
    # a later registration that states the age is a correction, and enters the aggregates
    f.write_text(HEADER + "U2,F,,71,2023-01-02,KZ-75,I21.9\n")
    s = services.run_import(store, "deaths", [f])
    assert (s.created, s.updated) == (0, 1)
    assert deaths(store)["all"] == 2


@pytest.mark.parametrize(("row", "field", "fragment"), BAD)
def test_every_bad_record_is_named_and_nothing_is_written(
    store: Store, tmp_path: Path, row: str, field: str, fragment: str
) -> None:
    services.run_import(store, "deaths", [SAMPLE])
    before = table_snapshot(store)
    f = tmp_path / "bad.csv"
    f.write_text(HEADER + "OK1,M,1960-01-01,,2023-01-01,KZ-75,I21.9\n" + row + "\n")
    s = services.run_import(store, "deaths", [f])
    assert s.status == "ERROR" and s.rejected == 1
    assert [(p.row, p.field) for p in s.problems] == [(3, field)]
    assert fragment in s.problems[0].message
    assert table_snapshot(store) == before


def test_duplicate_record_ids(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "dup.csv"
    f.write_text(
        HEADER + "A,M,1960-01-01,,2023-01-01,KZ-75,I21.9\n"
        "B,M,1960-01-01,,2023-01-01,KZ-75,I21.9\n"
        "A,F,1970-01-01,,2023-02-01,KZ-75,C34.9\n"
    )
    s = services.run_import(store, "deaths", [f])
    assert s.status == "ERROR"
    assert [(p.row, p.field) for p in s.problems] == [(4, "id")]
    assert "first at row 2" in s.problems[0].message
    g = tmp_path / "other.csv"
    g.write_text(HEADER + "B,M,1960-01-01,,2023-01-01,KZ-75,I21.9\n")
    f.write_text(HEADER + "B,M,1960-01-01,,2023-01-01,KZ-75,I21.9\n")
    s = services.run_import(store, "deaths", [f, g])
    assert s.status == "ERROR" and {p.file for p in s.problems} == {str(f), str(g)}


def test_parquet_typed_columns_and_record_numbers(store: Store, tmp_path: Path) -> None:
    df = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    df["death_date"] = pd.to_datetime(df["death_date"]).dt.date
    df.loc[3, "icd10"] = "bad"
    f = tmp_path / "d.parquet"
    df.to_parquet(f)
    s = services.run_import(store, "deaths", [f])
    assert [(p.row, p.field) for p in s.problems] == [(4, "icd10")]  # 1-based record number


def test_same_file_twice_and_a_correction(store: Store, tmp_path: Path) -> None:
    assert services.run_import(store, "deaths", [SAMPLE]).created == 14
    before = table_snapshot(store)
    s = services.run_import(store, "deaths", [SAMPLE])
    assert (s.created, s.updated, s.unchanged) == (0, 0, 14)
    after = table_snapshot(store)
    for t in ("death_record", "deaths", "observation", "population"):
        assert after[t] == before[t]
    fixed = tmp_path / "fixed.csv"
    fixed.write_text(HEADER + "KZ75-2023-000005,female,1931-01-01,,2023-12-31,KZ-75,I25.1\n")
    s = services.run_import(store, "deaths", [fixed])
    assert (s.created, s.updated, s.unchanged) == (0, 1, 0)
    kz75 = deaths(store, region="KZ-75", year=2023)
    assert kz75["circulatory"] == 3 and "ill_defined" not in kz75 and kz75["all"] == 5


def test_dry_run(store: Store) -> None:
    s = services.run_import(store, "deaths", [SAMPLE], dry_run=True)
    assert (s.status, s.created) == ("DRY_RUN", 14)
    assert store.con.execute("SELECT count(*) FROM death_record").fetchall() == [(0,)]


POP = "region,year,sex,age,population\n"


def test_population_import_and_its_errors(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "pop.csv"
    f.write_text(
        POP + "KZ-75,2023,F,0,12000\nKZ-75,2023,F,1,11800\nKZ-75,2023,F,2+,900000\n"
        "KZ-75,2023,male,0,12500\n"
    )
    s = services.run_import(store, "population", [f])
    assert (s.status, s.created) == ("SUCCESS", 4)
    assert services.run_import(store, "population", [f]).unchanged == 4
    before = table_snapshot(store)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        POP + "KZ-75,2023,F,0,-5\n"  # row 2 negative
        "KZ-75,2023,F,1,11800\n"  # row 3 ok
        "KZ-75,2023,F,1,11800\n"  # row 4 duplicate
        "KZ-99,2023,F,3,10\n"  # row 5 unknown region
        "KZ-79,2010,F,3,10\n"  # row 6 not valid yet
        "KZ-75,20x3,F,3,10\n"  # row 7 bad year
        "KZ-75,2023,F,3,ten\n"  # row 8 not a number
        "KZ-75,2022,F,80+,10\n"  # row 9 open band ...
        "KZ-75,2022,F,85,10\n"
    )  # row 10 ... above it
    s = services.run_import(store, "population", [bad])
    assert s.status == "ERROR"
    got = [(p.row, p.field) for p in s.problems]
    assert got == [
        (2, "population"),
        (4, "age"),
        (5, "region"),
        (6, "region"),
        (7, "year"),
        (8, "population"),
        (10, "age"),
    ]
    assert table_snapshot(store) == before


def _kill_during_import(db: Path, tmp_path: Path, args: list[str]) -> None:
    marker = tmp_path / "in-transaction"
    env = {**os.environ, "SALAMAT_TEST_HOLD_IN_TRANSACTION": str(marker)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "salamat", "import", *args, "--db", str(db)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, "the import ended before reaching its transaction"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


@pytest.mark.parametrize("kind", ["deaths", "observations"])
def test_an_import_killed_mid_transaction_leaves_the_store_as_it_was(
    db_path: Path, tmp_path: Path, kind: str
) -> None:
    with Store.open(db_path) as s:
        services.run_import(s, "deaths", [SAMPLE])
        obs = tmp_path / "obs.csv"
        obs.write_text("indicator,area,period,value,source\nle0,KAZ,2020,71.37,BNS\n")
        services.run_import(s, "observations", [obs])
        before = table_snapshot(s)
    new = tmp_path / "new.csv"
    if kind == "deaths":
        new.write_text(HEADER + "NEW1,M,1960-01-01,,2023-01-01,KZ-75,I21.9\n")
    else:
        new.write_text("indicator,area,period,value,source\nle0,KAZ,2021,70.23,BNS\n")
    _kill_during_import(db_path, tmp_path, [kind, str(new)])
    with Store.open(db_path) as s:
        assert table_snapshot(s) == before
        # and the store is still writable
        assert services.run_import(s, kind, [new]).created == 1


def test_first_records_keep_the_cells_held_as_aggregates(store: Store, tmp_path: Path) -> None:
    """A store holding deaths imported as aggregates without records (``--engine spark``) for
    one region and year: the first import of unit records, for another cell, re-aggregates the
    cells of records only and leaves that one as it was (it cannot be recomputed here)."""
    from salamat.store.death_aggregates import merge_death_aggregates

    aggregates = pd.DataFrame(
        {
            "region": ["KZ-10", "KZ-10"],
            "year": [2019, 2019],
            "sex": ["female", "female"],
            "age": [70, 70],
            "cause": ["all", "circulatory"],
            "deaths": [3, 2],
        }
    )
    cells = pd.DataFrame({"region": ["KZ-10"], "year": [2019], "records": [3], "unknown": [0]})
    codes = pd.DataFrame(
        {
            "region": ["KZ-10", "KZ-10"],
            "year": [2019, 2019],
            "icd10": ["I219", "C349"],
            "no_age": [0, 0],
            "no_sex": [0, 0],
            "n": [2, 1],
        }
    )
    with store.transaction():
        merge_death_aggregates(
            store, 999, aggregates, cells, write=True, codes=codes, source="aggregates"
        )
    s = services.run_import(store, "deaths", [SAMPLE])
    assert (s.status, s.created) == ("SUCCESS", 14)
    assert deaths(store, region="KZ-10", year=2019) == {"all": 3, "circulatory": 2}
    assert deaths(store, region="KZ-75", year=2023)["all"] == 5


def test_fewer_distinct_hashes_than_ids_compares_the_texts(store: Store) -> None:
    """Two ids with one 64-bit hash (a collision, as rare as 1 in 10^7 for a file of 10^6
    records) are not duplicates: when the hashes say "maybe", the ids are compared as texts."""
    from datetime import date

    from salamat.ingest.record_files import open_source
    from salamat.store.records import DeathCheck, death_problems, describe, stage_deaths

    try:
        rel = open_source(store, SAMPLE, "_src0")
        columns = describe(store, rel)
        check = stage_deaths(store, rel, columns, date.today())
        assert check.clean and check.records == 14
        collided = DeathCheck(check.records, 0, check.ids, check.ids - 1)
        reasons, problems, bad = death_problems(
            store, str(SAMPLE), 10, rel, columns, date.today(), collided
        )
        assert (dict(reasons), problems, bad) == ({}, [], 0)
    finally:
        store.con.execute("DROP TABLE IF EXISTS _dr")
