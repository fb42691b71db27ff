"""Flags carried to computed values: which inputs a computed value used, and their flags.

A value computed from flagged inputs (death records whose ``completeness`` or
``ill_defined_share`` is flagged, death rates with a ``yoy_outlier``) carries those flags, each
naming the input it came from (docs/quality.md, "Flags on computed values"). The published value
shown beside a computed one is not an input: its flags travel separately
(``published_flags``), so that saving a computed value never stores a flag it does not rest on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from salamat.store.connection import Store
from salamat.store.quality import INPUT_COLUMNS, input_flags

__all__ = [
    "attach",
    "flags_text",
    "inputs_text",
    "listed",
    "mx_inputs",
    "published_inputs",
    "record_inputs",
]


def record_inputs(periods: Sequence[str], areas: Sequence[str]) -> pd.DataFrame:
    """The unit-record deaths of every area (regions and their total) for each period."""
    rows = pd.DataFrame({"row": range(len(periods)), "period": [str(p) for p in periods]})
    cross = rows.merge(pd.DataFrame({"area": list(dict.fromkeys(areas))}), how="cross")
    return cross.assign(
        input="deaths of " + cross["area"] + " " + cross["period"] + " (unit records)",
        indicator="deaths",
        sex=None,
        source=None,
        records_only=True,
    )


def mx_inputs(periods: Sequence[str], area: str, sex: str, source: str) -> pd.DataFrame:
    """The death rates by age (``mx``) of ``source`` for each period."""
    return pd.DataFrame(
        {
            "row": range(len(periods)),
            "period": [str(p) for p in periods],
            "area": area,
            "input": [f"{source} death rates (mx) of {area} {p}" for p in periods],
            "indicator": "mx",
            "sex": sex,
            "source": source,
            "records_only": False,
        }
    )


def published_inputs(
    indicator: str, area: str, sex: str, periods: Sequence[str], sources: Sequence[Any]
) -> pd.DataFrame:
    """The published values shown beside computed ones (rows without a source are left out)."""
    frame = pd.DataFrame(
        {
            "row": range(len(periods)),
            "period": [str(p) for p in periods],
            "source": list(sources),
        }
    )
    frame = frame[frame["source"].notna()]
    return frame.assign(
        area=area,
        indicator=indicator,
        sex=sex,
        records_only=False,
        input="published " + indicator + " " + frame["period"] + " (" + frame["source"] + ")",
    )


def attach(store: Store, n: int, inputs: pd.DataFrame) -> list[list[dict[str, Any]]]:
    """For each of ``n`` computed values, the flags of its inputs (``[]`` when none)."""
    out: list[list[dict[str, Any]]] = [[] for _ in range(n)]
    if inputs.empty:
        return out
    found = input_flags(store, inputs.loc[:, list(INPUT_COLUMNS)])
    for row, flags in zip(found["row"], found["flags"], strict=True):
        out[int(row)] = list(flags)
    return out


def listed(n: int, inputs: pd.DataFrame) -> list[list[dict[str, Any]]]:
    """For each of ``n`` computed values, its inputs (``input``, ``indicator``, ``area``,
    ``period``, ``sex``, ``source``, ``records_only``): what ``compute --save`` keeps so that the
    saved value's flags follow its inputs' flags later."""
    out: list[list[dict[str, Any]]] = [[] for _ in range(n)]
    if inputs.empty:
        return out
    cols = [c for c in INPUT_COLUMNS if c != "row"]
    frame = inputs.loc[:, ["row", *cols]].astype(object)
    for r in frame.to_dict(orient="records"):
        out[int(str(r["row"]))].append({c: r[c] for c in cols})
    return out


def flags_text(flags: Sequence[dict[str, Any]]) -> str:
    """Flags for a CSV cell: ``code year (input): message``, separated by `` | ``."""
    return " | ".join(
        f"{f['code']} {f['year']} ({f['input']}): {f['message']}" for f in flags or []
    )


def inputs_text(inputs: Sequence[dict[str, Any]]) -> str:
    """Inputs for a CSV cell: their names, separated by `` | ``."""
    return " | ".join(str(i["input"]) for i in inputs or [])
