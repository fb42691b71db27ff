from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pycountry
import pytest

from salamat.errors import StoreBusyError, StoreError
from salamat.store.connection import Store, default_store_path, resolve_store_path
from salamat.store.reference import load_catalog
from salamat.store.schema import SCHEMA_VERSION


def test_every_iso_country_is_an_org_unit(store: Store) -> None:
    cat = load_catalog(store)
    for c in pycountry.countries:
        assert c.alpha_3 in cat.orgunits
        assert cat.resolve(c.alpha_2) == c.alpha_3
    kaz = cat.orgunits["KAZ"]
    assert (kaz.name_en, kaz.name_kk, kaz.name_ru) == ("Kazakhstan", "Қазақстан", "Казахстан")


def test_groups_ots_and_who_regions(store: Store) -> None:
    rows = store.con.execute(
        "SELECT member, role FROM orgunit_group WHERE group_code = 'OTS' ORDER BY member"
    ).fetchall()
    assert rows == [
        ("AZE", "member"),
        ("HUN", "observer"),
        ("KAZ", "member"),
        ("KGZ", "member"),
        ("TKM", "observer"),
        ("TUR", "member"),
        ("UZB", "member"),
    ]
    eur = store.con.execute(
        "SELECT count(*) FROM orgunit_group WHERE group_code = 'WHO-EUR'"
    ).fetchall()[0][0]
    assert eur == 53  # the WHO European Region's member states
    kaz_region = store.con.execute(
        "SELECT group_code FROM orgunit_group WHERE member = 'KAZ' AND group_code LIKE 'WHO-%'"
    ).fetchall()
    assert kaz_region == [("WHO-EUR",)]


def test_kazakhstan_regions_before_and_after_both_reforms(store: Store) -> None:
    cat = load_catalog(store)
    today = [c for c, u in cat.orgunits.items() if u.parent == "KAZ" and u.valid_to is None]
    assert len(today) == 20
    assert cat.orgunits["KZ-10"].name_kk == "Абай облысы"
    ont = cat.orgunits["KZ-ONT"]
    assert ont.valid_to == date(2017, 12, 31)
    assert [s for s, _ in cat.successors["KZ-ONT"]] == ["KZ-61", "KZ-79"]
    for old, new in (
        ("KZ-VOS", {"KZ-63", "KZ-10"}),
        ("KZ-ALM", {"KZ-19", "KZ-33"}),
        ("KZ-KAR", {"KZ-35", "KZ-62"}),
    ):
        assert cat.orgunits[old].valid_to == date(2021, 12, 31)
        assert {s for s, _ in cat.successors[old]} == new
        for s in new:
            assert cat.orgunits[s].valid_from == date(2022, 1, 1)
    # unchanged units keep their old letter codes as aliases
    assert cat.resolve("KZ-AKM") == "KZ-11"
    assert cat.resolve("KAZ004") == "KZ-75"  # UN P-code
    # KZ-YUZ meant South Kazakhstan, then Turkistan: ambiguous, so it is no alias
    assert cat.resolve("KZ-YUZ") is None


def test_store_path_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SALAMAT_DB", str(tmp_path / "env.duckdb"))
    assert resolve_store_path(None) == tmp_path / "env.duckdb"
    assert resolve_store_path(tmp_path / "x.duckdb") == tmp_path / "x.duckdb"
    monkeypatch.delenv("SALAMAT_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert (
        resolve_store_path(None) == default_store_path() == tmp_path / "xdg/salamat/salamat.duckdb"
    )


def test_reading_a_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store at"):
        Store.connect(tmp_path / "nothing.duckdb", read_only=True)


