"""Quality flags (salamat.store.quality, services.quality, ``salamat flags``): each rule on the
demo's real series and on constructed cases."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from salamat.cli.app import app
from salamat.services import imports as services
from salamat.services import quality as quality_svc
from salamat.store.connection import Store
from salamat.store.quality import flags_for, flags_frame, rule_set

runner = CliRunner()
HEADER = "indicator,area,period,value,sex,source,note\n"


def _import(store: Store, tmp_path: Path, rows: list[str], name: str = "obs.csv") -> None:
    path = tmp_path / name
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    summary = services.run_import(store, "observations", [path])
    assert summary.ok, summary.as_dict()


def _series(indicator: str, area: str, values: dict[int, float], source: str = "S") -> list[str]:
    return [f"{indicator},{area},{y},{v},total,{source}," for y, v in values.items()]


# -- on the demo's real series ------------------------------------------------------------


def test_the_2023_national_30q70_is_flagged_by_a_rule(demo_db: Path) -> None:
    with Store.open(demo_db, read_only=True) as s:
        f = flags_for(s, "ncd30q70", "KAZ")
    assert list(f.columns) == ["rule", "period", "year", "source", "severity", "message", "details"]
    assert f[["rule", "year"]].values.tolist() == [["yoy_outlier", 2023]]
    assert f["severity"].iloc[0] == "warning"
    assert f["message"].iloc[0].startswith("24.81 in 2023 after 16.63 in 2022 (+49.2%)")


def test_the_30q70_series_is_stored_once_and_without_a_hand_typed_note(demo_db: Path) -> None:
    with Store.open(demo_db, read_only=True) as s:
        rows = s.con.execute(
            "SELECT DISTINCT source, note FROM observation "
            "WHERE indicator = 'ncd30q70' AND area = 'KAZ'"
        ).fetchall()
    assert len({r[0] for r in rows}) == 1
    assert not any("SUSPECT" in str(r[1]) for r in rows)


def test_the_life_expectancy_series_breaks_source_in_2023(demo_db: Path) -> None:
    with Store.open(demo_db, read_only=True) as s:
        f = flags_for(s, "le0", "KAZ")
    brk = f[f["rule"] == "source_break"]
    assert brk["year"].tolist() == [2023]
    assert "life expectancy at birth by region 1999-2022 until 2022" in brk["message"].iloc[0]


def test_every_bundled_value_passed_the_bounds(demo_db: Path) -> None:
    with Store.open(demo_db, read_only=True) as s:
        outside = s.con.execute(
            "SELECT count(*) FROM observation o JOIN indicator_bound b ON b.indicator = o.indicator "
            "WHERE o.value < b.lower OR o.value > b.upper"
        ).fetchall()[0][0]
        covered = s.con.execute(
            "SELECT count(*) FROM data_element d LEFT JOIN indicator_bound b "
            "ON b.indicator = d.code WHERE b.indicator IS NULL"
        ).fetchall()[0][0]
    assert (outside, covered) == (0, 0)


def test_series_csv_and_json_carry_the_flag_codes(demo_db: Path) -> None:
    args = ["series", "ncd30q70", "--area", "KAZ", "--db", str(demo_db)]
    csv_out = runner.invoke(app, [*args, "--format", "csv"])
    assert csv_out.exit_code == 0, csv_out.output
    lines = csv_out.output.strip().splitlines()
    assert lines[0].endswith(",flags")
    by_period = {ln.split(",")[3]: ln.rsplit(",", 1)[1] for ln in lines[1:]}
    assert by_period["2023"] == "yoy_outlier" and by_period["2022"] == ""
    js = json.loads(runner.invoke(app, [*args, "--format", "json"]).output)
    assert {r["period"]: r["flags"] for r in js}["2023"] == "yoy_outlier"


def test_series_table_shows_the_flag_beside_the_value(demo_db: Path) -> None:
    result = runner.invoke(
        app, ["series", "ncd30q70", "--area", "KAZ", "--from", "2022", "--db", str(demo_db)]
    )
    assert result.exit_code == 0, result.output
    row_2023 = next(ln for ln in result.output.splitlines() if "2023" in ln and "24.81" in ln)
    assert "⚑ yoy_outlier" in row_2023
    row_2022 = next(ln for ln in result.output.splitlines() if "2022" in ln and "16.63" in ln)
    assert "⚑" not in row_2022
    assert "salamat flags --indicator ncd30q70 --area KAZ" in result.output


def test_flags_command_lists_and_filters(demo_db: Path) -> None:
    result = runner.invoke(
        app, ["flags", "--area", "KAZ", "--indicator", "ncd30q70", "--db", str(demo_db)]
    )
    assert result.exit_code == 0, result.output
    assert "yoy_outlier" in result.output and "24.81 in 2023" in result.output
    js = runner.invoke(
        app,
        ["flags", "--area", "KAZ", "--indicator", "le0", "--format", "json", "--db", str(demo_db)],
    )
    records = json.loads(js.output)
    assert records and all(r["area"] == "KAZ" and r["indicator"] == "le0" for r in records)
    assert all(isinstance(r["details"], dict) for r in records)
    bad = runner.invoke(app, ["flags", "--area", "XX-NOPE", "--db", str(demo_db)])
    assert bad.exit_code == 2 and "unknown area" in bad.output


# -- constructed cases ----------------------------------------------------------------------


def test_a_flat_series_is_not_flagged(store: Store, tmp_path: Path) -> None:
    _import(store, tmp_path, _series("le0", "KAZ", {y: 70.0 for y in range(2000, 2016)}))
    _import(
        store,
        tmp_path,
        _series("le0", "KGZ", {y: 60.0 + 0.3 * (y - 2000) for y in range(2000, 2016)}),
        "trend.csv",
    )
    assert flags_for(store, "le0", "KAZ").empty and flags_for(store, "le0", "KGZ").empty


def test_a_jump_beyond_the_floor_is_flagged_and_a_small_one_is_not(
    store: Store, tmp_path: Path
) -> None:
    values = {y: 60.0 + 0.2 * (y - 2000) + (0.05 if y % 2 else 0.0) for y in range(2000, 2012)}
    values[2012] = values[2011] + 1.9  # below le0's floor of 2 years
    values[2013] = values[2012] + 2.5
    _import(store, tmp_path, _series("le0", "KAZ", values))
    f = flags_for(store, "le0", "KAZ")
    assert f["year"].tolist() == [2013] and f["rule"].tolist() == ["yoy_outlier"]


def test_changes_into_and_out_of_shock_years_are_not_tested(store: Store, tmp_path: Path) -> None:
    values = {y: 20.0 * 0.99 ** (y - 2010) for y in range(2010, 2024)}
    values[2020] = 30.0  # a pandemic jump, and back
    _import(store, tmp_path, _series("ncd30q70", "KAZ", values))
    assert rule_set().get("yoy_outlier", "shock_years") == "2020;2021"
    assert flags_for(store, "ncd30q70", "KAZ").empty


def test_a_series_with_too_little_history_is_not_tested(store: Store, tmp_path: Path) -> None:
    _import(store, tmp_path, _series("le0", "KAZ", {2010: 70, 2011: 70.1, 2012: 70.2, 2013: 79}))
    assert flags_for(store, "le0", "KAZ").empty


def test_peer_outlier_among_the_ots_countries(store: Store, tmp_path: Path) -> None:
    values = {"KAZ": 20.1, "AZE": 21.0, "KGZ": 22.3, "TUR": 19.2, "UZB": 20.8, "HUN": 21.5}
    rows = [f"ncd30q70,{a},2019,{v},total,S," for a, v in values.items()]
    rows.append("ncd30q70,TKM,2019,45.0,total,S,")
    _import(store, tmp_path, rows)
    f = flags_frame(store, rule="peer_outlier")
    assert f["area"].tolist() == ["TKM"]
    assert "the OTS countries" in f["message"].iloc[0]


def test_peer_outlier_among_a_regions_siblings(store: Store, tmp_path: Path) -> None:
    regions = ["KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-35"]
    rows = [f"le0,{r},2023,{72 + 0.3 * i},total,S," for i, r in enumerate(regions)]
    rows.append("le0,KZ-39,2023,55.0,total,S,")
    _import(store, tmp_path, rows)
    f = flags_frame(store, rule="peer_outlier")
    assert f["area"].tolist() == ["KZ-39"] and "the units under KAZ" in f["message"].iloc[0]


def test_a_lasting_peer_difference_is_flagged_where_it_begins(store: Store, tmp_path: Path) -> None:
    regions = ["KZ-11", "KZ-15", "KZ-23", "KZ-27", "KZ-31", "KZ-43", "KZ-47"]  # valid 2018-2023
    rows = [
        f"le0,{r},{y},{72 + 0.1 * i},total,S,"
        for y in range(2018, 2024)
        for i, r in enumerate(regions)
    ]
    odd = {2018: 72.2, 2019: 80.0, 2020: 80.5, 2021: 81.0, 2022: 80.2}
    odd[2023] = 74.5  # modified z far above 3.5, but within 3 years of the median (floor_abs)
    rows += [f"le0,KZ-39,{y},{v},total,S," for y, v in odd.items()]
    _import(store, tmp_path, rows)
    f = flags_frame(store, rule="peer_outlier")
    assert f["period"].tolist() == ["2019"]
    assert (
        f["message"]
        .iloc[0]
        .endswith(
            "above in every one of the 4 periods from 2019 to 2022 (a lasting difference, flagged "
            "where it begins)"
        )
    )


def test_age_specific_rates_and_population_cells_are_not_judged(
    store: Store, tmp_path: Path
) -> None:
    # mx by age: countries at different points of the mortality transition are not peers
    values = {"KAZ": 0.01, "AZE": 0.011, "KGZ": 0.012, "TUR": 0.009, "UZB": 0.0105, "HUN": 0.01}
    rows = [f"mx,{a},2019,{v},total,0,S," for a, v in {**values, "TKM": 0.1}.items()]
    # population by age band: a cohort entering the band moves it by 30%, a real change
    band = {y: 100_000.0 * 1.01 ** (y - 2010) for y in range(2010, 2019)}
    band[2019] = band[2018] * 1.3
    total = {y: 10 * v for y, v in band.items()}
    path = tmp_path / "rows.csv"
    path.write_text(
        "indicator,area,period,value,sex,age,source,note\n"
        + "".join(f"{r}\n" for r in rows)
        + "".join(f"population,KAZ,{y},{v},total,55-59,S,\n" for y, v in band.items())
        + "".join(f"population,KAZ,{y},{v},total,all,S,\n" for y, v in total.items())
    )
    assert services.run_import(store, "observations", [path]).ok
    assert flags_frame(store, rule="peer_outlier").empty
    f = flags_frame(store, rule="yoy_outlier")
    assert list(zip(f["indicator"], f["age"], f["period"], strict=True)) == [
        ("population", "all", "2019")
    ]


def test_counts_are_not_compared_with_peers(store: Store, tmp_path: Path) -> None:
    values = {"KAZ": 1e6, "AZE": 1.1e6, "KGZ": 1.2e6, "TUR": 1.05e6, "UZB": 0.9e6, "HUN": 1e6}
    rows = [f"population,{a},2019,{v},total,S," for a, v in values.items()]
    rows.append("population,TKM,2019,85000000,total,S,")
    _import(store, tmp_path, rows)
    assert flags_frame(store, rule="peer_outlier").empty


def test_two_sources_that_disagree(store: Store, tmp_path: Path) -> None:
    rows = [
        "le0,KAZ,2019,73.2,total,BNS,",
        "le0,KAZ,2019,71.0,total,WPP,",  # 2.2 years apart: beyond 1.5
        "le0,KAZ,2018,73.0,total,BNS,",
        "le0,KAZ,2018,72.1,total,WPP,",  # 0.9: within
        "tb_incidence,KAZ,2019,60,total,BNS,",
        "tb_incidence,KAZ,2019,68,total,WHO,",  # 12.5% of the mean: beyond 10%
    ]
    _import(store, tmp_path, rows)
    f = flags_frame(store, rule="source_disagreement")
    got = sorted(zip(f["indicator"], f["period"], f["source"], strict=True))
    assert got == [
        ("le0", "2019", "BNS"),
        ("le0", "2019", "WPP"),
        ("tb_incidence", "2019", "BNS"),
        ("tb_incidence", "2019", "WHO"),
    ]


def test_a_revised_value_is_flagged_and_the_flag_is_kept(store: Store, tmp_path: Path) -> None:
    _import(store, tmp_path, ["le0,KAZ,2019,73.2,total,BNS,"])
    assert flags_frame(store, rule="revision").empty
    _import(store, tmp_path, ["le0,KAZ,2019,73.9,total,BNS,"], "v2.csv")
    f = flags_frame(store, rule="revision")
    assert f["severity"].tolist() == ["info"]
    assert f["message"].iloc[0].startswith("revised from 73.2 to 73.9")
    quality_svc.recompute(store)
    assert len(flags_frame(store, rule="revision")) == 1


def test_flags_are_replaced_not_duplicated_on_reimport(store: Store, tmp_path: Path) -> None:
    values = {y: 20.0 * 0.98 ** (y - 2010) for y in range(2010, 2019)}
    values[2019] = 30.0
    rows = _series("ncd30q70", "KAZ", values)
    _import(store, tmp_path, rows)
    _import(store, tmp_path, rows)
    assert len(flags_frame(store, rule="yoy_outlier")) == 1
    quality_svc.recompute(store)
    assert len(flags_frame(store, rule="yoy_outlier")) == 1


def test_a_recompute_keeps_the_flags_it_replaces_and_can_be_undone(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from salamat.services.revisions import list_imports, undo_import
    from salamat.store.quality import RuleSet, series

    values = {y: 20.0 * 0.98 ** (y - 2010) for y in range(2010, 2019)}
    values[2019] = 30.0
    _import(store, tmp_path, _series("ncd30q70", "KAZ", values))
    before = store.con.execute("SELECT * FROM quality_flag ORDER BY ALL").fetchall()
    last = int(list_imports(store)["id"].iloc[0])
    quality_svc.recompute(store)  # the same rules: nothing changes, nothing is logged
    assert int(list_imports(store)["id"].iloc[0]) == last
    # the rules change (yoy_outlier's limit k): the flag is raised again with the new limit
    rules = rule_set()
    params = {key: dict(v) for key, v in rules.params.items()}
    params[("yoy_outlier", "*")]["k"] = "1000"
    monkeypatch.setattr(series, "rule_set", lambda: RuleSet(params, rules.severity, rules.rows))
    quality_svc.recompute(store)
    log = list_imports(store)
    rec = int(log["id"].iloc[0])
    assert (log["kind"].iloc[0], log["removed"].iloc[0], len(log["sha256"].iloc[0])) == (
        "flags",
        1,
        64,
    )
    (now,) = flags_frame(store, rule="yoy_outlier")["message"]
    assert "limit 1000" in now
    kept = store.con.execute(
        "SELECT rule, period, message FROM quality_flag_version WHERE superseded_by = ?", [rec]
    ).fetchall()
    assert [(r[0], r[1], "limit 3.5" in r[2]) for r in kept] == [("yoy_outlier", "2019", True)]
    # a later import that changes flags: the recompute's undo waits for it
    later = tmp_path / "later.csv"
    later.write_text(HEADER + "ncd30q70,KAZ,2019,31.0,total,S,\n", encoding="utf-8")
    summary = services.run_import(store, "observations", [later])
    assert summary.ok and summary.import_id is not None
    refused = undo_import(store, rec)
    assert [b.import_id for b in refused.blockers] == [summary.import_id]
    assert "the quality flags since" in refused.blockers[0].reason
    assert undo_import(store, summary.import_id).ok
    assert undo_import(store, rec).ok
    assert store.con.execute("SELECT * FROM quality_flag ORDER BY ALL").fetchall() == before


def test_a_dry_run_stores_no_flags(store: Store, tmp_path: Path) -> None:
    values = {y: 20.0 * 0.98 ** (y - 2010) for y in range(2010, 2019)}
    values[2019] = 30.0
    path = tmp_path / "dry.csv"
    path.write_text(HEADER + "\n".join(_series("ncd30q70", "KAZ", values)) + "\n")
    assert services.run_import(store, "observations", [path], dry_run=True).ok
    assert flags_frame(store).empty


def test_every_rule_in_the_rules_file_has_a_severity() -> None:
    rules = rule_set()
    frame = pd.DataFrame([{"rule": r, "severity": s} for r, s in rules.severity.items()])
    assert set(frame["severity"]) <= {"reject", "warning", "serious", "info"}
    assert {"yoy_outlier", "source_break", "source_disagreement", "peer_outlier"} <= set(
        frame["rule"]
    )


@pytest.mark.parametrize("area", ["KAZ", "OTS"])
def test_flags_service_resolves_groups(demo_db: Path, area: str) -> None:
    with Store.open(demo_db, read_only=True) as s:
        f = quality_svc.flags(s, area=area, indicator="le0")
    assert not f.empty and (area != "OTS" or f["area"].nunique() > 1)


# -- death-record rules -------------------------------------------------------------------------


def _deaths_csv(tmp_path: Path, codes: list[str], region: str = "KZ-75", year: int = 2021) -> Path:
    lines = ["id,sex,age,death_date,region,icd10"]
    for i, code in enumerate(codes):
        sex = "F" if i % 2 else "M"
        lines.append(f"D{year}-{i:05d},{sex},{40 + i % 40},{year}-03-01,{region},{code}")
    path = tmp_path / f"deaths_{region}_{year}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_ill_defined_and_garbage_shares_per_region_and_nation(store: Store, tmp_path: Path) -> None:
    # 200 deaths: 50 ill-defined (R99, also level-1 garbage), 30 septicaemia (A41.9, level 1)
    codes = ["R99"] * 50 + ["A41.9"] * 30 + ["I21.9"] * 120
    summary = services.run_import(store, "deaths", [_deaths_csv(tmp_path, codes)])
    assert summary.ok, summary.as_dict()
    f = flags_frame(store, indicator="deaths")
    got = {(r["rule"], r["area"], r["period"], r["severity"]) for r in f.to_dict("records")}
    assert ("ill_defined_share", "KZ-75", "2021", "serious") in got  # 25% > 20%
    assert ("ill_defined_share", "KAZ", "2021", "serious") in got  # the nation too
    assert ("garbage_share", "KZ-75", "2021", "serious") in got  # 40% major > 35%
    ill = f[(f["rule"] == "ill_defined_share") & (f["area"] == "KZ-75")]["message"].iloc[0]
    assert ill.startswith("ill-defined causes (ICD-10 R00-R99) are 25.0% of 200 deaths")


def test_a_clean_small_region_is_not_judged(store: Store, tmp_path: Path) -> None:
    few = services.run_import(store, "deaths", [_deaths_csv(tmp_path, ["R99"] * 60)])
    assert few.ok
    assert flags_frame(store, indicator="deaths").empty  # fewer than 100 deaths
    clean = ["I21.9"] * 150 + ["C34.9"] * 50
    assert services.run_import(store, "deaths", [_deaths_csv(tmp_path, clean, year=2022)]).ok
    f = flags_frame(store, indicator="deaths")
    assert not (f["period"] == "2022").any()


def test_the_demo_death_records_are_checked(demo_db: Path) -> None:
    with Store.open(demo_db, read_only=True) as s:
        f = flags_frame(s, indicator="deaths", rule="injury_unspecified_share")
    assert not f.empty and f["source"].str.contains("SYNTHETIC").all()


def _unknown_csv(tmp_path: Path, cells: dict[int, tuple[int, int]]) -> Path:
    """Deaths in KZ-75, per year: (records, of which without age or sex)."""
    lines = ["id,sex,age,death_date,region,icd10"]
    for year, (n, unknown) in cells.items():
        for i in range(n):
            sex, age = ("9", "40") if i < unknown and i % 2 else ("M", "40")
            if i < unknown and not i % 2:
                age = "unknown"
            lines.append(f"D{year}-{i:05d},{sex},{age},{year}-03-01,KZ-75,I21.9")
    path = tmp_path / "unknown_age_sex.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_unknown_age_sex_thresholds(store: Store, tmp_path: Path) -> None:
    cells = {
        2016: (200, 2),  # 1.0%: not above 1% -> info (the records still leave the rates)
        2017: (200, 3),  # 1.5%: warning
        2018: (200, 10),  # 5.0%: not above 5% -> warning
        2019: (200, 11),  # 5.5%: serious
        2020: (99, 20),  # 20% of fewer than 100 deaths: not judged -> info
        2021: (200, 0),  # none: no flag
    }
    summary = services.run_import(store, "deaths", [_unknown_csv(tmp_path, cells)])
    assert summary.ok, summary.as_dict()
    f = flags_frame(store, indicator="deaths", rule="unknown_age_sex")
    got = {(r["area"], r["period"]): r["severity"] for r in f.to_dict("records")}
    expect = {"2016": "info", "2017": "warning", "2018": "warning", "2019": "serious"}
    expect["2020"] = "info"
    assert got == {
        **{("KZ-75", y): s for y, s in expect.items()},
        **{("KAZ", y): s for y, s in expect.items()},
    }
    msg = f[(f["area"] == "KZ-75") & (f["period"] == "2019")]["message"].iloc[0]
    assert msg.startswith(
        "11 of 200 death records in KZ-75 2019 (5.50%) have no age or no sex "
        "(6 without age, 5 without sex)"
    )
    assert "left out of every rate" in msg
    small = f[(f["area"] == "KZ-75") & (f["period"] == "2020")]["message"].iloc[0]
    assert "not judged on fewer than 100 deaths" in small


def test_the_demo_records_all_state_age_and_sex(demo_db: Path) -> None:
    with Store.open(demo_db, read_only=True) as s:
        assert flags_frame(s, rule="unknown_age_sex").empty
        n = s.con.execute(
            "SELECT count(*) FILTER (WHERE age IS NULL OR sex NOT IN ('female', 'male')), "
            "count(*) FROM death_record"
        ).fetchall()[0]
    assert n[0] == 0 and n[1] > 800_000


# -- completeness of death registration ----------------------------------------------------

REAL = Path(__file__).parent / "data" / "real"
WPP_DEMO = Path(__file__).parents[1] / "src" / "salamat" / "data" / "demo" / "un_wpp"


def _completeness_store(store: Store, tmp_path: Path, deaths_by_year: dict[int, int]) -> None:
    """KZ-75 with 1,000 infants and 99,000 aged 1+ of each sex, every year 2010-2019; KAZ's
    reference rates 0.01 (age 0) and 0.005 (1+) for both sexes in 2010-2014 and 2015-2019."""
    mx = [
        f"mx,KAZ,{p},{v},{sex},{age},UN WPP 2024,"
        for p in ("2010-2014", "2015-2019")
        for sex in ("female", "male")
        for age, v in (("0", 0.01), ("1+", 0.005))
    ]
    path = tmp_path / "mx.csv"
    path.write_text("indicator,area,period,value,sex,age,source,note\n" + "\n".join(mx) + "\n")
    assert services.run_import(store, "observations", [path]).ok
    pop = ["region,year,sex,age,population"]
    pop += [
        f"KZ-75,{y},{sex},{age},{n}"
        for y in range(2010, 2020)
        for sex in ("female", "male")
        for age, n in (("0", 1000), ("1+", 99000))
    ]
    (tmp_path / "pop.csv").write_text("\n".join(pop) + "\n")
    assert services.run_import(store, "population", [tmp_path / "pop.csv"]).ok
    lines = ["id,sex,age,death_date,region,icd10"]
    for year, n in deaths_by_year.items():
        lines += [f"C{year}-{i:05d},{'FM'[i % 2]},50,{year}-06-01,KZ-75,I21.9" for i in range(n)]
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    summary = services.run_import(store, "deaths", [tmp_path / "d.csv"])
    assert summary.ok, summary.as_dict()
    store.notes = summary.notes  # type: ignore[attr-defined]


def test_completeness_thresholds_on_unit_records(store: Store, tmp_path: Path) -> None:
    # expected deaths each year, by hand: 2 sexes x (1,000 x 0.01 + 99,000 x 0.005)
    # = 2 x (10 + 495) = 1,010; so 909 registered = 90.0%, 908 = 89.9%
    cells = {
        2010: 909,  # 90.0%: not below 90% -> no flag
        2011: 908,  # 89.9%: warning
        2012: 707,  # 70.0%: not below 70% -> warning
        2013: 706,  # 69.9%: serious
        2014: 1111,  # 110.0%: not above 110% -> no flag
        2015: 1112,  # 110.1%: warning
        2020: 150,  # no population for 2020: not assessed, said in the summary
    }
    _completeness_store(store, tmp_path, cells)
    f = flags_frame(store, rule="completeness")
    got = {(r["area"], r["period"]): r["severity"] for r in f.to_dict("records")}
    expect = {"2011": "warning", "2012": "warning", "2013": "serious", "2015": "warning"}
    assert got == {
        **{("KZ-75", y): s for y, s in expect.items()},
        **{("KAZ", y): s for y, s in expect.items()},
    }
    region = f[(f["area"] == "KZ-75") & (f["period"] == "2011")]["message"].iloc[0]
    assert region.startswith(
        "registered deaths (908) are 89.9% of the 1,010 expected in KZ-75 2011"
    )
    assert "death rates of KAZ 2010-2014" in region
    assert "the country's schedule used for a region" in region
    nation = f[(f["area"] == "KAZ") & (f["period"] == "2011")]["message"].iloc[0]
    assert "the country's schedule" not in nation
    notes = " ".join(store.notes)  # type: ignore[attr-defined]
    assert "assessed for 12 area-year(s), 69.9% to 110.1%" in notes
    assert "not assessed for 2 area-year(s)" in notes
    assert "KZ-75 2020 (unit records (no --source given)): no population by age" in notes


def test_completeness_says_which_years_have_no_reference_rates(
    store: Store, tmp_path: Path
) -> None:
    # population 2010-2019, records of 2009 need population too: give the rates' gap instead
    _completeness_store(store, tmp_path, {2019: 1010})
    pop = "region,year,sex,age,population\n" + "".join(
        f"KZ-75,2021,{sex},{age},{n}\n"
        for sex in ("female", "male")
        for age, n in (("0", 1000), ("1+", 99000))
    )
    (tmp_path / "pop21.csv").write_text(pop)
    (tmp_path / "d21.csv").write_text(
        "id,sex,age,death_date,region,icd10\n" + "X1,F,50,2021-06-01,KZ-75,I21.9\n"
    )
    assert services.run_import(store, "population", [tmp_path / "pop21.csv"]).ok
    summary = services.run_import(store, "deaths", [tmp_path / "d21.csv"])
    notes = " ".join(summary.notes)
    assert (
        "KZ-75 2021 (unit records (no --source given)): no UN WPP 2024 death rates of KAZ" in notes
    )
    assert flags_frame(store, rule="completeness").empty  # 2019: 100%


@pytest.fixture(scope="module")
def bns_store(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The demo store and the BNS registered deaths 2000-2025 (real; tests/data/real)."""
    path = tmp_path_factory.mktemp("bns") / "demo.duckdb"
    shutil.copy(demo_db, path)
    with Store.open(path) as s:
        summary = services.run_import(
            s, "observations", [REAL / "bns_deaths" / "deaths_total_kaz_2000-2025.csv"]
        )
        assert summary.ok, summary.as_dict()
        s.notes = summary.notes  # type: ignore[attr-defined]
        yield s


