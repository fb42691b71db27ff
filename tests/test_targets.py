"""Targets and trends: worked examples computed by hand, then properties.

Tolerances were fixed before the run: 1e-4 on ratios and probabilities (the hand computations
carry six significant figures), 1e-3 on projected values and limits, exact for statuses.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salamat.errors import InputError, MethodError
from salamat.methods.targets import (
    Target,
    assess,
    cagr,
    combine,
    format_probability,
    growth_ratio,
    required_annual_change,
    select_series,
    status_from_ratio,
    target_from_row,
)
from salamat.methods.trends import fit_drift, probability_of_reaching, project


def target(**kw: object) -> Target:
    base: dict[str, object] = dict(
        code="t",
        indicator="le0",
        area="KAZ",
        sex="total",
        baseline_year=2015,
        baseline_value=None,
        target_year=2030,
        target_value=75.0,
        target_change=None,
        direction="increase",
        series_source=(),
        trend=None,
        document="a decree",
        document_date=None,
        source_url=None,
        note=None,
    )
    base.update(kw)
    return Target(**base)  # type: ignore[arg-type]


def series(points: dict[int, float], source: str = "BNS") -> pd.DataFrame:
    return pd.DataFrame({"year": list(points), "value": list(points.values()), "source": source})


# -- status: the growth ratio, worked by hand ------------------------------------------------


def test_cagr_by_hand() -> None:
    assert cagr(121.0, 100.0, 2017, 2015) == pytest.approx(0.1, abs=1e-12)


@pytest.mark.parametrize(
    ("case", "base", "now", "goal", "direction", "ratio", "status"),
    [
        # 70 -> 71 over 5 years, 75 by 2030: CAGR_obs = (71/70)^(1/5) - 1 = 0.00284095,
        # CAGR_req = (75/70)^(1/15) - 1 = 0.00461012, R = 0.616245
        (
            "le, slow",
            (2015, 70.0),
            (2020, 71.0),
            (2030, 75.0),
            "increase",
            0.616245,
            "needs_acceleration",
        ),
        # TB 78 (2015) -> 45 (2024), -80% by 2030 (15.6): CAGR_obs = (45/78)^(1/9) - 1 =
        # -0.0592855, CAGR_req = 0.2^(1/15) - 1 = -0.101729, R = -(-0.0592855)/0.101729 = 0.58278
        ("tb", (2015, 78.0), (2024, 45.0), (2030, 15.6), "decrease", 0.58278, "off_track"),
        # 30q70 21.12 -> 24.81 (2015-2023), a third down by 2030 (14.08): CAGR_obs =
        # (24.81/21.12)^(1/8) - 1 = 0.0203329, CAGR_req = (2/3)^(1/15) - 1 = -0.0266689,
        # R = -0.0203329/0.0266689 = -0.76242
        (
            "30q70",
            (2015, 21.12),
            (2023, 24.81),
            (2030, 21.12 * 2 / 3),
            "decrease",
            -0.76242,
            "moving_away",
        ),
        # 75.09 (2023) -> 75.44 (2024), 77 by 2029: CAGR_obs = 0.00466108, CAGR_req =
        # (77/75.09)^(1/6) - 1 = 0.00419511, R = 1.11107
        ("le, fast", (2023, 75.09), (2024, 75.44), (2029, 77.0), "increase", 1.11107, "on_track"),
    ],
)
def test_growth_ratio_and_status_worked_examples(
    case: str,
    base: tuple[int, float],
    now: tuple[int, float],
    goal: tuple[int, float],
    direction: str,
    ratio: float,
    status: str,
) -> None:
    r = growth_ratio(
        base_year=base[0],
        base_value=base[1],
        year=now[0],
        value=now[1],
        target_year=goal[0],
        target_value=goal[1],
        direction=direction,  # type: ignore[arg-type]
    )
    assert r == pytest.approx(ratio, abs=1e-4), case
    assert status_from_ratio(r) == status


def test_status_cut_offs_are_eurostat_and_open_sdg() -> None:
    assert status_from_ratio(0.95) == "on_track"
    assert status_from_ratio(0.9499999) == "needs_acceleration"
    assert status_from_ratio(0.60) == "needs_acceleration"
    assert status_from_ratio(0.5999999) == "off_track"
    assert status_from_ratio(0.0) == "off_track"
    assert status_from_ratio(-1e-9) == "moving_away"
    with pytest.raises(MethodError):
        status_from_ratio(math.nan)


def test_growth_ratio_refuses_what_growth_rates_cannot_measure() -> None:
    kw = dict(base_year=2015, year=2020, target_year=2030, direction="increase")
    with pytest.raises(MethodError, match="other than zero"):
        growth_ratio(base_value=0.0, value=1.0, target_value=2.0, **kw)  # type: ignore[arg-type]
    with pytest.raises(MethodError, match="all positive"):
        growth_ratio(base_value=-1.0, value=1.0, target_value=2.0, **kw)  # type: ignore[arg-type]
    with pytest.raises(MethodError, match="equals the baseline"):
        growth_ratio(base_value=5.0, value=6.0, target_value=5.0, **kw)  # type: ignore[arg-type]


def test_required_annual_change_by_hand() -> None:
    # (77 - 75.44) / 5 = 0.312 a year; (77/75.44)^(1/5) - 1 = 0.0041016
    change, rate = required_annual_change(75.44, 2024, 77.0, 2029)
    assert change == pytest.approx(0.312, abs=1e-12)
    assert rate == pytest.approx(0.0041016, abs=1e-6)
    with pytest.raises(MethodError, match="passed"):
        required_annual_change(75.44, 2024, 77.0, 2024)


# -- projection and probability, worked by hand ------------------------------------------------

YEARS = [2015, 2016, 2017, 2018, 2019]
VALUES = [70.0, 71.0, 71.0, 73.0, 74.0]


def test_drift_projection_by_hand() -> None:
    # changes 1, 0, 2, 1 -> drift (74 - 70) / 4 = 1; residuals 0, -1, 1, 0 -> sigma^2 = 2/3 (3 df).
    # 2025 is h = 6 after the latest value 74: centre 80; variance 2/3 (6 + 36/4) = 10;
    # t(3, 0.975) = 3.1824463 -> half-width 3.1824463 sqrt(10) = 10.063779
    fit = fit_drift(YEARS, VALUES, "linear")
    assert fit.drift == pytest.approx(1.0, abs=1e-12)
    assert fit.sigma**2 == pytest.approx(2 / 3, abs=1e-12)
    assert fit.drift_se == pytest.approx(math.sqrt(2 / 3 / 4), abs=1e-12)
    assert (fit.df, fit.span, fit.anchor_year, fit.anchor_value) == (3, 4, 2019, 74.0)
    p = project(fit, 2025)
    assert p.value == pytest.approx(80.0, abs=1e-3)
    assert p.lower == pytest.approx(80.0 - 10.063779, abs=1e-3)
    assert p.upper == pytest.approx(80.0 + 10.063779, abs=1e-3)
    # at the latest year the projection is the observed value itself
    start = project(fit, 2019)
    assert (start.value, start.lower, start.upper) == (74.0, 74.0, 74.0)


def test_probability_of_reaching_by_hand() -> None:
    # P(Y_2025 >= 77) = P(T_3 >= (77 - 80) / sqrt(10)) = F_3(0.948683); the t cdf with 3 df has
    # the closed form 1/2 + (1/pi) (x / (sqrt3 (1 + x^2/3)) + atan(x / sqrt3)):
    # x / (sqrt3 x 1.3) = 0.421325, atan(0.547723) = 0.501093 -> 0.5 + 0.922418 / pi = 0.793615
    fit = fit_drift(YEARS, VALUES, "linear")
    assert probability_of_reaching(fit, 2025, 77.0, "increase") == pytest.approx(0.793615, abs=1e-4)
    assert probability_of_reaching(fit, 2025, 77.0, "decrease") == pytest.approx(
        1 - 0.793615, abs=1e-4
    )
    assert probability_of_reaching(fit, 2025, 80.0, "increase") == pytest.approx(0.5, abs=1e-12)


def test_shock_years_are_left_out_exactly() -> None:
    # 2017 (a shock, 60) is left out: changes 1 over 1 year, 1 over 2 years, 2 over 1 year;
    # drift (74 - 70) / 4 = 1; weighted residuals 0, (1 - 2)/sqrt2, 1 -> sigma^2 = 1.5 / 2
    fit = fit_drift(YEARS, [70.0, 71.0, 60.0, 72.0, 74.0], "linear", exclude=[2017, 2020])
    assert fit.excluded == (2017,)
    assert fit.drift == pytest.approx(1.0, abs=1e-12)
    assert fit.sigma**2 == pytest.approx(0.75, abs=1e-12)
    assert (fit.df, fit.n_values, fit.n_changes) == (2, 4, 3)
    # variance at 2025: 0.75 (6 + 36/4) = 11.25
    assert fit.forecast_se(2025) == pytest.approx(math.sqrt(11.25), abs=1e-12)
    assert "left out as shocks: 2017" in fit.method
    # a shock as the latest year: left out of the drift, still the forecast's starting point
    last = fit_drift([2016, 2017, 2018, 2019, 2020], [70, 71, 72, 73, 60], "linear", exclude=[2020])
    assert last.drift == pytest.approx(1.0) and project(last, 2021).value == pytest.approx(61.0)


def test_the_projection_starts_from_the_latest_value() -> None:
    # the case: BNS life expectancy (the demo's values) with the 2020-21 dip; an OLS line over 2015-2024
    # starts below 75.44; the drift model starts at 75.44 and rises 0.385556 a year
    bns = {2015: 71.97, 2016: 72.41, 2017: 72.95, 2018: 73.15, 2019: 73.18}
    bns |= {2020: 71.37, 2021: 70.23, 2022: 74.44, 2023: 75.09, 2024: 75.44}
    fit = fit_drift(list(bns), list(bns.values()), "linear", exclude=[2020, 2021])
    assert fit.drift == pytest.approx((75.44 - 71.97) / 9, abs=1e-12)
    assert project(fit, 2025).value == pytest.approx(75.44 + 3.47 / 9, abs=1e-9)
    assert probability_of_reaching(fit, 2025, 75.0, "increase") > 0.95


def test_log_linear_trend_of_a_steady_decline() -> None:
    # -10% a year exactly: 2030 = 100 x 0.9^15 = 20.589113, no spread
    values = [100.0 * 0.9**k for k in range(5)]
    fit = fit_drift(YEARS, values, "log_linear")
    assert math.exp(fit.drift) == pytest.approx(0.9, abs=1e-12)
    p = project(fit, 2030)
    assert p.value == pytest.approx(20.589113, abs=1e-3)
    assert p.lower == pytest.approx(p.value, abs=1e-6) and p.upper == pytest.approx(p.value)
    assert probability_of_reaching(fit, 2030, 21.0, "decrease") == pytest.approx(1.0, abs=1e-9)
    assert probability_of_reaching(fit, 2030, 20.0, "decrease") == pytest.approx(0.0, abs=1e-9)


def test_logit_trend_of_a_probability_by_hand() -> None:
    # 30q70 in percent on the logit scale g = ln(y / (100 - y)) (FPP3 section 13.3): values built
    # so that g = -1, -1.1, -1.1, -1.3, -1.4 (the linear example's changes times -0.1): drift
    # -0.1, sigma^2 = 0.02 / 3; 2025 is h = 6 after 2019: centre -2.0, variance
    # 0.02/3 (6 + 36/4) = 0.1, half-width t(3, 0.975) sqrt(0.1) = 1.0063779;
    # back: 100 / (1 + e^2) = 11.920292, 100 / (1 + e^3.0063779) = 4.713857,
    # 100 / (1 + e^0.9936221) = 27.019724
    g = [-1.0, -1.1, -1.1, -1.3, -1.4]
    values = [100.0 / (1.0 + math.exp(-v)) for v in g]
    fit = fit_drift(YEARS, values, "logit", limits=(0.0, 100.0))
    assert fit.drift == pytest.approx(-0.1, abs=1e-12)
    assert fit.sigma**2 == pytest.approx(0.02 / 3, abs=1e-12)
    p = project(fit, 2025)
    assert (p.value, p.lower, p.upper) == pytest.approx((11.920292, 4.713857, 27.019724), abs=1e-5)
    assert p.model == "logit" and "13.3" in p.method
    # P(Y <= 15) = F_3((logit 0.15 + 2) / sqrt(0.1)) = F_3(0.839265) = 0.768535
    assert probability_of_reaching(fit, 2025, 15.0, "decrease") == pytest.approx(0.768535, 1e-5)
    # on or beyond a limit: certain or impossible
    assert probability_of_reaching(fit, 2025, 100.0, "decrease") == 1.0
    assert probability_of_reaching(fit, 2025, 0.0, "decrease") == 0.0
    assert probability_of_reaching(fit, 2025, 0.0, "increase") == 1.0


def test_a_logit_interval_stays_inside_its_limits_where_a_log_one_does_not() -> None:
    # a jumpy probability near its top: on the log scale the 2030 upper limit is about 205
    years = list(range(2010, 2020))
    values = [88.0, 92.0, 86.0, 93.0, 89.0, 94.0, 90.0, 95.0, 91.0, 96.0]
    assert project(fit_drift(years, values, "log_linear"), 2030).upper > 200.0
    fit = fit_drift(years, values, "logit", limits=(0.0, 100.0))
    for year in range(2019, 2031):
        p = project(fit, year)
        assert 0.0 < p.lower <= p.value <= p.upper < 100.0
    with pytest.raises(InputError, match="lower and upper bounds"):
        fit_drift(years, values, "logit")
    with pytest.raises(InputError, match="strictly between 0 and 100"):
        fit_drift(years, [*values[:9], 100.0], "logit", limits=(0.0, 100.0))


def test_trend_inputs_are_checked() -> None:
    with pytest.raises(MethodError, match="at least 3"):
        fit_drift([2020, 2021], [1.0, 2.0], "linear")
    with pytest.raises(MethodError, match="left out as shocks"):
        fit_drift([2019, 2020, 2021], [1.0, 2.0, 3.0], "linear", exclude=[2020])
    with pytest.raises(InputError, match="above zero"):
        fit_drift(YEARS, [1.0, 0.0, 1.0, 1.0, 1.0], "log_linear")
    with pytest.raises(InputError):
        fit_drift([2020, 2020, 2021], [1.0, 2.0, 3.0], "linear")
    with pytest.raises(MethodError, match="before the latest"):
        project(fit_drift(YEARS, VALUES, "linear"), 2018)


def test_combine_never_lets_pace_and_trend_contradict() -> None:
    assert combine("on_track", 0.29) == "needs_acceleration"
    assert combine("on_track", 0.5) == "on_track"
    assert combine("off_track", 0.51) == "needs_acceleration"
    assert combine("moving_away", 0.5) == "moving_away"
    assert combine("achieved", 0.1) == "achieved"
    assert combine("off_track", None) == "off_track"
    assert [format_probability(p) for p in (0.9995, 0.0005, 0.5, 0.025)] == [
        "> 99.9%",
        "< 0.1%",
        "50.0%",
        "2.5%",
    ]


# -- assess: the whole target ------------------------------------------------------------------


def test_assess_achieved_on_track_and_required_pace() -> None:
    s = series({2014: 71.44, 2015: 71.97, 2016: 72.3, 2023: 75.09, 2024: 75.44})
    a = assess(target(baseline_year=2023, target_year=2029, target_value=77.0), s, trend="linear")
    assert a.status == "on_track" and a.ratio == pytest.approx(1.11107, abs=1e-4)
    assert (a.baseline_year, a.baseline_value) == (2023, 75.09)
    assert (a.latest_year, a.latest_value, a.latest_source) == (2024, 75.44, "BNS")
    assert a.required_annual_change == pytest.approx(0.312, abs=1e-9)
    assert a.projection is not None and a.probability is not None
    met = assess(target(baseline_year=2020, target_year=2025), s, trend="linear")
    assert met.status == "achieved"


def test_assess_relative_target_and_missing_baseline_year() -> None:
    # no 2015 value: the baseline is the first later year (Open SDG), and the reason says so
    s = series({2016: 60.0, 2018: 50.0, 2020: 45.0})
    t = target(indicator="tb", target_value=None, target_change=-0.8, direction="decrease")
    a = assess(t, s, trend="log_linear")
    assert a.baseline_year == 2016 and a.target_value == pytest.approx(12.0)
    assert "baseline taken from 2016" in a.reason


def test_assess_missed_and_insufficient() -> None:
    s = series({2015: 70.0, 2020: 71.0, 2026: 72.0})
    missed = assess(target(target_year=2025), s, trend="linear")
    assert missed.status == "off_track" and "reached without" in missed.reason
    only_base = assess(target(), series({2015: 70.0}), trend="linear")
    assert only_base.status == "insufficient_data"
    assert assess(target(), series({}), trend="linear").status == "insufficient_data"


def test_select_series_prefers_a_source_and_never_splices() -> None:
    frame = pd.DataFrame(
        {
            "year": [2021, 2022, 2023, 2021, 2022, 2023, 2024],
            "value": [70.2, 74.4, 75.09, 69.0, 73.5, 74.0, 74.5],
            "source": [
                "BNS a",
                "BNS a",
                "BNS b",
                "UN WPP 2024",
                "UN WPP 2024",
                "UN WPP 2024",
                "UN WPP 2024",
            ],
        }
    )
    got = select_series(frame, ("BNS", "UN WPP 2024"), from_year=2020)
    assert got["year"].tolist() == [2021, 2022, 2023]
    assert set(got["source"]) == {"BNS a", "BNS b"}
    assert select_series(frame, ("ABC", "UN WPP"))["year"].tolist() == [2021, 2022, 2023, 2024]
    synthetic = frame.assign(source="SYNTHETIC records")
    assert select_series(synthetic, ("*",)).empty


def test_target_rows_are_checked_all_at_once() -> None:
    with pytest.raises(InputError) as info:
        target_from_row({"code": "x", "baseline_year": "20x5", "direction": "up"})
    fields = {p.field for p in info.value.problems}
    assert {"indicator", "area", "document", "baseline_year", "target_year", "direction"} <= fields
    with pytest.raises(InputError, match="exactly one"):
        target(target_value=75.0, target_change=-0.1)


# -- properties --------------------------------------------------------------------------------

values_st = st.lists(
    st.floats(min_value=1.0, max_value=1000.0, allow_nan=False), min_size=3, max_size=12
)


@given(
    values_st, st.floats(min_value=0.5, max_value=2000.0), st.sampled_from(["linear", "log_linear"])
)
def test_interval_contains_projection_and_probability_is_monotone(
    values: list[float], threshold: float, model: str
) -> None:
    years = list(range(2010, 2010 + len(values)))
    fit = fit_drift(years, values, model)  # type: ignore[arg-type]
    p = project(fit, 2030)
    assert p.lower <= p.value <= p.upper
    up = probability_of_reaching(fit, 2030, threshold, "increase")
    down = probability_of_reaching(fit, 2030, threshold, "decrease")
    assert 0.0 <= up <= 1.0 and 0.0 <= down <= 1.0
    assert up >= probability_of_reaching(fit, 2030, threshold * 1.1, "increase") - 1e-12


@given(
    st.floats(min_value=1.0, max_value=500.0),
    st.floats(min_value=-0.9, max_value=3.0).filter(lambda c: abs(c) > 1e-3),
    st.integers(min_value=1, max_value=14),
)
def test_a_value_on_the_required_path_has_ratio_one(base: float, change: float, k: int) -> None:
    goal = base * (1 + change)
    on_path = base * (goal / base) ** (k / 15)
    direction = "increase" if change > 0 else "decrease"
    r = growth_ratio(
        base_year=2015,
        base_value=base,
        year=2015 + k,
        value=on_path,
        target_year=2030,
        target_value=goal,
        direction=direction,  # type: ignore[arg-type]
    )
    assert r == pytest.approx(1.0, abs=1e-6)
    assert status_from_ratio(r) == "on_track"


@given(
    st.lists(st.floats(min_value=50.0, max_value=90.0), min_size=1, max_size=12),
    st.floats(min_value=50.0, max_value=90.0),
    st.integers(min_value=2016, max_value=2035),
    st.sampled_from(["increase", "decrease"]),
)
def test_assess_is_coherent_for_any_series(
    values: list[float], goal: float, target_year: int, direction: str
) -> None:
    s = series({2015 + k: v for k, v in enumerate(values)})
    t = target(target_year=target_year, target_value=goal, direction=direction)
    a = assess(t, s, trend="linear", shock_years=(2020, 2021))
    p = a.probability
    if p is not None and a.status == "on_track":
        assert p >= 0.5
    if p is not None and a.status in ("off_track", "moving_away"):
        assert p <= 0.5
    if a.status == "achieved":
        assert a.required_annual_change is None
    if a.projection is not None:
        assert a.path[0].value == a.latest_value and a.path[-1] == a.projection
