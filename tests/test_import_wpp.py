from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pandas as pd

from conftest import DATA
from salamat.services import imports as services
from salamat.store.connection import Store

WPP = DATA / "wpp"


def test_wide_wpp_e0_files_every_country(store: Store) -> None:
    files = [WPP / f"wpp2024_e0{s}.txt.gz" for s in "BFM"]
    s = services.run_import(store, "wpp", files)
    assert s.status == "SUCCESS", s.as_dict()
    assert any("UN regional aggregates not imported" in n for n in s.notes)
    with gzip.open(WPP / "wpp2024_e0F.txt.gz", "rt") as fh:
        wide = pd.read_csv(fh, sep="\t", dtype=str)
    tur = float(wide.loc[wide["country_code"] == "792", "2023"].iloc[0])
    got = store.con.execute(
        "SELECT value, source FROM observation WHERE indicator='le0' AND "
        "area='TUR' AND period='2023' AND sex='female'"
    ).fetchall()
    assert got == [(tur, "UN WPP 2024")]
    n_countries = store.con.execute("SELECT count(DISTINCT area) FROM observation").fetchall()
    assert n_countries[0][0] > 200
    again = services.run_import(store, "wpp", files)
    assert again.created == 0 and again.unchanged == s.created


def test_wpp_file_it_does_not_know_is_an_error(store: Store) -> None:
    s = services.run_import(store, "wpp", [WPP / "wpp2024_UNlocations.txt"])
    assert s.status == "ERROR" and "not a WPP data file" in s.problems[0].message


def test_the_revision_comes_from_the_uns_name_never_a_guess(store: Store, tmp_path: Path) -> None:
    first = services.run_import(store, "wpp", [WPP / "wpp2024_e0F.txt.gz"])
    assert first.ok and first.created > 0
    # the same file under another name that keeps the UN's revision: the same data, once
    copy = tmp_path / "copy_of_WPP2024_e0F.txt.gz"
    shutil.copy(WPP / "wpp2024_e0F.txt.gz", copy)
    again = services.run_import(store, "wpp", [copy])
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.created)
    # a name without the revision: not guessed, --source asked for
    bare = tmp_path / "life_expectancy_e0F.txt.gz"
    shutil.copy(WPP / "wpp2024_e0F.txt.gz", bare)
    s = services.run_import(store, "wpp", [bare])
    assert s.status == "ERROR" and s.created == 0
    assert any("give --source" in n for n in s.notes)
    assert any("source" in (p.field or "") for p in s.problems)


# --- the official UN WPP CSV layouts (tests/data/real/un_wpp, see its PROVENANCE.md) ---

REAL = DATA / "real" / "un_wpp"
PERIODS = REAL / "WPP2019_Period_Indicators_Medium_KAZ.csv"
BY_AGE = REAL / "WPP2019_PopulationByAgeSex_Medium_KAZ_2016-2018.csv"
WORLD = REAL / "WPP2022_Demographic_Indicators_Medium_World_1950-1960.csv"
LOC1111 = REAL / "WPP2022_TotalPopulationBySex_LocID1111_1950-1975.csv"


def one(store: Store, where: str) -> tuple[object, ...]:
    rows = store.con.execute(
        f"SELECT value, unit, source, note FROM observation WHERE {where}"
    ).fetchall()
    assert len(rows) == 1, (where, rows)
    return tuple(rows[0])


def test_official_period_indicators_of_kazakhstan(store: Store) -> None:
    s = services.run_import(store, "wpp", [PERIODS])
    assert s.status == "SUCCESS", s.as_dict()
    le, unit, source, note = one(
        store, "indicator='le0' AND area='KAZ' AND period='2015-2019' AND sex='total'"
    )
    assert (le, unit, source) == (73.22, "years", "UN WPP 2019")
    assert "1 July" in str(note)
    q5 = one(store, "indicator='u5mr' AND area='KAZ' AND period='2015-2019'")
    assert q5[:2] == (9.887, "per 1,000 live births")
    assert one(store, "indicator='imr' AND area='KAZ' AND period='2015-2019'")[0] == 7.669
    assert one(store, "indicator='le0' AND period='1990-1994' AND sex='total'")[0] == 65.45
    assert one(store, "indicator='u5mr' AND period='1990-1994'")[0] == 60.405
    # periods after the revision's estimates are projections, and say so
    proj = one(store, "indicator='le0' AND period='2020-2024' AND sex='total'")
    assert proj[2] == "UN WPP 2019 (Medium variant projection)"
    # thousands are converted to persons (deaths), and the note says so
    d = one(store, "indicator='deaths' AND period='2015-2019' AND sex='total'")
    assert d[0] == 647828.0 and "converted to 'deaths' (x1,000)" in str(d[3])
    assert any("not imported: cnmr" in n for n in s.notes)
    again = services.run_import(store, "wpp", [PERIODS])
    assert (again.created, again.updated) == (0, 0)


