"""Reading SDMX data and structure messages into plain frames of codes.

Data: SDMX-CSV 1.0 (``DATAFLOW`` first), SDMX-CSV 2.0 (``STRUCTURE``, ``STRUCTURE_ID``), the
.Stat Suite "CSV with labels" (each code column followed by its label, as UNICEF serves it),
SDMX-JSON 1.0 data messages, and SDMX-ML 2.1 data messages (generic or structure-specific,
read with the ``sdmx1`` library). Structure: SDMX-ML 2.1 structure messages (``sdmx1``) and
SDMX-JSON 1.0 structure messages.

Every reader returns :class:`SdmxData`: one text column per concept (dimensions, ``TIME_PERIOD``,
``OBS_VALUE``, attributes), ``_file`` and ``_row`` (CSV line; 1-based observation number for
JSON and XML), which columns are dimensions, the dataflow, and the labels the file carries.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from salamat.errors import InputError, Problem

__all__ = ["KNOWN_ATTRIBUTES", "SdmxData", "SdmxStructure", "read_sdmx_data", "read_structure"]

_ID = re.compile(r"^[A-Z][A-Z0-9_]*$")
# Attributes of the SDMX cross-domain concepts and of the agencies' files read here; used only
# when no structure message tells dimensions from attributes.
KNOWN_ATTRIBUTES = frozenset(
    {
        "OBS_STATUS", "OBS_CONF", "OBS_PRE_BREAK", "OBS_COM", "OBS_FOOTNOTE", "COMMENT_OBS",
        "COMMENT_TS", "UNIT_MULT", "UNIT_MULTIPLIER", "UNIT_MEASURE", "DECIMALS", "BASE_PER",
        "TIME_FORMAT", "TITLE", "TITLE_COMPL", "COLLECTION", "DATA_SOURCE", "SOURCE_LINK",
        "SERIES_FOOTNOTE", "COUNTRY_NOTES", "REF_PERIOD", "LOWER_BOUND", "UPPER_BOUND", "STD_ERR",
        "TIME_PERIOD_METHOD", "COVERAGE_TIME", "FREQ_COLL", "SOWC_FLAG_A", "DURABILITY",
        "REF_DATE", "SERIES_CATEGORY", "SERIES_TYPE", "SERIES_METHOD", "AGE_GROUP_OF_WOMEN",
        "TIME_SINCE_FIRST_BIRTH", "INTERVAL", "NATURE", "SOURCE_AGENCY", "EMBARGO_TIME",
        "COMPILING_ORG", "DISS_ORG", "UNIT", "NOTE", "VINTAGE",
    }
)  # fmt: skip


@dataclass
class SdmxStructure:
    """What a structure message says: the DSD's dimensions and attributes, codelist names."""

    dataflow: str = ""
    dimensions: list[str] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class SdmxData:
    frame: pd.DataFrame
    dimensions: list[str]
    dataflow: str
    labels: dict[tuple[str, str], str] = field(default_factory=dict)


def _bad_json(path: Path, exc: json.JSONDecodeError) -> InputError:
    return InputError(
        f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
        "is the file complete?",
        [Problem(str(path), None, None, f"not valid JSON: {exc.msg} at line {exc.lineno}")],
    )


def read_sdmx_data(path: Path, structure: SdmxStructure | None) -> SdmxData:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz")):
        return _csv(path, structure)
    if name.endswith(".json"):
        return _json_data(path)
    if name.endswith(".xml"):
        return _ml_data(path)
    raise InputError(f"{path}: expected an SDMX .csv, .json or .xml data message")


