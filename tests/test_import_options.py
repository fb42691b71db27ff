"""The options every import kind shares: --area, --skip-invalid, --new-areas, missing values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import table_snapshot
from salamat.cli.app import app
from salamat.errors import InputError
from salamat.ingest.registry import NewArea
from salamat.services import imports as services
from salamat.store.connection import Store
from salamat.store.orgunits import add_new_areas, new_area_code, new_area_frame, with_new_areas
from salamat.store.reference import load_catalog

HEADER = "indicator,area,period,value,source\n"
REAL = Path(__file__).parent / "data" / "real"


def write(tmp_path: Path, text: str, name: str = "obs.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def stored(store: Store, where: str = "true") -> list[tuple[object, ...]]:
    return store.con.execute(
        f"SELECT area, period, value FROM observation WHERE {where} ORDER BY area, period"
    ).fetchall()


def test_rows_without_an_area_are_rejected_never_given_a_country(
    store: Store, tmp_path: Path
) -> None:
    f = write(tmp_path, HEADER + "le0,,2020,70.1,S\nle0,KGZ,2020,71.0,S\n")
    s = services.run_import(store, "observations", [f])
    assert s.status == "ERROR"
    assert [(p.row, p.field) for p in s.problems] == [(2, "area")]
    assert "--area" in s.problems[0].message
    assert stored(store) == []


def test_area_option_fills_rows_without_one_and_accepts_a_name(
    store: Store, tmp_path: Path
) -> None:
    f = write(tmp_path, HEADER + "le0,,2020,70.1,S\nle0,KGZ,2020,71.0,T\n")
    s = services.run_import(store, "observations", [f], area="Kyrgyz Republic")
    assert (s.status, s.created) == ("SUCCESS", 2)
    assert sorted(stored(store)) == [("KGZ", "2020", 70.1), ("KGZ", "2020", 71.0)]
    with pytest.raises(InputError, match="--area 'Atlantis'"):
        services.run_import(store, "observations", [f], area="Atlantis")


def test_missing_value_markers_are_skipped_and_counted(store: Store, tmp_path: Path) -> None:
    rows = ["le0,KAZ,2015,71.4,S"] + [
        f"le0,KAZ,{2000 + i},{m},S" for i, m in enumerate(["NaN", "na", "NA", ":", "..", "-", ""])
    ]
    f = write(tmp_path, HEADER + "\n".join(rows) + "\n")
    s = services.run_import(store, "observations", [f])
    assert (s.status, s.created, s.rejected, s.skipped_missing, s.total) == (
        "SUCCESS",
        1,
        0,
        7,
        8,
    )
    assert "skipped 7 missing value(s)" in " ".join(s.notes)
    assert s.as_dict()["import_count"]["skipped_missing"] == 7  # type: ignore[index]
    assert stored(store) == [("KAZ", "2015", 71.4)]


def test_skip_invalid_imports_the_valid_rows_and_lists_the_others(
    store: Store, tmp_path: Path
) -> None:
    f = write(
        tmp_path,
        HEADER + "le0,KAZ,2015,71.4,S\nle0,KZ-99,2016,72.0,S\nle0,KAZ,20x7,72.1,S\n",
    )
    before = table_snapshot(store)
    s = services.run_import(store, "observations", [f])
    assert s.status == "ERROR" and table_snapshot(store) == before
    s = services.run_import(store, "observations", [f], skip_invalid=True)
    assert (s.status, s.created, s.rejected, s.total) == ("WARNING", 1, 2, 3)
    assert {(p.row, p.field) for p in s.problems} == {(3, "area"), (4, "period")}
    assert stored(store) == [("KAZ", "2015", 71.4)]
    log = store.con.execute("SELECT status, rejected FROM import_log").fetchall()
    assert log == [("WARNING", 2)]


def test_skip_invalid_with_the_cli_exits_0_and_says_warning(tmp_path: Path) -> None:
    f = write(tmp_path, HEADER + "le0,KAZ,2015,71.4,S\nle0,KZ-99,2016,72.0,S\n")
    db = tmp_path / "s.duckdb"
    r = CliRunner().invoke(
        app,
        ["import", "observations", str(f), "--db", str(db), "--skip-invalid", "--format", "json"],
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["status"] == "WARNING"
    assert out["import_count"]["rejected"] == 1
    assert out["conflicts"][0]["row"] == 3


def test_a_refused_file_counts_its_rows(store: Store, tmp_path: Path) -> None:
    f = write(tmp_path, "indicator,area,period\nle0,KAZ,2015\nle0,KAZ,2016\nle0,KAZ,2017\n")
    s = services.run_import(store, "observations", [f])
    assert (s.status, s.rejected, s.total) == ("ERROR", 3, 3)
    assert any("the whole file was refused (3 data row(s))" in n for n in s.notes)


def test_new_areas_are_created_under_their_parent_in_the_import(store: Store) -> None:
    catalog = load_catalog(store)
    proposed = [NewArea("DiszpKrYNg8", "Ngelehun CHC"), NewArea("KAZ", "Kazakhstan")]
    units = new_area_frame(catalog, "SLE", proposed)
    assert list(units["code"]) == [new_area_code("SLE", "DiszpKrYNg8")] == ["SLE-DiszpKrYNg8"]
    extended = with_new_areas(catalog, units)
    assert extended.resolve("DiszpKrYNg8") == "SLE-DiszpKrYNg8"
    assert extended.orgunits["SLE-DiszpKrYNg8"].level == catalog.orgunits["SLE"].level + 1
    with store.transaction():
        c = add_new_areas(store, units, write=True)
    assert c.created == 1
    assert load_catalog(store).resolve("DiszpKrYNg8") == "SLE-DiszpKrYNg8"


def test_open_sdg_of_another_country_is_not_stored_under_kaz(store: Store, tmp_path: Path) -> None:
    armenia = REAL / "opensdg" / "armenia" / "indicator_3-2-1.csv"
    m = write(
        tmp_path,
        'dimension,from,to\nindicator,"3-2-1/UNITS=per 1,000 life births",u5mr\n'
        "indicator,3-2-1,-\nsex,boy,male\nsex,girl,female\n",
        "map.csv",
    )
    s = services.run_import(store, "opensdg", [armenia], mapping=m)
    assert s.status == "ERROR"
    national = [p for p in s.problems if p.field == "area"]
    assert national and all("give --area CODE" in p.message for p in national)
    s = services.run_import(store, "opensdg", [armenia], mapping=m, area="ARM")
    assert s.status == "SUCCESS", s.problems[:3]
    rows = store.con.execute(
        "SELECT DISTINCT area, source FROM observation WHERE indicator = 'u5mr'"
    ).fetchall()
    assert rows == [("ARM", "Armenia national SDG platform (Open SDG)")]
    # 2015 row of the file: "2015","per 1,000 life births","","","10.4"
    assert stored(store, "period = '2015' AND sex = 'total'") == [("ARM", "2015", 10.4)]


def test_open_sdg_national_rows_take_the_country_of_the_configuration(
    store: Store, tmp_path: Path
) -> None:
    repo = tmp_path / "sdg-site"
    (repo / "data").mkdir(parents=True)
    (repo / "_config.yml").write_text("title: SDG\ncountry:\n  name: Kyrgyzstan\n  adjective: x\n")
    (repo / "data" / "indicator_3-2-1.csv").write_text("Year,Value\n2019,18.5\n2020,17.9\n")
    # another platform's series is not Kazakhstan's built-in u5mr: registered from the file
    s = services.run_import(store, "opensdg", [repo], new_indicators=True)
    assert s.status == "SUCCESS", s.problems[:3]
    assert stored(store, "indicator = 'opensdg_3_2_1'") == [
        ("KGZ", "2019", 18.5),
        ("KGZ", "2020", 17.9),
    ]


def test_new_areas_for_a_file_keyed_by_names(store: Store, tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "Entity,Year,Child mortality rate\n"
        "Almaty,2020,1.0\nAstana,2020,0.9\nZhanaozen district,2020,1.2\n",
        "regions.csv",
    )
    s = services.run_import(store, "owid", [f])
    assert s.status == "ERROR"
    assert [p.value for p in s.problems if p.field == "area"] == [
        "Almaty",
        "Astana",
        "Zhanaozen district",
    ]
    s = services.run_import(store, "owid", [f], new_areas="KAZ", dry_run=True)
    assert s.status == "DRY_RUN"
    assert load_catalog(store).resolve("Zhanaozen district") is None  # a dry run creates none
    s = services.run_import(store, "owid", [f], new_areas="KAZ")
    assert (s.status, s.created) == ("SUCCESS", 3), s.problems[:3]
    assert any("created 1 org unit(s) under KAZ" in n for n in s.notes)
    rows = store.con.execute(
        "SELECT area, value FROM observation WHERE indicator = 'u5mr' ORDER BY area"
    ).fetchall()
    assert rows == [("KAZ-Zhanaozen_district", 12.0), ("KZ-71", 9.0), ("KZ-75", 10.0)]
    unit = load_catalog(store).orgunits["KAZ-Zhanaozen_district"]
    assert (unit.parent, unit.name_en) == ("KAZ", "Zhanaozen district")
    again = services.run_import(store, "owid", [f], new_areas="KAZ")
    assert (again.created, again.unchanged) == (0, 3)


def test_an_sdmx_flow_without_an_area_takes_the_area_option(store: Store, tmp_path: Path) -> None:
    ml = Path(__file__).parent / "data" / "interop" / "sdmx_ml"
    f = ml / "ecb_EXR_M.USD.EUR.SP00.A_genericdata-2.1.xml"
    dsd = ml / "ecb_EXR_structure-full_dsd+codelists.xml"
    s = services.run_import(store, "sdmx", [f], metadata=[dsd])
    assert s.status == "ERROR" and any("--area CODE" in p.message for p in s.problems)
    key = "ECB_EXR1/CURRENCY=USD/CURRENCY_DENOM=EUR/EXR_TYPE=SP00/EXR_SUFFIX=A"
    m = write(tmp_path, f"dimension,from,to\nindicator,{key},usd_per_eur\n", "map.csv")
    s = services.run_import(
        store, "sdmx", [f], metadata=[dsd], mapping=m, new_indicators=True, area="WORLD"
    )
    assert (s.status, s.created) == ("SUCCESS", 252)
    assert stored(store, "period = '199901'") == [("WORLD", "199901", 1.16078)]


def test_uk_open_sdg_national_rows_are_never_kazakhstan(store: Store, tmp_path: Path) -> None:
    uk = tmp_path / "indicator_3-4-1.csv"  # the real file's first rows, under its own name
    uk.write_bytes((REAL / "opensdg" / "uk" / "indicator_3-4-1_first-rows.csv").read_bytes())
    s = services.run_import(store, "opensdg", [uk])
    assert s.status == "ERROR"
    national = [p for p in s.problems if p.field == "area"]
    # every data row of the excerpt is national (empty Country and Region)
    assert len(national) == s.total and all("give --area CODE" in p.message for p in national)
    assert stored(store) == []
    assert "Kazakhstan" not in " ".join(s.notes)


def test_skip_invalid_skips_a_record_id_repeated_in_a_later_file(
    store: Store, tmp_path: Path
) -> None:
    head = "id,sex,birth_date,death_date,region,icd10\n"
    a = write(tmp_path, head + "A1,F,1950-01-01,2023-03-01,KZ-75,I21.9\n", "a.csv")
    b = write(
        tmp_path,
        head + "B1,M,1960-01-01,2023-04-01,KZ-75,C34.1\nA1,M,1955-01-01,2023-05-01,KZ-71,J44\n",
        "b.csv",
    )
    s = services.run_import(store, "deaths", [a, b])
    assert s.status == "ERROR"  # all or nothing by default
    s = services.run_import(store, "deaths", [a, b], skip_invalid=True)
    assert (s.status, s.created, s.rejected, s.total) == ("WARNING", 2, 1, 3), s.problems
    (p,) = s.problems
    assert (p.file, p.row, p.field, p.value) == (str(b), 3, "id", "A1")
    assert f"earlier file of the import (first at {a}, row 2)" in p.message
    got = store.con.execute("SELECT id, icd10 FROM death_record ORDER BY id").fetchall()
    assert [r[0] for r in got] == ["A1", "B1"] and got[0][1].startswith("I21")
