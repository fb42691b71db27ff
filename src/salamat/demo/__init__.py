"""``salamat demo``: a store built from the bundled data, through the ordinary import paths.

Real data: Kazakhstan's official regional series (BNS), UN WPP 2024 life expectancy, death rates,
deaths and births for the seven OTS countries (and the world), UN WPP 2024 probabilistic
projections of life expectancy to 2050 with their 95% prediction intervals (see
:mod:`salamat.demo.wpp_intervals`), UN WPP 2022 population by age,
WHO TB incidence and health expenditure via Our World in Data. Synthetic: unit-record deaths and
single-age populations for Kazakhstan's regions (see :mod:`salamat.demo.synthetic`), labelled
SYNTHETIC in their source. Sources and licences: ``salamat/data/demo/SOURCES.md``.
"""

from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path

from salamat.demo.kz import kz_observations
from salamat.demo.opensdg import opensdg_demo
from salamat.demo.published import import_published_figures
from salamat.demo.synthetic import POPULATION_SOURCE, SOURCE, synthetic_deaths, synthetic_population
from salamat.demo.wpp_intervals import import_wpp_intervals
from salamat.ingest.kinds import load_parsers
from salamat.ingest.pipeline import Progress, import_observations
from salamat.ingest.records import import_deaths, import_population
from salamat.ingest.summary import ImportSummary
from salamat.store.approval import approved_at_commit
from salamat.store.connection import Store

__all__ = ["STEPS", "build_demo"]

_WPP_FILES = (
    "wpp2024_e0_by_sex_OTS_1950-2023.csv",
    "wpp2024_e0_5yr_period_by_sex_OTS_1950-2020.csv",
    "wpp2024_mx_5yr_age_by_sex_OTS_1950-2025.csv",
    "wpp2024_deaths_total_OTS.csv",
    "wpp2024_births_total_OTS.csv",
    "wpp2022_population_by_age_both_sexes_thousands_estimates_OTS.csv",
)
_OWID = {
    "incidence-of-tuberculosis-sdgs.csv": "WHO Global Tuberculosis Report 2025 (burden estimates), via Our World in Data",
    "total-healthcare-expenditure-gdp.csv": "WHO Global Health Expenditure Database, via Our World in Data",
}


STEPS = 9
"""The number of steps :func:`build_demo` reports to ``progress`` (one import each)."""


def build_demo(
    store: Store,
    *,
    seed: int = 2024,
    progress: Progress | None = None,
    detail: Progress | None = None,
) -> list[ImportSummary]:
    """Import every demo dataset; returns one import summary per step. Safe to run again.

    ``progress`` is called once at the start of each of the :data:`STEPS` steps, with its
    name; ``detail`` (if given) with the stages inside a step (reading, validating, writing).
    The bundled and demo data are approved at commit, also in a store with accounts
    (:func:`salamat.store.approval.approved_at_commit`).
    """
    with approved_at_commit("salamat demo (bundled and demo data)"):
        return _build(store, seed=seed, progress=progress, detail=detail)


def _build(
    store: Store,
    *,
    seed: int,
    progress: Progress | None,
    detail: Progress | None,
) -> list[ImportSummary]:
    load_parsers()
    tick = progress or (lambda _s: None)
    inner = detail or (lambda _s: None)
    data = resources.files("salamat") / "data" / "demo"
    summaries: list[ImportSummary] = []
    with tempfile.TemporaryDirectory(prefix="salamat-demo-") as tmp:
        work = Path(tmp)
        tick("Kazakhstan official series (BNS)")
        kz = work / "kz_bns_observations.csv"
        kz_observations().to_csv(kz, index=False)
        summaries.append(import_observations(store, "observations", [kz]))

        tick("UN WPP 2024")
        wpp = []
        for name in _WPP_FILES:
            target = work / name
            target.write_bytes((data / "un_wpp" / name).read_bytes())
            wpp.append(target)
        summaries.append(import_observations(store, "wpp", wpp))
        tick("UN WPP 2024 probabilistic projections (95% intervals)")
        summaries.append(import_wpp_intervals(store, progress=inner))

        for name, source in _OWID.items():
            tick(f"Our World in Data: {name}")
            target = work / name
            target.write_bytes((data / "owid" / name).read_bytes())
            summaries.append(import_observations(store, "owid", [target], source=source))

        tick("synthetic population (single ages)")
        pop = synthetic_population()
        pop_file = work / "synthetic_population.parquet"
        pop.to_parquet(pop_file, index=False)
        summaries.append(
            import_population(store, [pop_file], source=POPULATION_SOURCE, progress=inner)
        )
        tick("synthetic death records")
        deaths = synthetic_deaths(pop, seed)
        deaths_file = work / "synthetic_deaths.parquet"
        deaths.to_parquet(deaths_file, index=False)
        summaries.append(import_deaths(store, [deaths_file], source=SOURCE, progress=inner))
    tick("Kazakhstan's national SDG platform (Open SDG)")
    summaries.append(opensdg_demo(store, progress=inner))
    tick("national published figures and targets")
    summaries.append(import_published_figures(store))
    return summaries
