from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import table_snapshot
from interop_helpers import INTEROP, write_map
from salamat.ingest.sdmx import scale_exactly, sdmx_period
from salamat.ingest.sdmx_read import read_structure
from salamat.services import imports as services
from salamat.store.connection import Store

CSV = INTEROP / "sdmx_csv"
ML = INTEROP / "sdmx_ml"
JS = INTEROP / "sdmx_json"
UNICEF_DSD = ML / "unicef_CME_dataflow_references-all_structure.xml"


def rows(store: Store, where: str = "TRUE") -> list[tuple[object, ...]]:
    return store.con.execute(
        "SELECT indicator, area, period, sex, value, lower, upper, unit, note FROM observation "
        f"WHERE {where} ORDER BY indicator, area, period, sex"
    ).fetchall()


def test_unicef_csv_with_labels_and_structure(store: Store) -> None:
    f = CSV / "unicef_CME_MRY0T4_multi_2018_2023.csv"
    s = services.run_import(store, "sdmx", [f], metadata=[UNICEF_DSD])
    assert (s.status, s.created, s.total) == ("SUCCESS", 90, 90)
    got = rows(store, "area = 'BRA' AND period = '2019' AND sex = 'female'")
    assert got == [
        ("u5mr", "BRA", "2019", "female", 13.3288443643142, 12.3053815012519, 14.4322404279926,
         "per 1,000 live births", "OBS_STATUS=A; DATA_SOURCE=UN_IGME"),
    ]  # fmt: skip
    assert store.con.execute("SELECT DISTINCT source FROM observation").fetchall() == [
        ("SDMX CME",)
    ]


def test_rates_and_counts_mixed_counts_need_a_map(store: Store, tmp_path: Path) -> None:
    f = CSV / "unicef_CME_multi_USA_2020.csv"
    before = table_snapshot(store)
    s = services.run_import(store, "sdmx", [f])
    assert {p.value for p in s.problems} == {"CME_TMY0T4", "CME_TMM0"}
    assert any(
        "unknown SDMX indicator 'CME_TMY0T4' (Under-five deaths)" in p.message for p in s.problems
    )
    assert table_snapshot(store) == before
    m = write_map(tmp_path, [("indicator", "CME_TMY0T4", "-"), ("indicator", "CME_TMM0", "-")])
    s = services.run_import(store, "sdmx", [f], mapping=m)
    assert (s.status, s.created) == ("SUCCESS", 7)
    assert {r[0] for r in rows(store)} == {"u5mr", "imr", "nmr"}


def test_immunisation_without_structure_status_kept(store: Store) -> None:
    f = CSV / "unicef_IM_MCV1_USA_BRA_2015_2023.csv"
    s = services.run_import(store, "sdmx", [f])
    assert (s.status, s.created) == ("SUCCESS", 18)
    got = rows(store, "area = 'BRA' AND period = '2015'")
    assert got[0][:5] == ("mcv1_coverage", "BRA", "2015", "total", 96.0)
    assert got[0][7] == "%"
    assert got[0][8].startswith("OBS_STATUS=E; DATA_SOURCE=WHO/UNICEF estimates")


def test_strict_sdmx_csv_from_the_oecd(store: Store, tmp_path: Path) -> None:
    f = CSV / "oecd_DF_G20_PRICES_sdmx-csv-1.0.csv"
    dsd = ML / "oecd_DF_G20_PRICES_structure.xml"
    s = services.run_import(store, "sdmx", [f], metadata=[dsd])
    key = "DF_G20_PRICES/METHODOLOGY=N/MEASURE=CPI/ADJUSTMENT=N/TRANSFORMATION=GY"
    assert s.status == "ERROR" and {p.value for p in s.problems} == {key}
    m = write_map(tmp_path, [("indicator", key, "cpi_growth")])
    s = services.run_import(store, "sdmx", [f], metadata=[dsd], mapping=m, new_indicators=True)
    assert (s.status, s.created) == ("SUCCESS", 41)
    assert rows(store, "period = '1985'")[0][:5] == ("cpi_growth", "CHN", "1985", "total", 9.3)


