"""Hard bounds and future periods (ingest.canonical.validate through every import path)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
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


# -- every import kind, on a real file with one value pushed out of bounds ------------------

INTEROP = Path(__file__).parent / "data" / "interop"
DEMO = Path(__file__).parents[1] / "src" / "salamat" / "data" / "demo"


def _pushed(
    src: Path, tmp_path: Path, column: str, value: str, blank: tuple[str, ...] = ()
) -> Path:
    """A copy of a real CSV with ``column`` of its first data row set to ``value``."""
    frame = pd.read_csv(src, dtype=str, keep_default_na=False)
    frame.loc[0, column] = value
    for col in blank:
        frame.loc[0, col] = ""
    out = tmp_path / src.name
    frame.to_csv(out, index=False)
    return out


def _map(tmp_path: Path, rows: list[tuple[str, str, str]]) -> Path:
    path = tmp_path / "map.csv"
    path.write_text(
        "dimension,from,to\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows), encoding="utf-8"
    )
    return path


KINDS = [
    # kind, real file, column, pushed value, cleared columns, mapping, indicator, bounds text
    (
        "gho",
        INTEROP / "who_gho" / "NCDMORT3070_GHO_export_2024-12-18_OTS.csv",
        "NumericValue",
        "250",
        ("Value", "Low", "High"),
        [],
        "ncd30q70",
        "0 to 100",
    ),
    (
        "sdmx",
        INTEROP / "sdmx_csv" / "unicef_IM_MCV1_USA_BRA_2015_2023.csv",
        "OBS_VALUE",
        "960",
        (),
        [],
        "mcv1_coverage",
        "0 to 200",
    ),
    (
        "opensdg",
        INTEROP / "opensdg_kazstat_goal3" / "data" / "indicator_3-4-1.csv",
        "Value",
        "304.8",
        (),
        [],
        "ncd30q70",
        "0 to 100",
    ),
    (
        "owid",
        DEMO / "owid" / "incidence-of-tuberculosis-sdgs.csv",
        "Estimated incidence of all forms of tuberculosis",
        "14800",
        (),
        [],
        "tb_incidence",
        "0 to 10,000",
    ),
    (
        "wpp",
        DEMO / "un_wpp" / "wpp2024_e0_by_sex_OTS_1950-2023.csv",
        "e0",
        "462.883",
        (),
        [],
        "le0",
        "5 to 100",
    ),
    (
        "dhis2",
        INTEROP / "dhis2_datavaluesets" / "dhis2core_dxf2_dataValueSetB.csv",
        "value",
        "300000000",
        (),
        [
            ("area", "DiszpKrYNg8", "SLE"),
            ("area", "BdfsJfj87js", "GIN"),
            ("indicator", "f7n9E0hX8qk", "deaths"),
            ("indicator", "Ix2HsbDMLea", "-"),
            ("indicator", "eY5ehpbEsB7", "-"),
        ],
        "deaths",
        "0 to 200,000,000",
    ),
]


@pytest.mark.parametrize(
    ("kind", "src", "column", "value", "blank", "mapping", "indicator", "span"),
    KINDS,
    ids=[k[0] for k in KINDS],
)
def test_every_import_kind_rejects_a_value_out_of_bounds(
    store: Store,
    tmp_path: Path,
    kind: str,
    src: Path,
    column: str,
    value: str,
    blank: tuple[str, ...],
    mapping: list[tuple[str, str, str]],
    indicator: str,
    span: str,
) -> None:
    m = _map(tmp_path, mapping) if mapping else None
    area = "KAZ" if kind == "opensdg" else None  # the platform's country (no default country)
    clean = services.run_import(store, kind, [src], mapping=m, dry_run=True, area=area)
    assert clean.ok, clean.as_dict()  # the real file as published passes
    before = table_snapshot(store)
    path = _pushed(src, tmp_path, column, value, blank)
    summary = services.run_import(store, kind, [path], mapping=m, area=area)
    assert summary.status == "ERROR" and summary.created == 0
    hits = [p for p in summary.problems if p.field == "value" and "plausible range" in p.message]
    assert len(hits) == 1, [str(p) for p in summary.problems]
    p = hits[0]
    assert p.file == str(path) and p.row is not None
    assert f"of {indicator}: {span}" in p.message and float(p.value or "nan") == float(value)
    assert table_snapshot(store) == before


def test_compute_save_rejects_a_value_out_of_bounds(store: Store) -> None:
    from salamat.errors import InputError
    from salamat.services.compute import save_computed

    frame = pd.DataFrame(
        {
            "indicator": ["le0"],
            "area": ["KAZ"],
            "period": ["2019"],
            "sex": ["total"],
            "value": [150.0],
            "lower": [float("nan")],
            "upper": [float("nan")],
            "unit": ["years"],
            "source": ["Salamat (computed from test)"],
            "method": ["life table"],
        }
    )
    with pytest.raises(InputError) as info:
        save_computed(store, frame)
    assert "150.0 is outside the plausible range of le0: 5 to 100" in str(info.value.problems[0])
    assert store.con.execute("SELECT count(*) FROM observation").fetchall() == [(0,)]


def test_is_projection_reads_source_vintage_and_note_as_the_import_does() -> None:
    """The rows the future-period rule takes for projections are the rows the targets, Compare,
    the published values and the series rules leave out."""
    import pandas as pd

    from salamat.ingest.canonical import is_projection

    frame = pd.DataFrame(
        {
            "source": [
                "WPP 2024 probabilistic projections (UN DESA)",
                "UN WPP 2024",
                "UN WPP 2024 (Medium variant projection)",
                "BNS Kazakhstan",
                "Ministry of Health",
            ],
            "vintage": ["2024", "2024", "2024", None, "прогноз"],
            "note": [None, "", "", "projected by the ministry", None],
        }
    )
    assert is_projection(frame).tolist() == [True, False, True, True, True]
    assert is_projection(frame[["source"]]).tolist() == [True, False, True, False, False]
