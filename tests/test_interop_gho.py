from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from conftest import table_snapshot
from interop_helpers import INTEROP, messages, write_map
from salamat.ingest.gho import display_value, gho_age, unit_from_name
from salamat.services import imports as services
from salamat.store.connection import Store

GHO = INTEROP / "who_gho"
ODATA = INTEROP / "who_gho_odata"


def obs(store: Store, where: str) -> list[tuple[object, ...]]:
    return store.con.execute(
        "SELECT area, period, sex, age, value, lower, upper, unit, source, vintage "
        f"FROM observation WHERE {where} ORDER BY area, period, sex"
    ).fetchall()


@pytest.mark.parametrize(
    ("name", "created", "indicator"),
    [
        ("NCDMORT3070_GHO_export_2024-12-18_OTS.csv", 462, "ncd30q70"),
        ("NCDMORT3070_GHO_export_2024-12-18_all_countries.csv.gz", 12210, "ncd30q70"),
        ("NCDMORT3070_GHO_athena_export_2020_OTS.csv", 105, "ncd30q70"),
        ("WHOSIS_000001_GHO_athena_export_2020_OTS.csv", 357, "le0"),
        ("WHOSIS_000015_GHO_athena_export_2020_OTS.csv", 357, "le60"),
        ("MDG_0000000020_GHO_athena_export_2020_OTS.csv", 140, "tb_incidence"),
    ],
)
def test_real_gho_exports_import_every_row(
    store: Store, name: str, created: int, indicator: str
) -> None:
    s = services.run_import(store, "gho", [GHO / name])
    assert (s.status, s.created, s.rejected, s.total) == ("SUCCESS", created, 0, created)
    n = store.con.execute(
        "SELECT count(*) FROM observation WHERE indicator = ?", [indicator]
    ).fetchone()
    assert n == (created,)
    again = services.run_import(store, "gho", [GHO / name])
    assert (again.created, again.updated, again.unchanged) == (0, 0, created)


def test_ncd30q70_keeps_bounds_age_and_vintage(store: Store) -> None:
    services.run_import(store, "gho", [GHO / "NCDMORT3070_GHO_export_2024-12-18_OTS.csv"])
    rows = obs(store, "indicator = 'ncd30q70' AND area = 'KAZ' AND period = '2019'")
    src, vintage = "WHO Global Health Observatory", "2024-12-18"
    assert rows == [
        ("KAZ", "2019", "female", "30-69", 16.0, 14.1, 18.9, "%", src, vintage),
        ("KAZ", "2019", "male", "30-69", 33.1, 28.5, 37.3, "%", src, vintage),
        ("KAZ", "2019", "total", "30-69", 23.8, 20.7, 27.6, "%", src, vintage),
    ]


def test_athena_tb_bounds_and_life_expectancy_full_precision(store: Store) -> None:
    services.run_import(store, "gho", [GHO / "MDG_0000000020_GHO_athena_export_2020_OTS.csv"])
    services.run_import(store, "gho", [GHO / "WHOSIS_000001_GHO_athena_export_2020_OTS.csv"])
    tb = obs(store, "indicator = 'tb_incidence' AND area = 'AZE' AND period = '2000'")
    assert tb[0][4:7] == (80.0, 61.0, 101.0)
    le = obs(store, "indicator = 'le0' AND area = 'AZE' AND period = '2000' AND sex = 'total'")
    assert le[0][4] == 66.45919  # Numeric, not the rounded Display Value 66.5
    note = store.con.execute(
        "SELECT DISTINCT note FROM observation WHERE indicator = 'le0' AND area = 'AZE'"
    ).fetchall()
    assert ("WHO life table method: Vital registration",) in note


def test_unknown_gho_indicator_says_what_to_map(store: Store, tmp_path: Path) -> None:
    before = table_snapshot(store)
    f = GHO / "WHOSIS_000002_GHO_athena_export_2020_OTS.csv"
    s = services.run_import(store, "gho", [f])
    assert (s.status, s.rejected, s.problem_count) == ("ERROR", 105, 105)
    p = s.problems[0]
    assert (p.row, p.field, p.value) == (2, "indicator", "WHOSIS_000002")
    assert "map it with --map (indicator,WHOSIS_000002,<code>)" in p.message
    assert table_snapshot(store) == before
    m = write_map(tmp_path, [("indicator", "WHOSIS_000002", "hale0")])
    s2 = services.run_import(store, "gho", [f], mapping=m, new_indicators=True)
    assert (s2.status, s2.created) == ("SUCCESS", 105)


