"""Quality flags (salamat.store.quality, services.quality, ``salamat flags``): each rule on the
demo's real series and on constructed cases."""

from __future__ import annotations

import json
from pathlib import Path

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
    assert list(f.columns) == ["rule", "period", "year", "source", "severity", "message"]
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
