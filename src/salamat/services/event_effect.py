"""``salamat events effect``: did an indicator change course when a policy event came in?

An interrupted time series on one source's annual values around a dated event
(:mod:`salamat.services.events`): segmented regression with the pre-period trend by OLS on the
values (:mod:`salamat.methods.its`, the default), or, for counts such as deaths, Poisson
segmented regression with the population as the offset and over-dispersion allowed
(quasi-Poisson; :mod:`salamat.methods.its_poisson`), whose estimates are rate ratios. Either way
the result carries :data:`CAVEAT`: an association in time, not proof of an effect.
"""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd

from salamat.errors import InputError
from salamat.store.connection import Store
from salamat.store.reference import load_catalog

__all__ = ["CAVEAT", "EXPOSURES", "PRE_YEARS", "event_effect"]

PRE_YEARS = 10  # default window before the event: the recent trend, as the targets' window

CAVEAT = (
    "an association in time, not proof of an effect: anything else that changed then (other "
    "policies, the pandemic, a change of source or definition) is in the estimate, and the "
    "standard errors assume independent yearly errors (autocorrelation makes the interval too "
    "narrow)"
)

EXPOSURES = ("population", "population_jan1")  # tried in turn for --model poisson

Model = Literal["ols", "poisson"]
_NOT_COUNTS = ("per ", "%", "years")


def _annual(store: Store, indicator: str, unit: str, sex: str, source: str | None) -> pd.DataFrame:
    """Observed (not projected) annual all-ages values of ``indicator`` for ``unit``."""
    from salamat.ingest.canonical import is_projection
    from salamat.store.queries import series_frame

    frame = series_frame(store, indicator=indicator, areas=[unit], sex=sex, age="all")
    frame = frame[
        frame["period"].astype(str).str.fullmatch(r"\d{4}")
        & frame["cause"].eq("all")
        & frame["residence"].eq("total")
    ]
    frame = frame[~is_projection(frame)]
    if source:
        frame = frame[frame["source"].astype(str).str.startswith(source)]
    return frame


def _exposure(
    store: Store, names: tuple[str, ...], unit: str, sex: str, years: list[int]
) -> tuple[str, str, dict[int, float]]:
    """The first of ``names`` with all-ages values for every year of ``years`` in one source
    (the source covering most of them): ``(indicator, source, {year: value})``."""
    missing: list[str] = []
    for name in names:
        frame = _annual(store, name, unit, sex, None)
        frame = frame[frame["period"].astype(int).isin(years)]
        if frame.empty:
            missing.append(f"{name}: none")
            continue
        cover = frame.groupby("source")["period"].nunique().sort_values(ascending=False)
        chosen = str(cover.index[0])
        rows = frame[frame["source"] == chosen]
        values = {int(p): float(v) for p, v in zip(rows["period"], rows["value"], strict=True)}
        lacking = [y for y in years if y not in values]
        if not lacking:
            return name, chosen, values
        missing.append(f"{name} ({chosen}): no {', '.join(map(str, lacking))}")
    raise InputError(
        f"--model poisson needs the population of {unit} ({sex}, all ages) for every year of "
        f"the fit ({years[0]}-{years[-1]}): " + "; ".join(missing) + ". Import it, or name "
        "another indicator with --exposure"
    )


