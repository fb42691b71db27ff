"""The demo store: real series on the right units, synthetic records labelled, rebuilt safely."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import DATA
from salamat.cli.app import app
from salamat.store.connection import Store

runner = CliRunner()

WPP_E0 = (
    Path(__file__).parents[1] / "src/salamat/data/demo/un_wpp/wpp2024_e0_by_sex_OTS_1950-2023.csv"
)


def series(db: Path, *args: str) -> list[dict[str, str]]:
    res = runner.invoke(app, ["series", *args, "--db", str(db), "--format", "csv"])
    assert res.exit_code == 0, res.output
    return list(csv.DictReader(io.StringIO(res.stdout)))


def test_series_le0_kaz_prints_wpp_2024(demo_db: Path) -> None:
    rows = [r for r in series(demo_db, "le0", "--area", "KAZ") if r["source"] == "UN WPP 2024"]
    annual = {r["period"]: float(r["value"]) for r in rows if "-" not in r["period"]}
    with open(WPP_E0, encoding="utf-8") as fh:
        published = {
            r["year"]: float(r["e0"])
            for r in csv.DictReader(fh)
            if r["iso3"] == "KAZ" and r["sex"] == "both"
        }
    assert annual == published
    assert len(annual) == 74  # 1950-2023
    assert {r["unit"] for r in rows} == {"years"}


def test_regional_series_never_cross_a_border_change(demo_db: Path) -> None:
    def years(area: str) -> list[int]:
        return sorted(
            {int(r["period"]) for r in series(demo_db, "le0", "--area", area, "--sex", "all")}
        )

    assert years("KZ-ONT") == list(range(1999, 2017))
    assert years("KZ-61") == list(range(2017, 2023))  # Turkistan: from 2017 in the workbook
    assert years("KZ-79") == list(range(2017, 2023))
    assert years("KZ-ALM") == list(range(1999, 2022))
    assert years("KZ-19") == [2022]
    assert years("KZ-10") == [2022]
    assert years("KZ-75") == list(range(1999, 2023))
    # the Turkistan row of the workbook, 2016, is South Kazakhstan's value
    ont = {r["period"]: r["value"] for r in series(demo_db, "le0", "--area", "KZ-ONT")}
    assert ont["2016"] == "72.58"
    # physicians: the workbook's Turkistan row means South Kazakhstan up to 2017
    phys = series(demo_db, "physicians", "--area", "KZ-ONT")
    assert max(int(r["period"]) for r in phys) == 2017
    assert [int(r["period"]) for r in series(demo_db, "physicians", "--area", "KZ-61")] == list(
        range(2018, 2023)
    )


def test_synthetic_records_are_labelled(demo_db: Path) -> None:
    with Store.open(demo_db, read_only=True) as s:
        sources = {
            r[0]
            for r in s.con.execute(
                "SELECT DISTINCT s.source FROM death_record r JOIN death_record_source s USING (import_id)"
            ).fetchall()
        }
        pops = {r[0] for r in s.con.execute("SELECT DISTINCT source FROM population").fetchall()}
        n = s.con.execute("SELECT sum(deaths) FROM deaths WHERE cause = 'all'").fetchall()[0][0]
    assert len(sources) == 1 and next(iter(sources)).startswith("SYNTHETIC")
    assert len(pops) == 1 and next(iter(pops)).startswith("SYNTHETIC")
    # calibrated on real rates: Kazakhstan registers roughly 130-190 thousand deaths a year
    assert 6 * 120_000 < n < 6 * 200_000


def test_the_seven_countries_and_owid_series(demo_db: Path) -> None:
    ots = series(demo_db, "le0", "--area", "OTS", "--from", "2023", "--source", "UN WPP 2024")
    assert sorted(r["area"] for r in ots) == ["AZE", "HUN", "KAZ", "KGZ", "TKM", "TUR", "UZB"]
    tb = series(demo_db, "tb_incidence", "--area", "KAZ")
    owid = [r for r in tb if "Our World in Data" in r["source"]]
    assert owid and {r["unit"] for r in owid} == {"per 100,000 population"}
    assert series(demo_db, "che_gdp", "--area", "KAZ")


def test_demo_twice_changes_nothing(demo_db: Path, tmp_path: Path) -> None:
    """The demo again over a built demo store: nothing created or updated; the progress is one
    bar (on the terminal) and the result one line, not a summary per import."""
    db = tmp_path / "d.duckdb"
    shutil.copy(demo_db, db)
    assert not Path(f"{demo_db}.wal").exists()  # the session's store was closed and checkpointed
    again = runner.invoke(app, ["demo", "--db", str(db)])
    assert again.exit_code == 0, again.output
    assert "Import summary" not in again.stdout
    ready = [line for line in again.stdout.splitlines() if line.startswith("Demo store ready")]
    assert len(ready) == 1, again.stdout
    assert "9 imports" in ready[0] and "0 created, 0 updated" in ready[0], ready[0]


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_info(demo_db: Path, fmt: str) -> None:
    res = runner.invoke(app, ["info", "--db", str(demo_db), "--format", fmt])
    assert res.exit_code == 0, res.output
    assert "observations" in res.stdout


def test_cli_import_exit_codes_and_json_summary(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    ok = runner.invoke(
        app, ["import", "deaths", str(DATA / "deaths_sample.csv"), "--db", db, "--format", "json"]
    )
    assert ok.exit_code == 0, ok.output
    assert '"created": 14' in ok.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("indicator,area,period,value,source\nle0,XYZ,2020,70,S\n")
    res = runner.invoke(app, ["import", "observations", str(bad), "--db", db])
    assert res.exit_code == 1
    assert "row 2" in res.stdout and "area" in res.stdout
    res = runner.invoke(app, ["series", "le0", "--area", "NOWHERE", "--db", db])
    assert res.exit_code == 2 and "unknown area" in res.output
    res = runner.invoke(app, ["series", "le0", "--area", "KAZ", "--db", str(tmp_path / "no.db")])
    assert res.exit_code == 3 and "no store" in res.output


def test_info_prints_years_and_an_ended_unit_with_its_successors(demo_db: Path) -> None:
    res = runner.invoke(app, ["info", "--db", str(demo_db)])
    assert res.exit_code == 0, res.output
    assert "00:00:00" not in res.stdout and "NaT" not in res.stdout
    assert " 1950 " in res.stdout  # WPP from 1950, printed as a year
    res = runner.invoke(app, ["info", "--areas", "KZ-ONT", "--db", str(demo_db), "--format", "csv"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [(r["code"], r["role"]) for r in rows] == [
        ("KZ-ONT", "itself"),
        ("KZ-61", "successor"),
        ("KZ-79", "successor"),
    ]
    assert rows[0]["valid_to"] == "2017-12-31" and rows[0]["became"] == "KZ-61 KZ-79"


def test_unknown_codes_get_a_did_you_mean(demo_db: Path) -> None:
    res = runner.invoke(app, ["series", "LE0", "--area", "KAZ", "--db", str(demo_db)])
    assert res.exit_code == 2
    text = " ".join(res.output.split())
    assert "did you mean le0 (Life expectancy at birth)" in text
    assert "asdr_tuberculosis" not in text  # not the whole catalogue
    res = runner.invoke(app, ["series", "le0", "--area", "Almaty", "--db", str(demo_db)])
    assert res.exit_code == 2
    assert "did you mean KZ-75 (Almaty), KZ-19 (Almaty Region)" in " ".join(res.output.split())
    res = runner.invoke(app, ["series", "le0", "--area", "Алматы", "--db", str(demo_db)])
    assert "KZ-75" in res.output  # names in Kazakh and Russian too


def test_series_of_an_ended_unit_points_to_its_successors(demo_db: Path) -> None:
    res = runner.invoke(
        app, ["series", "le0", "--area", "KZ-ONT", "--from", "2019", "--db", str(demo_db)]
    )
    text = " ".join(res.output.split())
    assert "no values of le0 for KZ-ONT" in text
    assert "ended on 2017-12-31" in text and "KZ-61 (Turkistan Region)" in text


def test_synthetic_records_ids_and_completed_years() -> None:
    """The generator's vectorised helpers: ids zero-padded, completed years as on a calendar
    (birthday not yet reached, 29 February, before 1970)."""
    import numpy as np

    from salamat.demo.synthetic import _completed_years, _record_ids

    assert list(_record_ids(3)) == ["SYN-00000001", "SYN-00000002", "SYN-00000003"]
    pairs = [
        ("1950-06-15", "2020-06-14", 69),
        ("1950-06-15", "2020-06-15", 70),
        ("1960-02-29", "2021-02-28", 60),
        ("1960-02-29", "2021-03-01", 61),
        ("1969-12-31", "1970-01-01", 0),
        ("1923-01-01", "2023-12-31", 100),
    ]
    birth = np.array([p[0] for p in pairs], dtype="datetime64[D]")
    death = np.array([p[1] for p in pairs], dtype="datetime64[D]")
    assert list(_completed_years(birth, death)) == [p[2] for p in pairs]


WPP_INTERVALS = WPP_E0.parent / "wpp2024_e0_probabilistic_OTS_2024-2050.csv"
OTS7 = ["AZE", "HUN", "KAZ", "KGZ", "TKM", "TUR", "UZB"]


def test_wpp_probabilistic_projections_carry_their_95_intervals(demo_db: Path) -> None:
    """Every OTS country's le0 projection to 2050 has lower < median < upper, as the file says;
    Kazakhstan 2030 (both sexes) is the published 75.3566 [72.185, 78.277] (hand-checked against
    PPgp/wpp2024 data-raw/e0Bproj.txt, e0Bproj95l.txt, e0Bproj95u.txt)."""
    from salamat.demo.wpp_intervals import SOURCE

    rows = [
        r for r in series(demo_db, "le0", "--area", "OTS", "--sex", "all") if r["source"] == SOURCE
    ]
    with open(WPP_INTERVALS, encoding="utf-8") as fh:
        published = list(csv.DictReader(fh))
    assert len(rows) == len(published)
    assert sorted({r["area"] for r in rows}) == OTS7
    assert {int(r["period"]) for r in rows} == set(range(2024, 2051))
    assert all(float(r["lower"]) < float(r["value"]) < float(r["upper"]) for r in rows)
    sex = {"both": "total", "female": "female", "male": "male"}
    stored = {(r["area"], r["sex"], r["period"]): r for r in rows}
    for p in published:
        r = stored[(p["iso3"], sex[p["sex"]], p["year"])]
        assert (float(r["value"]), float(r["lower"]), float(r["upper"])) == (
            float(p["median"]),
            float(p["lower95"]),
            float(p["upper95"]),
        )
        assert f"80% prediction interval {p['lower80']}-{p['upper80']}" in r["note"]
    # projections are not observations: no source break at the jump-off (2023 -> 2024), no
    # peer or year-on-year flag over the projection years
    flags = runner.invoke(
        app, ["flags", "--db", str(demo_db), "--indicator", "le0", "--format", "csv"]
    )
    assert flags.exit_code == 0, flags.output
    assert SOURCE not in flags.stdout
    kaz = stored[("KAZ", "total", "2030")]
    assert (kaz["value"], kaz["lower"], kaz["upper"]) == ("75.3566", "72.185", "78.277")
    assert "95% prediction interval" in kaz["note"]


def test_projections_leave_targets_and_compare_unchanged(demo_db: Path, tmp_path: Path) -> None:
    """The target scorecard is the same, JSON for JSON, with and without the projections (they
    are undone on a copy of the demo store); Compare never picks the projection source."""
    from salamat.demo.wpp_intervals import SOURCE
    from salamat.services.web import compare

    def scorecard(db: Path) -> object:
        res = runner.invoke(app, ["targets", "--db", str(db), "--format", "json"])
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)

    with_projections = scorecard(demo_db)
    db = tmp_path / "d.duckdb"
    shutil.copy(demo_db, db)
    log = runner.invoke(app, ["imports", "--db", str(db), "--format", "json"])
    assert log.exit_code == 0, log.output
    (import_id,) = [r["id"] for r in json.loads(log.stdout) if "probabilistic" in str(r["files"])]
    undone = runner.invoke(app, ["imports", "--db", str(db), "undo", str(import_id)])
    assert undone.exit_code == 0, undone.output
    assert scorecard(db) == with_projections
    with Store.open(demo_db, read_only=True) as s:
        data = compare(s, "le0", "OTS")
        assert data["source"] == "UN WPP 2024"
        assert {r["year"] for r in data["latest"]} == {2023}
        assert compare(s, "le0", "OTS", source=SOURCE)["latest"][0]["year"] == 2050
