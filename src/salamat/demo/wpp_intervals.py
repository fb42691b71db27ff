"""The demo's published intervals: UN WPP 2024 probabilistic projections of life expectancy.

``data/demo/un_wpp/wpp2024_e0_probabilistic_OTS_2024-2050.csv`` holds, for the seven OTS
countries, both sexes, female and male, 2024-2050 (567 rows), the median of the UN's probabilistic
projection of life expectancy at birth and its 80% and 95% prediction intervals, as published
(United Nations, Department of Economic and Social Affairs, Population Division (2024). World
Population Prospects 2024; CC BY 3.0 IGO; see ``data/demo/SOURCES.md``).

They are imported as ``le0`` values with ``lower``/``upper`` = the **95%** prediction interval
(an observation carries one interval; the 80% one stays in the bundled file and its note) under
the source :data:`SOURCE`, whose name says "projections" so that

* periods after the current year are accepted as projections (docs/quality.md), and every place
  that wants observed values (targets, Compare, latest values) leaves them out
  (:func:`salamat.ingest.canonical.is_projection`);
* no target picks them up by source prefix: the bundled targets name ``UN WPP 2024`` and
  ``BNS Kazakhstan``, and :data:`SOURCE` starts with neither.
"""

from __future__ import annotations

import io
import tempfile
from importlib import resources
from pathlib import Path

import pandas as pd

from salamat.ingest.pipeline import Progress, import_observations
from salamat.ingest.summary import ImportSummary
from salamat.store.connection import Store

__all__ = ["FILE", "LEVEL", "SOURCE", "import_wpp_intervals", "wpp_interval_observations"]

FILE = "wpp2024_e0_probabilistic_OTS_2024-2050.csv"
SOURCE = "WPP 2024 probabilistic projections (UN DESA)"
"""The source label (never starting with ``UN WPP 2024``: targets pick series by prefix)."""
LEVEL = 95
"""The prediction interval stored as ``lower``/``upper``, in percent."""
VINTAGE = "2024"
_SEX = {"both": "total", "female": "female", "male": "male"}


def _bundled() -> pd.DataFrame:
    text = (resources.files("salamat") / "data" / "demo" / "un_wpp" / FILE).read_text("utf-8")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def wpp_interval_observations() -> pd.DataFrame:
    """The bundled projections in the ``observations`` import format (values as published).

    ``value`` is the median, ``lower``/``upper`` the 95% interval (:data:`LEVEL`); the note
    names the level and gives the 80% interval of the same row.
    """
    raw = _bundled()
    note = (
        "probabilistic projection: value is the median, lower and upper the "
        + str(LEVEL)
        + "% prediction interval; 80% prediction interval "
        + raw["lower80"]
        + "-"
        + raw["upper80"]
        + " (UN WPP 2024)"
    )
    return pd.DataFrame(
        {
            "indicator": "le0",
            "area": raw["iso3"],
            "period": raw["year"],
            "sex": raw["sex"].map(_SEX),
            "value": raw["median"],
            "lower": raw[f"lower{LEVEL}"],
            "upper": raw[f"upper{LEVEL}"],
            "unit": "years",
            "source": SOURCE,
            "vintage": VINTAGE,
            "note": note,
        }
    )


def import_wpp_intervals(store: Store, *, progress: Progress | None = None) -> ImportSummary:
    """Import the bundled projections with their intervals (safe to run again)."""
    import salamat.ingest.observations  # noqa: F401  (registers the parser)

    with tempfile.TemporaryDirectory(prefix="salamat-wpp-intervals-") as tmp:
        path = Path(tmp) / FILE
        wpp_interval_observations().to_csv(path, index=False)
        return import_observations(store, "observations", [path], progress=progress)
