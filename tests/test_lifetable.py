"""Life tables: reference tables (HMD, Preston et al., PHE) and properties."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from salamat.errors import InputError, MethodError
from salamat.methods.lifetable import (
    QxAboveOneError,
    a0_andreev_kingkade,
    a0_both_sexes,
    a0_coale_demeny,
    a41_coale_demeny,
    kannisto_smooth,
    life_table,
    mx_to_ax_constant_hazard,
    mx_to_qx,
)

REFERENCE = Path(__file__).parent / "reference"
HMD = REFERENCE / "hmd_gbr_np_2018"
SINGLE_AGES = np.arange(111.0)
ABRIDGED = np.array([0.0, 1.0, *np.arange(5.0, 90.0, 5.0)])

HMD_CITATION = (
    "Human Mortality Database, United Kingdom (GBR_NP) period life tables 1x1, 1922-2016, "
    "last modified 28 May 2018, Methods Protocol v6; CC BY 4.0"
)
PROPERTY = settings(derandomize=True, max_examples=60, deadline=None)


def _hmd(name: str) -> pd.DataFrame:
    frame = pd.read_csv(HMD / name, sep=r"\s+", skiprows=2, na_values=".")
    frame["Age"] = frame["Age"].astype(str).str.rstrip("+").astype(int)
    return frame


def _wide(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame.pivot(index="Year", columns="Age", values=column).to_numpy(dtype=float)


# ----------------------------------------------------------------------------------------
# reference tables
# ----------------------------------------------------------------------------------------


@pytest.mark.reference(HMD_CITATION)
@pytest.mark.parametrize(("table", "sex"), [("fltper", "female"), ("mltper", "male")])
def test_hmd_sex_specific_tables_rebuilt_from_their_mx(table: str, sex: str) -> None:
    # tolerance chosen before the run: 0.01 years (ex published to 2 decimals, mx to 5)
    published = _hmd(f"GBR_NP.{table}_1x1.txt.gz")
    mx = _wide(published, "mx")
    assert mx.shape == (95, 111)  # every year 1922-2016, ages 0-110+
    result = life_table(SINGLE_AGES, mx=mx, sex=sex, a0="andreev_kingkade")
    assert np.max(np.abs(result.ex - _wide(published, "ex"))) <= 0.01
    assert np.max(np.abs(result.ax[:, 0] - _wide(published, "ax")[:, 0])) <= 0.005


@pytest.mark.reference(HMD_CITATION)
def test_hmd_both_sexes_table_rebuilt_with_published_a0() -> None:
    published = _hmd("GBR_NP.bltper_1x1.txt.gz")
    a0 = _wide(published, "ax")[:, 0]
    result = life_table(SINGLE_AGES, mx=_wide(published, "mx"), sex="total", a0=a0)
    assert np.max(np.abs(result.ex - _wide(published, "ex"))) <= 0.01


@pytest.mark.reference(HMD_CITATION + "; raw death rates and exposures 1x1")
def test_hmd_kannisto_smoothing_from_raw_rates_gives_published_tables() -> None:
    # deaths rebuilt as raw Mx (6 decimals) x exposure; HMD's smoothing start age is the
    # lower of the male and female ages (HMD Methods Protocol v6; ltper_GetDx100)
    rates, exposure = _hmd("GBR_NP.Mx_1x1.txt.gz"), _hmd("GBR_NP.Exposures_1x1.txt.gz")
    deaths = {s: np.nan_to_num(_wide(rates, s)) * _wide(exposure, s) for s in ("Female", "Male")}

    def start(d: np.ndarray) -> np.ndarray:
        eligible = (SINGLE_AGES >= 80) & (SINGLE_AGES <= 95) & (d <= 100)
        return np.where(eligible.any(-1), SINGLE_AGES[np.argmax(eligible, -1)], 95.0)

    replace_from = np.minimum(start(deaths["Female"]), start(deaths["Male"]))
    for column, table, sex in (("Female", "fltper", "female"), ("Male", "mltper", "male")):
        fit = kannisto_smooth(
            SINGLE_AGES, deaths[column], _wide(exposure, column), replace_from=replace_from
        )
        result = life_table(SINGLE_AGES, mx=fit.mx, sex=sex)
        published = _hmd(f"GBR_NP.{table}_1x1.txt.gz")
        assert np.max(np.abs(result.ex - _wide(published, "ex"))) <= 0.01


@pytest.mark.reference("Preston, Heuveline & Guillot (2001), Box 3.1, Austria 1992 males")
def test_austria_1992_males_given_nax() -> None:
    book = pd.read_csv(REFERENCE / "austria_1992_males_preston2001_box3_1.csv")
    result = life_table(book.age_start, mx=book.nmx, ax=book.nax, sex="male")
    assert np.max(np.abs(result.ex - book.ex)) <= 0.001
    assert result.ex[0] == pytest.approx(72.889, abs=0.0005)


@pytest.mark.reference("Preston, Heuveline & Guillot (2001), Table 3.3 (Coale-Demeny a0, 4a1)")
def test_austria_1992_coale_demeny_rules_give_the_books_ax() -> None:
    book = pd.read_csv(REFERENCE / "austria_1992_males_preston2001_box3_1.csv")
    result = life_table(
        book.age_start, deaths=book.nDx, exposure=book.nNx, sex="male", a0="coale_demeny"
    )
    assert result.ax[0] == pytest.approx(0.068, abs=0.0005)
    assert result.ax[1] == pytest.approx(1.626, abs=0.0005)


@pytest.mark.reference(
    "UK Health Security Agency, PHEindicatormethods (GPL-3) tests/testthat/testLifeExpectancy.R, "
    "answer1: PHE Life Expectancy Calculator (Chiang II with Silcocks et al. 2001)"
)
def test_phe_life_expectancy_calculator_example() -> None:
    # PHE: ax = 0.1 at age 0, half the band elsewhere, 90+ open; answers to 4 decimals
    # (tolerance: half a unit of the 4th decimal). PHE's spreadsheet uses z = 1.96.
    phe = pd.read_csv(REFERENCE / "phe_life_expectancy_testdata.csv")
    width = np.append(np.diff(phe.startage), np.nan)
    ax = np.where(phe.startage == 0, 0.1, width / 2.0)
    result = life_table(phe.startage, deaths=phe.deaths, exposure=phe.pops, ax=ax, ci=0.95)
    assert result.ex_lower is not None and result.ex_upper is not None
    assert np.max(np.abs(result.ex - phe.value)) <= 0.00005
    assert np.max(np.abs(result.ex_lower - phe.lowercl)) <= 0.00005
    assert np.max(np.abs(result.ex_upper - phe.uppercl)) <= 0.00005


# ----------------------------------------------------------------------------------------
# rules and identities
# ----------------------------------------------------------------------------------------


def test_andreev_kingkade_segments() -> None:
    m0 = np.array([0.01, 0.05, 0.1])
    assert a0_andreev_kingkade(m0, "male") == pytest.approx(
        [0.14929 - 1.99545 * 0.01, 0.02832 + 3.26201 * 0.05, 0.29915]
    )
    assert a0_andreev_kingkade(m0, "female") == pytest.approx(
        [0.14903 - 2.05527 * 0.01, 0.04667 + 3.88089 * 0.05, 0.31411]
    )
    total = a0_andreev_kingkade(m0, "total")
    assert total == pytest.approx(
        (a0_andreev_kingkade(m0, "male") + a0_andreev_kingkade(m0, "female")) / 2
    )


def test_coale_demeny_thresholds() -> None:
    assert a0_coale_demeny(0.2, "male") == pytest.approx(0.330)
    assert a0_coale_demeny(0.2, "female") == pytest.approx(0.350)
    assert a41_coale_demeny(0.2, "male") == pytest.approx(1.352)
    assert a41_coale_demeny(0.01, "female") == pytest.approx(1.522 - 0.01518)


def test_a0_both_sexes_is_death_weighted() -> None:
    assert float(a0_both_sexes(0.3, 0.2, 1.0, 3.0)) == pytest.approx(0.225, rel=1e-12)


def test_sex_per_stratum() -> None:
    mx = np.full((2, 3), 0.05)
    mixed = life_table([0, 1, 2], mx=mx, sex=["female", "male"])
    female = life_table([0, 1, 2], mx=mx[0], sex="female")
    assert mixed.ax[0, 0] == pytest.approx(female.ax[0])
    assert mixed.ax[1, 0] != pytest.approx(female.ax[0])


def test_bad_sex_is_input_error() -> None:
    with pytest.raises(InputError, match="sex"):
        life_table([0, 1], mx=[0.01, 0.2], sex="both")


def test_rate_making_qx_exceed_one_names_stratum_and_age() -> None:
    mx = np.array([[0.01, 0.02, 0.1], [0.01, 2.5, 0.3]])
    with pytest.raises(MethodError, match=r"age 1 in stratum \(1,\).*qx = "):
        life_table([0, 1, 2], mx=mx)


def test_zero_rate_in_open_band_is_method_error() -> None:
    with pytest.raises(MethodError, match="infinite"):
        life_table([0, 1], mx=[0.01, 0.0])


def test_negative_deaths_and_zero_exposure_are_input_errors() -> None:
    with pytest.raises(InputError) as err:
        life_table([0, 1], deaths=[-1, 3], exposure=[10, 0])
    fields = {p.field for p in err.value.problems}
    assert fields == {"deaths", "exposure"}


def test_given_open_band_ax_must_agree_with_closure() -> None:
    with pytest.raises(InputError, match="closure"):
        life_table([0, 1], mx=[0.01, 0.2], ax=[0.1, 3.0])


def test_ci_needs_deaths() -> None:
    with pytest.raises(InputError, match="deaths and exposure"):
        life_table([0, 1], mx=[0.01, 0.2], ci=0.95)


def test_ex_at_any_band_start() -> None:
    table = life_table(ABRIDGED, mx=np.linspace(0.001, 0.2, ABRIDGED.size), sex="female")
    assert table.ex_at(65) == pytest.approx(table.ex[ABRIDGED.tolist().index(65.0)])
    with pytest.raises(InputError):
        table.ex_at(66)


def test_arrays_are_read_only() -> None:
    table = life_table([0, 1], mx=[0.01, 0.2])
    with pytest.raises(ValueError, match="read-only"):
        table.ex[0] = 1.0


def test_identity_mx_to_qx() -> None:
    assert float(mx_to_qx(np.array(0.1), np.array(2.5), np.array(5.0))) == pytest.approx(0.5 / 1.25)


def test_vectorised_equals_one_at_a_time() -> None:
    rng = np.random.default_rng(20240101)
    mx = rng.uniform(0.0005, 0.3, size=(4, 3, ABRIDGED.size))
    deaths = np.round(mx * 10_000)
    exposure = deaths / mx
    together = life_table(ABRIDGED, deaths=deaths, exposure=exposure, sex="male", ci=0.9)
    one = life_table(ABRIDGED, deaths=deaths[2, 1], exposure=exposure[2, 1], sex="male", ci=0.9)
    assert together.ex[2, 1] == pytest.approx(one.ex, rel=1e-12)
    assert together.ex_lower is not None and one.ex_lower is not None
    assert together.ex_lower[2, 1] == pytest.approx(one.ex_lower, rel=1e-12)


def test_ten_thousand_tables_in_one_call() -> None:
    mx = np.tile(np.linspace(0.001, 0.3, SINGLE_AGES.size), (10_000, 1))
    table = life_table(SINGLE_AGES, mx=mx, sex="female")
    assert table.ex.shape == (10_000, 111)
    assert np.all(table.ex[:, 0] == table.ex[0, 0])


# ----------------------------------------------------------------------------------------
# properties
# ----------------------------------------------------------------------------------------

rates = arrays(
    np.float64,
    st.tuples(st.integers(1, 4), st.just(ABRIDGED.size)),
    elements=st.floats(1e-5, 0.3),
)


@PROPERTY
@given(mx=rates, radix=st.sampled_from([1.0, 1000.0, 100_000.0]))
def test_property_closure(mx: np.ndarray, radix: float) -> None:
    table = life_table(ABRIDGED, mx=mx, sex="male", radix=radix)
    assert np.allclose(table.dx.sum(axis=-1), radix, rtol=1e-12)
    assert np.all(np.diff(table.lx, axis=-1) <= 0)
    assert np.allclose(table.ex[..., 0], table.Tx[..., 0] / table.lx[..., 0], rtol=1e-12)
    assert np.all((table.qx >= 0) & (table.qx <= 1))
    assert np.allclose(table.Lx.sum(axis=-1), table.Tx[..., 0], rtol=1e-12)


@PROPERTY
@given(
    deaths=arrays(np.float64, (2, ABRIDGED.size), elements=st.integers(1, 5000).map(float)),
    exposure=arrays(np.float64, (2, ABRIDGED.size), elements=st.floats(2e4, 1e6)),
    level=st.sampled_from([0.8, 0.95, 0.998]),
)
def test_property_interval_contains_point(
    deaths: np.ndarray, exposure: np.ndarray, level: float
) -> None:
    table = life_table(ABRIDGED, deaths=deaths, exposure=exposure, sex="total", ci=level)
    assert table.ex_lower is not None and table.ex_upper is not None
    assert np.all(table.ex_lower <= table.ex)
    assert np.all(table.ex <= table.ex_upper)


def test_life_table_smoothing_option_uses_hmd_default_start() -> None:
    rates, exposure = _hmd("GBR_NP.Mx_1x1.txt.gz"), _hmd("GBR_NP.Exposures_1x1.txt.gz")
    e = _wide(exposure, "Female")[-3:]
    d = np.nan_to_num(_wide(rates, "Female"))[-3:] * e
    smoothed = life_table(SINGLE_AGES, deaths=d, exposure=e, sex="female", smoothing="kannisto")
    fit = kannisto_smooth(SINGLE_AGES, d, e)
    assert np.all(fit.replace_from == 95.0)  # recent years: > 100 deaths at every age to 94
    assert smoothed.smoothing == "kannisto"
    assert smoothed.mx == pytest.approx(fit.mx, rel=1e-12)
    assert smoothed.mx[:, :95] == pytest.approx(d[:, :95] / e[:, :95], rel=1e-12)


def test_kannisto_needs_single_years() -> None:
    with pytest.raises(InputError, match="single-year"):
        kannisto_smooth(ABRIDGED, np.ones(ABRIDGED.size), np.full(ABRIDGED.size, 100.0))


def test_constant_hazard_ax_identity() -> None:
    # nqx = 1 - exp(-n mx) under a constant hazard; ax tends to n/2 as mx -> 0
    mx = np.array([1e-12, 0.01, 0.5, 2.0])
    n = np.full(4, 5.0)
    ax = mx_to_ax_constant_hazard(mx, n)
    assert ax[0] == 2.5
    qx = mx_to_qx(mx, ax, n)
    np.testing.assert_allclose(qx, -np.expm1(-n * mx), rtol=1e-12)
    assert np.all((ax > 0) & (ax < n))


def test_constant_hazard_where_half_the_band_fails() -> None:
    age = [0, 1, 5, 10]
    mx = np.array([[0.02, 0.005, 0.5, 0.9], [0.02, 0.005, 0.1, 0.9]])
    with pytest.raises(QxAboveOneError):
        life_table(age, mx=mx)
    t = life_table(age, mx=mx, qx_over_one="constant_hazard")
    assert t.ax_method is not None
    assert t.ax_method[0, 2] == "ax constant hazard (ax = n/2 gives qx >= 1)"
    assert t.ax_method[1, 2] == "ax = n/2"  # the other stratum keeps the rule
    assert list(t.ax_method[0, [0, 1, 3]]) == [
        "1a0 andreev_kingkade",
        "4a1 coale_demeny",
        "ax = 1/mx (open band)",
    ]
    assert t.qx[0, 2] == pytest.approx(1 - np.exp(-2.5))
    assert t.ex[1, 0] == pytest.approx(life_table(age, mx=mx[1:]).ex[0, 0])
    assert "constant-hazard ax where the rule gave qx >= 1 (1 band(s))" in t.ax_rule
