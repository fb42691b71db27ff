"""Age bands: validation, widths, layouts, labels."""

from __future__ import annotations

import numpy as np
import pytest

from salamat.errors import InputError
from salamat.methods.ages import (
    age_start_from_label,
    band_widths,
    is_abridged,
    is_single_year,
    starts_from_labels,
    validate_age_starts,
)


def test_widths_end_open() -> None:
    assert band_widths([0, 1, 5, 10]).tolist() == [1.0, 4.0, 5.0, np.inf]


@pytest.mark.parametrize(
    "bad", [[], [0, 0, 5], [5, 1], [0, -1], [0, float("nan")], [[0, 1], [1, 2]]]
)
def test_invalid_starts_are_input_errors(bad: list[float]) -> None:
    with pytest.raises(InputError) as err:
        validate_age_starts(bad)
    assert err.value.problems and err.value.problems[0].field == "age"


def test_layouts() -> None:
    assert is_abridged([0, 1, 5, 10, 15])
    assert not is_abridged([0, 5, 10])
    assert is_single_year(range(111))
    assert not is_single_year([0, 1, 5])


@pytest.mark.parametrize(
    ("label", "start"),
    [("0", 0.0), ("1-4", 1.0), ("85+", 85.0), ("90 - 94", 90.0), ("55-69", 55.0)],
)
def test_labels(label: str, start: float) -> None:
    assert age_start_from_label(label) == start


def test_label_without_number() -> None:
    with pytest.raises(InputError):
        age_start_from_label("all ages")


def test_starts_from_labels() -> None:
    assert starts_from_labels(["0", "1-4", "5+"]).tolist() == [0.0, 1.0, 5.0]
