"""``salamat import worldbank`` on real World Development Indicators downloads (English and French),
with the values checked by hand against the files (tests/data/real/worldbank/PROVENANCE.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DATA
from salamat.services import imports as services
from salamat.store.connection import Store

WB = DATA / "real" / "worldbank"
CHE = WB / "API_SH.XPD.CHEX.GD.ZS_DS2_en_csv_v2_4499032_trimmed.csv"
LE_FR = WB / "wdi_fr_SP.DYN.LE00.FE.IN_trimmed.csv"


def value(store: Store, indicator: str, area: str, period: str, sex: str = "total") -> tuple:
    row = store.con.execute(
        "SELECT value, unit, source, vintage, note FROM observation "
        "WHERE indicator = ? AND area = ? AND period = ? AND sex = ?",
        [indicator, area, period, sex],
    ).fetchone()
    assert row is not None, (indicator, area, period, sex)
    return tuple(row)


def test_english_download_stores_the_published_values(store: Store) -> None:
    s = services.run_import(store, "worldbank", [CHE])
    assert s.ok, s.as_dict()
    v, unit, source, vintage, note = value(store, "che_gdp", "KAZ", "2019")
    assert (v, unit) == (2.78745675, "% of GDP")
    assert source == "World Bank, World Development Indicators"
    assert vintage == "2022-09-15"
    assert "SH.XPD.CHEX.GD.ZS" in str(note)
    assert value(store, "che_gdp", "KAZ", "2000")[0] == 4.16031361
    assert value(store, "che_gdp", "KGZ", "2010")[0] == 6.95027208  # "Kyrgyz Republic"
    assert value(store, "che_gdp", "AFG", "2002")[0] == 9.44338989
    assert value(store, "che_gdp", "BHS", "2019")[0] == 5.74977493  # "Bahamas, The"
    assert value(store, "che_gdp", "LIC", "2019")[0] == 4.88252259716934  # income group unit
    # 8 areas x their years with a value: AFG 18, LBY 12, six others 20 each
    assert s.created == 150
    assert s.skipped_missing > 0


def test_aggregates_are_noted_and_never_stored_under_a_subdivision(store: Store) -> None:
    s = services.run_import(store, "worldbank", [CHE])
    assert s.ok
    assert any("AFE Africa Eastern and Southern" in n and "ARB Arab World" in n for n in s.notes)
    areas = {r[0] for r in store.con.execute("SELECT DISTINCT area FROM observation").fetchall()}
    assert areas == {"AFG", "AZE", "BHS", "KAZ", "KGZ", "LBY", "LIC", "LMY"}
    # ARB and ECS are not aliases of Argentina's AR-B or Ecuador's EC-S (three characters)
    assert store.con.execute(
        "SELECT count(*) FROM orgunit_alias WHERE alias IN ('ARB', 'ECA', 'ECS')"
    ).fetchone() == (0,)


def test_no_three_character_alias_points_to_a_subdivision(store: Store) -> None:
    rows = store.con.execute(
        "SELECT a.alias, a.code FROM orgunit_alias a JOIN orgunit o ON o.code = a.code "
        "WHERE regexp_matches(a.alias, '^[A-Z]{3}$') "
        "AND regexp_matches(o.code, '^[A-Z]{2}-[A-Z0-9]+$')"
    ).fetchall()
    assert rows == []


def test_french_download_by_series_code_and_sex(store: Store) -> None:
    s = services.run_import(store, "worldbank", [LE_FR])
    assert s.ok, s.as_dict()
    assert value(store, "le0", "AZE", "2019", "female")[0] == 75.832
    assert value(store, "le0", "AZE", "2020", "female")[0] == 70.998
    assert value(store, "le0", "AZE", "1960", "female")[0] == 60.031
    assert store.con.execute(
        "SELECT count(*) FROM observation WHERE period = '2023'"
    ).fetchone() == (0,)  # empty in the file: missing, not zero
    assert store.con.execute("SELECT count(*) FROM observation").fetchone() == (63,)
    assert any("1 World Bank aggregates" in n and "AFE" in n for n in s.notes)


def test_reimport_under_another_name_changes_nothing(store: Store, tmp_path: Path) -> None:
    assert services.run_import(store, "worldbank", [CHE]).ok
    copy = tmp_path / "health_spending.csv"
    copy.write_bytes(CHE.read_bytes())
    s = services.run_import(store, "worldbank", [copy])
    assert s.ok and s.created == 0 and s.updated == 0 and s.unchanged == 150


def test_unknown_series_names_the_options(store: Store, tmp_path: Path) -> None:
    text = CHE.read_text(encoding="utf-8").replace("SH.XPD.CHEX.GD.ZS", "SH.XPD.GHED.GD.ZS")
    text = text.replace("Current health expenditure (% of GDP)", "Domestic general government "
                        "health expenditure (% of GDP)")  # fmt: skip
    f = tmp_path / "API_SH.XPD.GHED.GD.ZS.csv"
    f.write_text(text, encoding="utf-8")
    s = services.run_import(store, "worldbank", [f])
    assert not s.ok
    messages = " ".join(p.message for p in s.problems)
    assert "SH.XPD.GHED.GD.ZS" in messages and "--new-indicators" in messages
    assert store.con.execute("SELECT count(*) FROM observation").fetchone() == (0,)
    # --new-indicators: registered from the file, code stable, unit from the series name
    s = services.run_import(store, "worldbank", [f], new_indicators=True)
    assert s.ok, s.as_dict()
    name, unit = store.con.execute(
        "SELECT name_en, unit FROM data_element WHERE code = 'wb_sh_xpd_ghed_gd_zs'"
    ).fetchone()
    assert unit == "% of GDP" and name.startswith("Domestic general government")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("Entity,Code,Year,x\nA,AFG,2000,1\n", "not a World Development Indicators CSV"),
        ("", "not a World Development Indicators CSV"),
    ],
)
def test_other_files_are_refused_with_the_layouts(
    store: Store, tmp_path: Path, content: str, expected: str
) -> None:
    f = tmp_path / "other.csv"
    f.write_text(content, encoding="utf-8")
    s = services.run_import(store, "worldbank", [f])
    assert not s.ok
    assert any(expected in p.message for p in s.problems)


def test_unknown_country_code_is_a_problem_with_its_row(store: Store, tmp_path: Path) -> None:
    text = CHE.read_text(encoding="utf-8").replace('"Kazakhstan","KAZ"', '"Nowhere","QQQ"')
    f = tmp_path / "broken.csv"
    f.write_text(text, encoding="utf-8")
    s = services.run_import(store, "worldbank", [f])
    assert not s.ok
    problem = next(p for p in s.problems if p.value == "QQQ")
    assert problem.row == 12 and problem.field == "Country Code"  # the file's line of that row
    assert store.con.execute("SELECT count(*) FROM observation").fetchone() == (0,)


def test_databank_export_with_dots_and_footer(store: Store, tmp_path: Path) -> None:
    # the DataBank layout (constructed from the same published values: see PROVENANCE.md)
    f = tmp_path / "Data_Extract_From_World_Development_Indicators_Data.csv"
    f.write_text(
        "Country Name,Country Code,Series Name,Series Code,2018 [YR2018],2019 [YR2019]\n"
        "Kazakhstan,KAZ,Current health expenditure (% of GDP),SH.XPD.CHEX.GD.ZS,"
        "2.8178606,2.78745675\n"
        "Azerbaijan,AZE,Current health expenditure (% of GDP),SH.XPD.CHEX.GD.ZS,..,4.03829002\n"
        "\n\nData from database: World Development Indicators\nLast Updated: 09/15/2022\n",
        encoding="utf-8",
    )
    s = services.run_import(store, "worldbank", [f])
    assert s.ok, s.as_dict()
    assert value(store, "che_gdp", "KAZ", "2018")[0] == 2.8178606
    assert value(store, "che_gdp", "AZE", "2019")[3] == "2022-09-15"
    assert s.created == 3 and s.skipped_missing == 1
