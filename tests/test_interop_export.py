from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interop_helpers import INTEROP, write_map
from salamat.cli.app import app
from salamat.errors import InputError
from salamat.export import export
from salamat.ingest.sdmx_read import read_structure
from salamat.services import imports as services
from salamat.store.connection import Store

MIXED = """indicator,area,period,value,sex,age,cause,residence,lower,upper,unit,source,vintage,note
le0,KAZ,2021,70.23,total,,,,,,years,BNS,2023,
le0,KAZ,2022,74.44,female,,,urban,,,years,BNS,2023,"a note, with a comma"
deaths,KZ-75,2024Q1,1520,male,65,circulatory,,,,deaths,MoH quarterly,,
deaths,KZ-75,202401,510,male,85+,all,,,,deaths,MoH monthly,,
deaths,KZ-75,2024W05,120,total,0-4,all,,,,deaths,MoH weekly,,
mx,KAZ,2015-2019,0.0123,total,30-34,all,,,,per person-year,UN WPP 2024,2024,
ncd30q70,KAZ,2019,24.8,male,30-69,,,21.0,28.9,%,WHO GHO 2024,,
ncd30q70,KAZ,2019,24.1,male,30-69,,,,,%,BNS,,national computation
hospitals,KZ-75,2020,91,,,,,,,,BNS,,
hospitals,KZ-75,2021,93,,,,,,,,BNS,,"end of year"
hospitals,KAZ,2021,761,,,,,,,,BNS,,
"""


@pytest.fixture
def filled(store: Store, tmp_path: Path) -> Store:
    f = tmp_path / "mixed.csv"
    f.write_text(MIXED, encoding="utf-8")
    assert services.run_import(store, "observations", [f]).ok
    gho = INTEROP / "who_gho" / "NCDMORT3070_GHO_export_2024-12-18_OTS.csv"
    assert services.run_import(store, "gho", [gho]).ok
    one = INTEROP / "opensdg_kazstat_goal3" / "data" / "indicator_3-3-2.csv"
    assert services.run_import(store, "opensdg", [one], area="KAZ").ok
    return store


def observations(store: Store) -> list[tuple[object, ...]]:
    return sorted(
        store.con.execute(
            "SELECT indicator, area, period, period_type, period_start, period_end, sex, age, "
            "cause, residence, value, lower, upper, unit, source, vintage, note FROM observation"
        ).fetchall(),
        key=repr,
    )


def test_sdmx_round_trip(filled: Store, tmp_path: Path) -> None:
    first = tmp_path / "a" / "salamat.csv"
    files, _ = export(filled, "sdmx", first)
    assert [f.name for f in files] == ["salamat.csv", "salamat.structure.xml"]
    structure = read_structure([files[1]])  # sdmx1 reads the structure message
    assert structure is not None
    assert structure.dimensions == ["INDICATOR", "REF_AREA", "SEX", "AGE", "CAUSE",
                                    "URBANISATION", "SOURCE"]  # fmt: skip
    assert structure.codes["REF_AREA"]["KZ-75"] == "Almaty"
    header = first.read_text().splitlines()[0]
    assert header.startswith("DATAFLOW,INDICATOR,REF_AREA,SEX,AGE,CAUSE,URBANISATION,SOURCE,")
    with Store.open(":memory:") as empty:
        s = services.run_import(empty, "sdmx", [first], metadata=[files[1]])
        assert (s.status, s.created) == ("SUCCESS", len(observations(filled)))
        assert observations(empty) == observations(filled)
        second = tmp_path / "b" / "salamat.csv"
        files2, _ = export(empty, "sdmx", second)
    assert second.read_bytes() == first.read_bytes()
    strip = re.compile(r"<mes:Prepared>.*</mes:Prepared>")
    assert strip.sub("", files2[1].read_text()) == strip.sub("", files[1].read_text())


def test_tidy_round_trip_with_metadata(filled: Store, tmp_path: Path) -> None:
    files, _ = export(filled, "tidy", tmp_path / "a")
    names = sorted(f.name for f in files)
    assert "ncd30q70.csv" in names and "ncd30q70.metadata.json" in names
    meta = json.loads((tmp_path / "a" / "ncd30q70.metadata.json").read_text())
    col = meta["columns"]["ncd30q70"]
    assert (col["unit"], col["internationalCode"], col["sdgIndicator"]) == (
        "%",
        "NCDMORT3070",
        "3.4.1",
    )
    assert col["titleKk"] and col["titleRu"]
    assert meta["entities"]["KAZ"] == "Kazakhstan"
    with Store.open(":memory:") as empty:
        csvs = sorted(f for f in files if f.suffix == ".csv")
        s = services.run_import(empty, "observations", csvs)
        assert s.ok
        assert observations(empty) == observations(filled)
        export(empty, "tidy", tmp_path / "b")
    for f in files:
        assert (tmp_path / "b" / f.name).read_bytes() == f.read_bytes()


