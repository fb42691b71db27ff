"""``salamat import unsdg``: the UN SDG Global Database, on real rows of a data portal download
(Goal 4, re-saved as CSV: tests/data/real/unsdg/PROVENANCE.md) and on the API's CSV and JSON
layouts and the portal's Excel layout holding the published SH_DTH_NCOM (SDG 3.4.1) values of
Kazakhstan and the world (tests/data/unsdg/SOURCES.md), with broken copies. Values are checked by
hand against the files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from conftest import DATA
from salamat.ingest.unsdg import NATIONAL_SOURCE, SOURCE, sdg_age
from salamat.services import imports as services
from salamat.store.connection import Store

RESAVED = DATA / "real" / "unsdg" / "t421_SE_DEV_ONTRK_portal-csv_resaved_trimmed.csv"
API_CSV = DATA / "unsdg" / "SH_DTH_NCOM_KAZ_WORLD_api_layout.csv"
API_JSON = DATA / "unsdg" / "SH_DTH_NCOM_KAZ_api_layout.json"


def rows(store: Store, where: str = "TRUE", params: list[object] | None = None) -> list[tuple]:
    return store.con.execute(
        "SELECT indicator, area, period, sex, age, residence, value, lower, upper, unit, source "
        f"FROM observation WHERE {where} ORDER BY indicator, area, period, sex, source",
        params or [],
    ).fetchall()


def count(store: Store) -> int:
    row = store.con.execute("SELECT count(*) FROM observation").fetchone()
    assert row is not None
    return int(row[0])


def broken(tmp_path: Path, old: str, new: str, *, count_: int = 1) -> Path:
    text = API_CSV.read_text(encoding="utf-8")
    assert text.count(old) >= count_, old
    f = tmp_path / "SH_DTH_NCOM_broken.csv"
    f.write_text(text.replace(old, new, count_), encoding="utf-8")
    return f


def test_api_csv_stores_30q70_of_kazakhstan_and_the_world(store: Store) -> None:
    s = services.run_import(store, "unsdg", [API_CSV])
    assert s.ok, s.as_dict()
    assert s.created == 30  # 2 areas x 5 years x 3 sexes
    kaz = rows(store, "area = 'KAZ' AND period = '2016'")
    assert kaz == [
        ("ncd30q70", "KAZ", "2016", "female", "30-69", "total", 18.5, None, None, "%", SOURCE),
        ("ncd30q70", "KAZ", "2016", "male", "30-69", "total", 36.8, None, None, "%", SOURCE),
        ("ncd30q70", "KAZ", "2016", "total", "30-69", "total", 26.8, None, None, "%", SOURCE),
    ]
    assert rows(store, "area = 'KAZ' AND period = '2000' AND sex = 'total'")[0][6] == 39.1
    assert rows(store, "area = 'WORLD' AND period = '2015' AND sex = 'male'")[0][6] == 21.8
    note = store.con.execute(
        "SELECT note FROM observation WHERE area = 'KAZ' AND period = '2010' AND sex = 'total'"
    ).fetchone()
    assert note is not None
    assert "SH_DTH_NCOM" in note[0] and "nature E (estimated)" in note[0]
    assert "Global Health Estimates 2016" in note[0]


def test_reimport_changes_nothing_and_the_json_layout_agrees(store: Store) -> None:
    assert services.run_import(store, "unsdg", [API_CSV]).ok
    again = services.run_import(store, "unsdg", [API_CSV])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 30)
    # the API's JSON of the same Kazakhstan values: the same rows, nothing to change
    js = services.run_import(store, "unsdg", [API_JSON])
    assert js.ok, js.as_dict()
    assert (js.created, js.updated, js.unchanged) == (0, 0, 15)


def test_a_page_of_the_api_answer_is_said_to_be_one_page(store: Store, tmp_path: Path) -> None:
    doc = json.loads(API_JSON.read_text(encoding="utf-8"))
    doc["totalPages"], doc["totalElements"] = 3, 45
    f = tmp_path / "page1.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    s = services.run_import(store, "unsdg", [f])
    assert s.ok
    assert any("page 1 of 3" in n and "45 records" in n for n in s.notes)


def portal_workbook(tmp_path: Path, lines: list[str]) -> Path:
    """The CSV's rows as the data portal's Excel download lays them out (a sheet ``data``;
    Goal, GeoAreaCode and TimePeriod stored as numbers, Value as text; dimension columns
    without brackets; empty columns after the last one), observed in a real 2021 download."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "data"
    for i, row in enumerate(csv.reader(lines)):
        if i == 0:
            sheet.append([c.strip("[]") for c in row] + [None] * 3)
            continue
        cells: list[object] = list(row)
        for k in (0, 5, 7):  # Goal, GeoAreaCode, TimePeriod
            cells[k] = int(row[k])
        sheet.append(cells)
    f = tmp_path / "Goal3.xlsx"
    book.save(f)
    return f