def test_completeness_of_the_real_bns_deaths(bns_store: Store) -> None:
    f = flags_frame(bns_store, rule="completeness", areas=["KAZ"])
    bns = f[f["source"].str.startswith("BNS")]
    # 2000-2019 lie within 90-110% of UN WPP 2022 population x UN WPP 2024 rates; the pandemic
    # years are above, and said to be shock years (info); 2022-2025 have no population by age
    assert bns["period"].tolist() == ["2020", "2021"]
    assert bns["severity"].tolist() == ["info", "info"]
    assert "182,403" in bns["message"].iloc[1] and "130.1%" in bns["message"].iloc[1]
    assert "shock year" in bns["message"].iloc[1]
    notes = " ".join(bns_store.notes)  # type: ignore[attr-defined]
    assert "KAZ 2022 (BNS Kazakhstan: registered deaths (Taldau)): no population by age" in notes
    # UN WPP's own deaths are a model estimate, not a registration: never checked
    assert not f["source"].str.startswith("UN WPP").any()
    # the synthetic unit records were generated from the same rates: all within the range
    assert f[f["source"].str.contains("SYNTHETIC")].empty


def test_completeness_2021_recomputed_from_the_published_files(bns_store: Store) -> None:
    """The flagged 2021 value, recomputed from the bundled WPP files with pandas.

    expected = sum over the 21 population bands (WPP 2022, thousands) of P x mx, the 0-4 band
    split 1/5 to mx(0) and 4/5 to mx(1-4); the rates of 2021 (mid-year 2021.5) interpolated on
    the log scale between the 2015-2019 (mid 2017.5) and 2020-2024 (mid 2022.5) periods:
    ln m = 0.2 ln m(2015-2019) + 0.8 ln m(2020-2024). Completeness 182,403 / 140,238 = 130.1%.
    """
    mx = pd.read_csv(WPP_DEMO / "wpp2024_mx_5yr_age_by_sex_OTS_1950-2025.csv")
    mx = mx[(mx["iso3"] == "KAZ") & (mx["sex"] == "both")]
    mx = mx.assign(age=mx["age"].astype(str).str.rstrip("+").astype(int))
    a = mx[mx["period"] == "2015-2020"].set_index("age")["mx"]
    b = mx[mx["period"] == "2020-2025"].set_index("age")["mx"]
    rate = np.exp(0.2 * np.log(a) + 0.8 * np.log(b))
    pop = pd.read_csv(
        WPP_DEMO / "wpp2022_population_by_age_both_sexes_thousands_estimates_OTS.csv", dtype=str
    )
    row = pop[(pop["ISO3 Alpha-code"] == "KAZ") & (pop["Year"] == "2021")].iloc[0]
    p = {
        c: 1000 * float("".join(ch for ch in row[c] if ch.isdigit() or ch == "."))
        for c in pop.columns[11:]
    }
    expected = p["0-4"] * (rate[0] / 5 + 4 * rate[1] / 5) + sum(
        v * rate[int(band.rstrip("+").split("-")[0])] for band, v in list(p.items())[1:]
    )
    f = flags_frame(bns_store, rule="completeness", areas=["KAZ"])
    details = json.loads(f[f["period"] == "2021"]["details"].iloc[0])
    assert details["expected"] == pytest.approx(expected, rel=1e-9)
    assert details["registered"] == 182_403
    assert round(details["completeness_pct"], 1) == 130.1
    assert details["reference_period"] == "2015-2019 and 2020-2024 (interpolated)"


