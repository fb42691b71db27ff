"""``salamat targets``, ``compute``, ``explain`` and ``indicators`` on the demo store.

The demo store (``demo_db``, built once per session in conftest) holds the BNS series to 2022,
the national published figures 2023-2024 and the bundled targets. Expected values are the
published figures themselves (exact) and the hand-worked ratios of test_targets (1e-2, as the
JSON rounds to 4 decimals).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salamat.cli.app import app
from salamat.services import targets as svc
from salamat.store.connection import Store

runner = CliRunner()


def run(*args: str) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return res.stdout


@pytest.fixture(scope="module")
def scorecard(demo_db: Path) -> dict[str, dict[str, object]]:
    out = run("targets", "--area", "KAZ", "--db", str(demo_db), "--format", "json")
    return {r["code"]: r for r in json.loads(out)}


def test_the_kazakhstan_scorecard_lists_every_shipped_target(scorecard) -> None:  # type: ignore[no-untyped-def]
    assert set(scorecard) >= {
        "kz_le0_75_2025_healthy_nation",
        "kz_le0_75_2027_eu_dialogue",
        "kz_le0_77_2029_ndp",
        "kz_medicines_50_2025",
        "kz_medicines_50_2029",
        "sdg_3_4_ncd30q70",
        "end_tb_incidence",
    }
    for r in scorecard.values():
        assert set(r) >= {
            "code",
            "indicator",
            "area",
            "baseline",
            "target",
            "latest",
            "status",
            "projection",
            "probability",
            "required_annual_change",
            "method",
        }
        assert r["area"] == "KAZ" and r["document"]


def test_life_expectancy_targets_use_the_national_series(scorecard) -> None:  # type: ignore[no-untyped-def]
    hn = scorecard["kz_le0_75_2025_healthy_nation"]
    assert hn["latest"]["year"] == 2024 and hn["latest"]["value"] == 75.44
    assert hn["latest"]["source"].startswith("BNS Kazakhstan")
    assert hn["baseline"] == {"year": 2020, "value": 71.37}  # BNS workbook
    assert hn["status"] == "achieved"
    ndp = scorecard["kz_le0_77_2029_ndp"]
    assert ndp["baseline"] == {"year": 2023, "value": 75.09}
    assert ndp["status"] == "on_track" and ndp["ratio"] == pytest.approx(1.11107, abs=1e-2)
    assert ndp["required_annual_change"] == pytest.approx(0.312, abs=1e-4)
    p = ndp["projection"]
    assert p["year"] == 2029 and p["lower"] < p["value"] < p["upper"]
    assert 0.0 <= ndp["probability"] <= 1.0


def test_sdg_and_end_tb_targets_for_kazakhstan(scorecard) -> None:  # type: ignore[no-untyped-def]
    ncd = scorecard["sdg_3_4_ncd30q70"]
    assert ncd["baseline"] == {"year": 2015, "value": 21.12}
    assert ncd["target"]["value"] == pytest.approx(14.08, abs=1e-4)
    assert ncd["status"] == "moving_away"
    assert ncd["latest"]["year"] == 2023 and ncd["latest"]["value"] == 24.81
    assert "SUSPECT" not in str(ncd["latest"]["note"])  # flagged by a rule, not by a note
    tb = scorecard["end_tb_incidence"]
    assert tb["baseline"] == {"year": 2015, "value": 78.0}
    assert tb["target"]["value"] == pytest.approx(15.6, abs=1e-9)
    assert tb["status"] == "off_track" and tb["ratio"] == pytest.approx(0.58278, abs=1e-3)


def test_medicines_targets_keep_their_definitions(scorecard) -> None:  # type: ignore[no-untyped-def]
    for code in ("kz_medicines_50_2025", "kz_medicines_50_2029"):
        r = scorecard[code]
        assert r["indicator"] == "domestic_medicines_share" and "VALUE" in r["note"]
        assert r["latest"] == {
            "year": 2024,
            "value": 15.1,
            "source": r["latest"]["source"],
            "note": r["latest"]["note"],
        }
        assert r["projection"] is None and "no projection" in r["reason"]
    volume = scorecard["kz_medicines_volume_50_2025"]
    assert volume["status"] == "insufficient_data" and "PHYSICAL" in volume["note"]


def test_table_and_csv_formats(demo_db: Path) -> None:
    table = run("targets", "--area", "KAZ", "--db", str(demo_db))
    for text in ("kz_le0_77_2029_ndp", "on track", "achieved", "moving away", "Eurostat"):
        assert text in table
    rows = list(
        csv.DictReader(
            io.StringIO(run("targets", "--area", "KAZ", "--db", str(demo_db), "--format", "csv"))
        )
    )
    assert {r["status"] for r in rows} >= {"achieved", "on_track", "off_track", "moving_away"}


def test_every_country_targets_for_a_group(demo_db: Path) -> None:
    out = json.loads(run("targets", "--area", "OTS", "--db", str(demo_db), "--format", "json"))
    tb = {r["area"]: r for r in out if r["code"] == "end_tb_incidence"}
    assert {"KAZ", "AZE", "KGZ", "TUR", "UZB"} <= set(tb)
    assert all(r["baseline"]["year"] == 2015 for r in tb.values())


def test_users_add_targets_from_a_csv(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.duckdb"
    db.write_bytes(demo_db.read_bytes())
    f = tmp_path / "mine.csv"
    f.write_text(
        "code,indicator,area,sex,baseline_year,baseline_value,target_year,target_value,"
        "target_change,direction,series_source,trend,document,document_date,source_url,note\n"
        "kz_tb_50_2028,tb_incidence,KAZ,total,2018,,2028,,-0.5,decrease,WHO Global Tuberculosis,"
        ",Regional TB plan (test),2024-01-01,,\n",
        encoding="utf-8",
    )
    res = runner.invoke(app, ["targets", "--add", str(f), "--db", str(db), "--format", "json"])
    assert res.exit_code == 0, res.output
    added = json.loads(res.stderr.strip().splitlines()[-1])
    with Store.open(db, read_only=True) as s:
        (logged,) = s.con.execute(
            "SELECT max(import_id) FROM import_log WHERE kind = 'targets'"
        ).fetchall()[0]
    assert added == {"created": 1, "updated": 0, "import_id": logged, "dry_run": False}
    assert isinstance(json.loads(res.stdout), list)  # stdout keeps the scorecard
    again = runner.invoke(app, ["targets", "--add", str(f), "--db", str(db)])
    assert "added 0 target(s), replaced 0; nothing changed, no import logged" in again.stderr
    defs = tmp_path / "defs.csv"
    defs.write_text(
        "code,name_en,unit,description,method,multiplier,trend,definition_source\n"
        "my_rate,My rate,per 1000,A new rate.,reported,1000,log_linear,MoH\n",
        encoding="utf-8",
    )
    res = runner.invoke(app, ["indicators", "--add", str(defs), "--db", str(db)])
    assert res.exit_code == 0, res.output
    with Store.open(db, read_only=True) as s:
        (defined,) = s.con.execute(
            "SELECT max(import_id) FROM import_log WHERE kind = 'indicators'"
        ).fetchall()[0]
    assert (
        f"added 1 indicator(s), replaced 0; import {defined} "
        f"(undo: salamat imports undo {defined})" in res.stderr
    )
    out = json.loads(run("targets", "--area", "KAZ", "--db", str(db), "--format", "json"))
    mine = next(r for r in out if r["code"] == "kz_tb_50_2028")
    assert mine["origin"] == "user" and mine["baseline"]["year"] == 2018
    assert mine["target"]["value"] == pytest.approx(mine["baseline"]["value"] * 0.5, abs=1e-4)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,indicator,area,baseline_year,target_year,direction,document\n"
        "x,nope,KAZ,2015,2010,up,\n",
        encoding="utf-8",
    )
    res = runner.invoke(app, ["targets", "--add", str(bad), "--db", str(db)])
    assert res.exit_code == 2
    for text in ("indicator", "direction", "document"):
        assert text in res.output
    with Store.open(db, read_only=True) as s:
        assert s.con.execute("SELECT count(*) FROM target WHERE code = 'x'").fetchall()[0][0] == 0


def test_compute_and_explain(demo_db: Path) -> None:
    db = ("--db", str(demo_db))
    rows = list(
        csv.DictReader(
            io.StringIO(
                run(
                    "compute",
                    "le0",
                    "--area",
                    "KAZ",
                    *db,
                    "--source",
                    "synthetic",
                    "--format",
                    "csv",
                )
            )
        )
    )
    assert [r["period"] for r in rows] == [str(y) for y in range(2018, 2024)]
    assert all(float(r["lower"]) < float(r["value"]) < float(r["upper"]) for r in rows)
    assert all(r["synthetic"] == "True" for r in rows)
    ex = json.loads(
        run(
            "explain",
            "le0",
            "--area",
            "KAZ",
            "--from",
            "2018",
            "--to",
            "2023",
            "--by",
            "cause",
            "--db",
            str(demo_db),
            "--format",
            "json",
        )
    )
    total = sum(r["total"] for r in ex["contributions"])
    assert total == pytest.approx(ex["difference"], abs=1e-9)
    wpp = json.loads(
        run(
            "explain",
            "le0",
            "--area",
            "KAZ",
            "--from",
            "2015",
            "--to",
            "2023",
            "--db",
            str(demo_db),
            "--format",
            "json",
        )
    )
    assert wpp["from"]["period"] == "2015-2019" and wpp["to"]["period"] == "2020-2024"
    assert "UN WPP 2024" in wpp["note"]
    assert sum(r["contribution"] for r in wpp["contributions"]) == pytest.approx(
        wpp["difference"], abs=1e-9
    )
    res = runner.invoke(
        app,
        [
            "explain",
            "le0",
            "--area",
            "KAZ",
            "--from",
            "2015",
            "--to",
            "2023",
            "--by",
            "cause",
            "--db",
            str(demo_db),
        ],
    )
    assert res.exit_code == 2 and "cause split needs deaths by cause" in res.output


def test_indicators_lists_the_catalogue(demo_db: Path) -> None:
    rows = json.loads(run("indicators", "--db", str(demo_db), "--format", "json"))
    codes = {r["code"] for r in rows}
    assert {"le0", "asdr_cancer", "domestic_medicines_share", "hpv_coverage"} <= codes


def test_le0_from_wpp_rates_sits_beside_wpp_published_e0(demo_db: Path) -> None:
    """Abridged tables from WPP's 5-year rates against WPP's own e0 (single-year tables).

    Tolerance 0.1 years: the gap of an abridged table (constant-rate ax from 85) to WPP's
    single-year tables. It was set after looking at 2015-2019 for Kazakhstan (0.054), so it is
    a regression bound, not a reference tolerance; every area, sex and period is checked.
    """
    from salamat.services import targets as svc

    with Store.open(demo_db, read_only=True) as s:
        for area in ("KAZ", "AZE", "KGZ", "TUR", "UZB", "HUN", "TKM", "WORLD"):
            for sex in ("total", "female", "male"):
                mine = svc.compute_from_mx(s, "le0", area, sex=sex).set_index("period")["value"]
                wpp = dict(
                    s.con.execute(
                        "SELECT period, value FROM observation WHERE indicator = 'le0' "
                        "AND area = ? AND sex = ? AND period_type = 'span' "
                        "AND source = 'UN WPP 2024'",
                        [area, sex],
                    ).fetchall()
                )
                shared = [p for p in mine.index if p in wpp]
                assert len(shared) == 14, (area, sex)
                for p in shared:
                    assert abs(mine[p] - wpp[p]) < 0.1, (area, sex, p, mine[p], wpp[p])
    out = run(
        "compute",
        "le0",
        "--area",
        "KAZ",
        "--from-mx",
        "UN WPP 2024",
        "--db",
        str(demo_db),
        "--format",
        "csv",
    )
    assert "Salamat (computed from UN WPP 2024 mx)" in out


# -- explanations that cannot mislead (issue 9, part 5) ---------------------------------------


def test_compute_uses_real_inputs_first(demo_db: Path) -> None:
    db = ("--db", str(demo_db))
    real = json.loads(
        run(
            "compute",
            "le0",
            "--area",
            "KAZ",
            "--from",
            "2015",
            "--to",
            "2023",
            *db,
            "--format",
            "json",
        )
    )
    # the demo's unit records are synthetic: the real WPP 2024 death rates are used instead
    assert [r["period"] for r in real] == ["2015-2019", "2020-2024"]
    assert all(r["synthetic"] is False for r in real)
    assert all(r["source"] == "Salamat (computed from UN WPP 2024 mx)" for r in real)
    assert real[0]["published_source"] == "UN WPP 2024" and real[0]["differs"] is False
    table = run("compute", "le0", "--area", "KAZ", "--from", "2015", *db)
    assert not table.startswith("SYNTHETIC")
    # a region: no real input covers it, so the synthetic records are used and say so first
    region = run("compute", "le0", "--area", "KZ-75", *db)
    assert region.startswith("SYNTHETIC")
    synth = json.loads(
        run("compute", "le0", "--area", "KAZ", "--source", "synthetic", *db, "--format", "json")
    )
    by_year = {r["period"]: r for r in synth}
    # the official 2023 figure (75.09, BNS) sits beside the synthetic value it differs from
    assert by_year["2023"]["published"] == 75.09 and by_year["2023"]["differs"] is True
    assert by_year["2023"]["published_source"].startswith("BNS Kazakhstan")
    shown = run("compute", "le0", "--area", "KAZ", "--source", "synthetic", *db)
    assert shown.startswith("SYNTHETIC") and "official 75.09" in shown


def test_explain_says_synthetic_first_and_shows_the_official_figures(demo_db: Path) -> None:
    db = ("--db", str(demo_db))
    args = ("explain", "le0", "--area", "KAZ", "--from", "2018", "--to", "2023", *db)
    # by age: the real WPP rates of the two five-year periods, not the synthetic records
    by_age = json.loads(run(*args, "--format", "json"))
    assert by_age["synthetic"] is False
    assert (by_age["from"]["period"], by_age["to"]["period"]) == ("2015-2019", "2020-2024")
    assert "are SYNTHETIC and are not used" in by_age["note"]
    assert "real UN WPP 2024" in by_age["note"] and "2015-2019 and 2020-2024" in by_age["note"]
    # beside them the official figures of the years asked (BNS: 73.15 in 2018, 75.09 in 2023):
    # the 2020-2024 period (72.87, with the pandemic years) is 2.2 years below 2023's 75.09
    pub = by_age["published"]
    assert (pub["from"], pub["to"]) == (73.15, 75.09)
    assert (pub["from_period"], pub["to_period"]) == ("2018", "2023")
    assert pub["differs"] is True and pub["source"].startswith("BNS Kazakhstan")
    shown = run(*args)
    assert "official 73.15 (2018) -> 75.09 (2023) (BNS Kazakhstan" in shown.replace("\n", " ")
    # by cause: only the synthetic records have causes; the output says so on its first line
    table = run(*args, "--by", "cause")
    first = table.splitlines()[0]
    assert first.startswith("SYNTHETIC")
    assert "official 73.15 -> 75.09 (BNS Kazakhstan" in table
    by_cause = json.loads(run(*args, "--by", "cause", "--format", "json"))
    assert by_cause["synthetic"] is True
    assert by_cause["published"]["from"] == 73.15 and by_cause["published"]["to"] == 75.09
    assert by_cause["published"]["differs"] is True
    asked = json.loads(run(*args, "--source", "synthetic", "--format", "json"))
    assert asked["synthetic"] is True and (asked["from"]["period"], asked["to"]["period"]) == (
        "2018",
        "2023",
    )
    rows = list(csv.DictReader(io.StringIO(run(*args, "--by", "cause", "--format", "csv"))))
    assert {r["synthetic"] for r in rows} == {"True"}


# -- one coherent model (issue 9, part 4) ----------------------------------------------------

COHERENT = {
    "on_track": lambda p: p >= 0.5,
    "off_track": lambda p: p <= 0.5,
    "moving_away": lambda p: p <= 0.5,
}


def _check_coherent(r: dict[str, object]) -> None:
    p = r["probability"]
    if p is not None and r["status"] in COHERENT:
        assert COHERENT[r["status"]](p), (r["code"], r["area"], r["status"], p)
    if r["status"] == "achieved":
        assert r["required_annual_change"] is None, r["code"]
    if r["status"] != r["status_by_pace"]:
        assert r["status"] == "needs_acceleration" and ", " in str(r["status_detail"])
    path = r["path"]
    if path:  # the projection starts from the latest observation, and ends at the projection
        assert path[0]["year"] == r["latest"]["year"]  # type: ignore[index]
        assert path[0]["value"] == r["latest"]["value"]  # type: ignore[index]
        assert path[-1]["value"] == r["projection"]["value"]  # type: ignore[index]
    assert r["window"]["to"] == r["latest"]["year"]  # type: ignore[index]
    proj, target = r["projection"], r["target"]
    if p is not None and proj is not None:
        # the projection is the forecast's median: it meets the target exactly when P >= 0.5
        value, goal = proj["value"], target["value"]  # type: ignore[index]
        meets = value >= goal if target["direction"] == "increase" else value <= goal  # type: ignore[index]
        assert meets == (p >= 0.5) or abs(p - 0.5) < 1e-3, (r["code"], r["area"], value, p)
        assert proj["lower"] <= value <= proj["upper"]  # type: ignore[index]
        assert "by trend" in str(r["status_detail"])
    fit = r["trend_fit"]
    if fit is not None and fit["excluded"]:  # type: ignore[index]
        # shock years left out are said: in the JSON (with the event) and in the reason
        assert [d["year"] for d in r["shock_years"]] == fit["excluded"]  # type: ignore[index, attr-defined]
        assert all(d["event"] for d in r["shock_years"])  # type: ignore[attr-defined]
        assert "shock year(s) " + ", ".join(map(str, fit["excluded"])) in str(r["reason"])  # type: ignore[index]


def test_every_bundled_target_status_agrees_with_its_probability(demo_db: Path) -> None:
    # the demo's whole scorecard: every target set for a named area and every country's
    # SDG / End TB targets
    out = json.loads(run("targets", "--db", str(demo_db), "--format", "json"))
    ots = json.loads(run("targets", "--area", "OTS", "--db", str(demo_db), "--format", "json"))
    assert len(out) >= 9 and len(ots) >= 10
    for r in out + ots:
        _check_coherent(r)


def test_75_by_2025_is_likely_kept_and_needs_no_change(scorecard) -> None:  # type: ignore[no-untyped-def]
    hn = scorecard["kz_le0_75_2025_healthy_nation"]
    assert hn["status"] == "achieved" and hn["required_annual_change"] is None
    assert hn["probability"] > 0.95
    assert hn["projection"]["value"] > 75.44  # from the latest value, on a rising trend
    assert "likely kept by 2025" in hn["status_detail"]
    assert hn["trend_fit"]["excluded"] == [2020, 2021]
    assert [d["year"] for d in hn["shock_years"]] == [2020, 2021]
    assert "COVID-19" in hn["shock_years"][0]["event"]
    assert hn["trend_fit"]["start"] == {"year": 2024, "value": 75.44}
    assert hn["window"] == {"from": 2015, "to": 2024}


def test_75_by_2027_cites_the_prime_minister_statement(scorecard) -> None:  # type: ignore[no-untyped-def]
    r = scorecard["kz_le0_75_2027_eu_dialogue"]
    assert r["document_date"] == "2022-12-08"
    assert r["source_url"].startswith("https://primeminister.kz/en/news/")
    assert "11th meeting of the Kazakhstan-EU dialogue platform" in r["document"]
    for rec in scorecard.values():
        assert "SOURCE TO VERIFY" not in json.dumps(rec)


def _flags(rule: str, year: int, severity: str):  # type: ignore[no-untyped-def]
    import pandas as pd

    def provider(store: Store, indicator: str, area: str, sex: str) -> pd.DataFrame:
        rows = []
        if indicator == "ncd30q70" and area == "KAZ":
            rows.append(
                {
                    "rule": rule,
                    "period": str(year),
                    "year": year,
                    "source": None,
                    "severity": severity,
                    "message": "16.63 -> 24.81: modified z 10.1 > 3.5",
                }
            )
        return pd.DataFrame(rows, columns=list(svc.FLAG_COLUMNS))

    return provider


def test_a_judgement_on_a_flagged_value_says_so(demo_db: Path) -> None:
    with Store.open(demo_db, read_only=True) as store:
        plain = {r["code"]: r for r in svc.scorecard(store, "KAZ")}
        flagged = {
            r["code"]: r
            for r in svc.scorecard(store, "KAZ", flags=_flags("yoy_outlier", 2023, "warning"))
        }
        info = {r["code"]: r for r in svc.scorecard(store, "KAZ", flags=_flags("x", 2023, "info"))}
    ncd = flagged["sdg_3_4_ncd30q70"]
    assert ncd["flags"] == [
        {
            "code": "yoy_outlier",
            "year": 2023,
            "severity": "warning",
            "message": "16.63 -> 24.81: modified z 10.1 > 3.5",
            "on": "value",
        }
    ]
    assert ncd["status"] == plain["sdg_3_4_ncd30q70"]["status"]  # the shown status is unchanged
    # without 2023 the latest is 16.63 (2022), down from 21.12: not moving away
    assert ncd["status_without_flagged"] in ("on_track", "needs_acceleration")
    assert "by pace" in ncd["status_without_flagged_detail"]
    assert info["sdg_3_4_ncd30q70"]["flags"] == []
    assert info["sdg_3_4_ncd30q70"]["status_without_flagged"] is None
    assert flagged["kz_le0_77_2029_ndp"]["flags"] == []
    # with the store's own flags (salamat.store.quality): the rule flags the 2023 30q70, and
    # the 2023 baseline of "77 by 2029" is the first value of a new source (BNS release after
    # the BNS regional workbook): a flag on the series, listed, that leaves no value out
    real = plain["sdg_3_4_ncd30q70"]
    assert [(f["code"], f["year"]) for f in real["flags"]] == [("yoy_outlier", 2023)]
    assert real["flags"][0]["message"].startswith("24.81 in 2023 after 16.63 in 2022")
    assert real["status_without_flagged"] == ncd["status_without_flagged"]
    assert real["flags"][0]["on"] == "value" and real["pace_across_source_break"] == []
    ndp = plain["kz_le0_77_2029_ndp"]
    assert [(f["code"], f["year"], f["on"]) for f in ndp["flags"]] == [
        ("source_break", 2023, "series")
    ]
    # leaving out the baseline would leave one value, "insufficient data": no answer to a break
    assert ndp["status_without_flagged"] is None
    # baseline 2023 is the break itself: pace 2023 -> 2024 is within the new source
    assert ndp["pace_across_source_break"] == []
    # "75 by 2025": baseline 2020 (BNS regional workbook), latest 2024 (BNS release)
    le75 = plain["kz_le0_75_2025_healthy_nation"]
    assert le75["pace_across_source_break"] == [2023]
    assert le75["status_without_flagged"] is None


def test_a_source_the_series_does_not_use_makes_no_break(demo_db: Path, tmp_path: Path) -> None:
    # OWID's one-year map download (KAZ le0 2022 = WPP's 73.5028) beside the BNS series: the
    # break rule also flags "Our World in Data until 2022, BNS from 2023", but the scorecard's
    # series reads BNS in 2022, so that flag is not about it and the break year is listed once
    import shutil

    db = tmp_path / "store.duckdb"
    shutil.copy(demo_db, db)
    owid = Path(__file__).parent / "data" / "real" / "owid"
    run(
        "import",
        "owid",
        str(owid / "life-expectancy_filtered-download_2022_trimmed.csv"),
        "--db",
        str(db),
    )
    with Store.open(db, read_only=True) as store:
        breaks = store.con.execute(
            "SELECT count(*) FROM quality_flag WHERE rule = 'source_break' AND indicator = 'le0' "
            "AND area = 'KAZ' AND sex = 'total' AND period = '2023'"
        ).fetchone()
    assert breaks == (2,)  # the rule's two flags are both stored and listed by `salamat flags`
    cards = {
        r["code"]: r
        for r in json.loads(run("targets", "--area", "KAZ", "--db", str(db), "--format", "json"))
    }
    le75 = cards["kz_le0_75_2025_healthy_nation"]
    assert le75["pace_across_source_break"] == [2023]
    messages = [f["message"] for f in le75["flags"] if f["code"] == "source_break"]
    assert (
        len(messages) == 1 and "BNS Kazakhstan: life expectancy at birth by region" in messages[0]
    )


def test_an_interval_never_leaves_the_indicators_range(scorecard) -> None:  # type: ignore[no-untyped-def]
    # 30q70 (a probability in percent) is projected on the logit scale between its hard
    # bounds 0 and 100: the interval stays strictly inside with no cap (a log-linear trend put
    # its upper limit at about 121 and had to be capped)
    for r in scorecard.values():
        p = r["projection"]
        if p is not None and r["indicator"] in ("ncd30q70", "domestic_medicines_share", "che_gdp"):
            assert 0.0 <= p["lower"] <= p["upper"] <= 100.0
    ncd = scorecard["sdg_3_4_ncd30q70"]
    assert ncd["projection"]["model"] == ncd["trend_fit"]["model"] == "logit"
    assert "capped" not in ncd["projection"]
    assert "shown as 100" not in ncd["reason"]
    assert all(0.0 < q["lower"] <= q["value"] <= q["upper"] < 100.0 for q in ncd["path"])


def test_flags_with_a_missing_year_are_not_judged(demo_db: Path) -> None:
    import pandas as pd

    def provider(store: Store, indicator: str, area: str, sex: str) -> pd.DataFrame:
        frame = pd.DataFrame(
            [
                ["source_break", "2023", 2023, None, "warning", "new source"],
                ["revision", "x", None, None, "warning", "no year"],
            ],
            columns=list(svc.FLAG_COLUMNS),
        )
        frame["year"] = frame["year"].astype("Int64")  # as the store returns it
        return frame if indicator == "le0" else frame.iloc[0:0]

    with Store.open(demo_db, read_only=True) as store:
        board = {r["code"]: r for r in svc.scorecard(store, "KAZ", flags=provider)}
    ndp = board["kz_le0_77_2029_ndp"]
    assert [f["code"] for f in ndp["flags"]] == ["source_break"]
    assert ndp["status_without_flagged"] is None  # a flag on the series leaves nothing out