def test_portal_excel_layout(store: Store, tmp_path: Path) -> None:
    lines = API_CSV.read_text(encoding="utf-8").splitlines()
    s = services.run_import(store, "unsdg", [portal_workbook(tmp_path, lines)])
    assert s.ok, s.as_dict()
    assert s.created == 30
    assert rows(store, "area = 'KAZ' AND period = '2015' AND sex = 'male'")[0][4:7] == (
        "30-69", "total", 38.9
    )  # fmt: skip
    # the same values as the API's CSV: nothing to change
    again = services.run_import(store, "unsdg", [API_CSV])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 30)


def test_excel_row_numbers_are_the_sheets(store: Store, tmp_path: Path) -> None:
    lines = API_CSV.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace('"398","Kazakhstan"', '"999","Nowhere"')
    s = services.run_import(store, "unsdg", [portal_workbook(tmp_path, lines)])
    assert not s.ok and count(store) == 0
    p = next(p for p in s.problems if p.field == "GeoAreaCode")
    assert (p.row, p.value) == (4, "999")


def test_regions_missing_values_and_extra_dimensions(store: Store, tmp_path: Path) -> None:
    lines = API_CSV.read_text(encoding="utf-8").splitlines()
    first = lines[1]
    extra = [
        first.replace('"398","Kazakhstan"', '"143","Central Asia"'),  # an M49 region unit
        first.replace('"398","Kazakhstan"', '"514","Developed regions"'),  # no unit: noted
        first.replace('"398","Kazakhstan"', '"830","Channel Islands"'),  # no unit: noted
        first.replace('"2000","39.1","2000"', '"2001","NaN","2001"'),
        first.replace('"2000","39.1","2000"', '"2002","N","2002"').replace('"E","G"', '"N","G"'),
        first.replace('"2000","39.1","2000"', '"2003","40.0","2001-2003"'),
    ]
    f = tmp_path / "more.csv"
    f.write_text("\r\n".join([*lines, *extra]) + "\r\n", encoding="utf-8")
    s = services.run_import(store, "unsdg", [f])
    assert s.ok, s.as_dict()
    assert rows(store, "area = 'M49-143'")[0][1:7] == (
        "M49-143", "2000", "total", "30-69", "total", 39.1
    )  # fmt: skip
    assert any("514 Developed regions" in n and "830 Channel Islands" in n for n in s.notes)
    assert any("'N' (not relevant" in n for n in s.notes)
    assert s.skipped_missing == 2  # NaN and N: missing, never zero
    assert rows(store, "area = 'KAZ' AND period IN ('2001', '2002')") == []
    note = store.con.execute(
        "SELECT note FROM observation WHERE area = 'KAZ' AND period = '2003'"
    ).fetchone()
    assert note is not None and "time detail 2001-2003" in note[0]
    # a dimension without a Salamat column is part of the series
    header = lines[0] + ',"[Sampling Stations]"'
    body = [ln + ',"NRSMAI"' for ln in lines[1:3]]
    g = tmp_path / "stations.csv"
    g.write_text("\n".join([header, *body]) + "\n", encoding="utf-8")
    s = services.run_import(store, "unsdg", [g])
    assert not s.ok
    p = next(p for p in s.problems if p.field == "SeriesCode")
    assert p.value == "SH_DTH_NCOM/Sampling Stations=NRSMAI" and "mapped as a whole" in p.message
    s = services.run_import(store, "unsdg", [g], new_indicators=True)
    assert s.ok, s.as_dict()
    name = store.con.execute(
        "SELECT name_en, unit FROM data_element "
        "WHERE code = 'unsdg_sh_dth_ncom_sampling_stations_nrsmai'"
    ).fetchone()
    assert name is not None and name[0].endswith("(Sampling Stations=NRSMAI)") and name[1] == "%"