def test_a_second_writer_gets_store_is_busy(db_path: Path) -> None:
    Store.connect(db_path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import sys, time
        from salamat.store.connection import Store
        s = Store.connect({str(db_path)!r})
        print("open", flush=True)
        time.sleep(30)
    """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreBusyError, match=rf"store is busy: .* process {holder.pid}"):
            Store.connect(db_path)
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    Store.connect(db_path).close()  # free again once the holder is gone


def test_reopening_keeps_data_and_does_not_reload(db_path: Path) -> None:
    with Store.open(db_path) as s:
        s.con.execute("UPDATE orgunit SET note = 'mine' WHERE code = 'KAZ'")
    with Store.open(db_path) as s:
        assert s.con.execute("SELECT note FROM orgunit WHERE code='KAZ'").fetchall() == [("mine",)]


def test_a_server_holding_the_store_is_named_with_what_to_do(db_path: Path) -> None:
    Store.connect(db_path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import sys, time
        from salamat.store.connection import Store
        s = Store.connect({str(db_path)!r})
        print("open", flush=True)
        time.sleep(30)
    """),
            "serve",  # as `salamat serve` shows in the process list
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreBusyError, match="stop the server") as info:
            Store.connect(db_path)
        assert "when it has finished" not in str(info.value)
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


def test_a_read_of_an_older_store_upgrades_it_first(tmp_path: Path) -> None:
    from salamat.store.schema import SCHEMA_VERSION

    path = tmp_path / "old.duckdb"
    with Store.open(path) as s:
        s.con.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION - 1)]
        )
    # a read-only command (series, info, serve) on the store of an older Salamat: upgraded in
    # one write, then read as asked (it used to stop with "open it once for writing")
    s = Store.connect(path, read_only=True)
    try:
        assert s.read_only
        row = s.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        assert row == (str(SCHEMA_VERSION),)
    finally:
        s.close()
    # a store of a newer Salamat is refused, never downgraded
    with Store.open(path) as w:
        w.con.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)]
        )
    with pytest.raises(StoreError, match="version"):
        Store.connect(path, read_only=True)


def test_a_schema_8_store_keeps_its_death_records_and_their_sources(db_path: Path) -> None:
    """Schema 9 keeps a record's source once per import: a store written before keeps every
    record, every earlier version and every source (several of one import joined)."""
    old = """id VARCHAR NOT NULL, region VARCHAR NOT NULL, death_date DATE NOT NULL,
        year INTEGER NOT NULL, sex VARCHAR NOT NULL, age INTEGER, icd10 VARCHAR NOT NULL,
        source VARCHAR NOT NULL, import_id INTEGER NOT NULL"""
    records = [
        ("a1", "KZ-75", date(2020, 5, 1), 2020, "female", 70, "I219", "A", 1),
        ("a2", "KZ-75", date(2020, 6, 1), 2020, "male", None, "C349", "A", 1),
        ("b1", "KZ-11", date(2021, 1, 2), 2021, "unknown", 50, "X70", "f1.csv", 2),
        ("b2", "KZ-11", date(2021, 1, 3), 2021, "male", 51, "I64", "f2.csv", 2),
    ]
    with Store.open(db_path) as s:
        for t in ("death_record", "death_record_version"):
            s.con.execute(f"DROP VIEW {t}")
        for t in ("death_record_data", "death_record_version_data", "death_record_source"):
            s.con.execute(f"DROP TABLE {t}")
        s.con.execute(f"CREATE TABLE death_record ({old})")
        s.con.execute(f"CREATE TABLE death_record_version ({old}, superseded_by INTEGER NOT NULL)")
        s.con.executemany("INSERT INTO death_record VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", records)
        s.con.execute(
            "INSERT INTO death_record_version VALUES "
            "('b1', 'KZ-11', DATE '2021-01-02', 2021, 'male', 50, 'X70', 'A', 1, 2)"
        )
        s.con.execute("UPDATE meta SET value = '8' WHERE key = 'schema_version'")
    for _ in range(2):  # the upgrade, then an ordinary reopening
        with Store.open(db_path) as s:
            rows = s.con.execute("SELECT * FROM death_record ORDER BY id").fetchall()
            assert rows == [r[:7] + r[8:] for r in records]
            assert s.con.execute("SELECT * FROM death_record_version").fetchall() == [
                ("b1", "KZ-11", date(2021, 1, 2), 2021, "male", 50, "X70", 1, 2)
            ]
            assert s.con.execute("SELECT * FROM death_record_source ORDER BY 1").fetchall() == [
                (1, "A"),
                (2, "f1.csv; f2.csv"),
            ]
            sql = s.con.execute(
                "SELECT sql FROM duckdb_tables() WHERE table_name = 'death_record_data'"
            ).fetchall()[0][0]
            assert "id VARCHAR USING COMPRESSION" in sql and "source" not in sql
            version = s.con.execute("SELECT value FROM meta WHERE key = 'schema_version'")
            assert version.fetchall() == [(str(SCHEMA_VERSION),)]  # upgraded to the current