def event_effect(
    store: Store,
    code: str,
    indicator: str,
    area: str,
    *,
    sex: str = "total",
    source: str | None = None,
    from_year: int | None = None,
    to_year: int | None = None,
    level: float = 0.95,
    keep_shocks: bool = False,
    model: Model = "ols",
    exposure: str | None = None,
) -> dict[str, Any]:
    """Interrupted-time-series estimate of the change in ``indicator`` at event ``code``.

    The series is one source's annual values (``source``: a prefix of its name; default the
    observed source with the most years), projections left out, from ``from_year`` (default:
    :data:`PRE_YEARS` years before the first year after the event); the shock years of
    ``data/shock_years.csv`` are left out of the fit unless ``keep_shocks``.

    ``model="ols"``: segmented regression on the values (:mod:`salamat.methods.its`); the
    estimates are differences in the indicator's unit. ``model="poisson"``: the indicator must
    be a count (deaths, births ...); its exposure is ``exposure`` or the first of
    :data:`EXPOSURES` with all-ages values for every year of the fit, and the estimates are rate
    ratios with quasi-Poisson intervals (:mod:`salamat.methods.its_poisson`); ``se`` is then
    the standard error of the log rate ratio. :data:`CAVEAT` says what neither can say.
    """
    from salamat.methods.its import first_year_after, segmented_regression
    from salamat.methods.its_poisson import poisson_segmented_regression
    from salamat.services.events import events
    from salamat.services.suggest import area_hint, indicator_hint
    from salamat.services.targets import shock_years

    if model not in ("ols", "poisson"):
        raise InputError(f"--model {model}: expected ols or poisson")
    found = {e.code: e for e in events(store)}
    if code not in found:
        raise InputError(
            f"unknown event {code!r}: salamat events list shows them ({', '.join(sorted(found))})"
        )
    event = found[code]
    catalog = load_catalog(store)
    unit = catalog.resolve(area)
    if unit is None:
        raise InputError(f"unknown area {area!r}: {area_hint(store, area)}")
    if indicator not in catalog.data_elements:
        raise InputError(f"unknown indicator {indicator!r}: {indicator_hint(store, indicator)}")
    if exposure is not None and exposure not in catalog.data_elements:
        raise InputError(f"unknown indicator {exposure!r}: {indicator_hint(store, exposure)}")
    measure = catalog.data_elements[indicator] or ""
    if model == "poisson" and any(m in measure for m in _NOT_COUNTS):
        raise InputError(
            f"--model poisson fits counts (deaths, births ...) with the population as the "
            f"offset: {indicator} is in {measure}; use --model ols, or --indicator deaths"
        )
    frame = _annual(store, indicator, unit, sex, source)
    if frame.empty:
        raise InputError(
            f"no annual values of {indicator} for {unit}"
            + (f" from a source starting {source!r}" if source else "")
        )
    counts = frame.groupby("source")["period"].nunique().sort_values(ascending=False)
    chosen = str(counts.index[0])
    series = frame[frame["source"] == chosen]
    years = series["period"].astype(int)
    if from_year is None:  # the recent trend: the ten years before the first year after
        from_year = first_year_after(event.at) - PRE_YEARS
    keep = (years >= from_year).to_numpy(copy=True)
    if to_year is not None:
        keep &= (years <= to_year).to_numpy()
    shocks = [] if keep_shocks else [d["year"] for d in shock_years(indicator, unit)]
    left_out = sorted(int(y) for y in years[keep & years.isin(shocks).to_numpy()])
    keep &= ~years.isin(shocks).to_numpy()
    used = series[keep].sort_values("period")
    used_years = [int(y) for y in used["period"].astype(int)]
    out: dict[str, Any] = {
        "event": event.as_dict(),
        "indicator": indicator,
        "area": unit,
        "sex": sex,
        "source": chosen,
        "years": used_years,
        "left_out_as_shocks": left_out,
        "level": level,
        "model": model,
    }
    if model == "ols":
        fit = segmented_regression(
            used["period"].astype(int), used["value"].astype(float), event.at, level=level
        )

        def est(value: float, se: float) -> dict[str, float]:
            lo, hi = fit.interval(value, se)
            return {
                "estimate": round(value, 6),
                "se": round(se, 6),
                "lower": round(lo, 6),
                "upper": round(hi, 6),
            }

        return {
            **out,
            "first_year_after": fit.first_after,
            "years_before": fit.n_before,
            "years_after": fit.n_after,
            "trend_before": est(fit.trend_before, fit.trend_before_se),
            "level_change": est(fit.level_change, fit.level_change_se),
            "trend_change": est(fit.trend_change, fit.trend_change_se),
            "effect_at_last_year": {"year": fit.effect_year, **est(fit.effect, fit.effect_se)},
            "residual_sd": round(fit.sigma, 6),
            "df": fit.df,
            "effect_scale": "difference",
            "exposure": None,
            "method": "segmented regression (OLS) with the pre-period trend; Wagner et al. 2002, Bernal et al. 2017",
            "caveat": CAVEAT,
        }
    if not used_years:
        raise InputError(f"no years of {indicator} for {unit} in the window of the fit")
    names = (exposure,) if exposure else EXPOSURES
    exp_name, exp_source, exp_values = _exposure(store, names, unit, sex, used_years)
    first = first_year_after(event.at)
    pfit = poisson_segmented_regression(
        used_years,
        used["value"].astype(float).to_numpy(),
        [exp_values[y] for y in used_years],
        first,
        level=level,
    )

    def ratio(log: float, se: float) -> dict[str, float]:
        rr, lo, hi = pfit.ratio(log, se)
        return {
            "estimate": round(rr, 6),
            "se": round(se, 6),
            "lower": round(lo, 6),
            "upper": round(hi, 6),
        }

    return {
        **out,
        "first_year_after": first,
        "years_before": pfit.n_before,
        "years_after": pfit.n_after,
        "trend_before": ratio(pfit.trend_before_log, pfit.trend_before_se),
        "level_change": ratio(pfit.level_change_log, pfit.level_change_se),
        "trend_change": ratio(pfit.trend_change_log, pfit.trend_change_se),
        "effect_at_last_year": {
            "year": int(pfit.effect_at),
            **ratio(pfit.effect_log, pfit.effect_se),
        },
        "residual_sd": None,
        "dispersion": round(pfit.dispersion, 6),
        "df": pfit.df,
        "effect_scale": "rate ratio",
        "exposure": {"indicator": exp_name, "source": exp_source},
        "method": (
            "Poisson segmented regression with the pre-period trend, log population as the "
            "offset, over-dispersion allowed (quasi-Poisson); Lopez Bernal, Cummins & "
            "Gasparrini 2017"
        ),
        "caveat": CAVEAT,
    }