def test_related_indicators_must_keep_their_order(store: Store, tmp_path: Path) -> None:
    rows = [
        "nmr,KAZ,2019,9.0,total,S,",
        "imr,KAZ,2019,8.0,total,S,",  # neonatal above infant beyond 10%: both flagged
        "nmr,KAZ,2020,5.0,total,S,",
        "imr,KAZ,2020,8.0,total,S,",
        "le0,KAZ,2019,85.0,total,S,",
        "le60,KAZ,2019,20.0,total,S,",  # e0 85 > 60 + 20
    ]
    _import(store, tmp_path, rows)
    f = flags_frame(store, rule="related_indicators")
    got = sorted(zip(f["indicator"], f["period"], strict=True))
    assert got == [("imr", "2019"), ("le0", "2019"), ("le60", "2019"), ("nmr", "2019")]
    assert "nmr = 9.0 is above imr = 8.0" in f["message"].iloc[0]
    # a later import of one side replaces, not duplicates, the flags of both
    _import(store, tmp_path, ["imr,KAZ,2019,9.5,total,S,"], "imr.csv")
    f = flags_frame(store, rule="related_indicators")
    assert sorted(zip(f["indicator"], f["period"], strict=True)) == [
        ("le0", "2019"),
        ("le60", "2019"),
    ]


