"""``salamat import gho``: WHO Global Health Observatory exports.

Three shapes of the same data are read:

* the GHO OData API response (``https://ghoapi.azureedge.net/api/<IndicatorCode>``), JSON
  ``{"value": [{"IndicatorCode", "SpatialDimType", "SpatialDim", "TimeDim", "Dim1Type",
  "Dim1", ..., "Value", "NumericValue", "Low", "High", "Comments", "Date"}, ...]}``;
* the same records as CSV (the API's CSV export, one column per field);
* the older "athena" CSV export (``GHO, PUBLISHSTATE, YEAR, REGION, COUNTRY, SEX, Display
  Value, Numeric, Low, High, Comments``);
* the download of WHO's data portal (``https://data.who.int/indicators/i/<id>``, "Download" ->
  ``<id>_ALL_LATEST.csv``, 2024-): ``IND_ID, IND_CODE, IND_UUID, IND_PER_CODE, DIM_TIME,
  DIM_TIME_TYPE, DIM_GEO_CODE_M49, DIM_GEO_CODE_TYPE, DIM_PUBLISH_STATE_CODE, IND_NAME,
  GEO_NAME_SHORT``, ``DIM_SEX`` (``TOTAL``/``FEMALE``/``MALE``), other ``DIM_*`` columns (``DIM_AGE``
  in SDMX codes: ``Y_GE18`` -> 18+, ``Y30T69`` -> 30-69), and one measure ``<MEASURE>_N`` with
  its bounds ``<MEASURE>_NL``, ``<MEASURE>_NU`` (``AMOUNT_N``, ``RATE_PER_1000_N``, ``INDEX_N``
  ...). ``IND_CODE`` is the GHO code. Areas are UN M49 numbers: countries and territories by
  ISO 3166 (398 -> KAZ), the WHO regions by WHO's numbers (953 AFR, 954 AMR, 955 SEAR, 956 EUR,
  957 EMR, 958 WPR), ``001`` the world; a ``DIM_*`` value ``TOTAL`` is no disaggregation. Older
  downloads have ``VALUE_NUMERIC`` for the value and no ``DIM_GEO_CODE_TYPE`` (the number then
  says what the area is).

``NumericValue`` (``Numeric``) is the value; ``Low`` and ``High`` are kept as the bounds.
``Value`` is WHO's display text: a record whose numeric value is empty is a problem, never
parsed from the display text (``"[5]/[10]"`` is not a number). Disaggregations: ``SEX_BTSX``,
``SEX_FMLE``, ``SEX_MLE``; ``AGEGROUP_YEARS30-69`` -> ``30-69``; ``RESIDENCEAREATYPE_URB`` /
``_RUR`` / ``_TOTL``. Any other dimension (``EMFEXPOSED`` ...) becomes part of the indicator
code to map: ``EMFLIMITELECTRIC/EMFEXPOSED=EMFPUBLIC``. Indicator codes map to ours by the
catalogue's international codes (NCDMORT3070 -> ncd30q70) or ``--map``. Rows of a region
(``SpatialDimType`` REGION) go to the WHO region (``EUR`` -> ``WHO-EUR``); the world to
``WORLD``; other aggregates (income groups ...) are not imported and are listed in the notes.

The GHO's data are CC BY-NC-SA 3.0 IGO: fine for non-commercial use, with attribution.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pycountry

from salamat.errors import InputError, Problem
from salamat.ingest.interop import (
    SKIP,
    as_text,
    definitional_age,
    lookup,
    resolve_indicator,
    row_problems,
    skip_note,
)
from salamat.ingest.registry import NewIndicator, ParseContext, Parsed, register_parser
from salamat.ingest.sdmx import derived_code
from salamat.ingest.tables import read_table

__all__ = ["SOURCE", "gho_age", "parse_gho", "read_gho"]

SOURCE = "WHO Global Health Observatory"

_SEX = {"SEX_BTSX": "total", "SEX_MLE": "male", "SEX_FMLE": "female"}
_RESIDENCE = {
    "RESIDENCEAREATYPE_TOTL": "total",
    "RESIDENCEAREATYPE_URB": "urban",
    "RESIDENCEAREATYPE_RUR": "rural",
}
_AGE_BAND = re.compile(r"^AGEGROUP_YEARS(\d+)-(\d+)$")
_AGE_OPEN = re.compile(r"^AGEGROUP_YEARS(\d+)PLUS$")
_AGE_UNDER = re.compile(r"^AGEGROUP_YEARSUNDER(\d+)$")
_AGE_MONTHS = re.compile(r"^AGEGROUP_MONTHS(\d+)-(\d+)$")
# SDMX age codes, as WHO's data portal writes them in DIM_AGE
_SDMX_BAND = re.compile(r"^Y(\d+)T(\d+)$")
_SDMX_OPEN = re.compile(r"^Y_GE(\d+)$")
_SDMX_UNDER = re.compile(r"^Y_LT(\d+)$")
_SDMX_ONE = re.compile(r"^Y(\d+)$")
# data.who.int: WHO's regions by WHO's M49-style numbers, and the sex codes
_WHO_REGION_M49 = {
    "953": "AFR",
    "954": "AMR",
    "955": "SEAR",
    "956": "EUR",
    "957": "EMR",
    "958": "WPR",
}
_PORTAL_SEX = {"TOTAL": "SEX_BTSX", "BTSX": "SEX_BTSX", "FEMALE": "SEX_FMLE", "FMLE": "SEX_FMLE"}
_PORTAL_SEX |= {"MALE": "SEX_MLE", "MLE": "SEX_MLE"}
# DIM_GEO_CODE_TYPE values that are one country or territory (an ISO 3166 code)
_PORTAL_COUNTRY = frozenset(
    {
        "COUNTRY",
        "TERRITORY",
        "AREA",
        "NATIONAL LIBERATION MOVEMENT",
        "ORGANIZED, UNINCORPORATED TERRITORY",
    }
)
_PORTAL_AGGREGATE = frozenset({"WHOREGION", "GLOBAL", "WORLDBANKINCOMEGROUP", "UNREGION"})
_PORTAL_MEASURE = re.compile(r"^(?P<m>.+)_n$")

# The columns of the normalised frame every shape is read into.
_FIELDS = (
    "code",
    "spatial_type",
    "spatial",
    "time",
    "value_text",
    "numeric",
    "low",
    "high",
    "comments",
    "date",
    "publish_state",
)
_ATHENA_KNOWN = {
    "gho",
    "publishstate",
    "year",
    "region",
    "unregion",
    "worldbankincomegroup",
    "country",
    "display value",
    "numeric",
    "low",
    "high",
    "comments",
}


def gho_age(code: str) -> str | None:
    """GHO age group code -> our band: ``AGEGROUP_YEARS30-69`` -> ``30-69``, ``...85PLUS`` ->
    ``85+``, ``...UNDER5`` -> ``0-4``, ``AGEGROUP_YEARSALL`` -> ``all``; a band in months that is
    a band of whole years (it starts at a birthday and ends the day before one):
    ``AGEGROUP_MONTHS0-11`` -> ``0``, ``AGEGROUP_MONTHS12-59`` -> ``1-4``; the SDMX codes of WHO's
    data portal: ``Y30T69`` -> ``30-69``, ``Y_GE18`` -> ``18+``, ``Y_LT5`` -> ``0-4``, ``Y5`` ->
    ``5``; else None (``1-59`` months starts one month after birth: no band of whole years, see
    :func:`months_reason`)."""
    if code in ("AGEGROUP_YEARSALL", "AGEGROUP_ALL", "_T", "ALL", "Y_ALL"):
        return "all"
    if m := _SDMX_BAND.match(code):
        return f"{int(m[1])}-{int(m[2])}"
    if m := _SDMX_OPEN.match(code):
        return f"{int(m[1])}+"
    if m := _SDMX_UNDER.match(code):
        return f"0-{int(m[1]) - 1}" if int(m[1]) > 1 else "0"
    if m := _SDMX_ONE.match(code):
        return str(int(m[1]))
    if m := _AGE_BAND.match(code):
        return f"{int(m[1])}-{int(m[2])}"
    if m := _AGE_OPEN.match(code):
        return f"{int(m[1])}+"
    if m := _AGE_UNDER.match(code):
        return f"0-{int(m[1]) - 1}"
    if m := _AGE_MONTHS.match(code):
        first, last = int(m[1]), int(m[2])
        if first % 12 == 0 and (last + 1) % 12 == 0 and last > first:
            start, end = first // 12, (last + 1) // 12 - 1
            return str(start) if start == end else f"{start}-{end}"
    return None


def months_reason(code: str) -> str | None:
    """Why a GHO age band in months has no Salamat age (ages are whole years), else None."""
    m = _AGE_MONTHS.match(code)
    if m is None or gho_age(code) is not None:
        return None
    first, last = int(m[1]), int(m[2])
    return (
        f"GHO age group {code!r} is {first}-{last} months of age: not a band of whole years "
        f"(it {'starts' if first % 12 else 'ends'} within a year of age), and Salamat's ages "
        "are whole years, so it is not read as any of them; leave the indicator out with "
        "--map (indicator,<GHO code>,-)"
    )


# The layouts a GHO CSV may have, for the message when none is recognised.
LAYOUTS = (
    "the HDX layout (GHO (CODE), YEAR (DISPLAY), COUNTRY (CODE), Numeric, Value, Low, High, "
    "with or without the row of HXL # tags)",
    "the OData API columns (IndicatorCode, SpatialDim, TimeDim, NumericValue ...)",
    "the athena export (GHO, YEAR, COUNTRY, Display Value, Numeric ...)",
    "the data portal's download (IND_CODE, DIM_TIME, DIM_GEO_CODE_M49, DIM_GEO_CODE_TYPE, "
    "a measure such as RATE_PER_1000_N ...)",
)


def read_gho(path: Path) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Read any GHO shape into one frame of text (:data:`_FIELDS`, ``_file``, ``_row``) and the
    (type column, value column) pairs of its disaggregations."""
    if path.name.lower().endswith(".json"):
        return _read_odata_json(path)
    df = read_table(path)
    if {"gho (code)", "year (display)"} <= set(df.columns):
        return _from_hdx(df)
    if {"indicatorcode", "spatialdim", "timedim"} <= set(df.columns):
        return _from_odata_columns(df)
    if {"gho", "year"} <= set(df.columns):
        return _from_athena(df)
    if {"dim_time", "dim_geo_code_m49"} <= set(df.columns):
        return _from_portal(path, df)
    found = ", ".join(c for c in df.columns if not c.startswith("_"))[:300]
    message = (
        f"not a GHO layout Salamat knows: the header has {found}; known layouts are "
        + "; ".join(LAYOUTS)
    )
    raise InputError(f"{path}: {message}", [Problem(str(path), 1, None, message)])


