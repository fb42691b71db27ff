from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import DATA, table_snapshot
from salamat.errors import InputError
from salamat.ingest.owid import is_owid_aggregate, read_metadata
from salamat.services import imports as services
from salamat.store.connection import Store

OWID = DATA / "real" / "owid"  # provenance: tests/data/real/owid/PROVENANCE.md
CHILD = OWID / "child-mortality_trimmed.csv"
CHILD_META = OWID / "child-mortality.metadata.json"
SUICIDE = OWID / "owid-datasets_age-adjusted-suicide-rates_WHO-2005_trimmed.csv"
SUICIDE_META = OWID / "owid-datasets_age-adjusted-suicide-rates_WHO-2005_datapackage.json"


def value(store: Store, indicator: str, area: str, period: str) -> tuple[object, ...]:
    row = store.con.execute(
        "SELECT value, unit, source, note FROM observation "
        "WHERE indicator = ? AND area = ? AND period = ?",
        [indicator, area, period],
    ).fetchone()
    assert row is not None, (indicator, area, period)
    return tuple(row)


def test_child_mortality_in_percent_is_converted_to_per_1000(store: Store) -> None:
    s = services.run_import(store, "owid", [CHILD], metadata=[CHILD_META])
    assert s.ok, s.as_dict()
    v, unit, source, note = value(store, "u5mr", "AFG", "2023")
    assert (v, unit) == (55.5, "per 1,000 live births")  # 5.55 deaths per 100 live births
    assert value(store, "u5mr", "ARM", "1988")[0] == 99.3  # 9.93 in the file
    assert "Gapminder (2015); UN Inter-agency Group" in str(source)
    assert "converted to 'per 1,000 live births' (x10)" in str(note)
    # OWID's regions with no Code are listed, never stored under a country
    assert any("Africa, Asia" in n for n in s.notes)
    n = store.con.execute("SELECT count(DISTINCT area) FROM observation").fetchone()
    assert n == (3,)  # AFG, ALB, ARM


def test_metadata_beside_the_csv_is_found_by_its_stem(store: Store, tmp_path: Path) -> None:
    shutil.copy(CHILD, tmp_path / "child-mortality.csv")
    shutil.copy(CHILD_META, tmp_path / "child-mortality.metadata.json")
    s = services.run_import(store, "owid", [tmp_path / "child-mortality.csv"])
    assert s.ok
    assert value(store, "u5mr", "AFG", "2023")[0] == 55.5


def test_the_known_column_without_metadata_is_still_read_in_percent(store: Store) -> None:
    # the wrong import: the same CSV alone was stored as 5.55 "per 1,000"
    s = services.run_import(store, "owid", [CHILD])
    assert s.ok
    assert value(store, "u5mr", "AFG", "2023")[:2] == (55.5, "per 1,000 live births")


def test_entity_year_without_code_imports_by_name(store: Store, tmp_path: Path) -> None:
    m = tmp_path / "map.csv"
    m.write_text(
        "dimension,from,to\n"
        "indicator,Suicide rate (WHO (2005)),suicide_mortality\n"
        "indicator,Male-Female Ratio of Suicide Rate (WHO (2005)),-\n"
    )
    s = services.run_import(store, "owid", [SUICIDE], metadata=[SUICIDE_META], mapping=m)
    assert s.ok, s.as_dict()
    v, unit, source, _ = value(store, "suicide_mortality", "AFG", "2004")
    assert (v, unit) == (6.6843853, "per 100,000 population")
    assert source == "World Health Organization (2005) (via Our World in Data)"
    assert value(store, "suicide_mortality", "AZE", "1995")[0] == 0.7589484
    assert value(store, "suicide_mortality", "ATG", "2002")[0] > 0  # "Antigua and Barbuda"
    areas = {r[0] for r in store.con.execute("SELECT DISTINCT area FROM observation").fetchall()}
    assert len(areas) == 11
    again = services.run_import(store, "owid", [SUICIDE], metadata=[SUICIDE_META], mapping=m)
    assert (again.created, again.updated) == (0, 0)


