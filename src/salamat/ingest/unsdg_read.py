"""Reading the three shapes of the UN SDG Global Database into one frame of text.

* the SDG API's CSV (``POST /v1/sdg/Series/DataCSV``): ``Goal, Target, Indicator, SeriesCode,
  SeriesDescription, GeoAreaCode, GeoAreaName, TimePeriod, Value, Time_Detail, TimeCoverage,
  UpperBound, LowerBound, BasePeriod, Source, GeoInfoUrl, FootNote`` then one column per
  dimension and attribute of the series in square brackets (``[Age]``, ``[Sex]``, ``[Nature]``,
  ``[Units]``, ``[Reporting Type]`` ...). The server pads the body with NUL bytes; they are not
  data. The database's bulk CSV (``AllData``) and the data portal's CSV have the same columns
  without the brackets (and a few of their own: ``ReleaseName``, ``SeriesID`` ...);
* the data portal's Excel download (https://unstats.un.org/sdgs/dataportal, "Download"): one
  sheet ``data`` with the same header, numbers stored as numbers, values as text;
* the API's JSON (``GET /v1/sdg/Series/Data``): ``{"data": [{"series", "seriesDescription",
  "geoAreaCode", "geoAreaName", "timePeriodStart", "value", "upperBound", "lowerBound",
  "time_detail", "source", "footnotes": [...], "dimensions": {...}, "attributes": {...}}],
  "totalPages", "pageNumber" ...}``.

Every shape becomes the same columns (:data:`FIELDS` plus one column per dimension or
attribute, named as the database names it, without brackets), all text, with ``_file`` and
``_row`` (the spreadsheet row for CSV and Excel, the header being row 1; the record's number
for JSON).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pandas as pd

from salamat.errors import InputError, Problem
from salamat.ingest.interop import as_text

__all__ = ["FIELDS", "LAYOUTS", "UnsdgTable", "read_unsdg"]

# The fixed columns of every shape, as the CSV names them (JSON keys are mapped onto these).
FIELDS = (
    "Goal",
    "Target",
    "Indicator",
    "SeriesCode",
    "SeriesDescription",
    "GeoAreaCode",
    "GeoAreaName",
    "TimePeriod",
    "Value",
    "Time_Detail",
    "TimeCoverage",
    "UpperBound",
    "LowerBound",
    "BasePeriod",
    "Source",
    "GeoInfoUrl",
    "FootNote",
)
REQUIRED = ("SeriesCode", "GeoAreaCode", "TimePeriod", "Value")
# Columns of the bulk download and the portal that describe the release or the row, not the value
BOOKKEEPING = frozenset(
    {
        "id",
        "releasestatus",
        "releasename",
        "seriesid",
        "isdsdseries",
        "seriesobservationcount",
        "valuetype",
        "observationid",
        "seriescount",
    }
)
LAYOUTS = (
    "the SDG API CSV (Series/DataCSV: Goal, Target, Indicator, SeriesCode, SeriesDescription, "
    "GeoAreaCode, GeoAreaName, TimePeriod, Value ... then [Age], [Sex], [Units] ...)",
    "the data portal's download (the same columns without brackets, CSV or Excel sheet 'data')",
    "the SDG API JSON (Series/Data: {'data': [{'series', 'geoAreaCode', 'timePeriodStart', "
    "'value', 'dimensions', 'attributes' ...}]})",
)
_JSON_FIELDS = {
    "goal": "Goal",
    "target": "Target",
    "indicator": "Indicator",
    "series": "SeriesCode",
    "seriesDescription": "SeriesDescription",
    "geoAreaCode": "GeoAreaCode",
    "geoAreaName": "GeoAreaName",
    "timePeriodStart": "TimePeriod",
    "value": "Value",
    "time_detail": "Time_Detail",
    "timeCoverage": "TimeCoverage",
    "upperBound": "UpperBound",
    "lowerBound": "LowerBound",
    "basePeriod": "BasePeriod",
    "source": "Source",
    "geoInfoUrl": "GeoInfoUrl",
    "footnotes": "FootNote",
}


class UnsdgTable:
    """One file read: the frame (text), the names of its dimension/attribute columns, the
    release it names (bulk download's ``ReleaseName``), and notes on the file as a whole."""

    def __init__(
        self, frame: pd.DataFrame, extra: list[str], release: str, notes: list[str]
    ) -> None:
        self.frame = frame
        self.extra = extra
        self.release = release
        self.notes = notes


def _refuse(path: Path, message: str, row: int | None = 1) -> InputError:
    return InputError(f"{path}: {message}", [Problem(str(path), row, None, message)])


def read_unsdg(path: Path) -> UnsdgTable:
    """Read any shape (by the file's name: ``.json``, ``.xlsx``, else CSV)."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    name = path.name.lower()
    if name.endswith(".json"):
        return _read_json(path)
    if name.endswith((".xlsx", ".xlsm")):
        return _finish(path, _read_excel(path), first_row=2)
    return _finish(path, _read_csv(path), first_row=2)


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _refuse(path, f"cannot be read: {exc}", None) from exc
    # the API pads its CSV body with NUL bytes to a power-of-two buffer: not data
    raw = raw.split(b"\x00", 1)[0]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refuse(path, f"cannot be read as UTF-8 text: {exc}", None) from exc
    if not text.strip():
        raise _refuse(path, "the file is empty (expected a header row)")
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise _refuse(path, f"cannot be read as CSV: {exc}") from exc


def _read_excel(path: Path) -> pd.DataFrame:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise _refuse(path, f"cannot be read as an Excel workbook: {exc}", None) from exc
    try:
        sheet = book["data"] if "data" in book.sheetnames else book.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    if not rows:
        raise _refuse(path, "the workbook's sheet is empty (expected a header row)")
    header = [("" if c is None else str(c).strip()) for c in rows[0]]
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    body = [[_cell(v) for v in (r + [None] * width)[:width]] for r in rows[1:]]
    return pd.DataFrame(body, columns=header, dtype=object)


def _cell(value: object) -> str:
    """An Excel cell as the text a user sees: 2015 (int or 2015.0) -> "2015", None -> ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value).strip()


