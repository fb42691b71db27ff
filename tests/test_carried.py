"""Flags carried to computed values (salamat.services.carried): compute, explain and
compute --save name the flagged inputs they used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salamat.cli.app import app
from salamat.services import compute as compute_svc
from salamat.services import imports as services
from salamat.store.connection import Store
from salamat.store.quality import flags_frame

runner = CliRunner()
MX_BANDS = ["0", "1-4", *[f"{a}-{a + 4}" for a in range(5, 85, 5)], "85+"]


def _records_store(path: Path, tmp_path: Path) -> None:
    """KZ-75 in 2021: 200 deaths, 50 of them ill-defined (R99: 25%, a serious flag), and a
    population of 100 at every single age 0-84 and 85+ of each sex."""
    pop = ["region,year,sex,age,population"]
    pop += [
        f"KZ-75,2021,{sex},{a if a < 85 else '85+'},100"
        for sex in ("female", "male")
        for a in range(86)
    ]
    (tmp_path / "pop.csv").write_text("\n".join(pop) + "\n")
    codes = ["R99"] * 50 + ["I21.9"] * 150
    deaths = ["id,sex,age,death_date,region,icd10"] + [
        f"D{i:04d},{'FM'[i % 2]},{50 + i % 40},2021-03-01,KZ-75,{c}" for i, c in enumerate(codes)
    ]
    (tmp_path / "deaths.csv").write_text("\n".join(deaths) + "\n")
    with Store.open(path) as s:
        assert services.run_import(s, "population", [tmp_path / "pop.csv"]).ok
        assert services.run_import(s, "deaths", [tmp_path / "deaths.csv"]).ok


def test_compute_names_the_flagged_death_records_it_used(db_path: Path, tmp_path: Path) -> None:
    _records_store(db_path, tmp_path)
    with Store.open(db_path, read_only=True) as s:
        df = compute_svc.compute(s, "le0", "KZ-75", source="records")
    flags = df["flags"].iloc[0]
    assert {f["code"] for f in flags} == {"ill_defined_share", "garbage_share"}
    ill = next(f for f in flags if f["code"] == "ill_defined_share")
    assert ill["input"] == "deaths of KZ-75 2021 (unit records)"
    assert ill["year"] == 2021 and ill["severity"] == "serious"
    assert ill["message"].startswith("ill-defined causes (ICD-10 R00-R99) are 25.0% of 200")
    # csv: one cell, every flag with its year, input and message
    res = runner.invoke(
        app, ["compute", "le0", "--area", "KZ-75", "--db", str(db_path), "--format", "csv"]
    )
    assert res.exit_code == 0, res.output
    assert "ill_defined_share 2021 (deaths of KZ-75 2021 (unit records)): ill-defined" in res.stdout


def test_compute_save_stores_the_input_flags(db_path: Path, tmp_path: Path) -> None:
    _records_store(db_path, tmp_path)
    args = ["compute", "le0", "--area", "KZ-75", "--db", str(db_path), "--save"]
    assert runner.invoke(app, args).exit_code == 0
    assert runner.invoke(app, args).exit_code == 0  # saved twice: replaced, not duplicated
    res = runner.invoke(
        app, ["flags", "--rule", "input_flag", "--db", str(db_path), "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    assert sorted(r["details"]["code"] for r in got) == ["garbage_share", "ill_defined_share"]
    assert all(r["indicator"] == "le0" and r["period"] == "2021" for r in got)
    ill = next(r for r in got if r["details"]["code"] == "ill_defined_share")
    assert ill["severity"] == "serious"
    assert ill["message"].startswith(
        "computed from a flagged input: deaths of KZ-75 2021 (unit records): ill_defined_share "
        "in 2021: ill-defined causes"
    )
    # the saved value's series shows the flag like any other
    res = runner.invoke(
        app, ["series", "le0", "--area", "KZ-75", "--db", str(db_path), "--format", "csv"]
    )
    assert "input_flag" in res.stdout


def test_the_explorer_marks_a_saved_value_computed_from_flagged_inputs(
    db_path: Path, tmp_path: Path
) -> None:
    """Chart point and table cell of the saved le0 carry the badge, the message in Russian."""
    import warnings

    from salamat.api.app import create_app

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from fastapi.testclient import TestClient

    _records_store(db_path, tmp_path)
    args = ["compute", "le0", "--area", "KZ-75", "--db", str(db_path), "--save"]
    assert runner.invoke(app, args).exit_code == 0
    with TestClient(create_app(db_path)) as client:
        page = client.get(
            "/explorer", params={"indicator": "le0", "area": "KZ-75", "lang": "ru"}
        ).text
    assert 'class="flag-badge"' in page
    assert (
        "рассчитано по исходным данным с отметкой: смерти в KZ-75 за 2021 (записи о смерти): "
        "ill_defined_share за 2021 г.: неточно обозначенные причины (МКБ-10 R00-R99) "
        "составляют 25,0% из 200 смертей в KZ-75 за 2021 г."
    ) in page.replace("&#34;", '"')
    assert "computed from a flagged input" not in page


def test_saved_input_flags_follow_the_inputs_flags(db_path: Path, tmp_path: Path) -> None:
    """A later import that unflags an input takes the saved value's input flags away (kept as
    a version); undoing it puts them back."""
    from salamat.services.revisions import undo_import

    _records_store(db_path, tmp_path)
    args = ["compute", "le0", "--area", "KZ-75", "--db", str(db_path), "--save"]
    assert runner.invoke(app, args).exit_code == 0

    def carried(s: Store) -> list[str]:
        f = flags_frame(s, rule="input_flag")
        return sorted(json.loads(d)["code"] for d in f["details"])

    # 800 more deaths of a well-defined cause: R99 falls to 5% of 1,000, no flag is left
    more = ["id,sex,age,death_date,region,icd10"] + [
        f"E{i:04d},{'FM'[i % 2]},{50 + i % 40},2021-06-01,KZ-75,I21.9" for i in range(800)
    ]
    (tmp_path / "more.csv").write_text("\n".join(more) + "\n")
    with Store.open(db_path) as s:
        before = s.con.execute("SELECT * FROM quality_flag ORDER BY ALL").fetchall()
        assert carried(s) == ["garbage_share", "ill_defined_share"]
        summary = services.run_import(s, "deaths", [tmp_path / "more.csv"])
        assert summary.ok and summary.import_id is not None
        assert flags_frame(s, rule="ill_defined_share").empty
        assert carried(s) == []  # no stale claim on the saved value
        kept = s.con.execute(
            "SELECT count(*) FROM quality_flag_version WHERE rule = 'input_flag' "
            "AND superseded_by = ?",
            [summary.import_id],
        ).fetchall()[0][0]
        assert kept == 2
        assert undo_import(s, summary.import_id).ok
        assert s.con.execute("SELECT * FROM quality_flag ORDER BY ALL").fetchall() == before


def test_life_expectancy_from_revised_death_rates(store: Store, tmp_path: Path) -> None:
    rates = {band: 0.001 * 1.09**k for k, band in enumerate(MX_BANDS)}
    header = "indicator,area,period,value,sex,age,source,note\n"
    rows = [f"mx,KAZ,2015-2019,{v},total,{b},UN WPP 2024," for b, v in rates.items()]
    (tmp_path / "mx.csv").write_text(header + "\n".join(rows) + "\n")
    assert services.run_import(store, "observations", [tmp_path / "mx.csv"]).ok
    rows[5] = rows[5].replace(f",{rates['20-24']},", f",{2 * rates['20-24']},")  # a revision
    (tmp_path / "mx2.csv").write_text(header + "\n".join(rows) + "\n")
    assert services.run_import(store, "observations", [tmp_path / "mx2.csv"]).ok
    assert flags_frame(store, rule="revision")["age"].tolist() == ["20-24"]
    df = compute_svc.compute_from_mx(store, "le0", "KAZ")
    flags = df["flags"].iloc[0]
    assert [(f["code"], f["input"]) for f in flags] == [
        ("revision", "UN WPP 2024 death rates (mx) of KAZ 2015-2019")
    ]
    assert flags[0]["severity"] == "warning"  # doubled: above 5%


@pytest.fixture(scope="module")
def demo(demo_db: Path) -> Path:
    return demo_db


def test_explain_carries_the_demo_records_and_published_flags(demo: Path) -> None:
    res = runner.invoke(
        app,
        [
            "explain",
            "le0",
            "--area",
            "KAZ",
            "--from",
            "2018",
            "--to",
            "2023",
            "--source",
            "synthetic",
            "--db",
            str(demo),
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    # the national records' own flags (injury deaths of unspecified intent, SYNTHETIC records)
    assert {f["input"] for f in payload["flags"]} <= {
        "deaths of KAZ 2018 (unit records)",
        "deaths of KAZ 2023 (unit records)",
    }
    assert payload["flags"] and payload["flags"][0]["code"] == "injury_unspecified_share"
    # the published 2023 value beside is the first of the BNS annual releases: a source break
    assert [(f["code"], f["year"]) for f in payload["published_flags"]] == [("source_break", 2023)]