def test_empty_cells_are_missing_values_not_errors(store: Store, tmp_path: Path) -> None:
    m = tmp_path / "map.csv"
    m.write_text(
        "dimension,from,to\n"
        "indicator,Suicide rate (WHO (2005)),-\n"
        "indicator,Male-Female Ratio of Suicide Rate (WHO (2005)),suicide_ratio_mf\n"
    )
    s = services.run_import(store, "owid", [SUICIDE], mapping=m, new_indicators=True)
    assert s.ok, s.as_dict()
    assert any("empty value(s)" in n and "skipped as missing" in n for n in s.notes)
    assert value(store, "suicide_ratio_mf", "AFG", "2004")[0] == 0.566015727
    none = store.con.execute(
        "SELECT count(*) FROM observation WHERE area = 'AFG' AND period = '2002'"
    ).fetchone()
    assert none == (0,)


def test_broken_copies(store: Store, tmp_path: Path) -> None:
    before = table_snapshot(store)
    lines = SUICIDE.read_text().splitlines()
    assert lines[1] == "Afghanistan,2002,6.867054,"
    bad = [
        lines[0],
        lines[1],  # row 2: fine
        lines[1].replace("Afghanistan", "Atlantis"),  # row 3: unknown name
        lines[2].replace("6.6843853", "six"),  # row 4: not a number
        lines[1],  # row 5: a duplicate of row 2
    ]
    f = tmp_path / "suicide.csv"
    f.write_text("\n".join(bad) + "\n")
    m = tmp_path / "map.csv"
    m.write_text(
        "dimension,from,to\n"
        "indicator,Suicide rate (WHO (2005)),suicide_mortality\n"
        "indicator,Male-Female Ratio of Suicide Rate (WHO (2005)),-\n"
    )
    s = services.run_import(store, "owid", [f], mapping=m)
    got = {(p.row, p.field) for p in s.problems}
    assert got == {(3, "area"), (4, "value"), (5, "value")}
    assert "map it with --map (area,Atlantis,<code>)" in s.problems[0].message
    assert table_snapshot(store) == before


def test_a_unit_that_cannot_be_converted_is_rejected(store: Store, tmp_path: Path) -> None:
    meta = CHILD_META.read_text().replace(
        '"unit": "deaths per 100 live births"', '"unit": "deaths per 100 women"'
    )
    (tmp_path / "child-mortality.metadata.json").write_text(meta)
    shutil.copy(CHILD, tmp_path / "child-mortality.csv")
    s = services.run_import(store, "owid", [tmp_path / "child-mortality.csv"])
    assert s.status == "ERROR"
    assert "cannot convert 'deaths per 100 women' to 'per 1,000 live births'" in (
        s.problems[0].message
    )


def test_metadata_that_is_not_owid_metadata_is_an_error(tmp_path: Path) -> None:
    f = tmp_path / "x.json"
    f.write_text('{"hello": 1}')
    with pytest.raises(InputError, match="not OWID metadata"):
        read_metadata([f])


@pytest.mark.parametrize(
    ("name", "aggregate"),
    [
        ("World", True),
        ("Europe (WHO)", True),
        ("High-income countries", True),
        ("Africa", True),
        ("Kazakhstan", False),
        ("Antigua and Barbuda", False),
    ],
)
def test_owid_aggregate_names(name: str, aggregate: bool) -> None:
    assert is_owid_aggregate(name) is aggregate


