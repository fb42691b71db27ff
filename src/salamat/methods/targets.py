"""Targets: status by the published growth-ratio method, projection, probability, required pace.

A :class:`Target` is data: an indicator, an area, a baseline (year, value), a target year with a
value or a relative change from the baseline, a direction and the document that set it. One
indicator can have several targets, each with its own source; they are never merged.

Status (:func:`status_from_ratio`) follows the method Eurostat uses in its SDG monitoring
report for indicators with a quantified target and that Open SDG (Statistics Canada's
implementation in ``sdg-build``) publishes: the ratio of the observed compound annual growth
rate since the baseline to the growth rate required to reach the target on time,

``R = sign(y0) d CAGR_obs / |CAGR_req|``, ``CAGR_obs = (y_t / y_0)^(1/(t - t0)) - 1``,
``CAGR_req = (y_T / y_0)^(1/(T - t0)) - 1``,

with ``d = +1`` when higher is better and ``-1`` when lower is better. Cut-offs (the same in
both sources): ``R >= 0.95`` on track; ``0.60 <= R < 0.95`` needs acceleration; ``0 <= R <
0.60`` off track ("insufficient progress" in Eurostat, "limited progress" in Open SDG); ``R <
0`` moving away. A latest value that meets the target is "achieved" whatever the trend.

Trend: one model (:mod:`salamat.methods.trends`, a random walk with drift from the latest value,
shock years left out) gives the projection, its prediction interval and the probability ``P`` that
the target-year value meets the target. For modelled estimates its forecast distribution is
widened for changes of trend (``drift_change``; :mod:`salamat.methods.trend_calibration` says
where and why): the interval, the path and ``P`` widen together, and the centre does not move,
so ``P >= 0.5`` exactly when the projected value meets the target, with or without widening. Pace and trend are combined so that they never contradict
(:func:`combine`): "on track" only with ``P >= 0.5``, "off track" and "moving away" only with
``P <= 0.5``; where the two disagree the status is "needs acceleration" and ``status_detail`` says
which said what (e.g. "on track by pace, unlikely by trend"). An achieved target needs no further
change (``required_annual_change`` is ``None``). Neither is a forecast of policy.

References
----------
Eurostat (2023). *Sustainable development in the European Union - Monitoring report on
progress towards the SDGs in an EU context*, 2023 edition. Luxembourg: Publications Office of
the European Union. Annex II, methodological notes (indicators with quantitative targets).
Open SDG. Progress measurement methodology (docs/progress-methodology.md, open-sdg/open-sdg)
and its implementation ``sdg/ProgressMeasure.py`` in open-sdg/sdg-build (methodology 2:
``sign * direction * cagr_o / abs(cagr_r)``; thresholds 0.95, 0.6, 0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
import pandas as pd

from salamat.errors import InputError, MethodError, Problem
from salamat.methods.trends import (
    Direction,
    DriftFit,
    Projection,
    TrendModel,
    fit_drift,
    probability_of_reaching,
    project,
)

__all__ = [
    "ACCELERATION",
    "LIKELY",
    "ON_TRACK",
    "Assessment",
    "Direction",
    "Status",
    "Target",
    "assess",
    "cagr",
    "combine",
    "format_probability",
    "growth_ratio",
    "required_annual_change",
    "select_series",
    "status_from_ratio",
    "target_from_row",
    "trend_verdict",
]

Status = Literal[
    "achieved", "on_track", "needs_acceleration", "off_track", "moving_away", "insufficient_data"
]

ON_TRACK = 0.95
"""``R`` at or above which a target is on track (Eurostat; Open SDG ``high``)."""
ACCELERATION = 0.60
"""``R`` at or above which progress is made but needs acceleration (Eurostat; Open SDG ``med``)."""

STATUS_METHOD = (
    "pace: ratio R of the observed to the required compound annual growth rate since the "
    "baseline (Eurostat SDG monitoring report; Open SDG progress measure): achieved if the latest "
    "value meets the target; on track R >= 0.95; needs acceleration 0.60 <= R < 0.95; off track "
    "0 <= R < 0.60; moving away R < 0. Trend: P = probability that the target-year value meets "
    "the target under a random walk with drift from the latest value (Hyndman & Athanasopoulos, "
    "FPP 3rd ed., 5.2 and 5.5), its interval widened for changes of trend on modelled estimates "
    "(local linear trend; salamat.methods.trend_calibration, see calibration). Where pace and trend disagree (on track with P < 0.5, off track "
    "or moving away with P > 0.5) the status is needs acceleration and status_detail says so"
)

LIKELY = 0.5
"""``P`` at or above which the trend makes the target likely (``P > 0.5`` for the contrary)."""


@dataclass(frozen=True)
class Target:
    """One target, as set by one document.

    ``area`` ``"*"`` means every country (SDG and End TB targets). Give ``target_value`` or
    ``target_change`` (relative: ``-1/3`` is "down a third"); with a change, the target value
    is computed from the baseline value, which is then looked up in the series when
    ``baseline_value`` is ``None``. ``series_source`` lists source prefixes in order of
    preference (``"*"`` means any other source).
    """

    code: str
    indicator: str
    area: str
    sex: str
    baseline_year: int
    baseline_value: float | None
    target_year: int
    target_value: float | None
    target_change: float | None
    direction: Direction
    series_source: tuple[str, ...]
    trend: TrendModel | None
    document: str
    document_date: str | None
    source_url: str | None
    note: str | None
    origin: str = "bundled"

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        if self.direction not in ("increase", "decrease"):
            problems.append(
                Problem(self.code, None, "direction", "expected increase or decrease", None)
            )
        if (self.target_value is None) == (self.target_change is None):
            problems.append(
                Problem(
                    self.code,
                    None,
                    "target_value",
                    "give exactly one of target_value and target_change",
                    None,
                )
            )
        if self.target_year <= self.baseline_year:
            problems.append(
                Problem(self.code, None, "target_year", "expected a year after the baseline", None)
            )
        if self.trend is not None and self.trend not in ("linear", "log_linear", "logit"):
            problems.append(
                Problem(self.code, None, "trend", "expected linear, log_linear or logit", None)
            )
        if self.target_change is not None and self.target_change <= -1.0:
            problems.append(
                Problem(self.code, None, "target_change", "a relative change must be > -1", None)
            )
        if problems:
            raise InputError(f"target {self.code!r} is not valid", problems)

    def resolve_value(self, baseline_value: float) -> float:
        """The target value: given, or ``baseline (1 + change)``."""
        if self.target_value is not None:
            return self.target_value
        assert self.target_change is not None
        return baseline_value * (1.0 + self.target_change)


@dataclass(frozen=True)
class Assessment:
    """Where one target stands. ``None`` fields could not be computed; ``reason`` says why."""

    target: Target
    status: Status
    reason: str
    ratio: float | None
    baseline_year: int | None
    baseline_value: float | None
    target_value: float | None
    latest_year: int | None
    latest_value: float | None
    latest_source: str | None
    projection: Projection | None
    probability: float | None
    required_annual_change: float | None
    required_annual_growth: float | None
    method: str
    status_by_pace: Status | None = None
    status_detail: str = ""
    trend_fit: DriftFit | None = None
    window_from: int | None = None
    window_to: int | None = None
    shock_years: tuple[int, ...] = ()
    path: tuple[Projection, ...] = ()


def _num(row: Mapping[str, object], key: str, problems: list[Problem], where: str) -> float | None:
    raw = row.get(key)
    if raw is None or (isinstance(raw, float) and raw != raw) or str(raw).strip() == "":
        return None
    try:
        value = float(str(raw).strip())
    except ValueError:
        problems.append(Problem(where, None, key, "expected a number", str(raw)))
        return None
    if not math.isfinite(value):
        problems.append(Problem(where, None, key, "expected a finite number", str(raw)))
        return None
    return value


def target_from_row(
    row: Mapping[str, object], *, where: str = "target", origin: str = "bundled"
) -> Target:
    """A :class:`Target` from a CSV or table row (strings or numbers); all problems at once.

    Required: ``code``, ``indicator``, ``area``, ``baseline_year``, ``target_year``,
    ``direction``, ``document`` and one of ``target_value`` / ``target_change``. ``sex``
    defaults to ``total``; ``series_source`` is ``|``-separated.

    Raises
    ------
    InputError
        Every missing or malformed field, each as a :class:`~salamat.errors.Problem`.
    """
    problems: list[Problem] = []

    def text(key: str) -> str | None:
        v = row.get(key)
        if v is None or (isinstance(v, float) and v != v):
            return None
        t = str(v).strip()
        return t or None

    for key in ("code", "indicator", "area", "direction", "document"):
        if text(key) is None:
            problems.append(Problem(where, None, key, "a value is required", None))
    base_year = _num(row, "baseline_year", problems, where)
    target_year = _num(row, "target_year", problems, where)
    for key, year in (("baseline_year", base_year), ("target_year", target_year)):
        if year is None and not any(p.field == key for p in problems):
            problems.append(Problem(where, None, key, "a year is required", None))
        elif year is not None and year != int(year):
            problems.append(Problem(where, None, key, "expected a whole year", str(year)))
    base_value = _num(row, "baseline_value", problems, where)
    target_value = _num(row, "target_value", problems, where)
    change = _num(row, "target_change", problems, where)
    direction = text("direction")
    if direction is not None and direction not in ("increase", "decrease"):
        problems.append(
            Problem(where, None, "direction", "expected increase or decrease", direction)
        )
    if problems:
        raise InputError(f"{where}: target {text('code') or '?'!r} is not valid", problems)
    assert base_year is not None and target_year is not None
    prefs = tuple(p.strip() for p in (text("series_source") or "").split("|") if p.strip())
    try:
        return Target(
            code=str(text("code")),
            indicator=str(text("indicator")),
            area=str(text("area")),
            sex=text("sex") or "total",
            baseline_year=int(base_year),
            baseline_value=base_value,
            target_year=int(target_year),
            target_value=target_value,
            target_change=change,
            direction=cast(Direction, direction),
            series_source=prefs,
            trend=cast(TrendModel | None, text("trend")),
            document=str(text("document")),
            document_date=text("document_date"),
            source_url=text("source_url"),
            note=text("note"),
            origin=origin,
        )
    except InputError as exc:
        raise InputError(
            f"{where}: {exc.args[0]}",
            [Problem(where, p.row, p.field, p.message, p.value) for p in exc.problems],
        ) from None


def cagr(value: float, base_value: float, year: float, base_year: float) -> float:
    """Compound annual growth rate ``(y_t / y_0)^(1 / (t - t0)) - 1`` (Open SDG ``growth_calculation``).

    Examples
    --------
    >>> round(cagr(121.0, 100.0, 2017, 2015), 12)
    0.1
    """
    return float((value / base_value) ** (1.0 / (year - base_year)) - 1.0)


def growth_ratio(
    *,
    base_year: int,
    base_value: float,
    year: int,
    value: float,
    target_year: int,
    target_value: float,
    direction: Direction,
) -> float:
    """``R = sign(y0) d CAGR_obs / |CAGR_req|`` (Eurostat; Open SDG methodology 2).

    Raises
    ------
    MethodError
        Values of different sign or zero (growth rates need them all positive or all negative),
        or a target equal to the baseline (no growth required).

    Examples
    --------
    Life expectancy 70 in 2015, 71 in 2020, target 75 in 2030:

    >>> r = growth_ratio(base_year=2015, base_value=70, year=2020, value=71,
    ...                  target_year=2030, target_value=75, direction="increase")
    >>> round(r, 4)
    0.6162
    """
    if base_value == 0 or value == 0 or target_value == 0:
        raise MethodError("a growth rate needs values other than zero")
    if (base_value > 0) != (value > 0) or (base_value > 0) != (target_value > 0):
        raise MethodError("a growth rate needs values all positive or all negative")
    required = cagr(target_value, base_value, target_year, base_year)
    if required == 0:
        raise MethodError("the target equals the baseline: no growth is required")
    observed = cagr(value, base_value, year, base_year)
    sign = -1.0 if base_value < 0 else 1.0
    d = 1.0 if direction == "increase" else -1.0
    return sign * d * observed / abs(required)


def status_from_ratio(ratio: float) -> Status:
    """Eurostat / Open SDG cut-offs: 0.95, 0.60 and 0.

    Examples
    --------
    >>> [status_from_ratio(r) for r in (1.2, 0.95, 0.6, 0.0, -0.01)]
    ['on_track', 'on_track', 'needs_acceleration', 'off_track', 'moving_away']
    """
    if math.isnan(ratio):
        raise MethodError("the growth ratio is not a number")
    if ratio >= ON_TRACK:
        return "on_track"
    if ratio >= ACCELERATION:
        return "needs_acceleration"
    if ratio >= 0.0:
        return "off_track"
    return "moving_away"


def required_annual_change(
    value: float, year: int, target_value: float, target_year: int
) -> tuple[float, float | None]:
    """The change a year still needed from the latest value: absolute, and as a growth rate.

    Returns ``((y_T - y_t) / (T - t), (y_T / y_t)^(1/(T - t)) - 1)``; the rate is ``None``
    when the values differ in sign or one is zero.

    Raises
    ------
    MethodError
        If the target year is not after ``year``.

    Examples
    --------
    >>> change, rate = required_annual_change(75.44, 2024, 77.0, 2029)
    >>> round(change, 6), round(rate, 6)
    (0.312, 0.004102)
    """
    if target_year <= year:
        raise MethodError("the target year has passed: no annual change can still be required")
    absolute = (target_value - value) / (target_year - year)
    rate = None
    if value != 0 and target_value != 0 and (value > 0) == (target_value > 0):
        rate = cagr(target_value, value, target_year, year)
    return absolute, rate


def _meets(value: float, target_value: float, direction: Direction) -> bool:
    return value >= target_value if direction == "increase" else value <= target_value


def select_series(
    frame: pd.DataFrame, preferences: tuple[str, ...], *, from_year: int | None = None
) -> pd.DataFrame:
    """One annual series from observations of several sources, by source preference.

    Parameters
    ----------
    frame
        Columns ``year`` (int), ``value``, ``source`` and optionally ``vintage``.
    preferences
        Source prefixes in order; ``"*"`` matches any source. The first preference with a value
        in ``from_year`` or later wins, and only its sources are used (sources are never
        spliced year by year). Sources marked ``SYNTHETIC`` are used only when a preference
        names them explicitly. An empty tuple means ``("*",)``.
    from_year
        Only a source with data from this year on can win.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``value``, ``source`` (and ``note`` if given), one row per year, sorted. Where two sources of the
        winning preference give the same year, the later vintage (then the first source in
        alphabetical order) wins.
    """
    prefs = preferences or ("*",)
    empty = pd.DataFrame({"year": pd.Series(dtype="int64"), "value": [], "source": []})
    if frame.empty:
        return empty
    sources = frame["source"].astype(str)
    for pref in prefs:
        if pref == "*":
            mask = ~sources.str.contains("SYNTHETIC", regex=False)
        else:
            mask = sources.str.startswith(pref)
        pick = frame[mask]
        if from_year is not None:
            if not (pick["year"] >= from_year).any():
                continue
        elif pick.empty:
            continue
        if pref == "*" and pick["source"].nunique() > 1:
            # any source: take the one with the most recent value, never a splice
            latest = pick.groupby("source")["year"].max()
            best = sorted(latest[latest == latest.max()].index)[0]
            pick = pick[pick["source"] == best]
        vintage = pick["vintage"] if "vintage" in pick.columns else pd.Series("", index=pick.index)
        ordered = pick.assign(_v=vintage.fillna("").astype(str)).sort_values(
            ["year", "_v", "source"], ascending=[True, False, True]
        )
        out = ordered.drop_duplicates("year", keep="first")
        keep = ["year", "value", "source", *(c for c in ("note",) if c in out.columns)]
        return out[keep].reset_index(drop=True)
    return empty


PACE_WORDS: dict[Status, str] = {
    "achieved": "achieved",
    "on_track": "on track",
    "needs_acceleration": "needs acceleration",
    "off_track": "off track",
    "moving_away": "moving away",
    "insufficient_data": "insufficient data",
}


def trend_verdict(probability: float | None) -> Literal["likely", "unlikely"] | None:
    """``"likely"`` when ``P >= 0.5``, ``"unlikely"`` below, ``None`` without a trend."""
    if probability is None:
        return None
    return "likely" if probability >= LIKELY else "unlikely"


def combine(pace: Status, probability: float | None) -> Status:
    """The one status shown: the pace status unless the trend contradicts it.

    "On track" with ``P < 0.5``, and "off track" or "moving away" with ``P > 0.5``, become
    "needs acceleration" (the two measures disagree: progress is neither clearly sufficient
    nor clearly insufficient). "Achieved", "needs acceleration" and "insufficient data" are
    kept; without a probability the pace status stands.

    Examples
    --------
    >>> combine("on_track", 0.29), combine("on_track", 0.5), combine("moving_away", 0.8)
    ('needs_acceleration', 'on_track', 'needs_acceleration')
    """
    if probability is None:
        return pace
    if pace == "on_track" and probability < LIKELY:
        return "needs_acceleration"
    if pace in ("off_track", "moving_away") and probability > LIKELY:
        return "needs_acceleration"
    return pace


def format_probability(p: float) -> str:
    """``P`` as a percentage with one decimal, never rounded to a certainty: ``> 99.9%`` and
    ``< 0.1%``. One decimal of a percent keeps a probability given to three decimals exact
    (0.025 is 2.5%, not 0.03 nor 2%); the dashboard shows the same figure in its locale.

    Examples
    --------
    >>> format_probability(0.9995), format_probability(0.0004), format_probability(0.025)
    ('> 99.9%', '< 0.1%', '2.5%')
    """
    if p > 0.999:
        return "> 99.9%"
    if p < 0.001:
        return "< 0.1%"
    return f"{100 * p:.1f}%"


def _eq(p: float) -> str:
    text = format_probability(p)
    return text if text[0] in "<>" else f"= {text}"


def _detail(
    pace: Status,
    ratio: float | None,
    probability: float | None,
    target_year: int,
    achieved_text: str | None,
    no_trend: str | None,
) -> str:
    verdict = trend_verdict(probability)
    trend_text = (
        f"{verdict} by trend (P {_eq(probability)} for {target_year})"
        if verdict is not None and probability is not None
        else None
    )
    if pace == "achieved":
        head = achieved_text or "achieved"
        if probability is None:
            return head
        keep = "likely kept" if verdict == "likely" else "at risk of being lost"
        return f"{head}; {keep} by {target_year} by trend (P {_eq(probability)})"
    pace_text = PACE_WORDS[pace] + " by pace" + (f" (R = {ratio:.2f})" if ratio is not None else "")
    if trend_text is None:
        return pace_text + (f"; no trend: {no_trend}" if no_trend else "")
    joiner = ", " if combine(pace, probability) != pace else " and "
    return f"{pace_text}{joiner}{trend_text}"


def assess(
    target: Target,
    series: pd.DataFrame,
    *,
    trend: TrendModel,
    window: int = 10,
    level: float = 0.95,
    shock_years: tuple[int, ...] = (),
    limits: tuple[float, float] | None = None,
    drift_change: float = 0.0,
) -> Assessment:
    """Status, projection, probability and required pace of one target on one series.

    Parameters
    ----------
    target
        The target.
    series
        ``year``, ``value``, ``source`` (one row per year), e.g. from :func:`select_series`.
    trend
        Scale of the trend model (the target's own, else the indicator's).
    window
        The trend uses the years ``latest - window + 1`` to ``latest``.
    level
        Level of the prediction interval.
    shock_years
        Years left out of the trend's estimation (e.g. 2020 and 2021, the COVID-19 pandemic);
        the projection still starts from the latest value.
    limits
        The indicator's hard bounds ``(lower, upper)``, the limits of a logit trend (30q70 in
        percent: 0 and 100); unused by the other models.
    drift_change
        ``lambda``, the drift-change ratio that widens the trend's forecast distribution
        (:mod:`salamat.methods.trend_calibration`; 0 for the plain random walk with drift). The
        projection's interval, the path and ``P`` all come from this one distribution; the
        centre, and so whether ``P >= 0.5``, does not depend on it.

    Returns
    -------
    Assessment

    Notes
    -----
    Baseline: the target's value if the document gives one, else the series' value in the
    baseline year, else in the first later year (as Open SDG does; the reason says so). Pace
    (``status_by_pace``) uses the latest value; once the target year has passed, the value in
    the target year (else the latest), and a missed target is "off track". The trend
    (:func:`salamat.methods.trends.fit_drift`) gives the projection to the target year, the
    year-by-year ``path`` and ``P``; :func:`combine` makes the shown status agree with ``P``.
    An achieved target has no required change.
    """
    s = series.sort_values("year").reset_index(drop=True)
    notes: list[str] = []
    shocks = tuple(sorted({int(y) for y in shock_years}))

    def result(status: Status, reason: str, **kw: object) -> Assessment:
        base: dict[str, object] = dict(
            ratio=None,
            baseline_year=None,
            baseline_value=None,
            target_value=target.target_value,
            latest_year=None,
            latest_value=None,
            latest_source=None,
            projection=None,
            probability=None,
            required_annual_change=None,
            required_annual_growth=None,
        )
        base.update(kw)
        text = "; ".join([reason, *notes]) if reason else "; ".join(notes)
        return Assessment(target=target, status=status, reason=text, method=STATUS_METHOD, **base)  # type: ignore[arg-type]

    if s.empty:
        return result(
            "insufficient_data",
            "no values in the chosen series",
            status_by_pace="insufficient_data",
            status_detail="insufficient data: no values in the chosen series",
        )
    years = s["year"].astype(int).to_numpy()
    values = s["value"].astype(float).to_numpy()
    latest_i = len(s) - 1
    latest_year = int(years[latest_i])
    latest = dict(
        latest_year=latest_year,
        latest_value=float(values[latest_i]),
        latest_source=str(s["source"].iloc[latest_i]),
    )
    # baseline
    if target.baseline_value is not None:
        base_year, base_value = target.baseline_year, float(target.baseline_value)
    else:
        after = np.flatnonzero(years >= target.baseline_year)
        if after.size == 0:
            msg = f"no value in {target.baseline_year} or later"
            return result(
                "insufficient_data",
                msg,
                status_by_pace="insufficient_data",
                status_detail=f"insufficient data: {msg}",
                **latest,
            )
        base_year, base_value = int(years[after[0]]), float(values[after[0]])
        if base_year != target.baseline_year:
            notes.append(f"no value for {target.baseline_year}: baseline taken from {base_year}")
    if base_year in shocks:
        notes.append(
            f"the baseline year {base_year} is a shock year: the pace since it is distorted"
        )
    target_value = target.resolve_value(base_value)
    known = dict(baseline_year=base_year, baseline_value=base_value, target_value=target_value)

    # the value judged: the latest, or the one in the target year once that has passed
    judged_i = latest_i
    at_target = np.flatnonzero(years == target.target_year)
    if latest_year >= target.target_year and at_target.size:
        judged_i = int(at_target[0])
    judged_year, judged_value = int(years[judged_i]), float(values[judged_i])
    achieved = _meets(judged_value, target_value, target.direction)

    # the trend: one model for projection, interval, path and probability
    fit: DriftFit | None = None
    projection: Projection | None = None
    probability: float | None = None
    path: tuple[Projection, ...] = ()
    no_trend: str | None = None
    recent = years > latest_year - window
    window_from = int(years[recent].min())
    if latest_year < target.target_year:
        try:
            fit = fit_drift(
                years[recent],
                values[recent],
                trend,
                exclude=shocks,
                limits=limits,
                drift_change=drift_change,
            )
            projection = project(fit, target.target_year, level)
            probability = probability_of_reaching(
                fit, target.target_year, target_value, target.direction
            )
            path = tuple(project(fit, y, level) for y in range(latest_year, target.target_year + 1))
            window_from = fit.first_year
            if fit.excluded:
                notes.append(
                    "trend leaves out the shock year(s) " + ", ".join(str(y) for y in fit.excluded)
                )
        except (InputError, MethodError) as exc:
            no_trend = str(exc)
            notes.append(f"no projection: {exc}")
    req_abs: float | None = None
    req_rate: float | None = None
    if latest_year < target.target_year and not achieved:
        req_abs, req_rate = required_annual_change(
            float(values[latest_i]), latest_year, target_value, target.target_year
        )
    extra: dict[str, object] = dict(
        projection=projection,
        probability=probability,
        required_annual_change=req_abs,
        required_annual_growth=req_rate,
        trend_fit=fit,
        window_from=window_from,
        window_to=latest_year,
        shock_years=fit.excluded if fit is not None else (),
        path=path,
    )

    def finish(pace: Status, reason: str, ratio: float | None = None) -> Assessment:
        achieved_text = reason if pace == "achieved" else None
        return result(
            combine(pace, probability),
            reason,
            ratio=ratio,
            status_by_pace=pace,
            status_detail=_detail(
                pace, ratio, probability, target.target_year, achieved_text, no_trend
            ),
            **latest,
            **known,
            **extra,
        )

    if achieved:
        return finish("achieved", f"{judged_value:g} in {judged_year} meets {target_value:g}")
    if judged_year >= target.target_year:
        return finish(
            "off_track",
            f"target year {target.target_year} reached without the "
            f"target being met ({judged_value:g} in {judged_year})",
        )
    if judged_year <= base_year:
        return finish("insufficient_data", f"no value after the baseline year {base_year}")
    try:
        ratio = growth_ratio(
            base_year=base_year,
            base_value=base_value,
            year=judged_year,
            value=judged_value,
            target_year=target.target_year,
            target_value=target_value,
            direction=target.direction,
        )
    except MethodError as exc:
        if "equals the baseline" in str(exc):
            return finish("moving_away", "the target equals the baseline and is not met")
        return finish("insufficient_data", str(exc))
    return finish(status_from_ratio(ratio), f"R = {ratio:.2f}", ratio)
