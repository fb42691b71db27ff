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
    for c in out.values():
        assert c["n"] > 100 and 0 <= c["coverage95"] <= 1
