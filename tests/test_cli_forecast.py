"""``salamat forecast`` on the demo store, and on real HMD rates imported into a copy of it.

The demo's unit records are SYNTHETIC (labelled); the HMD file is the real United Kingdom
death-rate file (tests/data/real/hmd, PROVENANCE there), trimmed in a temporary copy to
1990-2016 so the import stays small.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import DATA
from salamat.cli.app import app

runner = CliRunner()
KEYS = {"year", "value", "lower", "upper", "method", "fitted_from", "fitted_to", "level"}


def run(*args: str, code: int = 0) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == code, res.output
    return res.stdout if code == 0 else res.output


def test_rwd_forecast_of_life_expectancy_from_the_published_series(demo_db: Path) -> None:
    rows = json.loads(
        run(
            "forecast",
            "le0",
            "--area",
            "KAZ",
            "--until",
            "2030",
            "--db",
            str(demo_db),
            "--format",
            "json",
        )
    )
    assert set(rows[0]) >= KEYS
    assert [r["year"] for r in rows] == list(range(2025, 2031))
    first = rows[0]
    # BNS 1999-2024 (the national release gives 2023-2024), COVID years out of the drift
    assert (first["method"], first["fitted_from"], first["fitted_to"]) == ("rwd", 1999, 2024)
    assert first["level"] == 0.95 and first["source"].startswith("BNS")
    assert not first["synthetic"]
    widths = [r["upper"] - r["lower"] for r in rows]
    assert widths == sorted(widths) and widths[0] < widths[-1]
    assert all(r["lower"] < r["value"] < r["upper"] for r in rows)
    # the demo also holds WPP's probabilistic projections to 2050: never fitted on
    wpp = json.loads(
        run(
            "forecast",
            "le0",
            "--area",
            "KAZ",
            "--until",
            "2030",
            "--source",
            "UN WPP",
            "--db",
            str(demo_db),
            "--format",
            "json",
        )
    )
    assert wpp[0]["fitted_to"] == 2023 and wpp[0]["source"] == "UN WPP 2024"
    out = run(
        "forecast",
        "le0",
        "--area",
        "KAZ",
        "--until",
        "2060",
        "--source",
        "WPP 2024 probabilistic",
        "--db",
        str(demo_db),
        code=2,
    )
    assert "no annual values of le0" in " ".join(out.split())


def test_lee_carter_on_synthetic_records_says_so(demo_db: Path) -> None:
    text = run(
        "forecast",
        "ncd30q70",
        "--area",
        "KAZ",
        "--until",
        "2026",
        "--method",
        "lee-carter",
        "--db",
        str(demo_db),
        "--paths",
        "200",
    )
    assert "SYNTHETIC" in text.splitlines()[0]
    assert "fitted deaths equal observed deaths" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("tb_incidence", "--method", "lee-carter"), "cannot be derived from forecast death"),
        (("le0", "--method", "lee-carter"), "no k(t) gives the observed deaths"),
        # the SYNTHETIC records' old-age rates rose while the rest fell: the ages are named
        (("le0", "--method", "lee-carter"), "b(x) is below zero at age(s) 65, 70, 75, 80, 85"),
        (("le0", "--method", "lee-miller"), "no k(t) reproduces the observed life expectancy"),
        (("le0", "--method", "lee-miller"), "b(x) is below zero at age(s) 65"),
        (("le0", "--until", "2020"), "expected a year after the last fitted year"),
        (("le0", "--from", "2023"), "at least 3"),
        (("le0", "--source", "nobody"), "no annual values of le0"),
        (("le0", "--level", "120"), "--level 120"),
        (("nosuch",), "unknown indicator"),
        (("ncd30q70", "--method", "lee-miller"), "from age 30) cannot give"),
    ],
)
def test_clear_errors_never_a_traceback(demo_db: Path, args: tuple[str, ...], message: str) -> None:
    extra = () if "--until" in args else ("--until", "2030")
    out = run("forecast", *args, "--area", "KAZ", *extra, "--db", str(demo_db), code=2)
    assert message in " ".join(out.split())
    assert "Traceback" not in out


@pytest.fixture(scope="module")
def hmd_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("hmd")
    db = tmp / "store.duckdb"
    shutil.copyfile(demo_db, db)
    with gzip.open(DATA / "real" / "hmd" / "GBR_NP.Mx_1x1.txt.gz", "rt") as fh:
        lines = fh.read().splitlines()
    keep = lines[:3] + [x for x in lines[3:] if 1990 <= int(x.split()[0]) <= 2016]
    path = tmp / "GBR_NP.Mx_1x1.txt"
    path.write_text("\n".join(keep) + "\n", encoding="utf-8")
    run("import", "hmd", str(path), "--db", str(db))
    return db


def test_lee_miller_on_real_hmd_rates(hmd_db: Path) -> None:
    rows = json.loads(
        run(
            "forecast",
            "le0",
            "--area",
            "GBR",
            "--sex",
            "female",
            "--method",
            "lee-miller",
            "--until",
            "2026",
            "--level",
            "80",
            "--paths",
            "400",
            "--db",
            str(hmd_db),
            "--format",
            "json",
        )
    )
    first = rows[0]
    assert (first["method"], first["fitted_from"], first["fitted_to"]) == ("lee-miller", 1990, 2016)
    assert first["level"] == 0.8 and first["source"] == "HMD death rates"
    # HMD's published female e0 for 2016 is 82.84 (tests/data/real/README.md); the first
    # forecast year starts from the observed 2016 rates, a little above it
    assert 82.8 < first["value"] < 83.3
    assert all(r["lower"] < r["value"] < r["upper"] for r in rows)
    assert "ages above 100 left out" in first["description"]
    csv_text = run(
        "forecast",
        "le0",
        "--area",
        "GBR",
        "--sex",
        "female",
        "--method",
        "lee-carter",
        "--until",
        "2020",
        "--paths",
        "200",
        "--db",
        str(hmd_db),
        "--format",
        "csv",
    )
    assert csv_text.splitlines()[0].startswith("year,value,lower,upper,method,fitted_from")
    assert "k(t) from the SVD (no second stage)" in csv_text


# -- salamat scenario ---------------------------------------------------------------------------


def test_scenario_path_and_solve_on_synthetic_records(demo_db: Path) -> None:
    db = ("--db", str(demo_db), "--paths", "200")
    rows = json.loads(
        run(
            "scenario",
            "le0",
            "--area",
            "KAZ",
            "--cause",
            "circulatory",
            "--change",
            "-3",
            "--per-year",
            "--until",
            "2030",
            "--target",
            "77",
            *db,
            "--format",
            "json",
        )
    )
    assert [r["year"] for r in rows] == list(range(2024, 2031))
    first, last = rows[0], rows[-1]
    assert set(first) >= {"year", "value", "lower", "upper", "baseline", "reached"}
    assert first["synthetic"] and first["change_per_year"] == -0.03
    assert first["baseline"] < first["value"] < last["value"]
    assert last["upper"] - last["lower"] > first["upper"] - first["lower"]
    assert last["reached"] is None  # 77 is out of reach of circulatory alone by 2030
    # the same fall given as a total by 2030: (0.97)^7 - 1
    total = json.loads(
        run(
            "scenario",
            "le0",
            "--area",
            "KAZ",
            "--cause",
            "circulatory",
            "--change",
            str((0.97**7 - 1) * 100),
            "--until",
            "2030",
            *db,
            "--format",
            "json",
        )
    )
    assert total[-1]["value"] == pytest.approx(last["value"], abs=1e-9)
    solved = json.loads(
        run(
            "scenario",
            "le0",
            "--area",
            "KAZ",
            "--cause",
            "circulatory",
            "--solve",
            "--target",
            "73.5",
            "--until",
            "2029",
            "--db",
            str(demo_db),
            "--format",
            "json",
        )
    )
    assert -0.2 < solved["change_per_year"] < 0 and solved["synthetic"]
    text = run(
        "scenario",
        "le0",
        "--area",
        "KAZ",
        "--cause",
        "circulatory",
        "--solve",
        "--target",
        "73.5",
        "--until",
        "2029",
        "--db",
        str(demo_db),
    )
    assert text.startswith("SYNTHETIC") and "a year" in text


def test_scenario_at_some_ages_and_its_published_starting_point(demo_db: Path) -> None:
    """``--ages 30-69`` changes the cause there only: a smaller gain than at every age, the
    same baseline; a range covering every age is no range; the answer names the published
    value of the base year beside the records' own (75.09, BNS, in the demo store for 2023)."""
    args = ("scenario", "le0", "--area", "KAZ", "--cause", "circulatory", "--until", "2030")
    db = ("--db", str(demo_db), "--paths", "200", "--format", "json")

    def rows(*more: str) -> list[dict[str, object]]:
        return json.loads(run(*args, "--change", "-3", "--per-year", *more, *db))  # type: ignore[no-any-return]

    every, band = rows(), rows("--ages", "30-69")
    whole = rows("--ages", "0-29,30-69", "--ages", "70+")
    assert [r["value"] for r in whole] == [r["value"] for r in every]
    assert [r["upper"] for r in whole] == [r["upper"] for r in every]
    assert band[-1]["baseline"] == every[-1]["baseline"]
    assert band[-1]["baseline"] < band[-1]["value"] < every[-1]["value"]  # type: ignore[operator]
    assert band[0]["ages"] == "30-69" and every[0]["ages"] == "all"
    assert "at ages 30-69" in str(band[0]["method"])
    first = every[0]
    assert first["published_value"] == 75.09
    assert str(first["published_source"]).startswith("BNS Kazakhstan")
    assert "not from the published 75.09" in str(first["start_note"])
    text = " ".join(run(*args, "--change", "-3", "--per-year", "--ages", "30-69", *db[:4]).split())
    assert "circulatory at ages 30-69 -3.00% a year" in text
    table = " ".join(run(*args, "--change", "-3", "--per-year", *db[:4]).split())
    assert "circulatory at all ages -3.00% a year" in table  # the title names the ages always
    assert "start: the scenario starts from 72.41, the le0 of the life table of SYNTHETIC" in text
    assert "not from the published 75.09 (BNS Kazakhstan" in text
    solved = json.loads(
        run(*args[:-2], "--solve", "--target", "73", "--until", "2029", "--ages", "30-69", *db)
    )
    plain = json.loads(run(*args[:-2], "--solve", "--target", "73", "--until", "2029", *db))
    assert solved["change_per_year"] < plain["change_per_year"] < 0  # fewer ages: steeper
    assert solved["ages"] == "30-69" and solved["published_value"] == 75.09
    out = run(*args, "--change", "-3", "--ages", "32-69", "--db", str(demo_db), code=2)
    assert "--ages: age range '32-69'" in out and "Traceback" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("tb_incidence", "--cause", "circulatory", "--change", "-3"), "life expectancy"),
        (("le0", "--cause", "circulatory", "--solve"), "--solve needs --target"),
        (("le0", "--cause", "all", "--change", "-3"), "not all"),
        (("le0", "--cause", "ncd4", "--cause", "cancer", "--change", "-3"), "either ncd4"),
        (("le0", "--cause", "nosuch", "--change", "-3"), "no deaths from it"),
        (("le0", "--cause", "circulatory", "--solve", "--target", "99"), "eliminated"),
    ],
)
def test_scenario_errors_are_clear(demo_db: Path, args: tuple[str, ...], message: str) -> None:
    out = run("scenario", *args, "--area", "KAZ", "--until", "2029", "--db", str(demo_db), code=2)
    assert message in " ".join(out.split()) and "Traceback" not in out


