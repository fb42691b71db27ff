"""Eurostat's bulk TSV, read by ``salamat import sdmx`` (values checked by hand against the real
file: tests/data/real/README.md, row ``eurostat_tsv``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import DATA, table_snapshot
from interop_helpers import write_map
from salamat.ingest.eurostat_tsv import dataset_from_name
from salamat.services import imports as services
from salamat.store.connection import Store

REAL = DATA / "real" / "eurostat_tsv" / "demo_mlexpec_eu_life_expectancy_raw_trimmed.tsv"


@pytest.fixture
def named(tmp_path: Path) -> Path:
    """The real file under the name Eurostat's API gives it (the file names no dataset)."""
    path = tmp_path / "estat_demo_mlexpec.tsv"
    shutil.copyfile(REAL, path)
    return path


def value(store: Store, indicator: str, area: str, period: str, sex: str) -> tuple[object, ...]:
    got = store.con.execute(
        "SELECT value, unit, age, note, source FROM observation "
        "WHERE indicator = ? AND area = ? AND period = ? AND sex = ?",
        [indicator, area, period, sex],
    ).fetchall()
    assert len(got) == 1, got
    return tuple(got[0])


def test_dataset_from_eurostat_file_names() -> None:
    assert dataset_from_name("estat_demo_mlexpec.tsv.gz") == "DEMO_MLEXPEC"
    assert dataset_from_name("demo_mlexpec.tsv") == "DEMO_MLEXPEC"
    assert dataset_from_name("demo_mlexpec.csv") == ""


def test_real_bulk_tsv_values_flags_missing_and_codes(store: Store, named: Path) -> None:
    s = services.run_import(store, "sdmx", [named], new_indicators=True)
    assert (s.status, s.rejected) == ("SUCCESS", 0), s.problems[:2]
    assert s.skipped_missing == 275  # every ':' cell, e.g. AL 2021; never stored
    notes = " ".join(s.notes)
    assert "dataset DEMO_MLEXPEC taken from the file's name" in notes
    assert "EL read as GRC" in notes
    assert "DE_TOT" in notes and "EU27_2020" in notes and "FX" in notes  # not countries
    # life expectancy at age 1 (Y1) is not e0: its own series, with the age kept
    code = "estat_demo_mlexpec_yr"
    assert value(store, code, "AUT", "2020", "female")[:3] == (82.9, "years", "1")
    be = value(store, code, "BEL", "2011", "female")
    assert be[0] == 82.5 and be[3] == "OBS_FLAG=b (break in time series)"
    assert value(store, code, "GRC", "2019", "female")[0] == 83.5  # EL
    # at birth (Y_LT1) is le0: Kosovo 2016, provisional
    xk = value(store, "le0", "XKX", "2016", "total")
    assert xk == (78.6, "years", "all", "OBS_FLAG=p (provisional)", "SDMX ESTAT:DEMO_MLEXPEC")
    assert store.con.execute(
        "SELECT count(*) FROM observation WHERE area = 'ALB' AND period = '2021'"
    ).fetchone() == (0,)
    # the same file again changes nothing
    again = services.run_import(store, "sdmx", [named], new_indicators=True)
    assert (again.created, again.updated) == (0, 0)


def test_real_bulk_tsv_without_new_indicators_names_the_map_line(
    store: Store, named: Path, tmp_path: Path
) -> None:
    s = services.run_import(store, "sdmx", [named])
    assert s.status == "ERROR"
    assert any("indicator,DEMO_MLEXPEC/UNIT=YR,<code>" in p.message for p in s.problems)
    m = write_map(tmp_path, [("indicator", "DEMO_MLEXPEC/UNIT=YR", "-")])
    s = services.run_import(store, "sdmx", [named], mapping=m)
    assert (s.status, s.created) == ("SUCCESS", 1)
    assert value(store, "le0", "XKX", "2016", "total")[0] == 78.6


def test_broken_tsv_copies_are_refused_by_line(store: Store, tmp_path: Path) -> None:
    before = table_snapshot(store)
    lines = REAL.read_text(encoding="utf-8").splitlines(keepends=True)
    no_backslash = tmp_path / "estat_a.tsv"
    no_backslash.write_text(lines[0].replace("\\time", "") + "".join(lines[1:]), encoding="utf-8")
    short_key = tmp_path / "estat_b.tsv"
    short_key.write_text(
        lines[0] + lines[1] + lines[2].replace("YR,F,Y1,AM", "YR,F,AM", 1), encoding="utf-8"
    )
    for path, row, text in (
        (no_backslash, 1, "not a Eurostat TSV header"),
        (short_key, 3, "expected 4 comma-separated codes (unit,sex,age,geo)"),
    ):
        s = services.run_import(store, "sdmx", [path], new_indicators=True)
        assert s.status == "ERROR"
        (p,) = s.problems
        assert p.row == row and text in p.message, p
    assert table_snapshot(store) == before


def test_summary_counts_observations_not_lines(store: Store, tmp_path: Path) -> None:
    lines = REAL.read_text(encoding="utf-8").split("\n")
    # an unknown country on line 2 (AL: 8 values, the other 54 cells ':') rejects its 8 values
    path = tmp_path / "estat_demo_mlexpec.tsv"
    path.write_text("\n".join([lines[0], lines[1].replace(",AL\t", ",QQ\t"), *lines[2:]]))
    s = services.run_import(store, "sdmx", [path], new_indicators=True)
    assert (s.status, s.rejected, s.total) == ("ERROR", 8, 620)
    assert {p.row for p in s.problems} == {2}
    # a file refused as a whole counts its observations too: 14 lines x 62 periods
    path.write_text("\n".join([lines[0], lines[1].replace("YR,F,Y1,AL", "YR,F,AL"), *lines[2:]]))
    s = services.run_import(store, "sdmx", [path], new_indicators=True)
    assert (s.rejected, s.total) == (868, 868)
    assert any("(868 observation(s): 14 line(s) x 62 period(s))" in n for n in s.notes)
