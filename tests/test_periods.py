from __future__ import annotations

from datetime import date

import pytest

from salamat.errors import InputError
from salamat.methods.periods import parse_period


@pytest.mark.parametrize(
    ("text", "pid", "kind", "start", "end"),
    [
        ("2024", "2024", "yearly", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024Q1", "2024Q1", "quarterly", date(2024, 1, 1), date(2024, 3, 31)),
        ("2024Q4", "2024Q4", "quarterly", date(2024, 10, 1), date(2024, 12, 31)),
        ("202402", "202402", "monthly", date(2024, 2, 1), date(2024, 2, 29)),
        ("202312", "202312", "monthly", date(2023, 12, 1), date(2023, 12, 31)),
        ("2024W05", "2024W05", "weekly", date(2024, 1, 29), date(2024, 2, 4)),
        ("2024W5", "2024W05", "weekly", date(2024, 1, 29), date(2024, 2, 4)),
        ("2020W53", "2020W53", "weekly", date(2020, 12, 28), date(2021, 1, 3)),
        ("2015-2019", "2015-2019", "span", date(2015, 1, 1), date(2019, 12, 31)),
        ("2019-2019", "2019", "yearly", date(2019, 1, 1), date(2019, 12, 31)),
        ("20240115", "20240115", "daily", date(2024, 1, 15), date(2024, 1, 15)),
        ("20240229", "20240229", "daily", date(2024, 2, 29), date(2024, 2, 29)),
    ],
)
def test_period_ids(text: str, pid: str, kind: str, start: date, end: date) -> None:
    p = parse_period(text)
    assert (p.id, p.type, p.start, p.end) == (pid, kind, start, end)


def test_iso_week_one_can_start_in_the_previous_year() -> None:
    # ISO week 1 of 2025 starts on Monday 30 December 2024
    p = parse_period("2025W01")
    assert p.start == date(2024, 12, 30)
    assert p.year == 2025


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("202413", "month 13"),
        ("2021W53", "weeks 1 to 52"),
        ("2024W0", "weeks 1 to 52"),
        ("2019-2015", "backwards"),
        ("2024Q5", "not a period id"),
        ("24", "not a period id"),
        ("2024-01", "not a period id"),
        ("20230229", "no such day"),
        ("20241301", "no such day"),
        ("", "not a period id"),
    ],
)
def test_bad_period_ids_say_what_is_wrong(text: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment.replace("(", r"\(")):
        parse_period(text)


def test_contains() -> None:
    assert parse_period("2015-2019").contains(parse_period("2017Q2"))
    assert not parse_period("2017").contains(parse_period("2015-2019"))


def test_a_day_is_one_day_long_and_lies_in_its_month() -> None:
    day = parse_period("20240417")
    assert day.years == pytest.approx(1 / 365.25)
    assert parse_period("202404").contains(day)
    assert not parse_period("202405").contains(day)