def test_owid_regions_go_to_group_units_or_the_notes(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "regions.csv"
    f.write_text(
        "Entity,Year,Child mortality rate\n"
        "World,2020,3.7\nEurope (WHO),2020,0.8\nHigh-income countries,2020,0.5\n"
        "Kazakhstan,2020,1.0\n"
    )
    s = services.run_import(store, "owid", [f])
    assert s.ok, s.as_dict()
    assert value(store, "u5mr", "WORLD", "2020")[0] == 37.0
    assert value(store, "u5mr", "WHO-EUR", "2020")[0] == 8.0
    assert value(store, "u5mr", "KAZ", "2020")[0] == 10.0
    # the World Bank's income group has a group unit (HIC): the aggregate lands on it
    assert value(store, "u5mr", "HIC", "2020")[0] == 5.0


def test_owid_unknown_column_needs_a_mapping(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "owid.csv"
    f.write_text(
        "Entity,Code,Year,Hospital beds per 1000\nKazakhstan,KAZ,2019,6.1\nEurope,,2019,5.0\n"
    )
    s = services.run_import(store, "owid", [f])
    assert s.status == "ERROR" and "map it with --map" in s.problems[0].message
    m = tmp_path / "map.csv"
    m.write_text("dimension,from,to\nindicator,hospital beds per 1000,beds_per_1000\n")
    s = services.run_import(store, "owid", [f], mapping=m, new_indicators=True)
    assert s.ok and s.created == 1
    assert any("Europe" in n for n in s.notes)  # the aggregate is named, not silently dropped


def test_new_indicators_registers_each_unknown_column(store: Store) -> None:
    # without --new-indicators the unknown columns are problems naming both options
    s = services.run_import(store, "owid", [SUICIDE], metadata=[SUICIDE_META])
    assert not s.ok
    assert any("--new-indicators" in p.message for p in s.problems)
    s = services.run_import(store, "owid", [SUICIDE], metadata=[SUICIDE_META], new_indicators=True)
    assert s.ok, s.as_dict()
    codes = {
        r[0]
        for r in store.con.execute(
            "SELECT code FROM data_element WHERE code LIKE 'owid_%'"
        ).fetchall()
    }
    assert codes == {
        "owid_suicide_rate_who_2005",
        "owid_male_female_ratio_of_suicide_rate_who_2005",
    }
    v, _unit, _source, _note = value(store, "owid_suicide_rate_who_2005", "AFG", "2004")
    assert v == 6.6843853
    code, name = store.con.execute(
        "SELECT international_code, name_en FROM data_element "
        "WHERE code = 'owid_suicide_rate_who_2005'"
    ).fetchone()
    assert code == "Suicide rate (WHO (2005))" and name
    # the same file again: the same codes, nothing new
    again = services.run_import(
        store, "owid", [SUICIDE], metadata=[SUICIDE_META], new_indicators=True
    )
    assert again.ok and again.created == 0


# Grapher downloads of 2024-2026 (provenance: tests/data/real/owid/PROVENANCE.md)
LE_FILTERED = OWID / "life-expectancy_filtered-download_2022_trimmed.csv"
CHE_PC_FILTERED = (
    OWID / "annual-healthcare-expenditure-per-capita_filtered-download_2022_trimmed.csv"
)
LE_HMD_WPP = OWID / "life-expectancy-hmd-unwpp_trimmed.csv"
GINI_ANNOTATED = OWID / "economic-inequality-gini-index_annotations_trimmed.csv"


def test_life_expectancy_downloads_are_le0(store: Store) -> None:
    s = services.run_import(store, "owid", [LE_FILTERED])
    assert s.ok, s.as_dict()
    assert s.created == 9  # the 'time' column is not a value column
    assert value(store, "le0", "KAZ", "2022")[:2] == (73.5028, "years")
    s = services.run_import(store, "owid", [LE_HMD_WPP])
    assert s.ok, s.as_dict()
    assert value(store, "le0", "KGZ", "2019")[0] == 70.8907  # the file's row
    # "Asia (UN)" has no unit: named in the notes, not imported
    assert any("1 OWID regions or groups" in n and "Asia (UN)" in n for n in s.notes)
    # KAZ and KGZ 2022: the same values from the same source as the first file: unchanged
    assert (s.created, s.unchanged) == (46, 2)
    codes = {
        r[0] for r in store.con.execute("SELECT DISTINCT indicator FROM observation").fetchall()
    }
    assert codes == {"le0"}


def test_the_time_column_dates_each_value(store: Store) -> None:
    # Tonga's and Ukraine's values are from 2021, shown by the chart at 2022: their Year and Code
    # are empty and 'time' says 2021; they are stored at 2021, the others at 2022
    s = services.run_import(store, "owid", [CHE_PC_FILTERED], new_indicators=True)
    assert s.ok, s.as_dict()
    code = "owid_current_health_expenditure_per_capita_ppp_current_international"
    assert value(store, code, "TON", "2021")[0] == 520.0485
    assert value(store, code, "UKR", "2021")[0] == 1094.8129
    assert value(store, code, "KAZ", "2022")[0] > 0
    assert any("2 value(s)" in n and "stored at their own year" in n for n in s.notes)
    made = {r[0] for r in store.con.execute("SELECT code FROM data_element").fetchall()}
    assert "owid_time" not in made
    n = store.con.execute("SELECT count(*) FROM observation WHERE indicator = ?", [code])
    assert n.fetchone() == (11,)


def test_time_columns_pair_with_value_columns_in_order(store: Store, tmp_path: Path) -> None:
    # the layout of owid/owid-grapher issue 5645: one 'time' column per value column, in order
    f = tmp_path / "two.csv"
    f.write_text(
        "Entity,Code,Year,Child mortality rate,Period life expectancy at birth,time,time\n"
        "Kazakhstan,KAZ,2022,1.0,73.5,2021,2022\n"
    )
    s = services.run_import(store, "owid", [f])
    assert s.ok, s.as_dict()
    assert value(store, "u5mr", "KAZ", "2021")[0] == 10.0
    assert value(store, "le0", "KAZ", "2022")[0] == 73.5
    # a count that cannot be paired is refused, naming what to download instead
    g = tmp_path / "odd.csv"
    g.write_text(
        "Entity,Code,Year,Child mortality rate,Period life expectancy at birth,time\n"
        "Kazakhstan,KAZ,2022,1.0,73.5,2021\n"
    )
    s = services.run_import(store, "owid", [g])
    assert s.status == "ERROR"
    assert "which value each dates cannot be told" in s.problems[0].message


def test_original_year_columns_of_the_2026_downloads(store: Store, tmp_path: Path) -> None:
    # owid/owid-grapher pull request 5894: '<column> (Original Year)', filled where it differs
    f = tmp_path / "new.csv"
    f.write_text(
        "Entity,Code,Year,Period life expectancy at birth,"
        "Period life expectancy at birth (Original Year),Child mortality rate\n"
        "Kazakhstan,KAZ,2022,73.1,2021,1.0\n"
        "Kyrgyzstan,KGZ,2022,71.5,,1.6\n"
    )
    s = services.run_import(store, "owid", [f])
    assert s.ok, s.as_dict()
    assert value(store, "le0", "KAZ", "2021")[0] == 73.1
    assert value(store, "le0", "KGZ", "2022")[0] == 71.5
    assert value(store, "u5mr", "KAZ", "2022")[0] == 10.0  # its own column has no original year


def test_sex_specific_life_expectancy_columns(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "sex.csv"
    f.write_text(
        "Entity,Code,Year,Period life expectancy at birth - Sex: female - Age: 0,"
        "Period life expectancy at birth - Sex: male - Age: 0\n"
        "Kazakhstan,KAZ,2022,77.9,68.9\n"
    )
    s = services.run_import(store, "owid", [f])
    assert s.ok, s.as_dict()
    got = dict(
        store.con.execute(
            "SELECT sex, value FROM observation WHERE indicator = 'le0' AND area = 'KAZ'"
        ).fetchall()
    )
    assert got == {"female": 77.9, "male": 68.9}


def test_annotation_columns_are_not_values(store: Store) -> None:
    s = services.run_import(store, "owid", [GINI_ANNOTATED], new_indicators=True)
    assert s.ok, s.as_dict()
    assert any("'990179-annotations'" in n and "not imported" in n for n in s.notes)
    made = {r[0] for r in store.con.execute("SELECT code FROM data_element").fetchall()}
    assert "owid_gini_coefficient" in made
    assert not any("annotation" in c for c in made)
