"""The exchange formats: importing this module registers their parsers.

``gho`` (WHO GHO OData and CSV exports), ``dhis2`` (data value sets JSON/CSV/XML, ADX,
analytics responses), ``sdmx`` (SDMX-CSV, SDMX-JSON, SDMX-ML data messages) and ``opensdg``
(an Open SDG data repository).
"""

from __future__ import annotations

from salamat.ingest import dhis2, gho, opensdg, sdmx

__all__ = ["KINDS"]

KINDS = (dhis2.__name__, gho.__name__, opensdg.__name__, sdmx.__name__)