def test_sdmx_json_data_with_every_source_series(store: Store, tmp_path: Path) -> None:
    f = JS / "unicef_CME_AFG_U5MR_sdmx-json-1.0_data.json"
    before = table_snapshot(store)
    s = services.run_import(store, "sdmx", [f])
    assert s.status == "ERROR" and s.rejected == 299
    assert table_snapshot(store) == before
    doc = json.loads(f.read_text())["data"]
    dims = doc["structure"]["dimensions"]["observation"]
    name_ix = [v["id"] for v in dims[3]["values"]].index("269")  # "UN IGME estimate"
    years = [v["id"] for v in dims[4]["values"]]
    used = {
        int(k.split(":")[4])
        for k in doc["dataSets"][0]["observations"]
        if int(k.split(":")[3]) == name_ix
    }
    latest = max(years[i] for i in used)
    key = f"MRY0T4/SERIES_NAME=269/SERIES_YEAR={latest}"  # the UN IGME estimate, latest round
    m = write_map(tmp_path, [("indicator", key, "u5mr"), ("indicator", "MRY0T4", "-")])
    s = services.run_import(store, "sdmx", [f], mapping=m)
    assert s.status == "SUCCESS" and s.created > 0
    got = rows(store, "sex = 'total'")
    assert all(r[1] == "AFG" and r[5] is not None and r[5] <= r[4] <= r[6] for r in got)


def test_sdmx_json_structure_and_ml_structures_read() -> None:
    js = read_structure([JS / "unicef_CME_DF_sdmx-json-1.0_structure.json"])
    assert js is not None and js.dimensions[:3] == ["REF_AREA", "INDICATOR", "SEX"]
    assert js.codes["REF_AREA"]["AFG"] == "Afghanistan"
    ecb = read_structure([ML / "ecb_EXR_structure-full_dsd+codelists.xml"])
    assert ecb is not None
    assert ecb.dimensions == ["FREQ", "CURRENCY", "CURRENCY_DENOM", "EXR_TYPE", "EXR_SUFFIX"]
    unicef = read_structure([UNICEF_DSD])
    assert unicef is not None and unicef.codes["REF_AREA"]["UNICEF_EAP"]


def test_sdmx_ml_generic_data_without_an_area(store: Store, tmp_path: Path) -> None:
    f = ML / "ecb_EXR_M.USD.EUR.SP00.A_genericdata-2.1.xml"
    dsd = ML / "ecb_EXR_structure-full_dsd+codelists.xml"
    s = services.run_import(store, "sdmx", [f], metadata=[dsd])
    assert s.status == "ERROR"
    assert any("no area dimension" in p.message and "--area" in p.message for p in s.problems)
    key = "ECB_EXR1/CURRENCY=USD/CURRENCY_DENOM=EUR/EXR_TYPE=SP00/EXR_SUFFIX=A"
    m = write_map(tmp_path, [("indicator", key, "usd_per_eur"), ("area", "", "WORLD")])
    s = services.run_import(store, "sdmx", [f], metadata=[dsd], mapping=m, new_indicators=True)
    assert (s.status, s.created) == ("SUCCESS", 252)
    assert rows(store, "period = '199901'")[0][4] == 1.16078


def test_aggregates_land_on_their_group_units(store: Store, tmp_path: Path) -> None:
    text = (CSV / "unicef_CME_MRY0T4_multi_2018_2023.csv").read_text().splitlines()
    agg = [text[0], *text[1:3], text[1].replace("BRA,Brazil", "UNICEF_EAP,East Asia and Pacific")]
    assert text[1].startswith("BRA,Brazil")
    f = tmp_path / "agg.csv"
    f.write_text("\n".join(agg) + "\n")
    s = services.run_import(store, "sdmx", [f])
    assert (s.status, s.created) == ("SUCCESS", 3)
    areas = {r[0] for r in store.con.execute("SELECT DISTINCT area FROM observation").fetchall()}
    assert areas == {"BRA", "UNICEF_EAP"}
    s = services.run_import(store, "sdmx", [f], metadata=[UNICEF_DSD])
    assert s.status == "SUCCESS" and s.created + s.unchanged + s.updated == 3
    # a code of the structure's area codelist that Salamat does not know is an aggregate too
    other = tmp_path / "agg2.csv"
    other.write_text(f.read_text().replace("UNICEF_EAP,East Asia and Pacific", "FAO_LIFDC,LIFDC"))
    s = services.run_import(store, "sdmx", [other])
    assert s.status == "ERROR" and s.problems[0].value == "FAO_LIFDC"
    assert "(LIFDC)" in s.problems[0].message
    s = services.run_import(store, "sdmx", [other], metadata=[UNICEF_DSD])
    assert s.status == "SUCCESS" and s.created + s.unchanged == 2
    assert any("1 aggregate(s) or country group(s) not imported (not countries Salamat holds): FAO_LIFDC" in n
               for n in s.notes)  # fmt: skip


