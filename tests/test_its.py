"""Interrupted time series (segmented regression): exact on a series made by the model, the
standard errors and intervals of the OLS algebra, the event's first year, refusals, and
``salamat events effect`` on the demo."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from salamat.cli.app import app
from salamat.errors import InputError
from salamat.methods.its import first_year_after, segmented_regression

runner = CliRunner()


def test_a_series_made_by_the_model_is_recovered_exactly() -> None:
    years = np.arange(2010, 2024)
    first = 2018
    after = years >= first
    y = 70 + 0.4 * (years - first) + 1.5 * after + 0.25 * (years - first) * after
    fit = segmented_regression(years, y, 2017.5)
    assert fit.first_after == 2018 and (fit.n_before, fit.n_after) == (8, 6)
    assert fit.trend_before == pytest.approx(0.4, abs=1e-10)
    assert fit.level_change == pytest.approx(1.5, abs=1e-10)
    assert fit.trend_change == pytest.approx(0.25, abs=1e-10)
    assert fit.effect_year == 2023
    assert fit.effect == pytest.approx(1.5 + 0.25 * 5, abs=1e-10)
    assert fit.sigma == pytest.approx(0.0, abs=1e-9)


def test_standard_errors_and_intervals_are_the_ols_algebra() -> None:
    rng = np.random.default_rng(7)
    years = np.arange(2005, 2025)
    first = 2016
    after = (years >= first).astype(float)
    x = years - first
    y = 60 + 0.3 * x - 2.0 * after + 0.1 * x * after + rng.normal(0, 0.4, len(years))
    fit = segmented_regression(years, y, 2015.0 + 200 / 365, level=0.9)
    # the same fit by the normal equations, written out independently
    design = np.column_stack([np.ones_like(x), x, after, x * after]).astype(float)
    xtx = design.T @ design
    beta = np.linalg.solve(xtx, design.T @ y)
    resid = y - design @ beta
    s2 = resid @ resid / (len(y) - 4)
    cov = s2 * np.linalg.inv(xtx)
    assert fit.df == len(y) - 4
    assert [fit.trend_before, fit.level_change, fit.trend_change] == pytest.approx(
        beta[1:], abs=1e-9
    )
    assert [fit.trend_before_se, fit.level_change_se, fit.trend_change_se] == pytest.approx(
        np.sqrt(np.diag(cov))[1:], abs=1e-9
    )
    g = np.array([0, 0, 1, years.max() - first], dtype=float)
    assert fit.effect_se == pytest.approx(float(np.sqrt(g @ cov @ g)), abs=1e-9)
    q = stats.t.ppf(0.95, len(y) - 4)
    lo, hi = fit.interval(fit.level_change, fit.level_change_se)
    assert (lo, hi) == pytest.approx(
        (beta[2] - q * np.sqrt(cov[2, 2]), beta[2] + q * np.sqrt(cov[2, 2])), abs=1e-9
    )
    assert lo < -2.0 < hi  # the interval holds the true change here


def test_first_year_after_an_event() -> None:
    assert first_year_after(2021 + 284 / 365) == 2022  # 12 October 2021
    assert first_year_after(2024.0) == 2024  # 1 January 2024: its own year
    assert first_year_after(2019.99) == 2020


@pytest.mark.parametrize(
    ("years", "at", "message"),
    [
        (range(2015, 2024), 2016.5, "at least 3 years before"),
        (range(2015, 2024), 2022.5, "2 from it on"),
        ([2010, 2011, 2011, 2012, 2013, 2014, 2015], 2012.5, "twice"),
    ],
)
def test_refusals_say_what_is_missing(years: range | list[int], at: float, message: str) -> None:
    with pytest.raises(InputError, match=message):
        segmented_regression(list(years), np.linspace(1, 2, len(list(years))), at)


def test_events_effect_on_the_demo(demo_db: Path) -> None:
    res = runner.invoke(
        app,
        [
            "events", "effect", "kz_healthy_nation_2021", "--indicator", "le0", "--area", "KAZ",
            "--db", str(demo_db), "--format", "json",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    r = json.loads(res.stdout)
    assert r["first_year_after"] == 2022 and r["left_out_as_shocks"] == [2020, 2021]
    assert r["years"][0] == 2012 and 2020 not in r["years"]  # ten years before, shocks out
    assert "not proof" in r["caveat"]
    eff = r["effect_at_last_year"]
    assert eff["lower"] < eff["estimate"] < eff["upper"]
    table = runner.invoke(
        app,
        ["events", "effect", "kz_healthy_nation_2021", "--indicator", "le0", "--area", "KAZ",
         "--db", str(demo_db)],
    )  # fmt: skip
    assert table.exit_code == 0 and "change in level in 2022" in table.stdout
    assert "not proof" in table.stderr
    short = runner.invoke(
        app,
        ["events", "effect", "kz_healthy_nation_2021", "--indicator", "le0", "--area", "KAZ",
         "--source", "BNS", "--db", str(demo_db)],
    )  # fmt: skip
    assert short.exit_code == 2 and "1 after" in short.output and "Traceback" not in short.output
    bad = runner.invoke(
        app,
        ["events", "effect", "nope", "--indicator", "le0", "--area", "KAZ", "--db", str(demo_db)],
    )
    assert bad.exit_code == 2 and "kz_vape_ban_2024" in bad.output


def test_events_effect_unknown_codes_get_a_suggestion(demo_db: Path) -> None:
    for flag, value, hint in (("--area", "Almaty", "KZ-75"), ("--indicator", "LE0", "le0")):
        args = {"--area": "KAZ", "--indicator": "le0", flag: value}
        res = runner.invoke(
            app,
            ["events", "effect", "kz_vape_ban_2024", *(x for kv in args.items() for x in kv),
             "--db", str(demo_db)],
        )  # fmt: skip
        assert res.exit_code == 2 and "did you mean" in res.output and hint in res.output
