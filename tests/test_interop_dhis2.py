from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import table_snapshot
from interop_helpers import INTEROP, write_map
from salamat.ingest.dhis2_read import adx_period
from salamat.services import imports as services
from salamat.store.connection import Store

DVS = INTEROP / "dhis2_datavaluesets"
META = INTEROP / "dhis2_metadata"
ADX = INTEROP / "adx"
ANALYTICS = INTEROP / "dhis2_analytics"
MALARIA_META = META / "dhis2core_e2e_malaria_aggregate_metadata.json"
SL_ORGUNITS = META / "play-40.0.1_organisationUnits_all_name-id.json"

# The Sierra Leone demo's "Mortality < 5 years" data elements, mapped to new indicators
SL_MAP = [
    ("area", "DiszpKrYNg8", "SLE"),
    ("indicator", "Ix2HsbDMLea", "u5_deaths_measles"),
    ("indicator", "eY5ehpbEsB7", "u5_deaths_malaria"),
    ("indicator", "f7n9E0hX8qk", "u5_deaths_diarrhoea"),
    ("indicator", "FTRrcoaog83", "u5_deaths_afp"),
]


def values(store: Store) -> list[tuple[object, ...]]:
    return store.con.execute(
        "SELECT indicator, area, period, sex, age, value FROM observation "
        "ORDER BY indicator, area, period, sex, age"
    ).fetchall()


def test_real_export_json_then_a_newer_version_of_the_same_request(
    store: Store, tmp_path: Path
) -> None:
    m = write_map(tmp_path, SL_MAP)
    old = DVS / "play-2.37.2_dataValueSets_pBOMPrpg1QX_202201_DiszpKrYNg8.json"
    new = DVS / "play-40.0.1_dataValueSets_pBOMPrpg1QX_202201_DiszpKrYNg8.json"
    s = services.run_import(store, "dhis2", [old], mapping=m, new_indicators=True)
    assert (s.status, s.created) == ("SUCCESS", 3)
    assert values(store)[0] == ("u5_deaths_diarrhoea", "SLE", "202201", "total", "all", 1.0)
    # the same request two years later: one new data element, three revised values
    s2 = services.run_import(store, "dhis2", [new], mapping=m, new_indicators=True)
    assert (s2.created, s2.updated, s2.unchanged) == (1, 3, 0)
    assert values(store)[0][5] == 12.0


def test_unknown_org_unit_message_names_it_and_the_map_line(store: Store, tmp_path: Path) -> None:
    before = table_snapshot(store)
    m = write_map(tmp_path, SL_MAP[1:])
    f = DVS / "play-40.0.1_dataValueSets_pBOMPrpg1QX_202201_DiszpKrYNg8.json"
    s = services.run_import(
        store, "dhis2", [f], mapping=m, new_indicators=True, metadata=[SL_ORGUNITS]
    )
    assert s.status == "ERROR" and s.rejected == 4
    p = s.problems[0]
    assert (p.row, p.field, p.value) == (1, "area", "DiszpKrYNg8")
    assert p.message == (
        "unknown DHIS2 org unit 'DiszpKrYNg8' (Ngelehun CHC): map it with --map "
        "(area,DiszpKrYNg8,<code>), or create the file's units with --new-areas PARENT"
    )
    assert table_snapshot(store) == before


@pytest.mark.parametrize(
    "name", ["dhis2core_dxf2_dataValueSetB.csv", "dhis2core_dxf2_dataValueSetB.xml"]
)
def test_csv_and_xml_value_sets_give_the_same_values(
    store: Store, tmp_path: Path, name: str
) -> None:
    m = write_map(tmp_path, [*SL_MAP, ("area", "BdfsJfj87js", "GIN")])
    s = services.run_import(store, "dhis2", [DVS / name], mapping=m, new_indicators=True)
    assert (s.status, s.created) == ("SUCCESS", 12)
    got = values(store)
    assert ("u5_deaths_diarrhoea", "GIN", "201201", "total", "all", 10002.0) in got
    assert sum(v[5] for v in got) == sum(range(10001, 10013))
    # rows are the file's lines (CSV header is line 1; XML values start on line 2)
    assert store.con.execute("SELECT DISTINCT note FROM observation").fetchall() == [("comment",)]


