"""Arriaga decomposition: adds up, equals stepwise replacement, splits by cause."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from salamat.errors import InputError
from salamat.methods.decompose import arriaga, arriaga_by_cause
from salamat.methods.lifetable import life_table

PROPERTY = settings(derandomize=True, max_examples=60, deadline=None)
AGES = np.array([0.0, 1.0, *np.arange(5.0, 90.0, 5.0)])
AX = np.append(np.where(AGES[:-1] == 0, 0.3, np.diff(AGES) / 2), np.nan)


def test_arriaga_equals_stepwise_replacement_from_the_oldest_age() -> None:
    # Andreev, Shkolnikov & Begun (2002): Arriaga's formula equals replacing A's rates by
    # B's one age at a time, from the oldest age down
    rng = np.random.default_rng(11)
    ma = rng.uniform(0.001, 0.2, AGES.size)
    mb = ma * rng.uniform(0.7, 1.3, AGES.size)

    def e0(m: np.ndarray) -> float:
        return float(life_table(AGES, mx=m, ax=AX).ex[0])

    steps = []
    for x in range(AGES.size):
        later = np.arange(AGES.size) > x
        steps.append(
            e0(np.where(later | (np.arange(AGES.size) == x), mb, ma)) - e0(np.where(later, mb, ma))
        )
    result = arriaga(life_table(AGES, mx=ma, ax=AX), life_table(AGES, mx=mb, ax=AX))
    assert np.max(np.abs(result.contribution - np.array(steps))) < 1e-12


def test_identical_tables_give_zero() -> None:
    table = life_table(AGES, mx=np.linspace(0.001, 0.2, AGES.size), sex="female")
    result = arriaga(table, table)
    assert np.all(result.contribution == 0)


def test_different_ages_are_an_input_error() -> None:
    a = life_table([0, 1, 5], mx=[0.01, 0.001, 0.1])
    b = life_table([0, 1, 10], mx=[0.01, 0.001, 0.1])
    with pytest.raises(InputError):
        arriaga(a, b)


def test_cause_shares_must_add_up() -> None:
    a = life_table([0, 1, 5], mx=[0.01, 0.001, 0.1])
    with pytest.raises(InputError, match="add up"):
        arriaga_by_cause(a, a, np.full((2, 3), 0.4), np.full((2, 3), 0.5), ["x", "y"])


rates = arrays(np.float64, (3, AGES.size), elements=st.floats(1e-4, 0.3))


@PROPERTY
@given(ma=rates, factor=arrays(np.float64, (3, AGES.size), elements=st.floats(0.5, 1.5)))
def test_property_age_contributions_add_up(ma: np.ndarray, factor: np.ndarray) -> None:
    a = life_table(AGES, mx=ma, sex="male")
    b = life_table(AGES, mx=np.minimum(ma * factor, 0.35), sex="male")
    result = arriaga(a, b)
    assert np.allclose(result.contribution.sum(-1), b.ex[:, 0] - a.ex[:, 0], rtol=0, atol=1e-10)


@PROPERTY
@given(
    ma=rates,
    factor=arrays(np.float64, (3, AGES.size), elements=st.floats(0.5, 1.5)),
    weights=arrays(np.float64, (2, 3, 4, AGES.size), elements=st.floats(0.01, 1.0)),
)
def test_property_cause_contributions_add_up(
    ma: np.ndarray, factor: np.ndarray, weights: np.ndarray
) -> None:
    a = life_table(AGES, mx=ma, sex="female")
    b = life_table(AGES, mx=np.minimum(ma * factor, 0.35), sex="female")
    share_a = weights[0] / weights[0].sum(axis=-2, keepdims=True)
    share_b = weights[1] / weights[1].sum(axis=-2, keepdims=True)
    result = arriaga_by_cause(a, b, share_a, share_b, ["c1", "c2", "c3", "c4"])
    assert result.contribution.shape == (3, 4, AGES.size)
    assert np.allclose(result.contribution.sum(-2), arriaga(a, b).contribution, atol=1e-12)
    assert np.allclose(result.contribution.sum((-1, -2)), result.difference, atol=1e-10)
