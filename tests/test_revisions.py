"""Revisions kept and imports undone (salamat.store.revisions, salamat.services.revisions).

Every import kind is undone on a file from tests/data (the GHO and SDMX files are real WHO and
UNICEF downloads, see their PROVENANCE.md); expected stores are snapshots taken before the
import, compared row for row (values, import ids and times: an undo restores them exactly).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import DATA, table_snapshot
from salamat.errors import InputError
from salamat.services import imports as services
from salamat.services.revisions import check_vintage, list_imports, undo_import
from salamat.store.connection import Store

GHO = DATA / "interop" / "who_gho" / "NCDMORT3070_GHO_export_2024-12-18_OTS.csv"
SDMX = DATA / "interop" / "sdmx_csv" / "unicef_CME_MRY0T4_multi_2018_2023.csv"
SDMX_DSD = DATA / "interop" / "sdmx_ml" / "unicef_CME_dataflow_references-all_structure.xml"
DEATHS = DATA / "deaths_sample.csv"

HEADER = "indicator,area,period,value,sex,source,vintage\n"


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """The data tables (import_log aside: an undo adds its own line) and the version tables."""
    snap = table_snapshot(store)
    del snap["import_log"]
    for table in (
        "orgunit_alias",
        "observation_version",
        "population_version",
        "death_record_version",
        "orgunit_version",
    ):
        snap[table] = sorted(store.con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
    return snap


def le0(store: Store, vintage: str | None = None) -> list[tuple[str, float]]:
    df = services.series(store, "le0", "KAZ", vintage=vintage)
    return list(zip(df["period"], df["value"], strict=True))


@pytest.fixture
def revised(store: Store, tmp_path: Path) -> tuple[Store, int, int]:
    """Import 1: le0 2022 and 2023 (publisher vintage 2023); import 2 revises 2022 and adds
    2024 (vintage 2024)."""
    a = write(
        tmp_path,
        "a.csv",
        HEADER + "le0,KAZ,2022,74.44,total,BNS,2023\nle0,KAZ,2023,75.09,total,BNS,2023\n",
    )
    b = write(
        tmp_path,
        "b.csv",
        HEADER + "le0,KAZ,2022,74.50,total,BNS,2024\nle0,KAZ,2024,75.44,total,BNS,2024\n",
    )
    first = services.run_import(store, "observations", [a])
    second = services.run_import(store, "observations", [b])
    assert (second.created, second.updated, second.unchanged) == (1, 1, 0)
    assert first.import_id is not None and second.import_id is not None
    return store, first.import_id, second.import_id


def test_a_revised_value_keeps_its_earlier_vintage(revised: tuple[Store, int, int]) -> None:
    store, first, second = revised
    assert le0(store) == [("2022", 74.50), ("2023", 75.09), ("2024", 75.44)]
    every = services.series(store, "le0", "KAZ", vintage="all")
    rows = sorted(
        zip(
            every["period"], every["value"], every["import_id"], every["superseded_by"], strict=True
        ),
        key=lambda r: (r[0], r[2]),
    )
    assert [(p, v, i) for p, v, i, _ in rows] == [
        ("2022", 74.44, first),
        ("2022", 74.50, second),
        ("2023", 75.09, first),
        ("2024", 75.44, second),
    ]
    assert rows[0][3] == second  # the 2022 value of import 1 was replaced by import 2
    assert all(pd.isna(r[3]) for r in rows[1:])  # current values: replaced by nothing
    # a publisher's vintage: every version that carries it, current or replaced
    assert le0(store, "2023") == [("2022", 74.44), ("2023", 75.09)]
    assert le0(store, "2024") == [("2022", 74.50), ("2024", 75.44)]
    # an import date: the store as it stood at the end of that day
    assert le0(store, "1999-12-31") == []
    assert le0(store, "2999-12-31") == le0(store)


def test_a_malformed_vintage_date_is_an_error_not_a_publisher_vintage() -> None:
    assert check_vintage("2024") == "2024"
    assert check_vintage("2024-02-29") == "2024-02-29"
    with pytest.raises(InputError, match="no such date"):
        check_vintage("2023-02-29")


def test_undo_after_a_revision_restores_the_old_value_exactly(store: Store, tmp_path: Path) -> None:
    a = write(tmp_path, "a.csv", HEADER + "le0,KAZ,2022,74.44,total,BNS,2023\n")
    services.run_import(store, "observations", [a])
    before = snapshot(store)
    b = write(
        tmp_path,
        "b.csv",
        HEADER + "le0,KAZ,2022,74.5,total,BNS,2024\nle0,KAZ,2024,75.44,total,BNS,2024\n",
    )
    second = services.run_import(store, "observations", [b]).import_id
    assert second is not None
    plan = undo_import(store, second)
    assert plan.ok
    assert (plan.removed["observation"], plan.restored["observation"]) == (1, 1)
    assert snapshot(store) == before
    assert le0(store) == [("2022", 74.44)]


def test_undo_is_refused_while_a_later_import_changed_the_same_values(
    revised: tuple[Store, int, int],
) -> None:
    store, first, second = revised
    before = table_snapshot(store)
    plan = undo_import(store, first)
    assert not plan.ok
    assert [b.import_id for b in plan.blockers] == [second]
    assert f"undo import {second} first" in plan.blockers[0].reason
    assert table_snapshot(store) == before  # nothing changed, nothing logged
    # undone in order, both go
    assert undo_import(store, second).ok
    assert undo_import(store, first).ok
    assert store.con.execute("SELECT count(*) FROM observation").fetchall() == [(0,)]
    assert store.con.execute("SELECT count(*) FROM observation_version").fetchall() == [(0,)]


def test_undo_is_logged_once_and_an_unknown_import_is_an_error(
    revised: tuple[Store, int, int],
) -> None:
    store, _first, second = revised
    assert undo_import(store, second, dry_run=True).ok
    assert le0(store) == [("2022", 74.50), ("2023", 75.09), ("2024", 75.44)]  # dry run
    undo_import(store, second)
    log = list_imports(store).set_index("id")
    undo_id = int(log.index.max())
    assert log.loc[undo_id, "kind"] == "undo"
    assert log.loc[undo_id, "undoes"] == second
    assert (log.loc[undo_id, "removed"], log.loc[undo_id, "updated"]) == (1, 1)
    assert log.loc[second, "status"] == "UNDONE"
    assert log.loc[second, "undone_by"] == undo_id
    again = undo_import(store, second)
    assert not again.ok and again.refusal and "already undone" in again.refusal
    of_undo = undo_import(store, undo_id)
    assert not of_undo.ok and of_undo.refusal and "cannot be undone" in of_undo.refusal
    with pytest.raises(InputError, match="no import 999"):
        undo_import(store, 999)


def test_undo_removes_the_indicators_and_quality_flags_it_created(
    store: Store, tmp_path: Path
) -> None:
    before = snapshot(store)
    f = write(tmp_path, "new.csv", HEADER + "my_rate,KAZ,2022,1.5,total,MoH,\n")
    imp = services.run_import(store, "observations", [f], new_indicators=True).import_id
    assert imp is not None
    # a flag this import created, and one of another (rules that are not recomputed)
    store.con.execute(
        "INSERT INTO quality_flag (rule, severity, indicator, area, period, sex, age, cause, "
        "residence, source, message, import_id) VALUES "
        "('revision', 'info', 'my_rate', 'KAZ', '2022', 'total', 'all', 'all', 'total', 'MoH', "
        "'m', ?), ('other', 'info', 'le0', 'KAZ', '2022', 'total', 'all', 'all', 'total', 'S', "
        "'m', 0)",
        [imp],
    )
    plan = undo_import(store, imp)
    assert plan.removed["indicator"] == 1 and plan.removed["quality_flag"] == 1
    assert snapshot(store) == before
    assert store.con.execute("SELECT rule FROM quality_flag").fetchall() == [("other",)]


def test_undo_of_unit_record_deaths_and_of_a_correction(store: Store, tmp_path: Path) -> None:
    empty = snapshot(store)
    first = services.run_import(store, "deaths", [DEATHS], source="test records")
    assert first.ok and first.created > 0 and first.import_id is not None
    after_first = snapshot(store)
    # a correction: one record's cause changes (counted as updated, re-aggregated)
    lines = DEATHS.read_text(encoding="utf-8").splitlines()
    corrected = lines[:]
    corrected[1] = lines[1].replace("I21.9", "C34.9")
    assert corrected[1] != lines[1]
    fixed = write(tmp_path, "deaths_fixed.csv", "\n".join(corrected) + "\n")
    second = services.run_import(store, "deaths", [fixed], source="test records")
    assert (second.created, second.updated) == (0, 1) and second.import_id is not None
    assert snapshot(store) != after_first
    blocked = undo_import(store, first.import_id)
    assert [b.import_id for b in blocked.blockers] == [second.import_id]
    assert undo_import(store, second.import_id).ok
    assert snapshot(store) == after_first  # records and the deaths aggregates
    assert undo_import(store, first.import_id).ok
    assert snapshot(store) == empty


def test_undo_of_population_after_a_revision(store: Store, tmp_path: Path) -> None:
    head = "region,year,sex,age,population\n"
    a = write(
        tmp_path, "pop.csv", head + "KZ-75,2023,female,0,12000\nKZ-75,2023,female,1+,900000\n"
    )
    b = write(
        tmp_path, "pop_rev.csv", head + "KZ-75,2023,female,0,12100\nKZ-75,2023,male,0,12500\n"
    )
    empty = snapshot(store)
    first = services.run_import(store, "population", [a], source="BNS 2024")
    after_first = snapshot(store)
    second = services.run_import(store, "population", [b], source="BNS 2024")
    assert (second.created, second.updated) == (1, 1)
    assert first.import_id is not None and second.import_id is not None
    assert not undo_import(store, first.import_id).ok
    assert undo_import(store, second.import_id).ok
    assert snapshot(store) == after_first
    assert undo_import(store, first.import_id).ok
    assert snapshot(store) == empty


def test_undo_of_org_units_waits_for_the_data_that_uses_them(store: Store, tmp_path: Path) -> None:
    units = write(
        tmp_path,
        "units.csv",
        "code,parent,name_en,kind,aliases\nKZ-75-D1,KZ-75,District One,district,abc123\n",
    )
    empty = snapshot(store)
    ou = services.run_import(store, "orgunits", [units]).import_id
    assert ou is not None
    obs = write(tmp_path, "d1.csv", HEADER + "le0,KZ-75-D1,2022,73.1,total,MoH,\n")
    data = services.run_import(store, "observations", [obs]).import_id
    plan = undo_import(store, ou)
    assert not plan.ok and [b.import_id for b in plan.blockers] == [data]
    assert "org units it created" in plan.blockers[0].reason
    assert undo_import(store, int(data or 0)).ok
    plan = undo_import(store, ou)
    assert plan.ok and plan.removed["orgunit"] == 1 and plan.removed["orgunit_alias"] == 1
    assert snapshot(store) == empty


@pytest.mark.parametrize(
    ("kind", "path", "metadata"),
    [("gho", GHO, []), ("sdmx", SDMX, [SDMX_DSD])],
    ids=["gho", "sdmx"],
)
def test_undo_of_an_exchange_format_import(
    store: Store, kind: str, path: Path, metadata: list[Path]
) -> None:
    empty = snapshot(store)
    s = services.run_import(store, kind, [path], metadata=metadata)
    assert s.ok and s.created > 0 and s.import_id is not None
    plan = undo_import(store, s.import_id)
    assert plan.ok and plan.removed["observation"] == s.created
    assert snapshot(store) == empty


@pytest.mark.parametrize(
    ("kind", "path", "metadata"),
    [("gho", GHO, []), ("sdmx", SDMX, [SDMX_DSD])],
    ids=["gho", "sdmx"],
)
def test_the_same_file_under_another_name_imports_once(
    store: Store, tmp_path: Path, kind: str, path: Path, metadata: list[Path]
) -> None:
    first = services.run_import(store, kind, [path], metadata=metadata)
    assert first.ok and first.created > 0
    copy = tmp_path / ("renamed_" + path.name)
    shutil.copy(path, copy)
    again = services.run_import(store, kind, [copy], metadata=metadata)
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.created)


def test_rows_with_their_own_source_ignore_another_source_label(
    store: Store, tmp_path: Path
) -> None:
    text = HEADER + "le0,KAZ,2022,74.44,total,BNS,\nle0,KAZ,2023,75.09,total,BNS,\n"
    services.run_import(store, "observations", [write(tmp_path, "a.csv", text)])
    again = services.run_import(
        store, "observations", [write(tmp_path, "b.csv", text)], source="another label"
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_unit_records_under_another_file_name_change_nothing(store: Store, tmp_path: Path) -> None:
    head = "region,year,sex,age,population\n"
    rows = "KZ-75,2023,female,0,12000\nKZ-75,2023,female,1+,900000\n"
    services.run_import(store, "population", [write(tmp_path, "pop_a.csv", head + rows)])
    again = services.run_import(store, "population", [write(tmp_path, "pop_b.csv", head + rows)])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    services.run_import(store, "deaths", [DEATHS])
    copy = tmp_path / "other_name.csv"
    shutil.copy(DEATHS, copy)
    d = services.run_import(store, "deaths", [copy])
    assert (d.created, d.updated) == (0, 0) and d.unchanged > 0
    sources = store.con.execute("SELECT DISTINCT source FROM death_record").fetchall()
    assert sources == [("unit records (no --source given)",)]


def test_an_import_written_with_skip_invalid_can_be_undone(store: Store, tmp_path: Path) -> None:
    empty = snapshot(store)
    f = write(
        tmp_path,
        "some_bad.csv",
        HEADER + "le0,KAZ,2022,74.44,total,BNS,\nle0,KAZ,20x2,1,total,BNS,\n",
    )
    s = services.run_import(store, "observations", [f], skip_invalid=True)
    assert s.status == "WARNING" and s.created == 1 and s.import_id is not None
    assert undo_import(store, s.import_id).ok
    assert snapshot(store) == empty
