from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import table_snapshot
from interop_helpers import INTEROP, write_map
from salamat.ingest.sdmx import sdmx_period
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
    assert s.status == "ERROR" and s.rejected == 252
    assert any("has no REF_AREA" in p.message for p in s.problems)
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
