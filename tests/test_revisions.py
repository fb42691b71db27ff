"""Revisions kept and imports undone (salamat.store.revisions, salamat.services.revisions).

Every import kind is undone on a real file from tests/data (WHO GHO, UNICEF SDMX, DHIS2
analytics of Lao PDR, Kazakhstan's Open SDG platform, OWID, UN WPP; see their PROVENANCE.md),
and ``compute --save`` on WPP 2024 death rates; expected stores are snapshots of every table
taken before the import, compared row for row (values, import ids and times, quality flags and
their replaced versions: an undo restores them exactly).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
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


def test_undo_keeps_the_peer_flags_of_another_areas_old_vintage(
    store: Store, tmp_path: Path
) -> None:
    """Import X adds Hungary's le0, which makes six OTS peers and flags Kyrgyzstan's 60.0
    (imported before); import Y then revises Kyrgyzstan. Undoing X must not erase the peer flag
    that Kyrgyzstan's old value carried between X and Y: it is that value's history."""
    rows = {"KAZ": 70.0, "AZE": 71.0, "KGZ": 60.0, "TUR": 71.5, "UZB": 70.2}
    a = write(
        tmp_path, "a.csv", HEADER + "".join(f"le0,{k},2015,{v},total,S,\n" for k, v in rows.items())
    )
    x = write(tmp_path, "x.csv", HEADER + "le0,HUN,2015,71.2,total,S,\n")
    y = write(tmp_path, "y.csv", HEADER + "le0,KGZ,2015,60.5,total,S,\n")
    for f in (a, x, y):
        assert services.run_import(store, "observations", [f]).ok
    imports = list_imports(store)["id"].tolist()
    undo_x = imports[1]

    def old_kgz() -> list[str]:
        from salamat.store.revisions import value_flags

        f = value_flags(store, "le0", ["KGZ"], "all")
        return sorted(f.loc[f["import_id"] == imports[2], "rule"])

    assert old_kgz() == ["peer_outlier"]
    assert undo_import(store, undo_x).ok
    assert old_kgz() == ["peer_outlier"]


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
    sources = store.con.execute(
        "SELECT DISTINCT s.source FROM death_record r JOIN death_record_source s USING (import_id)"
    ).fetchall()
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


# -- the undo of every import kind, on real files, in one store --------------------------------

REAL = DATA / "real"
OPENSDG = DATA / "interop" / "opensdg_kazstat_goal3" / "data"
WPP2024 = DATA / "wpp"
LAOS = REAL / "dhis2_analytics" / "chap-core_laos_analytics_population_provinces_TODAY.json"
OBS_COLUMNS = "indicator,area,period,value,sex,age,cause,residence,unit,source,vintage\n"


def full_snapshot(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Every table of the store (the import and audit logs aside: an undo marks and adds its
    own lines), quality flags and their replaced versions with the imports that raised them."""
    tables = [
        str(r[0])
        for r in store.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT internal AND NOT temporary "
            "AND table_name NOT IN ('import_log', 'audit_log') ORDER BY 1"
        ).fetchall()
    ]
    assert {"quality_flag", "quality_flag_version", "indicator_bound", "target"} <= set(tables)
    return {t: sorted(store.con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}


def earlier_log(store: Store, below: int) -> list[tuple[object, ...]]:
    """The import log's lines before ``below``, with their digests: an undo changes none."""
    return store.con.execute(
        "SELECT * FROM import_log WHERE import_id < ? ORDER BY import_id", [below]
    ).fetchall()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Path]]:
    """One store for the module: Kazakhstan's Open SDG 30q70 series (real, flagged in 2023)
    and WPP 2024 death rates for Kazakhstan (real, the input of ``compute --save``). Each test
    leaves it as it found it (that is what it tests)."""
    tmp = tmp_path_factory.mktemp("undo_kinds")
    mx = pd.read_csv(WPP2024 / "wpp2024_mx_5yr_age_by_sex_OTS_1950-2025.csv", dtype=str)
    mx = mx[(mx["iso3"] == "KAZ") & (mx["sex"] == "both") & mx["period"].isin(["2015-2020"])]
    starts = [int(a.rstrip("+")) for a in mx["age"]]
    ends = [*(b - 1 for b in starts[1:]), None]
    bands = {
        a: f"{s}+" if e is None else str(s) if e == s else f"{s}-{e}"
        for a, s, e in zip(mx["age"], starts, ends, strict=True)
    }
    rates = pd.DataFrame(
        {
            "indicator": "mx",
            "area": "KAZ",
            "period": "2015-2019",
            "value": mx["mx"],
            "sex": "total",
            "age": mx["age"].map(bands),
            "source": "UN WPP 2024",
        }
    )
    rates_csv = tmp / "wpp2024_mx_KAZ_2015-2019.csv"
    rates.to_csv(rates_csv, index=False)
    with Store.open(":memory:") as store:
        base = services.run_import(store, "opensdg", [OPENSDG / "indicator_3-4-1.csv"], area="KAZ")
        assert (base.status, base.created) == ("SUCCESS", 42)
        assert services.run_import(store, "observations", [rates_csv]).ok
        assert store.con.execute("SELECT count(*) FROM quality_flag").fetchall()[0][0] > 0
        yield store, tmp