@pytest.fixture(scope="module")
def rates_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """A copy of the demo store with death rates by age for all causes and circulatory imported
    as observations of ``mx`` (``salamat import observations``): the KAZ records' own rates
    (deaths / exposures, 2018-2023, written with every digit) for KAZ under a second source and
    for KGZ (no unit records there), so the results can be checked against the records'."""
    import pandas as pd

    from salamat.services import scenario as svc
    from salamat.store.connection import Store

    with Store.open(demo_db, read_only=True) as store:
        data = svc.inputs(store, "le0", "KAZ", causes=["circulatory"])
    ends = [*list(data.age[1:]), None]
    labels = [
        f"{a:g}+" if e is None else (f"{a:g}" if e - a == 1 else f"{a:g}-{e - 1:g}")
        for a, e in zip(data.age, ends, strict=True)
    ]
    rows = []
    for area in ("KAZ", "KGZ"):
        for k, year in enumerate(data.year):
            for cause, deaths in (("all", data.deaths_all), ("circulatory", data.deaths_cause)):
                rates = deaths[k] / data.exposure[k]
                for label, rate in zip(labels, rates, strict=True):
                    rows.append(
                        {
                            "indicator": "mx",
                            "area": area,
                            "period": str(year),
                            "sex": "total",
                            "age": label,
                            "cause": cause,
                            "value": repr(float(rate)),
                            "source": "Registry tabulation (SYNTHETIC test copy)",
                        }
                    )
    tmp = tmp_path_factory.mktemp("rates")
    db = tmp / "rates.duckdb"
    shutil.copy(demo_db, db)
    csv_path = tmp / "mx_by_cause.csv"
    pd.DataFrame(rows).to_csv(csv_path, index=False)
    run("import", "observations", str(csv_path), "--db", str(db))
    return db, data