def test_broken_copies(store: Store, tmp_path: Path) -> None:
    before = table_snapshot(store)
    truncated = tmp_path / "t.json"
    truncated.write_bytes((JS / "unicef_CME_AFG_U5MR_sdmx-json-1.0_data.json").read_bytes()[:9000])
    s = services.run_import(store, "sdmx", [truncated])
    assert s.status == "ERROR" and "not valid JSON" in s.problems[0].message
    text = (CSV / "unicef_CME_MRY0T4_multi_2018_2023.csv").read_text().splitlines()
    bad = [
        text[0],
        text[1],
        text[2].replace(",CME_MRY0T4,", ",CME_XXX,"),  # row 3: unknown indicator
        text[3],
        text[1],  # row 5: duplicate of row 2
    ]
    cells = next(csv.reader([text[3]]))
    cells[13] = "about ten"  # row 4: a text value in OBS_VALUE
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    bad[3] = out.getvalue()
    f = tmp_path / "bad.csv"
    f.write_text("\n".join(bad) + "\n")
    s = services.run_import(store, "sdmx", [f])
    assert {(p.row, p.field) for p in s.problems} == {(3, "indicator"), (4, "value"), (5, "value")}
    assert table_snapshot(store) == before


@pytest.mark.parametrize(
    ("text", "period"),
    [("2020", "2020"), ("2020-Q3", "2020Q3"), ("2020-01", "202001"), ("2020-W05", "2020W05"),
     ("2020-S1", "2020-S1")],
)  # fmt: skip
def test_sdmx_periods(text: str, period: str) -> None:
    assert sdmx_period(text) == period


# -- real files as users download them (tests/data/real/sdmx, hand-checked values in its README) --

REAL = Path(__file__).parent / "data" / "real" / "sdmx"
EXR_DSD = ML / "ecb_EXR_structure-full_dsd+codelists.xml"


def one(store: Store, indicator: str, area: str, period: str) -> tuple[object, ...]:
    got = store.con.execute(
        "SELECT value, unit, sex FROM observation WHERE indicator = ? AND area = ? AND period = ?",
        [indicator, area, period],
    ).fetchall()
    assert len(got) == 1, got
    return tuple(got[0])


def test_real_unicef_csv_aggregates_on_group_units(store: Store) -> None:
    f = REAL / "unicef_CME_MRY0T4_all_2020_trimmed.csv"
    s = services.run_import(store, "sdmx", [f])
    # every row has a home: countries, Kosovo, and the aggregates as Salamat's group units
    assert (s.status, s.created, s.rejected) == ("SUCCESS", 44, 0)

    def total(area: str) -> list[tuple[object, ...]]:
        return store.con.execute(
            "SELECT value, unit FROM observation WHERE indicator = 'u5mr' AND area = ? "
            "AND period = '2020' AND sex = 'total'",
            [area],
        ).fetchall()

    assert total("AFG") == [(61.3055387997174, "per 1,000 live births")]
    assert total("XKX") == [(10.518500201971, "per 1,000 live births")]
    assert total("LIC") == [(68.209254576159, "per 1,000 live births")]  # WB_LI
    assert total("WHO-AFR") == [(73.3555185261334, "per 1,000 live births")]  # WHO_AFRO


