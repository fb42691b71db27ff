from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from conftest import table_snapshot
from interop_helpers import INTEROP, messages, write_map
from salamat.ingest.gho import gho_age
from salamat.services import imports as services
from salamat.store.connection import Store

GHO = INTEROP / "who_gho"
ODATA = INTEROP / "who_gho_odata"


def obs(store: Store, where: str) -> list[tuple[object, ...]]:
    return store.con.execute(
        "SELECT area, period, sex, age, value, lower, upper, unit, source, vintage "
        f"FROM observation WHERE {where} ORDER BY area, period, sex"
    ).fetchall()


@pytest.mark.parametrize(
    ("name", "created", "indicator"),
    [
        ("NCDMORT3070_GHO_export_2024-12-18_OTS.csv", 462, "ncd30q70"),
        ("NCDMORT3070_GHO_export_2024-12-18_all_countries.csv.gz", 12210, "ncd30q70"),
        ("NCDMORT3070_GHO_athena_export_2020_OTS.csv", 105, "ncd30q70"),
        ("WHOSIS_000001_GHO_athena_export_2020_OTS.csv", 357, "le0"),
        ("WHOSIS_000015_GHO_athena_export_2020_OTS.csv", 357, "le60"),
        ("MDG_0000000020_GHO_athena_export_2020_OTS.csv", 140, "tb_incidence"),
    ],
)
def test_real_gho_exports_import_every_row(
    store: Store, name: str, created: int, indicator: str
) -> None:
    s = services.run_import(store, "gho", [GHO / name])
    assert (s.status, s.created, s.rejected, s.total) == ("SUCCESS", created, 0, created)
    n = store.con.execute(
        "SELECT count(*) FROM observation WHERE indicator = ?", [indicator]
    ).fetchone()
    assert n == (created,)
    again = services.run_import(store, "gho", [GHO / name])
    assert (again.created, again.updated, again.unchanged) == (0, 0, created)


def test_ncd30q70_keeps_bounds_age_and_vintage(store: Store) -> None:
    services.run_import(store, "gho", [GHO / "NCDMORT3070_GHO_export_2024-12-18_OTS.csv"])
    rows = obs(store, "indicator = 'ncd30q70' AND area = 'KAZ' AND period = '2019'")
    src, vintage = "WHO Global Health Observatory", "2024-12-18"
    assert rows == [
        ("KAZ", "2019", "female", "30-69", 16.0, 14.1, 18.9, "%", src, vintage),
        ("KAZ", "2019", "male", "30-69", 33.1, 28.5, 37.3, "%", src, vintage),
        ("KAZ", "2019", "total", "30-69", 23.8, 20.7, 27.6, "%", src, vintage),
    ]


def test_athena_tb_bounds_and_life_expectancy_full_precision(store: Store) -> None:
    services.run_import(store, "gho", [GHO / "MDG_0000000020_GHO_athena_export_2020_OTS.csv"])
    services.run_import(store, "gho", [GHO / "WHOSIS_000001_GHO_athena_export_2020_OTS.csv"])
    tb = obs(store, "indicator = 'tb_incidence' AND area = 'AZE' AND period = '2000'")
    assert tb[0][4:7] == (80.0, 61.0, 101.0)
    le = obs(store, "indicator = 'le0' AND area = 'AZE' AND period = '2000' AND sex = 'total'")
    assert le[0][4] == 66.45919  # Numeric, not the rounded Display Value 66.5
    note = store.con.execute(
        "SELECT DISTINCT note FROM observation WHERE indicator = 'le0' AND area = 'AZE'"
    ).fetchall()
    assert ("WHO life table method: Vital registration",) in note


def test_unknown_gho_indicator_says_what_to_map(store: Store, tmp_path: Path) -> None:
    before = table_snapshot(store)
    f = GHO / "WHOSIS_000002_GHO_athena_export_2020_OTS.csv"
    s = services.run_import(store, "gho", [f])
    assert (s.status, s.rejected, s.problem_count) == ("ERROR", 105, 105)
    p = s.problems[0]
    assert (p.row, p.field, p.value) == (2, "indicator", "WHOSIS_000002")
    assert "map it with --map (indicator,WHOSIS_000002,<code>)" in p.message
    assert table_snapshot(store) == before
    m = write_map(tmp_path, [("indicator", "WHOSIS_000002", "hale0")])
    s2 = services.run_import(store, "gho", [f], mapping=m, new_indicators=True)
    assert (s2.status, s2.created) == ("SUCCESS", 105)


