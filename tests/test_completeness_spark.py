"""The completeness rule on region-years held as Spark aggregates (``death_aggregate_cell``).

``import deaths --engine spark`` keeps no records, only the deaths by cell and the records
counted per region and year. The completeness of registration (registered deaths against the
deaths the UN WPP 2024 rates expect of the population) must judge those region-years as it
judges the same records imported with the default engine: the same flags (severity, message,
details), the same notes in the import summary (area-years assessed, and those not assessed
with the reason).

The records are the demo's synthetic deaths (drawn from the real BNS population with the real
WPP 2024 rates of Kazakhstan): Ulytau region (KZ-62) 2023 whole, 2022 one record in three (a
region-year registering about a third of its deaths), and a few records of Zhambyl region
(KZ-31) 2023, whose population is not imported (not assessed, and its country's 2023 with it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from salamat.ingest.records_spark import import_deaths_spark
from salamat.services import imports as services
from salamat.store.connection import Store

pytestmark = [pytest.mark.spark, pytest.mark.filterwarnings("ignore::ResourceWarning")]

WPP_MX = (
    Path(__file__).parents[1]
    / "src/salamat/data/demo/un_wpp/wpp2024_mx_5yr_age_by_sex_OTS_1950-2025.csv"
)
FLAGS_SQL = """SELECT severity, area, period, sex, source, message, details FROM quality_flag
    WHERE rule = 'completeness' ORDER BY ALL"""


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the death records as Parquet, the population of KZ-62 2022-2023 as CSV)."""
    from salamat.demo.synthetic import synthetic_deaths, synthetic_population

    pop = synthetic_population()
    ulytau = pop[(pop["region"] == "KZ-62") & pop["year"].isin([2022, 2023])]
    zhambyl = pop[(pop["region"] == "KZ-31") & (pop["year"] == 2023)]
    deaths = synthetic_deaths(ulytau.reset_index(drop=True), seed=5)
    year = deaths["death_date"].astype(str).str[:4]
    kept = pd.concat(
        [
            deaths[year == "2023"],
            deaths[year == "2022"].iloc[::3],
            synthetic_deaths(zhambyl.reset_index(drop=True), seed=6)
            .iloc[:40]
            .assign(id=lambda d: "Z" + d["id"]),  # ids of their own
        ]
    ).reset_index(drop=True)
    folder = tmp_path_factory.mktemp("completeness")
    records, cells = folder / "deaths.parquet", folder / "population.csv"
    kept.to_parquet(records)
    ulytau.to_csv(cells, index=False)
    return records, cells


def _prepare(store: Store, cells: Path) -> None:
    """The reference rates (UN WPP 2024 mx) and the population in the store."""
    assert services.run_import(store, "wpp", [WPP_MX]).ok
    assert services.run_import(store, "population", [cells]).ok


def test_spark_aggregates_get_the_flags_of_the_same_records(
    spark: Any, sample: tuple[Path, Path], tmp_path: Path
) -> None:
    records, cells = sample
    with Store.open(tmp_path / "duckdb.duckdb") as a, Store.open(tmp_path / "spark.duckdb") as b:
        _prepare(a, cells)
        _prepare(b, cells)
        s_duck = services.run_import(a, "deaths", [records], source="MoH registry")
        s_spark = import_deaths_spark(b, [str(records)], spark=spark, source="MoH registry")
        assert s_duck.status == s_spark.status == "SUCCESS"
        assert b.con.execute("SELECT count(*) FROM death_record").fetchall() == [(0,)]
        assert b.con.execute("SELECT count(*) FROM death_aggregate_cell").fetchall() == [(3,)]
        flags = b.con.execute(FLAGS_SQL).fetchall()
        assert flags == a.con.execute(FLAGS_SQL).fetchall()
        # what the rule has to say: Ulytau 2022 and the country from it register about a
        # third of the deaths expected (serious below 70%); Ulytau 2023 is whole (no flag)
        assert [(f[0], f[1], f[2], f[4]) for f in flags] == [
            ("serious", "KAZ", "2022", "MoH registry"),
            ("serious", "KZ-62", "2022", "MoH registry"),
        ]
        for f in flags:
            details = json.loads(f[6])
            assert 25 < details["completeness_pct"] < 45 and details["expected"] > 1000
        notes = [n for n in s_duck.notes if n.startswith("completeness")]
        assert [n for n in s_spark.notes if n.startswith("completeness")] == notes
        assert "assessed for 3 area-year(s)" in notes[0]
        assert "not assessed for 2 area-year(s)" in notes[1]
        assert "KAZ 2023 (MoH registry): 1 of its regions have death records but no" in notes[1]
        assert "KZ-31 2023 (MoH registry): no population by age" in notes[1]
        # the population imported again with another value: the rule runs again, alike
        more = tmp_path / "more.csv"
        pd.read_csv(cells).assign(population=lambda d: d["population"] * 0.4).to_csv(
            more, index=False
        )
        s_duck = services.run_import(a, "population", [more])
        s_spark = services.run_import(b, "population", [more])
        assert b.con.execute(FLAGS_SQL).fetchall() == a.con.execute(FLAGS_SQL).fetchall()
        assert s_spark.notes == s_duck.notes
        assert s_spark.flags_raised == s_duck.flags_raised