def test_real_sdmx_ml_20_compact_and_generic(store: Store) -> None:
    # ECB MessageGroup (compact): UNIT PC is percent
    s = services.run_import(
        store, "sdmx", [REAL / "ecb_BSI_STF_SE_MessageGroup-compact-2.0.xml"], new_indicators=True
    )
    assert (s.status, s.created) == ("SUCCESS", 112)
    (code,) = {r[0] for r in store.con.execute("SELECT indicator FROM observation").fetchall()}
    assert one(store, code, "SWE", "200810")[:2] == (4.86, "%")
    assert one(store, code, "SWE", "200503")[0] == 0.26
    # Eurostat CompactData: area dimension geo
    s = services.run_import(
        store, "sdmx", [REAL / "estat_nama_10_fcs_compact-2.0_AT-BE-BG-CY.xml"], new_indicators=True
    )
    assert (s.status, s.created) == ("SUCCESS", 80)
    code = "eurostat_nama_10_fcs_clv05_meur_p311_s14"
    assert one(store, code, "AUT", "1995")[0] == 10452.9
    assert one(store, code, "CYP", "2014")[0] == 696.0
    # OECD GenericData MessageGroup: area dimension LOCATION, quarterly
    s = services.run_import(
        store,
        "sdmx",
        [REAL / "oecd_EO_LOCATION_generic-2.0_MessageGroup_FRA-series.xml"],
        new_indicators=True,
    )
    assert (s.status, s.created) == ("SUCCESS", 180)
    assert one(store, "oecd_eo_cb", "FRA", "1973Q1")[:2] == (4295445496.82796, "EUR")
    assert one(store, "oecd_eo_cb", "FRA", "2017Q4")[0] == 9811246401.83801


def test_real_imf_compact_20_value_attribute_and_scale_not_applied(
    store: Store, tmp_path: Path
) -> None:
    f = REAL / "imf_DOT_compact-2.0.xml"
    s = services.run_import(store, "sdmx", [f], new_indicators=True)
    assert s.status == "ERROR"  # 122 is the IMF's code of Austria, not an ISO code: never guessed
    assert {p.value for p in s.problems if p.field == "area"} == {"122"}
    m = write_map(tmp_path, [("area", "122", "AUT")])
    s = services.run_import(store, "sdmx", [f], new_indicators=True, mapping=m)
    assert (s.status, s.created) == ("SUCCESS", 126)
    # VIS_AREA (the partner) is part of the series, never the area; SCALE=6 is display only
    assert one(store, "imf_txg_fob_usd_369", "AUT", "2014")[0] == 16329000
    assert one(store, "imf_tmg_cif_usd_369", "AUT", "1998")[0] == 4924039.09342103


def test_real_structure_specific_21_with_and_without_its_structure(
    store: Store, tmp_path: Path
) -> None:
    # Eurostat, area dimension geo (lower case), no structure: read, with a note
    s = services.run_import(
        store, "sdmx", [REAL / "estat_NAMA_10_GDP_structurespecific-2.1.xml"], new_indicators=True
    )
    assert (s.status, s.created) == ("SUCCESS", 4)
    assert any("pass the structure message with --metadata" in n for n in s.notes)
    assert one(store, "estat_nama_10_gdp_b1gq_cp_meur", "LUX", "2015")[0] == 54142.3
    assert one(store, "estat_nama_10_gdp_b1gq_cp_meur", "LUX", "2012")[0] == 46526.2
    # IMF WEO, area dimension COUNTRY, SCALE=9 describes the display only
    s = services.run_import(
        store, "sdmx", [REAL / "imf_WEO_structurespecific-2.1.xml"], new_indicators=True
    )
    assert (s.status, s.created) == ("SUCCESS", 1), s.problems
    (code,) = [r[0] for r in store.con.execute(
        "SELECT indicator FROM observation WHERE area = 'SVK'").fetchall()]  # fmt: skip
    assert one(store, code, "SVK", "2018")[0] == 94669000000
    # the spec sample with its structure: the structure reaches the reader
    data = REAL / "sdmx-twg-sample_ECB_EXR_NG_structurespecific-ts-2.1.xml"
    dsd = REAL / "sdmx-twg-sample_ECB_EXR_NG_structure-2.1.xml"
    m = write_map(tmp_path, [("area", "", "WORLD")])
    s = services.run_import(
        store, "sdmx", [data], metadata=[dsd], mapping=m, new_indicators=True, dry_run=True
    )
    assert (s.status, s.created) == ("DRY_RUN", 12)
    assert not any("--metadata" in n for n in s.notes)
    s = services.run_import(store, "sdmx", [data], metadata=[dsd], mapping=m, new_indicators=True)
    codes = {r[0] for r in store.con.execute(
        "SELECT indicator FROM observation WHERE area = 'WORLD'").fetchall()}  # fmt: skip
    usd = [c for c in codes if "_usd_" in c]
    chf = [c for c in codes if "_chf_" in c]
    assert len(codes) == 4 and len(usd) == 1 and len(chf) == 1
    assert one(store, usd[0], "WORLD", "201010")[0] == 1.3898
    assert one(store, chf[0], "WORLD", "201008")[0] == 1.3413


