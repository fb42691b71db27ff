"""SDMX-CSV 1.0 data with an SDMX-ML 2.1 structure message (dataflow, DSD, codelists).

The data structure ``SALAMAT:DSD_SALAMAT(1.0)`` has one dimension per part of Salamat's
observation key: ``INDICATOR``, ``REF_AREA``, ``SEX`` (``F``, ``M``, ``_T``), ``AGE``
(``Y30T69``, ``Y_GE85``, ``Y65``, ``_T``), ``CAUSE`` (Salamat cause groups, ``_T`` for all
causes), ``URBANISATION`` (``U``, ``R``, ``_T``), ``SOURCE`` (``S1``, ``S2`` ... named in the
codelist and in the ``Source`` label column) and ``TIME_PERIOD`` (``2024``, ``2024-Q1``,
``2024-01``, ``2024-W05``; a span of years stays ``2015-2019``). Attributes: ``UNIT_MEASURE``
(the unit as text), ``LOWER_BOUND``, ``UPPER_BOUND``, ``VINTAGE``, ``COMMENT_OBS`` (the note).
``salamat import sdmx`` reads the file back to the same observations.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pandas as pd

from salamat.export.common import neutralised, number
from salamat.store.connection import Store
from salamat.store.export import export_indicators

__all__ = ["AGENCY", "DATAFLOW", "sdmx_age", "sdmx_time", "write_sdmx"]

AGENCY = "SALAMAT"
DATAFLOW = f"{AGENCY}:DF_SALAMAT(1.0)"
_MES = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
_STR = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"
_COM = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
_XML = "http://www.w3.org/XML/1998/namespace"
_SEX = {"female": "F", "male": "M", "total": "_T"}
_RES = {"urban": "U", "rural": "R", "total": "_T"}
_DIMS = ("INDICATOR", "REF_AREA", "SEX", "AGE", "CAUSE", "URBANISATION", "SOURCE")
_ATTRS = ("UNIT_MEASURE", "LOWER_BOUND", "UPPER_BOUND", "VINTAGE", "COMMENT_OBS")
_CONCEPTS = {
    "INDICATOR": "Indicator", "REF_AREA": "Reference area", "SEX": "Sex", "AGE": "Age",
    "CAUSE": "Cause of death group", "URBANISATION": "Urban or rural", "SOURCE": "Source",
    "TIME_PERIOD": "Time period", "OBS_VALUE": "Observation value",
    "UNIT_MEASURE": "Unit of measure", "LOWER_BOUND": "Lower bound",
    "UPPER_BOUND": "Upper bound", "VINTAGE": "Vintage", "COMMENT_OBS": "Comment",
}  # fmt: skip


def sdmx_age(age: str) -> str:
    """``30-69`` -> ``Y30T69``, ``85+`` -> ``Y_GE85``, ``65`` -> ``Y65``, ``all`` -> ``_T``."""
    if age in ("all", ""):
        return "_T"
    if age.endswith("+"):
        return f"Y_GE{age[:-1]}"
    if "-" in age:
        a, b = age.split("-")
        return f"Y{a}T{b}"
    return f"Y{age}"


def sdmx_time(period: str, period_type: str) -> str:
    if period_type == "quarterly":
        return period.replace("Q", "-Q")
    if period_type == "monthly":
        return f"{period[:4]}-{period[4:]}"
    if period_type == "weekly":
        return period.replace("W", "-W")
    if period_type == "daily":
        return f"{period[:4]}-{period[4:6]}-{period[6:]}"
    return period


def write_sdmx(
    store: Store, frame: pd.DataFrame, path: Path, *, prepared: datetime | None = None
) -> list[Path]:
    """Write ``path`` (SDMX-CSV) and ``<path stem>.structure.xml``; return both paths."""
    sources = sorted(frame["source"].unique())
    source_id = {s: f"S{i}" for i, s in enumerate(sources, start=1)}
    data = pd.DataFrame(
        {
            "DATAFLOW": DATAFLOW,
            "INDICATOR": frame["indicator"],
            "REF_AREA": frame["area"],
            "SEX": frame["sex"].map(_SEX),
            "AGE": frame["age"].map(sdmx_age),
            "CAUSE": frame["cause"].where(frame["cause"] != "all", "_T"),
            "URBANISATION": frame["residence"].map(_RES),
            "SOURCE": frame["source"].map(source_id),
            "Source": frame["source"],
            "TIME_PERIOD": [
                sdmx_time(p, t) for p, t in zip(frame["period"], frame["period_type"], strict=True)
            ],
            "OBS_VALUE": frame["value"].map(number),
            "UNIT_MEASURE": frame["unit"].fillna(""),
            "LOWER_BOUND": frame["lower"].map(number),
            "UPPER_BOUND": frame["upper"].map(number),
            "VINTAGE": frame["vintage"].fillna(""),
            "COMMENT_OBS": frame["note"].fillna(""),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    neutralised(data).to_csv(path, index=False, lineterminator="\n")
    structure = path.with_name(re.sub(r"\.csv$", "", path.name) + ".structure.xml")
    when = prepared or datetime.now().replace(microsecond=0)
    tree = _structure(store, frame, source_id, when)
    tree.write(structure, encoding="utf-8", xml_declaration=True)
    return [path, structure]


def _structure(
    store: Store, frame: pd.DataFrame, source_id: dict[str, str], prepared: datetime
) -> ET.ElementTree[ET.Element]:
    ET.register_namespace("mes", _MES)
    ET.register_namespace("str", _STR)
    ET.register_namespace("com", _COM)

    def name(parent: ET.Element, text: str) -> None:
        el = ET.SubElement(parent, f"{{{_COM}}}Name")
        el.set(f"{{{_XML}}}lang", "en")
        el.text = text

    root = ET.Element(f"{{{_MES}}}Structure")
    header = ET.SubElement(root, f"{{{_MES}}}Header")
    ET.SubElement(header, f"{{{_MES}}}ID").text = "SALAMAT_STRUCTURE"
    ET.SubElement(header, f"{{{_MES}}}Test").text = "false"
    ET.SubElement(header, f"{{{_MES}}}Prepared").text = prepared.isoformat()
    ET.SubElement(header, f"{{{_MES}}}Sender").set("id", AGENCY)
    structures = ET.SubElement(root, f"{{{_MES}}}Structures")

    def ref(parent: ET.Element, tag: str, id_: str, cls: str, package: str, **extra: str) -> None:
        outer = ET.SubElement(parent, f"{{{_STR}}}{tag}")
        r = ET.SubElement(outer, "Ref")
        r.set("id", id_)
        for k, v in extra.items():
            r.set(k, v)
        r.set("agencyID", AGENCY)
        r.set("class", cls)
        r.set("package", package)

    def maintainable(parent: ET.Element, tag: str, id_: str, title: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{_STR}}}{tag}")
        el.set("id", id_)
        el.set("agencyID", AGENCY)
        el.set("version", "1.0")
        name(el, title)
        return el

    flows = ET.SubElement(structures, f"{{{_STR}}}Dataflows")
    flow = maintainable(flows, "Dataflow", "DF_SALAMAT", "Salamat observations")
    ref(flow, "Structure", "DSD_SALAMAT", "DataStructure", "datastructure", version="1.0")

    indicators = export_indicators(store, sorted(frame["indicator"].unique()))
    names = dict(zip(frame["area"], frame["area_name"].fillna(frame["area"]), strict=True))
    codelists: dict[str, dict[str, str]] = {
        "CL_INDICATOR": dict(zip(indicators["code"], indicators["name_en"], strict=True)),
        "CL_AREA": {a: names[a] for a in sorted(names)},
        "CL_SEX": {"F": "Female", "M": "Male", "_T": "Total"},
        "CL_AGE": {
            sdmx_age(a): ("All ages" if a == "all" else f"Age {a}")
            for a in sorted(frame["age"].unique())
        },
        "CL_CAUSE": {
            ("_T" if c == "all" else c): ("All causes" if c == "all" else c)
            for c in sorted(frame["cause"].unique())
        },
        "CL_URBANISATION": {"U": "Urban", "R": "Rural", "_T": "Total"},
        "CL_SOURCE": {v: k for k, v in source_id.items()},
    }
    lists = ET.SubElement(structures, f"{{{_STR}}}Codelists")
    for cl_id, codes in codelists.items():
        cl = maintainable(lists, "Codelist", cl_id, cl_id)
        for code, label in codes.items():
            c = ET.SubElement(cl, f"{{{_STR}}}Code")
            c.set("id", code)
            name(c, str(label))

    concepts = ET.SubElement(structures, f"{{{_STR}}}Concepts")
    scheme = maintainable(concepts, "ConceptScheme", "CS_SALAMAT", "Salamat concepts")
    for cid, title in _CONCEPTS.items():
        c = ET.SubElement(scheme, f"{{{_STR}}}Concept")
        c.set("id", cid)
        name(c, title)

    dsds = ET.SubElement(structures, f"{{{_STR}}}DataStructures")
    dsd = maintainable(dsds, "DataStructure", "DSD_SALAMAT", "Salamat observations")
    comps = ET.SubElement(dsd, f"{{{_STR}}}DataStructureComponents")
    dim_list = ET.SubElement(comps, f"{{{_STR}}}DimensionList")
    dim_list.set("id", "DimensionDescriptor")
    concept_ref = {"maintainableParentID": "CS_SALAMAT", "maintainableParentVersion": "1.0"}
    cl_of = {"INDICATOR": "CL_INDICATOR", "REF_AREA": "CL_AREA", "SEX": "CL_SEX",
             "AGE": "CL_AGE", "CAUSE": "CL_CAUSE", "URBANISATION": "CL_URBANISATION",
             "SOURCE": "CL_SOURCE"}  # fmt: skip
    for i, dim in enumerate(_DIMS, start=1):
        d = ET.SubElement(dim_list, f"{{{_STR}}}Dimension")
        d.set("id", dim)
        d.set("position", str(i))
        ref(d, "ConceptIdentity", dim, "Concept", "conceptscheme", **concept_ref)
        rep = ET.SubElement(d, f"{{{_STR}}}LocalRepresentation")
        ref(rep, "Enumeration", cl_of[dim], "Codelist", "codelist", version="1.0")
    t = ET.SubElement(dim_list, f"{{{_STR}}}TimeDimension")
    t.set("id", "TIME_PERIOD")
    t.set("position", str(len(_DIMS) + 1))
    ref(t, "ConceptIdentity", "TIME_PERIOD", "Concept", "conceptscheme", **concept_ref)
    rep = ET.SubElement(t, f"{{{_STR}}}LocalRepresentation")
    ET.SubElement(rep, f"{{{_STR}}}TextFormat").set("textType", "ObservationalTimePeriod")
    attr_list = ET.SubElement(comps, f"{{{_STR}}}AttributeList")
    attr_list.set("id", "AttributeDescriptor")
    for attr in _ATTRS:
        a = ET.SubElement(attr_list, f"{{{_STR}}}Attribute")
        a.set("id", attr)
        a.set("assignmentStatus", "Conditional")
        ref(a, "ConceptIdentity", attr, "Concept", "conceptscheme", **concept_ref)
        rel = ET.SubElement(a, f"{{{_STR}}}AttributeRelationship")
        pm = ET.SubElement(rel, f"{{{_STR}}}PrimaryMeasure")
        ET.SubElement(pm, "Ref").set("id", "OBS_VALUE")
    measures = ET.SubElement(comps, f"{{{_STR}}}MeasureList")
    measures.set("id", "MeasureDescriptor")
    pm = ET.SubElement(measures, f"{{{_STR}}}PrimaryMeasure")
    pm.set("id", "OBS_VALUE")
    ref(pm, "ConceptIdentity", "OBS_VALUE", "Concept", "conceptscheme", **concept_ref)
    ET.indent(root)
    return ET.ElementTree(root)