def _read_odata_json(path: Path) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            doc = json.load(fh)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "is the file complete?",
            [Problem(str(path), None, None, f"not valid JSON: {exc.msg} at line {exc.lineno}")],
        ) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("value"), list):
        raise InputError(f"{path}: not a GHO OData response (expected an object with 'value')")
    records = doc["value"]
    df = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    df = pd.DataFrame({str(c).lower(): as_text(df[c]) for c in df.columns})
    df["_file"] = str(path)
    df["_row"] = range(1, len(df) + 1)
    if len(df) and "indicatorcode" not in df.columns:
        raise InputError(f"{path}: GHO OData records without IndicatorCode")
    return _from_odata_columns(df)


def _from_odata_columns(df: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    def col(name: str) -> pd.Series:
        return (
            df[name].astype(object)
            if name in df.columns
            else pd.Series("", index=df.index, dtype=object)
        )

    out = pd.DataFrame(
        {
            "code": col("indicatorcode"),
            "spatial_type": col("spatialdimtype"),
            "spatial": col("spatialdim"),
            "time": col("timedim"),
            "value_text": col("value"),
            "numeric": col("numericvalue"),
            "unit": "",
            "low": col("low"),
            "high": col("high"),
            "comments": col("comments"),
            "date": col("date").astype(str).str[:10],
            "publish_state": "",
            "_file": df["_file"],
            "_row": df["_row"],
        }
    )
    pairs = []
    for t, v in (
        ("dim1type", "dim1"),
        ("dim2type", "dim2"),
        ("dim3type", "dim3"),
        ("datasourcedimtype", "datasourcedim"),
    ):
        out[t] = col(t)
        out[v] = col(v)
        pairs.append((t, v))
    out.attrs["display_only"] = "numericvalue" not in df.columns
    return out, pairs


def _from_hdx(df: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """The layout WHO publishes on HDX (``health_indicators_<iso3>.csv``): ``GHO (CODE)``,
    ``YEAR (DISPLAY)``, ``STARTYEAR``, ``ENDYEAR``, ``REGION (CODE)``, ``COUNTRY (CODE)``, one
    ``DIMENSION (TYPE)``/``DIMENSION (CODE)`` pair, ``Numeric``, ``Value``, ``Low``, ``High``; the
    second row may hold HXL hashtags (``#indicator+code`` ...), which is not data."""
    first = df.columns[0]
    hxl = df[first].astype(str).str.startswith("#")
    df = df.loc[~hxl]

    def col(name: str) -> pd.Series:
        return (
            df[name].astype(object)
            if name in df.columns
            else pd.Series("", index=df.index, dtype=object)
        )

    country, region = col("country (code)"), col("region (code)")
    spatial_type = pd.Series("GLOBAL", index=df.index, dtype=object).where(region == "", "REGION")
    spatial = pd.Series("GLOBAL", index=df.index, dtype=object).where(region == "", region)
    spatial_type = spatial_type.where(country == "", "COUNTRY")
    spatial = spatial.where(country == "", country)
    start, end = col("startyear").astype(str), col("endyear").astype(str)
    time = col("year (display)").astype(str)
    span = (start != "") & (end != "") & (start != end)
    time = time.where(~span, start + "-" + end)
    out = pd.DataFrame(
        {
            "code": col("gho (code)"),
            "spatial_type": spatial_type,
            "spatial": spatial,
            "time": time,
            "value_text": col("value"),
            "numeric": col("numeric"),
            "unit": col("gho (display)").astype(str).map(unit_from_name),
            "name": col("gho (display)").astype(str),
            "low": col("low"),
            "high": col("high"),
            "comments": "",
            "date": "",
            "publish_state": "",
            "_file": df["_file"],
            "_row": df["_row"],
        }
    )
    out["dimension__type"] = col("dimension (type)")
    out["dimension__value"] = col("dimension (code)")
    out = out.reset_index(drop=True)
    out.attrs["display_only"] = "numeric" not in df.columns
    return out, [("dimension__type", "dimension__value")]


def _from_athena(df: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    def col(name: str) -> pd.Series:
        return (
            df[name].astype(object)
            if name in df.columns
            else pd.Series("", index=df.index, dtype=object)
        )

    country, region = col("country"), col("region")
    income, unregion = col("worldbankincomegroup"), col("unregion")
    spatial_type = pd.Series("GLOBAL", index=df.index, dtype=object)
    spatial = pd.Series("GLOBAL", index=df.index, dtype=object)
    for code, kind in (
        (region, "REGION"),
        (unregion, "UNREGION"),
        (income, "WORLDBANKINCOMEGROUP"),
    ):
        spatial_type = spatial_type.where(code == "", kind)
        spatial = spatial.where(code == "", code)
    spatial_type = spatial_type.where(country == "", "COUNTRY")
    spatial = spatial.where(country == "", country)
    out = pd.DataFrame(
        {
            "code": col("gho"),
            "spatial_type": spatial_type,
            "spatial": spatial,
            "time": col("year"),
            "value_text": col("display value"),
            "numeric": col("numeric"),
            "unit": "",
            "low": col("low"),
            "high": col("high"),
            "comments": col("comments"),
            "date": "",
            "publish_state": col("publishstate"),
            "_file": df["_file"],
            "_row": df["_row"],
        }
    )
    pairs = []
    for name in [c for c in df.columns if c not in _ATHENA_KNOWN and not c.startswith("_")]:
        kind = name.upper()
        value = df[name].astype(object)
        prefixed = value.where(
            (value == "") | value.str.startswith(f"{kind}_"), f"{kind}_" + value.astype(str)
        )
        out[f"{name}__type"] = pd.Series(kind, index=df.index, dtype=object).where(value != "", "")
        out[f"{name}__value"] = prefixed
        pairs.append((f"{name}__type", f"{name}__value"))
    out.attrs["display_only"] = "numeric" not in df.columns
    return out, pairs


def _from_portal(path: Path, df: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """WHO's data portal download (data.who.int, ``<id>_ALL_LATEST.csv``): see the module
    docstring. The measure is the one ``<MEASURE>_N`` column; its bounds ``_NL`` and ``_NU``."""
    columns = [c for c in df.columns if not c.startswith("_")]
    df = _unwrap_quoted_lines(df, columns)
    measures = [
        found.group("m")
        for c in columns
        if (found := _PORTAL_MEASURE.match(c)) and c != "dim_time_n"
    ]
    if not measures and "value_numeric" in columns:
        value_col, low_col, high_col = "value_numeric", "value_numeric_lower", "value_numeric_upper"
    elif len(measures) == 1:
        one = measures[0]
        value_col, low_col, high_col = f"{one}_n", f"{one}_nl", f"{one}_nu"
    else:
        names = ", ".join(f"{m.upper()}_N" for m in measures) or "none"
        message = (
            "a data.who.int download names its value in one column ending in _N (such as "
            "RATE_PER_1000_N, with _NL and _NU its bounds) or VALUE_NUMERIC; this file has "
            f"{names}"
        )
        raise InputError(f"{path}: {message}", [Problem(str(path), 1, None, message)])

    def col(name: str) -> pd.Series:
        return (
            df[name].astype(object)
            if name in df.columns
            else pd.Series("", index=df.index, dtype=object)
        )

    code = col("ind_code").astype(str).str.strip()
    code = code.where(code != "", col("ind_uuid").astype(str).str.strip())
    m49 = col("dim_geo_code_m49").astype(str).str.strip()
    number = m49.where(~m49.str.fullmatch(r"\d{1,3}"), m49.str.zfill(3))
    iso3 = {n: _m49_alpha3(n) for n in set(number)}
    kind = col("dim_geo_code_type").astype(str).str.strip().str.upper()
    if "dim_geo_code_type" not in df.columns:
        # older downloads name no type: the number says it (UN M49 regions such as 142 Asia
        # are aggregates Salamat has no unit for)
        kind = number.map(
            lambda n: (
                "GLOBAL"
                if n == "001"
                else "WHOREGION"
                if n in _WHO_REGION_M49
                else "COUNTRY"
                if iso3[n]
                else "M49 REGION"
            )
        )
    # a country, or a territory of any of the kinds WHO names (autonomous, dependent, overseas
    # ...) that has an ISO 3166 code; regions, income groups and the world are aggregates
    country = kind.isin(list(_PORTAL_COUNTRY)) | (
        ~kind.isin(list(_PORTAL_AGGREGATE)) & number.map(lambda n: iso3[n] is not None)
    )
    region = kind == "WHOREGION"
    spatial_type = kind.where(~country, "COUNTRY").where(~region, "REGION")
    spatial = number.map(lambda n: iso3[n] or n).where(country, number)
    spatial = spatial.where(~region, number.map(lambda n: _WHO_REGION_M49.get(n, n)))
    name = col("ind_name").astype(str)
    out = pd.DataFrame(
        {
            "code": code,
            "spatial_type": spatial_type,
            "spatial": spatial,
            "time": col("dim_time").astype(str).str.strip(),
            "value_text": col(value_col),
            "numeric": col(value_col),
            "unit": name.map(unit_from_name),
            "name": name,
            "low": col(low_col),
            "high": col(high_col),
            "comments": "",
            "date": "",
            "publish_state": col("dim_publish_state_code").astype(str).str.strip(),
            "_file": df["_file"],
            "_row": df["_row"],
        }
    )
    pairs = []
    skip = {"dim_time", "dim_time_type", "dim_geo_code_m49", "dim_geo_code_type"}
    skip |= {"dim_publish_state_code", "dim_value_type"}  # the measure's kind (INDEX, RATE)
    for c in [c for c in columns if c.startswith("dim_") and c not in skip]:
        dimension = c[len("dim_") :].upper()
        value = df[c].astype(str).str.strip()
        if dimension == "SEX":
            value = value.map(lambda v: _PORTAL_SEX.get(v.upper(), v))
        elif dimension == "AGE":
            dimension = "AGEGROUP"
        else:
            # a total is no disaggregation: the key stays the indicator's own code
            value = value.where(~value.str.upper().isin(["TOTAL", "_T", "ALL"]), "")
        out[f"{c}__type"] = pd.Series(dimension, index=df.index, dtype=object).where(
            value != "", ""
        )
        out[f"{c}__value"] = value
        pairs.append((f"{c}__type", f"{c}__value"))
    out.attrs["display_only"] = False
    out.attrs["unwrapped"] = df.attrs.get("unwrapped", 0)
    return out, pairs


def _unwrap_quoted_lines(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Rows written as one quoted field holding the whole line, read as that line.

    Some saved copies of the portal's downloads quote every line that contains a quoted field
    as a whole (``"BEFA58B...,630,""ORGANIZED, UNINCORPORATED TERRITORY"",...,35.19"``): CSV
    reads the line into the first column and leaves the others empty. The text inside is the
    row, unambiguous, and is read when it has exactly the header's number of fields; the count
    goes into ``attrs["unwrapped"]`` for a note."""
    first, rest = columns[0], columns[1:]
    text = df[first].astype(str)
    wrapped = text.str.contains(",", regex=False) & (df[rest].astype(str) == "").all(axis=1)
    if not wrapped.any():
        return df
    df = df.copy()
    count = 0
    for i in df.index[wrapped]:
        fields = next(csv.reader([text[i]]), [])
        if len(fields) == len(columns):
            df.loc[i, columns] = fields
            count += 1
    df.attrs["unwrapped"] = count
    return df


def _m49_alpha3(number: str) -> str | None:
    """UN M49 number of a country or territory -> its ISO 3166 alpha-3 code (398 -> KAZ)."""
    try:
        found = pycountry.countries.get(numeric=number)
    except (KeyError, LookupError):
        return None
    return str(found.alpha_3) if found is not None else None


def parse_gho(path: Path, ctx: ParseContext) -> Parsed:
    raw, pairs = read_gho(path)
    problems: list[Problem] = []
    notes: list[str] = []
    if raw.attrs.get("unwrapped"):
        notes.append(
            f"{path.name}: {raw.attrs['unwrapped']} row(s) written as one quoted field holding "
            "the whole line were read as that line"
        )
    empty = pd.Series("", index=raw.index, dtype=object)
    sex, age, residence = empty.copy(), empty.copy(), empty.copy()
    key = raw["code"].astype(str)
    bad = pd.Series(False, index=raw.index)

    # disaggregations: SEX, AGEGROUP and RESIDENCEAREATYPE have columns; others join the key
    for t, v in pairs:
        kind, value = raw[t].astype(str), raw[v].astype(str)
        present = (kind != "") & (value != "")
        is_sex = present & (kind == "SEX")
        mapped_sex = value.map(lambda c: lookup(ctx, ("sex",), c) or _SEX.get(c, ""))
        sex = sex.where(~is_sex, mapped_sex)
        unknown = is_sex & (mapped_sex == "")
        problems += row_problems(
            raw.assign(_v=value),
            unknown,
            "sex",
            lambda c: f"unknown GHO sex code {c!r}: map it with --map (sex,{c},female|male|total)",
            "_v",
        )
        bad |= unknown
        is_age = present & (kind == "AGEGROUP")
        mapped_age = value.map(lambda c: lookup(ctx, ("age",), c) or gho_age(c) or "")
        age = age.where(~is_age, mapped_age)
        unknown = is_age & (mapped_age == "")
        problems += row_problems(
            raw.assign(_v=value),
            unknown,
            "age",
            lambda c: (
                months_reason(c)
                or f"unknown GHO age group {c!r}: map it with --map (age,{c},<band such as 30-69>)"
            ),
            "_v",
        )
        bad |= unknown
        is_res = present & (kind == "RESIDENCEAREATYPE")
        mapped_res = value.map(lambda c: lookup(ctx, ("residence",), c) or _RESIDENCE.get(c, ""))
        residence = residence.where(~is_res, mapped_res)
        unknown = is_res & (mapped_res == "")
        problems += row_problems(
            raw.assign(_v=value),
            unknown,
            "residence",
            lambda c: (
                f"unknown GHO residence code {c!r}: map it with --map (residence,{c},urban|rural|total)"
            ),
            "_v",
        )
        bad |= unknown
        extra = present & ~is_sex & ~is_age & ~is_res
        key = key.where(~extra, key + "/" + kind + "=" + value)

    # indicator
    resolved = {
        (k, b): resolve_indicator(ctx, k, b)
        for k, b in set(zip(key, raw["code"].astype(str), strict=True))
    }
    indicator = pd.Series(
        [resolved[(k, b)] for k, b in zip(key, raw["code"].astype(str), strict=True)],
        index=raw.index,
        dtype=object,
    )
    skipped = indicator == SKIP
    notes += skip_note(path.name, raw, skipped, key)
    new_indicators: list[NewIndicator] = []
    lost_age = pd.Series(False, index=raw.index)
    if ctx.new_indicators:
        indicator, new_indicators, lost_age = _derive_indicators(raw, indicator, key, age)
        problems += row_problems(
            raw.assign(_k=key),
            lost_age,
            "age",
            lambda k: (
                f"GHO indicator {k!r} is by age ('at age x'), but this row names no age group "
                "(WHO's HDX export keeps one dimension of each record): values of different "
                "ages cannot be told apart; download the indicator from the GHO OData API "
                "(https://ghoapi.azureedge.net/api/<code>), or leave it out with "
                f"--map indicator,{k},-"
            ),
            "_k",
        )
        bad |= lost_age
    # a row left out with '-' is not checked further: its disaggregation codes do not matter
    left_out = set(zip(raw["_file"][skipped].astype(str), raw["_row"][skipped], strict=True))
    problems = [p for p in problems if (p.file, p.row) not in left_out]
    bad &= ~skipped
    unknown_ind = indicator.isna() & ~lost_age
    problems += row_problems(
        raw.assign(_k=key),
        unknown_ind,
        "indicator",
        lambda k: (
            f"unknown GHO indicator {k!r}: map it with --map (indicator,{k},<code>)"
            + (
                ", adding --new-indicators for a new code"
                if "/" not in k
                else "; its disaggregation has no Salamat column, so the combination is mapped as a "
                "whole (or left out with '-')"
            )
        ),
        "_k",
    )
    bad |= unknown_ind

    # not published (VOID) records are withdrawn by WHO
    void = (raw["publish_state"] != "") & (raw["publish_state"] != "PUBLISHED") & ~skipped
    if void.any():
        notes.append(
            f"{path.name}: {int(void.sum())} record(s) with PUBLISHSTATE other than PUBLISHED "
            "not imported (withdrawn by WHO)"
        )

    # area
    stype, spatial = raw["spatial_type"].astype(str), raw["spatial"].astype(str)
    area_map: dict[tuple[str, str], str | None] = {}
    for t, s in set(zip(stype, spatial, strict=True)):
        mapped = lookup(ctx, ("area",), s)
        if mapped is not None:
            area_map[(t, s)] = mapped
        elif t == "GLOBAL":
            area_map[(t, s)] = "WORLD"
        elif t in ("COUNTRY", "REGION"):
            area_map[(t, s)] = ctx.catalog.resolve(s)
        else:
            area_map[(t, s)] = None
    area = pd.Series(
        [area_map[(t, s)] for t, s in zip(stype, spatial, strict=True)],
        index=raw.index,
        dtype=object,
    )
    area_skip = area == SKIP
    live = ~skipped & ~void & ~area_skip
    aggregate = live & area.isna() & (stype != "COUNTRY")
    if aggregate.any():
        names = sorted(set(stype[aggregate] + " " + spatial[aggregate]))
        notes.append(
            f"{path.name}: {int(aggregate.sum())} row(s) of aggregates Salamat has no org unit for "
            f"not imported ({', '.join(names[:6])}{' ...' if len(names) > 6 else ''}); map one "
            "with --map (area,<code>,<org unit>) to import it"
        )
    unknown_area = live & area.isna() & (stype == "COUNTRY")
    problems += row_problems(
        raw,
        unknown_area,
        "area",
        lambda s: f"unknown GHO country {s!r}: map it with --map (area,{s},<code>)",
        "spatial",
    )
    bad |= unknown_area
    notes += skip_note(path.name, raw, area_skip & ~skipped, spatial)

    # value: the numeric value; the display text only when the file has no numeric column
    numeric = raw["numeric"].astype(str).str.strip()
    low, high = raw["low"].astype(str).str.strip(), raw["high"].astype(str).str.strip()
    text = raw["value_text"].astype(str).str.strip()
    note = raw["comments"].astype(str)
    if raw.attrs.get("display_only"):
        shown = text.map(display_value)
        numeric = shown.map(lambda t: t[0] if t else "")
        low = low.where(low != "", shown.map(lambda t: t[1] if t else ""))
        high = high.where(high != "", shown.map(lambda t: t[2] if t else ""))
        read = numeric != ""
        note = note.where(~read, note.where(note == "", note + "; ") + DISPLAY_NOTE)
    no_data = live & ~aggregate & ~unknown_area & (numeric == "") & text.str.lower().isin(NO_DATA)
    if no_data.any():
        notes.append(
            f"{path.name}: {int(no_data.sum())} record(s) published as "
            f"{' / '.join(repr(t) for t in sorted(set(text[no_data])))} skipped as missing"
        )
    no_number = live & ~aggregate & ~unknown_area & ~no_data & (numeric == "")
    for mask, message in (
        (
            no_number & (text != ""),
            "GHO record without a numeric value; its display value is text, which Salamat does "
            "not read as a number: correct the file or leave the record out",
        ),
        (no_number & (text == ""), "GHO record without a value (NumericValue and Value empty)"),
    ):
        problems += row_problems(raw, mask, "value", _constant(message), "value_text")
    bad |= no_number

    keep = live & ~aggregate & ~bad & ~no_data
    frame = pd.DataFrame(
        {
            "indicator": indicator[keep],
            "area": area[keep],
            "period": raw["time"][keep],
            "sex": sex[keep],
            "age": age[keep],
            "residence": residence[keep],
            "value": numeric[keep],
            "lower": low[keep],
            "upper": high[keep],
            "unit": raw["unit"][keep],
            "vintage": raw["date"][keep],
            "note": note[keep],
            "_file": raw["_file"][keep],
            "_row": raw["_row"][keep],
        }
    )
    frame["age"] = definitional_age(frame["indicator"], frame["age"])
    return Parsed(
        frame.reset_index(drop=True),
        problems,
        default_source=SOURCE,
        notes=notes,
        new_indicators=new_indicators,
    )


_BY_AGE_NAME = re.compile(r"\bages? x\b", re.IGNORECASE)


def _derive_indicators(
    raw: pd.DataFrame, indicator: pd.Series, key: pd.Series, age: pd.Series
) -> tuple[pd.Series, list[NewIndicator], pd.Series]:
    """``--new-indicators``: each unknown GHO series (its code, plus any dimension without a
    Salamat column: ``SA_0000001400/ALCOHOLTYPE=ALCOHOLTYPE_SA_WINE``) is registered as
    ``gho_`` and the series in lower case (``VIOLENCE_HOMICIDERATE`` ->
    ``gho_violence_homiciderate``; the same at every import), named by WHO's display name (HDX
    ``GHO (DISPLAY)``, else the code), with the unit that name states (``(years)``, ``(%)``,
    ``per 100 000 population``; none when it states none: nothing assumed), and its GHO code
    kept as the international code. Also returns the rows of a series by age ("at age x",
    WHO's life tables) that name no age group: HDX flattens all but one dimension, so such
    rows cannot be told apart and are not registered."""
    unknown = indicator.isna()
    names = raw["name"].astype(str) if "name" in raw.columns else pd.Series("", index=raw.index)
    by_age = names.str.contains(_BY_AGE_NAME) & (age == "")
    lost_age = unknown & by_age
    create = unknown & ~by_age
    if not create.any():
        return indicator, [], lost_age
    made: dict[str, NewIndicator] = {}
    first = raw.loc[create].assign(_k=key[create]).drop_duplicates("_k")
    for i in first.index:
        k = str(key.at[i])
        name = str(names.at[i]).strip() or k
        if "/" in k:
            name = f"{name} ({k.split('/', 1)[1]})"
        made[k] = NewIndicator(
            code=derived_code("gho", [k]),
            name=name,
            unit=unit_from_name(str(names.at[i])),
            source_code=k,
            source=SOURCE,
        )
    codes = key.map(lambda k: made[k].code if k in made else None)
    return indicator.where(~create, codes), list(made.values()), lost_age


NO_DATA = frozenset({"no data", "not applicable", "data not available"})
DISPLAY_NOTE = "read from WHO's display value (the file has no numeric column)"
_NUMBER = r"-?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?"
_DISPLAY = re.compile(rf"^({_NUMBER})(?:\s*\[\s*({_NUMBER})\s*[-\u2013]\s*({_NUMBER})\s*\])?$")
_UNIT_PER = re.compile(r"\b(per\s+\d[\d ,]*\s+[a-z][a-z -]*?)\s*(?:\)|\(|,|$)")


def display_value(text: str) -> tuple[str, str, str] | None:
    """WHO's display text -> (value, low, high) as text, or None when it is not a number with an
    optional interval: ``"72.4 [70.1-74.6]"`` -> ``("72.4", "70.1", "74.6")``; ``"196 199
    [182 290-211 064]"`` -> ``("196199", "182290", "211064")`` (spaces group thousands);
    ``"[5]/[10]"``, ``"Yes"``, ``"No data"`` -> None."""
    m = _DISPLAY.match(text.strip())
    if m is None:
        return None

    def bare(x: str | None) -> str:
        return "" if x is None else re.sub(r"[ \u00a0\u202f]", "", x)

    return bare(m[1]), bare(m[2]), bare(m[3])


def unit_from_name(name: str) -> str:
    """The unit an indicator's GHO display name states, else "": ``"Life expectancy at birth
    (years)"`` -> ``years``; ``"... (%)"`` -> ``%``; ``"... per 1000 live births"`` -> ``per
    1000 live births``; ``"Tuberculosis treatment coverage"`` -> ``""`` (nothing assumed)."""
    t = name.strip().lower()
    if t.endswith("(years)"):
        return "years"
    if t.endswith("(%)"):
        return "%"
    m = _UNIT_PER.search(t)
    return m[1].strip() if m else ""


def _constant(message: str) -> Callable[[str], str]:
    return lambda _value: message


register_parser(
    "gho",
    parse_gho,
    "WHO GHO: OData JSON, its CSV export or the athena CSV (NumericValue, Low, High)",
)