def test_real_sdmx_ml_30_and_sdmx_json_20(store: Store, tmp_path: Path) -> None:
    m = write_map(tmp_path, [("area", "", "WORLD")])
    f = REAL / "sdmx-twg-sample_ECB_EXR_CA_structurespecific-3.0.xml"
    s = services.run_import(store, "sdmx", [f], mapping=m, new_indicators=True)
    assert (s.status, s.created) == ("SUCCESS", 3), (s.problems[:2], s.notes)
    assert one(store, "ecb_exr_cad_eur_sp00_a", "WORLD", "2018")[0] == 1.529364705882353
    # the 3.0 multi-valued attributes sdmx1 does not read are named, with their values counted:
    # 2018's OBS_STATUS J, U, N; 2017's A, F; 2019's A; three SOURCE_AGENCY, two SOURCE_PUB
    unread = [n for n in s.notes if "SDMX-ML 3.0 attributes not read" in n]
    assert (
        len(unread) == 1
        and (
            "OBS_STATUS (6 value(s) in 3 element(s)), SOURCE_AGENCY (3 value(s) in 1 element(s)), "
            "SOURCE_PUB (2 value(s) in 1 element(s))"
        )
        in unread[0]
    )
    assert "TITLE" not in unread[0]  # read (multilingual text)
    f = REAL / "sdmx-twg-sample_ECB_EXR_sdmx-json-2.0_time-series.json"
    s = services.run_import(store, "sdmx", [f], mapping=m, new_indicators=True)
    assert (s.status, s.created) == ("SUCCESS", 4)
    # daily periods: 2013-01-18 is the DHIS2 day 20130118
    assert one(store, "ecb_exr_nzd_eur_sp00_a", "WORLD", "20130118")[0] == 1.5931
    assert one(store, "ecb_exr_rub_eur_sp00_a", "WORLD", "20130121")[0] == 40.3
    # the same series code from SDMX-ML 3.0 and SDMX-JSON 2.0 of the same flow
    name = store.con.execute(
        "SELECT name_en, international_code FROM data_element WHERE code = 'ecb_exr_rub_eur_sp00_a'"
    ).fetchone()
    assert name == (
        "EXR, Russian rouble, Euro, Spot rate, Average or standardised measure for given frequency",
        "EXR/CURRENCY=RUB/CURRENCY_DENOM=EUR/EXR_TYPE=SP00/EXR_SUFFIX=A",
    )


def test_real_flows_without_area_or_time_are_refused_with_advice(store: Store) -> None:
    before = table_snapshot(store)
    f = REAL / "ecb_EXR_ARS-AUD_annual+daily_structurespecific-2.1_trimmed.xml"
    s = services.run_import(store, "sdmx", [f], metadata=[EXR_DSD], new_indicators=True)
    assert s.status == "ERROR"
    (p,) = s.problems
    assert "has no area dimension" in p.message and "--area CODE" in p.message
    f = REAL / "oecd_PART2_LOCATION_sdmx-json-1.0.json"
    s = services.run_import(store, "sdmx", [f], new_indicators=True)
    (p,) = s.problems
    assert s.status == "ERROR" and "no time dimension (TIME_PERIOD)" in p.message
    f = REAL / "sdmx-twg-sample_sdmx-csv-2.0_example-01.csv"
    s = services.run_import(store, "sdmx", [f], new_indicators=True)
    (p,) = s.problems
    assert s.status == "ERROR" and "SDMX-CSV 2.0" in p.message and "--area CODE" in p.message
    assert table_snapshot(store) == before


