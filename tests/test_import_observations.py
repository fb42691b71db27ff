from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import table_snapshot
from salamat.errors import InputError
from salamat.services import imports as services
from salamat.store.connection import Store

GOOD = """indicator,area,period,value,sex,age,lower,upper,unit,source
le0,KAZ,2021,70.23,total,,,,years,BNS
le0,KAZ,2022,74.44,total,,,,years,BNS
ncd30q70,KAZ,2019,24.8,male,30-69,21.0,28.9,%,WHO GHO 2024
le0,KZ-79,2019,74.41,,,,,,BNS
le0,KZ-ONT,2016,72.58,,,,,,BNS
tb_incidence,KAZ,2020,69,,,,,,WHO
"""


def write(tmp_path: Path, text: str, name: str = "obs.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_import_creates_then_is_idempotent_then_updates(store: Store, tmp_path: Path) -> None:
    f = write(tmp_path, GOOD)
    s1 = services.run_import(store, "observations", [f])
    assert (s1.status, s1.created, s1.updated, s1.unchanged, s1.rejected) == ("SUCCESS", 6, 0, 0, 0)
    before = table_snapshot(store)
    s2 = services.run_import(store, "observations", [f])
    assert (s2.created, s2.updated, s2.unchanged) == (0, 0, 6)
    after = table_snapshot(store)
    for table in ("observation", "death_record", "deaths", "population"):
        assert after[table] == before[table]
    f3 = write(tmp_path, GOOD.replace("74.44", "74.45"), "obs3.csv")
    s3 = services.run_import(store, "observations", [f3])
    assert (s3.created, s3.updated, s3.unchanged) == (0, 1, 5)
    row = store.con.execute(
        "SELECT value, import_id, unit, sex, age FROM observation "
        "WHERE indicator='le0' AND area='KAZ' AND period='2022'"
    ).fetchall()
    assert row == [(74.45, s3.import_id, "years", "total", "all")]


def test_units_default_to_the_indicator_unit_and_aliases_resolve(
    store: Store, tmp_path: Path
) -> None:
    f = write(
        tmp_path,
        "indicator,area,period,value,source\nle0,KZ,2020,71.37,BNS\nle0,KZ-ALA,2020,74.1,BNS\n",
    )
    assert services.run_import(store, "observations", [f]).ok
    rows = store.con.execute("SELECT area, unit FROM observation ORDER BY area").fetchall()
    assert rows == [("KAZ", "years"), ("KZ-75", "years")]


def test_parquet_works_like_csv(store: Store, tmp_path: Path) -> None:
    df = pd.read_csv(write(tmp_path, GOOD), dtype=str, keep_default_na=False)
    p = tmp_path / "obs.parquet"
    df.to_parquet(p)
    s = services.run_import(store, "observations", [p])
    assert (s.status, s.created) == ("SUCCESS", 6)


def test_dry_run_counts_but_writes_nothing(store: Store, tmp_path: Path) -> None:
    before = table_snapshot(store)
    s = services.run_import(store, "observations", [write(tmp_path, GOOD)], dry_run=True)
    assert (s.status, s.created) == ("DRY_RUN", 6)
    assert table_snapshot(store) == before


BAD_ROWS = [
    # (row text, field, message fragment)
    ("le0,XYZ,2020,70,,,,,,S", "area", "unknown org unit"),
    ("le0,KZ-79,2010,70,,,,,,S", "area", "predecessor (KZ-ONT"),
    ("le0,KZ-ONT,2019,70,,,,,,S", "area", "successors (KZ-61, KZ-79)"),
    ("le0,KZ-19,2015,70,,,,,,S", "area", "falls before the validity of KZ-19"),
    ("le0,KAZ,202413,70,,,,,,S", "period", "month 13"),
    ("le0,KAZ,2020,seventy,,,,,,S", "value", "expected a finite number"),
    ("le0,,2020,70.1,,,,,,S", "area", "names no area"),
    ("le0,KAZ,2020,70,x,,,,,S", "sex", "expected female, male or total"),
    ("le0,KAZ,2020,70,,thirty,,,,S", "age", "expected an age band"),
    ("le0,KAZ,2020,70,,,71,,,S", "lower", "lower bound is above the value"),
    ("le0,KAZ,2020,70,,,,69,,S", "upper", "upper bound is below the value"),
    ("le0,KAZ,2020,70,,,,,months,S", "unit", "measured in 'years'"),
    ("nope,KAZ,2020,70,,,,,,S", "indicator", "unknown indicator"),
    ("le0,KAZ,2020,70,,,,,,", "source", "needs a source"),
    ("deaths,KAZ,2020,-4,,,,,,S", "value", "a count cannot be negative"),
]


@pytest.mark.parametrize(("row", "field", "fragment"), BAD_ROWS)
def test_every_bad_row_is_named_and_nothing_is_written(
    store: Store, tmp_path: Path, row: str, field: str, fragment: str
) -> None:
    services.run_import(store, "observations", [write(tmp_path, GOOD, "seed.csv")])
    before = table_snapshot(store)
    header = "indicator,area,period,value,sex,age,lower,upper,unit,source\n"
    good = "le0,KAZ,2015,71.44,,,,,,S\n"
    f = write(tmp_path, header + good + row + "\n")
    s = services.run_import(store, "observations", [f])
    assert s.status == "ERROR"
    assert s.rejected == 1
    assert len(s.problems) == 1
    p = s.problems[0]
    assert (p.file, p.row, p.field) == (str(f), 3, field)
    assert fragment in p.message
    assert table_snapshot(store) == before


def test_all_problems_are_reported_at_once(store: Store, tmp_path: Path) -> None:
    header = "indicator,area,period,value,sex,age,lower,upper,unit,source\n"
    body = "\n".join(r for r, _, _ in BAD_ROWS)
    s = services.run_import(store, "observations", [write(tmp_path, header + body + "\n")])
    assert s.rejected == len(BAD_ROWS)
    assert [p.row for p in s.problems] == list(range(2, 2 + len(BAD_ROWS)))


def test_duplicate_key_names_the_first_row(store: Store, tmp_path: Path) -> None:
    f = write(
        tmp_path, "indicator,area,period,value,source\nle0,KAZ,2020,71,S\nle0,KAZ,2020,72,S\n"
    )
    s = services.run_import(store, "observations", [f])
    assert s.status == "ERROR"
    assert s.problems[0].row == 3 and "as row 2" in s.problems[0].message


def test_same_value_from_two_sources_is_kept_side_by_side(store: Store, tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "indicator,area,period,value,source\nle0,KAZ,2020,71.37,BNS\n"
        "le0,KAZ,2020,70.98,UN WPP 2024\n",
    )
    assert services.run_import(store, "observations", [f]).created == 2


def test_missing_and_unknown_columns(store: Store, tmp_path: Path) -> None:
    s = services.run_import(
        store, "observations", [write(tmp_path, "indicator,area,value\nle0,KAZ,70\n")]
    )
    assert s.status == "ERROR" and s.problems[0].field == "period"
    assert "required column is missing" in s.problems[0].message
    s = services.run_import(
        store,
        "observations",
        [write(tmp_path, "indicator,area,period,value,lowr\nle0,KAZ,2020,70,60\n", "b.csv")],
    )
    assert s.status == "ERROR" and s.problems[0].field == "lowr"


def test_unknown_kind_and_missing_file(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown import kind"):
        services.run_import(store, "nonsense", [tmp_path / "x.csv"])
    s = services.run_import(store, "observations", [tmp_path / "absent.csv"])
    assert s.status == "ERROR" and "no such file" in s.problems[0].message


def test_mapping_file_maps_codes(store: Store, tmp_path: Path) -> None:
    m = write(tmp_path, "dimension,from,to\narea,Kazakhstan,KAZ\nindicator,LE,le0\n", "map.csv")
    f = write(tmp_path, "indicator,area,period,value,source\nLE,Kazakhstan,2020,71.37,BNS\n")
    s = services.run_import(store, "observations", [f], mapping=m)
    assert s.ok and s.created == 1


def test_new_indicators_need_the_flag(store: Store, tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "indicator,area,period,value,unit,source\nbeds_per_10k,KAZ,2022,41.2,per 10000,MoH\n",
    )
    assert services.run_import(store, "observations", [f]).status == "ERROR"
    s = services.run_import(store, "observations", [f], new_indicators=True)
    assert s.ok
    assert store.con.execute(
        "SELECT unit, origin FROM data_element WHERE code = 'beds_per_10k'"
    ).fetchall() == [("per 10000", "user")]


def test_a_published_unit_is_converted_when_exact_and_said_so(store: Store, tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "indicator,area,period,value,lower,upper,unit,source\n"
        "u5mr,KAZ,2020,1.03,0.95,1.12,%,IGME\n"
        'u5mr,KAZ,2021,9.8,,,"per 1,000 live births",IGME\n',
    )
    s = services.run_import(store, "observations", [f])
    assert s.ok, s.as_dict()
    rows = store.con.execute(
        "SELECT period, value, lower, upper, unit, note FROM observation ORDER BY period"
    ).fetchall()
    assert rows[0][:5] == ("2020", 10.3, 9.5, 11.2, "per 1,000 live births")
    assert rows[0][5] == "published in '%'; converted to 'per 1,000 live births' (x10)"
    assert rows[1] == ("2021", 9.8, None, None, "per 1,000 live births", None)


def test_a_unit_that_cannot_be_converted_is_rejected_with_the_reason(
    store: Store, tmp_path: Path
) -> None:
    f = write(tmp_path, "indicator,area,period,value,unit,source\nu5mr,KAZ,2020,1.03,% of GDP,S\n")
    s = services.run_import(store, "observations", [f])
    assert not s.ok
    text = " ".join(p.message for p in s.problems)
    assert "cannot convert '% of GDP' to 'per 1,000 live births'" in text
    assert store.con.execute("SELECT count(*) FROM observation").fetchone() == (0,)


def test_summary_counts_the_flags_this_import_raised(store: Store, tmp_path: Path) -> None:
    rows = "".join(f"le0,KAZ,{y},{70 + (y - 2010) * 0.3:.2f},A\n" for y in range(2010, 2020))
    first = services.run_import(
        store, "observations", [write(tmp_path, "indicator,area,period,value,source\n" + rows)]
    )
    assert first.ok and first.flags_raised == first.flags == 0
    # a new source from 2020: the series breaks there, and this import raised that flag
    more = "indicator,area,period,value,source\nle0,KAZ,2020,73.2,B\nle0,KAZ,2021,73.5,B\n"
    second = services.run_import(store, "observations", [write(tmp_path, more, "b.csv")])
    assert second.ok
    raised = store.con.execute(
        "SELECT count(*) FROM quality_flag WHERE import_id = ?", [second.import_id]
    ).fetchone()
    assert raised is not None and second.flags_raised == raised[0] > 0
    assert any(f"this import raised {raised[0]} new quality flag(s)" in n for n in second.notes)
    assert second.as_dict()["flags_raised"] == raised[0]
    # the same file again raises nothing new: the flag keeps the import that first raised it
    again = services.run_import(store, "observations", [write(tmp_path, more, "c.csv")])
    assert again.ok and again.flags_raised == 0 and again.flags == second.flags
