"""OECD Data's "DP_LIVE" CSV (read by ``salamat import sdmx``): not SDMX-CSV, but close to it.

The retired OECD Data portal (``data.oecd.org``, "Download → Full indicator data (.csv)", files
named ``DP_LIVE_<date>.csv``) wrote one observation per row::

    "LOCATION","INDICATOR","SUBJECT","MEASURE","FREQUENCY","TIME","Value","Flag Codes"
    "AUS","LIFEEXP","MEN","YR","A","1960",67.9,

Read into the text columns of :class:`~salamat.ingest.sdmx_read.SdmxData`, so the SDMX importer
does the rest (areas, aggregates such as ``OECD`` and ``EU27``, ``--map``, ``--new-indicators``):

* ``LOCATION`` is the area (ISO 3166-1 alpha-3, or an OECD aggregate);
* ``INDICATOR`` is the indicator; ``MEASURE`` is part of the series code (one indicator is
  published in several measures, e.g. % of GDP and US dollars per capita) and its unit
  (``UNIT_MEASURE``: ``YR`` is years, ``PC_GDP`` % of GDP; another code is kept as written);
* ``SUBJECT`` is the sex where it says one (``TOT``, ``MEN``, ``WOMEN`` -> ``SEX`` ``_T``, ``M``,
  ``F``), else part of the series code;
* ``TIME`` is the period (``2020``, ``2020-Q1``, ``2020-01``), ``Value`` the value, ``Flag
  Codes`` (OECD's ``B`` break, ``E`` estimated, ``P`` provisional ...) the note, as OBS_STATUS;
* the dataflow is ``DP_LIVE``, the agency ``OECD``: with ``--new-indicators`` a series gets the
  code ``oecd_<indicator>[_<subject>]_<measure>`` (``oecd_lifeexp_yr``).

Source: OECD (2023), OECD Data portal, indicator downloads; OECD terms of use.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from salamat.errors import InputError, Problem
from salamat.ingest.sdmx_read import SdmxData

__all__ = ["HEADER", "is_dp_live", "read_dp_live"]

HEADER = ("LOCATION", "INDICATOR", "SUBJECT", "MEASURE", "FREQUENCY", "TIME", "Value")
_SEX = {"TOT": "_T", "MEN": "M", "WOMEN": "F"}


def _header(path: Path) -> list[str]:
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            first = fh.readline(2000)
    except OSError:
        return []
    return [c.strip().strip('"').strip() for c in first.strip().split(",")]


def is_dp_live(path: Path) -> bool:
    """True for a ``.csv`` whose header starts with OECD Data's columns (:data:`HEADER`)."""
    return path.name.lower().endswith(".csv") and tuple(_header(path)[: len(HEADER)]) == HEADER


def read_dp_live(path: Path) -> SdmxData:
    """An OECD Data CSV as SDMX text columns (see the module docstring)."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path}: cannot be read as an OECD Data CSV: {exc}") from exc
    extra = [c for c in df.columns if c not in (*HEADER, "Flag Codes")]
    if extra:
        message = (
            f"unknown column(s) {', '.join(map(str, extra))}: an OECD Data (DP_LIVE) CSV has "
            f"{', '.join(HEADER)} and Flag Codes"
        )
        raise InputError(f"{path}: {message}", [Problem(str(path), 1, str(extra[0]), message)])
    subject = df["SUBJECT"].str.strip()
    sex = subject.map(_SEX).fillna("")
    frame = pd.DataFrame(
        {
            "LOCATION": df["LOCATION"].str.strip(),
            "INDICATOR": df["INDICATOR"].str.strip(),
            "SUBJECT": subject.where(sex == "", ""),
            "MEASURE": df["MEASURE"].str.strip(),
            "FREQUENCY": df["FREQUENCY"].str.strip(),
            "SEX": sex,
            "UNIT_MEASURE": df["MEASURE"].str.strip(),
            "TIME_PERIOD": df["TIME"].str.strip(),
            "OBS_VALUE": df["Value"].str.strip(),
            "OBS_STATUS": df["Flag Codes"].str.strip() if "Flag Codes" in df.columns else "",
            "_file": str(path),
            "_row": range(2, 2 + len(df)),
        }
    )
    notes = []
    if (sex != "").any():
        notes.append("SUBJECT TOT, MEN, WOMEN read as the sex (total, male, female)")
    return SdmxData(
        frame,
        ["LOCATION", "INDICATOR", "SUBJECT", "MEASURE", "FREQUENCY"],
        "DP_LIVE",
        agency="OECD",
        format="OECD Data (DP_LIVE) CSV",
        notes=notes,
    )
