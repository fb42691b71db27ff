"""Poisson segmented regression (interrupted time series of counts): the Sicily smoking-ban
example of Lopez Bernal, Cummins & Gasparrini (2017), exact recovery of a model-made series,
the quasi-Poisson dispersion, and refusals.

Tolerances were set before the first run: half a unit of the third decimal the tutorial's
code prints (``Epi::ci.exp``) for the rate ratios, and 1e-6 against the same models fitted
independently by statsmodels 0.15.0 (GLM, Poisson family, ``scale="X2"`` for the quasi-Poisson
model) on the same file (tests/reference/PROVENANCE.md).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from salamat.errors import InputError
from salamat.methods.its_poisson import fourier_terms, poisson_segmented_regression

SICILY = Path(__file__).parent / "reference" / "lopezbernal_2017_sicily.csv"
CITATION = (
    "Lopez Bernal J, Cummins S, Gasparrini A (2017). Interrupted time series regression for the "
    "evaluation of public health interventions: a tutorial. Int J Epidemiol 46(1):348-355; "
    "sicily.csv and Rcode.R published with it"
)
PRINTED = 0.0005  # half a unit of the third decimal
EXACT = 1e-6


@pytest.fixture(scope="module")
def sicily() -> pd.DataFrame:
    frame = pd.read_csv(SICILY)
    assert len(frame) == 59 and frame["smokban"].sum() == 23
    assert (frame.loc[frame["smokban"] == 1, "time"].min()) == 37  # January 2005
    return frame


@pytest.mark.reference(CITATION + ": model 1, Poisson step change, offset log(stdpop)")
def test_step_change_poisson_reproduces_the_tutorial(sicily: pd.DataFrame) -> None:
    fit = poisson_segmented_regression(
        sicily["time"], sicily["aces"], sicily["stdpop"], 37,
        slope_change=False, overdispersion=False,
    )  # fmt: skip
    rr, lo, hi = fit.ratio(fit.level_change_log, fit.level_change_se)
    assert (rr, lo, hi) == pytest.approx((0.894, 0.865, 0.925), abs=PRINTED)
    # statsmodels 0.15.0: GLM(aces, [1, smokban, time], Poisson, offset=log(stdpop))
    assert (rr, lo, hi) == pytest.approx((0.8943765080, 0.8646863884, 0.9250860760), abs=EXACT)
    assert fit.dispersion == 1.0 and fit.df == 56
    assert math.isnan(fit.trend_change_log)
    assert fit.effect_log == pytest.approx(fit.level_change_log)  # no change in trend


@pytest.mark.reference(CITATION + ": model 3, quasi-Poisson with harmonic(month, 2, 12)")
def test_seasonally_adjusted_quasi_poisson_reproduces_the_tutorial(sicily: pd.DataFrame) -> None:
    fit = poisson_segmented_regression(
        sicily["time"], sicily["aces"], sicily["stdpop"], 37,
        slope_change=False, season=sicily["month"], period=12, pairs=2,
    )  # fmt: skip
    rr, lo, hi = fit.ratio(fit.level_change_log, fit.level_change_se)
    assert (rr, lo, hi) == pytest.approx((0.885, 0.839, 0.933), abs=PRINTED)
    assert (rr, lo, hi) == pytest.approx((0.8850715472, 0.8394009693, 0.9332269945), abs=EXACT)
    assert fit.dispersion == pytest.approx(2.262, abs=PRINTED)
    assert fit.dispersion == pytest.approx(2.2621826405, abs=EXACT)
    # the tutorial's trend: exp(12 b_time), the yearly rate ratio before the ban
    assert math.exp(12 * fit.trend_before_log) == pytest.approx(1.067, abs=PRINTED)
    assert fit.seasonal_pairs == 2 and fit.df == 59 - 7


def test_change_in_trend_is_the_tutorials_model_4_reparameterised(sicily: pd.DataFrame) -> None:
    """The tutorial's corrected model 4 centres the interaction on month 36 (the last month
    before the ban); Salamat centres it on month 37, the first after: the fits are the same
    model, and the level changes differ by exactly one month of the change in trend."""
    fit = poisson_segmented_regression(
        sicily["time"], sicily["aces"], sicily["stdpop"], 37, season=sicily["month"]
    )
    # statsmodels 0.15.0, design [1, time, smokban, (time - 36) smokban, harmonics], scale X2
    b_step36, b_slope = -0.131859171, 0.001482228
    assert fit.trend_change_log == pytest.approx(b_slope, abs=1e-6)
    assert fit.level_change_log - fit.trend_change_log == pytest.approx(b_step36, abs=1e-6)
    assert fit.effect_at == 59
    assert fit.effect_log == pytest.approx(
        fit.level_change_log + 22 * fit.trend_change_log, abs=1e-12
    )


def test_a_series_made_by_the_model_is_recovered_exactly() -> None:
    years = np.arange(2005, 2024)
    first = 2015
    x = years - first
    d = (years >= first).astype(float)
    population = np.linspace(1.6e7, 2.0e7, len(years))
    log_rate = math.log(8e-3) - 0.02 * x - 0.05 * d - 0.01 * x * d
    deaths = population * np.exp(log_rate)  # expected counts: the MLE is the truth
    fit = poisson_segmented_regression(years, deaths, population, first)
    assert fit.trend_before_log == pytest.approx(-0.02, abs=1e-9)
    assert fit.level_change_log == pytest.approx(-0.05, abs=1e-9)
    assert fit.trend_change_log == pytest.approx(-0.01, abs=1e-9)
    assert fit.effect_log == pytest.approx(-0.05 - 0.01 * 8, abs=1e-9)
    assert fit.deviance == pytest.approx(0.0, abs=1e-6)
    rr, lo, hi = fit.ratio(fit.effect_log, fit.effect_se)
    assert lo <= rr <= hi


def test_a_poisson_interval_is_the_inverse_information() -> None:
    rng = np.random.default_rng(11)
    t = np.arange(1, 41, dtype=float)
    population = np.full(40, 1e5)
    truth = population * np.exp(-7 + 0.01 * (t - 25) - 0.2 * (t >= 25))
    counts = rng.poisson(truth).astype(float)
    fit = poisson_segmented_regression(t, counts, population, 25, overdispersion=False)
    # the same information matrix, written out from the fitted means
    x = t - 25
    d = (t >= 25).astype(float)
    design = np.column_stack([np.ones(40), x, d, x * d])
    beta = np.array([0.0, fit.trend_before_log, fit.level_change_log, fit.trend_change_log])
    beta[0] = math.log(counts.sum() / (population * np.exp(design[:, 1:] @ beta[1:])).sum())
    mu = population * np.exp(design @ beta)
    cov = np.linalg.inv(design.T @ (mu[:, None] * design))
    assert fit.level_change_se == pytest.approx(math.sqrt(cov[2, 2]), rel=1e-6)
    lo, hi = fit.ratio(fit.level_change_log, fit.level_change_se)[1:]
    assert lo < math.exp(-0.2) < hi  # the interval holds the true change here


def test_fourier_terms_are_tsmodel_harmonic() -> None:
    cols = fourier_terms([1, 6, 12], 12, 2)
    assert cols.shape == (3, 4)
    assert cols[0] == pytest.approx([0.5, math.sin(math.pi / 3), math.sqrt(3) / 2, 0.5])
    assert cols[2] == pytest.approx([0.0, 0.0, 1.0, 1.0], abs=1e-12)


@pytest.mark.parametrize(
    ("counts", "exposure", "first", "message"),
    [
        ([5, 6, 7, 8, 9, 10], [100] * 6, 2005.0, "at least 3 periods before"),
        ([5, 6, 7, 8, 9, 10], [100] * 6, 2009.0, "2 from it on"),
        ([5, -6, 7, 8, 9, 10], [100] * 6, 2003.0, "negative"),
        ([5, 6, 7, 8, 9, 10], [100, 0, 100, 100, 100, 100], 2003.0, "zero or negative"),
        ([5, 6, 7, 8, 9], [100] * 6, 2003.0, "same length"),
        ([5, 6, 7, 8, 9, float("nan")], [100] * 6, 2003.0, "missing"),
    ],
)
def test_refusals_say_what_is_wrong(
    counts: list[float], exposure: list[float], first: float, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        poisson_segmented_regression(range(2000, 2006), counts, exposure, first)


def test_too_few_periods_for_the_seasons_is_refused() -> None:
    with pytest.raises(InputError, match="too few"):
        poisson_segmented_regression(
            range(1, 9), [5, 6, 7, 8, 9, 10, 11, 12], [100] * 8, 5, season=range(1, 9)
        )


def test_events_effect_model_poisson_on_the_demo(demo_db: Path) -> None:
    from typer.testing import CliRunner

    from salamat.cli.app import app
    from salamat.store.connection import Store
    from salamat.store.queries import series_frame

    runner = CliRunner()
    base = ["events", "effect", "kz_healthy_nation_2021", "--area", "KAZ", "--db", str(demo_db)]
    res = runner.invoke(app, [*base, "--indicator", "deaths", "--model", "poisson",
                              "--format", "json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    r = json.loads(res.stdout)
    assert r["model"] == "poisson" and r["effect_scale"] == "rate ratio"
    assert r["exposure"]["indicator"] == "population_jan1"  # the demo has no all-ages population
    assert r["source"] == "UN WPP 2024" and r["left_out_as_shocks"] == [2020, 2021]
    assert "not proof" in r["caveat"] and r["dispersion"] > 1
    # the same fit from the stored numbers, assembled here
    with Store.open(demo_db, read_only=True) as store:
        deaths = series_frame(store, indicator="deaths", areas=["KAZ"], sex="total", age="all")
        pop = series_frame(
            store, indicator="population_jan1", areas=["KAZ"], sex="total", age="all"
        )
    deaths = deaths[deaths["source"] == "UN WPP 2024"].set_index(deaths["period"].astype(int))
    pop = pop[pop["source"] == r["exposure"]["source"]].set_index(pop["period"].astype(int))
    years = r["years"]
    fit = poisson_segmented_regression(
        years, deaths.loc[years, "value"], pop.loc[years, "value"], 2022
    )
    for key, log, se in (
        ("level_change", fit.level_change_log, fit.level_change_se),
        ("trend_change", fit.trend_change_log, fit.trend_change_se),
    ):
        rr, lo, hi = fit.ratio(log, se)
        assert (r[key]["estimate"], r[key]["lower"], r[key]["upper"]) == pytest.approx(
            (rr, lo, hi), abs=1e-6
        )
    assert r["effect_at_last_year"]["year"] == 2023
    table = runner.invoke(app, [*base, "--indicator", "deaths", "--model", "poisson"])
    assert table.exit_code == 0 and "change in level in 2022 (rate ratio)" in table.stdout
    assert "population_jan1" in table.stdout and "not proof" in table.stderr
    # the OLS result keeps its fields and says which model it is
    ols = json.loads(runner.invoke(app, [*base, "--indicator", "le0", "--format", "json"]).stdout)
    assert ols["model"] == "ols" and ols["effect_scale"] == "difference"
    assert {"trend_before", "level_change", "residual_sd", "df", "caveat"} <= set(ols)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--indicator", "le0", "--model", "poisson"], "le0 is in years"),
        (["--indicator", "deaths", "--model", "poisson", "--exposure", "population"],
         "population: none"),
        (["--indicator", "deaths", "--model", "gamma"], "expected ols or poisson"),
        (["--indicator", "deaths", "--exposure", "population_jan1"], "goes with --model poisson"),
        (["--indicator", "deaths", "--model", "poisson", "--exposure", "Population"],
         "did you mean"),
    ],
)  # fmt: skip
def test_events_effect_model_poisson_refusals(demo_db: Path, args: list[str], message: str) -> None:
    from typer.testing import CliRunner

    from salamat.cli.app import app

    res = CliRunner().invoke(
        app, ["events", "effect", "kz_healthy_nation_2021", "--area", "KAZ",
              "--db", str(demo_db), *args],
    )  # fmt: skip
    assert res.exit_code == 2, res.output
    assert message in " ".join(res.output.split()) and "Traceback" not in res.output