def _csv(path: Path, structure: SdmxStructure | None) -> SdmxData:
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as CSV: {exc}") from exc
    except pd.errors.EmptyDataError as exc:
        raise InputError(f"{path}: the file is empty (expected a header row)") from exc
    columns = [str(c) for c in df.columns]
    if "OBS_VALUE" not in columns or "TIME_PERIOD" not in columns:
        raise InputError(
            f"{path}: not an SDMX-CSV data message: expected the columns TIME_PERIOD and "
            f"OBS_VALUE (the header has: {', '.join(columns[:12])})",
            [Problem(str(path), 1, None, "not an SDMX-CSV header")],
        )
    dataflow = ""
    for flow_col in ("DATAFLOW", "STRUCTURE_ID"):
        if flow_col in columns and len(df):
            dataflow = str(df[flow_col].iloc[0])
    drop = {"DATAFLOW", "STRUCTURE", "STRUCTURE_ID", "ACTION"}
    labels: dict[tuple[str, str], str] = {}
    coded: list[str] = []
    for i, c in enumerate(columns):
        if c in drop:
            continue
        if _ID.match(c):
            coded.append(c)
        elif i > 0 and _ID.match(columns[i - 1]):  # a label column after its code column
            for code, label in zip(df[columns[i - 1]], df[c], strict=True):
                labels[(columns[i - 1], code)] = label
        else:
            raise InputError(f"{path}: column {c!r} is neither an SDMX concept id nor a label")
    out = df[coded].copy()
    out["_file"] = str(path)
    out["_row"] = range(2, 2 + len(out))
    if structure and structure.dimensions:
        dims = [c for c in coded if c in structure.dimensions]
        dataflow = dataflow or structure.dataflow
    else:
        dims = [
            c for c in coded if c not in ("TIME_PERIOD", "OBS_VALUE") and c not in KNOWN_ATTRIBUTES
        ]
    return SdmxData(out, dims, dataflow, labels)


def _json_data(path: Path) -> SdmxData:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            doc = json.load(fh)
    except json.JSONDecodeError as exc:
        raise _bad_json(path, exc) from exc
    root = doc.get("data", doc) if isinstance(doc, dict) else None
    if not isinstance(root, dict) or "dataSets" not in root or "structure" not in root:
        raise InputError(f"{path}: not an SDMX-JSON data message (no data.dataSets/structure)")
    st = root["structure"]
    dims_s = st["dimensions"].get("series") or []
    dims_o = st["dimensions"].get("observation") or []
    attrs_s = (st.get("attributes") or {}).get("series") or []
    attrs_o = (st.get("attributes") or {}).get("observation") or []
    labels: dict[tuple[str, str], str] = {}
    for comp in [*dims_s, *dims_o, *attrs_s, *attrs_o]:
        for v in comp.get("values") or []:
            name = v.get("name")
            text = name.get("en", "") if isinstance(name, dict) else str(name or "")
            labels[(comp["id"], str(v.get("id")))] = text

    def decode(components: list[dict[str, Any]], indices: list[Any]) -> dict[str, str]:
        out: dict[str, str] = {}
        for comp, ix in zip(components, indices, strict=False):
            if ix is None:
                continue
            values = comp.get("values") or []
            out[comp["id"]] = str(values[int(ix)].get("id")) if int(ix) < len(values) else ""
        return out

    rows: list[dict[str, str]] = []
    for ds in root["dataSets"]:
        if "series" in ds:
            for skey, series in ds["series"].items():
                base = decode(dims_s, skey.split(":"))
                base |= decode(attrs_s, series.get("attributes") or [])
                for okey, obs in (series.get("observations") or {}).items():
                    rows.append(_obs(base, decode(dims_o, okey.split(":")), attrs_o, obs, decode))
        for okey, obs in (ds.get("observations") or {}).items():
            rows.append(_obs({}, decode(dims_o, okey.split(":")), attrs_o, obs, decode))
    frame = pd.DataFrame(rows, dtype=object).fillna("")
    frame["_file"] = str(path)
    frame["_row"] = range(1, len(frame) + 1)
    dims = [c["id"] for c in [*dims_s, *dims_o] if c["id"] != "TIME_PERIOD"]
    name = st.get("name")
    flow = name.get("en", "") if isinstance(name, dict) else str(name or "")
    return SdmxData(frame, dims, flow, labels)


def _obs(
    base: dict[str, str],
    key: dict[str, str],
    attrs: list[dict[str, Any]],
    obs: list[Any],
    decode: Any,
) -> dict[str, str]:
    row = dict(base) | key
    value = obs[0] if obs else None
    row["OBS_VALUE"] = "" if value is None else str(value)
    row |= decode(attrs, obs[1:])
    return row


