"""DHIS2 data value set JSON (``/api/dataValueSets``), to send values Salamat computed (30q70,
life expectancy ...) back into a ministry's DHIS2.

Ids come from ``--map`` (CSV ``dimension,from,to`` from Salamat's codes to DHIS2's):
``indicator,ncd30q70,<data element uid>``, ``area,KZ-75,<org unit uid>``,
``categoryOptionCombo,sex=female,<category option combo uid>`` (the disaggregation written as
``sex=...;age=...;cause=...;residence=...``, leaving out totals and the band an indicator is
defined on, such as 30-69 for 30q70). Without a map, Salamat's codes are written and the file
says ``"idScheme": "CODE"``: import it into DHIS2 with data elements and org units whose codes
are Salamat's. DHIS2 has no bounds and no source: bounds are not written, and values of one key
from two sources are an error (choose one with ``--source``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from salamat.errors import InputError, Problem
from salamat.export.common import number
from salamat.ingest.interop import DEFINITIONAL_AGE, DISAGGREGATIONS

__all__ = ["disaggregation_key", "write_dhis2"]

_TOTAL = {"sex": "total", "age": "all", "cause": "all", "residence": "total"}


def disaggregation_key(row: dict[str, str], indicator: str) -> str:
    """``sex=female;age=0-4``, leaving out totals and the indicator's defining age band."""
    parts = []
    for dim in DISAGGREGATIONS:
        value = row[dim]
        if value == _TOTAL[dim] or (dim == "age" and DEFINITIONAL_AGE.get(indicator) == value):
            continue
        parts.append(f"{dim}={value}")
    return ";".join(parts)


def write_dhis2(frame: pd.DataFrame, path: Path | None, mapping: dict[str, dict[str, str]]) -> str:
    """The data value set as JSON text; written to ``path`` when given."""
    key_cols = ["indicator", "area", "period", "sex", "age", "cause", "residence"]
    dup = frame.duplicated(subset=key_cols, keep=False)
    if dup.any():
        sources = sorted(frame.loc[dup, "source"].unique())
        raise InputError(
            "some values exist in more than one source, and DHIS2 keeps one value per key: "
            f"export one source with --source ({'; '.join(sources[:5])})"
        )
    disagg = [
        disaggregation_key(dict(zip(DISAGGREGATIONS, r[1:], strict=True)), r[0])
        for r in frame[["indicator", *DISAGGREGATIONS]].itertuples(index=False)
    ]
    mapped = bool(mapping)
    de_map = mapping.get("indicator", {}) | mapping.get("dataElement", {})
    ou_map = mapping.get("area", {}) | mapping.get("orgUnit", {})
    coc_map = mapping.get("categoryOptionCombo", {})
    problems: list[Problem] = []

    def ids(values: pd.Series | list[str], table: dict[str, str], dimension: str) -> list[str]:
        out = []
        for v in values:
            if not mapped or (dimension == "categoryOptionCombo" and v == ""):
                out.append(v)
            elif v in table:
                out.append(table[v])
            else:
                out.append("")
                problems.append(
                    Problem(
                        "--map",
                        None,
                        dimension,
                        f"no DHIS2 id for {v!r}: add a row {dimension},{v},<uid>",
                        v,
                    )
                )
        return out

    de = ids(frame["indicator"], de_map, "indicator")
    ou = ids(frame["area"], ou_map, "area")
    coc = ids(disagg, coc_map, "categoryOptionCombo")
    if not mapped and any(disagg):
        needed = sorted({d for d in disagg if d})
        raise InputError(
            "disaggregated values need DHIS2 category option combos: give --map rows "
            + ", ".join(f"categoryOptionCombo,{d},<uid>" for d in needed[:6])
        )
    if problems:
        unique = {(p.field, p.value): p for p in problems}
        raise InputError("the --map file lacks DHIS2 ids", list(unique.values()))
    values = []
    for i in range(len(frame)):
        v: dict[str, str] = {
            "dataElement": de[i],
            "period": str(frame["period"].iloc[i]),
            "orgUnit": ou[i],
        }
        if coc[i]:
            v["categoryOptionCombo"] = coc[i]
        v["value"] = number(frame["value"].iloc[i])
        note = frame["note"].iloc[i]
        if isinstance(note, str) and note:
            v["comment"] = note
        values.append(v)
    doc: dict[str, object] = {}
    if not mapped:
        doc["idScheme"] = "CODE"
    doc["dataValues"] = values
    text = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return text