def test_real_sdmx_csv_20_time_in_a_dim_column(store: Store) -> None:
    # the spec sample names its columns DIM_1..DIM_3: DIM_3 is the only one holding periods,
    # and the attributes after OBS_VALUE are not part of the series
    f = REAL / "sdmx-twg-sample_sdmx-csv-2.0_example-01.csv"
    s = services.run_import(store, "sdmx", [f], new_indicators=True, area="WORLD")
    assert (s.status, s.created) == ("SUCCESS", 2), s.problems
    assert any("DIM_3 read as the time period" in n for n in s.notes)
    assert one(store, "estat_na_main_a_b", "WORLD", "201401")[0] == 12.4
    assert one(store, "estat_na_main_a_b", "WORLD", "201402")[0] == 10.8


def test_json_summary_is_the_only_stdout_even_when_sdmx1_logs(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    f = REAL / "estat_NAMA_10_GDP_structurespecific-2.1.xml"
    done = subprocess.run(
        [sys.executable, "-m", "salamat", "import", "sdmx", str(f), "--db", str(db),
         "--new-indicators", "--dry-run", "--format", "json"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["status"] == "DRY_RUN" and summary["import_count"]["created"] == 4
    assert "got no structure" not in done.stdout + done.stderr


def test_unit_mult_scales_exactly_and_says_so(store: Store, tmp_path: Path) -> None:
    text = (REAL / "unicef_CME_MRY0T4_all_2020_trimmed.csv").read_text().splitlines()
    header = text[0] + ",UNIT_MULT"
    afg = [
        t
        for t in text[1:]
        if t.startswith("AFG,Afghanistan,CME_MRY0T4,Under-five mortality rate,_T,")
    ]
    f = tmp_path / "mult.csv"
    f.write_text("\n".join([header, afg[0] + ",-3"]) + "\n")
    s = services.run_import(store, "sdmx", [f])
    assert (s.status, s.created) == ("SUCCESS", 1), s.problems
    assert any("1 value(s) multiplied by 10^-3 as their UNIT_MULT says" in n for n in s.notes)
    got = store.con.execute("SELECT value FROM observation WHERE area = 'AFG'").fetchone()
    assert got == (0.0613055387997174,)  # 61.3055387997174 x 10^-3, exactly
    assert scale_exactly("1.234", 3) == "1234" and scale_exactly("5", -2) == "0.05"
    f.write_text("\n".join([header, afg[0] + ",thousands"]) + "\n")
    s = services.run_import(store, "sdmx", [f])
    assert s.status == "ERROR" and "expected a power of ten" in s.problems[0].message


def test_broken_real_files_are_refused_by_name(store: Store, tmp_path: Path) -> None:
    before = table_snapshot(store)
    # truncated SDMX-ML 2.0 and 2.1
    for name in ("ecb_BSI_STF_SE_MessageGroup-compact-2.0.xml",
                 "estat_NAMA_10_GDP_structurespecific-2.1.xml"):  # fmt: skip
        cut = tmp_path / name
        cut.write_bytes((REAL / name).read_bytes()[:1200])
        s = services.run_import(store, "sdmx", [cut], new_indicators=True)
        message = s.problems[0].message
        assert s.status == "ERROR" and ("complete" in message or "not well-formed" in message)
    # a version Salamat does not read is named
    v4 = tmp_path / "v4.xml"
    v4.write_text(
        (REAL / "sdmx-twg-sample_ECB_EXR_CA_structurespecific-3.0.xml")
        .read_text()
        .replace("schemas/v3_0/", "schemas/v4_0/")
    )
    s = services.run_import(store, "sdmx", [v4])
    assert "SDMX-ML 4.0 is not supported" in s.problems[0].message
    # SDMX-ML 2.0 cross-sectional data is named too
    xs = tmp_path / "xs.xml"
    xs.write_text(
        '<CrossSectionalData xmlns="http://www.SDMX.org/resources/SDMXML/schemas/v2_0/message">'
        "</CrossSectionalData>"
    )
    s = services.run_import(store, "sdmx", [xs])
    assert "SDMX-ML 2.0 cross-sectional messages are not supported" in s.problems[0].message
    # an unknown code in a real file is a problem naming it
    bad = tmp_path / "oecd.xml"
    bad.write_text(
        (REAL / "oecd_EO_LOCATION_generic-2.0_MessageGroup_FRA-series.xml")
        .read_text()
        .replace('concept="LOCATION" value="FRA"', 'concept="LOCATION" value="FRX"')
    )
    s = services.run_import(store, "sdmx", [bad], new_indicators=True)
    assert s.status == "ERROR" and {p.value for p in s.problems} == {"FRX"}
    assert "unknown SDMX LOCATION 'FRX'" in s.problems[0].message
    # a JSON nested 200,000 deep is an input error, not a RecursionError
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000)
    s = services.run_import(store, "sdmx", [deep])
    assert s.status == "ERROR" and "nested too deeply" in s.problems[0].message
    assert table_snapshot(store) == before


def test_real_ecb_daily_and_annual_without_area_take_area_and_skip_nan(store: Store) -> None:
    f = REAL / "ecb_EXR_ARS-AUD_annual+daily_structurespecific-2.1_trimmed.xml"
    s = services.run_import(
        store, "sdmx", [f], metadata=[EXR_DSD], area="WORLD", new_indicators=True
    )
    assert (s.status, s.created, s.skipped_missing, s.total) == ("SUCCESS", 116, 3, 119)
    assert not any("--metadata" in n for n in s.notes)  # the structure reached the reader
    assert one(store, "ecb_exr_ars_eur_sp00_a", "WORLD", "20000113")[0] == 1.02745
    assert one(store, "ecb_exr_aud_eur_sp00_a", "WORLD", "1999")[0] == 1.652342471042472
    # 2000-04-21 is NaN (OBS_STATUS H): skipped and counted, never stored, never a zero
    assert store.con.execute(
        "SELECT count(*) FROM observation WHERE period = '20000421'"
    ).fetchone() == (0,)
    name = store.con.execute(
        "SELECT name_en FROM data_element WHERE code = 'ecb_exr_ars_eur_sp00_a'"
    ).fetchone()
    assert name == ("Exchange Rates, Argentine peso, Euro, Spot, Average",)
    # the same file again: the same codes, nothing new
    s = services.run_import(
        store, "sdmx", [f], metadata=[EXR_DSD], area="WORLD", new_indicators=True
    )
    assert (s.status, s.created, s.unchanged) == ("SUCCESS", 0, 116)


def test_real_numeric_area_codes_are_never_guessed(store: Store, tmp_path: Path) -> None:
    # World Bank WITS: REPORTER 840 with no structure: refused, with what ISO numeric would say
    f = REAL / "wb_WITS_TARIFF_TRAINS_REPORTER_generic-2.1.xml"
    s = services.run_import(store, "sdmx", [f], new_indicators=True)
    (p,) = [p for p in s.problems if p.field == "area"]
    assert s.status == "ERROR" and p.value == "840"
    assert "never guessed" in p.message and "--map area,840,USA" in p.message
    # the same file with a structure whose REPORTER codelist is M49: 840 is read as USA
    structure = tmp_path / "wits_structure.json"
    structure.write_text(
        json.dumps(
            {
                "data": {
                    "dataStructures": [
                        {
                            "id": "TARIFF_TRAINS",
                            "dataStructureComponents": {
                                "dimensionList": {
                                    "dimensions": [
                                        {
                                            "id": "REPORTER",
                                            "localRepresentation": {
                                                "enumeration": "urn:sdmx:org.sdmx.infomodel."
                                                "codelist.Codelist=WBG_WITS:CL_M49(1.0)"
                                            },
                                        }
                                    ]
                                }
                            },
                        }
                    ],
                    "codelists": [{"id": "CL_M49", "codes": [{"id": "840"}]}],
                }
            }
        ),
        encoding="utf-8",
    )
    s = services.run_import(store, "sdmx", [f], new_indicators=True, metadata=[structure])
    assert (s.status, s.created) == ("SUCCESS", 1), s.problems
    assert any("840 = USA" in n and "CL_M49" in n for n in s.notes)
    (row,) = store.con.execute("SELECT area, period, value FROM observation").fetchall()
    assert row == ("USA", "1989", 0.0)
