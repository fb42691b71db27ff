from __future__ import annotations

import numpy as np
import pytest

from salamat.methods.units import (
    UnitError,
    conversion,
    convert,
    parse_unit,
    same_unit,
    unit_mult_factor,
)


@pytest.mark.parametrize(
    ("text", "kind", "scale", "base"),
    [
        ("%", "rate", 100.0, ""),
        ("percent", "rate", 100.0, ""),
        ("% of GDP", "rate", 100.0, "gdp"),
        ("per 1,000 live births", "rate", 1000.0, "live births"),
        ("deaths per 100 live births", "rate", 100.0, "live births"),
        ("per 100 000 population", "rate", 100000.0, "population"),
        ("age-adjusted suicides per 100,000 people", "rate", 100000.0, "population"),
        ("per person-year", "rate", 1.0, "person-years"),
        ("per mille", "rate", 1000.0, ""),
        ("persons", "count", 1.0, "persons"),
        ("thousands", "count", 1000.0, ""),
        ("Thousands of persons", "count", 1000.0, "persons"),
        ("years", "years", 1.0, ""),
        ("bn KZT", "other", 1.0, "bn kzt"),
    ],
)
def test_parse_unit(text: str, kind: str, scale: float, base: str) -> None:
    u = parse_unit(text)
    assert (u.kind, u.scale, u.base) == (kind, scale, base)


@pytest.mark.parametrize(
    ("a", "b", "factor"),
    [
        ("%", "per 1,000 live births", 10.0),
        ("deaths per 100 live births", "per 1,000 live births", 10.0),
        ("per 1,000 live births", "%", 0.1),
        ("per 1,000 population", "per 100,000 population", 100.0),
        ("per 100,000 population", "per 1,000 population", 0.01),
        ("per 1000", "per person-year", 0.001),
        ("thousands", "persons", 1000.0),
        ("millions", "persons", 1e6),
        ("age-adjusted suicides per 100,000 people", "per 100,000 population", 1.0),
        ("Years", "years", 1.0),
    ],
)
def test_exact_conversions(a: str, b: str, factor: float) -> None:
    assert conversion(a, b).factor == factor


def test_a_conversion_says_what_it_did() -> None:
    assert conversion("%", "per 1,000 live births").note == (
        "published in '%'; converted to 'per 1,000 live births' (x10)"
    )
    assert conversion("per 1,000", "%").note.endswith("(x1/10)")
    assert conversion("years", "years").note == ""


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        ("% of GDP", "per 1,000 population", "'gdp', the other 'population'"),
        ("years", "months", "different kinds"),
        ("thousands", "per 1,000 live births", "count and rate"),
        ("persons", "deaths", "'persons', the other 'deaths'"),
        ("bn KZT", "mn USD", "neither is a unit"),
        ("per person-year", "per 1,000 population", "'person-years', the other 'population'"),
        ("per 12 population", "per 1,000 population", "not a power of ten"),
    ],
)
def test_inexact_or_meaningless_conversions_are_refused(a: str, b: str, reason: str) -> None:
    with pytest.raises(UnitError, match=reason):
        conversion(a, b)
    assert not same_unit(a, b)


def test_convert_keeps_the_published_digits() -> None:
    out = convert(np.array([0.07, 3.713, 18592.7, np.nan, 0.0, -1.5]), 100.0)
    assert out[0] == 7.0 and out[1] == 371.3 and out[2] == 1859270.0
    assert np.isnan(out[3]) and out[4] == 0.0 and out[5] == -150.0
    assert convert(np.array([3.713]), 10.0)[0] == 37.13
    assert convert(np.array([37.13]), 0.1)[0] == 3.713


def test_unit_mult() -> None:
    assert unit_mult_factor(3) == 1000.0
    assert unit_mult_factor("0") == 1.0
    assert unit_mult_factor("-2") == 0.01
    with pytest.raises(UnitError, match="not an integer"):
        unit_mult_factor("thousands")
    with pytest.raises(UnitError, match="outside"):
        unit_mult_factor(40)
