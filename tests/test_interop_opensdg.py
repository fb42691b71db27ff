from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import table_snapshot
from interop_helpers import INTEROP, write_map
from salamat.ingest.opensdg import opensdg_age
from salamat.services import imports as services
from salamat.store.connection import Store

REPO = INTEROP / "opensdg_kazstat_goal3"
# series with no Salamat indicator, and the regional values of 3-1-1 and 3-7-2 for 2022-2023,
# which the platform still gives on the pre-2022 borders (no Abai, Jetisu, Ulytau in those files)
LEAVE_OUT = [
    *(("indicator", s, "-") for s in ("3-3-1-1", "3-5-1", "3-7-1", "3-7-2-1", "3-8-2", "3-a-1",
                                     "3-b-2", "3-b-3")),
    *(
        ("area", f"{i}/{r}@{y}", "-")
        for i in ("3-1-1", "3-7-2")
        for r in ("KZALM", "KZVOS", "KZKAR")
        for y in (2022, 2023)
    ),
]  # fmt: skip


def one(store: Store, where: str) -> list[tuple[object, ...]]:
    return store.con.execute(
        "SELECT area, period, sex, age, residence, value, unit FROM observation "
        f"WHERE {where} ORDER BY area, period, sex, residence"
    ).fetchall()


@pytest.fixture
def imported(store: Store, tmp_path: Path) -> Store:
    s = services.run_import(
        store, "opensdg", [REPO], mapping=write_map(tmp_path, LEAVE_OUT), area="KAZ"
    )
    assert (s.status, s.created, s.rejected) == ("SUCCESS", 11404, 0)
    assert any("7 file(s) without data" in n for n in s.notes)
    assert any("indicator_3-1-1.csv: 6 row(s) not imported" in n for n in s.notes)
    return store


def test_every_series_lands_on_its_indicator(imported: Store) -> None:
    counts = dict(
        imported.con.execute("SELECT indicator, count(*) FROM observation GROUP BY 1").fetchall()
    )
    assert counts == {
        "maternal_mortality_ratio": 231, "skilled_birth_attendance": 715, "u5mr": 1482,
        "nmr": 1482, "hiv_incidence": 14, "tb_incidence": 42, "hepb_incidence": 14,
        "ncd30q70": 42, "suicide_mortality": 1482, "road_traffic_mortality": 1482,
        "adolescent_birth_rate": 1360, "unsafe_wash_mortality": 1482, "poisoning_mortality": 1482,
        "vaccination_coverage": 14, "dtp3_coverage": 14, "mcv2_coverage": 14, "pcv3_coverage": 12,
        "physician_density": 10, "nurse_midwife_density": 10, "dentist_density": 10,
        "pharmacist_density": 10,
    }  # fmt: skip


def test_regions_on_the_unit_of_their_year(imported: Store) -> None:
    u5 = "indicator = 'u5mr' AND sex = 'total' AND residence = 'total'"
    south = one(imported, f"{u5} AND area IN ('KZ-ONT', 'KZ-61', 'KZ-79')")
    assert [r[:2] for r in south][:8] == [("KZ-61", "2018"), ("KZ-61", "2019"),
                                         ("KZ-79", "2018"), ("KZ-79", "2019"),
                                         ("KZ-ONT", "2010"), ("KZ-ONT", "2011"),
                                         ("KZ-ONT", "2012"), ("KZ-ONT", "2013")]  # fmt: skip
    assert one(imported, f"{u5} AND area = 'KZ-ONT' AND period = '2010'")[0][5] == 23.0
    # 3-1-2 gives Jetisu, Abai and Ulytau for 2022: KZALM is then the new Almaty Region
    sba = "indicator = 'skilled_birth_attendance' AND residence = 'total'"
    assert {r[0] for r in one(imported, f"{sba} AND period = '2022'")} >= {"KZ-19", "KZ-33"}
    assert one(imported, f"{sba} AND area = 'KZ-ALM' AND period = '2021'")
    assert not one(imported, f"{sba} AND area = 'KZ-ALM' AND period = '2022'")
    mmr = one(imported, "indicator = 'maternal_mortality_ratio' AND period = '2023'")
    assert {r[0] for r in mmr} & {"KZ-ALM", "KZ-19", "KZ-VOS", "KZ-63"} == set()


