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