def test_real_portal_csv_resaved_by_pandas(store: Store) -> None:
    s = services.run_import(store, "unsdg", [RESAVED], new_indicators=True)
    assert s.ok, s.as_dict()
    assert s.created == 16  # every row: pandas' index column is not a dimension
    kaz = rows(store, "area = 'KAZ'")
    assert [(r[3], r[4], r[6], r[9]) for r in kaz] == [
        ("female", "3-4", 86.3, "%"),  # M36T59: months 36-59, ages 3-4
        ("male", "3-4", 84.8, "%"),
        ("total", "3-4", 85.5, "%"),
    ]
    assert rows(store, "area = 'M49-035'")[0][6] == 88.0
    assert rows(store, "area = 'WORLD' AND sex = 'total'")[0][2:7] == (
        "2020", "total", "3-4", "total", 71.5
    )  # fmt: skip
    note = store.con.execute(
        "SELECT note FROM observation WHERE area = 'WORLD' AND sex = 'total'"
    ).fetchone()
    assert note is not None and "time detail 2012-2020" in note[0]


def test_kosovo_code_is_a_problem_naming_the_map_line(store: Store, tmp_path: Path) -> None:
    f = broken(tmp_path, '"398","Kazakhstan"', '"412","Kosovo"')
    s = services.run_import(store, "unsdg", [f])
    assert not s.ok and count(store) == 0  # all or nothing
    p = next(p for p in s.problems if p.field == "GeoAreaCode")
    assert p.row == 2 and p.value == "412"
    assert "area,412,XKX" in p.message


def test_unknown_area_code_is_a_problem(store: Store, tmp_path: Path) -> None:
    f = broken(tmp_path, '"398","Kazakhstan"', '"999","Nowhere"')
    s = services.run_import(store, "unsdg", [f])
    assert not s.ok and count(store) == 0
    p = next(p for p in s.problems if p.field == "GeoAreaCode")
    assert "unknown GeoAreaCode '999'" in p.message and "--map" in p.message


def test_non_numeric_value_names_file_row_and_field(store: Store, tmp_path: Path) -> None:
    f = broken(tmp_path, '"39.1"', '"39,1"')
    s = services.run_import(store, "unsdg", [f])
    assert not s.ok and count(store) == 0
    p = s.problems[0]
    assert (p.file, p.row, p.field, p.value) == (str(f), 2, "value", "39,1")


def test_censored_value_is_not_guessed(store: Store, tmp_path: Path) -> None:
    f = broken(tmp_path, '"39.1"', '"<0.1"')
    s = services.run_import(store, "unsdg", [f])
    assert s.ok and s.created == 29
    assert any("censored value(s) ('<0.1')" in n and "row(s) 2" in n for n in s.notes)
    assert rows(store, "area = 'KAZ' AND period = '2000' AND sex = 'total'") == []


def test_unit_that_is_not_the_indicators_is_rejected(store: Store, tmp_path: Path) -> None:
    f = broken(tmp_path, '"BOTHSEX","PERCENT"', '"BOTHSEX","NUMBER"')
    s = services.run_import(store, "unsdg", [f])
    assert not s.ok and count(store) == 0
    p = next(p for p in s.problems if p.field == "unit")
    assert p.row == 2 and "ncd30q70 is measured in '%'" in p.message


def test_unknown_units_code_is_not_assumed(store: Store, tmp_path: Path) -> None:
    f = broken(tmp_path, '"BOTHSEX","PERCENT"', '"BOTHSEX","PER_MILLE_XYZ"')
    s = services.run_import(store, "unsdg", [f])
    assert not s.ok
    assert any(p.field == "unit" and p.value == "PER_MILLE_XYZ" for p in s.problems)