def test_odata_json_with_a_mapped_indicator(store: Store, tmp_path: Path) -> None:
    m = write_map(tmp_path, [("indicator", "WSH_8", "wash_dalys")])
    s = services.run_import(
        store, "gho", [ODATA / "gho_WSH_8.json"], mapping=m, new_indicators=True
    )
    assert (s.status, s.created) == ("SUCCESS", 165)
    row = obs(store, "area = 'AFG'")
    assert row[0][:5] == ("AFG", "2004", "total", "all", 48345.23)
    assert row[0][9] == "2013-06-11"


def test_text_values_without_numeric_value_are_problems_never_guessed(store: Store) -> None:
    before = table_snapshot(store)
    s = services.run_import(store, "gho", [ODATA / "gho_EMFLIMITELECTRIC.json"])
    assert s.status == "ERROR"
    text = [p for p in s.problems if p.field == "value" and p.value]
    empty = [p for p in s.problems if p.field == "value" and not p.value]
    assert len(text) == 30 and len(empty) == 2
    assert {p.value for p in text} >= {"[5]/[10]", "3", "[4.17]", "0.5"}
    assert "display value is text" in text[0].message
    # the EMF dimensions have no Salamat column: the combination is the code to map
    assert any(
        "EMFLIMITELECTRIC/EMFEXPOSED=EMFPUBLIC/EMFFREQUENCY=EMFLOW" in m for m in messages(s)
    )
    assert table_snapshot(store) == before


def test_left_out_with_a_dash(store: Store, tmp_path: Path) -> None:
    m = write_map(tmp_path, [("indicator", "EMFLIMITELECTRIC", "-")])
    s = services.run_import(store, "gho", [ODATA / "gho_EMFLIMITELECTRIC.json"], mapping=m)
    assert (s.status, s.created) == ("SUCCESS", 0)
    assert any("32 row(s) not imported" in n for n in s.notes)


def test_broken_copies(store: Store, tmp_path: Path) -> None:
    before = table_snapshot(store)
    truncated = tmp_path / "gho_WSH_8.json"
    truncated.write_bytes((ODATA / "gho_WSH_8.json").read_bytes()[:5000])
    s = services.run_import(store, "gho", [truncated])
    assert s.status == "ERROR" and "not valid JSON" in s.problems[0].message

    lines = (GHO / "NCDMORT3070_GHO_export_2024-12-18_OTS.csv").read_text().splitlines()
    header, first, second = lines[0], lines[1], lines[2]
    assert ",AZE," in first and ",34.5,28.6,40.5," in first
    bad = [
        header,
        first,  # row 2: fine
        first.replace(",AZE,", ",XKX,"),  # row 3: unknown country
        second.replace(",32.7,27.0,38.5,", ",,27.0,38.5,"),  # row 4: no numeric, text Value
        first,  # row 5: a duplicate of row 2
    ]
    f = tmp_path / "broken.csv"
    f.write_text("\n".join(bad) + "\n")
    s = services.run_import(store, "gho", [f])
    got = {(p.row, p.field) for p in s.problems}
    assert got == {(3, "area"), (4, "value"), (5, "value")}
    assert any("the same indicator" in p.message for p in s.problems if p.row == 5)
    assert table_snapshot(store) == before


def test_all_countries_file_is_read_compressed(tmp_path: Path, store: Store) -> None:
    gz = GHO / "NCDMORT3070_GHO_export_2024-12-18_all_countries.csv.gz"
    plain = tmp_path / "all.csv"
    with gzip.open(gz, "rb") as fh, open(plain, "wb") as out:
        shutil.copyfileobj(fh, out)
    s = services.run_import(store, "gho", [plain], dry_run=True)
    assert (s.status, s.created) == ("DRY_RUN", 12210)


@pytest.mark.parametrize(
    ("code", "band"),
    [
        ("AGEGROUP_YEARS30-69", "30-69"),
        ("AGEGROUP_YEARS85PLUS", "85+"),
        ("AGEGROUP_YEARSUNDER5", "0-4"),
        ("AGEGROUP_YEARSALL", "all"),
        ("AGEGROUP_MONTHS0-11", None),
    ],
)
def test_gho_age_codes(code: str, band: str | None) -> None:
    assert gho_age(code) == band
