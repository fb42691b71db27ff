"""Reading SDMX data and structure messages into plain frames of codes.

Data, by version (the version is read from the file, and an error names it):

* SDMX-ML 2.1 and 3.0, generic and structure-specific: read with the ``sdmx1`` library, with the
  data structure of ``--metadata`` passed to it (a structure-specific message cannot tell its
  dimensions from its attributes without it). Whatever ``sdmx1`` prints or logs while reading is
  kept off stdout (``salamat import ... --format json`` prints JSON only); its warnings become
  notes of the summary.
* SDMX-ML 2.0 ``GenericData``, ``CompactData`` and a ``MessageGroup`` of either (``sdmx1`` does
  not read 2.0): read here from the XML, ``Series``/``Obs`` attributes (compact) or
  ``SeriesKey``/``Attributes``/``Obs`` values (generic); a compact ``Group``'s attributes go to
  the series whose key it matches. Cross-sectional and utility 2.0 messages are refused by name.
* SDMX-CSV 1.0 (``DATAFLOW`` first), SDMX-CSV 2.0 (``STRUCTURE``, ``STRUCTURE_ID``), the .Stat
  Suite "CSV with labels" (each code column followed by its label, as UNICEF serves it).
* SDMX-JSON 1.0 and 2.0 data messages (read here: ``sdmx1`` reads neither 2.0 nor every 1.0
  message an agency serves). A JSON nested deeper than Python can read is an input error.

Structure: SDMX-ML 2.1/3.0 structure messages (``sdmx1``) and SDMX-JSON 1.0 structure messages.

Every reader returns :class:`SdmxData`: one text column per concept (dimensions, ``TIME_PERIOD``,
``OBS_VALUE``, attributes), ``_file`` and ``_row`` (CSV line; 1-based observation number for
JSON and XML), which columns are dimensions, the dataflow, and the labels the file carries.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from salamat.errors import InputError, Problem
from salamat.ingest.xmlread import XmlElement, read_xml

__all__ = [
    "KNOWN_ATTRIBUTES",
    "SdmxData",
    "SdmxStructure",
    "ml_version",
    "read_sdmx_data",
    "read_structure",
]

_ID = re.compile(r"^[A-Z][A-Z0-9_]*$")
_LOWER_ID = re.compile(r"^[a-z][a-z0-9_]*$")
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
        "COMPILING_ORG", "DISS_ORG", "UNIT", "NOTE", "VINTAGE", "SCALE", "DECIMALS_DISPLAYED",
        "COUNTRY_UPDATE_DATE", "OVERLAP", "POWERCODE", "SERIESCODE", "REFERENCEPERIOD",
        "UPDATED", "CONF_STATUS", "PRE_BREAK_VALUE", "COMMENT", "UNIT_INDEX_BASE",
    }
)  # fmt: skip
_ML_VERSION = re.compile(rb"schemas/v(\d)_(\d)/", re.IGNORECASE)


@dataclass
class SdmxStructure:
    """What a structure message says: the DSD's dimensions and attributes, codelist names, the
    dataflow's name and agency, concept names, and (SDMX-ML) the ``sdmx1`` DSD object itself, to
    pass to the reader of a structure-specific data message."""

    dataflow: str = ""
    dimensions: list[str] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    agency: str = ""
    name: str = ""
    concepts: dict[str, str] = field(default_factory=dict)
    dsd: object | None = None
    time_dimension: str = "TIME_PERIOD"
    codelists: dict[str, str] = field(default_factory=dict)  # component -> its codelist's id


@dataclass
class SdmxData:
    """A data message as text columns (see the module docstring), with its dataflow id, agency,
    the labels it carries and the format read (``SDMX-ML 2.0 CompactData`` ...)."""

    frame: pd.DataFrame
    dimensions: list[str]
    dataflow: str
    labels: dict[tuple[str, str], str] = field(default_factory=dict)
    agency: str = ""
    format: str = ""
    notes: list[str] = field(default_factory=list)


@contextlib.contextmanager
def quiet_sdmx1(notes: list[str]) -> Iterator[None]:
    """Run ``sdmx1`` with its stdout prints swallowed and its log records kept as ``notes``
    (it prints debug dumps of elements it cannot place, and logs a warning for every
    structure-specific message read without its structure)."""
    logger = logging.getLogger("sdmx")
    kept: list[logging.LogRecord] = []

    class _Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            kept.append(record)

    handler = _Keep(level=logging.WARNING)
    old_propagate, old_level = logger.propagate, logger.level
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        logger.removeHandler(handler)
        logger.propagate, logger.level = old_propagate, old_level
        for record in kept:
            text = record.getMessage().replace("\n", " ").strip()
            if "got no structure" in text:
                text = (
                    "read without its data structure (sdmx1 could not tell dimensions from "
                    "attributes): pass the structure message with --metadata"
                )
            if text not in notes:
                notes.append(text)


def _sdmx1() -> Any:
    """The ``sdmx`` package with both SDMX-ML readers imported up front: importing the 3.0 reader
    after a structure-specific 2.1 message was read with its structure fails in sdmx1 2.28 (the
    DSD's URN is left among the XML namespaces the 3.0 reader copies at import)."""
    import sdmx
    import sdmx.reader.xml.v21
    import sdmx.reader.xml.v30

    return sdmx


def ml_version(path: Path) -> str:
    """The SDMX-ML version a file declares in its namespaces (``2.0``, ``2.1``, ``3.0``), or ""
    if it names none."""
    with open(path, "rb") as fh:
        head = fh.read(8192)
    m = _ML_VERSION.search(head)
    return f"{int(m[1])}.{int(m[2])}" if m else ""


def load_json(path: Path) -> object:
    """A JSON file, or an :class:`InputError` naming what is wrong (truncated, nested too deep)."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise _bad_json(path, exc) from exc
    except RecursionError as exc:
        raise InputError(
            f"{path}: the JSON is nested too deeply to be a data message (arrays or objects "
            "inside each other thousands of times): is it the file you meant?",
            [Problem(str(path), None, None, "JSON nested too deeply to be read")],
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text, so not an SDMX-JSON message ({exc})") from exc


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
        version = ml_version(path)
        if version == "2.0":
            return _ml20_data(path, structure)
        if version in ("2.1", "3.0"):
            return _ml_data(path, structure, version)
        if version:
            raise InputError(
                f"{path}: SDMX-ML {version} is not supported; Salamat reads SDMX-ML 2.0, 2.1 and "
                "3.0: ask the publisher for one of those, or for SDMX-CSV"
            )
        raise InputError(
            f"{path}: not an SDMX-ML message (no SDMX-ML 2.0, 2.1 or 3.0 namespace in its first "
            "lines): expected an SDMX data message"
        )
    raise InputError(f"{path}: expected an SDMX .csv, .json or .xml data message")


def _csv(path: Path, structure: SdmxStructure | None) -> SdmxData:
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as CSV: {exc}") from exc
    except pd.errors.EmptyDataError as exc:
        raise InputError(f"{path}: the file is empty (expected a header row)") from exc
    columns = [str(c) for c in df.columns]
    version = "2.0" if "STRUCTURE_ID" in columns else "1.0" if "DATAFLOW" in columns else ""
    what = f"SDMX-CSV {version}" if version else "SDMX-CSV"
    notes: list[str] = []
    if "TIME_PERIOD" not in columns and "OBS_VALUE" in columns:
        time_col = _time_column(df, columns, structure)
        if time_col:
            df = df.rename(columns={time_col: "TIME_PERIOD"})
            columns = [str(c) for c in df.columns]
            notes.append(
                f"{time_col} read as the time period: "
                + (
                    "the structure given with --metadata says so"
                    if structure is not None and structure.time_dimension == time_col
                    else "the only column whose every value is an SDMX time period such as "
                    "2014-01 (the file names no TIME_PERIOD; pass the structure with --metadata "
                    "to have it say so)"
                )
            )
    if "OBS_VALUE" not in columns or "TIME_PERIOD" not in columns:
        raise InputError(
            f"{path}: not an {what} data message Salamat can read: expected the columns "
            f"TIME_PERIOD and OBS_VALUE (the header has: {', '.join(columns[:12])}); Salamat also "
            "reads OECD Data (DP_LIVE) CSV (LOCATION, INDICATOR, SUBJECT, MEASURE, FREQUENCY, "
            "TIME, Value) and Eurostat's bulk TSV",
            [Problem(str(path), 1, None, f"not an {what} header with TIME_PERIOD and OBS_VALUE")],
        )
    dataflow = ""
    agency = ""
    for flow_col in ("DATAFLOW", "STRUCTURE_ID"):
        if flow_col in columns and len(df):
            dataflow = str(df[flow_col].iloc[0])
            if ":" in dataflow:
                agency = dataflow.split(":", 1)[0]
    drop = {"DATAFLOW", "STRUCTURE", "STRUCTURE_ID", "ACTION"}
    labels: dict[tuple[str, str], str] = {}
    coded: list[str] = []
    for i, c in enumerate(columns):
        if c in drop:
            continue
        if _ID.match(c) or _LOWER_ID.match(c):  # Eurostat writes its ids in lower case: geo
            coded.append(c)
        elif i > 0 and (_ID.match(columns[i - 1]) or _LOWER_ID.match(columns[i - 1])):
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
        if version == "2.0":
            # SDMX-CSV 2.0 writes the dimensions, then the measures, then the attributes
            last = columns.index("OBS_VALUE")
            dims = [c for c in dims if columns.index(c) < last]
    return SdmxData(
        out,
        dims,
        dataflow,
        labels,
        agency=agency,
        format=f"{what} ({'labels' if labels else 'codes'})",
        notes=notes,
    )


# SDMX time periods of every frequency, as an SDMX-CSV cell writes them
_TIME_VALUE = re.compile(
    r"^\d{4}(-(\d{2}(-\d{2})?|[QSTWMDA]\d{1,3}))?(/P\w+)?$|^\d{4}-\d{2}-\d{2}T[\d:]+"
)


def _time_column(
    df: pd.DataFrame, columns: list[str], structure: SdmxStructure | None
) -> str | None:
    """The column holding the time period of an SDMX-CSV file that has no ``TIME_PERIOD``
    column (SDMX-CSV 2.0 names columns by the structure's ids, which may be ``DIM_3``): the
    structure's time dimension when ``--metadata`` gives it, else the one column (of those
    before ``OBS_VALUE``) whose every value is an SDMX time period; None if there is not
    exactly one."""
    if structure is not None and structure.time_dimension in columns:
        return structure.time_dimension
    if not len(df):
        return None
    before = columns[: columns.index("OBS_VALUE")]
    skip = {"DATAFLOW", "STRUCTURE", "STRUCTURE_ID", "ACTION"}
    found = [
        c
        for c in before
        if c not in skip and bool(df[c].astype(str).str.strip().str.match(_TIME_VALUE).all())
    ]
    return found[0] if len(found) == 1 else None


def _text(name: object) -> str:
    """A JSON name: a string, or a ``{"en": ...}`` object (1.0 ``name``, 2.0 ``names``)."""
    if isinstance(name, dict):
        return str(name.get("en") or next(iter(name.values()), "") or "")
    return str(name or "")


def _json_data(path: Path) -> SdmxData:
    doc = load_json(path)
    root = doc.get("data", doc) if isinstance(doc, dict) else None
    meta = doc.get("meta", {}) if isinstance(doc, dict) else {}
    schema = str(meta.get("schema", "")) if isinstance(meta, dict) else ""
    if not isinstance(root, dict) or "dataSets" not in root:
        if isinstance(root, dict) and ("dataStructures" in root or "dataflows" in root):
            raise InputError(
                f"{path}: an SDMX-JSON structure message, not data: pass it with --metadata"
            )
        raise InputError(f"{path}: not an SDMX-JSON data message (no data.dataSets)")
    if "structures" in root:
        version, structures = "2.0", root["structures"]
    elif "structure" in root:
        version, structures = "1.0", [root["structure"]]
    else:
        raise InputError(f"{path}: not an SDMX-JSON data message (no data.structure)")
    m = re.search(r"/(\d+\.\d+)(?:\.\d+)?/sdmx-json", schema)
    if m and m[1].split(".")[0] not in ("1", "2"):
        raise InputError(
            f"{path}: SDMX-JSON {m[1]} is not supported; Salamat reads SDMX-JSON 1.0 and 2.0: ask "
            "the publisher for one of those, or for SDMX-CSV"
        )
    if not isinstance(structures, list) or not all(isinstance(x, dict) for x in structures):
        raise InputError(f"{path}: SDMX-JSON {version}: the structure is not an object")
    labels: dict[tuple[str, str], str] = {}
    rows: list[dict[str, str]] = []
    dims: list[str] = []
    flow = ""
    agency = ""
    for ds in root["dataSets"]:
        st = structures[int(ds.get("structure", 0) or 0)] if version == "2.0" else structures[0]
        dim = st.get("dimensions") or {}
        att = st.get("attributes") or {}
        dims_d, dims_s, dims_o = (dim.get(k) or [] for k in ("dataSet", "series", "observation"))
        attrs_d, attrs_s, attrs_o = (att.get(k) or [] for k in ("dataSet", "series", "observation"))
        for comp in [*dims_d, *dims_s, *dims_o, *attrs_d, *attrs_s, *attrs_o]:
            for v in comp.get("values") or []:
                if isinstance(v, dict) and "id" in v:
                    labels[(comp["id"], str(v["id"]))] = _text(v.get("name") or v.get("names"))
        base = {c["id"]: _value(c, 0) for c in dims_d}
        base |= _decode(attrs_d, ds.get("attributes") or [])
        if "series" in ds:
            for skey, series in ds["series"].items():
                top = base | _decode(dims_s, skey.split(":"))
                top |= _decode(attrs_s, series.get("attributes") or [])
                for okey, obs in (series.get("observations") or {}).items():
                    rows.append(_obs(top, _decode(dims_o, okey.split(":")), attrs_o, obs))
        for okey, obs in (ds.get("observations") or {}).items():
            rows.append(_obs(base, _decode(dims_o, okey.split(":")), attrs_o, obs))
        ordered = sorted(
            [*dims_d, *dims_s, *dims_o],
            key=lambda c: int(c.get("keyPosition", 0) or 0),
        )
        dims = [c["id"] for c in ordered if c["id"] != "TIME_PERIOD"]
        flow = flow or _text(st.get("name") or st.get("names"))
        for link in st.get("links") or []:
            urn = str(link.get("urn", "")) if isinstance(link, dict) else ""
            if m := re.search(r"\.Dataflow=([^:]+):([^(]+)", urn):
                agency, flow = m[1], m[2]
    frame = pd.DataFrame(rows, dtype=object).fillna("")
    frame["_file"] = str(path)
    frame["_row"] = range(1, len(frame) + 1)
    if not agency and isinstance(meta, dict) and isinstance(meta.get("sender"), dict):
        agency = str(meta["sender"].get("id", ""))
    return SdmxData(frame, dims, flow, labels, agency=agency, format=f"SDMX-JSON {version}")


def _value(comp: dict[str, Any], ix: Any) -> str:
    values = comp.get("values") or []
    if ix is None or not isinstance(ix, int | str) or not str(ix).isdigit():
        return ""
    i = int(ix)
    if i >= len(values) or not isinstance(values[i], dict):
        return ""
    v = values[i]
    return str(v.get("id", v.get("value", "")))


def _decode(components: list[dict[str, Any]], indices: list[Any]) -> dict[str, str]:
    return {
        comp["id"]: _value(comp, ix)
        for comp, ix in zip(components, indices, strict=False)
        if ix is not None
    }


def _obs(
    base: dict[str, str], key: dict[str, str], attrs: list[dict[str, Any]], obs: list[Any]
) -> dict[str, str]:
    row = dict(base) | key
    value = obs[0] if obs else None
    row["OBS_VALUE"] = "" if value is None else str(value)
    row |= _decode(attrs, obs[1:])
    return row


def _ml_data(path: Path, structure: SdmxStructure | None, version: str) -> SdmxData:
    sdmx = _sdmx1()

    notes: list[str] = []
    kwargs: dict[str, Any] = {}
    if structure is not None and structure.dsd is not None:
        kwargs["structure"] = structure.dsd
    try:
        with quiet_sdmx1(notes):
            msg = sdmx.read_sdmx(io.BytesIO(path.read_bytes()), **kwargs)
    except Exception as exc:  # sdmx1 raises many kinds of error for a bad file
        raise InputError(
            f"{path}: cannot be read as an SDMX-ML {version} data message: "
            f"{type(exc).__name__}: {exc}; is the file complete?"
        ) from exc
    if not isinstance(msg, sdmx.message.DataMessage):
        raise InputError(f"{path}: an SDMX-ML structure message, not data: pass it with --metadata")
    frames = []
    dims: list[str] = []
    flow = ""
    agency = ""
    kinds = set()
    for ds in msg.data:
        kinds.add("structure-specific" if "StructureSpecific" in type(ds).__name__ else "generic")
        try:
            with quiet_sdmx1(notes):
                df = sdmx.to_pandas(ds, attributes="dsgo")
        except Exception as exc:  # sdmx1 raises many kinds of error for a bad file
            raise InputError(
                f"{path}: SDMX-ML {version}: the observations cannot be read: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if isinstance(df, pd.Series):
            df = df.to_frame("value")
        dims = [str(n) for n in df.index.names if n and n != "TIME_PERIOD"]
        df = df.reset_index().rename(columns={"value": "OBS_VALUE"})
        frames.append(df)
        by = ds.structured_by
        if by is not None:
            flow = str(by.id)
            agency = str(getattr(getattr(by, "maintainer", None), "id", "") or "")
    if structure is not None:
        flow = structure.dataflow or flow
        agency = structure.agency or agency
        if structure.dimensions:
            dims = [d for d in dims if d in structure.dimensions]
    else:
        # no structure: sdmx1 reads every series attribute of a structure-specific message as a
        # dimension; the cross-domain attributes are known by name
        dims = [d for d in dims if d not in KNOWN_ATTRIBUTES]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    frame = frame.astype(object).where(frame.notna(), "").astype(str)
    # sdmx1 gives SDMX-ML 3.0 attributes as lists: "[]" (or "[, ]": values it could not read)
    # is no value, "['A']" is A
    frame = frame.replace({r"^\[(?:, )*\]$": "", r"^\['([^']*)'\]$": r"\1"}, regex=True)
    if version == "3.0":
        notes.extend(_unread_attributes(path, frame))
    frame["_file"] = str(path)
    frame["_row"] = range(1, len(frame) + 1)
    if not agency and msg.header.sender is not None:
        agency = str(getattr(msg.header.sender, "id", "") or "")
    shape = "/".join(sorted(kinds)) or "data"
    return SdmxData(
        frame, dims, flow, agency=agency, format=f"SDMX-ML {version} {shape}", notes=notes
    )


_COMP = re.compile(rb"<(?:[\w.-]+:)?Comp[\s>]")


def _unread_attributes(path: Path, frame: pd.DataFrame) -> list[str]:
    """The SDMX-ML 3.0 attributes given as ``<Comp id="..."><Value>...</Value>...</Comp>``
    (3.0's multi-valued and multilingual attributes) whose values sdmx1 did not read: no column,
    or no value in any row. Nothing is dropped without a word: the note names each attribute
    and how many values of the file were not read (so a status such as OBS_STATUS=M is not
    seen, and its observation is imported without it)."""
    if _COMP.search(path.read_bytes()) is None:
        return []
    elements = read_xml(path)
    comp_id = {i: e.attrs.get("id", "") for i, e in enumerate(elements) if e.tag == "Comp"}
    values: dict[str, int] = {}
    comps: dict[str, int] = {}
    for c in comp_id.values():
        comps[c] = comps.get(c, 0) + 1
    for e in elements:
        if e.tag == "Value" and e.parent in comp_id:
            c = comp_id[e.parent]
            values[c] = values.get(c, 0) + 1
    unread = sorted(
        c
        for c in comps
        if c not in frame.columns or not (frame[c].astype(str).str.strip() != "").any()
    )
    if not unread:
        return []
    told = ", ".join(f"{c} ({values.get(c, 0)} value(s) in {comps[c]} element(s))" for c in unread)
    return [
        f"SDMX-ML 3.0 attributes not read (sdmx1 does not read these <Comp> values), so not "
        f"imported: {told}; the observations are imported without them"
    ]


_ML20_NOT_READ = {
    "CrossSectionalData": "cross-sectional",
    "UtilityData": "utility",
    "Structure": "structure",
    "QueryMessage": "query",
}


def _ml20_data(path: Path, structure: SdmxStructure | None) -> SdmxData:
    """SDMX-ML 2.0 ``GenericData``, ``CompactData`` or a ``MessageGroup`` of them."""
    elements = read_xml(path)
    root = elements[0].tag if elements else ""
    if root in _ML20_NOT_READ:
        hint = (
            "pass an SDMX-ML 2.1 structure (a registry's /dataflow/...?references=all) with "
            "--metadata, or none"
            if root == "Structure"
            else "ask the publisher for SDMX-ML 2.0 CompactData or GenericData, 2.1, or SDMX-CSV"
        )
        raise InputError(
            f"{path}: SDMX-ML 2.0 {_ML20_NOT_READ[root]} messages are not supported; {hint}"
        )
    if root not in ("GenericData", "CompactData", "MessageGroup"):
        raise InputError(
            f"{path}: SDMX-ML 2.0 <{root}> is not a data message Salamat reads: expected "
            "GenericData, CompactData or MessageGroup"
        )
    children: dict[int, list[int]] = {}
    for i, el in enumerate(elements):
        if el.parent is not None:
            children.setdefault(el.parent, []).append(i)
    generic = any(el.tag == "SeriesKey" for el in elements)
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    dims: list[str] = []
    groups: list[dict[str, str]] = []
    series_keys: set[str] = set()
    flow = ""
    agency = ""
    for i, el in enumerate(elements):
        if el.tag in ("KeyFamilyRef", "DataSetID") and not flow:
            flow = "".join(el.text).strip()
        elif el.tag == "Sender" and not agency:
            agency = el.attrs.get("id", "")
        elif el.tag == "Group" and not generic:
            groups.append(dict(el.attrs))
        elif el.tag == "Series":
            if generic:
                key, attrs = _generic_values(elements, children, i)
                series = key | attrs
                if not dims:
                    dims = list(key)
            else:
                series = dict(el.attrs)
                series_keys.update(series)
                for g in groups:
                    shared = [k for k in g if k in series]
                    if shared and all(series[k] == g[k] for k in shared):
                        series |= {k: v for k, v in g.items() if k not in series}
            for o in children.get(i, []):
                if elements[o].tag != "Obs":
                    continue
                if generic:
                    obs = _generic_obs(elements, children, o)
                else:
                    obs = dict(elements[o].attrs)
                    if "OBS_VALUE" not in obs and "VALUE" in obs:  # IMF's compact messages
                        obs["OBS_VALUE"] = obs.pop("VALUE")
                rows.append(series | obs)
                lines.append(elements[o].line)
    if not rows:
        raise InputError(f"{path}: SDMX-ML 2.0 {root} without any Series/Obs: nothing to import")
    frame = pd.DataFrame(rows, dtype=object).fillna("")
    if "TIME_PERIOD" not in frame.columns or "OBS_VALUE" not in frame.columns:
        raise InputError(f"{path}: SDMX-ML 2.0 {root}: observations without time or value")
    frame["_file"] = str(path)
    frame["_row"] = lines
    if structure is not None and structure.dimensions:
        dims = [c for c in frame.columns if c in structure.dimensions]
    elif not generic:
        skip = {"TIME_PERIOD", "OBS_VALUE", "_file", "_row"}
        dims = [
            c
            for c in frame.columns
            if c in series_keys and c not in skip and c not in KNOWN_ATTRIBUTES
        ]
    shape = "GenericData" if generic else "CompactData"
    return SdmxData(frame, dims, flow, agency=agency, format=f"SDMX-ML 2.0 {shape}")


def _generic_values(
    elements: list[XmlElement], children: dict[int, list[int]], series: int
) -> tuple[dict[str, str], dict[str, str]]:
    key: dict[str, str] = {}
    attrs: dict[str, str] = {}
    for c in children.get(series, []):
        target = key if elements[c].tag == "SeriesKey" else attrs
        if elements[c].tag not in ("SeriesKey", "Attributes"):
            continue
        for v in children.get(c, []):
            a = elements[v].attrs
            if elements[v].tag == "Value" and "concept" in a:
                target[a["concept"]] = a.get("value", "")
    return key, attrs


def _generic_obs(
    elements: list[XmlElement], children: dict[int, list[int]], obs: int
) -> dict[str, str]:
    out: dict[str, str] = {}
    for c in children.get(obs, []):
        el = elements[c]
        if el.tag == "Time":
            out["TIME_PERIOD"] = "".join(el.text).strip()
        elif el.tag == "ObsValue":
            out["OBS_VALUE"] = el.attrs.get("value", "")
        elif el.tag == "Attributes":
            for v in children.get(c, []):
                a = elements[v].attrs
                if "concept" in a:
                    out[a["concept"]] = a.get("value", "")
    return out


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
    sdmx = _sdmx1()

    version = ml_version(path)
    if version not in ("2.1", "3.0"):
        raise InputError(
            f"{path}: "
            + (
                f"SDMX-ML {version} structure messages are not supported"
                if version
                else "not an SDMX-ML structure message"
            )
            + "; pass an SDMX-ML 2.1 or 3.0 structure (a registry's dataflow with "
            "references=all) or an SDMX-JSON 1.0 one with --metadata"
        )
    notes: list[str] = []
    try:
        with quiet_sdmx1(notes):
            msg = sdmx.read_sdmx(io.BytesIO(path.read_bytes()))
    except Exception as exc:  # sdmx1 raises many kinds of error for a bad file
        raise InputError(
            f"{path}: cannot be read as an SDMX-ML {version} structure message: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(msg, sdmx.message.StructureMessage) or not msg.structure:
        raise InputError(f"{path}: not an SDMX structure message with a data structure")
    dsd = next(iter(msg.structure.values()))
    flow_obj = next(iter(msg.dataflow.values()), None) if msg.dataflow else None
    out = SdmxStructure(
        dataflow=str(flow_obj.id) if flow_obj is not None else str(dsd.id),
        dimensions=[d.id for d in dsd.dimensions if d.id != "TIME_PERIOD"],
        attributes=[a.id for a in dsd.attributes],
        agency=str(getattr(getattr(flow_obj or dsd, "maintainer", None), "id", "") or ""),
        name=str(getattr(flow_obj or dsd, "name", "") or ""),
        dsd=dsd,
        time_dimension=next(
            (d.id for d in dsd.dimensions if type(d).__name__ == "TimeDimension"), "TIME_PERIOD"
        ),
    )
    for comp in [*dsd.dimensions, *dsd.attributes]:
        rep = comp.local_representation
        codelist = getattr(rep, "enumerated", None) if rep is not None else None
        if codelist is not None and len(codelist):
            out.codes[comp.id] = {c.id: str(c.name) for c in codelist}
            out.codelists[comp.id] = str(getattr(codelist, "id", "") or "")
        identity = getattr(comp, "concept_identity", None)
        if identity is not None and str(getattr(identity, "name", "")):
            out.concepts[comp.id] = str(identity.name)
    return out


def _json_structure(path: Path) -> SdmxStructure:
    doc = load_json(path)
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
    flows = [f for f in data.get("dataflows") or [] if isinstance(f, dict)]
    out = SdmxStructure(
        dataflow=str(flows[0].get("id", "")) if flows else "",
        agency=str(flows[0].get("agencyID", "")) if flows else "",
        name=_text(flows[0].get("name")) if flows else "",
        dimensions=[d["id"] for d in dim_list if d.get("id") != "TIME_PERIOD"],
        attributes=[a["id"] for a in attr_list],
    )
    for comp in [*dim_list, *attr_list]:
        ref = (comp.get("localRepresentation") or {}).get("enumeration") or ""
        cl_id = ref.rsplit(":", 1)[-1].split("(")[0] if isinstance(ref, str) else ""
        if cl_id in codelists:
            out.codes[comp["id"]] = codelists[cl_id]
            out.codelists[comp["id"]] = cl_id
    return out