def test_disaggregations_units_and_definitional_age(imported: Store) -> None:
    assert one(imported, "indicator = 'tb_incidence' AND period = '2010'") == [
        ("KAZ", "2010", "total", "all", "rural", 81.1, "per 100,000 population"),
        ("KAZ", "2010", "total", "all", "total", 95.3, "per 100,000 population"),
        ("KAZ", "2010", "total", "all", "urban", 107.3, "per 100,000 population"),
    ]
    q = one(imported, "indicator = 'ncd30q70' AND period = '2010'")
    assert [(r[2], r[3], r[5]) for r in q] == [
        ("female", "30-69", 21.3),
        ("male", "30-69", 41.19),
        ("total", "30-69", 30.48),
    ]
    abr = one(
        imported,
        "indicator = 'adolescent_birth_rate' AND area = 'KAZ' AND period = '2010'"
        " AND residence = 'total'",
    )
    assert [(r[3], r[5]) for r in abr] == [("10-14", 0.04), ("15-19", 28.26)]
    dtp = one(imported, "indicator = 'dtp3_coverage' AND period = '2010'")
    assert dtp == [("KAZ", "2010", "total", "all", "total", 98.9, "%")]


def test_without_a_map_every_gap_is_a_problem_and_nothing_is_written(store: Store) -> None:
    before = table_snapshot(store)
    s = services.run_import(store, "opensdg", [REPO], area="KAZ")
    assert s.status == "ERROR"
    msgs = {p.message for p in s.problems}
    assert (
        "Open SDG series '3-5-1/COMPOSITE_BREAKDOWN=_L_HLTH_IMBD_ALH' has no Salamat indicator: "
        "map it with --map (indicator,3-5-1/COMPOSITE_BREAKDOWN=_L_HLTH_IMBD_ALH,<code>), adding "
        "--new-indicators for a new code, or '-' to leave it out"
    ) in msgs
    old = [p for p in s.problems if p.field == "area"]
    assert len(old) == 6 + 36
    assert {Path(p.file).name for p in old} == {"indicator_3-1-1.csv", "indicator_3-7-2.csv"}
    assert any(
        p.message.startswith("KZALM in 2022: this file does not give the regions split off")
        and "leave it out with --map (area,KZALM@2022,-)" in p.message
        for p in old
    )
    assert table_snapshot(store) == before


def test_a_single_file_and_broken_copies(store: Store, tmp_path: Path) -> None:
    one_file = REPO / "data" / "indicator_3-4-1.csv"
    s = services.run_import(store, "opensdg", [one_file], area="KAZ")
    assert (s.status, s.created) == ("SUCCESS", 42)
    before = table_snapshot(store)
    lines = (REPO / "data" / "indicator_3-2-1.csv").read_text().splitlines()
    assert lines[2] == "2010,PER_1000_LIVE_BIRTHS,_T,,KZAKM,16.99"
    broken = [
        lines[0],
        lines[1],
        lines[2].replace("KZAKM", "KZXXX"),  # row 3: unknown region
        lines[3].replace(",19.45", ",n/a"),  # row 4: text value
        lines[1],  # row 5: duplicate of row 2
        lines[4].replace(
            "PER_1000_LIVE_BIRTHS", "PER_1000_POP"
        ),  # row 6: a unit that cannot be converted
    ]
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "indicator_3-2-1.csv").write_text("\n".join(broken) + "\n")
    s = services.run_import(store, "opensdg", [tmp_path], area="KAZ")
    got = {(p.row, p.field) for p in s.problems}
    assert got == {(3, "area"), (4, "value"), (5, "value"), (6, "unit")}
    assert "map it with --map (area,KZXXX,<code>)" in s.problems[0].message
    assert table_snapshot(store) == before
    shutil.rmtree(folder)


@pytest.mark.parametrize(
    ("code", "band"),
    [("Y10T14", "10-14"), ("Y_GE15", "15+"), ("Y6", "6"), ("", "all"), ("M36T47", None)],
)
def test_opensdg_ages(code: str, band: str | None) -> None:
    assert opensdg_age(code) == band


def test_the_demo_subset_imports_cleanly_and_again_unchanged(store: Store) -> None:
    from salamat.demo.opensdg import opensdg_demo

    s = opensdg_demo(store)
    assert (s.status, s.created) == ("SUCCESS", 3331)
    again = opensdg_demo(store)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3331)


def test_exchange_kinds_are_registered() -> None:
    from salamat.ingest.registry import parser_kinds

    assert {"gho", "dhis2", "sdmx", "opensdg"} <= set(services.import_kinds())
    assert "Open SDG" in parser_kinds()["opensdg"]


