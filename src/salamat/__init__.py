"""Salamat: health statistics a ministry can trust.

The public Python API is listed in ``__all__`` (a test checks that every name resolves).
"""

from __future__ import annotations

from salamat.errors import InputError, MethodError, SalamatError, StoreError
from salamat.methods.decompose import Decomposition, arriaga, arriaga_by_cause
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
    "InputError",
    "KannistoFit",
    "LifeTable",
    "MethodError",
    "NCDProbability",
    "QxAboveOneError",
    "SalamatError",
    "StandardPopulation",
    "StandardisedRate",
    "StoreError",
    "__version__",
    "a0_both_sexes",
    "arriaga",
    "arriaga_by_cause",
    "crude_rate",
    "kannisto_smooth",
    "life_table",
    "ncd_30q70",
    "poisson_exact",
    "standard_population",
    "standardise",
    "wilson",
]