def revise_one(store: Store, tmp: Path, import_id: int) -> Path:
    """A later file that changes one value ``import_id`` wrote (by 1 %, inside any bound)."""
    row = store.con.execute(
        "SELECT indicator, area, period, value, sex, age, cause, residence, unit, source, vintage "
        "FROM observation WHERE import_id = ? ORDER BY ALL LIMIT 1",
        [import_id],
    ).fetchone()
    assert row is not None
    cells = ["" if v is None else str(v) for v in row]
    cells[3] = repr(float(row[3]) * 1.01)
    path = tmp / f"revises_{import_id}.csv"
    frame = pd.DataFrame([cells], columns=OBS_COLUMNS.strip().split(","))
    frame.to_csv(path, index=False)
    return path


def import_kind(store: Store, tmp: Path, kind: str) -> int:
    """Import one real file of ``kind``; returns its import id."""
    if kind == "compute":
        from salamat.services.compute import compute_from_mx, save_computed

        frame = compute_from_mx(store, "le0", "KAZ", source="UN WPP 2024")
        assert save_computed(store, frame)[0] == 1
        return int(store.con.execute("SELECT max(import_id) FROM import_log").fetchall()[0][0])
    options: dict[str, object] = {}
    files: list[Path]
    if kind == "observations":  # revises the Open SDG 2023 value of the shared store
        files = [tmp / "obs.csv"]
        files[0].write_text(
            OBS_COLUMNS + "ncd30q70,KAZ,2023,24.9,total,30-69,all,total,%,"
            "Kazakhstan national SDG platform (Open SDG),\n",
            encoding="utf-8",
        )
    elif kind == "deaths":
        files, options = [DEATHS], {"source": "test records"}
    elif kind == "population":
        files = [tmp / "pop.csv"]
        files[0].write_text(
            "region,year,sex,age,population\nKZ-75,2023,female,0,12000\n", encoding="utf-8"
        )
    elif kind == "orgunits":
        files = [tmp / "units.csv"]
        files[0].write_text(
            "code,parent,name_en,kind,aliases\nKZ-75-D1,KZ-75,District One,district,abc123\n",
            encoding="utf-8",
        )
    elif kind == "gho":
        files = [GHO]
    elif kind == "sdmx":
        files, options = [SDMX], {"metadata": [SDMX_DSD]}
    elif kind == "dhis2":  # new org units (--new-areas) and a new indicator (--new-indicators)
        files, options = [LAOS], {"new_indicators": True, "new_areas": "LAO"}
    elif kind == "opensdg":
        files, options = [OPENSDG / "indicator_3-3-2.csv"], {"area": "KAZ"}
    elif kind == "owid":  # a new indicator (--new-indicators) named by a map
        files = [REAL / "owid" / "owid-datasets_age-adjusted-suicide-rates_WHO-2005_trimmed.csv"]
        options = {"new_indicators": True, "mapping": tmp / "owid_map.csv"}
        (tmp / "owid_map.csv").write_text(
            "dimension,from,to\nindicator,Suicide rate (WHO (2005)),-\n"
            "indicator,Male-Female Ratio of Suicide Rate (WHO (2005)),suicide_ratio_mf\n",
            encoding="utf-8",
        )
    elif kind == "wpp":
        files = [REAL / "un_wpp" / "WPP2019_Period_Indicators_Medium_KAZ.csv"]
    else:
        raise AssertionError(kind)
    s = services.run_import(store, kind, files, **options)  # type: ignore[arg-type]
    assert s.ok and (s.created or s.updated) and s.import_id is not None, s.problems[:3]
    return s.import_id


