"""Crude and directly standardised rates: the PHE ESP 1976 example, standards, properties."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from salamat.errors import InputError
from salamat.methods.ages import starts_from_labels
from salamat.methods.standardise import (
    StandardPopulation,
    crude_rate,
    standard_population,
    standardise,
)

REFERENCE = Path(__file__).parent / "reference"
PROPERTY = settings(derandomize=True, max_examples=60, deadline=None)
ABRIDGED_18 = np.arange(0.0, 90.0, 5.0)


@pytest.mark.reference(
    "Public Health England, DSR worked example (ESP 1976), as in PHEindicatormethods "
    "tests/testthat/testdata_DSR.xlsx"
)
def test_phe_esp1976_worked_example() -> None:
    data = pd.read_csv(REFERENCE / "phe_dsr_testdata_1976.csv")
    age = starts_from_labels(data["Age Band"].tolist())
    # the file's own weights and the bundled ESP 1976 must agree
    assert standard_population("esp1976").weight.tolist() == data["esp1976"].tolist()
    result = standardise(data["count"], data["pop"], age, standard="esp1976", per=10_000)
    assert float(result.asr) == pytest.approx(859.2097585, abs=1e-6)
    assert float(result.lower) == pytest.approx(799.1160931, abs=1e-6)
    assert float(result.upper) == pytest.approx(922.5253880, abs=1e-6)
    assert not bool(result.suppressed)
    assert "Dobson" in result.method and "Byar" in result.method
    assert result.standard.startswith("esp1976") and result.per == 10_000
    assert result.level == 0.95


def test_esp2013_21_groups_collapse_exactly_to_19() -> None:
    fine = standard_population("esp2013")
    coarse = standard_population("esp2013_19")
    result = standardise(np.ones(19), np.full(19, 1e4), coarse.age, standard="esp2013", min_count=0)
    assert "summed" in result.standard
    sums = np.bincount(np.searchsorted(coarse.age, fine.age, side="right") - 1, weights=fine.weight)
    assert sums.tolist() == coarse.weight.tolist()
    assert fine.weight.sum() == 100_000


def test_bundled_standards_load() -> None:
    who = standard_population("who2000")
    assert who.age.size == 21 and who.weight.sum() == pytest.approx(100.035)
    assert standard_population("segi").weight.sum() == 100_000
    assert standard_population("who2000_single").age.size == 101


def test_who2000_uses_single_years_when_bands_need_them() -> None:
    ages = np.array([0.0, 1.0, *np.arange(5.0, 90.0, 5.0)])
    result = standardise(
        np.ones(ages.size), np.full(ages.size, 1e3), ages, standard="who2000", min_count=0
    )
    assert result.standard.startswith("who2000_single")


def test_mismatched_bands_are_an_input_error() -> None:
    with pytest.raises(InputError) as err:
        standardise(np.ones(3), np.full(3, 100.0), [0, 3, 10], standard="esp2013")
    assert err.value.problems[0].value == "3"


def test_small_numbers_are_flagged_with_a_reason() -> None:
    result = standardise(
        [[1, 2], [30, 40]],
        [[100, 100], [100, 100]],
        [0, 5],
        standard=StandardPopulation.from_arrays("two", [0, 5], [1, 1]),
    )
    assert result.suppressed.tolist() == [True, False]
    assert result.reason[0] == "total count 3 is under 10" and result.reason[1] == ""
    assert np.isnan(result.asr[0]) and not np.isnan(result.asr[1])


def test_zero_count_with_no_threshold_is_flagged_for_dobson() -> None:
    result = standardise(
        [[0, 0]],
        [[10, 10]],
        [0, 5],
        min_count=0,
        standard=StandardPopulation.from_arrays("two", [0, 5], [1, 1]),
    )
    assert bool(result.suppressed[0]) and "undefined" in result.reason[0]


def test_user_standard_must_be_valid() -> None:
    with pytest.raises(InputError):
        StandardPopulation.from_arrays("bad", [0, 5], [1, -1])


def test_crude_rate_exact_poisson() -> None:
    result = crude_rate([10, 3], [1000, 1000], per=1000)
    assert result.rate[0] == 10.0
    assert result.lower[0] == pytest.approx(4.795389, abs=5e-6)
    assert result.upper[0] == pytest.approx(18.390356, abs=5e-6)
    assert result.suppressed.tolist() == [False, True]


def test_negative_counts_rejected() -> None:
    with pytest.raises(InputError):
        crude_rate([-1], [10])


@PROPERTY
@given(
    rate=st.floats(1e-4, 0.5),
    population=arrays(np.float64, (3, 18), elements=st.floats(100.0, 1e6)),
    standard=st.sampled_from(["who2000", "esp2013", "esp1976", "segi"]),
)
def test_property_flat_rate_standardises_to_itself(
    rate: float, population: np.ndarray, standard: str
) -> None:
    result = standardise(
        rate * population,
        population,
        ABRIDGED_18,
        standard=standard,
        per=1.0,
        min_count=0,
    )
    assert np.allclose(result.asr, rate, rtol=1e-12)
    assert np.allclose(result.crude_rate, rate, rtol=1e-12)


@PROPERTY
@given(
    count=arrays(np.float64, (2, 18), elements=st.integers(0, 500).map(float)),
    population=arrays(np.float64, (2, 18), elements=st.floats(500.0, 1e5)),
    method=st.sampled_from(["dobson", "fay_feuer"]),
    level=st.sampled_from([0.9, 0.95, 0.998]),
)
def test_property_interval_contains_point(
    count: np.ndarray, population: np.ndarray, method: str, level: float
) -> None:
    result = standardise(
        count,
        population,
        ABRIDGED_18,
        standard="esp1976",
        min_count=1,
        ci_method=method,
        level=level,
    )
    shown = ~result.suppressed
    assert np.all(result.lower[shown] <= result.asr[shown])
    assert np.all(result.asr[shown] <= result.upper[shown])
    assert np.all(result.reason[result.suppressed] != "")
