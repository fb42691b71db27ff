"""Human Mortality Database text files, read by ``salamat import hmd`` (values checked by hand
against the real files: tests/data/real/README.md, row ``hmd``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import DATA
from salamat.errors import InputError
from salamat.ingest.hmd import read_hmd
from salamat.services import imports as services
from salamat.store.connection import Store

HMD = DATA / "real" / "hmd"
MX = HMD / "GBR_NP.Mx_1x1_2014-2016.txt"
FLTPER = HMD / "GBR_NP.fltper_1x1_2014-2016.txt"


RATES, TABLES = "HMD death rates", "HMD period life tables"


def stored(
    store: Store, indicator: str, period: str, sex: str, age: str, source: str = RATES
) -> list[tuple[object, ...]]:
    return store.con.execute(
        "SELECT value, unit, source, vintage, area FROM observation WHERE indicator = ? "
        "AND period = ? AND sex = ? AND age = ? AND source = ?",
        [indicator, period, sex, age, source],
    ).fetchall()


def copy(tmp_path: Path, source: Path, name: str, edit: tuple[str, str] | None = None) -> Path:
    path = tmp_path / name
    if edit is None:
        shutil.copyfile(source, path)
    else:
        text = source.read_text(encoding="utf-8")
        assert edit[0] in text
        path.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    return path


def test_real_rates_and_life_table_stored_as_published(store: Store) -> None:
    s = services.run_import(store, "hmd", [MX, FLTPER])
    assert (s.status, s.rejected) == ("SUCCESS", 0), s.problems[:2]
    # 3 years x 111 ages x 3 sexes of Mx; 3 x 111 life-table mx and 3 x (le0, le60, le65)
    assert s.created == 999 + 333 + 9
    assert "HMD population GBR_NP (United Kingdom, total population) stored as GBR" in s.notes[0]
    hmd = (RATES, "2018-05-28", "GBR")
    assert stored(store, "mx", "2016", "female", "0") == [(0.003572, "per person-year", *hmd)]
    assert stored(store, "mx", "2016", "male", "110+")[0][0] == 4.2  # few exposures, as published
    assert stored(store, "mx", "2015", "total", "37")[0][0] == 0.000956
    table = (TABLES, "2018-05-28", "GBR")
    # the table's own mx (five decimals) kept apart from the raw Mx, under its own source
    assert stored(store, "mx", "2016", "female", "0", TABLES)[0][0] == 0.00357
    assert stored(store, "le0", "2016", "female", "all", TABLES) == [(82.84, "years", *table)]
    assert stored(store, "le60", "2016", "female", "all", TABLES)[0][0] == 25.24
    assert stored(store, "le65", "2016", "female", "all", TABLES)[0][0] == 20.97
    assert stored(store, "le0", "2014", "female", "all", TABLES)[0][0] == 82.99
    assert any("qx, ax, lx, dx, Lx, Tx" in n for n in s.notes)
    # the same data under another file name changes nothing
    again = services.run_import(store, "hmd", [MX])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 999)


def test_missing_dot_is_skipped_and_counted(store: Store, tmp_path: Path) -> None:
    row = "  2015          37             0.000738        0.001177        0.000956"
    dotted = "  2015          37             .               0.001177        0.000956"
    path = copy(tmp_path, MX, "GBR_NP.Mx_1x1.txt", (row, dotted))
    s = services.run_import(store, "hmd", [path])
    assert (s.status, s.created, s.skipped_missing) == ("SUCCESS", 998, 1)
    assert stored(store, "mx", "2015", "female", "37") == []
    assert stored(store, "mx", "2015", "male", "37")[0][0] == 0.001177


def test_broken_copies_refused_with_file_row_and_field(store: Store, tmp_path: Path) -> None:
    bad_cell = copy(tmp_path, MX, "GBR_NP.Mx_1x1.txt", ("0.000738", "0.0007x8"))
    s = services.run_import(store, "hmd", [bad_cell])
    assert s.status == "ERROR" and s.created == 0
    p = s.problems[0]
    assert (p.file, p.row, p.field, p.value) == (str(bad_cell), 152, "Female", "0.0007x8")
    assert "expected a number or '.'" in p.message
    short = copy(tmp_path, FLTPER, "GBR_NP.fltper_1x1.txt", ("  99692  8298849  82.99", ""))
    with pytest.raises(InputError) as exc:
        read_hmd(short)
    assert exc.value.problems[0].row == 4 and "expected 10 columns" in exc.value.problems[0].message
    no_title = tmp_path / "GBR_NP.Mx_1x1.txt"
    no_title.write_text("\n".join(MX.read_text().splitlines()[1:]), encoding="utf-8")
    s = services.run_import(store, "hmd", [no_title])
    assert s.status == "ERROR" and "not an HMD text file" in s.problems[0].message
    assert s.problems[0].row == 1
    exposures = copy(tmp_path, MX, "GBR_NP.Exposures_1x1.txt", ("Death rates", "Exposure to risk"))
    s = services.run_import(store, "hmd", [exposures])
    assert s.status == "ERROR" and "an HMD file of 'Exposure to risk'" in s.problems[0].message


def test_population_is_named_never_guessed(store: Store, tmp_path: Path) -> None:
    renamed = copy(tmp_path, MX, "uk_rates.txt")
    s = services.run_import(store, "hmd", [renamed])
    assert s.status == "ERROR" and "--area" in s.problems[0].message
    s = services.run_import(store, "hmd", [renamed], area="GBR", dry_run=True)
    assert (s.status, s.created) == ("DRY_RUN", 999)
    s = services.run_import(store, "hmd", [renamed], area="KAZ")
    assert "the title names 'United Kingdom' (GBR), but --area is KAZ" in s.problems[0].message
    wrong_code = copy(tmp_path, MX, "USA.Mx_1x1.txt")
    s = services.run_import(store, "hmd", [wrong_code])
    assert s.status == "ERROR" and "HMD population USA" in s.problems[0].message
    civilian = copy(tmp_path, MX, "GBRCENW.Mx_1x1.txt")
    s = services.run_import(store, "hmd", [civilian], area="GBR")
    assert s.status == "ERROR" and "civilian population" in s.problems[0].message
    england = copy(tmp_path, MX, "GBRTENW.Mx_1x1.txt")
    s = services.run_import(store, "hmd", [england])
    assert "England and Wales, total population" in s.problems[0].message
    assert "--area" in s.problems[0].message
