"""``salamat import sdmx``: SDMX data messages (CSV, JSON, ML), with their structure message
passed by ``--metadata`` (optional).

Dimensions with a Salamat column: ``REF_AREA`` (area), ``TIME_PERIOD`` (period: ``2020``,
``2020-Q1`` -> ``2020Q1``, ``2020-01`` -> ``202001``, ``2020-W05`` -> ``2020W05``), ``SEX``
(``_T``, ``F``, ``M``), ``AGE`` in years (``Y15T19`` -> 15-19, ``Y_GE65`` -> 65+),
``URBANISATION``/``RESIDENCE`` (``U``, ``R``). ``FREQ`` is implied by the period. Every other
dimension that is not a total (``_T``, ``_Z``) is part of the indicator code to map:
``IM_MCV1/VACCINE=MCV1/AGE=M12T23``. Without an ``INDICATOR`` dimension the code starts with
the dataflow id (``DF_G20_PRICES/MEASURE=CPI/...``).

Attributes: ``LOWER_BOUND``/``UPPER_BOUND`` -> bounds; ``UNIT_MEASURE`` -> unit (checked against
the indicator's); ``OBS_STATUS``, ``OBS_CONF`` and ``DATA_SOURCE`` -> the note, as
``OBS_STATUS=E``; ``UNIT_MULT`` other than 0 is a problem (Salamat does not rescale). An
observation without a value whose status says it is missing (``M``, ``L``) is left out and
counted in the notes; one without a value and without such a status is a problem.

Countries and aggregates: a ``REF_AREA`` that is a Salamat org unit (ISO 3166 alpha-3 or -2, a
WHO region ...) is imported; a code of the structure's area codelist that is not (UNICEF's
``UNICEF_EAP``, ``WB_HI`` ...) is a regional aggregate, left out and listed in the notes; a
code that is neither is a problem (map it with ``--map area,<code>,<org unit>``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from salamat.errors import Problem
from salamat.ingest.interop import (
    SKIP,
    definitional_age,
    lookup,
    resolve_indicator,
    row_problems,
    skip_note,
)
from salamat.ingest.registry import ParseContext, Parsed, register_parser
from salamat.ingest.sdmx_read import SdmxData, read_sdmx_data, read_structure

__all__ = ["KNOWN_CODES", "UNITS", "parse_sdmx", "sdmx_period"]

# Agency indicator codes (plus /DIMENSION=CODE) -> Salamat indicators.
KNOWN_CODES = {
    "CME_MRY0T4": "u5mr",
    "CME_MRM0": "nmr",
    "CME_MRY0": "imr",
    "IM_MCV1/VACCINE=MCV1/AGE=M12T23": "mcv1_coverage",
}
UNITS = {
    "D_PER_1000_B": "per 1,000 live births",
    "PCNT": "%",
    "PT": "%",
    "PS": "persons",
    "PER_100000_POP": "per 100,000 population",
    "D_PER_100000_B": "per 100,000 live births",
}
_TOTALS = {"_T", "_Z", ""}
_AREA_DIMS = ("REF_AREA", "GEO", "COUNTRY")
_SPECIAL = {
    "TIME_PERIOD", "OBS_VALUE", "SEX", "FREQ", "UNIT_MEASURE", "CAUSE", "SOURCE", *_AREA_DIMS
}  # fmt: skip
_MISSING_STATUS = {"M", "L", "O"}
_NOTE_ATTRIBUTES = ("OBS_STATUS", "OBS_CONF", "DATA_SOURCE")
_AGE_BAND = re.compile(r"^Y(\d+)T(\d+)$")
_AGE_OPEN = re.compile(r"^Y_GE(\d+)$")
_AGE_ONE = re.compile(r"^Y(\d+)$")
_PERIODS = (
    (re.compile(r"^(\d{4})$"), "{0}"),
    (re.compile(r"^(\d{4})-Q([1-4])$"), "{0}Q{1}"),
    (re.compile(r"^(\d{4})-(\d{2})$"), "{0}{1}"),
    (re.compile(r"^(\d{4})-W(\d{1,2})$"), "{0}W{1}"),
    (re.compile(r"^(\d{4})-A1$"), "{0}"),
)


def sdmx_period(text: str) -> str:
    """SDMX time period -> Salamat/DHIS2 period id (unchanged if it has no such form)."""
    t = text.strip()
    for pattern, form in _PERIODS:
        if m := pattern.match(t):
            return form.format(*m.groups())
    return t


def _age(code: str) -> str | None:
    if code in _TOTALS:
        return ""
    if m := _AGE_BAND.match(code):
        return f"{int(m[1])}-{int(m[2])}"
    if m := _AGE_OPEN.match(code):
        return f"{int(m[1])}+"
    if m := _AGE_ONE.match(code):
        return str(int(m[1]))
    return None


def parse_sdmx(path: Path, ctx: ParseContext) -> Parsed:
    structure = read_structure(ctx.metadata)
    data: SdmxData = read_sdmx_data(path, structure)
    raw = data.frame
    problems: list[Problem] = []
    notes: list[str] = []

    def col(name: str) -> pd.Series:
        return raw[name].astype(str) if name in raw.columns else pd.Series("", index=raw.index)

    area_dim = next((d for d in _AREA_DIMS if d in raw.columns), None)
    flow = data.dataflow or (structure.dataflow if structure else "")
    flow_id = re.sub(r"\(.*\)$", "", flow.split(":")[-1]).split("@")[-1] or "SDMX"

    # indicator code: INDICATOR (or the dataflow), plus the other dimensions that are not totals
    age = col("AGE").map(lambda a: lookup(ctx, ("age",), a) or _age(a))
    key = col("INDICATOR") if "INDICATOR" in raw.columns else pd.Series(flow_id, index=raw.index)
    base = key.copy()
    for d in data.dimensions:
        if d in _SPECIAL or d == "INDICATOR" or d in ("URBANISATION", "RESIDENCE"):
            continue
        v = col(d)
        extra = age.isna() if d == "AGE" else ~v.isin(_TOTALS)
        key = key.where(~extra, key + f"/{d}=" + v)
    resolved = {
        (k, b): resolve_indicator(ctx, k, b, defaults=KNOWN_CODES)
        for k, b in set(zip(key, base, strict=True))
    }
    indicator = pd.Series(
        [resolved[p] for p in zip(key, base, strict=True)], index=raw.index, dtype=object
    )
    skipped = indicator == SKIP
    notes += skip_note(path.name, raw, skipped, key)
    unknown = indicator.isna()
    problems += row_problems(
        raw.assign(_k=key),
        unknown,
        "indicator",
        lambda k: (
            f"unknown SDMX indicator {k!r}"
            + (f" ({data.labels[('INDICATOR', k)]})" if ("INDICATOR", k) in data.labels else "")
            + f": map it with --map (indicator,{k},<code>), adding --new-indicators for a new "
            "code, or '-' to leave it out"
        ),
        "_k",
    )

    # area: countries, aggregates, unknown codes
    ref = col(area_dim) if area_dim else pd.Series("", index=raw.index)
    area_codes = structure.codes.get(area_dim or "", {}) if structure else {}
    areas = {
        r: lookup(ctx, ("area",), r) or ctx.catalog.resolve(r) or (ctx.area if r == "" else None)
        for r in set(ref)
    }
    area = ref.map(areas)
    live = ~skipped
    area_skip = live & (area == SKIP)
    notes += skip_note(path.name, raw, area_skip, ref)
    aggregate = live & area.isna() & ref.isin(list(area_codes))
    if aggregate.any():
        names = sorted({f"{r} ({area_codes[r]})" for r in ref[aggregate]})
        notes.append(
            f"{path.name}: {int(aggregate.sum())} observation(s) of {len(names)} regional "
            f"aggregate(s) not imported: {', '.join(names[:6])}{' ...' if len(names) > 6 else ''}"
        )
    no_area = live & area.isna() & ~aggregate
    problems += row_problems(
        raw.assign(_a=ref),
        no_area,
        "area",
        lambda r: (
            (
                f"unknown SDMX {area_dim or 'REF_AREA'} {r!r}"
                + (
                    f" ({data.labels[(area_dim or '', r)]})"
                    if (area_dim or "", r) in data.labels
                    else ""
                )
                + f": a country Salamat does not know or a regional aggregate; map it with --map "
                f"(area,{r},<code>) or leave it out with '-'"
                + ("" if structure else ", or pass the structure message with --metadata")
            )
            if r
            else "the observation has no REF_AREA: give the file's area with --area CODE "
            "(or --map area,,<code>)"
        ),
        "_a",
    )
    live &= ~area_skip & ~aggregate

    # value, status, multiplier
    value = col("OBS_VALUE").str.strip()
    value = value.where(value.str.lower() != "nan", "")
    status = col("OBS_STATUS")
    missing = live & (value == "") & status.isin(list(_MISSING_STATUS))
    if missing.any():
        notes.append(
            f"{path.name}: {int(missing.sum())} observation(s) without a value, flagged missing "
            "(OBS_STATUS M/L/O), not imported"
        )
    live &= ~missing
    no_value = live & (value == "")
    problems += row_problems(
        raw,
        no_value,
        "value",
        lambda _v: "observation without OBS_VALUE and without a missing-value status",
        "OBS_VALUE" if "OBS_VALUE" in raw.columns else "_file",
    )
    mult = col("UNIT_MULT").where(col("UNIT_MULT") != "", col("UNIT_MULTIPLIER"))
    scaled = live & ~mult.isin(["", "0"])
    problems += row_problems(
        raw.assign(_m=mult),
        scaled,
        "unit",
        lambda m: (
            f"UNIT_MULT {m}: the values are in units of 10^{m}; Salamat does not rescale, "
            "convert the values first"
        ),
        "_m",
    )

    # disaggregations (an AGE that is not in years is part of the indicator code)
    residence_col = col("URBANISATION") if "URBANISATION" in raw.columns else col("RESIDENCE")
    residence = residence_col.map({"U": "urban", "R": "rural", "_T": "total", "": ""})
    bad_res = live & residence.isna()
    problems += row_problems(
        raw.assign(_r=residence_col),
        bad_res,
        "residence",
        lambda r: f"residence code {r!r}: expected U, R or _T",
        "_r",
    )
    note = pd.Series("", index=raw.index, dtype=object)
    for attr in _NOTE_ATTRIBUTES:
        v = col(attr)
        part = (attr + "=" + v).where(v != "", "")
        note = note.where(part == "", note.where(note == "", note + "; ") + part)
    comment = col("COMMENT_OBS")
    note = comment.where(note == "", note.where(comment == "", note + "; " + comment))
    unit = col("UNIT_MEASURE").map(lambda u: UNITS.get(u, u))
    # Salamat's own DSD (salamat export sdmx) carries the cause group and the source
    cause = col("CAUSE").where(~col("CAUSE").isin(_TOTALS), "")
    source_names = structure.codes.get("SOURCE", {}) if structure else {}
    source = col("SOURCE").map(lambda c: data.labels.get(("SOURCE", c)) or source_names.get(c) or c)

    keep = live & ~unknown & ~no_area & ~no_value & ~scaled & ~bad_res
    frame = pd.DataFrame(
        {
            "indicator": indicator,
            "area": area,
            "period": col("TIME_PERIOD").map(sdmx_period),
            "sex": col("SEX"),
            "age": age.fillna(""),
            "residence": residence,
            "value": value,
            "lower": col("LOWER_BOUND"),
            "upper": col("UPPER_BOUND"),
            "unit": unit,
            "cause": cause,
            "vintage": col("VINTAGE"),
            "note": note,
            "_file": raw["_file"],
            "_row": raw["_row"],
        }
    ).loc[keep]
    frame["age"] = definitional_age(frame["indicator"], frame["age"].fillna(""))
    if "SOURCE" in raw.columns:
        frame["source"] = source[keep]
    # the dataflow names the data; never the file's name (the same data under another name is
    # the same data, issue 10 item 7)
    default = f"SDMX {flow}" if flow else "SDMX data (no dataflow named; give --source)"
    return Parsed(frame.reset_index(drop=True), problems, default_source=default, notes=notes)


register_parser(
    "sdmx",
    parse_sdmx,
    "SDMX data: SDMX-CSV (1.0, 2.0, .Stat with labels), SDMX-JSON 1.0, SDMX-ML 2.1; "
    "structure with --metadata",
)