def test_dhis2_round_trip_with_codes(filled: Store, tmp_path: Path) -> None:
    first = tmp_path / "a.json"
    with pytest.raises(InputError, match="more than one source"):
        export(filled, "dhis2", first, indicators=["ncd30q70"])
    with pytest.raises(InputError, match="categoryOptionCombo,sex=female"):
        export(
            filled, "dhis2", first, indicators=["ncd30q70"], source="WHO Global Health Observatory"
        )
    with pytest.raises(InputError, match="categoryOptionCombo,residence=rural"):
        export(filled, "dhis2", first, indicators=["tb_incidence"])
    export(filled, "dhis2", first, indicators=["hospitals"])
    doc = json.loads(first.read_text())
    assert doc["idScheme"] == "CODE" and len(doc["dataValues"]) == 3
    assert doc["dataValues"][1] == {"dataElement": "hospitals", "period": "2020",
                                    "orgUnit": "KZ-75", "value": "91"}  # fmt: skip
    assert doc["dataValues"][2]["comment"] == "end of year"
    with Store.open(":memory:") as empty:
        s = services.run_import(empty, "dhis2", [first])
        assert (s.status, s.created) == ("SUCCESS", 3)
        second = tmp_path / "b.json"
        export(empty, "dhis2", second)
    assert second.read_bytes() == first.read_bytes()


def test_dhis2_round_trip_with_uids_and_computed_30q70(filled: Store, tmp_path: Path) -> None:
    out_map = [
        ("indicator", "ncd30q70", "NCD30q70UID"),
        ("area", "KAZ", "KazakhstUID"),
        ("categoryOptionCombo", "sex=female", "FemaleCOUID"),
        ("categoryOptionCombo", "sex=male", "MaleCOCOUID"),
    ]
    first = tmp_path / "a.json"
    source = "WHO Global Health Observatory"
    missing = [r for r in out_map if r[1] != "KAZ"]
    with pytest.raises(InputError, match="lacks DHIS2 ids") as exc:
        export(
            filled,
            "dhis2",
            first,
            indicators=["ncd30q70"],
            areas=["KAZ"],
            source=source,
            mapping=_read(write_map(tmp_path, missing, "m0.csv")),
        )
    assert "area,KAZ,<uid>" in exc.value.problems[0].message
    export(
        filled,
        "dhis2",
        first,
        indicators=["ncd30q70"],
        areas=["KAZ"],
        source=source,
        mapping=_read(write_map(tmp_path, out_map)),
    )
    doc = json.loads(first.read_text())
    assert "idScheme" not in doc
    assert {v["categoryOptionCombo"] for v in doc["dataValues"] if "categoryOptionCombo" in v} == {
        "FemaleCOUID",
        "MaleCOCOUID",
    }
    back = write_map(tmp_path, [(d, to, fr) for d, fr, to in out_map], "back.csv")
    with Store.open(":memory:") as empty:
        s = services.run_import(empty, "dhis2", [first], mapping=back)
        assert (s.status, s.created) == ("SUCCESS", 66)
        assert empty.con.execute("SELECT DISTINCT age FROM observation").fetchall() == [("30-69",)]
        second = tmp_path / "b.json"
        export(empty, "dhis2", second, mapping=_read(write_map(tmp_path, out_map, "m2.csv")))
    assert second.read_bytes() == first.read_bytes()


def _read(path: Path) -> dict[str, dict[str, str]]:
    return services.read_mapping(path)


def test_export_cli(filled: Store, tmp_path: Path, db_path: Path) -> None:
    with Store.open(db_path) as s:
        f = tmp_path / "mixed.csv"
        f.write_text(MIXED, encoding="utf-8")
        assert services.run_import(s, "observations", [f]).ok
    runner = CliRunner()
    r = runner.invoke(app, ["export", "dhis2", "--indicator", "le0", "--source", "BNS",
                            "--area", "KAZ", "--db", str(db_path)])  # fmt: skip
    assert r.exit_code == 2 and "categoryOptionCombo,sex=female;residence=urban" in r.output
    out = tmp_path / "x.csv"
    r = runner.invoke(app, ["export", "sdmx", "--indicator", "deaths", "-o", str(out),
                            "--db", str(db_path)])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert out.exists() and (tmp_path / "x.structure.xml").exists()
    r = runner.invoke(app, ["export", "sdmx", "--indicator", "nope", "-o", str(out),
                            "--db", str(db_path)])  # fmt: skip
    assert r.exit_code == 2 and "unknown indicator" in r.output
    # import with --metadata and --map from the command line
    m = write_map(
        tmp_path,
        [("area", "DiszpKrYNg8", "SLE")]
        + [
            ("indicator", d, f"sl_{d.lower()}")
            for d in ("Ix2HsbDMLea", "eY5ehpbEsB7", "f7n9E0hX8qk", "FTRrcoaog83")
        ],
    )
    dvs = (
        INTEROP
        / "dhis2_datavaluesets"
        / "play-40.0.1_dataValueSets_pBOMPrpg1QX_202201_DiszpKrYNg8.json"
    )
    meta = INTEROP / "dhis2_metadata" / "play-40.0.1_organisationUnits_all_name-id.json"
    r = runner.invoke(app, ["import", "dhis2", str(dvs), "--metadata", str(meta), "--map", str(m),
                            "--new-indicators", "--db", str(db_path)])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "SUCCESS" in r.output