KINDS = [
    "observations",
    "deaths",
    "population",
    "orgunits",
    "gho",
    "sdmx",
    "dhis2",
    "opensdg",
    "owid",
    "wpp",
    "compute",
]


@pytest.mark.parametrize("kind", KINDS)
def test_undo_of_every_import_kind_restores_the_store_exactly(
    shared: tuple[Store, Path], kind: str
) -> None:
    store, tmp = shared
    before = full_snapshot(store)
    first = int(store.con.execute("SELECT max(import_id) FROM import_log").fetchall()[0][0]) + 1
    log_before = earlier_log(store, first)
    imp = import_kind(store, tmp, kind)
    assert full_snapshot(store) != before
    # a later import that depends on it blocks the undo, and says which and why
    if kind in ("deaths", "population", "orgunits"):
        later_file, later_kind = {
            "deaths": (write(tmp, "fix.csv", DEATHS.read_text().replace("I21.9", "C34.9")), kind),
            "population": (
                write(
                    tmp, "pop2.csv", "region,year,sex,age,population\nKZ-75,2023,female,0,12100\n"
                ),
                kind,
            ),
            "orgunits": (
                write(tmp, "d1.csv", HEADER + "le0,KZ-75-D1,2022,73.1,total,MoH,\n"),
                "observations",
            ),
        }[kind]
        extra: dict[str, object] = {"source": "test records"} if kind == "deaths" else {}
        later = services.run_import(store, later_kind, [later_file], **extra).import_id  # type: ignore[arg-type]
    else:
        later = services.run_import(store, "observations", [revise_one(store, tmp, imp)]).import_id
    assert later is not None
    with_later = full_snapshot(store)
    refused = undo_import(store, imp)
    assert not refused.ok and [b.import_id for b in refused.blockers] == [later]
    assert f"undo import {later} first" in refused.blockers[0].reason
    assert full_snapshot(store) == with_later  # nothing changed
    # undone in order: the store is exactly as before, flags and their versions included
    assert undo_import(store, later).ok
    plan = undo_import(store, imp)
    assert plan.ok, plan.blockers
    assert full_snapshot(store) == before
    log = list_imports(store).set_index("id")
    assert log.loc[imp, "status"] == log.loc[later, "status"] == "UNDONE"
    assert earlier_log(store, first) == log_before  # digests and counts unchanged


def test_each_vintage_shows_the_flags_it_had(
    revised: tuple[Store, int, int], tmp_path: Path
) -> None:
    import json

    from salamat.store.web import series_json

    store, first, second = revised
    c = write(tmp_path, "c.csv", HEADER + "le0,KAZ,2022,80.5,total,BNS,2025\n")
    third = services.run_import(store, "observations", [c]).import_id
    every = services.series(store, "le0", "KAZ", vintage="all")
    got = {
        (p, i): f
        for p, i, f in zip(every["period"], every["import_id"], every["flags"], strict=True)
    }
    # the first 2022 value was never revised itself: no flag, not its successors' revision flags;
    # the second carries its own revision (74.44 -> 74.5), the current one the latest
    assert got == {
        ("2022", first): "",
        ("2022", second): "revision",
        ("2022", third): "revision",
        ("2023", first): "",
        ("2024", second): "",
    }
    rows = json.loads(
        series_json(
            store, indicator="le0", areas=["KAZ"], sexes=None, start_year=None, end_year=None,
            source=None, age=None, residence=None, vintage="all",
        )[0]
    )  # fmt: skip
    messages = {(r["period"], r["import_id"]): [f["message"] for f in r["flags"]] for r in rows}
    assert messages[("2022", first)] == []
    assert messages[("2022", second)] == [
        f"revised from 74.44 to 74.5 (import {second} replaced import {first})"
    ]
    assert messages[("2022", third)] == [
        f"revised from 74.5 to 80.5 (import {third} replaced import {second})"
    ]
    # the latest vintage: only the current value's revision, not the one before it
    latest = services.series(store, "le0", "KAZ")
    assert list(latest["flags"]) == ["revision", "", ""]
    flags = store.con.execute("SELECT message FROM quality_flag WHERE indicator = 'le0'").fetchall()
    assert flags == [(f"revised from 74.5 to 80.5 (import {third} replaced import {second})",)]
    # a publisher's vintage and an import date read the same history
    assert list(services.series(store, "le0", "KAZ", vintage="2024")["flags"]) == ["revision", ""]
    assert list(services.series(store, "le0", "KAZ", vintage="1999-12-31")["flags"]) == []


