"""The completeness rule on region-years held as aggregates (``--aggregates-only``, DuckDB).

Such a region-year keeps no records (``death_aggregate_cell`` holds the records counted): its
registered deaths must be those the same records imported with the default engine give, so the
flags and notes are the same. The same with Spark: ``test_completeness_spark.py``.
"""

from __future__ import annotations

from pathlib import Path

from salamat.services import imports as services
from salamat.store.connection import Store

FLAGS_SQL = """SELECT severity, area, period, sex, source, message, details FROM quality_flag
    WHERE rule = 'completeness' ORDER BY ALL"""


def _prepare(store: Store, tmp_path: Path) -> None:
    """KZ-75 with 1,000 infants and 99,000 aged 1+ of each sex in 2018-2019, KAZ's reference
    rates 0.01 (age 0) and 0.005 (1+) in 2015-2019: 1,010 deaths expected each year."""
    mx = "indicator,area,period,value,sex,age,source,note\n" + "".join(
        f"mx,KAZ,2015-2019,{v},{sex},{age},UN WPP 2024,\n"
        for sex in ("female", "male")
        for age, v in (("0", 0.01), ("1+", 0.005))
    )
    (tmp_path / "mx.csv").write_text(mx)
    assert services.run_import(store, "observations", [tmp_path / "mx.csv"]).ok
    pop = "region,year,sex,age,population\n" + "".join(
        f"KZ-75,{y},{sex},{age},{n}\n"
        for y in (2018, 2019)
        for sex in ("female", "male")
        for age, n in (("0", 1000), ("1+", 99000))
    )
    (tmp_path / "pop.csv").write_text(pop)
    assert services.run_import(store, "population", [tmp_path / "pop.csv"]).ok


def test_aggregates_only_get_the_flags_of_the_same_records(tmp_path: Path) -> None:
    # 2018: 707 registered = 70.0% (warning); 2019: 1,010 = 100% (no flag); 2020: no population
    lines = ["id,sex,age,death_date,region,icd10"]
    for year, n in ((2018, 707), (2019, 1010), (2020, 150)):
        lines += [f"C{year}-{i:05d},{'FM'[i % 2]},50,{year}-06-01,KZ-75,I21.9" for i in range(n)]
    deaths = tmp_path / "d.csv"
    deaths.write_text("\n".join(lines) + "\n")
    with Store.open(tmp_path / "a.duckdb") as a, Store.open(tmp_path / "b.duckdb") as b:
        _prepare(a, tmp_path)
        _prepare(b, tmp_path)
        s_rec = services.run_import(a, "deaths", [deaths], source="MoH")
        s_agg = services.run_import(b, "deaths", [deaths], source="MoH", aggregates_only=True)
        assert s_rec.ok and s_agg.ok
        assert b.con.execute("SELECT count(*) FROM death_record").fetchall() == [(0,)]
        flags = b.con.execute(FLAGS_SQL).fetchall()
        assert flags == a.con.execute(FLAGS_SQL).fetchall()
        assert [(f[0], f[1], f[2], f[4]) for f in flags] == [
            ("warning", "KAZ", "2018", "MoH"),
            ("warning", "KZ-75", "2018", "MoH"),
        ]
        assert flags[1][5].startswith("registered deaths (707) are 70.0% of the 1,010 expected")
        notes = [n for n in s_rec.notes if n.startswith("completeness")]
        assert [n for n in s_agg.notes if n.startswith("completeness")] == notes
        assert "assessed for 4 area-year(s), 70.0% to 100.0%" in notes[0]
        assert "KZ-75 2020 (MoH): no population by age" in notes[1]
