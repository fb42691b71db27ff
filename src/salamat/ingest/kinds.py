"""Load every import kind (each module registers its parser or runner when imported)."""

from __future__ import annotations

import importlib
import importlib.util

__all__ = ["BUILTIN", "load_kind", "load_parsers"]

BUILTIN = ("observations", "wpp", "owid", "worldbank", "records", "orgunits", "hmd", "unsdg")
# The exchange formats (DHIS2, SDMX, GHO, Open SDG) live in salamat.ingest.formats.
EXCHANGE = "salamat.ingest.formats"


# kinds whose module is known: an import of one of them loads that module only
_KIND_MODULE = {"deaths": "records", "population": "records"}


def load_kind(kind: str) -> None:
    """Register ``kind``: its own module when known (a deaths import need not import the
    exchange-format readers), else every kind."""
    module = _KIND_MODULE.get(kind)
    if module is None:
        load_parsers()
    else:
        importlib.import_module(f"salamat.ingest.{module}")


def load_parsers() -> None:
    for name in BUILTIN:
        importlib.import_module(f"salamat.ingest.{name}")
    if importlib.util.find_spec(EXCHANGE) is not None:
        importlib.import_module(EXCHANGE)
