"""What-if scenarios (salamat.methods.scenario): a cause's rates scaled, life tables recomputed.

Checks set before the run: a zero change is the baseline (identical values and interval, and
the baseline is the base year's own life expectancy, 1e-9); eliminating the cause equals a
cause-deleted life table computed independently from the other causes' deaths (1e-9); the
interval widens with the horizon and holds the point; the solved annual change reaches the
target in the target year (1e-6 years); a change restricted to an age range leaves the rates of
every other age exactly as they were and, as an elimination, equals the life table with the
cause's deaths removed at those ages only (1e-9); a range covering every age is no range
(identical paths).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from salamat.errors import InputError, MethodError
from salamat.methods import scenario as sm
from salamat.methods.ages import ages_in_bands
from salamat.methods.computed import ABRIDGED_TO_85
from salamat.methods.lifetable import life_table

AGE = ABRIDGED_TO_85
YEARS = np.arange(2016, 2024)


@pytest.fixture(scope="module")
def data() -> dict[str, np.ndarray]:
    """Eight years of deaths and exposures with a circulatory share rising with age (seeded)."""
    rng = np.random.default_rng(3)
    exposure = np.linspace(4e5, 2e4, AGE.size)[None, :] * np.ones((YEARS.size, 1))
    m = np.exp(-8.5 + 0.085 * AGE)[None, :] * np.exp(-0.01 * np.arange(YEARS.size))[:, None]
    m[:, 0] = 0.012
    deaths = rng.poisson(m * exposure).astype(float)
    share = np.clip(0.05 + 0.006 * AGE, 0, 0.6)
    cause = np.round(deaths * share)
    return {"deaths": deaths, "cause": cause, "exposure": exposure}


def path(
    data: dict[str, np.ndarray], change: float, until: int = 2035, **kw: object
) -> sm.ScenarioPath:
    return sm.scenario_path(
        AGE,
        YEARS,
        data["deaths"],
        data["cause"],
        data["exposure"],
        change=change,
        until=until,
        n_paths=400,
        **kw,  # type: ignore[arg-type]
    )


def test_zero_change_is_the_baseline(data: dict[str, np.ndarray]) -> None:
    zero = path(data, 0.0)
    falling = path(data, -0.03)
    np.testing.assert_array_equal(zero.value, falling.baseline)
    np.testing.assert_array_equal(zero.lower, falling.baseline_lower)
    np.testing.assert_array_equal(zero.upper, falling.baseline_upper)
    base_e0 = life_table(AGE, deaths=data["deaths"][-1], exposure=data["exposure"][-1]).ex[0]
    np.testing.assert_allclose(zero.value, base_e0, rtol=0, atol=1e-9)
    assert np.all(np.diff(falling.value) > 0) and falling.value[0] > zero.value[0]


def test_elimination_is_the_cause_deleted_life_table(data: dict[str, np.ndarray]) -> None:
    gone = path(data, -1.0, until=2026)
    other = data["deaths"][-1] - data["cause"][-1]
    deleted = life_table(AGE, deaths=other, exposure=data["exposure"][-1]).ex[0]
    np.testing.assert_allclose(gone.value, deleted, rtol=0, atol=1e-9)
    np.testing.assert_allclose(
        sm.cause_deleted_rates(
            data["deaths"][-1] / data["exposure"][-1], data["cause"][-1] / data["exposure"][-1]
        ),
        other / data["exposure"][-1],
        rtol=1e-12,
    )


def test_interval_widens_and_holds_the_point(data: dict[str, np.ndarray]) -> None:
    p = path(data, -0.02, target=80.0)
    width = p.upper - p.lower
    assert np.all(width[[4, 9, 11]] > width[[0, 4, 9]])
    assert np.all(p.lower < p.value) and np.all(p.value < p.upper)
    assert p.reached is None or p.value[p.year == p.reached][0] >= 80.0


def test_solved_change_reaches_the_target_in_its_year(data: dict[str, np.ndarray]) -> None:
    now = float(path(data, 0.0, until=2024).value[0])
    target = round(now + 1.0, 1)
    rate = sm.solve_change(
        AGE, data["deaths"], data["cause"], data["exposure"], years_ahead=6, target=target
    )
    assert -1.0 < rate < 0.0
    p = path(data, rate, until=2029, target=target)
    assert p.value[-1] == pytest.approx(target, abs=1e-6)
    assert p.reached in (2029, None)  # the year itself, or a hair below the target
    with pytest.raises(MethodError, match="even with the cause eliminated"):
        sm.solve_change(
            AGE, data["deaths"], data["cause"], data["exposure"], years_ahead=6, target=now + 30
        )


def test_a_change_at_some_ages_leaves_the_other_ages_alone(data: dict[str, np.ndarray]) -> None:
    m_all = data["deaths"][-1] / data["exposure"][-1]
    m_c = data["cause"][-1] / data["exposure"][-1]
    band = ages_in_bands(AGE, ["30-69"])
    assert AGE[band].tolist() == [30, 35, 40, 45, 50, 55, 60, 65]
    rates = sm.scenario_rates(m_all, m_c, -0.03, [1, 5, 12], band)
    np.testing.assert_array_equal(rates[:, ~band], np.broadcast_to(m_all[~band], (3, 11)))
    np.testing.assert_allclose(
        rates[:, band], m_all[band] + (0.97 ** np.array([1, 5, 12])[:, None] - 1) * m_c[band]
    )
    assert np.all(rates[:, band] < m_all[band])
    # eliminated at 30-69 only: the life table without the cause's deaths at those ages
    gone = path(data, -1.0, until=2026, in_ages=band)
    kept = data["deaths"][-1] - np.where(band, data["cause"][-1], 0.0)
    expected = life_table(AGE, deaths=kept, exposure=data["exposure"][-1]).ex[0]
    np.testing.assert_allclose(gone.value, expected, rtol=0, atol=1e-9)
    everywhere = path(data, -1.0, until=2026)
    assert path(data, 0.0, until=2026).value[0] < gone.value[0] < everywhere.value[0]
    assert gone.ages == ("30-69",) and "at ages 30-69" in gone.method
    assert everywhere.ages == () and "at ages" not in everywhere.method


@pytest.mark.parametrize("bands", [["0+"], ["0-29", "30-69", "70+"], ["0-0", "1-84", "85+"]])
def test_a_range_covering_every_age_is_no_range(
    data: dict[str, np.ndarray], bands: list[str]
) -> None:
    mask = ages_in_bands(AGE, bands)
    assert mask.all()
    plain, ranged = path(data, -0.03), path(data, -0.03, in_ages=mask)
    for field in ("value", "lower", "upper", "baseline"):
        np.testing.assert_array_equal(getattr(plain, field), getattr(ranged, field))
    assert ranged.method == plain.method
    target = round(float(plain.baseline[0]) + 0.5, 1)
    solved = sm.solve_change(
        AGE, data["deaths"], data["cause"], data["exposure"], years_ahead=6, target=target
    )
    assert solved == sm.solve_change(
        AGE,
        data["deaths"],
        data["cause"],
        data["exposure"],
        years_ahead=6,
        target=target,
        in_ages=mask,
    )


def test_a_narrower_range_needs_a_steeper_decline(data: dict[str, np.ndarray]) -> None:
    now = float(path(data, 0.0, until=2024).value[0])
    kw = {"years_ahead": 6, "target": round(now + 0.3, 1)}
    every = sm.solve_change(AGE, data["deaths"], data["cause"], data["exposure"], **kw)
    band = ages_in_bands(AGE, ["30-69"])
    some = sm.solve_change(AGE, data["deaths"], data["cause"], data["exposure"], in_ages=band, **kw)
    assert -1.0 < some < every < 0.0
    p = path(data, some, until=2029, in_ages=band)
    assert p.value[-1] == pytest.approx(kw["target"], abs=1e-6)


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        (["32-69"], "no band is split"),
        (["30-90"], "the last open (85+)"),
        (["69-30"], "below the first"),
        (["thirty"], "expected A-B"),
        ([], "no age range"),
    ],
)
def test_age_ranges_that_split_bands_are_refused(bands: list[str], message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        ages_in_bands(AGE, bands)


def test_bad_inputs_are_named(data: dict[str, np.ndarray]) -> None:
    with pytest.raises(InputError, match="no band is chosen"):
        path(data, -0.1, in_ages=np.zeros(AGE.size, dtype=bool))
    with pytest.raises(InputError, match="one True/False a band"):
        path(data, -0.1, in_ages=np.ones(3, dtype=bool))
    with pytest.raises(InputError, match="at least -1"):
        path(data, -1.5)
    with pytest.raises(InputError, match="after the base year 2023"):
        path(data, -0.1, until=2023)
    with pytest.raises(InputError, match="cause deaths"):
        sm.scenario_path(
            AGE, YEARS, data["cause"], data["deaths"], data["exposure"], change=-0.1, until=2030
        )
    with pytest.raises(MethodError, match="at least 3"):
        sm.scenario_path(
            AGE,
            YEARS[-2:],
            data["deaths"][-2:],
            data["cause"][-2:],
            data["exposure"][-2:],
            change=-0.1,
            until=2030,
        )


def test_the_scenarios_are_public_api() -> None:
    import salamat

    assert salamat.scenario_path is sm.scenario_path
    assert salamat.solve_change is sm.solve_change
