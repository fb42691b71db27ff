"""Mortality forecasts (salamat.methods.forecast): random walk with drift, Lee-Carter, Lee-Miller.

References and tolerances (set before the tests were run):

* Lee & Carter (1992), US 1933-1987: the published a(x), b(x) (Table 1) and forecast k(t)
  (Table 2), tests/reference/PROVENANCE.md. The surface ``exp(a + b k)`` they define is
  refitted: a(x), b(x), k(t) come back up to the model's normalisation (1e-9); the drift of
  the published k path is their -0.365 a year (within 0.0005: k is printed to 0.01).
* HMD United Kingdom (real rates and exposures, 1950-2016): the SVD fit is the least-squares
  rank-one fit (an independent alternating least-squares solution agrees, 1e-6 in b and k);
  the second stage reproduces each year's deaths (1e-9 relative); Lee-Miller reproduces each
  year's e0 (1e-6 years) and jumps off from the observed rates (1e-12).
* Random walk with drift: the FPP3 closed form ``sigma^2 (h + h^2 / (T - 1))`` with the
  Student t quantile, computed here independently (1e-9).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from salamat.errors import InputError, MethodError
from salamat.methods import forecast as fm
from salamat.methods.ncd import ncd_30q70

REFERENCE = Path(__file__).parent / "reference"
HMD = REFERENCE / "hmd_gbr_np_2018"


# -- Lee & Carter (1992) ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def lc1992() -> tuple[pd.DataFrame, pd.DataFrame]:
    ages = pd.read_csv(REFERENCE / "lee_carter_1992_us_table1_ax_bx.csv")
    kt = pd.read_csv(REFERENCE / "lee_carter_1992_us_table2_kt_forecast.csv")
    return ages, kt


def test_the_published_lee_carter_surface_is_refitted_exactly(lc1992) -> None:  # type: ignore[no-untyped-def]
    ages, kt = lc1992
    a, b, k = (ages["ax"].to_numpy(), ages["bx"].to_numpy(), kt["kt"].to_numpy())
    mx = np.exp(a[None, :] + k[:, None] * b[None, :])
    fit = fm.fit_lee_carter(ages["age"], kt["year"], mx, adjust="none")
    # the same surface under sum b = 1, sum k = 0
    np.testing.assert_allclose(fit.bx, b / b.sum(), rtol=0, atol=1e-9)
    np.testing.assert_allclose(fit.kt, (k - k.mean()) * b.sum(), rtol=0, atol=1e-9)
    np.testing.assert_allclose(fit.ax, a + b * k.mean(), rtol=0, atol=1e-9)
    assert fit.explained == pytest.approx(1.0, abs=1e-12)
    # Lee & Carter's drift: k falls 0.365 a year (their ARIMA(0,1,0) constant)
    assert fit.kt_drift.drift / b.sum() == pytest.approx(-0.365, abs=5e-4)
    # deaths from any exposures: the second stage keeps the exact k
    exposure = np.full(mx.shape, 1.0e6)
    again = fm.fit_lee_carter(
        ages["age"], kt["year"], mx, deaths=mx * exposure, exposure=exposure, adjust="deaths"
    )
    np.testing.assert_allclose(again.kt, fit.kt, rtol=0, atol=1e-8)


# -- HMD United Kingdom, real rates -------------------------------------------------------------


def _hmd(name: str) -> pd.DataFrame:
    df = pd.read_csv(HMD / name, sep=r"\s+", skiprows=2, na_values=".")
    df["Age"] = df["Age"].astype(str).str.rstrip("+").astype(int)
    return df[(df["Year"] >= 1950)]


@pytest.fixture(scope="module")
def gbr() -> dict[str, np.ndarray]:
    """Female deaths and exposures 1950-2016, ages 0-89 and 90+ pooled (no zero cell)."""
    mx = _hmd("GBR_NP.Mx_1x1.txt.gz").pivot(index="Year", columns="Age", values="Female")
    ex = _hmd("GBR_NP.Exposures_1x1.txt.gz").pivot(index="Year", columns="Age", values="Female")
    deaths = (mx.fillna(0.0) * ex).to_numpy()
    exposure = ex.to_numpy()
    d = np.concatenate([deaths[:, :90], deaths[:, 90:].sum(axis=1, keepdims=True)], axis=1)
    e = np.concatenate([exposure[:, :90], exposure[:, 90:].sum(axis=1, keepdims=True)], axis=1)
    return {
        "age": np.arange(91.0),
        "year": mx.index.to_numpy(),
        "deaths": d,
        "exposure": e,
        "mx": d / e,
    }


def test_svd_is_the_least_squares_rank_one_fit(gbr) -> None:  # type: ignore[no-untyped-def]
    fit = fm.fit_lee_carter(gbr["age"], gbr["year"], gbr["mx"], adjust="none")
    z = np.log(gbr["mx"]) - np.log(gbr["mx"]).mean(axis=0)
    # alternating least squares, independent of the SVD: b = Z'k / k'k, k = Z b / b'b
    k = z[:, 0].copy()
    for _ in range(500):
        b = z.T @ k / (k @ k)
        k = z @ b / (b @ b)
    b_als, k_als = b / b.sum(), k * b.sum()
    np.testing.assert_allclose(fit.bx, b_als, rtol=0, atol=1e-6)
    np.testing.assert_allclose(fit.kt, k_als, rtol=0, atol=1e-6 * np.abs(k_als).max())
    assert fit.bx.sum() == pytest.approx(1.0, abs=1e-12)
    assert fit.kt.sum() == pytest.approx(0.0, abs=1e-9)


def test_second_stage_reproduces_each_years_deaths(gbr) -> None:  # type: ignore[no-untyped-def]
    fit = fm.fit_lee_carter(
        gbr["age"], gbr["year"], gbr["mx"], deaths=gbr["deaths"], exposure=gbr["exposure"]
    )
    fitted = (gbr["exposure"] * np.exp(fit.fitted_log_mx())).sum(axis=1)
    np.testing.assert_allclose(fitted, gbr["deaths"].sum(axis=1), rtol=1e-9)
    assert fit.kt.sum() == pytest.approx(0.0, abs=1e-9)
    assert "fitted deaths equal observed deaths" in fit.method


def test_lee_miller_reproduces_e0_and_jumps_off_from_observed_rates(gbr) -> None:  # type: ignore[no-untyped-def]
    fit = fm.fit_lee_carter(
        gbr["age"], gbr["year"], gbr["mx"], adjust="e0", jump_off="observed", sex="female"
    )
    fitted = fm.e0_from_mx(gbr["age"], np.exp(fit.fitted_log_mx()), "female")
    observed = fm.e0_from_mx(gbr["age"], gbr["mx"], "female")
    np.testing.assert_allclose(fitted, observed, rtol=0, atol=1e-6)
    fc = fm.forecast_lee_carter(fit, 2017, n_paths=100)
    np.testing.assert_allclose(fc.mx_of(fit.kt[-1]), gbr["mx"][-1], rtol=1e-12)
    assert fit.method.startswith("Lee-Miller")


def test_lee_miller_fits_where_some_b_are_below_zero() -> None:
    """UK males 1950-1980: b(x) < 0 at 17-19 (young men's mortality rose); e0 is still
    reproduced every year (the bisection's root, checked), within 1e-6 years."""
    mx = _hmd("GBR_NP.Mx_1x1.txt.gz").pivot(index="Year", columns="Age", values="Male")
    ex = _hmd("GBR_NP.Exposures_1x1.txt.gz").pivot(index="Year", columns="Age", values="Male")
    d = (mx.fillna(0.0) * ex).to_numpy()[:31]
    e = ex.to_numpy()[:31]
    d = np.concatenate([d[:, :90], d[:, 90:].sum(axis=1, keepdims=True)], axis=1)
    e = np.concatenate([e[:, :90], e[:, 90:].sum(axis=1, keepdims=True)], axis=1)
    age, years = np.arange(91.0), np.arange(1950, 1981)
    fit = fm.fit_lee_carter(age, years, d / e, adjust="e0", jump_off="observed", sex="male")
    assert np.any(fit.bx < 0)
    fitted = fm.e0_from_mx(age, np.exp(fit.fitted_log_mx()), "male")
    np.testing.assert_allclose(fitted, fm.e0_from_mx(age, d / e, "male"), rtol=0, atol=1e-6)


@pytest.fixture(scope="module")
def e0_forecast(gbr) -> fm.Forecast:  # type: ignore[no-untyped-def]
    fit = fm.fit_lee_carter(
        gbr["age"], gbr["year"], gbr["mx"], deaths=gbr["deaths"], exposure=gbr["exposure"]
    )
    fc = fm.forecast_lee_carter(fit, 2036, n_paths=1000, seed=7)
    return fm.forecast_indicator(fc, lambda m: fm.e0_from_mx(gbr["age"], m, "female"))


def test_e0_intervals_contain_the_point_and_widen(e0_forecast: fm.Forecast) -> None:
    f = e0_forecast
    assert f.year.tolist() == list(range(2017, 2037))
    assert np.all(f.lower < f.value) and np.all(f.value < f.upper)
    width = f.upper - f.lower
    assert np.all(width[[4, 9, 19]] > width[[0, 4, 9]])
    assert np.all(np.diff(f.value) > 0)  # mortality keeps falling on the 1950-2016 trend
    assert (f.fitted_from, f.fitted_to, f.level) == (1950, 2016, 0.95)


def test_simulated_k_agrees_with_the_closed_form_interval(gbr) -> None:  # type: ignore[no-untyped-def]
    fit = fm.fit_lee_carter(gbr["age"], gbr["year"], gbr["mx"], adjust="none")
    fc = fm.forecast_lee_carter(fit, 2026, n_paths=20000, seed=1)
    lower, upper = np.quantile(fc.paths, [0.025, 0.975], axis=0)
    half = (fc.kt_upper - fc.kt_lower) / 2
    # 20 000 paths: the 2.5% quantile's standard error is about 2% of the half-width
    np.testing.assert_allclose(lower, fc.kt_lower, rtol=0, atol=0.08 * half.max())
    np.testing.assert_allclose(upper, fc.kt_upper, rtol=0, atol=0.08 * half.max())
    assert np.all(np.diff(fc.kt_upper - fc.kt_lower) > 0)
    again = fm.forecast_lee_carter(fit, 2026, n_paths=20000, seed=1)
    np.testing.assert_array_equal(again.paths, fc.paths)


# -- random walk with drift ---------------------------------------------------------------------


def test_rwd_matches_the_fpp3_closed_form() -> None:
    years = np.arange(2000, 2012)
    y = np.array([65.5, 65.9, 66.0, 66.8, 67.1, 67.0, 67.9, 68.4, 68.5, 69.3, 69.5, 70.2])
    f = fm.forecast_rwd(years, y, 2020, level=0.9)
    T = y.size
    drift = (y[-1] - y[0]) / (T - 1)
    sigma = math.sqrt(np.sum((np.diff(y) - drift) ** 2) / (T - 2))
    h = np.arange(1, 10)
    se = np.sqrt(h * sigma**2 + h**2 * sigma**2 / (T - 1))
    q = stats.t.ppf(0.95, T - 2)
    np.testing.assert_allclose(f.value, y[-1] + h * drift, rtol=0, atol=1e-9)
    np.testing.assert_allclose(f.lower, y[-1] + h * drift - q * se, rtol=0, atol=1e-9)
    np.testing.assert_allclose(f.upper, y[-1] + h * drift + q * se, rtol=0, atol=1e-9)
    assert np.all(np.diff(f.upper - f.lower) > 0)
    assert (f.fitted_from, f.fitted_to, f.level) == (2000, 2011, 0.9)


# -- 30q70 from rates -------------------------------------------------------------------------------


def test_30q70_from_rates_equals_the_sdg_formula_from_counts() -> None:
    deaths = np.array([120.0, 180, 260, 400, 610, 900, 1300, 1800])
    pop = np.array([9e4, 8.8e4, 8.5e4, 8.1e4, 7.6e4, 7e4, 6.2e4, 5.4e4])
    q = fm.q30_70_from_mx(np.arange(30.0, 70.0, 5.0), deaths / pop)
    assert float(q) == pytest.approx(float(ncd_30q70(deaths, pop).q30_70), rel=1e-12)


# -- clear errors -------------------------------------------------------------------------------


def test_gaps_short_series_zero_rates_and_bad_horizons_are_named() -> None:
    with pytest.raises(InputError, match="missing: 2003, 2004"):
        fm.forecast_rwd([2000, 2001, 2002, 2005, 2006], [1, 2, 3, 4, 5], 2010)
    with pytest.raises(MethodError, match="at least 3"):
        fm.forecast_rwd([2000, 2001], [1, 2], 2010)
    with pytest.raises(InputError, match="after the last fitted year 2002"):
        fm.forecast_rwd([2000, 2001, 2002], [1, 2, 4], 2002)
    mx = np.full((4, 3), 0.01)
    mx[2, 1] = 0.0
    with pytest.raises(InputError, match="2012, age 1 has 0"):
        fm.fit_lee_carter([0, 1, 5], [2010, 2011, 2012, 2013], mx, adjust="none")
    with pytest.raises(InputError, match="shaped"):
        fm.fit_lee_carter([0, 1], [2010, 2011, 2012], np.full((3, 3), 0.01), adjust="none")
    with pytest.raises(InputError, match="deaths and exposures"):
        fm.fit_lee_carter([0, 1], [2010, 2011, 2012], np.full((3, 2), 0.01))
    with pytest.raises(InputError, match="30-34"):
        fm.q30_70_from_mx([0, 5], [0.1, 0.2])


def test_the_forecasts_are_public_api() -> None:
    import salamat

    assert salamat.fit_lee_carter is fm.fit_lee_carter
    assert salamat.forecast_rwd is fm.forecast_rwd
    assert {"Forecast", "LeeCarterFit", "forecast_indicator"} <= set(salamat.__all__)