def test_odata_json_with_a_mapped_indicator(store: Store, tmp_path: Path) -> None:
    m = write_map(tmp_path, [("indicator", "WSH_8", "wash_dalys")])
    s = services.run_import(
        store, "gho", [ODATA / "gho_WSH_8.json"], mapping=m, new_indicators=True
    )
    assert (s.status, s.created) == ("SUCCESS", 165)
    row = obs(store, "area = 'AFG'")
    assert row[0][:5] == ("AFG", "2004", "total", "all", 48345.23)
    assert row[0][9] == "2013-06-11"


def test_text_values_without_numeric_value_are_problems_never_guessed(store: Store) -> None:
    before = table_snapshot(store)
    s = services.run_import(store, "gho", [ODATA / "gho_EMFLIMITELECTRIC.json"])
    assert s.status == "ERROR"
    text = [p for p in s.problems if p.field == "value" and p.value]
    empty = [p for p in s.problems if p.field == "value" and not p.value]
    assert len(text) == 30 and len(empty) == 2
    assert {p.value for p in text} >= {"[5]/[10]", "3", "[4.17]", "0.5"}
    assert "display value is text" in text[0].message
    # the EMF dimensions have no Salamat column: the combination is the code to map
    assert any(
        "EMFLIMITELECTRIC/EMFEXPOSED=EMFPUBLIC/EMFFREQUENCY=EMFLOW" in m for m in messages(s)
    )
    assert table_snapshot(store) == before


def test_left_out_with_a_dash(store: Store, tmp_path: Path) -> None:
    m = write_map(tmp_path, [("indicator", "EMFLIMITELECTRIC", "-")])
    s = services.run_import(store, "gho", [ODATA / "gho_EMFLIMITELECTRIC.json"], mapping=m)
    assert (s.status, s.created) == ("SUCCESS", 0)
    assert any("32 row(s) not imported" in n for n in s.notes)


def test_broken_copies(store: Store, tmp_path: Path) -> None:
    before = table_snapshot(store)
    truncated = tmp_path / "gho_WSH_8.json"
    truncated.write_bytes((ODATA / "gho_WSH_8.json").read_bytes()[:5000])
    s = services.run_import(store, "gho", [truncated])
    assert s.status == "ERROR" and "not valid JSON" in s.problems[0].message

    lines = (GHO / "NCDMORT3070_GHO_export_2024-12-18_OTS.csv").read_text().splitlines()
    header, first, second = lines[0], lines[1], lines[2]
    assert ",AZE," in first and ",34.5,28.6,40.5," in first
    bad = [
        header,
        first,  # row 2: fine
        first.replace(",AZE,", ",QQQ,"),  # row 3: unknown country
        second.replace(",32.7,27.0,38.5,", ",,27.0,38.5,"),  # row 4: no numeric, text Value
        first,  # row 5: a duplicate of row 2
    ]
    f = tmp_path / "broken.csv"
    f.write_text("\n".join(bad) + "\n")
    s = services.run_import(store, "gho", [f])
    got = {(p.row, p.field) for p in s.problems}
    assert got == {(3, "area"), (4, "value"), (5, "value")}
    assert any("the same indicator" in p.message for p in s.problems if p.row == 5)
    assert table_snapshot(store) == before


def test_all_countries_file_is_read_compressed(tmp_path: Path, store: Store) -> None:
    gz = GHO / "NCDMORT3070_GHO_export_2024-12-18_all_countries.csv.gz"
    plain = tmp_path / "all.csv"
    with gzip.open(gz, "rb") as fh, open(plain, "wb") as out:
        shutil.copyfileobj(fh, out)
    s = services.run_import(store, "gho", [plain], dry_run=True)
    assert (s.status, s.created) == ("DRY_RUN", 12210)


