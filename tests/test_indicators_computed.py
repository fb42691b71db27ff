"""Computed indicators: regions roll up by summing deaths and exposures, never by averaging.

The store is filled through the ordinary imports with synthetic records for three regions and
the three units that replaced Almaty Region in 2022; the expected values are computed here from
the pooled records themselves, with no store in between. Tolerance 1e-9 (the same arithmetic
in a different order).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from salamat.errors import InputError, MethodError
from salamat.indicators.definitions import definition_from_row
from salamat.methods.computed import (
    age_standardised_rate,
    life_expectancy,
    probability_30q70,
    regroup,
)
from salamat.services import imports as services
from salamat.services import targets as svc
from salamat.store.connection import Store

REGIONS = ["KZ-75", "KZ-71", "KZ-11", "KZ-ALM", "KZ-19", "KZ-33"]
NCD = ("I", "C", "E1", "J")


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    from salamat.demo.synthetic import synthetic_deaths, synthetic_population

    pop = synthetic_population()
    pop = pop[pop["region"].isin(REGIONS) & pop["year"].isin([2021, 2022, 2023])]
    pop = pop.reset_index(drop=True)
    deaths = synthetic_deaths(pop, seed=11)
    tmp = tmp_path_factory.mktemp("agg")
    db = tmp / "agg.duckdb"
    pf, df = tmp / "pop.parquet", tmp / "deaths.parquet"
    pop.to_parquet(pf, index=False)
    deaths.to_parquet(df, index=False)
    with Store.open(db) as s:
        assert services.run_import(s, "population", [pf]).ok
        assert services.run_import(s, "deaths", [df]).ok
    return db, pop, deaths


def pooled(
    pop: pd.DataFrame, deaths: pd.DataFrame, regions: list[str], year: int, ncd: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Deaths and exposures by single age straight from the records, all regions pooled."""
    p = pop[pop["region"].isin(regions) & (pop["year"] == year)]
    age_p = p["age"].astype(str).str.rstrip("+").astype(int)
    d = deaths[deaths["region"].isin(regions)]
    d = d[pd.to_datetime(d["death_date"]).dt.year == year]
    if ncd:
        icd = d["icd10"].str.replace(".", "", regex=False)
        keep = (
            icd.str[:3].between("I00", "I99")
            | icd.str[:3].between("C00", "C97")
            | icd.str[:3].between("E10", "E14")
            | icd.str[:3].between("J30", "J98")
        )
        d = d[keep]
    top = int(max(age_p.max(), d["age"].astype(int).max()))
    ages = np.arange(top + 1, dtype=float)
    dx = np.bincount(d["age"].astype(int), minlength=top + 1).astype(float)
    ex = np.bincount(age_p, weights=p["population"].astype(float), minlength=top + 1)
    return ages, dx[None, :], ex[None, :]


def test_national_from_regions_equals_national_from_pooled_records(filled) -> None:  # type: ignore[no-untyped-def]
    db, pop, deaths = filled
    with Store.open(db, read_only=True) as s:
        le0 = svc.compute(s, "le0", "KAZ")
        asdr = svc.compute(s, "asdr_all", "KAZ")
        q = svc.compute(s, "ncd30q70", "KAZ")
    assert le0["period"].tolist() == ["2021", "2022", "2023"]
    for year in (2021, 2022, 2023):
        regions = [r for r in REGIONS if (pop["region"].eq(r) & pop["year"].eq(year)).any()]
        ages, d, e = pooled(pop, deaths, regions, year)
        row = le0[le0["period"] == str(year)].iloc[0]
        want = life_expectancy(ages, d, e)
        assert row["value"] == pytest.approx(float(want.value[0]), abs=1e-9)
        assert row["lower"] == pytest.approx(float(want.lower[0]), abs=1e-9)
        want_asdr = age_standardised_rate(ages, d, e)
        got = asdr[asdr["period"] == str(year)].iloc[0]["value"]
        assert got == pytest.approx(float(want_asdr.value[0]), abs=1e-9)
        ages_n, dn, en = pooled(pop, deaths, regions, year, ncd=True)
        want_q = probability_30q70(ages_n, dn, en)
        got_q = q[q["period"] == str(year)].iloc[0]["value"]
        assert got_q == pytest.approx(float(want_q.value[0]), abs=1e-9)
    assert le0["source"].str.startswith("Salamat (computed from ").all()
    assert le0["source"].str.contains("exposures: ").all()