def test_indicators_add_is_one_logged_import_that_can_be_undone(
    shared: tuple[Store, Path],
) -> None:
    from salamat.services.targets import import_definitions

    store, tmp = shared
    before = full_snapshot(store)
    head = (
        "code,name_en,unit,description,method,multiplier,trend,definition_source,lower,upper,"
        "projection_ok\n"
    )
    f = write(
        tmp,
        "defs.csv",
        head + "my_rate,My rate,per 1000,A new rate.,reported,1000,log_linear,MoH,0,50,false\n"
        "hospitals,Hospital organisations,organisations,Hospitals at year end (redefined).,"
        "count,1,linear,BNS Kazakhstan,0,5000,false\n",
    )
    added = import_definitions(store, f)
    log = list_imports(store)
    imp = int(log["id"].iloc[0])
    assert added == (1, 1, imp)
    assert (log["kind"].iloc[0], log["files"].iloc[0], log["status"].iloc[0]) == (
        "indicators",
        str(f),
        "SUCCESS",
    )
    assert len(str(log["sha256"].iloc[0])) == 64
    assert store.con.execute(
        "SELECT lower, upper, origin, import_id FROM indicator_bound WHERE indicator = 'hospitals'"
    ).fetchall() == [(0.0, 5000.0, "user", imp)]
    # the same file again changes nothing and logs nothing
    assert import_definitions(store, f) == (0, 0, None)
    assert int(list_imports(store)["id"].iloc[0]) == imp
    # data of an indicator it defined: the undo waits for them
    data = services.run_import(
        store,
        "observations",
        [write(tmp, "mine.csv", HEADER + "my_rate,KAZ,2022,1.5,total,MoH,\n")],
    ).import_id
    refused = undo_import(store, imp)
    assert [b.import_id for b in refused.blockers] == [data]
    assert "1 value(s) of indicators it defined" in refused.blockers[0].reason
    assert undo_import(store, int(data or 0)).ok
    plan = undo_import(store, imp)
    assert plan.ok and (plan.removed["indicator"], plan.restored["indicator"]) == (1, 1)
    assert (plan.removed["indicator_bound"], plan.restored["indicator_bound"]) == (1, 1)
    assert full_snapshot(store) == before  # the bundled hospitals definition and bounds are back


def test_targets_add_is_one_logged_import_that_can_be_undone(shared: tuple[Store, Path]) -> None:
    from salamat.services.targets import import_targets
    from salamat.store.targets import sync_bundled_targets

    store, tmp = shared
    sync_bundled_targets(store)
    before = full_snapshot(store)
    head = (
        "code,indicator,area,sex,baseline_year,baseline_value,target_year,target_value,"
        "target_change,direction,series_source,trend,document,document_date,source_url,note\n"
    )
    f = write(
        tmp,
        "targets.csv",
        head + "kz_tb_50_2028,tb_incidence,KAZ,total,2018,,2028,,-0.5,decrease,WHO,,"
        "Regional TB plan (test),2024-01-01,,\n"
        "end_tb_incidence,tb_incidence,*,total,2015,,2030,,-0.9,decrease,WHO,,"
        "A stricter reading (test),2024-01-01,,\n",
    )
    added = import_targets(store, f)
    log = list_imports(store)
    imp = int(log["id"].iloc[0])
    assert added == (1, 1, imp)
    assert (log["kind"].iloc[0], log["created"].iloc[0], log["updated"].iloc[0]) == (
        "targets",
        1,
        1,
    )
    assert import_targets(store, f) == (
        0,
        0,
        None,
    )  # the same file again: nothing written or logged
    assert int(list_imports(store)["id"].iloc[0]) == imp
    plan = undo_import(store, imp)
    assert plan.ok and (plan.removed["target"], plan.restored["target"]) == (1, 1)
    assert full_snapshot(store) == before  # the bundled End TB target is back as it was