@pytest.mark.parametrize(
    ("code", "band"),
    [
        ("AGEGROUP_YEARS30-69", "30-69"),
        ("AGEGROUP_YEARS85PLUS", "85+"),
        ("AGEGROUP_YEARSUNDER5", "0-4"),
        ("AGEGROUP_YEARSALL", "all"),
        ("AGEGROUP_MONTHS0-11", "0"),
        ("AGEGROUP_MONTHS12-59", "1-4"),
        ("AGEGROUP_MONTHS0-59", "0-4"),
        ("AGEGROUP_MONTHS12-23", "1"),
        ("AGEGROUP_MONTHS1-59", None),  # starts a month after birth: no band of whole years
        ("AGEGROUP_MONTHS0-5", None),
        # the SDMX codes of WHO's data portal (DIM_AGE)
        ("Y_GE18", "18+"),
        ("Y30T69", "30-69"),
        ("Y_LT5", "0-4"),
        ("Y_LT1", "0"),
        ("Y5", "5"),
    ],
)
def test_gho_age_codes(code: str, band: str | None) -> None:
    assert gho_age(code) == band


# --- the layout WHO publishes on HDX (tests/data/real/who_gho_hdx, see its PROVENANCE.md) ---

HDX = INTEROP.parent / "real" / "who_gho_hdx"


def test_hdx_layout_with_hxl_row_imports_the_hand_checked_values(
    store: Store, tmp_path: Path
) -> None:
    m = write_map(
        tmp_path,
        [
            ("indicator", "VIOLENCE_HOMICIDERATE", "homicide_rate"),
            ("indicator", "TB_1", "tb_treatment_coverage"),
        ],
    )
    files = [HDX / "health_indicators_afg.csv", HDX / "historical_health_indicators_afg.csv"]
    s = services.run_import(store, "gho", files, mapping=m, new_indicators=True)
    assert (s.status, s.created, s.rejected) == ("SUCCESS", 12, 0)
    le = obs(store, "indicator = 'le0' AND period = '2019' AND sex = 'female'")
    assert le[0][:8] == ("AFG", "2019", "female", "all", 63.15551, None, None, "years")
    imr = obs(store, "indicator = 'imr' AND period = '2011'")
    assert imr[0][:8] == (
        "AFG",
        "2011",
        "total",
        "all",
        61.76149,
        56.88115,
        67.01448,
        "per 1,000 live births",
    )
    hom = obs(store, "indicator = 'homicide_rate' AND period = '2019'")
    assert hom[0][2] == "male" and hom[0][4] == 13.29011
    assert hom[0][7] == "per 100 000 population"  # the unit the GHO display name states
    # Numeric, never the display text "51 [36-79]" that disagrees with it
    tb = obs(store, "indicator = 'tb_treatment_coverage'")
    assert [r[4] for r in tb] == [51.0, 52.0, 53.0]
    again = services.run_import(store, "gho", files, mapping=m, new_indicators=True)
    assert (again.created, again.unchanged) == (0, 12)


def test_hdx_download_without_hxl_row_and_text_values(store: Store, tmp_path: Path) -> None:
    f = HDX / "health_indicators_nga_first-rows.csv"
    codes = {line.split(",")[0] for line in f.read_text().splitlines()[1:]}
    keep = {
        "CM_01": "under5_deaths",
        "CHILDMORT5TO14": "mortality_5to14",
        "HIV_POSITIVITY": "hiv_positivity",
    }
    m = write_map(tmp_path, [("indicator", c, keep.get(c, "-")) for c in sorted(codes)])
    s = services.run_import(store, "gho", [f], mapping=m, new_indicators=True)
    assert s.status == "SUCCESS", s.as_dict()
    u5 = obs(store, "indicator = 'under5_deaths' AND period = '2002'")
    assert u5[0][:7] == ("NGA", "2002", "total", "all", 196199.0, 182290.0, 211064.0)
    c514 = obs(store, "indicator = 'mortality_5to14' AND period = '2016'")
    assert c514[0][2] == "female" and c514[0][4:7] == (21.508032337, 18.913385736, 24.40973034)
    assert obs(store, "indicator = 'hiv_positivity'") == []
    assert any("1 record(s) published as 'No data' skipped as missing" in n for n in s.notes)
    # the life-table columns (ex at age x) never become e0
    assert obs(store, "indicator = 'le0'") == []


