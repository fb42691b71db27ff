"""Salamat: health statistics a ministry can trust.

The public Python API is listed in ``__all__`` (a test checks that every name resolves). Each
name is imported from its module on first use (PEP 562 ``__getattr__``), so ``import salamat``
and the command line start without loading numpy or scipy until a method is called.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from salamat.errors import InputError, MethodError, SalamatError, StoreError

if TYPE_CHECKING:
    from salamat.methods.decompose import Decomposition, arriaga, arriaga_by_cause
    from salamat.methods.forecast import (
        Forecast,
        LeeCarterFit,
        LeeCarterForecast,
        fit_lee_carter,
        forecast_indicator,
        forecast_lee_carter,
        forecast_rwd,
    )
    from salamat.methods.intervals import poisson_exact, wilson
    from salamat.methods.lifetable import (
        KannistoFit,
        LifeTable,
        QxAboveOneError,
        a0_both_sexes,
        kannisto_smooth,
        life_table,
    )
    from salamat.methods.ncd import NCDProbability, ncd_30q70
    from salamat.methods.scenario import (
        ScenarioPath,
        cause_deleted_rates,
        scenario_path,
        solve_change,
    )
    from salamat.methods.standardise import (
        CrudeRate,
        StandardisedRate,
        StandardPopulation,
        crude_rate,
        standard_population,
        standardise,
    )

__version__ = "0.1.0"

__all__ = [
    "CrudeRate",
    "Decomposition",
    "Forecast",
    "InputError",
    "KannistoFit",
    "LeeCarterFit",
    "LeeCarterForecast",
    "LifeTable",
    "MethodError",
    "NCDProbability",
    "QxAboveOneError",
    "SalamatError",
    "ScenarioPath",
    "StandardPopulation",
    "StandardisedRate",
    "StoreError",
    "__version__",
    "a0_both_sexes",
    "arriaga",
    "arriaga_by_cause",
    "cause_deleted_rates",
    "crude_rate",
    "fit_lee_carter",
    "forecast_indicator",
    "forecast_lee_carter",
    "forecast_rwd",
    "kannisto_smooth",
    "life_table",
    "ncd_30q70",
    "poisson_exact",
    "scenario_path",
    "solve_change",
    "standard_population",
    "standardise",
    "wilson",
]

# Where each lazily imported public name lives.
_LAZY = {
    "Decomposition": "salamat.methods.decompose",
    "arriaga": "salamat.methods.decompose",
    "arriaga_by_cause": "salamat.methods.decompose",
    "Forecast": "salamat.methods.forecast",
    "LeeCarterFit": "salamat.methods.forecast",
    "LeeCarterForecast": "salamat.methods.forecast",
    "fit_lee_carter": "salamat.methods.forecast",
    "forecast_indicator": "salamat.methods.forecast",
    "forecast_lee_carter": "salamat.methods.forecast",
    "forecast_rwd": "salamat.methods.forecast",
    "poisson_exact": "salamat.methods.intervals",
    "wilson": "salamat.methods.intervals",
    "KannistoFit": "salamat.methods.lifetable",
    "LifeTable": "salamat.methods.lifetable",
    "QxAboveOneError": "salamat.methods.lifetable",
    "a0_both_sexes": "salamat.methods.lifetable",
    "kannisto_smooth": "salamat.methods.lifetable",
    "life_table": "salamat.methods.lifetable",
    "NCDProbability": "salamat.methods.ncd",
    "ncd_30q70": "salamat.methods.ncd",
    "ScenarioPath": "salamat.methods.scenario",
    "cause_deleted_rates": "salamat.methods.scenario",
    "scenario_path": "salamat.methods.scenario",
    "solve_change": "salamat.methods.scenario",
    "CrudeRate": "salamat.methods.standardise",
    "StandardisedRate": "salamat.methods.standardise",
    "StandardPopulation": "salamat.methods.standardise",
    "crude_rate": "salamat.methods.standardise",
    "standard_population": "salamat.methods.standardise",
    "standardise": "salamat.methods.standardise",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use and keep it (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'salamat' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