def _finish(path: Path, df: pd.DataFrame, *, first_row: int) -> UnsdgTable:
    """Column names without brackets; the required columns checked; empty lines dropped."""
    names = [str(c).strip() for c in df.columns]
    names = [n[1:-1].strip() if n.startswith("[") and n.endswith("]") else n for n in names]
    df.columns = names
    by_lower = {n.lower(): n for n in names}
    missing = [c for c in REQUIRED if c.lower() not in by_lower]
    if missing:
        have = ", ".join(n for n in names if n)[:300]
        message = (
            f"not a UN SDG Global Database file: missing column(s) {', '.join(missing)}; the "
            f"header has {have}; known layouts are " + "; ".join(LAYOUTS)
        )
        raise _refuse(path, message)
    df = df.rename(columns={by_lower[f.lower()]: f for f in FIELDS if f.lower() in by_lower})
    for f in FIELDS:
        if f not in df.columns:
            df[f] = ""
    df = df.astype(str).apply(lambda s: s.str.strip())
    df["_row"] = range(first_row, first_row + len(df))
    df["_file"] = str(path)
    release = ""
    if "ReleaseName" in df.columns:
        releases = sorted(set(df["ReleaseName"]) - {""})
        release = ", ".join(releases)
    blank = (df["SeriesCode"] == "") & (df["GeoAreaCode"] == "") & (df["Value"] == "")
    df = df.loc[~blank].reset_index(drop=True)
    extra = [
        c
        for c in df.columns
        if c not in FIELDS
        and not c.startswith("_")
        and c
        and c.lower() not in BOOKKEEPING
        and not c.lower().startswith("unnamed")
    ]
    return UnsdgTable(df, extra, release, [])


def _read_json(path: Path) -> UnsdgTable:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            doc: Any = json.load(fh)
    except json.JSONDecodeError as exc:
        raise _refuse(
            path, f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", None
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise _refuse(path, f"cannot be read: {exc}", None) from exc
    records = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise _refuse(
            path,
            "not an SDG API JSON response: expected an object with 'data', a list of records "
            "(GET /v1/sdg/Series/Data); known layouts are " + "; ".join(LAYOUTS),
            None,
        )
    rows: list[dict[str, object]] = []
    extra: list[str] = []
    for rec in records:
        row: dict[str, object] = {}
        for key, field in _JSON_FIELDS.items():
            value = rec.get(key)
            if isinstance(value, list):  # goal, target, indicator, footnotes are lists
                value = "; ".join(str(v) for v in value if v is not None)
            row[field] = value
        for group in ("dimensions", "attributes"):
            parts = rec.get(group)
            if isinstance(parts, dict):
                for name, value in parts.items():
                    row[str(name)] = value
                    if str(name) not in extra:
                        extra.append(str(name))
        rows.append(row)
    df = pd.DataFrame.from_records(rows) if rows else pd.DataFrame(columns=list(FIELDS))
    df = pd.DataFrame({c: as_text(df[c]) for c in df.columns})
    table = _finish(path, df, first_row=1)
    pages, page = doc.get("totalPages"), doc.get("pageNumber")
    if isinstance(pages, int) and isinstance(page, int) and pages > 1:
        table.notes.append(
            f"{path.name}: page {page} of {pages} of the API's answer "
            f"({doc.get('totalElements', '?')} records in all): the records of the other pages "
            "are not in this file (ask the API for every page, or a larger pageSize)"
        )
    table.extra = [c for c in extra if c in table.frame.columns]
    return table