def test_older_open_sdg_file_name_is_read_and_never_given_a_default_country(
    store: Store, tmp_path: Path
) -> None:
    # Kyrgyzstan's platform names its files data/3-2-1.csv (older Open SDG naming); its national
    # rows (empty concept.REF_AREA) need the platform's country: never KAZ
    f = Path(__file__).parent / "data" / "real" / "opensdg" / "kyrgyzstan" / "3-2-1.csv"
    s = services.run_import(store, "opensdg", [f])
    assert s.status == "ERROR"
    assert any("no REF_AREA" in p.message and "--area CODE" in p.message for p in s.problems)
    m = tmp_path / "map.csv"
    m.write_text("dimension,from,to\nindicator,3-2-1,u5mr\n", encoding="utf-8")
    s = services.run_import(store, "opensdg", [f], mapping=m, area="KGZ", skip_invalid=True)
    assert s.status == "WARNING", s.problems[:2]
    got = store.con.execute(
        "SELECT area, period, value FROM observation WHERE period IN ('2016', '2017') "
        "ORDER BY period"
    ).fetchall()
    assert got == [("KGZ", "2016", 198.0), ("KGZ", "2017", 18.5)]
    assert store.con.execute("SELECT count(*) FROM observation WHERE area = 'KAZ'").fetchone() == (
        0,
    )


OTHER = INTEROP.parent / "real" / "opensdg"


def test_other_platform_new_indicators_from_its_id_and_units(store: Store, tmp_path: Path) -> None:
    f = OTHER / "armenia" / "indicator_3-2-1.csv"
    m = write_map(tmp_path, [("sex", "boy", "male"), ("sex", "girl", "female")])
    s = services.run_import(store, "opensdg", [f], area="ARM", new_indicators=True, mapping=m)
    assert (s.status, s.created, s.rejected) == ("SUCCESS", 55, 0), s.problems[:2]
    code = "opensdg_3_2_1_units_per_1_000_life_births"
    got = store.con.execute(
        "SELECT name_en, unit, international_code FROM data_element WHERE code = ?", [code]
    ).fetchone()
    assert got == (
        "SDG indicator 3.2.1 (per 1,000 life births)",
        "per 1,000 life births",
        "3-2-1/UNITS=per 1,000 life births",
    )
    rows = store.con.execute(
        "SELECT sex, value, area FROM observation WHERE indicator = ? AND period = '2015' "
        "ORDER BY sex",
        [code],
    ).fetchall()
    assert rows == [("female", 9.5, "ARM"), ("male", 11.2, "ARM"), ("total", 10.4, "ARM")]
    again = services.run_import(store, "opensdg", [f], area="ARM", new_indicators=True, mapping=m)
    assert (again.created, again.updated) == (0, 0)


def test_renamed_file_refused_saying_how_to_import_it(store: Store) -> None:
    f = OTHER / "uk" / "indicator_3-4-1_first-rows.csv"
    s = services.run_import(store, "opensdg", [f], area="GBR")
    assert s.status == "ERROR"
    assert "if it holds indicator 3-4-1, copy it as indicator_3-4-1.csv" in s.problems[0].message


def test_other_platform_series_never_take_kazakhstans_indicators(
    store: Store, tmp_path: Path
) -> None:
    # Kyrgyzstan's 3-2-1 (no unit stated; 353 in 2007, ten times a u5mr per 1,000) is not u5mr
    f = OTHER / "kyrgyzstan" / "3-2-1.csv"
    s = services.run_import(store, "opensdg", [f], area="KGZ")
    assert s.status == "ERROR"
    assert "Open SDG series '3-2-1' has no Salamat indicator" in s.problems[0].message
    regions = {p.value for p in s.problems if p.field == "area"}
    assert regions == {f"KG{n:02d}" for n in (2, 3, 4, 5, 6, 7, 8, 11, 21)}  # code.KG05 read
    m = write_map(tmp_path, [("area", r, "-") for r in sorted(regions)])
    s = services.run_import(store, "opensdg", [f], area="KGZ", new_indicators=True, mapping=m)
    assert (s.status, s.created) == ("SUCCESS", 12), s.problems[:2]
    got = store.con.execute(
        "SELECT indicator, value, unit FROM observation WHERE area = 'KGZ' AND period = '2007'"
    ).fetchall()
    assert got == [("opensdg_3_2_1", 353.0, None)]  # no unit stated: none assumed
    assert store.con.execute(
        "SELECT count(*) FROM observation WHERE indicator = 'u5mr'"
    ).fetchone() == (0,)
