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
    growth_ratio,
    required_annual_change,
    select_series,
    status_from_ratio,
    target_from_row,
)
from salamat.methods.trends import fit_trend, probability_of_reaching, project


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


def test_linear_trend_projection_by_hand() -> None:
    # mean year 2017, Sxx = 10, Sxy = 10 -> slope 1, fitted 71.8 at 2017;
    # residuals .2 .2 -.8 .2 .2 -> SSE 0.8, s^2 = 0.8/3.
    fit = fit_trend(YEARS, VALUES, "linear")
    assert fit.slope == pytest.approx(1.0, abs=1e-12)
    assert fit.fitted(2017) == pytest.approx(71.8, abs=1e-12)
    assert fit.residual_se**2 == pytest.approx(0.8 / 3, abs=1e-12)
    # 2025: 79.8; se_pred = s sqrt(1 + 1/5 + 64/10) = sqrt(0.266667 x 7.6) = 1.4236104;
    # t(3, 0.975) = 3.1824463 -> half-width 4.530571
    p = project(fit, 2025)
    assert p.value == pytest.approx(79.8, abs=1e-3)
    assert p.lower == pytest.approx(79.8 - 4.530571, abs=1e-3)
    assert p.upper == pytest.approx(79.8 + 4.530571, abs=1e-3)


def test_probability_of_reaching_by_hand() -> None:
    # z = (77 - 79.8) / 1.4236104 = -1.966830; with 3 degrees of freedom the t cdf has the
    # closed form 1/2 + (1/pi) (x / (sqrt3 (1 + x^2/3)) + atan(x / sqrt3)): at 1.966830 it is
    # 0.5 + (0.495988 + 0.848730) / pi = 0.928038 = P(Y_2025 >= 77).
    fit = fit_trend(YEARS, VALUES, "linear")
    assert probability_of_reaching(fit, 2025, 77.0, "increase") == pytest.approx(0.928038, abs=1e-4)
    assert probability_of_reaching(fit, 2025, 77.0, "decrease") == pytest.approx(
        1 - 0.928038, abs=1e-4
    )
    assert probability_of_reaching(fit, 2025, 79.8, "increase") == pytest.approx(0.5, abs=1e-12)


def test_log_linear_trend_of_a_steady_decline() -> None:
    # -10% a year exactly: the fit is perfect, 2030 = 100 x 0.9^15 = 20.589113, no spread
    values = [100.0 * 0.9**k for k in range(5)]
    fit = fit_trend(YEARS, values, "log_linear")
    assert math.exp(fit.slope) == pytest.approx(0.9, abs=1e-12)
    p = project(fit, 2030)
    assert p.value == pytest.approx(20.589113, abs=1e-3)
    assert p.lower == pytest.approx(p.value, abs=1e-9) and p.upper == pytest.approx(p.value)
    # residuals are zero up to rounding: the probability is 1 or 0 to within 1e-9
    assert probability_of_reaching(fit, 2030, 21.0, "decrease") == pytest.approx(1.0, abs=1e-9)
    assert probability_of_reaching(fit, 2030, 20.0, "decrease") == pytest.approx(0.0, abs=1e-9)


def test_trend_inputs_are_checked() -> None:
    with pytest.raises(MethodError, match="at least 3"):
        fit_trend([2020, 2021], [1.0, 2.0], "linear")
    with pytest.raises(InputError, match="above zero"):
        fit_trend(YEARS, [1.0, 0.0, 1.0, 1.0, 1.0], "log_linear")
    with pytest.raises(InputError):
        fit_trend([2020, 2020, 2021], [1.0, 2.0, 3.0], "linear")


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
    fit = fit_trend(years, values, model)  # type: ignore[arg-type]
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