def test_bulk_json_with_metadata_reads_age_and_sex_combos(store: Store, tmp_path: Path) -> None:
    meta = json.loads(MALARIA_META.read_text())
    rows = [("area", "O6uvpzGd5pu", "SLE")]
    # yes/no data elements (valueType BOOLEAN) are not numbers: they are left out
    rows += [
        ("indicator", de["id"], "-" if de["valueType"] == "BOOLEAN" else "ta_" + de["id"].lower())
        for de in meta["dataElements"]
    ]
    # foci classification is no Salamat disaggregation: each combo is its own indicator
    foci = {"Ngi3BgUod0E": "active", "WPJQS4ogrRm": "residual", "gjWSzL7cfIe": "cleared"}
    before = table_snapshot(store)
    m = write_map(tmp_path, rows)
    f = DVS / "dhis2core_e2e_malaria_dataValues_bulk.json"
    s = services.run_import(
        store, "dhis2", [f], mapping=m, new_indicators=True, metadata=[MALARIA_META]
    )
    assert s.status == "ERROR"
    assert {p.value for p in s.problems} == set(foci)
    assert "(TA Active foci)" in next(p.message for p in s.problems if p.value == "Ngi3BgUod0E")
    assert table_snapshot(store) == before
    data = json.loads(f.read_text())["dataValues"]
    des = {v["dataElement"] for v in data if v["categoryOptionCombo"] in foci}
    rows += [
        ("indicator", f"{de}.{c}", f"ta_{de.lower()}_{n}") for de in des for c, n in foci.items()
    ]
    m = write_map(tmp_path, rows)
    s = services.run_import(
        store, "dhis2", [f], mapping=m, new_indicators=True, metadata=[MALARIA_META]
    )
    assert (s.status, s.created) == ("SUCCESS", 222)
    assert any("9 row(s) not imported" in n for n in s.notes)
    assert any(
        "'t5FrQ0GTvGf' (TA 0-4 years, Female) read as sex=female;age=0-4" in n for n in s.notes
    )
    combos = store.con.execute(
        "SELECT DISTINCT sex, age FROM observation ORDER BY sex, age"
    ).fetchall()
    assert combos == [
        ("female", "0-4"), ("female", "15+"), ("female", "5-14"),
        ("male", "0-4"), ("male", "15+"), ("male", "5-14"),
        ("total", "0-4"), ("total", "15+"), ("total", "5-14"), ("total", "all"),
    ]  # fmt: skip


def test_single_data_set_header_and_combo_mapping(store: Store, tmp_path: Path) -> None:
    m = write_map(
        tmp_path,
        [
            ("area", "O6uvpzGd5pu", "SLE"),
            ("indicator", "BjDrgVrkBI3", "inpatient_all_cause"),
            ("categoryOptionCombo", "oPcWGgS2Liz", "age=0-4"),
            ("categoryOptionCombo", "rtfSaMjPyq6", "age=5-14"),
        ],
    )
    f = DVS / "dhis2core_e2e_malaria_dataValues_single_dataset.json"
    s = services.run_import(store, "dhis2", [f], mapping=m, new_indicators=True)
    assert (s.status, s.created) == ("SUCCESS", 2)
    assert values(store) == [
        ("inpatient_all_cause", "SLE", "201911", "total", "0-4", 1000.0),
        ("inpatient_all_cause", "SLE", "201911", "total", "5-14", 2000.0),
    ]


def test_adx_sample_reports_the_repeated_keys(store: Store, tmp_path: Path) -> None:
    before = table_snapshot(store)
    m = write_map(
        tmp_path,
        [("area", "342", "SLE"), ("attributeOptionCombo", "McDonalds", "total")]
        + [("indicator", f"MAL0{i}", f"mal0{i}") for i in range(1, 5)]
        + [("categoryOptionCombo", "McDonalds", "-")],
    )
    s = services.run_import(
        store, "dhis2", [ADX / "dhis2core_adx_data_sample1.xml"], mapping=m, new_indicators=True
    )
    assert s.status == "ERROR"
    dup = [p for p in s.problems if "the same indicator" in p.message]
    # MAL01, MAL02 twice (one per group), MAL04 seven times: 1 + 1 + 6 repeats
    assert len(dup) == 8 and {p.row for p in dup} >= {15, 16}
    assert all(p.field == "value" for p in s.problems)
    assert table_snapshot(store) == before


def test_adx_category_attributes_and_quarters(store: Store, tmp_path: Path) -> None:
    m = write_map(
        tmp_path,
        [
            ("area", "123", "SLE"),
            ("area", "456", "GIN"),
            ("indicator", "Malaria numeric", "malaria_cases"),
            ("indicator", "Malaria text", "-"),
            ("categoryOption", "FFFFFFFFFFF", "sex=female"),
            ("categoryOption", "MMMMMMMMMMM", "sex=male"),
            ("categoryOption", "under555555", "age=0-4"),
            ("categoryOption", "over5555555", "age=5+"),
            ("categoryOptionCombo", "FOver555555", "sex=female;age=5+"),
            ("categoryOptionCombo", "MOver555555", "sex=male;age=5+"),
            ("attributeOptionCombo", "Mechanism_category=PEPFARRRRRR", "total"),
            ("attributeOptionCombo", "Mechanism_category=McDonaldsss", "total"),
            ("attributeOptionCombo", "cocMcDonald", "total"),
        ],
    )
    s = services.run_import(
        store, "dhis2", [ADX / "dhis2core_importA.adx.xml"], mapping=m, new_indicators=True
    )
    assert (s.status, s.created) == ("SUCCESS", 8)
    got = values(store)
    assert ("malaria_cases", "GIN", "2021Q1", "female", "0-4", 10.0) in got
    assert ("malaria_cases", "SLE", "202001", "male", "5+", 4.0) in got