# -- CSV injection (issue 13 item 9) -----------------------------------------------------------

FORMULA = '=HYPERLINK("http://x","click")'


def test_formula_like_text_is_neutralised_and_numbers_are_not() -> None:
    import pandas as pd

    from salamat.export.common import csv_text, neutralised

    frame = pd.DataFrame(
        {
            "note": [FORMULA, "+7 777 123", "-5", "@SUM(A1)", "\tx", "plain", None],
            "value": [-3.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )
    out = neutralised(frame)
    assert out["note"].tolist()[:6] == [
        "'" + FORMULA, "'+7 777 123", "-5", "'@SUM(A1)", "'\tx", "plain",
    ]  # fmt: skip
    assert pd.isna(out["note"][6])  # a missing cell stays missing
    assert out["value"].tolist() == frame["value"].tolist()  # numbers stay numbers
    assert frame["note"][0] == FORMULA  # the caller's frame is not changed
    text = csv_text(frame)
    assert "\n-3.5," not in text and "'=HYPERLINK" in text and ",-3.5\n" in text


def test_neutralised_judges_each_cell_by_the_rule() -> None:
    """Judged once per distinct text (fast), yet every cell as the rule says: object and string
    columns, repeated and missing cells, cells that are not text, numbers with a sign."""
    import re

    import pandas as pd

    from salamat.export.common import neutralised

    cells = [FORMULA, "-5", "-5", "+1.5e-3", "-x", "=1+1", None, "ok", "@a", "-.5", "-5 kg", ""]
    frame = pd.DataFrame(
        {
            "object": pd.Series([*cells[:-1], 7], dtype=object),  # a number among the texts
            "string": pd.Series(cells, dtype="string"),
        }
    )
    start, number = (
        re.compile(r"^[=+\-@\t\r]"),
        re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"),
    )

    def rule(v: object) -> object:
        text_like = isinstance(v, str) and start.match(v) and not number.fullmatch(v)
        return "'" + v if text_like else v  # type: ignore[operator]

    out = neutralised(frame)
    for col in frame.columns:
        got = [None if pd.isna(v) else v for v in out[col]]
        assert got == [None if pd.isna(v) else rule(v) for v in frame[col]], col


def test_every_csv_output_neutralises_a_formula_in_the_data(tmp_path: Path) -> None:
    runner = CliRunner()
    db = tmp_path / "s.duckdb"
    f = tmp_path / "obs.csv"
    f.write_text(
        "indicator,area,period,value,unit,source,note\n"
        f'le0,KAZ,2019,73.18,years,"{FORMULA.replace(chr(34), chr(34) * 2)}",@cmd\n',
        encoding="utf-8",
    )
    r = runner.invoke(app, ["import", "observations", str(f), "--db", str(db)])
    assert r.exit_code == 0, r.output
    series = runner.invoke(
        app, ["series", "le0", "--area", "KAZ", "--format", "csv", "--db", str(db)]
    )
    assert series.exit_code == 0, series.output
    assert "'=HYPERLINK" in series.output and "'@cmd" in series.output
    assert "\n=HYPERLINK" not in series.output and ',"=HYPERLINK' not in series.output
    assert ",73.18," in series.output  # the value stays a number
    out = tmp_path / "tidy"
    r = runner.invoke(app, ["export", "tidy", "--db", str(db), "-o", str(out)])
    assert r.exit_code == 0, r.output
    tidy = (out / "le0.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in tidy and "'@cmd" in tidy
    import warnings

    from salamat.api.app import create_app

    with warnings.catch_warnings():
        # starlette's TestClient warns on import that it would rather use httpx2 (not installed)
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from fastapi.testclient import TestClient

    with TestClient(create_app(str(db))) as client:
        body = client.get("/api/v1/series/le0?area=KAZ&format=csv").text
    assert "'=HYPERLINK" in body and "'@cmd" in body