def test_hdx_new_indicators_from_the_file_without_a_map(store: Store) -> None:
    files = [HDX / "health_indicators_afg.csv", HDX / "historical_health_indicators_afg.csv"]
    s = services.run_import(store, "gho", files, new_indicators=True)
    assert (s.status, s.created, s.rejected) == ("SUCCESS", 12, 0), s.problems[:2]
    got = store.con.execute(
        "SELECT code, name_en, unit, international_code FROM data_element "
        "WHERE code LIKE 'gho_%' ORDER BY code"
    ).fetchall()
    assert got == [
        ("gho_tb_1", "Tuberculosis treatment coverage", "", "TB_1"),  # no unit stated: none
        (
            "gho_violence_homiciderate",
            "Estimates of rates of homicides per 100 000 population",
            "per 100 000 population",
            "VIOLENCE_HOMICIDERATE",
        ),
    ]
    hom = obs(store, "indicator = 'gho_violence_homiciderate' AND period = '2019'")
    assert hom[0][2] == "male" and hom[0][4:7] == (13.29011, 7.12773, 23.35501)
    assert [r[4] for r in obs(store, "indicator = 'gho_tb_1'")] == [51.0, 52.0, 53.0]
    again = services.run_import(store, "gho", files, new_indicators=True)
    assert (again.created, again.updated) == (0, 0)


def test_hdx_life_table_rows_without_their_age_are_refused(store: Store) -> None:
    # HDX keeps one dimension of each record: 'ex - expectation of life at age x' by sex has
    # lost its age, so --new-indicators must not register it (nor store it as e0)
    f = HDX / "health_indicators_nga_first-rows.csv"
    s = services.run_import(store, "gho", [f], new_indicators=True)
    assert s.status == "ERROR"
    lost = [p for p in s.problems if "'LIFE_0000000035' is by age" in p.message]
    assert [p.row for p in lost] == [2, 20, 23]
    assert obs(store, "TRUE") == []


def test_hdx_ages_in_months_read_where_whole_years_else_refused_with_the_reason(
    store: Store, tmp_path: Path
) -> None:
    real = HDX / "health_indicators_nga_first-rows.csv"
    lines = real.read_text().splitlines()
    (row,) = [i for i, line in enumerate(lines) if "AGEGROUP_MONTHS1-59" in line]
    codes = {line.split(",")[0] for line in lines[1:]} - {"MORT_300"}
    m = write_map(tmp_path, [("indicator", c, "-") for c in sorted(codes)])
    s = services.run_import(store, "gho", [real], mapping=m, new_indicators=True)
    assert [(p.row, p.field) for p in s.problems] == [(row + 1, "age")]
    assert "is 1-59 months of age: not a band of whole years" in s.problems[0].message
    # the same row in 12-59 months is ages 1-4 exactly
    edited = tmp_path / "health_indicators_nga.csv"
    edited.write_text(real.read_text().replace("AGEGROUP_MONTHS1-59", "AGEGROUP_MONTHS12-59"))
    s = services.run_import(store, "gho", [edited], mapping=m, new_indicators=True)
    assert s.status == "SUCCESS", s.problems[:2]
    got = obs(store, "indicator = 'gho_mort_300'")
    assert [(r[0], r[1], r[3], r[4]) for r in got] == [("NGA", "2009", "1-4", 0.00013)]


def test_hdx_broken_copy(store: Store, tmp_path: Path) -> None:
    lines = (HDX / "health_indicators_afg.csv").read_text().splitlines()
    assert lines[2].startswith("WHOSIS_000001") and ",AFG," in lines[2]
    broken = [
        lines[0],
        lines[1],
        lines[2],  # row 3: fine
        lines[2].replace(",AFG,Afghanistan,", ",AFX,Afghanistan,"),  # row 4: unknown country
        lines[2].replace(",59.60036,59.6,", ",,59.6 years,"),  # row 5: no numeric value
        lines[2].replace(",SEX_MLE,", ",SEX_XX,"),  # row 6: unknown sex
    ]
    f = tmp_path / "health_indicators_afg.csv"
    f.write_text("\n".join(broken) + "\n")
    before = table_snapshot(store)
    s = services.run_import(store, "gho", [f])
    assert {(p.row, p.field) for p in s.problems} == {(4, "area"), (5, "value"), (6, "sex")}
    assert table_snapshot(store) == before


