"""Period identifiers: parse, validate and place them in time.

Salamat uses DHIS2's period ids, so that data exchanged with a ministry's DHIS2 keeps its periods
as they are, plus multi-year spans for the five-year periods of demographic estimates:

=========  ===============  ==========================================================
type       example          meaning
=========  ===============  ==========================================================
daily      ``20240115``     15 January 2024 (DHIS2's daily id, ``yyyyMMdd``)
yearly     ``2024``         calendar year
quarterly  ``2024Q1``       January to March
monthly    ``202401``       January 2024 (DHIS2 writes months without a separator)
weekly     ``2024W05``      ISO 8601 week 5 of ISO year 2024 (``2024W5`` is accepted and
                            written back as ``2024W05``)
span       ``2015-2019``    the calendar years 2015 to 2019 inclusive
=========  ===============  ==========================================================

References
----------
DHIS2 documentation, "Date and period format" (Web API, periods): daily ``yyyyMMdd``, yearly
``yyyy``, quarterly ``yyyyQn``, monthly ``yyyyMM``, weekly ``yyyyWn`` (ISO weeks, Monday start).
ISO 8601:2004, section 3.2.2 (calendar week of the year).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from salamat.errors import InputError

__all__ = ["Period", "PeriodType", "parse_period"]

PeriodType = Literal["daily", "yearly", "quarterly", "monthly", "weekly", "span"]

_YEARLY = re.compile(r"^(\d{4})$")
_QUARTERLY = re.compile(r"^(\d{4})Q([1-4])$")
_MONTHLY = re.compile(r"^(\d{4})(\d{2})$")
_DAILY = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_WEEKLY = re.compile(r"^(\d{4})W(\d{1,2})$")
_SPAN = re.compile(r"^(\d{4})-(\d{4})$")

_MIN_YEAR = 1000


@dataclass(frozen=True, order=True)
class Period:
    """A period: its canonical id, type and first and last days (both inclusive)."""

    start: date
    end: date
    id: str
    type: PeriodType

    @property
    def years(self) -> float:
        """Length in years of 365.25 days (a calendar year gives about 1.0)."""
        return ((self.end - self.start).days + 1) / 365.25

    @property
    def year(self) -> int:
        """The calendar year the period starts in (the ISO year for weeks)."""
        if self.type == "weekly":
            return int(self.id[:4])
        return self.start.year

    def contains(self, other: Period) -> bool:
        """True if ``other`` lies wholly inside this period."""
        return self.start <= other.start and other.end <= self.end


def _year(text: str, whole: str) -> int:
    year = int(text)
    if year < _MIN_YEAR:
        raise InputError(f"period {whole!r}: year {year} is out of range")
    return year


def parse_period(text: str) -> Period:
    """Parse a period id such as ``2024``, ``2024Q1``, ``202401``, ``2024W05``, ``20240115`` or
    ``2015-2019``.

    Raises
    ------
    InputError
        If the text is not one of the forms above, or names a month, quarter or week that does
        not exist (``202413``, ``20230229``, ``2021W53``: 2021 has 52 ISO weeks), or a span that
        runs backwards.

    Examples
    --------
    >>> parse_period("2024W5").id
    '2024W05'
    >>> parse_period("2015-2019").end
    datetime.date(2019, 12, 31)
    """
    raw = str(text).strip()
    if m := _YEARLY.match(raw):
        y = _year(m[1], raw)
        return Period(date(y, 1, 1), date(y, 12, 31), raw, "yearly")
    if m := _QUARTERLY.match(raw):
        y, q = _year(m[1], raw), int(m[2])
        start = date(y, 3 * q - 2, 1)
        end = date(y + 1, 1, 1) if q == 4 else date(y, 3 * q + 1, 1)
        return Period(start, end - timedelta(days=1), raw, "quarterly")
    if m := _MONTHLY.match(raw):
        y, mo = _year(m[1], raw), int(m[2])
        if not 1 <= mo <= 12:
            raise InputError(f"period {raw!r}: month {mo:02d} does not exist (01 to 12)")
        start = date(y, mo, 1)
        nxt = date(y + 1, 1, 1) if mo == 12 else date(y, mo + 1, 1)
        return Period(start, nxt - timedelta(days=1), raw, "monthly")
    if m := _DAILY.match(raw):
        y = _year(m[1], raw)
        try:
            day = date(y, int(m[2]), int(m[3]))
        except ValueError as exc:
            raise InputError(f"period {raw!r}: no such day on the calendar ({exc})") from exc
        return Period(day, day, raw, "daily")
    if m := _WEEKLY.match(raw):
        y, w = _year(m[1], raw), int(m[2])
        weeks_in_year = date(y, 12, 28).isocalendar()[1]
        if not 1 <= w <= weeks_in_year:
            raise InputError(
                f"period {raw!r}: ISO year {y} has weeks 1 to {weeks_in_year}, not {w}"
            )
        start = date.fromisocalendar(y, w, 1)
        return Period(start, start + timedelta(days=6), f"{y}W{w:02d}", "weekly")
    if m := _SPAN.match(raw):
        a, b = _year(m[1], raw), _year(m[2], raw)
        if b < a:
            raise InputError(f"period {raw!r}: a span must not run backwards ({a} > {b})")
        if a == b:
            return Period(date(a, 1, 1), date(a, 12, 31), str(a), "yearly")
        return Period(date(a, 1, 1), date(b, 12, 31), raw, "span")
    raise InputError(
        f"period {raw!r} is not a period id: expected yyyy, yyyyQn, yyyyMM, yyyyWnn, yyyyMMdd or "
        "yyyy-yyyy"
    )