def test_official_population_by_age_without_iso3(store: Store) -> None:
    s = services.run_import(store, "wpp", [BY_AGE])
    assert s.status == "SUCCESS", s.as_dict()
    assert s.created == 63 * 3
    base = "indicator='population' AND area='KAZ'"
    assert one(store, f"{base} AND period='2016' AND age='0-4' AND sex='total'")[:2] == (
        1965759.0,
        "persons",
    )
    assert one(store, f"{base} AND period='2016' AND age='0-4' AND sex='male'")[0] == 1010361.0
    assert one(store, f"{base} AND period='2018' AND age='100+' AND sex='total'")[0] == 244.0
    assert one(store, f"{base} AND period='2017' AND age='65-69' AND sex='female'")[0] == 282819.0


def test_official_world_indicators_2022(store: Store) -> None:
    s = services.run_import(store, "wpp", [WORLD])
    assert s.status == "SUCCESS", s.as_dict()
    assert one(store, "indicator='le0' AND area='WORLD' AND period='1950' AND sex='total'")[:3] == (
        46.4643,
        "years",
        "UN WPP 2022",
    )
    assert one(store, "indicator='u5mr' AND area='WORLD' AND period='1950'")[0] == 224.0098
    pop = one(store, "indicator='population' AND area='WORLD' AND period='1960' AND sex='total'")
    assert pop[0] == 3019233434.0


def test_a_special_aggregate_is_noted_never_stored_as_a_country(store: Store) -> None:
    s = services.run_import(store, "wpp", [LOC1111])
    assert s.status == "SUCCESS"
    assert s.created == 0
    assert any("United States of America (and dependencies)" in n for n in s.notes)
    assert store.con.execute("SELECT count(*) FROM observation").fetchone() == (0,)


def test_latin1_file_is_read_and_said(store: Store, tmp_path: Path) -> None:
    # derived: the Kazakhstan rows with one Latin-1 byte in the Location name, as WPP files
    # with "Côte d'Ivoire" or "Curaçao" have
    text = PERIODS.read_text(encoding="utf-8").replace("Kazakhstan", "Kazakhst\u00e0n")
    f = tmp_path / "WPP2019_Period_Indicators_Medium_latin1.csv"
    f.write_bytes(text.encode("latin-1"))
    s = services.run_import(store, "wpp", [f])
    assert s.status == "SUCCESS", s.as_dict()
    assert any("not UTF-8; read as Latin-1" in n for n in s.notes)
    assert one(store, "indicator='le0' AND period='2015-2019' AND sex='total'")[0] == 73.22


def test_several_variants_import_the_medium_and_say_so(store: Store, tmp_path: Path) -> None:
    lines = WORLD.read_text().splitlines()
    high = [lines[i].replace(",2,Medium,", ",3,High,") for i in (1, 2)]
    f = tmp_path / "WPP2022_Demographic_Indicators_variants.csv"
    f.write_text("\n".join([*lines, *high]) + "\n")
    s = services.run_import(store, "wpp", [f])
    assert s.status == "SUCCESS", s.as_dict()
    assert any("2 row(s) of the variants High not imported" in n for n in s.notes)


def test_another_variant_is_a_projection(store: Store, tmp_path: Path) -> None:
    text = PERIODS.read_text().replace(",2,Medium,", ",3,High,")
    f = tmp_path / "WPP2019_Period_Indicators_High.csv"
    f.write_text(text)
    s = services.run_import(store, "wpp", [f])
    assert s.status == "SUCCESS", s.as_dict()
    sources = store.con.execute("SELECT DISTINCT source FROM observation").fetchall()
    assert sources == [("UN WPP 2019 (High variant projection)",)]


