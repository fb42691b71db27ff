"""Load every import kind (each module registers its parser or runner when imported)."""

from __future__ import annotations

import importlib
import importlib.util

__all__ = ["BUILTIN", "load_parsers"]

BUILTIN = ("observations", "wpp", "owid", "worldbank", "records", "orgunits", "hmd", "unsdg")
# The exchange formats (DHIS2, SDMX, GHO, Open SDG) live in salamat.ingest.formats.
EXCHANGE = "salamat.ingest.formats"


def load_parsers() -> None:
    for name in BUILTIN:
        importlib.import_module(f"salamat.ingest.{name}")
    if importlib.util.find_spec(EXCHANGE) is not None:
        importlib.import_module(EXCHANGE)