def test_a_schema_10_store_keeps_its_death_records_under_dictionary_ids(db_path: Path) -> None:
    """Schema 11 stores a death record's region and code as dictionary ids, without the year:
    a store written before keeps every record and earlier version, read back exactly as they
    were (same columns, same values), and the deaths re-aggregated from them are unchanged."""
    from salamat.store.records import reaggregate

    v10 = """id VARCHAR USING COMPRESSION uncompressed NOT NULL, region VARCHAR NOT NULL,
        death_date DATE NOT NULL, year INTEGER NOT NULL, sex VARCHAR NOT NULL, age INTEGER,
        icd10 VARCHAR NOT NULL, import_id INTEGER NOT NULL"""
    records = [
        ("a1", "KZ-75", date(2020, 5, 1), 2020, "female", 70, "I219", 1),
        ("a2", "KZ-75", date(2020, 6, 1), 2020, "male", None, "C349", 1),
        ("a3", "KZ-75", date(2020, 7, 1), 2020, "male", 64, "I219", 1),
        ("b1", "KZ-11", date(2021, 1, 2), 2021, "unknown", 50, "X70", 2),
        ("b2", "KZ-11", date(2021, 1, 3), 2021, "male", 51, "I64", 2),
    ]
    version = ("b1", "KZ-19", date(2021, 1, 2), 2021, "male", 50, "J449", 1, 2)
    with Store.open(db_path) as s:
        for t in ("death_record", "death_record_version"):
            s.con.execute(f"DROP VIEW {t}")
        for t in ("death_record_data", "death_record_version_data", "death_region", "death_code"):
            s.con.execute(f"DROP TABLE {t}")
        s.con.execute(f"CREATE TABLE death_record ({v10})")
        s.con.execute(f"CREATE TABLE death_record_version ({v10}, superseded_by INTEGER NOT NULL)")
        s.con.executemany("INSERT INTO death_record VALUES (?, ?, ?, ?, ?, ?, ?, ?)", records)
        s.con.execute(
            "INSERT INTO death_record_version VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", list(version)
        )
        s.con.execute("UPDATE meta SET value = '10' WHERE key = 'schema_version'")
    deaths = None
    for _ in range(2):  # the upgrade, then an ordinary reopening
        with Store.open(db_path) as s:
            assert s.con.execute("SELECT * FROM death_record ORDER BY id").fetchall() == records
            assert s.con.execute("SELECT * FROM death_record_version").fetchall() == [version]
            # J449 and KZ-19 are only in the earlier version: still in the dictionaries
            assert s.con.execute("SELECT region FROM death_region ORDER BY 1").fetchall() == [
                ("KZ-11",),
                ("KZ-19",),
                ("KZ-75",),
            ]
            assert s.con.execute("SELECT count(*) FROM death_code").fetchall() == [(5,)]
            reaggregate(s)
            got = s.con.execute("SELECT * FROM deaths WHERE cause = 'all' ORDER BY ALL").fetchall()
            assert deaths is None or got == deaths
            deaths = got
            v = s.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
            assert v == [(str(SCHEMA_VERSION),)]
    assert deaths == [
        ("KZ-11", 2021, "male", 51, "all", 1),
        ("KZ-75", 2020, "female", 70, "all", 1),
        ("KZ-75", 2020, "male", 64, "all", 1),
    ]