def test_official_broken_copy(store: Store, tmp_path: Path) -> None:
    lines = PERIODS.read_text().splitlines()
    assert ",73.22," in lines[14]
    bad = [
        lines[0],
        lines[14],  # row 2: fine
        lines[14].replace(",73.22,", ",n/a,"),  # row 3: not a number (and a duplicate key)
        lines[13].replace("398,Kazakhstan", "999,Kazakhstan"),  # row 4: unknown location
    ]
    f = tmp_path / "WPP2019_Period_Indicators_broken.csv"
    f.write_text("\n".join(bad) + "\n")
    s = services.run_import(store, "wpp", [f])
    assert s.status == "ERROR"
    assert (3, "value") in {(p.row, p.field) for p in s.problems}
    assert any("999" not in n and "Kazakhstan" in n for n in s.notes)  # LocID 999: noted
    assert store.con.execute("SELECT count(*) FROM observation").fetchone() == (0,)


def test_an_official_file_renamed_without_its_revision_is_refused(
    store: Store, tmp_path: Path
) -> None:
    f = tmp_path / "indicators.csv"
    f.write_text(PERIODS.read_text())
    s = services.run_import(store, "wpp", [f])
    assert s.status == "ERROR"
    assert "cannot tell the WPP revision" in s.problems[0].message


def test_official_abridged_life_table_layout(store: Store, tmp_path: Path) -> None:
    # No official life-table file could be stored (tests/data/real/un_wpp/PROVENANCE.md): this
    # is the published header with three rows whose mx are WPP 2024's for Kazakhstan, both
    # sexes, 2015-2020 (tests/data/wpp); the other columns are placeholders.
    header = (
        "SortOrder,LocID,Notes,ISO3_code,ISO2_code,SDMX_code,LocTypeID,LocTypeName,ParentID,"
        "Location,VarID,Variant,Time,MidPeriod,SexID,Sex,AgeGrp,AgeGrpStart,AgeGrpSpan,"
        "mx,qx,px,lx,dx,Lx,Sx,Tx,ex,ax"
    )
    rows = [
        "1,398,,KAZ,KZ,KZ,4,Country/Area,5500,Kazakhstan,2,Medium,2024,2024.5,3,Total,0,0,1,"
        "0.00822446,,,,,,,,73.1,",
        "1,398,,KAZ,KZ,KZ,4,Country/Area,5500,Kazakhstan,2,Medium,2024,2024.5,1,Male,60-64,60,5,"
        "0.02553718,,,,,,,,17.0,",
        "1,398,,KAZ,KZ,KZ,4,Country/Area,5500,Kazakhstan,2,Medium,2024,2024.5,2,Female,100+,100,-1,"
        "0.6,,,,,,,,1.6,",
    ]
    f = tmp_path / "WPP2024_Life_Table_Abridged_Medium_2024-2100.csv"
    f.write_text("\n".join([header, *rows]) + "\n")
    s = services.run_import(store, "wpp", [f])
    assert s.status == "SUCCESS", s.as_dict()
    got = store.con.execute(
        "SELECT indicator, sex, age, value, source FROM observation ORDER BY indicator, sex"
    ).fetchall()
    src = "UN WPP 2024 (Medium variant projection)"
    assert got == [
        ("le0", "total", "all", 73.1, src),
        ("le60", "male", "all", 17.0, src),
        ("mx", "female", "100+", 0.6, src),
        ("mx", "male", "60-64", 0.02553718, src),
        ("mx", "total", "0", 0.00822446, src),
    ]


def test_excel_sheet_medium_variant_rows_are_projections(store: Store) -> None:
    # WPP 2022 POP/F02-1 saved as CSV: Variant "Medium" says every row is a projection, so the
    # future years are not refused as observations and their source says so
    f = REAL / "wpp2022_population_by_age_both_sexes_thousands_medium_variant_KAZ_2022-2030.csv"
    s = services.run_import(store, "wpp", [f])
    assert (s.status, s.rejected, s.created) == ("SUCCESS", 0, 9 * 21), s.problems[:2]
    got = store.con.execute(
        "SELECT value, source FROM observation WHERE indicator = 'population' AND area = 'KAZ' "
        "AND period = ? AND age = '0-4'",
        ["2030"],
    ).fetchall()
    assert got == [(1898000.0, "UN WPP 2022 (Medium variant projection)")]