def test_scenario_from_imported_rates_by_age_and_cause(rates_db: tuple[Path, Any]) -> None:
    """The scenario from imported rates: its path equals the records' path when the rates are
    the records' own (1e-9: the same life tables), elimination equals the cause-deleted life
    table of the imported rates (1e-9), its interval still widens; an area without records falls
    back to the rates; an area with both takes the records unless --source names the rates."""
    from salamat.methods.lifetable import life_table

    db, data = rates_db
    args = ("scenario", "le0", "--cause", "circulatory", "--until", "2030", "--db", str(db))
    more = ("--paths", "200", "--format", "json")
    name = "Registry tabulation (SYNTHETIC test copy)"
    records = json.loads(run(*args, "--area", "KAZ", "--change", "-3", "--per-year", *more))
    rates = json.loads(
        run(*args, "--area", "KAZ", "--change", "-3", "--per-year", "--source", name, *more)
    )
    kgz = json.loads(run(*args, "--area", "KGZ", "--change", "-3", "--per-year", *more))
    assert records[0]["source"].startswith("SYNTHETIC unit records")
    assert rates[0]["source"].startswith(name) and kgz[0]["source"] == rates[0]["source"]
    assert "WHO World Standard" in rates[0]["source"]
    for a, b in zip(records, rates, strict=True):
        assert b["value"] == pytest.approx(a["value"], rel=0, abs=1e-9)
        assert b["baseline"] == pytest.approx(a["baseline"], rel=0, abs=1e-9)
    assert [r["value"] for r in kgz] == [r["value"] for r in rates]
    assert rates[-1]["upper"] - rates[-1]["lower"] > rates[0]["upper"] - rates[0]["lower"]
    assert "the imported death rates" in rates[0]["start_note"]
    # eliminated: the cause-deleted life table of the imported rates of the base year
    gone = json.loads(run(*args, "--area", "KGZ", "--change", "-100", *more))
    m_all = data.deaths_all[-1] / data.exposure[-1]
    m_c = data.deaths_cause[-1] / data.exposure[-1]
    deleted = life_table(data.age, mx=m_all - m_c).ex[0]
    assert gone[0]["value"] == pytest.approx(deleted, rel=0, abs=1e-9)
    # --solve from the rates answers the same decline as from the records
    solve = ("--solve", "--target", "73", "--until", "2029", "--format", "json")
    a = json.loads(run(*args[:-4], "--area", "KAZ", *solve, "--db", str(db)))
    b = json.loads(run(*args[:-4], "--area", "KGZ", *solve, "--db", str(db)))
    assert b["change_per_year"] == pytest.approx(a["change_per_year"], abs=1e-9)
    # a cause the import lacks, a source that is not there: said, never a traceback
    out = run(*args, "--area", "KGZ", "--change", "-3", "--cause", "cancer", code=2)
    assert "no deaths with population for KGZ" in " ".join(out.split())
    assert "death rates (mx) by age for all causes" in " ".join(out.split())
    out = run(*args, "--area", "KGZ", "--change", "-3", "--source", "nobody", code=2)
    assert "--source 'nobody'" in out and name in " ".join(out.split())