def test_analytics_with_hierarchy_one_org_unit_kept(store: Store, tmp_path: Path) -> None:
    f = ANALYTICS / "play-40.0.1_analytics_ANC1-2_THIS-LAST_YEAR_SL-LEVEL4_hierarchyMeta.json"
    doc = json.loads(f.read_text())
    ous = sorted({r[2] for r in doc["rows"]})
    rows = [("indicator", "fbfJHSPpUQD", "anc1"), ("indicator", "cYeuwXTCPkU", "anc2")]
    rows += [("area", u, "SLE" if u == "DiszpKrYNg8" else "-") for u in ous]
    m = write_map(tmp_path, rows)
    s = services.run_import(store, "dhis2", [f], mapping=m, new_indicators=True)
    expected = sum(1 for r in doc["rows"] if r[2] == "DiszpKrYNg8")
    assert (s.status, s.created, s.total) == ("SUCCESS", expected, expected)
    assert any(f"{4394 - expected} row(s) not imported" in n for n in s.notes)
    assert store.con.execute("SELECT DISTINCT source FROM observation").fetchall() == [
        ("DHIS2 analytics",)
    ]


def test_analytics_with_org_units_as_filter_and_legacy_combos(store: Store, tmp_path: Path) -> None:
    before = table_snapshot(store)
    f = ANALYTICS / "play-40.0.1_analytics_ANC1_by-co_LAST_12_MONTHS_3facilities.json"
    s = services.run_import(store, "dhis2", [f])
    area = [p for p in s.problems if p.field == "area"]
    assert len(area) == 28
    assert "summed over the filter org units g8upMTyEZGZ;DiszpKrYNg8;egv5Es0QlQP" in area[0].message
    combos = {p.value for p in s.problems if p.field == "categoryOptionCombo"}
    assert len(combos) == 6  # 2 in metaData (Fixed, Outreach) and 4 legacy ones
    assert table_snapshot(store) == before
    rows = [
        ("area", "g8upMTyEZGZ;DiszpKrYNg8;egv5Es0QlQP", "SLE"),
        ("indicator", "fbfJHSPpUQD.pq2XI5kz2BY", "anc1_fixed"),
        ("indicator", "fbfJHSPpUQD.PT59n8BQbqM", "anc1_outreach"),
        ("indicator", "fbfJHSPpUQD", "-"),
    ]
    s = services.run_import(
        store, "dhis2", [f], mapping=write_map(tmp_path, rows), new_indicators=True
    )
    assert (s.status, s.created) == ("SUCCESS", 24)
    assert any("4 row(s) not imported" in n for n in s.notes)


def test_broken_copies(store: Store, tmp_path: Path) -> None:
    before = table_snapshot(store)
    m = write_map(tmp_path, SL_MAP)
    src = DVS / "play-40.0.1_dataValueSets_pBOMPrpg1QX_202201_DiszpKrYNg8.json"
    truncated = tmp_path / "truncated.json"
    truncated.write_bytes(src.read_bytes()[:700])
    s = services.run_import(store, "dhis2", [truncated], mapping=m, new_indicators=True)
    assert s.status == "ERROR" and "not valid JSON" in s.problems[0].message

    doc = json.loads(src.read_text())
    doc["dataValues"][1]["value"] = "many"  # a text value
    doc["dataValues"][2]["orgUnit"] = "XXXXXXXXXXX"  # an unknown org unit
    doc["dataValues"].append(dict(doc["dataValues"][0]))  # a duplicate value
    doc["dataValues"][3]["period"] = "2021W53"  # 2021 has 52 ISO weeks
    f = tmp_path / "broken.json"
    f.write_text(json.dumps(doc))
    s = services.run_import(store, "dhis2", [f], mapping=m, new_indicators=True)
    got = {(p.row, p.field) for p in s.problems}
    assert got == {(2, "value"), (3, "area"), (4, "period"), (5, "value")}
    assert table_snapshot(store) == before

    broken_xml = tmp_path / "broken.xml"
    broken_xml.write_text((DVS / "dhis2core_dxf2_dataValueSetB.xml").read_text()[:900])
    s = services.run_import(store, "dhis2", [broken_xml], mapping=m, new_indicators=True)
    assert s.status == "ERROR" and "not well-formed XML" in s.problems[0].message
    assert table_snapshot(store) == before


