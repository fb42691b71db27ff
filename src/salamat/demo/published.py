"""National figures as published, with the address and date of each: what targets are judged on.

``data/published/kz_national_published_figures.csv`` holds the few national values the demo's
other series lack: life expectancy at birth 2023 and 2024 (BNS; the regional workbook ends in
2022), 30q70 2010-2023 from the national SDG platform (indicator 3.4.1, by sex), the Ministry of
Health's value share of domestic medicines (2023, 2024) and rural primary-care facilities
commissioned (2023-2025). Each row carries ``source_url`` and ``published``; they become the
observation's ``note`` and ``vintage``.
"""

from __future__ import annotations

import io
import tempfile
from importlib import resources
from pathlib import Path

import pandas as pd

from salamat.ingest.pipeline import import_observations
from salamat.ingest.summary import ImportSummary
from salamat.store.connection import Store
from salamat.store.targets import sync_bundled_targets

__all__ = ["import_published_figures", "published_observations"]

FILE = "kz_national_published_figures.csv"


def published_observations() -> pd.DataFrame:
    """The bundled figures in the ``observations`` import format."""
    text = (resources.files("salamat") / "data" / "published" / FILE).read_text(encoding="utf-8")
    raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    note = raw["note"].where(raw["note"] == "", raw["note"] + "; ") + raw["source_url"]
    return pd.DataFrame(
        {
            "indicator": raw["indicator"],
            "area": raw["area"],
            "period": raw["period"],
            "sex": raw["sex"],
            "value": raw["value"],
            "unit": raw["unit"],
            "source": raw["source"],
            "vintage": raw["published"],
            "note": note,
        }
    )


def import_published_figures(store: Store) -> ImportSummary:
    """Import the bundled national figures (idempotent) and load the bundled targets."""
    import salamat.ingest.observations  # noqa: F401  (registers the parser)

    with tempfile.TemporaryDirectory(prefix="salamat-published-") as tmp:
        path = Path(tmp) / FILE
        published_observations().to_csv(path, index=False)
        summary = import_observations(store, "observations", [path])
    sync_bundled_targets(store)
    return summary
