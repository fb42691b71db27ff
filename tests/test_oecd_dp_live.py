"""OECD Data's DP_LIVE CSV, read by ``salamat import sdmx`` (values checked by hand against the
real file: tests/data/real/README.md, row ``oecd_dp_live``)."""

from __future__ import annotations

from pathlib import Path

from conftest import DATA
from salamat.ingest.oecd_dp_live import is_dp_live
from salamat.services import imports as services
from salamat.store.connection import Store

REAL = DATA / "real" / "oecd_dp_live" / "DP_LIVE_LIFE_EXP_BIRTH_AUS_MEN_TOT.csv"


def values(store: Store, indicator: str, period: str, sex: str) -> list[tuple[object, ...]]:
    return store.con.execute(
        "SELECT value, unit, source, area FROM observation WHERE indicator = ? AND period = ? "
        "AND sex = ?",
        [indicator, period, sex],
    ).fetchall()


def test_real_file_imports_as_life_expectancy_by_sex(store: Store) -> None:
    assert is_dp_live(REAL)
    s = services.run_import(store, "sdmx", [REAL])
    assert (s.status, s.created, s.rejected) == ("SUCCESS", 61 + 43, 0), s.problems[:2]
    assert values(store, "le0", "1960", "male") == [(67.9, "years", "SDMX DP_LIVE", "AUS")]
    assert values(store, "le0", "2020", "total")[0][0] == 83.2
    assert values(store, "le0", "1963", "total") == []  # a gap in the file, nothing invented
    assert any("SUBJECT TOT, MEN, WOMEN read as the sex" in n for n in s.notes)
    again = services.run_import(store, "sdmx", [REAL])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 104)


def test_unknown_series_registered_with_new_indicators(store: Store, tmp_path: Path) -> None:
    text = REAL.read_text(encoding="utf-8").replace('"LIFEEXP","MEN","YR"', '"SUICIDE","0_14","YR"')
    path = tmp_path / "DP_LIVE_edited.csv"
    path.write_text(text, encoding="utf-8")
    s = services.run_import(store, "sdmx", [path])
    assert s.status == "ERROR"
    assert "unknown SDMX indicator 'SUICIDE/SUBJECT=0_14/MEASURE=YR'" in s.problems[0].message
    s = services.run_import(store, "sdmx", [path], new_indicators=True)
    assert s.status == "SUCCESS", s.problems[:2]
    assert values(store, "oecd_suicide_0_14_yr", "1960", "total") == [
        (67.9, "years", "SDMX DP_LIVE", "AUS")
    ]


def test_broken_copy_refused_with_file_row_and_field(store: Store, tmp_path: Path) -> None:
    text = REAL.read_text(encoding="utf-8").replace('"1961",68,', '"1961",6x8,')
    path = tmp_path / "DP_LIVE_broken.csv"
    path.write_text(text, encoding="utf-8")
    s = services.run_import(store, "sdmx", [path])
    assert s.status == "ERROR" and s.created == 0
    p = s.problems[0]
    assert (p.file, p.row, p.field, p.value) == (str(path), 3, "value", "6x8")
