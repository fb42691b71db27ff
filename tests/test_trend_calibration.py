"""The scorecard trend's drift-change widening (methods.trends, methods.trend_calibration): the
formula by hand, what it leaves alone (the centre, so the verdict), which sources get it, and
that the demo's cards say one thing with it (interval, P, verdict, status)."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from salamat.errors import InputError
from salamat.methods.targets import LIKELY, combine, trend_verdict
from salamat.methods.trend_calibration import CALIBRATIONS, PLAIN, calibration_for
from salamat.methods.trends import fit_drift, probability_of_reaching, project

YEARS = [2015, 2016, 2017, 2018, 2019]
VALUES = [70.0, 71.0, 71.0, 73.0, 74.0]  # drift 1, sigma^2 = 2/3, K = 4


def test_widened_variance_by_hand() -> None:
    """``Var_h = sigma^2 (h + h^2/K + lambda^2 h(h+1)(2h+1)/6)``: h = 6, K = 4, lambda = 0.5:
    2/3 (6 + 9 + 0.25 * 91) = 2/3 * 37.75."""
    fit = fit_drift(YEARS, VALUES, "linear", drift_change=0.5)
    assert fit.forecast_se(2025) == pytest.approx(math.sqrt(2 / 3 * 37.75), abs=1e-12)
    assert fit.forecast_se(2019) == 0.0
    plain = fit_drift(YEARS, VALUES, "linear")
    assert plain.drift_change == 0.0
    assert plain.forecast_se(2025) == pytest.approx(math.sqrt(10.0), abs=1e-12)
    # one year ahead the term adds lambda^2 sigma^2: a modest widening, growing like h^3
    assert fit.forecast_se(2020) ** 2 == pytest.approx(2 / 3 * (1 + 0.25 + 0.25), abs=1e-12)
    assert "lambda = 0.5" in fit.method and "lambda" not in plain.method


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf")])
def test_a_bad_drift_change_is_refused(bad: float) -> None:
    with pytest.raises(InputError, match="drift-change ratio"):
        fit_drift(YEARS, VALUES, "linear", drift_change=bad)


@pytest.mark.parametrize("model", ["linear", "log_linear", "logit"])
def test_widening_moves_p_towards_a_half_and_never_across_it(model: str) -> None:
    """The centre does not move, so ``P >= 0.5`` (the trend verdict) is the same with and
    without widening; every ``P`` moves towards 0.5 and every interval contains the plain one."""
    values = [20.0, 19.5, 19.2, 18.6, 18.1, 17.9, 17.2, 16.8, 16.5, 16.1]
    years = list(range(2010, 2020))
    limits = (0.0, 100.0) if model == "logit" else None
    plain = fit_drift(years, values, model, limits=limits)  # type: ignore[arg-type]
    wide = replace(plain, drift_change=0.756)
    for year in (2020, 2025, 2030):
        a, b = project(plain, year), project(wide, year)
        assert b.value == pytest.approx(a.value, rel=1e-12)
        assert b.lower < a.lower < a.value < a.upper < b.upper
        for threshold in np.linspace(10.0, 19.0, 19):
            p0 = probability_of_reaching(plain, year, float(threshold), "decrease")
            p1 = probability_of_reaching(wide, year, float(threshold), "decrease")
            assert (p0 >= LIKELY) == (p1 >= LIKELY)
            assert abs(p1 - 0.5) <= abs(p0 - 0.5) + 1e-12


def test_which_sources_are_widened() -> None:
    assert calibration_for("UN WPP 2024").family == "wpp_e0"
    assert calibration_for("WPP 2024 probabilistic projections (UN DESA)").family == "wpp_e0"
    assert calibration_for("WHO Global Tuberculosis Report 2025 (burden estimates)").family == (
        "who_tb"
    )
    assert calibration_for("WHO Global Health Observatory").family == "who_ghe"
    for reported in (
        "BNS Kazakhstan: national life expectancy at birth, annual release",
        "WHO Global Health Expenditure Database, via Our World in Data",
        "Ministry of Health of Kazakhstan",
        None,
    ):
        assert calibration_for(reported) is PLAIN
    assert PLAIN.drift_change == 0.0
    assert all(0.0 < c.drift_change < 2.0 for c in CALIBRATIONS)
    assert {c.family for c in CALIBRATIONS} == {"wpp_e0", "who_tb", "who_ghe"}


def _cards(demo_db: Path) -> list[dict[str, Any]]:
    from salamat.services.targets import scorecard
    from salamat.store.connection import Store

    with Store.open(demo_db, read_only=True) as store:
        cards = scorecard(store)
        cards += scorecard(store, "TUR") + scorecard(store, "UZB")
    return cards


def test_demo_cards_say_one_thing(demo_db: Path) -> None:
    """For every demo card with a trend: ``P >= 0.5`` iff the projected value meets the target;
    the 95% interval at the target year contains the target iff ``0.025 < P < 0.975``; the
    verdict and the combined status follow ``P``; the card names its calibration. Tolerance:
    the rounding of the JSON (P to 3 decimals, values to 4); cards within that of a boundary
    are skipped."""
    cards = [c for c in _cards(demo_db) if c["probability"] is not None]
    assert len(cards) > 5
    kinds = set()
    for c in cards:
        p, target, proj = c["probability"], c["target"]["value"], c["projection"]
        increase = c["target"]["direction"] == "increase"
        meets = proj["value"] >= target if increase else proj["value"] <= target
        if abs(proj["value"] - target) > 1e-3 and abs(p - 0.5) > 1e-3:
            assert (p >= 0.5) == meets, c["code"]
        if (
            not proj.get("capped")
            and min(abs(proj["lower"] - target), abs(proj["upper"] - target)) > 1e-3
        ):
            inside = proj["lower"] < target < proj["upper"]
            if abs(p - 0.025) > 1e-3 and abs(p - 0.975) > 1e-3:
                assert inside == (0.025 < p < 0.975), c["code"]
        assert c["status_by_trend"] == trend_verdict(p)
        assert c["status"] == combine(c["status_by_pace"], p)
        cal = c["calibration"]
        assert (
            cal is not None
            and cal["drift_change"] == calibration_for(c["latest"]["source"]).drift_change
        )
        assert c["probability_method"].startswith("random walk with drift, last 10 years")
        kinds.add(cal["family"])
        # the interval on the card is the path's last point: one distribution for both
        assert c["path"][-1]["lower"] == proj["lower"] and c["path"][-1]["upper"] == proj["upper"]
    assert {"plain", "who_tb"} <= kinds  # BNS and GHED plain, WHO TB estimates widened