def test_display_values_are_read_when_the_file_has_no_numeric_column(
    store: Store, tmp_path: Path
) -> None:
    # the HDX file with its Numeric column removed (a web-table-like export: display text only)
    rows = (HDX / "historical_health_indicators_afg.csv").read_text().splitlines()
    header = rows[0].split(",")
    drop = header.index("Numeric")
    cut = [",".join(c for i, c in enumerate(r.split(",")) if i != drop) for r in rows]
    f = tmp_path / "display_only.csv"
    f.write_text("\n".join(cut) + "\n")
    m = write_map(tmp_path, [("indicator", "TB_1", "tb_treatment_coverage")])
    s = services.run_import(store, "gho", [f], mapping=m, new_indicators=True)
    assert s.ok, s.as_dict()
    got = store.con.execute(
        "SELECT period, value, lower, upper, note FROM observation ORDER BY period"
    ).fetchall()
    assert [g[:4] for g in got] == [
        ("2014", 51.0, 36.0, 79.0),
        ("2015", 51.0, 36.0, 79.0),
        ("2016", 51.0, 36.0, 79.0),
    ]
    assert "display value" in got[0][4]


def test_an_unknown_layout_says_what_was_found_and_what_is_known(
    store: Store, tmp_path: Path
) -> None:
    f = tmp_path / "odd.csv"
    f.write_text("Indicator,Location,Period,Dim1,First Tooltip\nx,Kazakhstan,2020,Both,70.1\n")
    s = services.run_import(store, "gho", [f])
    assert s.status == "ERROR"
    msg = s.problems[0].message
    assert "indicator, location, period, dim1, first tooltip" in msg
    assert "HDX layout" in msg and "OData" in msg and "athena" in msg


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("72.4 [70.1-74.6]", ("72.4", "70.1", "74.6")),
        ("196 199 [182 290-211 064]", ("196199", "182290", "211064")),
        ("0.5", ("0.5", "", "")),
        ("[5]/[10]", None),
        ("Yes", None),
        ("No data", None),
    ],
)
def test_display_value(text: str, parsed: tuple[str, str, str] | None) -> None:
    assert display_value(text) == parsed


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("Life expectancy at birth (years)", "years"),
        ("Estimates of rates of homicides per 100 000 population", "per 100 000 population"),
        ("Thinness among children (%)", "%"),
        ("Tuberculosis treatment coverage", ""),
    ],
)
def test_unit_from_name(name: str, unit: str) -> None:
    assert unit_from_name(name) == unit


# WHO's data portal (data.who.int) downloads: provenance in tests/data/real/who_data_portal/
PORTAL = Path(__file__).parent / "data" / "real" / "who_data_portal"
PORTAL_LE = PORTAL / "90E2E48_ALL_LATEST_life-expectancy_trimmed.csv"
PORTAL_BMI = PORTAL / "BEFA58B_ALL_LATEST_obesity_trimmed.csv"


def test_data_portal_life_expectancy_is_le0_by_m49_area(store: Store) -> None:
    s = services.run_import(store, "gho", [PORTAL_LE])
    assert s.ok, s.as_dict()
    # 97 rows: 4 of the World Bank's high-income group (not a Salamat unit) noted, not stored
    assert s.created == 93
    assert any("WORLDBANKINCOMEGROUP 910" in n for n in s.notes)
    row = obs(store, "indicator = 'le0' AND area = 'KAZ' AND period = '2019' AND sex = 'total'")
    assert row[0][4] == 73.95099  # M49 398 is Kazakhstan
    assert row[0][8] == "WHO Global Health Observatory"
    assert (
        obs(store, "indicator = 'le0' AND area = 'WHO-EUR' AND period = '2019' AND sex = 'total'")[
            0
        ][4]
        == 78.24261
    )  # 956, WHO's number for its European Region
    assert (
        obs(store, "indicator = 'le0' AND area = 'WORLD' AND period = '2019' AND sex = 'total'")[0][
            4
        ]
        == 73.31331
    )
    areas = {r[0] for r in store.con.execute("SELECT DISTINCT area FROM observation").fetchall()}
    assert areas == {"KAZ", "KGZ", "UZB", "TKM", "PRI", "WHO-EUR", "WORLD"}
    again = services.run_import(store, "gho", [PORTAL_LE])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 93)


