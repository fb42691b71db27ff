"""Intervals: exact and Byar's Poisson, Wilson, Dobson, Fay-Feuer."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salamat.errors import InputError
from salamat.methods.intervals import (
    dobson_interval,
    fay_feuer_interval,
    poisson_byars,
    poisson_exact,
    wilson,
    z_value,
)

PROPERTY = settings(derandomize=True, max_examples=100, deadline=None)


def test_exact_poisson_known_values() -> None:
    # 95% exact limits for 10 events: 4.7954 and 18.3904 (standard tables)
    lower, upper = poisson_exact(10)
    assert float(lower) == pytest.approx(4.795389, abs=5e-6)
    assert float(upper) == pytest.approx(18.390356, abs=5e-6)
    lower0, upper0 = poisson_exact(0)
    assert float(lower0) == 0.0
    assert float(upper0) == pytest.approx(3.688879, abs=5e-6)


def test_byars_close_to_exact_for_large_counts() -> None:
    exact = np.array(poisson_exact(1000))
    byars = np.array(poisson_byars(1000))
    assert np.allclose(exact, byars, rtol=1e-4)


@pytest.mark.reference("Newcombe R.G. (1998), Stat Med 17:857-872, Table II, method 3 (Wilson)")
@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_newcombe_examples(x: int, n: int, low: float, high: float) -> None:
    lower, upper = wilson(x, n)
    assert float(lower) == pytest.approx(low, abs=0.00005)
    assert float(upper) == pytest.approx(high, abs=0.00005)


def test_wilson_rejects_more_successes_than_trials() -> None:
    with pytest.raises(InputError):
        wilson(5, 4)


def test_level_must_be_a_fraction() -> None:
    with pytest.raises(InputError):
        z_value(95)


def test_single_stratum_dobson_is_exact_poisson() -> None:
    # one stratum with weight w: R = w x, V = w^2 x, so R_L = w O_L
    w, x = 0.002, 37.0
    lower, upper = dobson_interval(w * x, w * w * x, x, 0.95, count_limits="exact")
    exact = poisson_exact(x)
    assert float(lower) == pytest.approx(w * float(exact[0]), rel=1e-12)
    assert float(upper) == pytest.approx(w * float(exact[1]), rel=1e-12)


def test_single_stratum_fay_feuer_is_exact_poisson() -> None:
    w, x = 0.002, 37.0
    lower, upper = fay_feuer_interval(w * x, w * w * x, w, 0.9)
    exact = poisson_exact(x, 0.9)
    assert float(lower) == pytest.approx(w * float(exact[0]), rel=1e-9)
    assert float(upper) == pytest.approx(w * float(exact[1]), rel=1e-9)


def test_dobson_needs_a_count() -> None:
    with pytest.raises(InputError):
        dobson_interval(0.0, 0.0, 0.0)


@PROPERTY
@given(x=st.integers(0, 100_000), level=st.sampled_from([0.8, 0.9, 0.95, 0.99, 0.998]))
def test_property_poisson_intervals_contain_count(x: int, level: float) -> None:
    for lower, upper in (poisson_exact(x, level), poisson_byars(x, level)):
        assert float(lower) <= x <= float(upper)


@PROPERTY
@given(n=st.integers(1, 10_000), data=st.data(), level=st.sampled_from([0.9, 0.95, 0.99]))
def test_property_wilson_contains_proportion(n: int, data: st.DataObject, level: float) -> None:
    x = data.draw(st.integers(0, n))
    lower, upper = wilson(x, n, level)
    assert 0.0 <= float(lower) <= x / n <= float(upper) <= 1.0
