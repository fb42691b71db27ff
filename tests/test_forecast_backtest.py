"""benchmarks/forecast_backtest.py in its small mode: it runs, scores every method, and its
scores are the ones its own definitions give (a forecast of a known straight line is exact)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from salamat.methods import forecast as fm

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "forecast_backtest.py"


@pytest.fixture(scope="module")
def backtest() -> ModuleType:
    spec = importlib.util.spec_from_file_location("forecast_backtest", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["forecast_backtest"] = module
    spec.loader.exec_module(module)
    return module


def test_small_mode_scores_every_method(
    backtest: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    results = backtest.main(["--small"])
    assert set(results) == {"hmd-gbr", "wpp-e0", "wpp-5yr"}
    assert set(results["hmd-gbr"]) == {"rwd", "lee-carter", "lee-miller"}
    for by_method in results.values():
        base = by_method["rwd"]
        assert base["n"] > 0 and 0 <= base["coverage"] <= 1 and base["mae"] > 0
    gbr = results["hmd-gbr"]
    assert gbr["lee-carter"]["n"] == gbr["rwd"]["n"] and gbr["lee-carter"]["failed"] == 0
    assert "| hmd-gbr | lee-miller |" in capsys.readouterr().out


def test_scores_are_what_they_say(backtest: ModuleType) -> None:
    s = backtest.Scores()
    f = fm.forecast_rwd([2000, 2001, 2002, 2003], [70.0, 70.5, 70.9, 71.5], 2006)
    half = 0.5 * (f.upper[0] - f.value[0])  # inside the interval
    truth = np.array([f.value[0] + half, f.upper[1] + 1.0, f.value[2]])
    s.add(f, truth)
    out = s.summary()
    assert out["n"] == 3 and out["mae_h1"] == pytest.approx(half, abs=1e-3)
    assert out["coverage"] == pytest.approx(2 / 3, abs=1e-3)
    assert out["bias"] == pytest.approx(-(half + (f.upper[1] + 1.0 - f.value[1])) / 3, abs=1e-3)


def test_scorecard_calibration_is_nominal_when_the_model_holds(backtest: ModuleType) -> None:
    """On 400 seeded random walks with drift (the scorecard's own model) the PIT is uniform:
    95% and 80% coverage within 0.02 of nominal, mean PIT within 0.02 of 0.5 (tolerances set
    before the run: 4000 draws, correlated within a series)."""
    import pandas as pd

    rng = np.random.default_rng(11)
    years = np.arange(1970, 2020)
    walks = 70.0 + np.cumsum(0.25 + 0.4 * rng.standard_normal((400, years.size)), axis=1)
    series = pd.DataFrame(walks, columns=years)
    c = backtest.scorecard_calibration(
        series, window=10, horizon=10, origins=range(1990, 2000, 5), last_truth=2019
    )
    assert c["n"] == 400 * 2 * 10
    assert abs(c["coverage95"] - 0.95) < 0.02 and abs(c["coverage80"] - 0.80) < 0.02
    assert abs(c["mean_pit"] - 0.5) < 0.02


def test_scorecard_mode_runs_on_the_wpp_countries(backtest: ModuleType) -> None:
    out = backtest.main(["--scorecard", "--small"])["scorecard"]
    assert set(out["sets"]) == {"WPP 2024 e0, fitting half", "WPP 2024 e0, held-out half"}
    for row in out["sets"].values():
        for label in ("plain", "widened"):
            assert row[label]["n"] > 100 and 0 <= row[label]["coverage95"] <= 1
        assert row["widened"]["coverage95"] > row["plain"]["coverage95"]


def test_the_split_is_seeded_and_about_half(backtest: ModuleType) -> None:
    e0 = backtest.wpp_e0_by_code()
    mask = [backtest.fitting_half(c) for c in e0.index]
    assert mask == [backtest.fitting_half(c) for c in e0.index]
    assert 0.4 < sum(mask) / len(mask) < 0.6


def test_widened_trend_covers_on_held_out_wpp_countries(backtest: ModuleType) -> None:
    """The WPP e0 calibration (lambda fitted on the fitting half) on the countries not used to
    fit it, origins 1990, 1995, 2000, 2005, horizons 1-10 (4,800 forecasts, seeded split):
    the widened 95% interval covers within 0.03 of 0.95 and the 80% between 0.80 and 0.90,
    where the plain one covers below 0.85 (tolerances set before the run: the full held-out
    half gave 0.956 and 0.853 over 25 origins; four origins and correlated errors within a
    country vary more)."""
    from salamat.methods.trend_calibration import calibration_for

    e0 = backtest.wpp_e0_by_code()
    held_out = e0[[not backtest.fitting_half(c) for c in e0.index]]
    f = backtest.trend_forecasts(
        held_out, window=10, horizon=10, origins=range(1990, 2010, 5), last_truth=2019
    )
    lam = calibration_for("UN WPP 2024").drift_change
    wide = backtest.pit_summary(backtest.pit_values(f, lam), f.horizons)
    plain = backtest.pit_summary(backtest.pit_fast(f, 0.0), f.horizons)
    assert wide["n"] == len(held_out) * 4 * 10
    assert abs(wide["coverage95"] - 0.95) <= 0.03
    assert 0.80 <= wide["coverage80"] <= 0.90
    assert plain["coverage95"] < 0.85


def test_fast_and_package_pit_agree(backtest: ModuleType) -> None:
    """The vectorised PIT used to fit lambda is the package's probability_of_reaching."""
    e0 = backtest.wpp_e0_by_code().iloc[:5]
    f = backtest.trend_forecasts(e0, window=10, horizon=10, origins=[1995], last_truth=2019)
    for lam in (0.0, 0.995):
        np.testing.assert_allclose(
            backtest.pit_fast(f, lam), backtest.pit_values(f, lam), rtol=0, atol=1e-9
        )


def test_widening_on_random_walks(backtest: ModuleType) -> None:
    """On the 400 seeded random walks with drift above (the plain model holds), the widened
    distributions are wider than needed, as they must be, but not absurdly so one year ahead:
    95% coverage at h = 1 at most 0.995 for every lambda, over h = 1-10 at most 0.999 (set
    before the run). On a local linear trend whose drift wanders with tau = lambda sigma (the
    model the widening assumes) the widened 95% interval covers within 0.02 of 0.95, the
    plain one below 0.85 (lambda = 0.461; 8,000 draws)."""
    import pandas as pd

    from salamat.methods.trend_calibration import CALIBRATIONS

    rng = np.random.default_rng(11)
    years = np.arange(1970, 2020)
    walks = 70.0 + np.cumsum(0.25 + 0.4 * rng.standard_normal((400, years.size)), axis=1)
    f = backtest.trend_forecasts(
        pd.DataFrame(walks, columns=years),
        window=10,
        horizon=10,
        origins=range(1990, 2000, 5),
        last_truth=2019,
    )
    for c in CALIBRATIONS:
        s = backtest.pit_summary(backtest.pit_fast(f, c.drift_change), f.horizons)
        assert s["coverage95_h1"] <= 0.995 and s["coverage95"] <= 0.999, c.family
    lam = 0.461
    rng = np.random.default_rng(12)
    drift = 0.25 + np.cumsum(lam * 0.4 * rng.standard_normal((400, years.size)), axis=1)
    llt = 70.0 + np.cumsum(drift + 0.4 * rng.standard_normal((400, years.size)), axis=1)
    f = backtest.trend_forecasts(
        pd.DataFrame(llt, columns=years),
        window=10,
        horizon=10,
        origins=range(1990, 2000, 5),
        last_truth=2019,
    )
    wide = backtest.pit_summary(backtest.pit_fast(f, lam), f.horizons)
    plain = backtest.pit_summary(backtest.pit_fast(f, 0.0), f.horizons)
    assert abs(wide["coverage95"] - 0.95) <= 0.02 and plain["coverage95"] < 0.85
