"""Reading DHIS2 exchange files into one frame of DHIS2 ids (before any mapping to ours).

Columns of the frame: ``dataElement, period, orgUnit, categoryOptionCombo,
attributeOptionCombo, value, comment`` (text; empty when absent), ``categoryOptions`` and
``attributeOptions`` (ADX disaggregation given as category attributes, ``Sex=F;Age=U5``),
``_file`` and ``_row`` (the line of a CSV or XML file, the 1-based position of a value in a
JSON ``dataValues`` or analytics ``rows`` array).

Formats: data value sets in JSON, CSV and XML (DXF2, ``/api/dataValueSets``), ADX XML (IHE
``urn:ihe:qrph:adx:2015``, periods as ISO 8601 ``start/duration``) and analytics responses
(``/api/analytics``: ``headers``, ``rows``, ``metaData``).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from salamat.errors import InputError, Problem
from salamat.ingest.interop import as_text
from salamat.ingest.xmlread import XmlElement, read_xml

__all__ = ["COLUMNS", "Dhis2File", "adx_period", "read_dhis2"]

COLUMNS = (
    "dataElement",
    "period",
    "orgUnit",
    "categoryOptionCombo",
    "attributeOptionCombo",
    "value",
    "comment",
    "categoryOptions",
    "attributeOptions",
)
# DXF2 CSV column order (the header row is optional in DHIS2)
_CSV_ORDER = (
    "dataelement",
    "period",
    "orgunit",
    "categoryoptioncombo",
    "attributeoptioncombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
    "deleted",
)
_ADX_GROUP_KNOWN = {"orgUnit", "period", "dataSet", "completeDate", "attributeOptionCombo"}
_ADX_VALUE_KNOWN = {"dataElement", "value", "categoryOptionCombo"}


@dataclass
class Dhis2File:
    """What a DHIS2 file holds: its values, the names it carries (analytics ``metaData``), the
    org units a value is summed over when ``ou`` was a filter, the shape read, and the parent of
    each org unit when the response has ``metaData.ouHierarchy``."""

    frame: pd.DataFrame
    shape: str
    names: dict[str, str] = field(default_factory=dict)
    filter_org_units: list[str] = field(default_factory=list)
    parents: dict[str, str] = field(default_factory=dict)  # ouHierarchy: unit -> its parent


def read_dhis2(path: Path) -> Dhis2File:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    name = path.name.lower()
    if name.endswith(".json"):
        doc = _load_json(path)
        if isinstance(doc, dict) and "headers" in doc and "rows" in doc:
            return _analytics(path, doc)
        if isinstance(doc, dict) and isinstance(doc.get("dataValues"), list):
            return Dhis2File(_json_value_set(path, doc), "dataValueSet JSON")
        raise InputError(
            f"{path}: not a DHIS2 data value set (no 'dataValues') nor an analytics response "
            "(no 'headers' and 'rows')"
        )
    if name.endswith(".xml"):
        elements = read_xml(path)
        root = elements[0].tag if elements else ""
        if root == "adx":
            return Dhis2File(_adx(path, elements), "ADX")
        if root == "dataValueSet":
            return Dhis2File(_xml_value_set(path, elements), "dataValueSet XML")
        raise InputError(f"{path}: XML root <{root}>: expected <dataValueSet> or <adx>")
    if name.endswith((".csv", ".txt")):
        return Dhis2File(_csv_value_set(path), "dataValueSet CSV")
    raise InputError(f"{path}: expected a DHIS2 .json, .xml or .csv file")


def _load_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "is the file complete?",
            [Problem(str(path), None, None, f"not valid JSON: {exc.msg} at line {exc.lineno}")],
        ) from exc
    except RecursionError as exc:
        raise InputError(
            f"{path}: the JSON is nested too deeply to be a DHIS2 file (arrays or objects inside "
            "each other thousands of times): is it the file you meant?",
            [Problem(str(path), None, None, "JSON nested too deeply to be read")],
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text, so not a DHIS2 JSON file ({exc})") from exc


def _frame(path: Path, records: dict[str, list[str]], rows: list[int]) -> pd.DataFrame:
    df = pd.DataFrame({c: records.get(c, [""] * len(rows)) for c in COLUMNS}, dtype=object)
    df["_file"] = str(path)
    df["_row"] = rows
    return df


def _json_value_set(path: Path, doc: dict[str, Any]) -> pd.DataFrame:
    values = doc["dataValues"]
    if not all(isinstance(v, dict) for v in values):
        raise InputError(f"{path}: every entry of 'dataValues' must be an object")
    df = pd.DataFrame.from_records(values) if values else pd.DataFrame()
    n = len(values)
    out: dict[str, list[str]] = {}
    for col in COLUMNS:
        if col in df.columns:
            out[col] = list(as_text(df[col]))
        else:
            out[col] = [""] * n
    # the set's header gives period, org unit and attribute option combo to values without one
    for col in ("period", "orgUnit", "attributeOptionCombo"):
        default = doc.get(col)
        if isinstance(default, str) and default:
            out[col] = [v or default for v in out[col]]
    return _frame(path, out, list(range(1, n + 1)))


def _csv_value_set(path: Path) -> pd.DataFrame:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            lines = list(csv.reader(fh))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot be read as CSV: {exc}") from exc
    if not lines:
        raise InputError(f"{path}: the file is empty")
    header = [c.strip().lower() for c in lines[0]]
    first = 1
    if "dataelement" in header:
        order = header
        first = 2
    else:
        order = list(_CSV_ORDER)
    body = lines[first - 1 :]
    ragged = [i for i, r in enumerate(body, start=first) if len(r) > len(order) or len(r) < 6]
    if ragged:
        raise InputError(
            f"{path}: {len(ragged)} line(s) with a wrong number of fields",
            [
                Problem(str(path), i, None, f"expected {len(order)} fields (DXF2 CSV order)")
                for i in ragged[:50]
            ],
        )
    names = {
        "dataelement": "dataElement",
        "period": "period",
        "orgunit": "orgUnit",
        "categoryoptioncombo": "categoryOptionCombo",
        "attributeoptioncombo": "attributeOptionCombo",
        "value": "value",
        "comment": "comment",
    }
    out: dict[str, list[str]] = {v: [] for v in names.values()}
    for row in body:
        cells = dict(zip(order, row, strict=False))
        for src, dst in names.items():
            out[dst].append(cells.get(src, "").strip())
    return _frame(path, out, list(range(first, first + len(body))))


def _xml_value_set(path: Path, elements: list[XmlElement]) -> pd.DataFrame:
    root = elements[0].attrs
    out: dict[str, list[str]] = {c: [] for c in COLUMNS}
    rows: list[int] = []
    for el in elements:
        if el.tag != "dataValue":
            continue
        a = el.attrs
        out["dataElement"].append(a.get("dataElement", ""))
        out["period"].append(a.get("period") or root.get("period", ""))
        out["orgUnit"].append(a.get("orgUnit") or root.get("orgUnit", ""))
        out["categoryOptionCombo"].append(a.get("categoryOptionCombo", ""))
        out["attributeOptionCombo"].append(
            a.get("attributeOptionCombo") or root.get("attributeOptionCombo", "")
        )
        out["value"].append(a.get("value", ""))
        out["comment"].append(a.get("comment", ""))
        out["categoryOptions"].append("")
        out["attributeOptions"].append("")
        rows.append(el.line)
    return _frame(path, out, rows)


_ISO_DURATION = re.compile(r"^P(\d+)([YMWD])$")


def adx_period(text: str) -> str | None:
    """ADX period ``start/duration`` -> DHIS2 period id, or None if DHIS2 has no such id.

    ``2015-01-01/P1M`` -> ``201501``; ``2021-01-01/P3M`` -> ``2021Q1``; ``2020-01-01/P1Y`` ->
    ``2020``; ``2024-01-01/P7D`` (a Monday) -> ``2024W01``.
    """
    start_text, _, duration = text.strip().partition("/")
    try:
        start = date.fromisoformat(start_text)
    except ValueError:
        return None
    m = _ISO_DURATION.match(duration)
    if m is None:
        return None
    n, unit = int(m[1]), m[2]
    if unit == "Y" and n == 1 and (start.month, start.day) == (1, 1):
        return f"{start.year}"
    if unit == "M" and n == 3 and start.day == 1 and start.month in (1, 4, 7, 10):
        return f"{start.year}Q{(start.month - 1) // 3 + 1}"
    if unit == "M" and n == 1 and start.day == 1:
        return f"{start.year}{start.month:02d}"
    if (unit, n) in (("D", 7), ("W", 1)) and start.isoweekday() == 1:
        iso = start.isocalendar()
        return f"{iso.year}W{iso.week:02d}"
    return None


def _adx(path: Path, elements: list[XmlElement]) -> pd.DataFrame:
    out: dict[str, list[str]] = {c: [] for c in COLUMNS}
    rows: list[int] = []
    annotations: dict[int, list[str]] = {}
    for el in elements:
        if el.tag == "annotation" and el.parent is not None:
            annotations.setdefault(el.parent, []).append("".join(el.text).strip())
    for index, el in enumerate(elements):
        if el.tag != "dataValue":
            continue
        group = elements[el.parent].attrs if el.parent is not None else {}
        a = el.attrs
        period_text = group.get("period", "")
        out["dataElement"].append(a.get("dataElement", ""))
        out["period"].append(adx_period(period_text) or f"ADX:{period_text}")
        out["orgUnit"].append(group.get("orgUnit", ""))
        out["categoryOptionCombo"].append(a.get("categoryOptionCombo", ""))
        out["attributeOptionCombo"].append(group.get("attributeOptionCombo", ""))
        out["value"].append(a.get("value", ""))
        out["comment"].append("; ".join(t for t in annotations.get(index, []) if t))
        out["categoryOptions"].append(
            ";".join(f"{k}={v}" for k, v in sorted(a.items()) if k not in _ADX_VALUE_KNOWN)
        )
        out["attributeOptions"].append(
            ";".join(f"{k}={v}" for k, v in sorted(group.items()) if k not in _ADX_GROUP_KNOWN)
        )
        rows.append(el.line)
    return _frame(path, out, rows)


def _analytics(path: Path, doc: dict[str, Any]) -> Dhis2File:
    headers = [h.get("name", "") if isinstance(h, dict) else str(h) for h in doc["headers"]]
    if "value" not in headers or "dx" not in headers or "pe" not in headers:
        raise InputError(
            f"{path}: analytics headers {headers}: expected at least dx, pe and value "
            "(request the data with dimension=dx and dimension=pe)"
        )
    rows = doc["rows"]
    if any(not isinstance(r, list) or len(r) != len(headers) for r in rows):
        raise InputError(f"{path}: analytics rows must each have {len(headers)} cells")
    df = (
        pd.DataFrame(rows, columns=headers, dtype=object)
        if rows
        else pd.DataFrame(columns=headers, dtype=object)
    )
    meta = doc.get("metaData") or {}
    items = meta.get("items") or {}
    names = {k: str(v.get("name", "")) for k, v in items.items() if isinstance(v, dict)}
    hierarchy = meta.get("ouHierarchy") or {}
    parents = {
        str(k): str(v).strip("/").split("/")[-1]
        for k, v in (hierarchy.items() if isinstance(hierarchy, dict) else [])
        if isinstance(v, str) and v.strip("/")
    }
    dims = meta.get("dimensions") or {}
    filter_ous: list[str] = []
    if "ou" not in headers:
        filter_ous = [str(u) for u in dims.get("ou", [])]
    n = len(df)

    def col(name: str, default: str = "") -> list[str]:
        return list(as_text(df[name])) if name in df.columns else [default] * n

    dx = col("dx")
    # a dx of the form "dataElement.categoryOptionCombo" is an operand
    de = [d.split(".", 1)[0] for d in dx]
    coc_from_dx = [d.split(".", 1)[1] if "." in d else "" for d in dx]
    coc = [c or d for c, d in zip(col("co"), coc_from_dx, strict=True)]
    ou = col("ou", ";".join(filter_ous))
    out = {
        "dataElement": de,
        "period": col("pe"),
        "orgUnit": ou,
        "categoryOptionCombo": coc,
        "attributeOptionCombo": col("ao"),
        "value": col("value"),
    }
    frame = _frame(path, out, list(range(1, n + 1)))
    return Dhis2File(frame, "analytics", names=names, filter_org_units=filter_ous, parents=parents)
