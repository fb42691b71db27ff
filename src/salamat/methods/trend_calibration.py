"""Calibration of the targets scorecard's trend: when its forecast is widened for drift changes.

The scorecard's trend (:mod:`salamat.methods.trends`, a random walk with drift fitted on the
last ten years, Student *t*) was backtested out of sample (``python benchmarks/
forecast_backtest.py --scorecard``; benchmarks/README.md, "Are the scorecard's probabilities
calibrated?"). Two findings decide what the scorecard does:

1. On **modelled, smoothed estimates** the plain model is far too sure. Every WPP 2024
   country's annual e0 (origins 1985-2009, horizons 1-10, truths up to 2019): the nominal 95%
   interval covered 0.71, the 80% 0.55. The same code covers nominal on simulated random walks:
   the shortfall is the model's. A smoothed series has a small year-to-year ``sigma`` (median
   0.15 years for WPP e0) while its drift still changes course, which the plain model ignores.
2. On **registration series** the plain model is already calibrated or cautious: the 63 BNS
   Kazakhstan e0 series (the country and its 20 regions x 3 sexes, 1999-2019; origins 2008-2018)
   cover 0.948 (95%) and 0.796 (80%); HMD United Kingdom e0 (1975-2006 origins) 0.989; WHO GHED health expenditure in
   % of GDP (a reported series) 0.944. Their ``sigma`` is larger (median 0.60 years for the
   Kazakh e0), and widening them would make every probability too timid (0.995 at 95%).

So the widening (the drift-change term ``lambda``, see :mod:`salamat.methods.trends`) is
applied to the series of sources that publish modelled estimates, and only to them, with a
``lambda`` fitted for that source's kind of series (:data:`CALIBRATIONS`). Each ``lambda`` was
fitted once, offline, on half of the countries (split by a seeded hash of the country code,
:func:`benchmarks.forecast_backtest.fitting_half`) so that the central 95% interval covers 95%,
and checked on the other half (``python benchmarks/forecast_backtest.py --scorecard``;
benchmarks/README.md gives every figure):

========================================  ======  =========  ============  ============
series                                    lambda  plain 95%  widened 95%   widened 80%
========================================  ======  =========  ============  ============
UN WPP 2024 e0, held-out 120 countries    0.995   0.715      0.956         0.853
WHO TB incidence estimates, held-out 111  0.756   0.842      0.963         0.872
WHO GHE 30q70, held-out 94 countries      0.461   0.876      0.955         0.833
========================================  ======  =========  ============  ============

(WPP: origins 1985-2009, horizons 1-10; WHO series: origins 2008-2018, truths up to 2019, so
their long horizons rest on few forecasts.) The 80% intervals over-cover a little everywhere:
the forecast errors are more peaked and heavier-tailed than a *t*, so no single ``lambda`` gets
both levels right; the 95% was matched because the cards show 95% intervals and a
probability that errs should err towards modesty. The maximum-likelihood ``lambda`` on the WPP
fitting half is 0.79 (its 95% interval covers 0.92). One e0-fitted ``lambda`` applied to the WHO
estimates would over-cover (0.989 on 30q70, 0.972 on TB): the term's form transfers, its size
does not, hence one ``lambda`` per kind of source. A source not listed keeps the plain model,
and every card says which distribution it used. The constants were fitted with the scorecard's
10-year window and are applied as they are to other windows (not checked).

Provenance of the constants: ``python benchmarks/forecast_backtest.py --scorecard
--fit-calibration`` on tests/data/wpp/wpp2024_e0B.txt.gz (UN WPP 2024, both sexes),
tests/data/who_gho/NCDMORT3070_GHO_export_2024-12-18_all_countries.csv.gz (WHO GHE 2021, both
sexes) and src/salamat/data/demo/owid/incidence-of-tuberculosis-sdgs.csv (WHO Global TB Report
2025 via Our World in Data), 2026-12-01: roots of ``coverage95(lambda) = 0.95`` on each
fitting half 0.9952, 0.7564 and 0.4605, kept to three decimals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CALIBRATIONS",
    "PLAIN",
    "Calibration",
    "calibration_for",
]

Family = Literal["wpp_e0", "who_tb", "who_ghe", "plain"]
SeriesKind = Literal["modelled", "reported"]


@dataclass(frozen=True)
class Calibration:
    """Which forecast distribution a trend uses, and why (shown with every card).

    ``drift_change`` is ``lambda`` (0: the plain random walk with drift); ``sources`` are the
    source prefixes it applies to; ``method`` says in words how the plain random walk with
    drift's intervals are treated; ``evidence``
    says where it was fitted and checked.
    """

    family: Family
    series_kind: SeriesKind
    drift_change: float
    sources: tuple[str, ...]
    method: str
    evidence: str


def _widened(family: Family, lam: float, on: str, sources: tuple[str, ...], ev: str) -> Calibration:
    return Calibration(
        family=family,
        series_kind="modelled",
        drift_change=lam,
        sources=sources,
        method=(
            f"intervals widened for trend changes (lambda = {lam:g}) as measured on {on}; "
            "see salamat.methods.trend_calibration"
        ),
        evidence=ev,
    )


CALIBRATIONS: tuple[Calibration, ...] = (
    _widened(
        "wpp_e0",
        0.995,
        "the e0 of 236 countries (UN WPP 2024)",
        ("UN WPP", "WPP "),
        "modelled estimates: the plain 95% interval covered 0.715 of 120 held-out countries' "
        "WPP e0, widened 0.956",
    ),
    _widened(
        "who_tb",
        0.756,
        "the TB incidence estimates of 215 countries (WHO)",
        ("WHO Global Tuberculosis Report",),
        "modelled estimates: the plain 95% interval covered 0.842 of 111 held-out countries' "
        "TB incidence, widened 0.963",
    ),
    _widened(
        "who_ghe",
        0.461,
        "the 30q70 of 185 countries (WHO Global Health Estimates)",
        ("WHO Global Health Observatory", "WHO Global Health Estimates"),
        "modelled estimates: the plain 95% interval covered 0.876 of 94 held-out countries' "
        "30q70, widened 0.955",
    ),
)
"""The widened distributions, one per kind of modelled source (module docstring)."""

PLAIN = Calibration(
    family="plain",
    series_kind="reported",
    drift_change=0.0,
    sources=(),
    method="not widened (registration and reported data)",
    evidence=(
        "registration and reported data: the plain 95% interval covered 0.948 of 63 Kazakh "
        "regional e0 series, 0.989 of HMD United Kingdom e0 and 0.944 of WHO GHED health "
        "expenditure"
    ),
)


def calibration_for(source: str | None) -> Calibration:
    """The forecast distribution for a series from ``source``: the first of
    :data:`CALIBRATIONS` one of whose prefixes it starts with, else :data:`PLAIN`.

    Examples
    --------
    >>> calibration_for("UN WPP 2024").drift_change, calibration_for("BNS Kazakhstan").drift_change
    (0.995, 0.0)
    """
    if source is not None:
        for c in CALIBRATIONS:
            if source.startswith(c.sources):
                return c
    return PLAIN