def test_iso_weeks_and_ids_that_are_salamat_codes(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "weeks.csv"
    f.write_text(
        "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\n"
        "tb_incidence,2024W1,KAZ,,,1.5\n"
        "tb_incidence,2024W2,KZ-75,HllvX50cXC0,HllvX50cXC0,2.5\n"
    )
    s = services.run_import(store, "dhis2", [f])
    assert (s.status, s.created) == ("SUCCESS", 2)
    assert store.con.execute(
        "SELECT area, period, period_type FROM observation ORDER BY period"
    ).fetchall() == [("KAZ", "2024W01", "weekly"), ("KZ-75", "2024W02", "weekly")]


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2015-01-01/P1M", "201501"),
        ("2021-01-01/P3M", "2021Q1"),
        ("2020-01-01/P1Y", "2020"),
        ("2024-01-01/P7D", "2024W01"),
        ("2015-01-15/P1M", None),
        ("2015-01-01/P1D", None),
        ("junk", None),
    ],
)
def test_adx_periods(text: str, period: str | None) -> None:
    assert adx_period(text) == period


def test_deeply_nested_json_is_an_input_error(store: Store, tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000)
    before = table_snapshot(store)
    s = services.run_import(store, "dhis2", [deep])
    assert s.status == "ERROR" and "nested too deeply" in s.problems[0].message
    s = services.run_import(store, "dhis2", [DVS / "dhis2core_dxf2_dataValueSetB.csv"],
                            metadata=[deep])  # fmt: skip
    assert s.status == "ERROR" and "nested too deeply" in s.problems[0].message
    assert table_snapshot(store) == before


LAOS = (
    Path(__file__).parent
    / "data"
    / "real"
    / "dhis2_analytics"
    / ("chap-core_laos_analytics_population_provinces_TODAY.json")
)


def test_real_laos_analytics_new_areas_from_the_files_names(store: Store) -> None:
    before = table_snapshot(store)
    s = services.run_import(store, "dhis2", [LAOS], new_indicators=True)
    assert s.status == "ERROR" and s.rejected == 18
    assert "(01 Vientiane Capital)" in " ".join(p.message for p in s.problems)
    assert "--new-areas PARENT" in s.problems[0].message
    assert table_snapshot(store) == before
    s = services.run_import(store, "dhis2", [LAOS], new_indicators=True, new_areas="LAO")
    assert (s.status, s.created) == ("SUCCESS", 18)
    units = store.con.execute(
        "SELECT o.code, o.parent, o.name_en FROM orgunit o JOIN orgunit_alias a ON a.code = o.code "
        "WHERE a.alias IN ('W6sNfkJcXGC', 'pFCZqWnXtoU', 'K27JzTKmBKh') ORDER BY o.name_en"
    ).fetchall()
    assert [(u[1], u[2]) for u in units] == [
        ("LAO", "01 Vientiane Capital"),
        ("LAO", "13 Savannakhet"),
        ("LAO", "18 Xaisomboun"),
    ]
    got = dict(
        store.con.execute(
            "SELECT a.alias, v.value FROM observation v JOIN orgunit_alias a ON a.code = v.area "
            "WHERE v.indicator = 'dhis2_gen_population' AND v.period = '20240417'"
        ).fetchall()
    )
    assert len(got) == 18
    assert (got["W6sNfkJcXGC"], got["pFCZqWnXtoU"], got["K27JzTKmBKh"]) == (989292, 1101857, 113824)
    name = store.con.execute(
        "SELECT name_en FROM data_element WHERE code = 'dhis2_gen_population'"
    ).fetchone()
    assert name == ("GEN - Population",)
    # again: the units are found by their DHIS2 ids, nothing is created twice
    n_units = store.con.execute("SELECT count(*) FROM orgunit").fetchone()
    s = services.run_import(store, "dhis2", [LAOS], new_indicators=True, new_areas="LAO")
    assert (s.status, s.created, s.unchanged) == ("SUCCESS", 0, 18)
    assert store.con.execute("SELECT count(*) FROM orgunit").fetchone() == n_units


def test_real_laos_broken_copies(store: Store, tmp_path: Path) -> None:
    before = table_snapshot(store)
    cut = tmp_path / "laos.json"
    cut.write_bytes(LAOS.read_bytes()[:3000])
    s = services.run_import(store, "dhis2", [cut], new_areas="LAO")
    assert s.status == "ERROR" and "not valid JSON" in s.problems[0].message
    doc = json.loads(LAOS.read_text())
    doc["rows"][0][1] = "20240231"  # no such day
    bad = tmp_path / "laos_bad.json"
    bad.write_text(json.dumps(doc))
    s = services.run_import(store, "dhis2", [bad], new_areas="LAO", new_indicators=True)
    assert s.status == "ERROR" and [(p.row, p.field) for p in s.problems] == [(1, "period")]
    assert table_snapshot(store) == before
