"""``salamat import unsdg`` on a real answer of the SDG API's JSON (``GET /v1/sdg/Series/Data``):
SDG 3.8.2, series SH_OOP_XPD_EARNNET40, Afghanistan, one page of 62 records, saved by a user's
script (tests/data/real/unsdg/PROVENANCE.md). Its ``Sex`` and ``Age`` are those of the head of
household: they must never become the sex or age of the value. Values checked by hand against
the file, then every stored value against the file's record, read here with ``json`` alone."""

from __future__ import annotations

import json

import pytest

from conftest import DATA
from salamat.ingest.unsdg import SOURCE
from salamat.services import imports as services
from salamat.store.connection import Store

REAL_JSON = DATA / "real" / "unsdg" / "SH_OOP_XPD_EARNNET40_AFG_api-series-data_page1.json"
BASE = "unsdg_sh_oop_xpd_earnnet40"


def value(store: Store, indicator: str, period: str, residence: str = "total") -> float:
    found = store.con.execute(
        "SELECT value FROM observation WHERE indicator = ? AND area = 'AFG' AND period = ? "
        "AND residence = ?",
        [indicator, period, residence],
    ).fetchall()
    assert len(found) == 1, (indicator, period, residence, found)
    return float(found[0][0])


@pytest.fixture
def imported(store: Store) -> Store:
    s = services.run_import(store, "unsdg", [REAL_JSON], new_indicators=True)
    assert s.ok, s.as_dict()
    assert (s.created, s.rejected) == (62, 0)
    return store


def test_without_a_mapping_every_record_names_its_series(store: Store) -> None:
    s = services.run_import(store, "unsdg", [REAL_JSON])
    assert not s.ok and s.created == 0
    text = json.dumps(s.as_dict())
    assert "SH_OOP_XPD_EARNNET40/Sex of head of household=FEMALE" in text
    assert "SH_OOP_XPD_EARNNET40/Quantile=Q1" in text


def test_hand_checked_values(imported: Store) -> None:
    # 2016, Afghanistan Living Conditions Survey 2016-17, nature CA: the national value
    assert value(imported, BASE, "2016") == 32.30
    assert value(imported, BASE, "2007", "urban") == 5.52
    assert value(imported, BASE, "2013", "rural") == 54.74
    assert value(imported, f"{BASE}_quantile_q1", "2013") == 91.13
    assert value(imported, f"{BASE}_type_of_household_hh_onlyolder", "2020") == 27.19
    # people in households headed by a woman / by someone aged 60 or more: not "women", "60+"
    assert value(imported, f"{BASE}_sex_of_head_of_household_female", "2016") == 38.04
    assert value(imported, f"{BASE}_age_of_head_of_household_60", "2020") == 37.64
    assert value(imported, f"{BASE}_age_of_head_of_household_0_59", "2007") == 24.41


def test_no_value_carries_the_heads_sex_or_age_as_its_own(imported: Store) -> None:
    rows = imported.con.execute(
        "SELECT DISTINCT sex, age, unit, source FROM observation"
    ).fetchall()
    assert rows == [("total", "all", "%", SOURCE)]
    name = imported.con.execute(
        "SELECT name_en FROM data_element WHERE code = ?",
        [f"{BASE}_sex_of_head_of_household_female"],
    ).fetchone()
    assert name is not None and "head of household" in name[0] and "FEMALE" in name[0]


def test_every_record_lands_as_published(imported: Store) -> None:
    doc = json.loads(REAL_JSON.read_text(encoding="utf-8"))
    assert doc["totalElements"] == len(doc["data"]) == 62
    expected = {}
    for rec in doc["data"]:
        dims = rec["dimensions"]
        key = BASE
        for name, dim, total in (
            ("sex_of_head_of_household", "Sex", "BOTHSEX"),
            ("age_of_head_of_household", "Age", "ALLAGE"),
            ("quantile", "Quantile", "_T"),
            ("type_of_household", "Type_of_household", "_T"),
        ):
            if dims[dim] != total:
                code = "".join(c if c.isalnum() else "_" for c in dims[dim].lower()).strip("_")
                key += f"_{name}_{code}"
        residence = {"ALLAREA": "total", "URBAN": "urban", "RURAL": "rural"}[dims["Location"]]
        period = str(int(rec["timePeriodStart"]))
        assert (key, period, residence) not in expected
        expected[(key, period, residence)] = float(rec["value"])
    stored = {
        (i, p, r): v
        for i, a, p, r, v in imported.con.execute(
            "SELECT indicator, area, period, residence, value FROM observation"
        ).fetchall()
        if a == "AFG"
    }
    assert stored == expected


def test_the_note_keeps_nature_survey_and_footnote(imported: Store) -> None:
    note = imported.con.execute(
        "SELECT note FROM observation WHERE indicator = ? AND period = '2020' "
        "AND residence = 'total'",
        [BASE],
    ).fetchone()
    assert note is not None
    assert "nature CA (country adjusted data)" in note[0]
    assert "Afghanistan Income and Expenditure and Labor Force survey 2020" in note[0]
    assert "household total consumption expenditure in the denominator" in note[0]


def test_reimport_changes_nothing(imported: Store) -> None:
    again = services.run_import(imported, "unsdg", [REAL_JSON], new_indicators=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 62)
