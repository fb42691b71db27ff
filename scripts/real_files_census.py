"""A census of real files users download: each imported into a fresh store with the plain command.

For every real file of ``tests/data/real/`` and the relevant ones of the project's shared data
folder (WHO GHO, OWID, UN WPP, SDMX, DHIS2, Open SDG, HMD, Eurostat, OECD, UN SDG), this script runs

    salamat import KIND FILE --db <a fresh store> --format json

(no ``--map``, no other option) and records what happened:

* ``imported``: SUCCESS or WARNING, and every value checked by hand against the file (the
  ``checks`` below, from tests/data/real/README.md and the files themselves) is stored as
  published; a value stored differently, or stored where it must not be, makes it ``WRONG``;
* ``needed --map`` (or ``--new-indicators``, ``--area``, ``--new-areas``): refused, and the
  problems name the option or map line that places the rows; where the census knows the
  option to follow, it runs the command again with it ("then") and checks the values there too;
* ``refused``: refused with a message that names the file and says what was expected;
* ``WRONG``: a value stored wrongly, a Python traceback, or an exit code other than 0 or 1.

Usage (from the repository, with Salamat installed)::

    python scripts/real_files_census.py [--shared /work/shared/data] [--markdown OUT.md]
                                        [--only TEXT]

It prints a Markdown table (the one in docs/importing.md, "Census of real files") and exits 1
if any file is WRONG. Files of the shared folder that are not there are listed as not found.
It takes a few minutes (about three invocations of ``salamat`` per file).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "tests" / "data" / "real"
HINTS = ("--map", "--new-indicators", "--area", "--new-areas")


@dataclass(frozen=True)
class Check:
    """A value checked by hand against the file: the stored row with this indicator (``*``: any;
    a new indicator's code is derived), area (``*``: any), period and, when given, sex and age must
    hold ``value``; ``value=None`` means no such row may be stored."""

    indicator: str
    area: str
    period: str | None
    value: float | None
    sex: str | None = None
    age: str | None = None

    def text(self) -> str:
        what = f"{self.indicator} {self.area} {self.period or ''} {self.sex or ''}".strip()
        what += f" age {self.age}" if self.age else ""
        return f"{what} = {self.value:g}" if self.value is not None else f"no {what}"


@dataclass(frozen=True)
class Case:
    path: str  # "real:<path under tests/data/real>" or "shared:<path under --shared>"
    kind: str
    checks: tuple[Check, ...] = ()
    then: tuple[str, ...] = ()  # the options the refusal's message leads to
    then_checks: tuple[Check, ...] = ()
    extra_files: tuple[str, ...] = field(default_factory=tuple)


def c(ind: str, area: str, period: str | None, value: float | None, **kw: str) -> Check:
    return Check(ind, area, period, value, **kw)


CASES: tuple[Case, ...] = (
    # -- WHO GHO --
    Case(
        "real:who_gho_hdx/health_indicators_afg.csv",
        "gho",
        (c("le0", "AFG", "2019", 63.15551, sex="female"), c("imr", "AFG", "2011", 61.76149)),
        ("--new-indicators",),
        (
            c("le0", "AFG", "2019", 63.15551, sex="female"),
            c("gho_violence_homiciderate", "AFG", "2019", 13.29011, sex="male"),
        ),
    ),
    Case(
        "real:who_gho_hdx/historical_health_indicators_afg.csv",
        "gho",
        (),
        ("--new-indicators",),
        (c("gho_tb_1", "AFG", "2014", 51.0), c("gho_tb_1", "AFG", "2016", 53.0)),
    ),
    Case(
        "real:who_gho_hdx/health_indicators_nga_first-rows.csv",
        "gho",
        (c("le0", "NGA", None, None),),
        ("--new-indicators",),
        (c("le0", "NGA", None, None),),
    ),
    Case(
        "real:who_data_portal/90E2E48_ALL_LATEST_life-expectancy_trimmed.csv",
        "gho",
        (
            c("le0", "KAZ", "2019", 73.95099, sex="total"),
            c("le0", "WHO-EUR", "2019", 78.24261, sex="total"),
        ),
    ),
    Case(
        "real:who_data_portal/BEFA58B_ALL_LATEST_obesity_trimmed.csv",
        "gho",
        (),
        ("--new-indicators",),
        (
            c("gho_ncd_bmi_30a", "KAZ", "2022", 18.376419, sex="total", age="18+"),
            c("gho_ncd_bmi_30a", "PRI", "2003", 31.008548, sex="female"),
        ),
    ),
    Case(
        "real:who_data_portal/9A706FD_ALL_LATEST_uhc-index_trimmed.csv",
        "gho",
        (),
        ("--new-indicators",),
        (c("gho_uhc_index_reported", "KAZ", "2021", 80.328),),
    ),
    Case(
        "shared:series/who_gho/NCDMORT3070_GHO_export_2024-12-18_OTS.csv",
        "gho",
        (c("ncd30q70", "KAZ", "2019", 23.8, sex="total"),),
    ),
    Case(
        "shared:series/who_gho/NCDMORT3070_GHO_export_2024-12-18_all_countries.csv.gz",
        "gho",
        (c("ncd30q70", "FRA", "2019", 7.2, sex="female"),),
    ),
    Case(
        "shared:series/who_gho/NCDMORT3070_GHO_athena_export_2020_OTS.csv",
        "gho",
        (c("ncd30q70", "KAZ", "2015", 28.6, sex="total"),),
    ),
    Case(
        "shared:series/who_gho/WHOSIS_000001_GHO_athena_export_2020_OTS.csv",
        "gho",
        (c("le0", "KAZ", "2000", 63.85257, sex="total"),),
    ),
    Case(
        "shared:series/who_gho/WHOSIS_000015_GHO_athena_export_2020_OTS.csv",
        "gho",
        (c("le60", "KAZ", "2015", 17.49143, sex="total"),),
    ),
    Case(
        "shared:series/who_gho/WHOSIS_000002_GHO_athena_export_2020_OTS.csv",
        "gho",
        (),
        ("--new-indicators",),
        (c("gho_whosis_000002", "KAZ", "2015", 62.82668, sex="total"),),
    ),
    Case(
        "shared:series/who_gho/MDG_0000000020_GHO_athena_export_2020_OTS.csv",
        "gho",
        (c("tb_incidence", "KAZ", "2015", 81.0),),
    ),
    Case("shared:interop/who_gho_odata/gho_WSH_8.json", "gho", (), ("--new-indicators",)),
    Case(
        "shared:interop/who_gho_odata/gho_EMFLIMITELECTRIC.json", "gho", (), ("--new-indicators",)
    ),
    # -- Our World in Data --
    Case(
        "real:owid/child-mortality_trimmed.csv",
        "owid",
        (c("u5mr", "AFG", "2023", 55.5), c("u5mr", "ARM", "1988", 99.3)),
    ),
    Case(
        "real:owid/owid-datasets_age-adjusted-suicide-rates_WHO-2005_trimmed.csv",
        "owid",
        (),
        ("--new-indicators",),
        (c("owid_suicide_rate_who_2005", "AFG", "2004", 6.6843853),),
    ),
    Case(
        "real:owid/life-expectancy_filtered-download_2022_trimmed.csv",
        "owid",
        (c("le0", "KAZ", "2022", 73.5028), c("owid_time", "*", None, None)),
    ),
    Case(
        "real:owid/annual-healthcare-expenditure-per-capita_filtered-download_2022_trimmed.csv",
        "owid",
        (),
        ("--new-indicators",),
        (
            c(
                "owid_current_health_expenditure_per_capita_ppp_current_international",
                "TON",
                "2021",
                520.0485,
            ),
            c(
                "owid_current_health_expenditure_per_capita_ppp_current_international",
                "TON",
                "2022",
                None,
            ),
            c("owid_time", "*", None, None),
        ),
    ),
    Case(
        "real:owid/life-expectancy-hmd-unwpp_trimmed.csv",
        "owid",
        (c("le0", "KGZ", "2019", 70.8907),),
    ),
    Case(
        "real:owid/economic-inequality-gini-index_annotations_trimmed.csv",
        "owid",
        (),
        ("--new-indicators",),
        (c("owid_990179_annotations", "*", None, None),),
    ),
    Case(
        "shared:series/owid/incidence-of-tuberculosis-sdgs.csv",
        "owid",
        (c("tb_incidence", "KAZ", "2000", 168.0),),
    ),
    Case(
        "shared:series/owid/total-healthcare-expenditure-gdp.csv",
        "owid",
        (c("che_gdp", "KAZ", "2019", 2.79),),
    ),
    # -- World Bank WDI --
    Case(
        "real:worldbank/API_SH.XPD.CHEX.GD.ZS_DS2_en_csv_v2_4499032_trimmed.csv",
        "worldbank",
        (c("che_gdp", "KAZ", "2019", 2.78745675), c("che_gdp", "LIC", "2019", 4.88252259716934)),
    ),
    Case(
        "real:worldbank/wdi_fr_SP.DYN.LE00.FE.IN_trimmed.csv",
        "worldbank",
        (c("le0", "AZE", "2019", 75.832, sex="female"),),
    ),
    # -- UN SDG Global Database --
    Case(
        "real:unsdg/t421_SE_DEV_ONTRK_portal-csv_resaved_trimmed.csv",
        "unsdg",
        (),
        ("--new-indicators",),
        (
            c("unsdg_se_dev_ontrk", "KAZ", "2015", 86.3, sex="female", age="3-4"),
            c("unsdg_se_dev_ontrk", "WORLD", "2020", 71.5, sex="total"),
            c("unsdg_se_dev_ontrk", "M49-035", "2020", 88.0),
        ),
    ),
    Case(
        "real:unsdg/SH_OOP_XPD_EARNNET40_AFG_api-series-data_page1.json",
        "unsdg",
        (),
        ("--new-indicators",),
        (
            c("unsdg_sh_oop_xpd_earnnet40", "AFG", "2016", 32.30, sex="total", age="all"),
            c("unsdg_sh_oop_xpd_earnnet40_sex_of_head_of_household_female", "AFG", "2016", 38.04),
            c("unsdg_sh_oop_xpd_earnnet40_age_of_head_of_household_60", "AFG", "2020", 37.64),
            # the head of household's sex and age are never the value's own
            c("*", "AFG", None, None, sex="female"),
            c("*", "AFG", None, None, age="60+"),
        ),
    ),
    # -- UN WPP --
    Case(
        "real:un_wpp/WPP2019_Period_Indicators_Medium_KAZ.csv",
        "wpp",
        (c("le0", "KAZ", "2015-2019", 73.22, sex="total"), c("u5mr", "KAZ", "2015-2019", 9.887)),
    ),
    Case(
        "real:un_wpp/WPP2019_PopulationByAgeSex_Medium_KAZ_2016-2018.csv",
        "wpp",
        (c("population", "KAZ", "2016", 1965759.0, sex="total", age="0-4"),),
    ),
    Case(
        "real:un_wpp/WPP2022_Demographic_Indicators_Medium_World_1950-1960.csv",
        "wpp",
        (
            c("le0", "WORLD", "1950", 46.4643, sex="total"),
            c("u5mr", "WORLD", "1950", 224.0098),
            c("population", "WORLD", "1960", 3019233434.0, sex="total"),
        ),
    ),
    Case(
        "real:un_wpp/WPP2022_TotalPopulationBySex_LocID1111_1950-1975.csv",
        "wpp",
        (c("population", "USA", None, None),),
    ),
    Case(
        "shared:series/un_wpp/wpp2022_population_by_age_both_sexes_thousands_estimates_OTS.csv",
        "wpp",
        (c("population", "KAZ", "2019", 1973000.0, age="0-4"),),
    ),
    Case(
        "shared:series/un_wpp/wpp2022_population_by_age_both_sexes_thousands_medium_variant_OTS.csv",
        "wpp",
        (c("population", "KAZ", "2030", 1898000.0, age="0-4"),),
    ),
    Case(
        "shared:series/un_wpp/wpp2024_e0_by_sex_OTS_1950-2023.csv",
        "wpp",
        (c("le0", "KAZ", "2019", 77.7432, sex="female"),),
    ),
    Case("shared:series/un_wpp/wpp2024_e0B.txt.gz", "wpp", (c("le0", "KAZ", "2019", 73.6581),)),
    Case(
        "shared:series/un_wpp/wpp2024_births_total_OTS.csv",
        "wpp",
        (c("births", "KAZ", "1990", 394068.0),),
    ),
    Case(
        "shared:series/un_wpp/wpp2024_mx_5yr_age_by_sex_OTS_1950-2025.csv",
        "wpp",
        (c("mx", "KAZ", "2015-2019", 0.03830139, sex="male", age="65-69"),),
    ),
    # -- SDMX --
    Case(
        "real:sdmx/unicef_CME_MRY0T4_all_2020_trimmed.csv",
        "sdmx",
        (
            c("u5mr", "AFG", "2020", 61.3055387997174, sex="total"),
            c("u5mr", "XKX", "2020", 10.518500201971, sex="total"),
            c("u5mr", "LIC", "2020", 68.209254576159, sex="total"),
        ),
    ),
    Case(
        "real:sdmx/ecb_BSI_STF_SE_MessageGroup-compact-2.0.xml",
        "sdmx",
        (),
        ("--new-indicators",),
        (c("*", "SWE", "200810", 4.86),),
    ),
    Case(
        "real:sdmx/ecb_EXR_ARS-AUD_annual+daily_structurespecific-2.1_trimmed.xml",
        "sdmx",
        (),
        ("--new-indicators", "--area", "WORLD"),
        (c("*", "WORLD", "20000113", 1.02745),),
    ),
    Case(
        "real:sdmx/estat_NAMA_10_GDP_structurespecific-2.1.xml",
        "sdmx",
        (),
        ("--new-indicators",),
        (c("*", "LUX", "2015", 54142.3),),
    ),
    Case(
        "real:sdmx/estat_nama_10_fcs_compact-2.0_AT-BE-BG-CY.xml",
        "sdmx",
        (),
        ("--new-indicators",),
        (c("*", "AUT", "1995", 10452.9), c("*", "CYP", "2014", 696.0)),
    ),
    Case("real:sdmx/imf_DOT_compact-2.0.xml", "sdmx", (), ("--new-indicators",)),
    Case(
        "real:sdmx/imf_WEO_structurespecific-2.1.xml",
        "sdmx",
        (),
        ("--new-indicators",),
        (c("*", "SVK", "2018", 94669000000.0),),
    ),
    Case(
        "real:sdmx/oecd_EO_LOCATION_generic-2.0_MessageGroup_FRA-series.xml",
        "sdmx",
        (),
        ("--new-indicators",),
        (c("*", "FRA", "1973Q1", 4295445496.82796),),
    ),
    Case("real:sdmx/oecd_PART2_LOCATION_sdmx-json-1.0.json", "sdmx"),
    Case(
        "real:sdmx/sdmx-twg-sample_ECB_EXR_CA_structurespecific-3.0.xml",
        "sdmx",
        (),
        ("--new-indicators", "--area", "WORLD"),
        (c("*", "WORLD", "2018", 1.529364705882353),),
    ),
    Case("real:sdmx/sdmx-twg-sample_ECB_EXR_NG_structure-2.1.xml", "sdmx"),
    Case(
        "real:sdmx/sdmx-twg-sample_ECB_EXR_NG_structurespecific-ts-2.1.xml",
        "sdmx",
        (),
        ("--new-indicators", "--area", "WORLD"),
    ),
    Case(
        "real:sdmx/sdmx-twg-sample_ECB_EXR_sdmx-json-2.0_time-series.json",
        "sdmx",
        (),
        ("--new-indicators", "--area", "WORLD"),
        (c("*", "WORLD", "20130118", 1.5931), c("*", "WORLD", "20130121", 40.3)),
    ),
    Case(
        "real:sdmx/sdmx-twg-sample_sdmx-csv-2.0_example-01.csv",
        "sdmx",
        (),
        ("--new-indicators", "--area", "WORLD"),
        (c("*", "WORLD", "201401", 12.4), c("*", "WORLD", "201402", 10.8)),
    ),
    Case(
        "real:sdmx/wb_WITS_TARIFF_TRAINS_REPORTER_generic-2.1.xml",
        "sdmx",
        (),
        ("--new-indicators",),
    ),
    Case(
        "real:eurostat_tsv/demo_mlexpec_eu_life_expectancy_raw_trimmed.tsv",
        "sdmx",
        (),
        ("--new-indicators",),
        (
            c("*", "AUT", "2020", 82.9, sex="female", age="1"),
            c("*", "BEL", "2011", 82.5, sex="female", age="1"),
            c("*", "GRC", "2019", 83.5, sex="female", age="1"),
            c("*", "XKX", "2016", 78.6, sex="total"),
            c("le0", "AUT", None, None),
        ),
    ),
    Case(
        "real:oecd_dp_live/DP_LIVE_LIFE_EXP_BIRTH_AUS_MEN_TOT.csv",
        "sdmx",
        (
            c("le0", "AUS", "1960", 67.9, sex="male"),
            c("le0", "AUS", "2020", 83.2, sex="total"),
            c("le0", "AUS", "1963", None, sex="total"),
        ),
    ),
    Case(
        "shared:interop/sdmx_csv/unicef_CME_MRY0T4_multi_2018_2023.csv",
        "sdmx",
        (),
        ("--new-indicators",),
    ),
    Case(
        "shared:interop/sdmx_csv/unicef_CME_multi_USA_2020.csv",
        "sdmx",
        (c("nmr", "USA", "2020", 3.63811577117753, sex="total"),),
        ("--new-indicators",),
        (c("nmr", "USA", "2020", 3.63811577117753, sex="total"),),
    ),
    Case(
        "shared:interop/sdmx_csv/unicef_IM_MCV1_USA_BRA_2015_2023.csv",
        "sdmx",
        (c("mcv1_coverage", "BRA", "2015", 96.0),),
    ),
    Case(
        "shared:interop/sdmx_csv/oecd_DF_G20_PRICES_sdmx-csv-1.0.csv",
        "sdmx",
        (),
        ("--new-indicators",),
        (c("*", "CHN", "1985", 9.3),),
    ),
    Case(
        "shared:interop/sdmx_json/unicef_CME_AFG_U5MR_sdmx-json-1.0_data.json",
        "sdmx",
        (),
        ("--new-indicators",),
    ),
    Case(
        "shared:interop/sdmx_ml/ecb_EXR_M.USD.EUR.SP00.A_genericdata-2.1.xml",
        "sdmx",
        (),
        ("--new-indicators", "--area", "WORLD"),
    ),
    # -- DHIS2 --
    Case(
        "real:dhis2_analytics/chap-core_laos_analytics_population_provinces_TODAY.json",
        "dhis2",
        (),
        ("--new-indicators", "--new-areas", "LAO"),
        (c("*", "LAO-W6sNfkJcXGC", "20240417", 989292.0),),
    ),
    Case(
        "shared:interop/dhis2_analytics/play-40.0.1_analytics_ANC1_by-co_LAST_12_MONTHS_3facilities.json",
        "dhis2",
        (),
        ("--new-indicators", "--new-areas", "SLE"),
    ),
    Case(
        "shared:interop/dhis2_analytics/play-40.0.1_analytics_ANC1-2_THIS-LAST_YEAR_SL-LEVEL4_hierarchyMeta.json",
        "dhis2",
        (),
        ("--new-indicators", "--new-areas", "SLE"),
    ),
    Case(
        "shared:interop/dhis2_datavaluesets/play-40.0.1_dataValueSets_pBOMPrpg1QX_202201_DiszpKrYNg8.json",
        "dhis2",
    ),
    Case("shared:interop/dhis2_datavaluesets/dhis2core_dxf2_dataValueSetB.csv", "dhis2"),
    Case("shared:interop/dhis2_datavaluesets/dhis2core_dxf2_dataValueSetB.xml", "dhis2"),
    Case("shared:interop/dhis2_datavaluesets/dhis2core_e2e_malaria_dataValues_bulk.json", "dhis2"),
    Case("shared:interop/adx/dhis2core_adx_data_sample1.xml", "dhis2"),
    # -- Open SDG --
    Case(
        "real:opensdg/armenia/indicator_3-2-1.csv",
        "opensdg",
        (c("u5mr", "KAZ", None, None),),
        ("--new-indicators", "--area", "ARM"),
        (c("*", "ARM", "2015", 10.4, sex="total"), c("u5mr", "KAZ", None, None)),
    ),
    Case(
        "real:opensdg/armenia/indicator_3-4-1.csv",
        "opensdg",
        (),
        ("--new-indicators", "--area", "ARM"),
    ),
    Case("real:opensdg/kyrgyzstan/3-2-1.csv", "opensdg", (c("u5mr", "KAZ", None, None),)),
    Case("real:opensdg/uk/indicator_3-4-1_first-rows.csv", "opensdg"),
    Case(
        "shared:kz/opensdg_kazstat_goal3/data/indicator_3-2-1.csv",
        "opensdg",
        (),
        ("--area", "KAZ"),
    ),
    # -- HMD text files (salamat import hmd) --
    Case(
        "real:hmd/GBR_NP.Mx_1x1_2014-2016.txt",
        "hmd",
        (
            c("mx", "GBR", "2016", 0.003572, sex="female", age="0"),
            c("mx", "GBR", "2016", 4.2, sex="male", age="110+"),
        ),
    ),
    Case(
        "real:hmd/GBR_NP.fltper_1x1_2014-2016.txt",
        "hmd",
        (
            c("le0", "GBR", "2016", 82.84, sex="female"),
            c("mx", "GBR", "2016", 0.00357, sex="female", age="0"),
            c("le0", "GBR", "2016", None, sex="male"),
        ),
    ),
    Case(
        "shared:reference/hmd_gbr_np_2018/GBR_NP.Mx_1x1.txt.gz",
        "hmd",
        (
            c("mx", "GBR", "1922", None, sex="female", age="108"),
            c("mx", "GBR", "1922", 0.070053, sex="female", age="0"),
        ),
    ),
    Case(
        "shared:reference/hmd_gbr_np_2018/GBR_NP.Exposures_1x1.txt.gz",
        "hmd",
        (c("*", "GBR", None, None),),
    ),
)


@dataclass
class Run:
    rc: int
    status: str
    created: int
    first: str  # the first problem's message, else the first note
    needs: list[str]
    traceback: bool
    stored: list[dict[str, str]]


def salamat() -> list[str]:
    return [sys.executable, "-m", "salamat"]


def run(db: Path, kind: str, files: list[Path], options: tuple[str, ...]) -> Run:
    cmd = [*salamat(), "import", kind, *map(str, files), *options, "--db", str(db)]
    done = subprocess.run(
        [*cmd, "--format", "json"], capture_output=True, text=True, timeout=900, check=False
    )
    traceback = "Traceback (most recent call last)" in done.stderr + done.stdout
    try:
        doc = json.loads(done.stdout)
    except json.JSONDecodeError:
        doc = {}
    problems = doc.get("conflicts") or []
    messages = [str(p.get("message", "")) for p in problems]
    first = messages[0] if messages else (done.stderr.strip().splitlines() or [""])[-1]
    if not messages and doc.get("notes"):
        first = str(doc["notes"][0])
    needs = sorted({h for h in HINTS for m in messages if h in m})
    stored: list[dict[str, str]] = []
    if doc.get("status") in ("SUCCESS", "WARNING") and db.exists():
        out = db.parent / "tidy"
        subprocess.run(
            [*salamat(), "export", "tidy", "--db", str(db), "-o", str(out)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        for f in sorted(out.glob("*.csv")) if out.is_dir() else []:
            with open(f, newline="", encoding="utf-8") as fh:
                stored += list(csv.DictReader(fh))
    count = doc.get("import_count") or {}
    return Run(
        done.returncode,
        str(doc.get("status", "")),
        int(count.get("created", 0) or 0),
        first,
        needs,
        traceback,
        stored,
    )


def failed_checks(checks: tuple[Check, ...], stored: list[dict[str, str]]) -> list[str]:
    bad = []
    for ch in checks:
        rows = [
            r
            for r in stored
            if (ch.indicator == "*" or r["indicator"] == ch.indicator)
            and (ch.area == "*" or r["area"] == ch.area)
            and (ch.period is None or r["period"] == ch.period)
            and (ch.sex is None or r["sex"] == ch.sex)
            and (ch.age is None or r["age"] == ch.age)
        ]
        if ch.value is None:
            if rows:
                bad.append(f"{ch.text()}: stored {rows[0]['indicator']} {rows[0]['value']}")
        elif not any(float(r["value"]) == ch.value for r in rows):
            got = ", ".join(sorted({r["value"] for r in rows})[:3]) or "nothing"
            bad.append(f"{ch.text()}: stored {got}")
    return bad


def verdict(r: Run, checks: tuple[Check, ...]) -> tuple[str, str]:
    if r.traceback or r.rc not in (0, 1):
        return "WRONG", f"exit {r.rc}, traceback: {r.first}"
    if r.status in ("SUCCESS", "WARNING"):
        bad = failed_checks(checks, r.stored)
        if bad:
            return "WRONG", "; ".join(bad)
        shown = [ch.text() for ch in checks][:3]
        return "imported", f"{r.created} created" + (
            "; checked " + "; ".join(shown) if shown else ""
        )
    bad = failed_checks(tuple(ch for ch in checks if ch.value is None), r.stored)
    if bad:
        return "WRONG", "; ".join(bad)
    if r.needs:
        return "needed " + "/".join(r.needs), r.first
    return "refused", r.first


def cell(text: str, limit: int = 230) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--markdown", type=Path, default=None)
    parser.add_argument(
        "--only", default=None, help="only the files whose path contains this text (a new row)"
    )
    args = parser.parse_args()
    lines = [
        f"Run on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}.",
        "",
        "| file | kind | plain command | why / what was checked | then (the option the "
        "message names) |",
        "|---|---|---|---|---|",
    ]
    tally: dict[str, int] = {}
    wrong = 0
    for case in CASES:
        if args.only is not None and args.only not in case.path:
            continue
        where, rel = case.path.split(":", 1)
        base = REAL if where == "real" else args.shared
        path = base / rel
        shown = f"`{rel}`" if where == "real" else f"shared `{rel}`"
        if not path.exists():
            lines.append(f"| {shown} | {case.kind} | not found | | |")
            tally["not found"] = tally.get("not found", 0) + 1
            continue
        with tempfile.TemporaryDirectory() as tmp:
            plain = run(Path(tmp) / "plain.duckdb", case.kind, [path], ())
        result, why = verdict(plain, case.checks)
        then = ""
        if result not in ("imported", "WRONG") and case.then:
            with tempfile.TemporaryDirectory() as tmp:
                second = run(Path(tmp) / "then.duckdb", case.kind, [path], case.then)
            r2, why2 = verdict(second, case.then_checks)
            then = f"`{' '.join(case.then)}`: **{r2}**: {why2}"
            wrong += r2 == "WRONG"
        tally[result.split(" ")[0]] = tally.get(result.split(" ")[0], 0) + 1
        wrong += result == "WRONG"
        lines.append(f"| {shown} | {case.kind} | **{result}** | {cell(why)} | {cell(then)} |")
        print(f"{rel}: {result}", file=sys.stderr, flush=True)
    lines += [
        "",
        "Totals (plain command): "
        + ", ".join(f"{k} {v}" for k, v in sorted(tally.items()))
        + f"; WRONG anywhere: {wrong}.",
    ]
    text = "\n".join(lines) + "\n"
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    print(text)
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
