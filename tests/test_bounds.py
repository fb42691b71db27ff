"""Hard bounds and future periods (ingest.canonical.validate through every import path)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conftest import table_snapshot
from salamat.services import imports as services
from salamat.store.connection import Store

HEADER = "indicator,area,period,value,sex,age,lower,upper,unit,source,note\n"


def _run(store: Store, tmp_path: Path, rows: str, name: str = "obs.csv"):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    return services.run_import(store, "observations", [path])


@pytest.mark.parametrize(
    ("row", "field", "text"),
    [
        (
            "le0,KAZ,2022,150,,,,,,BNS,",
            "value",
            "150 is outside the plausible range of le0: 5 to 100 (years)",
        ),
        (
            "le0,KAZ,2022,-5,,,,,,BNS,",
            "value",
            "-5 is outside the plausible range of le0: 5 to 100",
        ),
        (
            "ncd30q70,KAZ,2019,250,,30-69,,,,WHO,",
            "value",
            "250 is outside the plausible range of ncd30q70: 0 to 100 (%)",
        ),
        (
            "ncd30q70,KAZ,2019,24.8,,30-69,20,101,,WHO,",
            "upper",
            "101 is outside the plausible range of ncd30q70",
        ),
        ("mx,KAZ,2019,-0.1,,65,,,,WPP,", "value", "0 to no upper bound"),
    ],
)
def test_values_and_bounds_outside_the_plausible_range_are_rejected(
    store: Store, tmp_path: Path, row: str, field: str, text: str
) -> None:
    before = table_snapshot(store)
    summary = _run(store, tmp_path, "le0,KAZ,2021,70.23,,,,,,BNS,\n" + row + "\n")
    assert summary.status == "ERROR" and summary.created == 0
    [problem] = summary.problems
    assert (problem.row, problem.field) == (3, field)
    assert text in problem.message and "obs.csv" in problem.file
    assert table_snapshot(store) == before


def test_a_value_equal_to_a_bound_is_accepted(store: Store, tmp_path: Path) -> None:
    assert _run(store, tmp_path, "ncd30q70,KAZ,2019,100,,30-69,0,100,,WHO,\n").ok


def test_a_future_period_is_rejected_for_observed_values(store: Store, tmp_path: Path) -> None:
    summary = _run(store, tmp_path, "le0,KAZ,2999,74,,,,,,BNS,\n")
    assert summary.status == "ERROR"
    [problem] = summary.problems
    assert problem.field == "period" and problem.value == "2999"
    year = date.today().year
    assert f"period 2999 is after the current year {year}" in problem.message
    assert "does not say it is a projection" in problem.message


def test_a_projection_is_accepted_when_the_indicator_allows_it(
    store: Store, tmp_path: Path
) -> None:
    rows = (
        'le0,KAZ,2050,78.1,,,,,,"UN WPP 2024, medium variant",\n'
        "le0,KGZ,2050,76.0,,,,,,UN WPP 2024,projection\n"
    )
    assert _run(store, tmp_path, rows).ok
    no = _run(store, tmp_path, "ncd30q70,KAZ,2050,12,,30-69,,,,WHO,projection\n", "n.csv")
    assert no.status == "ERROR"
    assert "ncd30q70 does not accept projections" in no.problems[0].message


def test_the_current_year_is_accepted(store: Store, tmp_path: Path) -> None:
    assert _run(store, tmp_path, f"le0,KAZ,{date.today().year},74,,,,,,BNS,\n").ok


def test_bounds_are_in_the_store_for_every_indicator(store: Store) -> None:
    rows = store.con.execute(
        "SELECT d.code, b.lower, b.upper FROM data_element d "
        "LEFT JOIN indicator_bound b ON b.indicator = d.code ORDER BY d.code"
    ).fetchall()
    assert rows and all(r[1] is not None for r in rows)
    assert dict((r[0], (r[1], r[2])) for r in rows)["le0"] == (5.0, 100.0)