def _ml_data(path: Path) -> SdmxData:
    import sdmx

    try:
        msg = sdmx.read_sdmx(io.BytesIO(path.read_bytes()))
    except Exception as exc:  # sdmx1 raises many kinds of error for a bad file
        raise InputError(f"{path}: cannot be read as an SDMX-ML data message: {exc}") from exc
    if not isinstance(msg, sdmx.message.DataMessage):
        raise InputError(f"{path}: an SDMX-ML structure message, not data: pass it with --metadata")
    frames = []
    dims: list[str] = []
    flow = ""
    for ds in msg.data:
        df = sdmx.to_pandas(ds, attributes="dsgo")
        if isinstance(df, pd.Series):
            df = df.to_frame("value")
        dims = [str(n) for n in df.index.names if n and n != "TIME_PERIOD"]
        df = df.reset_index().rename(columns={"value": "OBS_VALUE"})
        frames.append(df)
        if ds.structured_by is not None:
            flow = str(ds.structured_by.id)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    frame = frame.astype(object).where(frame.notna(), "").astype(str)
    frame["_file"] = str(path)
    frame["_row"] = range(1, len(frame) + 1)
    return SdmxData(frame, dims, flow)


def read_structure(paths: list[Path]) -> SdmxStructure | None:
    """The first structure among ``paths`` (SDMX-ML or SDMX-JSON); None if none is given."""
    for path in paths:
        name = path.name.lower()
        if name.endswith(".xml"):
            return _ml_structure(path)
        if name.endswith(".json"):
            return _json_structure(path)
    return None


def _ml_structure(path: Path) -> SdmxStructure:
    import sdmx

    try:
        msg = sdmx.read_sdmx(io.BytesIO(path.read_bytes()))
    except Exception as exc:  # sdmx1 raises many kinds of error for a bad file
        raise InputError(f"{path}: cannot be read as an SDMX-ML structure message: {exc}") from exc
    if not isinstance(msg, sdmx.message.StructureMessage) or not msg.structure:
        raise InputError(f"{path}: not an SDMX structure message with a data structure")
    dsd = next(iter(msg.structure.values()))
    out = SdmxStructure(
        dataflow=next(iter(msg.dataflow.keys()), "") if msg.dataflow else str(dsd.id),
        dimensions=[d.id for d in dsd.dimensions if d.id != "TIME_PERIOD"],
        attributes=[a.id for a in dsd.attributes],
    )
    for comp in [*dsd.dimensions, *dsd.attributes]:
        rep = comp.local_representation
        codelist = getattr(rep, "enumerated", None) if rep is not None else None
        if codelist is not None and len(codelist):
            out.codes[comp.id] = {c.id: str(c.name) for c in codelist}
    return out


def _json_structure(path: Path) -> SdmxStructure:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            doc = json.load(fh)
    except json.JSONDecodeError as exc:
        raise _bad_json(path, exc) from exc
    data = doc.get("data", doc) if isinstance(doc, dict) else {}
    dsds = data.get("dataStructures") or []
    if not dsds:
        raise InputError(f"{path}: not an SDMX-JSON structure message (no dataStructures)")
    comps = dsds[0].get("dataStructureComponents") or {}
    dim_list = (comps.get("dimensionList") or {}).get("dimensions") or []
    attr_list = (comps.get("attributeList") or {}).get("attributes") or []
    codelists = {
        cl["id"]: {
            c["id"]: (c.get("name") or {}).get("en", "") if isinstance(c.get("name"), dict) else ""
            for c in cl.get("codes") or []
        }
        for cl in data.get("codelists") or []
    }
    out = SdmxStructure(
        dataflow=next((f.get("id", "") for f in data.get("dataflows") or []), ""),
        dimensions=[d["id"] for d in dim_list if d.get("id") != "TIME_PERIOD"],
        attributes=[a["id"] for a in attr_list],
    )
    for comp in [*dim_list, *attr_list]:
        ref = (comp.get("localRepresentation") or {}).get("enumeration") or ""
        cl_id = ref.rsplit(":", 1)[-1].split("(")[0] if isinstance(ref, str) else ""
        if cl_id in codelists:
            out.codes[comp["id"]] = codelists[cl_id]
    return out
