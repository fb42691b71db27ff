"""SDG 3.4.1 (30q70): formula, agreement with a life table, interval."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from salamat.errors import InputError, MethodError
from salamat.methods.lifetable import life_table
from salamat.methods.ncd import NCD_AGES, ncd_30q70

PROPERTY = settings(derandomize=True, max_examples=60, deadline=None)


def test_formula_for_equal_rates() -> None:
    m = 0.004
    q = 5 * m / (1 + 2.5 * m)
    result = ncd_30q70([[40.0] * 8], [[10_000.0] * 8])
    assert float(result.q30_70[0]) == pytest.approx(1 - (1 - q) ** 8, rel=1e-14)
    assert result.ncd_deaths[0] == 320 and result.population[0] == 80_000


def test_equals_one_minus_l70_over_l30_of_a_life_table() -> None:
    rng = np.random.default_rng(7)
    deaths = rng.integers(5, 400, size=(6, 8)).astype(float)
    population = rng.uniform(2e4, 2e5, size=(6, 8))
    result = ncd_30q70(deaths, population, age=NCD_AGES)
    mx = np.concatenate([deaths / population, np.full((6, 1), 0.1)], axis=1)
    table = life_table([*NCD_AGES, 70.0], mx=mx)
    assert np.allclose(result.q30_70, 1 - table.lx[:, -1] / table.lx[:, 0], rtol=1e-13)


def test_delta_method_standard_error_matches_simulation() -> None:
    # tolerance chosen before the run: simulated SD within 10% of the delta-method SE
    rng = np.random.default_rng(2024)
    expected = np.array([20, 30, 45, 70, 100, 150, 210, 300], dtype=float)
    population = np.full(8, 50_000.0)
    point = ncd_30q70(expected, population)
    se = (float(point.upper) - float(point.lower)) / (2 * 1.959964)
    simulated = ncd_30q70(rng.poisson(expected, size=(4000, 8)).astype(float), population)
    assert np.std(simulated.q30_70) == pytest.approx(se, rel=0.10)


def test_wrong_ages_are_an_input_error() -> None:
    with pytest.raises(InputError, match="30-34"):
        ncd_30q70(np.ones(8), np.full(8, 100.0), age=np.arange(25.0, 65.0, 5.0))


def test_negative_deaths_are_an_input_error() -> None:
    with pytest.raises(InputError):
        ncd_30q70([-1.0] + [1.0] * 7, np.full(8, 100.0))


def test_impossible_rate_is_a_method_error() -> None:
    with pytest.raises(MethodError, match="age 45"):
        ncd_30q70([1.0, 1, 1, 500, 1, 1, 1, 1], np.full(8, 100.0))


@PROPERTY
@given(
    deaths=arrays(np.float64, (3, 8), elements=st.integers(0, 2000).map(float)),
    population=arrays(np.float64, (3, 8), elements=st.floats(1e4, 1e6)),
    level=st.sampled_from([0.9, 0.95, 0.99]),
)
def test_property_interval_contains_point(
    deaths: np.ndarray, population: np.ndarray, level: float
) -> None:
    result = ncd_30q70(deaths, population, level=level)
    assert np.all((result.lower >= 0) & (result.upper <= 1))
    assert np.all(result.lower <= result.q30_70)
    assert np.all(result.q30_70 <= result.upper)