def test_data_portal_age_bounds_territories_and_wrapped_lines(store: Store) -> None:
    s = services.run_import(store, "gho", [PORTAL_BMI], new_indicators=True)
    assert s.ok, s.as_dict()
    # the file's lines with a quoted field were quoted again as a whole: read as the line inside
    assert any("9 row(s) written as one quoted field" in n for n in s.notes)
    code = "gho_ncd_bmi_30a"
    where = f"indicator = '{code}' AND area = '%s' AND period = '%s' AND sex = '%s'"
    kaz = obs(store, where % ("KAZ", "2022", "total"))[0]
    assert kaz[3:7] == ("18+", 18.376419, 15.83578, 21.239918)  # DIM_AGE Y_GE18, _NL, _NU
    assert obs(store, where % ("PRI", "2003", "female"))[0][4] == 31.008548  # a wrapped line
    assert obs(store, where % ("GRL", "2022", "female"))[0][4] == 30.632398  # AUTONOMOUS TERRITORY
    assert obs(store, where % ("WHO-EUR", "2022", "male"))[0][4] == 22.342072
    assert not obs(store, "area = 'LMC'")  # WORLDBANKINCOMEGROUP 912: noted, not imported


def test_data_portal_broken_copies(store: Store, tmp_path: Path) -> None:
    before = table_snapshot(store)
    lines = PORTAL_LE.read_text().splitlines()
    kaz = next(
        line for line in lines if ",398,COUNTRY," in line and ",2019," in line and ",TOTAL," in line
    )
    bad = [
        lines[0],
        kaz,  # row 2: fine
        kaz.replace(",398,", ",999,").replace(",2019,", ",2015,"),  # row 3: no such country
        kaz.replace("73.95099", "n/a").replace(",2019,", ",2000,"),  # row 4: not a number
        kaz.replace(",TOTAL,", ",BOTH,"),  # row 5: unknown sex code
    ]
    f = tmp_path / "90E2E48_ALL_LATEST.csv"
    f.write_text("\n".join(bad) + "\n")
    s = services.run_import(store, "gho", [f])
    assert not s.ok
    assert {(p.row, p.field) for p in s.problems} == {(3, "area"), (4, "value"), (5, "sex")}
    assert table_snapshot(store) == before
    # two measures: which is the value cannot be told
    two = tmp_path / "two.csv"
    two.write_text(lines[0] + ",COUNT_N\n" + kaz + ",12\n")
    s = services.run_import(store, "gho", [two])
    assert not s.ok and "AMOUNT_N, COUNT_N" in s.problems[0].message


PORTAL_UHC = PORTAL / "9A706FD_ALL_LATEST_uhc-index_trimmed.csv"


def test_data_portal_download_without_geo_type_and_with_value_numeric(store: Store) -> None:
    # WHO's own copy (GTB-TME/gtbreport2024): VALUE_NUMERIC, no DIM_GEO_CODE_TYPE, unpadded M49
    s = services.run_import(store, "gho", [PORTAL_UHC], new_indicators=True)
    assert s.ok, s.as_dict()
    code = "gho_uhc_index_reported"
    where = f"indicator = '{code}' AND area = '%s' AND period = '2021'"
    assert obs(store, where % "KAZ")[0][4] == 80.328
    assert obs(store, where % "TUR")[0][4] == 75.58542  # 792, "Türkiye"
    assert obs(store, where % "WORLD")[0][4] == 67.51741  # M49 "1"
    assert obs(store, where % "WHO-EUR")[0][4] == 81.06379
    # the UN's Asia (142) and the high-income group (910) are aggregates: noted, not stored
    assert any("M49 REGION 142" in n and "910" in n for n in s.notes)
    assert s.created == 5 * 7