def test_rates_are_never_averaged(filled) -> None:  # type: ignore[no-untyped-def]
    db, _, _ = filled
    with Store.open(db, read_only=True) as s:
        national = svc.compute(s, "le0", "KAZ", start=2023, end=2023)["value"].iloc[0]
        regional = [
            svc.compute(s, "le0", r, start=2023, end=2023)["value"].iloc[0]
            for r in ("KZ-75", "KZ-71", "KZ-11", "KZ-19", "KZ-33")
        ]
    # the national value lies inside the regional range but is not their plain mean
    assert min(regional) < national < max(regional)
    assert abs(national - float(np.mean(regional))) > 1e-6


def test_an_abolished_region_is_the_sum_of_its_successors(filled) -> None:  # type: ignore[no-untyped-def]
    db, pop, deaths = filled
    with Store.open(db, read_only=True) as s:
        alm = svc.compute(s, "le60", "KZ-ALM", sex="female")
    assert alm["period"].tolist() == ["2021", "2022", "2023"]
    f_pop = pop[pop["sex"] == "female"]
    f_deaths = deaths[deaths["sex"].isin(["F", "female"])]
    ages, d, e = pooled(f_pop, f_deaths, ["KZ-19", "KZ-33"], 2022)
    want = life_expectancy(ages, d, e, at=60, sex="female")
    assert alm.iloc[1]["value"] == pytest.approx(float(want.value[0]), abs=1e-9)
    assert alm.iloc[0]["regions"] == "KZ-19, KZ-33, KZ-ALM"


def test_saved_values_sit_beside_reported_ones(filled, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, _, _ = filled
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(db.read_bytes())
    with Store.open(copy) as s:
        frame = svc.compute(s, "le0", "KAZ")
        assert svc.save_computed(s, frame) == (3, 0, 0)
        assert svc.save_computed(s, frame) == (0, 0, 3)  # idempotent
        rows = s.con.execute(
            "SELECT period, value, lower, upper, source FROM observation "
            "WHERE indicator = 'le0' AND area = 'KAZ' ORDER BY period"
        ).fetchall()
    assert [r[0] for r in rows] == ["2021", "2022", "2023"]
    assert all(r[2] < r[1] < r[3] for r in rows)
    assert rows[0][4].startswith("Salamat (computed from")


def test_what_cannot_be_computed_says_why(filled) -> None:  # type: ignore[no-untyped-def]
    db, _, _ = filled
    with Store.open(db, read_only=True) as s:
        with pytest.raises(MethodError, match="imported as published"):
            svc.compute(s, "tb_incidence", "KAZ")
        with pytest.raises(InputError, match="no deaths and population"):
            svc.compute(s, "le0", "KZ-47")
        with pytest.raises(InputError, match="unknown indicator"):
            svc.compute(s, "nope", "KAZ")


def test_regroup_and_definitions() -> None:
    assert regroup([0, 1, 2, 3], [[1, 2, 3, 4]], [0, 1, 3]).tolist() == [[1.0, 5.0, 4.0]]
    d = definition_from_row(
        {
            "code": "asdr_external",
            "method": "age_standardised_rate",
            "inputs": "deaths(cause=external) and population",
            "multiplier": "100000",
        }
    )
    assert d.cause == "external" and d.computable and d.multiplier == 100000
    le60 = definition_from_row(
        {"code": "le60", "method": "life_expectancy", "inputs": "deaths; e(x) at age 60"}
    )
    assert le60.at_age == 60
    with pytest.raises(InputError) as info:
        definition_from_row({"code": "x", "method": "magic", "multiplier": "-1", "trend": "cubic"})
    assert {p.field for p in info.value.problems} == {"method", "multiplier", "trend"}


def test_the_bundled_catalogue_is_valid(store: Store) -> None:
    defs = svc.catalogue(store)
    for code in (
        "le0",
        "le60",
        "ncd30q70",
        "asdr_all",
        "asdr_circulatory",
        "asdr_cancer",
        "asdr_respiratory_chronic",
        "asdr_diabetes",
        "asdr_tuberculosis",
        "imr",
        "tb_incidence",
        "che_gdp",
        "domestic_medicines_share",
        "health_investment",
        "health_investment_private_share",
        "facilities_commissioned",
        "hpv_coverage",
        "screening_coverage",
    ):
        assert code in defs, code
        assert defs[code].name_kk and defs[code].name_ru and defs[code].description
    assert defs["le0"].international_code == "WHOSIS_000001"
    assert defs["ncd30q70"].sdg == "3.4.1" and defs["ncd30q70"].higher_is_better is False