def test_consistency_over_time_for_counts(store: Store, tmp_path: Path) -> None:
    values = {2015: 1000.0, 2016: 1010.0, 2017: 990.0, 2018: 1400.0}  # 1.40 x the mean
    _import(store, tmp_path, _series("births", "KZ-75", values))
    f = flags_frame(store, rule="consistency_over_time")
    assert f["period"].tolist() == ["2018"] and f["severity"].tolist() == ["info"]
    assert "1.40 times the mean of 2015-2017" in f["message"].iloc[0]


def test_undo_gives_the_remaining_values_their_flags_back(store: Store, tmp_path: Path) -> None:
    from salamat.services.revisions import undo_import

    values = {y: 20.0 * 0.98 ** (y - 2010) for y in range(2010, 2019)}
    _import(store, tmp_path, _series("ncd30q70", "KAZ", values))
    jump = {2019: 30.0}
    _import(store, tmp_path, _series("ncd30q70", "KAZ", jump), "jump.csv")
    assert flags_frame(store, rule="yoy_outlier")["period"].tolist() == ["2019"]
    _import(store, tmp_path, ["ncd30q70,AZE,2019,21.0,total,S,"], "other.csv")
    last = int(store.con.execute("SELECT max(import_id) FROM import_log").fetchall()[0][0])
    undo_import(store, last)  # the flags recomputed by the undone import are not lost
    assert flags_frame(store, rule="yoy_outlier")["period"].tolist() == ["2019"]
    undo_import(store, last - 1)  # the jump goes, and its flag with it
    assert flags_frame(store, rule="yoy_outlier").empty