def test_national_and_global_reporting_are_both_kept(store: Store, tmp_path: Path) -> None:
    text = API_CSV.read_text(encoding="utf-8").splitlines()
    national = text[1].replace('"E","G","BOTHSEX"', '"C","N","BOTHSEX"').replace('"39.1"', '"40.2"')
    f = tmp_path / "g_and_n.csv"
    f.write_text("\r\n".join([*text, national]) + "\r\n", encoding="utf-8")
    s = services.run_import(store, "unsdg", [f])
    assert s.ok, s.as_dict()
    both = rows(store, "area = 'KAZ' AND period = '2000' AND sex = 'total'")
    assert [(r[6], r[10]) for r in both] == [(39.1, SOURCE), (40.2, NATIONAL_SOURCE)]


def test_source_option_names_the_rows_of_a_global_file(store: Store) -> None:
    s = services.run_import(store, "unsdg", [API_CSV], source="UN SDG database, 2019.Q1.G.03")
    assert s.ok
    sources = store.con.execute("SELECT DISTINCT source FROM observation").fetchall()
    assert sources == [("UN SDG database, 2019.Q1.G.03",)]


def test_age_of_the_indicator_is_not_stored_twice(store: Store, tmp_path: Path) -> None:
    f = broken(tmp_path, '"30-70"', '"15-49"')
    s = services.run_import(store, "unsdg", [f])
    assert not s.ok
    p = next(p for p in s.problems if p.field == "Age")
    assert p.row == 2 and "SDG 3.4.1" in p.message
    # the under-five mortality rate published with Age <5Y is u5mr itself (age all)
    text = API_CSV.read_text(encoding="utf-8").splitlines()[:2]
    line = text[1].replace("SH_DTH_NCOM", "SH_DYN_MORT").replace('"30-70"', '"<5Y"')
    line = line.replace('"PERCENT"', '"PER_1000_LIVE_BIRTHS"')
    g = tmp_path / "u5mr.csv"
    g.write_text(text[0] + "\n" + line + "\n", encoding="utf-8")
    s = services.run_import(store, "unsdg", [g])
    assert s.ok, s.as_dict()
    assert rows(store, "indicator = 'u5mr'")[0][:7] == (
        "u5mr", "KAZ", "2000", "total", "all", "total", 39.1
    )  # fmt: skip


def test_year_must_be_a_year(store: Store, tmp_path: Path) -> None:
    f = broken(tmp_path, '"Kazakhstan","2000"', '"Kazakhstan","2000-2005"')
    s = services.run_import(store, "unsdg", [f])
    assert not s.ok
    p = next(p for p in s.problems if p.field == "TimePeriod")
    assert p.row == 2 and "not a year" in p.message


def test_map_places_a_series_and_leaves_one_out(store: Store, tmp_path: Path) -> None:
    m = tmp_path / "map.csv"
    m.write_text("dimension,from,to\nindicator,SH_DTH_NCOM,-\n", encoding="utf-8")
    s = services.run_import(store, "unsdg", [API_CSV], mapping=m)
    assert s.created == 0
    assert any("mapped to '-'" in n and "SH_DTH_NCOM" in n for n in s.notes)


@pytest.mark.parametrize(
    "content",
    ["Entity,Code,Year,x\nA,AFG,2000,1\n", "", "\x00\x00\x00"],
)
def test_other_files_are_refused_with_the_layouts(
    store: Store, tmp_path: Path, content: str
) -> None:
    f = tmp_path / "other.csv"
    f.write_text(content, encoding="utf-8")
    s = services.run_import(store, "unsdg", [f])
    assert not s.ok
    assert any(
        p.file == str(f) and ("SDG" in p.message or "empty" in p.message) for p in s.problems
    )


def test_json_that_is_not_the_api_answer_is_refused(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "x.json"
    f.write_text('{"value": []}', encoding="utf-8")
    s = services.run_import(store, "unsdg", [f])
    assert not s.ok and "not an SDG API JSON response" in s.problems[0].message


@pytest.mark.parametrize(
    ("code", "band"),
    [
        ("ALLAGE", ""),
        ("", ""),
        ("15-19", "15-19"),
        ("Y15T49", "15-49"),
        ("15+", "15+"),
        ("Y_GE65", "65+"),
        ("<5Y", "0-4"),
        ("<1Y", "0"),
        ("M12T59", "1-4"),
        ("M1T59", None),
        ("30-20", None),
        ("SOMETHING", None),
    ],
)
def test_sdg_age_codes(code: str, band: str | None) -> None:
    assert sdg_age(code) == band
